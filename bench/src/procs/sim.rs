//! tests/twilio-sim as a child process, and the parts of its `/_sim/` API the drivers read.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime};

use serde::Deserialize;

use super::{ChildGuard, free_port, wait_until};
use crate::error::{BenchError, Result};

/// The simulator's documented test account (it accepts nothing else by default).
pub const ACCOUNT_SID: &str = "AC0123456789abcdef0123456789abcdef";
/// The simulator's documented test auth token.
pub const AUTH_TOKEN: &str = "fedcba9876543210fedcba9876543210";

/// A running simulator.
pub struct Sim {
    /// The process.
    pub process: ChildGuard,
    /// `https://127.0.0.1:PORT`.
    pub base_url: String,
    /// Its test CA (PEM), for alertd's `ca_file`.
    pub ca_path: PathBuf,
    client: reqwest::Client,
}

/// One API request the simulator recorded.
#[derive(Debug, Clone, Deserialize)]
pub struct Request {
    /// Arrival time at the simulator.
    pub received_at: SystemTime,
    /// HTTP method.
    pub method: String,
    /// Path.
    pub path: String,
    /// The decoded form.
    pub form: Vec<(String, String)>,
    /// The status the simulator answered.
    pub status: u16,
}

impl Request {
    /// Whether this is a CreateMessage (`POST .../Messages.json`), whatever its answer.
    pub fn is_create_message(&self) -> bool {
        self.method == "POST" && self.path.ends_with("/Messages.json")
    }

    /// The first value of a form field.
    pub fn form_value(&self, name: &str) -> Option<&str> {
        self.form
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A message the simulator created (only accepted requests create one).
#[derive(Debug, Clone, Deserialize)]
pub struct Message {
    /// The text.
    pub body: String,
    /// When it was created.
    pub date_created: SystemTime,
}

impl Sim {
    /// Starts `bin` on a free loopback port with its CA written into `dir`; keeps up to
    /// `history_cap` records so a whole run can be inspected afterwards.
    pub async fn start(bin: &Path, dir: &Path, history_cap: usize) -> Result<Self> {
        let port = free_port()?;
        let ca_path = dir.join("sim-ca.pem");
        let process = ChildGuard::spawn(
            "twilio-sim",
            Command::new(bin)
                .arg("--listen")
                .arg(format!("127.0.0.1:{port}"))
                .arg("--ca-out")
                .arg(&ca_path)
                .arg("--history-cap")
                .arg(history_cap.to_string())
                .env("RUST_LOG", "warn"),
            &dir.join("sim.log"),
        )?;
        wait_until("twilio-sim's CA file", Duration::from_secs(20), || async {
            std::fs::read(&ca_path)
                .is_ok_and(|pem| pem.windows(20).any(|w| w == b"END CERTIFICATE-----"))
        })
        .await?;
        let pem = std::fs::read(&ca_path).map_err(BenchError::io("read twilio-sim's CA"))?;
        let ca = reqwest::Certificate::from_pem(&pem)
            .map_err(BenchError::http("parse twilio-sim's CA"))?;
        let client = reqwest::Client::builder()
            .add_root_certificate(ca)
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(BenchError::http("build the /_sim/ client"))?;
        let sim = Self {
            process,
            base_url: format!("https://127.0.0.1:{port}"),
            ca_path,
            client,
        };
        wait_until("twilio-sim to answer", Duration::from_secs(20), || async {
            sim.get_json::<serde_json::Value>("info").await.is_ok()
        })
        .await?;
        Ok(sim)
    }

    async fn get_json<T: serde::de::DeserializeOwned>(&self, what: &str) -> Result<T> {
        let url = format!("{}/_sim/{what}", self.base_url);
        let resp = self
            .client
            .get(&url)
            .send()
            .await
            .map_err(BenchError::http(format!("GET {url}")))?;
        resp.json()
            .await
            .map_err(BenchError::http(format!("read GET {url}")))
    }

    /// Every API request recorded so far.
    pub async fn requests(&self) -> Result<Vec<Request>> {
        self.get_json("requests").await
    }

    /// Every message created so far.
    pub async fn messages(&self) -> Result<Vec<Message>> {
        self.get_json("messages").await
    }

    /// The fault rules still active (counted rules disappear once used up).
    pub async fn faults(&self) -> Result<Vec<serde_json::Value>> {
        self.get_json("faults").await
    }

    /// Adds a fault rule (`POST /_sim/faults`).
    pub async fn add_fault(&self, rule: &serde_json::Value) -> Result<()> {
        let url = format!("{}/_sim/faults", self.base_url);
        let resp = self
            .client
            .post(&url)
            .json(rule)
            .send()
            .await
            .map_err(BenchError::http(format!("POST {url}")))?;
        if resp.status().is_success() {
            Ok(())
        } else {
            Err(BenchError::Http {
                what: format!("POST {url} {rule}"),
                reason: format!("answered {}", resp.status()),
            })
        }
    }
}
