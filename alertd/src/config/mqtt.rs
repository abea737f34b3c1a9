//! `[mqtt]` and `[[mqtt.topics]]`: the broker and what each topic's readings mean.

use std::collections::BTreeMap;
use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Deserializer, de};
use twilio_core::alerting::{self, Debounce, Direction};

use super::duration::{self, DAY, HOUR, check_max, millis};
use super::streams::{MOVE_BUCKETS, percent_move};
use super::{ConfigError, invalid};
use crate::domain::mqtt_topic;

/// `[mqtt]`: the broker alertd subscribes to.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MqttConfig {
    /// Broker host name or address (default `127.0.0.1`).
    #[serde(default = "default_host")]
    pub(crate) host: String,
    /// Broker port (default 1883, or 8883 with `tls`).
    #[serde(default)]
    pub(crate) port: Option<u16>,
    /// Connect over TLS (MQTTS). The broker's certificate is always verified: its chain up to
    /// a trusted CA and its name against `host`.
    #[serde(default)]
    pub(crate) tls: bool,
    /// PEM file of the CA certificates that may sign the broker's certificate (a private CA);
    /// without it, the public CAs that browsers trust (Mozilla's list, built in).
    #[serde(default)]
    pub(crate) ca_file: Option<PathBuf>,
    /// PEM certificate chain alertd presents to a broker that asks for one (mutual TLS).
    #[serde(default)]
    pub(crate) client_cert_file: Option<PathBuf>,
    /// PEM private key of `client_cert_file`.
    #[serde(default)]
    pub(crate) client_key_file: Option<PathBuf>,
    /// MQTT client identifier (default `alertd`).
    #[serde(default = "default_client_id")]
    pub(crate) client_id: String,
    /// User name, when the broker wants one.
    #[serde(default)]
    pub(crate) username: Option<String>,
    /// Password for `username`.
    #[serde(default)]
    pub(crate) password: Option<String>,
    /// MQTT keep-alive (default 30s).
    #[serde(
        default = "default_keep_alive",
        deserialize_with = "duration::deserialize"
    )]
    pub(crate) keep_alive: Duration,
    /// First delay before reconnecting after the broker went away; doubles up to `reconnect_max`.
    #[serde(
        default = "default_reconnect_min",
        deserialize_with = "duration::deserialize"
    )]
    pub(crate) reconnect_min: Duration,
    /// Longest delay between reconnection attempts.
    #[serde(
        default = "default_reconnect_max",
        deserialize_with = "duration::deserialize"
    )]
    pub(crate) reconnect_max: Duration,
    /// Largest MQTT packet alertd takes from the broker (default 64 KiB). alertd declares it in
    /// its CONNECT (MQTT 5 Maximum Packet Size), so the broker drops bigger messages for it.
    #[serde(
        default = "default_max_packet_bytes",
        deserialize_with = "deserialize_max_packet_bytes"
    )]
    pub(crate) max_packet_bytes: u32,
    /// Most concrete topics with an evaluator (default 10000); a new topic beyond it takes the
    /// place of the least recently seen one.
    #[serde(
        default = "default_max_topics",
        deserialize_with = "deserialize_max_topics"
    )]
    pub(crate) max_topics: NonZeroUsize,
    /// The topics carrying readings (none when MQTT only carries heartbeats).
    #[serde(default)]
    pub(crate) topics: Vec<TopicConfig>,
}

/// Largest message, topic and payload together, that can be a reading: a number or
/// `{"value": .., "timestamp": ..}` on a sensor's topic is far smaller. Bigger messages are
/// counted as oversized and not evaluated, so no topic that is kept is longer.
pub const MAX_READING_BYTES: usize = 1024;

/// Default of `max_topics`.
pub const DEFAULT_MAX_TOPICS: NonZeroUsize = NonZeroUsize::MIN.saturating_add(9_999);

/// Smallest `max_packet_bytes`: room for a reading of [`MAX_READING_BYTES`] and the packet
/// around it.
pub const MIN_PACKET_BYTES: u32 = 2048;

/// Largest `max_packet_bytes`: the largest packet MQTT can frame (a 268,435,455-byte
/// remaining length and its 5-byte fixed header).
pub const MAX_PACKET_BYTES: u32 = 268_435_460;

fn default_host() -> String {
    "127.0.0.1".into()
}
/// MQTT's port, and MQTT over TLS's.
const MQTT_PORT: u16 = 1883;
const MQTTS_PORT: u16 = 8883;

fn default_client_id() -> String {
    "alertd".into()
}
fn default_keep_alive() -> Duration {
    Duration::from_secs(30)
}
fn default_reconnect_min() -> Duration {
    Duration::from_millis(500)
}
fn default_reconnect_max() -> Duration {
    Duration::from_secs(30)
}
fn default_max_packet_bytes() -> u32 {
    64 * 1024
}
fn default_max_topics() -> NonZeroUsize {
    DEFAULT_MAX_TOPICS
}

fn deserialize_max_packet_bytes<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    let bytes = u64::deserialize(d)?;
    u32::try_from(bytes)
        .ok()
        .filter(|b| (MIN_PACKET_BYTES..=MAX_PACKET_BYTES).contains(b))
        .ok_or_else(|| {
            de::Error::custom(format!(
                "max_packet_bytes must be between {MIN_PACKET_BYTES} (room for one reading) and \
                 {MAX_PACKET_BYTES} (the largest MQTT packet), not {bytes}"
            ))
        })
}

fn deserialize_max_topics<'de, D: Deserializer<'de>>(d: D) -> Result<NonZeroUsize, D::Error> {
    let topics = u64::deserialize(d)?;
    usize::try_from(topics)
        .ok()
        .and_then(NonZeroUsize::new)
        .ok_or_else(|| {
            de::Error::custom(format!(
                "max_topics must be at least 1 (each concrete topic needs an evaluator), not {topics}"
            ))
        })
}

impl MqttConfig {
    /// The broker's port: `port`, or MQTT's (1883) or MQTT over TLS's (8883) by `tls`.
    pub(crate) fn port(&self) -> u16 {
        self.port
            .unwrap_or(if self.tls { MQTTS_PORT } else { MQTT_PORT })
    }

    /// Checks the TLS keys: files only with `tls = true` (so nobody believes a plain
    /// connection is encrypted), a client certificate with its key, a host that can be a
    /// certificate's name.
    fn validate_tls(&self) -> Result<(), ConfigError> {
        let files = [
            ("mqtt.ca_file", &self.ca_file),
            ("mqtt.client_cert_file", &self.client_cert_file),
            ("mqtt.client_key_file", &self.client_key_file),
        ];
        if !self.tls {
            if let Some(&(field, _)) = files.iter().find(|(_, f)| f.is_some()) {
                return Err(invalid(field, "needs tls = true".into()));
            }
            return Ok(());
        }
        if self.client_cert_file.is_some() != self.client_key_file.is_some() {
            return Err(invalid(
                "mqtt.client_cert_file",
                "client_cert_file and client_key_file go together".into(),
            ));
        }
        if rustls::pki_types::ServerName::try_from(self.host.as_str()).is_err() {
            return Err(invalid(
                "mqtt.host",
                format!(
                    "{:?} is neither a DNS name nor an IP address, so no certificate can name it",
                    self.host
                ),
            ));
        }
        Ok(())
    }

    /// Checks the timings (keep-alive and reconnection delays at most an hour, a topic's
    /// debounce and cooldown at most a day) and every topic's thresholds.
    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        self.validate_tls()?;
        check_max("mqtt.keep_alive", self.keep_alive, HOUR)?;
        check_max("mqtt.reconnect_min", self.reconnect_min, HOUR)?;
        check_max("mqtt.reconnect_max", self.reconnect_max, HOUR)?;
        for topic in &self.topics {
            check_max("mqtt.topics.debounce_hold", topic.debounce_hold, DAY)?;
            check_max("mqtt.topics.cooldown", topic.cooldown, DAY)?;
            check_max("mqtt.topics.window", topic.window, DAY)?;
            topic
                .rules()
                .map_err(|e| invalid("mqtt.topics", e.to_string()))?;
        }
        Ok(())
    }
}

/// `[[mqtt.topics]]`: one topic filter (MQTT wildcards `+` and `#` allowed), the alert it
/// raises and the thresholds twilio-core's evaluator applies. Every concrete topic matching the
/// filter gets its own evaluator (one per device).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TopicConfig {
    /// Topic filter, e.g. `sensors/+/temperature`.
    pub(crate) filter: String,
    /// `alertname` label of the alerts raised.
    pub(crate) alertname: String,
    /// Extra labels on the alerts (`team`, `site` ...).
    #[serde(default)]
    pub(crate) labels: BTreeMap<String, String>,
    /// Unit shown after values in the alert text (`"C"`, `"%"`).
    #[serde(default)]
    pub(crate) unit: Option<String>,
    /// 1-based topic level whose text becomes the `device` label (2 for `sensors/+/temperature`).
    #[serde(default)]
    pub(crate) device_level: Option<usize>,
    /// `"rising"` (alert at or above a level, default) or `"falling"` (at or below).
    #[serde(default = "default_direction")]
    pub(crate) direction: String,
    /// Warning level (SMS).
    #[serde(default)]
    pub(crate) warning: Option<f64>,
    /// Critical level (voice call).
    #[serde(default)]
    pub(crate) critical: Option<f64>,
    /// How far back past a level the value must go to leave it (default 0).
    #[serde(default)]
    pub(crate) hysteresis: f64,
    /// Consecutive readings a new condition needs (default 1).
    #[serde(default = "default_samples")]
    pub(crate) debounce_samples: u16,
    /// How long a new condition must hold (default 0s).
    #[serde(default = "zero", deserialize_with = "duration::deserialize")]
    pub(crate) debounce_hold: Duration,
    /// Minimum time between alerts of the same or lower severity (default 0s).
    #[serde(default = "zero", deserialize_with = "duration::deserialize")]
    pub(crate) cooldown: Duration,
    /// Alert (`rule = "move"`, warning) on a move up or down of at least this many percent
    /// within `window`: for prices published on MQTT.
    #[serde(default)]
    pub(crate) percent: Option<f64>,
    /// The window of `percent` (default 5m).
    #[serde(default = "default_window", deserialize_with = "duration::deserialize")]
    pub(crate) window: Duration,
    /// How far under `percent` the move must fall before its alert clears (percent).
    #[serde(default)]
    pub(crate) percent_hysteresis: f64,
}

/// A topic's rules, validated: levels (`warning`/`critical`) and a percent move, as they start
/// for each new concrete topic.
#[derive(Debug, Clone)]
pub(crate) struct TopicRules {
    /// The level evaluator.
    pub(crate) levels: Option<alerting::Evaluator<f64>>,
    /// The move rule.
    pub(crate) moves: Option<alerting::PercentMove<MOVE_BUCKETS>>,
}

fn default_direction() -> String {
    "rising".into()
}
fn default_samples() -> u16 {
    1
}
fn zero() -> Duration {
    Duration::ZERO
}
fn default_window() -> Duration {
    Duration::from_secs(300)
}

/// Why a `[[mqtt.topics]]` entry is not usable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TopicConfigError {
    /// `direction` is neither `rising` nor `falling`.
    #[error("topic {filter:?}: direction must be \"rising\" or \"falling\", not {given:?}")]
    Direction {
        /// The topic filter.
        filter: String,
        /// What was written.
        given: String,
    },
    /// The filter is empty or has a misplaced wildcard.
    #[error(
        "topic filter {filter:?} is not valid: `+` must be a whole level, `#` only the last level"
    )]
    Filter {
        /// The topic filter.
        filter: String,
    },
    /// The thresholds are refused by the evaluator.
    #[error("topic {filter:?}: {reason}")]
    Thresholds {
        /// The topic filter.
        filter: String,
        /// The evaluator's reason.
        reason: String,
    },
    /// `device_level` is 0 (levels count from 1).
    #[error("topic {filter:?}: device_level counts from 1")]
    DeviceLevel {
        /// The topic filter.
        filter: String,
    },
    /// `percent` is not a positive number.
    #[error("topic {filter:?}: percent must be more than 0, not {given}")]
    Percent {
        /// The topic filter.
        filter: String,
        /// What was written.
        given: String,
    },
    /// Neither a level nor a percent move is given.
    #[error("topic {filter:?} has no rule: give warning, critical or percent")]
    NoRule {
        /// The topic filter.
        filter: String,
    },
}

impl TopicConfig {
    /// Its rules, validated.
    pub(crate) fn rules(&self) -> Result<TopicRules, TopicConfigError> {
        let direction = match self.direction.as_str() {
            "rising" => Direction::Rising,
            "falling" => Direction::Falling,
            other => {
                return Err(TopicConfigError::Direction {
                    filter: self.filter.clone(),
                    given: other.into(),
                });
            }
        };
        if !mqtt_topic::valid_filter(&self.filter) {
            return Err(TopicConfigError::Filter {
                filter: self.filter.clone(),
            });
        }
        if self.device_level == Some(0) {
            return Err(TopicConfigError::DeviceLevel {
                filter: self.filter.clone(),
            });
        }
        let thresholds = |e: alerting::ConfigError| TopicConfigError::Thresholds {
            filter: self.filter.clone(),
            reason: e.to_string(),
        };
        let has_levels = self.warning.is_some() || self.critical.is_some();
        if !has_levels && self.percent.is_none() {
            return Err(TopicConfigError::NoRule {
                filter: self.filter.clone(),
            });
        }
        if let Some(p) = self.percent.filter(|p| !(p.is_finite() && *p > 0.0)) {
            return Err(TopicConfigError::Percent {
                filter: self.filter.clone(),
                given: p.to_string(),
            });
        }
        let levels = has_levels
            .then(|| {
                alerting::Evaluator::new(alerting::Config {
                    direction,
                    warning: self.warning,
                    critical: self.critical,
                    hysteresis: self.hysteresis,
                    debounce: Debounce {
                        samples: self.debounce_samples,
                        hold_ms: millis(self.debounce_hold),
                    },
                    cooldown_ms: millis(self.cooldown),
                })
            })
            .transpose()
            .map_err(thresholds)?;
        let moves = self
            .percent
            .map(|p| percent_move(p, self.percent_hysteresis, self.window, self.cooldown))
            .transpose()
            .map_err(thresholds)?;
        Ok(TopicRules { levels, moves })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mqtt(extra: &str) -> Result<MqttConfig, toml::de::Error> {
        toml::from_str(&format!("{extra}\ntopics = []\n"))
    }

    #[test]
    fn limits_have_defaults() {
        let cfg = mqtt("").unwrap();
        assert_eq!(cfg.max_packet_bytes, 65_536);
        assert_eq!(cfg.max_topics.get(), 10_000);
    }

    #[test]
    fn limits_out_of_range_refused() {
        for (extra, needed) in [
            ("max_topics = 0", "max_topics must be at least 1"),
            ("max_topics = -1", "invalid value"),
            ("max_packet_bytes = -1", "invalid value"),
            (
                "max_packet_bytes = 1024",
                "max_packet_bytes must be between 2048",
            ),
            (
                "max_packet_bytes = 268435461",
                "max_packet_bytes must be between",
            ),
        ] {
            let err = mqtt(extra).unwrap_err().to_string();
            assert!(err.contains(needed), "{extra}: {err}");
        }
        let cfg = mqtt("max_topics = 1\nmax_packet_bytes = 2048").unwrap();
        assert_eq!((cfg.max_topics.get(), cfg.max_packet_bytes), (1, 2048));
    }

    #[test]
    fn tls_changes_the_default_port_only() {
        assert_eq!(mqtt("").unwrap().port(), 1883);
        assert_eq!(mqtt("tls = true").unwrap().port(), 8883);
        assert_eq!(mqtt("tls = true\nport = 18883").unwrap().port(), 18883);
    }

    #[test]
    fn tls_keys_are_checked() {
        for (extra, needed) in [
            ("ca_file = \"ca.pem\"", "`mqtt.ca_file`: needs tls = true"),
            (
                "client_cert_file = \"c.pem\"\nclient_key_file = \"k.pem\"",
                "needs tls = true",
            ),
            (
                "tls = true\nclient_cert_file = \"c.pem\"",
                "client_cert_file and client_key_file go together",
            ),
            (
                "tls = true\nhost = \"broker name\"",
                "neither a DNS name nor an IP address",
            ),
        ] {
            let err = mqtt(extra).unwrap().validate().unwrap_err().to_string();
            assert!(err.contains(needed), "{extra}: {err}");
        }
        let ok = "tls = true\nhost = \"broker.example\"\nca_file = \"ca.pem\"\n\
                  client_cert_file = \"c.pem\"\nclient_key_file = \"k.pem\"";
        mqtt(ok).unwrap().validate().unwrap();
    }
}
