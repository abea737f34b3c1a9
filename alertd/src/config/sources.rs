//! `[sources.*]` and `[[heartbeats]]`: alerts that arrive in other tools' shapes (TradingView's
//! webhook) and alerts raised by silence (a heartbeat not pinged within its timeout).

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use super::duration::{self, HOUR, WEEK, check_max};
use super::{ConfigError, invalid};

/// `[sources]`: senders with their own payloads.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourcesConfig {
    /// TradingView's webhook (`POST /hooks/tradingview/{token}`); off unless present.
    #[serde(default)]
    pub tradingview: Option<TradingViewConfig>,
}

/// `[sources.tradingview]`: TradingView cannot set headers, so the token is in the URL's path.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TradingViewConfig {
    /// The path token (env `ALERTD_TRADINGVIEW_TOKEN` and `token_file` take precedence).
    #[serde(default)]
    pub(crate) token: Option<String>,
    /// A file holding the token.
    #[serde(default)]
    pub(crate) token_file: Option<PathBuf>,
    /// Peer addresses allowed to post (empty: any). TradingView posts from four published
    /// addresses; behind a reverse proxy the peer is the proxy, so filter there instead.
    #[serde(default)]
    pub(crate) allowed_ips: Vec<IpAddr>,
    /// TradingView never sends a resolution: an alert resolves this long after it last fired.
    #[serde(
        default = "default_resolve_after",
        deserialize_with = "duration::deserialize"
    )]
    pub(crate) resolve_after: Duration,
}

fn default_resolve_after() -> Duration {
    HOUR
}

/// Shortest token accepted: the token is the only thing authenticating the route.
const MIN_TOKEN_CHARS: usize = 16;

impl TradingViewConfig {
    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        if self.resolve_after.is_zero() {
            return Err(invalid(
                "sources.tradingview.resolve_after",
                "must be longer than 0s: an alert would resolve as it arrives".into(),
            ));
        }
        check_max(
            "sources.tradingview.resolve_after",
            self.resolve_after,
            WEEK,
        )?;
        if self.token.is_none() && self.token_file.is_none() {
            // The env may still hold it; `token` checks at start.
            return Ok(());
        }
        if let Some(t) = &self.token {
            check_token(t, "sources.tradingview.token")?;
        }
        Ok(())
    }

    pub(crate) fn resolve_relative_paths(&mut self, dir: &Path) {
        if let Some(p) = &mut self.token_file
            && p.is_relative()
        {
            *p = dir.join(&*p);
        }
    }

    /// The path token: env `ALERTD_TRADINGVIEW_TOKEN`, else `token_file`, else `token`.
    ///
    /// ```
    /// use alertd::config::Config;
    /// let cfg = Config::parse("[sources.tradingview]\ntoken = \"0123456789abcdef\"\n[[receivers]]\nname = \"a\"\n[route]\nreceiver = \"a\"\n").unwrap();
    /// let tv = cfg.sources.tradingview.unwrap();
    /// assert_eq!(tv.token(|_| None).unwrap(), "0123456789abcdef");
    /// assert!(tv.token(|_| Some("short".into())).is_err());
    /// ```
    pub fn token(&self, env: impl Fn(&str) -> Option<String>) -> Result<String, ConfigError> {
        if let Some(t) = env("ALERTD_TRADINGVIEW_TOKEN") {
            let t = t.trim().to_owned();
            check_token(&t, "sources.tradingview.token")?;
            return Ok(t);
        }
        if let Some(p) = &self.token_file {
            let t = std::fs::read_to_string(p).map_err(|e| ConfigError::SecretFile {
                field: "sources.tradingview.token_file",
                path: p.display().to_string(),
                reason: e.to_string(),
            })?;
            let t = t.trim().to_owned();
            check_token(&t, "sources.tradingview.token_file")?;
            return Ok(t);
        }
        match &self.token {
            Some(t) => Ok(t.trim().to_owned()),
            None => Err(invalid(
                "sources.tradingview.token",
                "no token: set token, token_file or ALERTD_TRADINGVIEW_TOKEN".into(),
            )),
        }
    }
}

fn check_token(token: &str, field: &'static str) -> Result<(), ConfigError> {
    let t = token.trim();
    if t.chars().count() < MIN_TOKEN_CHARS {
        return Err(invalid(
            field,
            format!(
                "must be at least {MIN_TOKEN_CHARS} characters: it is the only credential TradingView can send"
            ),
        ));
    }
    if !t
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(invalid(
            field,
            "may hold only letters, digits, '-' and '_' (it is a URL path segment)".into(),
        ));
    }
    Ok(())
}

/// `[[heartbeats]]`: a dead-man's switch that fires `HeartbeatMissing` when not pinged in time.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeartbeatConfig {
    /// Its name: the `heartbeat` label and the path `/api/v1/heartbeats/{name}`.
    pub name: String,
    /// How long it may stay silent.
    #[serde(deserialize_with = "duration::deserialize")]
    pub timeout: Duration,
    /// Severity of the alert (default `critical`).
    #[serde(default)]
    pub(crate) severity: Option<String>,
    /// An MQTT topic filter (`[mqtt]` must be set): any message on it is a ping.
    #[serde(default)]
    pub(crate) mqtt_topic: Option<String>,
}

/// Checks `[sources]`, `[[price_streams]]` and `[[heartbeats]]`.
pub(crate) fn validate(cfg: &super::Config) -> Result<(), ConfigError> {
    if let Some(tv) = &cfg.sources.tradingview {
        tv.validate()?;
    }
    super::streams::validate(&cfg.price_streams)?;
    validate_heartbeats(cfg)
}

/// Checks `[[heartbeats]]`: names unique and path-safe, timeouts between 1s and a week, MQTT
/// topics valid filters with `[mqtt]` set, and every relay device's `heartbeat` one of them.
fn validate_heartbeats(cfg: &super::Config) -> Result<(), ConfigError> {
    let heartbeats = &cfg.heartbeats;
    let mut seen = std::collections::HashSet::new();
    for h in heartbeats {
        if let Some(topic) = &h.mqtt_topic {
            if cfg.mqtt.is_none() {
                return Err(invalid(
                    "heartbeats.mqtt_topic",
                    format!(
                        "{:?} names an MQTT topic but there is no [mqtt] section",
                        h.name
                    ),
                ));
            }
            if !crate::domain::mqtt_topic::valid_filter(topic) {
                return Err(invalid(
                    "heartbeats.mqtt_topic",
                    format!("{topic:?} is not an MQTT topic filter"),
                ));
            }
        }
        let ok = !h.name.is_empty()
            && h.name.len() <= 128
            && h.name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
        if !ok {
            return Err(invalid(
                "heartbeats.name",
                format!(
                    "{:?} must be 1 to 128 letters, digits, '-', '_' or '.'",
                    h.name
                ),
            ));
        }
        if !seen.insert(h.name.as_str()) {
            return Err(invalid(
                "heartbeats.name",
                format!("{:?} is used twice", h.name),
            ));
        }
        if h.timeout < Duration::from_secs(1) {
            return Err(invalid(
                "heartbeats.timeout",
                format!("{:?}: must be at least 1s", h.name),
            ));
        }
        check_max("heartbeats.timeout", h.timeout, WEEK)?;
        if let Some(s) = &h.severity {
            super::check_severities(std::slice::from_ref(s), "heartbeats.severity")?;
        }
    }
    let devices = cfg.relay.iter().flat_map(|r| &r.devices);
    for name in devices.filter_map(|d| d.heartbeat.as_ref()) {
        if !seen.contains(name.as_str()) {
            return Err(invalid(
                "relay.devices.heartbeat",
                format!("no [[heartbeats]] named {name:?}"),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::config::Config;

    const ROUTE: &str = "[[receivers]]\nname = \"a\"\n[route]\nreceiver = \"a\"\n";

    fn refusal(text: &str) -> String {
        Config::parse(&format!("{text}\n{ROUTE}"))
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn heartbeats_and_tradingview_are_checked_with_the_field_named() {
        for (text, needle) in [
            (
                "[[heartbeats]]\nname = \"a\"\ntimeout = \"1m\"\n[[heartbeats]]\nname = \"a\"\ntimeout = \"2m\"",
                "used twice",
            ),
            (
                "[[heartbeats]]\nname = \"a b\"\ntimeout = \"1m\"",
                "heartbeats.name",
            ),
            (
                "[[heartbeats]]\nname = \"a\"\ntimeout = \"0s\"",
                "heartbeats.timeout",
            ),
            (
                "[[heartbeats]]\nname = \"a\"\ntimeout = \"1m\"\nmqtt_topic = \"x/y\"",
                "no [mqtt]",
            ),
            (
                "[[heartbeats]]\nname = \"a\"\ntimeout = \"1m\"\nseverity = \"dire\"",
                "heartbeats.severity",
            ),
            ("[sources.tradingview]\ntoken = \"short\"", "at least 16"),
            (
                "[sources.tradingview]\ntoken = \"0123456789abcdef/x\"",
                "URL path segment",
            ),
            (
                "[sources.tradingview]\ntoken = \"0123456789abcdef\"\nresolve_after = \"0s\"",
                "resolve_after",
            ),
            ("[sources.tradingview]\ntokn = \"0123456789abcdef\"", "tokn"),
        ] {
            let e = refusal(text);
            assert!(e.contains(needle), "{text}: {e}");
        }
    }

    #[test]
    fn tradingview_defaults_to_an_hour_and_the_env_token_wins() {
        let cfg = Config::parse(&format!(
            "[sources.tradingview]\ntoken = \"0123456789abcdef\"\nallowed_ips = [\"52.89.214.238\"]\n{ROUTE}"
        ))
        .unwrap();
        let tv = cfg.sources.tradingview.unwrap();
        assert_eq!(tv.resolve_after, std::time::Duration::from_secs(3600));
        assert_eq!(
            tv.token(|_| Some("from-the-env-0123456".into())).unwrap(),
            "from-the-env-0123456"
        );
    }
}
