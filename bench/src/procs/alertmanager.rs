//! Prometheus Alertmanager (Debian's `prometheus-alertmanager`, 0.25) as a child process on
//! loopback, clustering off, notifying a webhook.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use super::{ChildGuard, Grouping, free_port, wait_until};
use crate::error::{BenchError, Result};

/// Where Debian installs it.
pub const DEFAULT_BIN: &str = "/usr/bin/prometheus-alertmanager";

/// The config: the same grouping as alertd's, one webhook receiver, resolved notifications off
/// (as for alertd).
pub fn config_yaml(webhook_url: &str, grouping: &Grouping) -> String {
    format!(
        "route:\n  receiver: bench\n  group_by: {group_by}\n  group_wait: {group_wait}\n  group_interval: {group_interval}\n  repeat_interval: 1h\n\
         receivers:\n  - name: bench\n    webhook_configs:\n      - url: '{webhook_url}'\n        send_resolved: false\n",
        group_by = grouping.group_by_list(),
        group_wait = grouping.group_wait,
        group_interval = grouping.group_interval,
    )
}

/// A running Alertmanager.
pub struct Alertmanager {
    /// The process.
    pub process: ChildGuard,
    /// `http://127.0.0.1:PORT`.
    pub base_url: String,
}

impl Alertmanager {
    /// Starts `bin` with its config and storage in `dir`; returns once `/-/ready` answers.
    pub async fn start(
        bin: &Path,
        dir: &Path,
        webhook_url: &str,
        grouping: &Grouping,
    ) -> Result<Self> {
        if !bin.is_file() {
            return Err(BenchError::Setup(format!(
                "{} not found: apt-get install prometheus-alertmanager (bench/compare.sh does)",
                bin.display()
            )));
        }
        let port = free_port()?;
        let config = dir.join("alertmanager.yml");
        std::fs::write(&config, config_yaml(webhook_url, grouping))
            .map_err(BenchError::io("write alertmanager.yml"))?;
        let storage = dir.join("alertmanager-data");
        let mut cmd = Command::new(bin);
        cmd.arg(format!("--config.file={}", config.display()))
            .arg(format!("--storage.path={}", storage.display()))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            // No gossip: a single instance, as alertd is.
            .arg("--cluster.listen-address=")
            .arg("--log.level=warn");
        let mut process =
            ChildGuard::spawn("alertmanager", &mut cmd, &dir.join("alertmanager.log"))?;
        let base_url = format!("http://127.0.0.1:{port}");
        let client = reqwest::Client::new();
        let ready = format!("{base_url}/-/ready");
        wait_until(
            "Alertmanager's /-/ready",
            Duration::from_secs(30),
            || async {
                client
                    .get(&ready)
                    .send()
                    .await
                    .is_ok_and(|r| r.status().is_success())
            },
        )
        .await?;
        process.check_alive()?;
        Ok(Self { process, base_url })
    }

    /// `POST /api/v2/alerts` URL.
    pub fn alerts_url(&self) -> String {
        format!("{}/api/v2/alerts", self.base_url)
    }
}
