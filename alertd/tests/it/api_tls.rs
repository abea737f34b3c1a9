//! The API over HTTPS (`[server] tls_cert_file`): a client that trusts the CA gets its answers,
//! plain HTTP gets none, and a reload that names a new certificate serves it to the next
//! connections.
#![allow(clippy::unwrap_used)]

use std::net::SocketAddr;

use alertd::config::Config;
use serde_json::json;

use crate::common::relay::TestCa;
use crate::common::{Harness, config};

/// A client that trusts only `ca` and opens a new connection for each request.
fn client(ca: &TestCa, addr: SocketAddr) -> reqwest::Client {
    reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(ca.ca_pem.as_bytes()).unwrap())
        .resolve("localhost", addr)
        .pool_max_idle_per_host(0)
        .build()
        .unwrap()
}

async fn post_alert(client: &reqwest::Client, addr: SocketAddr, path: &str) -> Result<u16, String> {
    client
        .post(format!("https://localhost:{}{path}", addr.port()))
        .header("Content-Type", "application/json")
        .body(json!([{"name": "BoilerHot", "severity": "warning"}]).to_string())
        .send()
        .await
        .map(|r| r.status().as_u16())
        .map_err(|e| format!("{e:?}"))
}

fn tls_config(ca: &TestCa) -> String {
    format!(
        "tls_cert_file = {:?}\ntls_key_file = {:?}\n",
        ca.cert_file.display().to_string(),
        ca.key_file.display().to_string()
    )
}

#[tokio::test]
async fn the_api_serves_https_and_a_reload_serves_the_new_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let (first_dir, second_dir) = (dir.path().join("first"), dir.path().join("second"));
    std::fs::create_dir_all(&first_dir).unwrap();
    std::fs::create_dir_all(&second_dir).unwrap();
    let (first, second) = (TestCa::generate(&first_dir), TestCa::generate(&second_dir));
    let cfg: Config = config("", &tls_config(&first));
    let h = Harness::start(cfg).await;
    let addr = h.app().addr;

    assert_eq!(
        post_alert(&client(&first, addr), addr, "/api/v1/alerts").await,
        Ok(202)
    );
    assert!(
        post_alert(&client(&second, addr), addr, "/api/v1/alerts")
            .await
            .is_err(),
        "a client that trusts another CA is refused"
    );
    let plain = reqwest::Client::new()
        .get(format!("http://{addr}/healthz"))
        .send()
        .await;
    assert!(plain.is_err(), "plain HTTP gets no answer: {plain:?}");

    // The renewed certificate (here: from another CA) applies from the next connection on.
    let path = dir.path().join("alertd.toml");
    let text = crate::common::config_text("", &tls_config(&second), "");
    std::fs::write(&path, text).unwrap();
    h.app().set_config_path(path.clone());
    assert_eq!(
        post_alert(&client(&first, addr), addr, "/-/reload").await,
        Ok(200)
    );
    assert_eq!(
        post_alert(&client(&second, addr), addr, "/api/v1/alerts").await,
        Ok(202)
    );
    assert!(
        post_alert(&client(&first, addr), addr, "/api/v1/alerts")
            .await
            .is_err()
    );

    // A key that does not parse is refused; the certificate in force stays.
    std::fs::write(&second.key_file, "not a key").unwrap();
    assert_eq!(
        post_alert(&client(&second, addr), addr, "/-/reload").await,
        Ok(400)
    );
    assert_eq!(
        post_alert(&client(&second, addr), addr, "/api/v1/alerts").await,
        Ok(202)
    );
}
