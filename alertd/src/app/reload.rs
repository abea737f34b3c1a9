//! Config reload (SIGHUP, `POST /-/reload`): the file is read and validated, the policy parts
//! (routes, receivers and rosters, templates, escalation policies, time intervals, inhibit
//! rules) are compiled, and only then are they handed to the running engine and escalation
//! timer and `[twilio] mps` set on the outbox's pacing, so a refused config leaves the old one
//! running. The store, listeners, outbox and connections
//! keep running throughout. Settings that only a restart applies are named in the report.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use tokio::sync::{mpsc, oneshot};

use crate::clock::SharedClock;
use crate::config::Config;
use crate::engine::EngineRules;
use crate::escalation::timer::EscalationRules;
use crate::http::lifecycle::ReloadReport;
use crate::metrics::Metrics;
use crate::serve::ServerTls;

/// Re-reads the config file and applies it.
pub(crate) struct Reloader {
    /// The file alertd was started with (`None`: the embedded defaults, nothing to re-read).
    pub(crate) path: Mutex<Option<PathBuf>>,
    /// The config in force (what the new one is compared with).
    pub(crate) running: Mutex<Config>,
    /// The engine takes its new rules between flushes.
    pub(crate) engine: mpsc::Sender<(EngineRules, oneshot::Sender<()>)>,
    /// The escalation timer's rules.
    pub(crate) escalation: Arc<RwLock<EscalationRules>>,
    /// The outbox's per-From pacing (`[twilio] mps`).
    pub(crate) limiter: Arc<crate::outbox::rate_limit::RateLimiter>,
    /// Counters.
    pub(crate) metrics: Arc<Metrics>,
    /// Time.
    pub(crate) clock: SharedClock,
    /// One reload at a time.
    pub(crate) serial: tokio::sync::Mutex<()>,
    /// The API's certificate, when it serves HTTPS: read again on each reload.
    pub(crate) api_tls: Option<ServerTls>,
}

fn notify(state: &[sd_notify::NotifyState<'_>]) {
    // Without NOTIFY_SOCKET (not under systemd) this does nothing.
    let _ = sd_notify::notify(false, state);
}

impl Reloader {
    /// Reads and applies the config file; the report says what happened.
    pub(crate) async fn reload(&self) -> ReloadReport {
        let _one = self.serial.lock().await;
        notify(&[sd_notify::NotifyState::Reloading]);
        let report = self.try_reload().await;
        notify(&[sd_notify::NotifyState::Ready]);
        let at = u64::try_from(self.clock.now().0 / 1000).unwrap_or(0);
        self.metrics.config_reloaded(report.error.is_none(), at);
        match &report.error {
            None if report.restart_needed.is_empty() => tracing::info!("config reloaded"),
            None => tracing::warn!(
                restart_needed = %report.restart_needed.join(", "),
                "config reloaded; these changes take effect after a restart"
            ),
            Some(why) => {
                tracing::error!("config reload refused, the old config keeps running: {why}");
            }
        }
        report
    }

    async fn try_reload(&self) -> ReloadReport {
        let refused = |error: String| ReloadReport {
            error: Some(error),
            restart_needed: Vec::new(),
        };
        let path = self
            .path
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let Some(path) = path else {
            return refused(
                "alertd runs on its embedded defaults: there is no config file to re-read".into(),
            );
        };
        let loaded = tokio::task::spawn_blocking(move || Config::load(&path)).await;
        let cfg = match loaded {
            Ok(Ok(cfg)) => cfg,
            Ok(Err(e)) => return refused(e.to_string()),
            Err(e) => return refused(e.to_string()),
        };
        let certificate = match self.read_certificate(&cfg).await {
            Ok(c) => c,
            Err(e) => return refused(e),
        };
        let rules = match EngineRules::build(&cfg, &self.metrics) {
            Ok(rules) => rules,
            Err(e) => return refused(e.to_string()),
        };
        let escalation = EscalationRules {
            policies: rules.policies.clone(),
            inhibit_rules: rules.inhibit_rules.clone(),
        };
        let (applied, done) = oneshot::channel();
        if self.engine.send((rules, applied)).await.is_err() || done.await.is_err() {
            return refused("the pipeline has stopped".into());
        }
        *self
            .escalation
            .write()
            .unwrap_or_else(PoisonError::into_inner) = escalation;
        self.limiter.set_mps(cfg.twilio.mps);
        if let (Some(tls), Some(certificate)) = (&self.api_tls, certificate) {
            tls.replace(certificate);
        }
        let mut running = self.running.lock().unwrap_or_else(PoisonError::into_inner);
        let restart_needed = restart_needed(&running, &cfg);
        *running = cfg;
        ReloadReport {
            error: None,
            restart_needed,
        }
    }
}

impl Reloader {
    /// The API's certificate and key from `cfg`'s files, when the API serves HTTPS and `cfg`
    /// keeps it on (turning HTTPS on or off takes a restart).
    async fn read_certificate(&self, cfg: &Config) -> Result<Option<rustls::ServerConfig>, String> {
        let (Some(_), Some(cert), Some(key)) = (
            &self.api_tls,
            cfg.server.tls_cert_file.clone(),
            cfg.server.tls_key_file.clone(),
        ) else {
            return Ok(None);
        };
        tokio::task::spawn_blocking(move || crate::tls::server_config(&cert, &key))
            .await
            .map_err(|e| e.to_string())?
            .map(Some)
            .map_err(|e| format!("API {e}"))
    }
}

/// The sections of `new` that differ from `old` and that only a restart applies.
pub(crate) fn restart_needed(old: &Config, new: &Config) -> Vec<String> {
    let mut changed = Vec::new();
    let mut check = |name: &str, same: bool| {
        if !same {
            changed.push(name.to_owned());
        }
    };
    let mut old_twilio = old.twilio.clone();
    // What the engine takes on reload.
    old_twilio.segment_budget = new.twilio.segment_budget;
    old_twilio.require_verified = new.twilio.require_verified;
    old_twilio.mps = new.twilio.mps;
    let (a, b) = (&old.server, &new.server);
    check("server.listen", a.listen == b.listen);
    check(
        "server.tls (HTTPS on or off)",
        a.tls_cert_file.is_some() == b.tls_cert_file.is_some(),
    );
    check("server.public_url", a.public_url == b.public_url);
    check(
        "server.bearer_token",
        a.bearer_token == b.bearer_token && a.bearer_token_file == b.bearer_token_file,
    );
    check(
        "server (hosts, limits, timeouts, log format)",
        a.allowed_hosts == b.allowed_hosts
            && a.allow_unauthenticated_remote == b.allow_unauthenticated_remote
            && a.max_body_bytes == b.max_body_bytes
            && a.shutdown_grace == b.shutdown_grace
            && a.header_read_timeout == b.header_read_timeout
            && a.body_read_timeout == b.body_read_timeout
            && a.idle_timeout == b.idle_timeout
            && a.max_connections == b.max_connections
            && a.log_format == b.log_format,
    );
    check("store.path", old.store == new.store);
    check("twilio", old_twilio == new.twilio);
    check("alerts", old.alerts == new.alerts);
    check("mqtt", old.mqtt == new.mqtt);
    check("opt_out", old.opt_out == new.opt_out);
    check("relay", old.relay == new.relay);
    check("sources", old.sources == new.sources);
    check("heartbeats", old.heartbeats == new.heartbeats);
    check("price_streams", old.price_streams == new.price_streams);
    changed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_sections_a_reload_cannot_apply_need_a_restart() {
        let base =
            "[[receivers]]\nname = \"a\"\nsms = [\"+15551230001\"]\n[route]\nreceiver = \"a\"\n";
        let old = Config::parse(base).unwrap();
        let routes = Config::parse(&base.replace("+15551230001", "+15551230002")).unwrap();
        assert!(restart_needed(&old, &routes).is_empty());
        let rate = Config::parse(&format!("[twilio]\nmps = 10.0\n{base}")).unwrap();
        assert!(restart_needed(&old, &rate).is_empty());
        let retries = Config::parse(&format!("[twilio]\nmax_attempts = 2\n{base}")).unwrap();
        assert_eq!(restart_needed(&old, &retries), vec!["twilio".to_owned()]);
        let listen = Config::parse(&format!("[server]\nlisten = \"127.0.0.1:1\"\n{base}")).unwrap();
        assert_eq!(
            restart_needed(&old, &listen),
            vec!["server.listen".to_owned()]
        );
        let store = Config::parse(&format!("[store]\npath = \"other.db\"\n{base}")).unwrap();
        assert_eq!(restart_needed(&old, &store), vec!["store.path".to_owned()]);
        let https = Config::parse(&format!(
            "[server]\ntls_cert_file = \"c.pem\"\ntls_key_file = \"k.pem\"\n{base}"
        ))
        .unwrap();
        assert_eq!(
            restart_needed(&old, &https),
            vec!["server.tls (HTTPS on or off)".to_owned()]
        );
        let renewed = Config::parse(&format!(
            "[server]\ntls_cert_file = \"c2.pem\"\ntls_key_file = \"k2.pem\"\n{base}"
        ))
        .unwrap();
        assert!(restart_needed(&https, &renewed).is_empty());
        let half = format!("[server]\ntls_cert_file = \"c.pem\"\n{base}");
        assert!(
            Config::parse(&half)
                .unwrap_err()
                .to_string()
                .contains("both")
        );
    }
}
