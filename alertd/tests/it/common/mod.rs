//! Shared helpers for alertd's integration tests.
#![allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::panic,
    clippy::expect_used
)]

pub mod broker;
pub mod relay;
pub mod sim_app;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use alertd::app::{self, RunningApp, StartOptions};
use alertd::clock::ManualClock;
use alertd::config::Config;
use alertd::domain::time::Timestamp;
use alertd::outbox::Sender;
use alertd::store::sqlite::SqliteStore;

/// 2026-01-01T12:00:00Z: midday, outside any night-time quiet hours.
pub const T0: Timestamp = Timestamp(1_767_268_800_000);

/// `[alerts]` for tests whose alerts, posted once, must stay firing while the clock moves on
/// for hours: the default `resolve_timeout` (5m) would resolve them.
pub const KEEP_FIRING: &str = "[alerts]\nresolve_timeout = \"7d\"\n";

pub struct Harness {
    pub app: Option<RunningApp>,
    pub clock: ManualClock,
    pub base: String,
    pub http: reqwest::Client,
    pub dir: tempfile::TempDir,
    pub cfg: Config,
}

pub fn config(extra_route: &str, extra: &str) -> Config {
    config3(extra_route, extra, "")
}

pub fn config3(extra_route: &str, extra: &str, extra_twilio: &str) -> Config {
    Config::parse(&config_text(extra_route, extra, extra_twilio)).unwrap()
}

/// The text of [`config3`]'s config.
pub fn config_text(extra_route: &str, extra: &str, extra_twilio: &str) -> String {
    let group_wait = if extra_route.contains("group_wait") {
        ""
    } else {
        "group_wait = \"0s\""
    };
    format!(
        r#"
[server]
listen = "127.0.0.1:0"
public_url = "http://alertd.test"
max_body_bytes = 65536
{extra}
[twilio]
from = "+15005550006"
{extra_twilio}

[[receivers]]
name = "oncall"
sms = ["+15551230001"]

[route]
receiver = "oncall"
group_by = ["alertname"]
{group_wait}
group_interval = "5m"
{extra_route}
"#
    )
}

pub fn no_env() -> alertd::config::secrets::EnvLookup {
    Arc::new(|_| None)
}

impl Harness {
    pub async fn start(cfg: Config) -> Self {
        Self::start_with(cfg, None, no_env(), None).await
    }

    pub async fn start_with(
        cfg: Config,
        sender: Option<Arc<dyn Sender>>,
        env: alertd::config::secrets::EnvLookup,
        dir: Option<tempfile::TempDir>,
    ) -> Self {
        let dir = dir.unwrap_or_else(|| tempfile::tempdir().unwrap());
        let clock = ManualClock::new(T0);
        let store = Arc::new(SqliteStore::open(&dir.path().join("alertd.db")).unwrap());
        let options = StartOptions {
            clock: Arc::new(clock.clone()),
            env,
            sender,
        };
        let addr: SocketAddr = "127.0.0.1:0".parse().unwrap();
        let app = app::start_with_store(&cfg, options, store, addr)
            .await
            .unwrap();
        let base = format!("http://{}", app.addr);
        Self {
            app: Some(app),
            clock,
            base,
            http: reqwest::Client::new(),
            dir,
            cfg,
        }
    }

    pub fn app(&self) -> &RunningApp {
        self.app.as_ref().unwrap()
    }

    pub async fn post(
        &self,
        path: &str,
        body: impl Into<reqwest::Body>,
    ) -> (u16, serde_json::Value) {
        let resp = self
            .http
            .post(format!("{}{path}", self.base))
            .header("Content-Type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}")),
        )
    }

    pub async fn get(&self, path: &str) -> (u16, String) {
        let resp = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        (resp.status().as_u16(), resp.text().await.unwrap())
    }

    pub fn dry_sent(&self) -> Vec<alertd::sender::dry_run::DryRunRecord> {
        self.app()
            .dry_run
            .as_ref()
            .map(|d| d.records())
            .unwrap_or_default()
    }

    pub async fn shutdown(&mut self) {
        if let Some(app) = self.app.take() {
            app.shutdown().await;
        }
    }
}

/// Waits (bounded) for a condition that async work will make true; not a timer test.
pub async fn eventually(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !cond() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for: {what}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Lets in-flight work settle, to assert that nothing more happens.
pub async fn settle() {
    settle_for(Duration::from_millis(150)).await;
}

/// Lets in-flight work settle for `d`.
pub async fn settle_for(d: Duration) {
    tokio::time::sleep(d).await;
}
