//! alertd under test against tests/twilio-sim over real TLS: a temp SQLite, the simulator's
//! credentials in the env lookup, a manual or system clock, and a free API port picked
//! (and picked again if another test took it) before alertd listens, because the port is in
//! `public_url`, which the simulator signs its callbacks against. Each test file writes its
//! own config text; only these mechanics are shared.

use std::sync::Arc;
use std::time::Duration;

use alertd::app::{self, RunningApp, StartOptions};
use alertd::clock::{ManualClock, SharedClock, SystemClock};
use alertd::config::Config;
use alertd::config::secrets::EnvLookup;
use alertd::domain::time::Timestamp;
use alertd::store::OutboxStore;
use alertd::store::sqlite::SqliteStore;
use twilio_sim::{SimConfig, Simulator};

/// How many ports to try before giving up on a start.
const START_ATTEMPTS: u32 = 5;

/// What alertd is started with besides its config text.
pub struct Launch<'a> {
    /// A manual clock standing at this instant, or the system clock when `None`.
    pub manual_clock_at: Option<Timestamp>,
    /// Env values on top of `TWILIO_ACCOUNT_SID` / `TWILIO_AUTH_TOKEN` (the simulator's).
    pub extra_env: &'a [(&'static str, &'static str)],
}

/// The config lines that tie alertd to its port and to the simulator; each test file writes
/// the rest of its config around them.
pub struct Wiring {
    /// `[server]` with `listen` and `public_url` on the picked port.
    pub server: String,
    /// The `[twilio]` header with `api_base` and `ca_file` (the simulator's); keys written right
    /// after it belong to the table.
    pub twilio: String,
}

/// One `oncall` receiver texting +15551230001, unless `receivers` names others.
pub fn receivers_or_oncall(receivers: &str) -> &str {
    if receivers.is_empty() {
        "[[receivers]]\nname = \"oncall\"\nsms = [\"+15551230001\"]\n"
    } else {
        receivers
    }
}

/// A running alertd whose Twilio is `sim`.
pub struct SimApp {
    pub sim: Simulator,
    pub app: Option<RunningApp>,
    /// alertd's HTTP API.
    pub base: String,
    /// What Twilio is told to call back (and signs against).
    pub public_url: String,
    pub http: reqwest::Client,
    pub manual: Option<ManualClock>,
    pub dir: tempfile::TempDir,
}

/// A fresh simulator with the default config.
pub async fn start_sim() -> Simulator {
    Simulator::start(SimConfig::default()).await.unwrap()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl SimApp {
    /// Starts alertd over `dir`'s database with the config `config` returns around the
    /// [`Wiring`] (the API port and the simulator's URL and CA, written into `dir`).
    pub async fn launch(
        sim: Simulator,
        dir: tempfile::TempDir,
        launch: &Launch<'_>,
        config: impl Fn(&Wiring) -> String,
    ) -> Self {
        let sim_ca = dir.path().join("sim-ca.pem");
        std::fs::write(&sim_ca, sim.ca_pem()).unwrap();
        let mut attempt = 0;
        let (app, port, manual) = loop {
            attempt += 1;
            let port = free_port();
            let wiring = Wiring {
                server: format!(
                    "[server]\nlisten = \"127.0.0.1:{port}\"\npublic_url = \"http://127.0.0.1:{port}\"\n"
                ),
                twilio: format!(
                    "[twilio]\napi_base = \"{}\"\nca_file = \"{}\"\n",
                    sim.base_url(),
                    sim_ca.display()
                ),
            };
            let cfg = Config::parse(&config(&wiring)).unwrap();
            let manual = launch.manual_clock_at.map(ManualClock::new);
            let clock: SharedClock = match &manual {
                Some(m) => Arc::new(m.clone()),
                None => Arc::new(SystemClock),
            };
            let store = Arc::new(SqliteStore::open(&dir.path().join("alertd.db")).unwrap());
            let started = app::start_with_store(
                &cfg,
                StartOptions {
                    clock,
                    env: sim_env(&sim, launch.extra_env),
                    sender: None,
                },
                store,
                cfg.listen_addr().unwrap(),
            )
            .await;
            match started {
                Ok(app) => break (app, port, manual),
                Err(app::StartError::Listen { .. }) if attempt < START_ATTEMPTS => {}
                Err(e) => panic!("alertd did not start: {e}"),
            }
        };
        assert_eq!(app.sender_kind, "twilio");
        Self {
            sim,
            base: format!("http://{}", app.addr),
            public_url: format!("http://127.0.0.1:{port}"),
            app: Some(app),
            http: reqwest::Client::new(),
            manual,
            dir,
        }
    }

    /// alertd on a manual clock standing at `at`, texting from the simulator's test number at up
    /// to 1000 messages/s: `server_keys` are added to `[server]`, `rest` follows `[twilio]`.
    pub async fn start_manual(at: Timestamp, server_keys: &str, rest: &str) -> Self {
        let launch = Launch {
            manual_clock_at: Some(at),
            extra_env: &[],
        };
        Self::launch(
            start_sim().await,
            tempfile::tempdir().unwrap(),
            &launch,
            |wiring| {
                format!(
                    "{}{server_keys}\n{}from = \"+15005550006\"\nmps = 1000.0\n\n{rest}",
                    wiring.server, wiring.twilio
                )
            },
        )
        .await
    }

    pub fn app(&self) -> &RunningApp {
        self.app.as_ref().unwrap()
    }

    pub fn store(&self) -> &SqliteStore {
        &self.app().store
    }

    /// The manual clock (the rig must have been launched with one).
    pub fn clock(&self) -> &ManualClock {
        self.manual.as_ref().expect("launched with a manual clock")
    }

    pub fn advance(&self, d: Duration) {
        self.clock().advance(d);
    }

    /// Posts `body` to `/api/v1/alerts` and expects 202.
    pub async fn post_alerts(&self, body: &serde_json::Value) {
        let resp = self
            .http
            .post(format!("{}/api/v1/alerts", self.base))
            .header("Content-Type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        assert_eq!(status, 202, "{}", resp.text().await.unwrap_or_default());
    }

    /// POSTs `body` as JSON to `path`: the status and the answer's text.
    pub async fn post_json(&self, path: &str, body: &serde_json::Value) -> (u16, String) {
        let resp = self
            .http
            .post(format!("{}{path}", self.base))
            .header("Content-Type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        (resp.status().as_u16(), resp.text().await.unwrap())
    }

    /// GETs `path` from alertd's API as JSON.
    pub async fn get_json(&self, path: &str) -> serde_json::Value {
        self.http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// alertd's `/metrics` text.
    pub async fn metrics(&self) -> String {
        self.http
            .get(format!("{}/metrics", self.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    /// The CreateMessage requests the simulator received.
    pub fn message_posts(&self) -> Vec<twilio_sim::RecordedRequest> {
        self.sim
            .requests()
            .into_iter()
            .filter(|r| r.method == "POST" && r.path.ends_with("/Messages.json"))
            .collect()
    }

    /// The outbox rows, newest first.
    pub fn outbox(&self) -> Vec<alertd::domain::outbox::OutboxMessage> {
        self.store().recent_outbox(100).unwrap()
    }

    pub async fn shutdown(&mut self) {
        if let Some(app) = self.app.take() {
            app.shutdown().await;
        }
    }

    /// Stops alertd and hands back the simulator and the folder, for a restart over them.
    pub async fn stop(mut self) -> (Simulator, tempfile::TempDir) {
        self.shutdown().await;
        (self.sim, self.dir)
    }
}

/// The simulator's account SID and auth token as alertd's env, plus `extra`.
fn sim_env(sim: &Simulator, extra: &[(&'static str, &'static str)]) -> EnvLookup {
    let (account, token) = (sim.account_sid().to_owned(), sim.auth_token().to_owned());
    let extra = extra.to_vec();
    Arc::new(move |name| match name {
        "TWILIO_ACCOUNT_SID" => Some(account.clone()),
        "TWILIO_AUTH_TOKEN" => Some(token.clone()),
        _ => extra
            .iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| (*value).to_owned()),
    })
}
