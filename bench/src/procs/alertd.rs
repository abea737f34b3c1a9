//! alertd (the release binary) as a child process pointed at a [`Sim`]: its config, start,
//! readiness, `kill -9` and restart on the same data dir.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use super::sim::{ACCOUNT_SID, AUTH_TOKEN, Sim};
use super::{ChildGuard, Grouping, free_port};
use crate::error::{BenchError, Result};

/// The sending policy a run configures.
#[derive(Debug, Clone)]
pub struct SendPolicy {
    /// `twilio.mps`: messages per second per From.
    pub mps: f64,
    /// `twilio.max_attempts`.
    pub max_attempts: u32,
    /// `twilio.retry_base`, e.g. `"200ms"`.
    pub retry_base: String,
    /// `twilio.retry_max`.
    pub retry_max: String,
}

impl SendPolicy {
    /// As fast as alertd goes (for throughput and latency figures): the rate limit out of
    /// the way, the default retry policy.
    pub fn unthrottled() -> Self {
        Self {
            mps: 100_000.0,
            max_attempts: 8,
            retry_base: "1s".into(),
            retry_max: "5m".into(),
        }
    }
}

/// The config a run uses: one SMS receiver, grouping as given, notifications to the simulator
/// over TLS with its CA.
pub fn config_toml(
    port: u16,
    db: &Path,
    sim: &Sim,
    policy: &SendPolicy,
    grouping: &Grouping,
) -> String {
    format!(
        r#"[server]
listen = "127.0.0.1:{port}"

[store]
path = "{db}"

[twilio]
from = "+15005550006"
api_base = "{api}"
ca_file = "{ca}"
mps = {mps:?}
max_attempts = {attempts}
retry_base = "{base}"
retry_max = "{max}"
request_timeout = "10s"

[[receivers]]
name = "bench"
sms = ["+15551230001"]
send_resolved = false
{template}

[route]
receiver = "bench"
group_by = {group_by}
group_wait = "{group_wait}"
group_interval = "{group_interval}"
repeat_interval = "1h"
"#,
        db = db.display(),
        api = sim.base_url,
        ca = sim.ca_path.display(),
        mps = policy.mps,
        attempts = policy.max_attempts,
        base = policy.retry_base,
        max = policy.retry_max,
        group_by = grouping.group_by_list(),
        group_wait = grouping.group_wait,
        group_interval = grouping.group_interval,
        template = grouping
            .sms_template
            .as_ref()
            .map(|t| format!("sms_template = {t:?}"))
            .unwrap_or_default(),
    )
}

/// An alertd process that can be killed and started again on the same data dir.
pub struct Alertd {
    bin: PathBuf,
    config: PathBuf,
    log: PathBuf,
    /// Where the API listens.
    pub base_url: String,
    process: Option<ChildGuard>,
    client: reqwest::Client,
}

impl Alertd {
    /// Writes the config into `dir` and starts alertd; returns once `/healthz` answers.
    pub async fn start(
        bin: &Path,
        dir: &Path,
        sim: &Sim,
        policy: &SendPolicy,
        grouping: &Grouping,
    ) -> Result<Self> {
        let port = free_port()?;
        let config = dir.join("alertd.toml");
        std::fs::write(
            &config,
            config_toml(port, &dir.join("alertd.db"), sim, policy, grouping),
        )
        .map_err(BenchError::io("write alertd.toml"))?;
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(2))
            .build()
            .map_err(BenchError::http("build the health-check client"))?;
        let mut alertd = Self {
            bin: bin.to_path_buf(),
            config,
            log: dir.join("alertd.log"),
            base_url: format!("http://127.0.0.1:{port}"),
            process: None,
            client,
        };
        alertd.restart().await?;
        Ok(alertd)
    }

    /// Starts the process (after a kill) and waits until `/healthz` answers.
    pub async fn restart(&mut self) -> Result<()> {
        let mut cmd = Command::new(&self.bin);
        cmd.arg("run")
            .arg("--config")
            .arg(&self.config)
            .env("TWILIO_ACCOUNT_SID", ACCOUNT_SID)
            .env("TWILIO_AUTH_TOKEN", AUTH_TOKEN)
            .env_remove("TWILIO_API_BASE")
            .env_remove("TWILIO_API_KEY")
            .env_remove("TWILIO_API_SECRET")
            .env_remove("ALERTD_BEARER_TOKEN")
            .env("RUST_LOG", "warn");
        self.process = Some(ChildGuard::spawn("alertd", &mut cmd, &self.log)?);
        let url = format!("{}/healthz", self.base_url);
        let start = std::time::Instant::now();
        loop {
            if let Some(p) = self.process.as_mut() {
                p.check_alive()?;
            }
            if self
                .client
                .get(&url)
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                return Ok(());
            }
            if start.elapsed() > Duration::from_secs(30) {
                return Err(BenchError::Timeout {
                    what: format!("alertd's {url} (log: {})", self.log.display()),
                    after: Duration::from_secs(30),
                });
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// `kill -9` the process.
    pub fn kill9(&mut self) -> Result<()> {
        match self.process.take() {
            Some(mut p) => p.kill9(),
            None => Ok(()),
        }
    }

    /// Peak RSS of the current process, KiB.
    pub fn peak_rss_kib(&self) -> Option<u64> {
        self.process.as_ref().and_then(ChildGuard::peak_rss_kib)
    }

    /// `POST /api/v1/alerts` URL.
    pub fn alerts_url(&self) -> String {
        format!("{}/api/v1/alerts", self.base_url)
    }
}
