//! The `twilio-sim` binary: starts, prints its credentials, writes its CA, serves requests.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // Test helpers fail loudly.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn binary_serves_with_the_default_credentials_and_writes_its_ca() {
    let dir = std::env::temp_dir().join(format!("twilio-sim-bin-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ca_path = dir.join("ca.pem");
    let mut child = Killed(
        Command::new(env!("CARGO_BIN_EXE_twilio-sim"))
            .args(["--listen", "127.0.0.1:0", "--ca-out"])
            .arg(&ca_path)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let stdout = BufReader::new(child.0.stdout.take().unwrap());
    let mut base_url = None;
    let mut printed = Vec::new();
    for line in stdout.lines() {
        let line = line.unwrap();
        if let Some(url) = line.strip_prefix("twilio-sim listening on ") {
            base_url = Some(url.to_owned());
        }
        printed.push(line);
        if printed.iter().any(|l| l.starts_with("inspect:")) {
            break;
        }
    }
    let base_url = base_url.unwrap();
    assert!(
        printed
            .iter()
            .any(|l| l.contains(twilio_sim::DEFAULT_ACCOUNT_SID))
    );
    assert!(
        printed
            .iter()
            .any(|l| l.contains(twilio_sim::DEFAULT_AUTH_TOKEN))
    );

    let ca = std::fs::read(&ca_path).unwrap();
    let client = reqwest::Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(&ca).unwrap())
        .build()
        .unwrap();
    let response = client
        .post(format!(
            "{base_url}/2010-04-01/Accounts/{}/Messages.json",
            twilio_sim::DEFAULT_ACCOUNT_SID
        ))
        .basic_auth(
            twilio_sim::DEFAULT_ACCOUNT_SID,
            Some(twilio_sim::DEFAULT_AUTH_TOKEN),
        )
        .form(&[
            ("To", "+14155550100"),
            ("From", "+15005550006"),
            ("Body", "from the binary"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let messages: serde_json::Value = client
        .get(format!("{base_url}/_sim/messages"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(messages[0]["body"], "from the binary");
    drop(child);
    let _ = std::fs::remove_dir_all(&dir);
}
