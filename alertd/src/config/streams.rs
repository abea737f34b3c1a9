//! `[[price_streams]]`: WebSocket JSON feeds (an exchange's public ticker stream) whose prices
//! are watched by rules: above a level, below a level, a move of more than `percent` within
//! `window`.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Deserialize;
use twilio_core::alerting;

use super::duration::{self, DAY, HOUR, check_max, millis};
use super::{ConfigError, invalid};

/// One feed and its rules.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriceStreamConfig {
    /// The `ticker` label of its alerts (`BTCUSD`).
    pub name: String,
    /// `wss://` (or `ws://`) URL of the feed.
    pub url: String,
    /// JSON pointer to the price in each message (`/c`, `/data/price`); a number or a numeric
    /// string. Messages without it (subscription acks, heartbeats) are skipped.
    pub price_pointer: String,
    /// A text message sent after each connect (an exchange's subscribe request).
    #[serde(default)]
    pub subscribe: Option<String>,
    /// Alert when the price rises to this level.
    #[serde(default)]
    pub above: Option<f64>,
    /// Alert when the price falls to this level.
    #[serde(default)]
    pub below: Option<f64>,
    /// Alert on a move (up or down) of at least this many percent within `window`.
    #[serde(default)]
    pub percent: Option<f64>,
    /// The window of `percent` (default 5m).
    #[serde(default = "default_window", deserialize_with = "duration::deserialize")]
    pub window: Duration,
    /// How far back past `above`/`below` the price must go before the alert clears (price units).
    #[serde(default)]
    pub hysteresis: f64,
    /// How far under `percent` the move must fall before its alert clears (percent).
    #[serde(default)]
    pub percent_hysteresis: f64,
    /// Least time between two alerts of one rule.
    #[serde(default, deserialize_with = "duration::deserialize")]
    pub cooldown: Duration,
    /// The alerts' `severity` (default `warning`).
    #[serde(default = "default_severity")]
    pub severity: String,
    /// More labels for its alerts.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// First reconnect delay; doubles up to `reconnect_max`.
    #[serde(
        default = "default_reconnect_min",
        deserialize_with = "duration::deserialize"
    )]
    pub reconnect_min: Duration,
    /// Longest reconnect delay.
    #[serde(
        default = "default_reconnect_max",
        deserialize_with = "duration::deserialize"
    )]
    pub reconnect_max: Duration,
}

fn default_window() -> Duration {
    Duration::from_secs(300)
}
fn default_severity() -> String {
    "warning".into()
}
fn default_reconnect_min() -> Duration {
    Duration::from_secs(1)
}
fn default_reconnect_max() -> Duration {
    Duration::from_secs(60)
}

/// Checks every `[[price_streams]]` entry.
pub(crate) fn validate(streams: &[PriceStreamConfig]) -> Result<(), ConfigError> {
    let mut names = std::collections::HashSet::new();
    for s in streams {
        if s.name.is_empty() || !names.insert(s.name.as_str()) {
            return Err(invalid(
                "price_streams.name",
                format!("{:?} is empty or used twice", s.name),
            ));
        }
        if !(s.url.starts_with("wss://") || s.url.starts_with("ws://")) {
            return Err(invalid(
                "price_streams.url",
                format!("{:?} must be a ws:// or wss:// URL", s.url),
            ));
        }
        if !s.price_pointer.is_empty() && !s.price_pointer.starts_with('/') {
            return Err(invalid(
                "price_streams.price_pointer",
                format!(
                    "{:?} is not a JSON pointer: write \"/c\" or \"/data/price\"",
                    s.price_pointer
                ),
            ));
        }
        if s.above.is_none() && s.below.is_none() && s.percent.is_none() {
            return Err(invalid(
                "price_streams",
                format!("{:?} has no rule: give above, below or percent", s.name),
            ));
        }
        if let Some(p) = s.percent.filter(|p| !(p.is_finite() && *p > 0.0)) {
            return Err(invalid(
                "price_streams.percent",
                format!("{:?}: percent must be more than 0, not {p}", s.name),
            ));
        }
        super::check_severities(std::slice::from_ref(&s.severity), "price_streams.severity")?;
        check_max("price_streams.window", s.window, DAY)?;
        check_max("price_streams.cooldown", s.cooldown, DAY)?;
        check_max("price_streams.reconnect_max", s.reconnect_max, HOUR)?;
        s.rules()
            .map_err(|e| invalid("price_streams", format!("{:?}: {e}", s.name)))?;
    }
    Ok(())
}

/// Buckets of a percent-move window (its resolution is `window / MOVE_BUCKETS`).
pub(crate) const MOVE_BUCKETS: usize = 32;

/// A stream's evaluators, built from its config.
#[derive(Debug, Clone)]
pub(crate) struct Rules {
    pub(crate) above: Option<alerting::Evaluator<f64>>,
    pub(crate) below: Option<alerting::Evaluator<f64>>,
    pub(crate) moves: Option<alerting::PercentMove<MOVE_BUCKETS>>,
}

impl PriceStreamConfig {
    /// The evaluators of its rules, or why one makes no sense.
    pub(crate) fn rules(&self) -> Result<Rules, alerting::ConfigError> {
        let level = |direction: alerting::Direction, level: f64| alerting::Config {
            direction,
            warning: Some(level),
            critical: None,
            hysteresis: self.hysteresis,
            debounce: alerting::Debounce::NONE,
            cooldown_ms: millis(self.cooldown),
        };
        let above = self
            .above
            .map(|l| alerting::Evaluator::new(level(alerting::Direction::Rising, l)))
            .transpose()?;
        let below = self
            .below
            .map(|l| alerting::Evaluator::new(level(alerting::Direction::Falling, l)))
            .transpose()?;
        let moves = self
            .percent
            .map(|p| percent_move(p, self.percent_hysteresis, self.window, self.cooldown))
            .transpose()?;
        Ok(Rules {
            above,
            below,
            moves,
        })
    }
}

/// A rule alerting (warning) on a move up or down of at least `percent` within `window`,
/// clearing `hysteresis` percent under it.
pub(crate) fn percent_move(
    percent: f64,
    hysteresis: f64,
    window: Duration,
    cooldown: Duration,
) -> Result<alerting::PercentMove<MOVE_BUCKETS>, alerting::ConfigError> {
    let config = alerting::Config {
        cooldown_ms: millis(cooldown),
        ..alerting::Config::rising(Some(percent), None, hysteresis)
    };
    alerting::PercentMove::new(millis(window), config)
}
