//! `[relay]` and `[[relay.devices]]`: where the device relay listens, its TLS certificate,
//! and each device's credentials, allowed senders and rate limit. Device secrets come from
//! the environment or a file (like `[twilio]`'s), never need to be in the file itself.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use twilio_core::sid::{AccountSid, ApiKeySid, MessagingServiceSid};

use super::ConfigError;
use super::duration::{self, DAY, check_max};
use crate::domain::phone::is_e164;

/// Fewest characters a device secret may have: a short one is guessed long before the
/// per-address lockout matters.
pub const MIN_SECRET_CHARS: usize = 16;

/// A relayed SMS segment's price when `[relay] sms_segment_price` is not set (USD; a US
/// long code's outbound segment, rounded up).
const DEFAULT_SEGMENT_PRICE: f64 = 0.0083;
/// A relayed call's price when `[relay] call_price` is not set (USD; two minutes of a US
/// outbound call, what a short alert call costs at most).
const DEFAULT_CALL_PRICE: f64 = 0.03;

/// `[relay]`
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RelayConfig {
    /// Address the relay listens on (devices connect here instead of api.twilio.com:443).
    pub listen: String,
    /// PEM certificate chain the relay presents (leaf first).
    #[serde(default)]
    pub tls_cert_file: Option<PathBuf>,
    /// PEM private key of that certificate (PKCS#8, SEC1 or PKCS#1).
    #[serde(default)]
    pub tls_key_file: Option<PathBuf>,
    /// Serve plain HTTP instead of TLS; only allowed on a loopback `listen` address.
    #[serde(default)]
    pub plain_http: bool,
    /// A device repeating the same To and Body within this window gets the first request's
    /// SID back and nothing is sent twice (default 5m; "0s" turns dedup off).
    #[serde(
        default = "default_dedup_window",
        deserialize_with = "duration::deserialize"
    )]
    pub dedup_window: Duration,
    /// What one relayed SMS segment costs, for the devices' daily spend limits (USD).
    #[serde(default = "default_segment_price")]
    pub sms_segment_price: f64,
    /// What one relayed call costs, for the devices' daily spend limits (USD).
    #[serde(default = "default_call_price")]
    pub call_price: f64,
    /// The devices allowed to relay.
    #[serde(default)]
    pub devices: Vec<DeviceConfig>,
}

fn default_dedup_window() -> Duration {
    Duration::from_secs(300)
}
fn default_segment_price() -> f64 {
    DEFAULT_SEGMENT_PRICE
}
fn default_call_price() -> f64 {
    DEFAULT_CALL_PRICE
}

/// `[[relay.devices]]`: one device's identity and limits.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceConfig {
    /// Name in logs, metrics and the outbox (`relay:<name>`).
    pub(crate) name: String,
    /// The account SID (AC + 32 hex) the device puts in its request URLs; with no `api_key`
    /// it is also the Basic-auth user, as with a Twilio auth token.
    pub(crate) account_sid: String,
    /// An API key SID (SK + 32 hex) the device authenticates as instead of the account SID.
    #[serde(default)]
    pub(crate) api_key: Option<String>,
    /// Environment variable holding the device's secret (auth token or API key secret).
    #[serde(default)]
    pub(crate) secret_env: Option<String>,
    /// File holding the secret.
    #[serde(default)]
    pub(crate) secret_file: Option<PathBuf>,
    /// The secret inline (prefer `secret_env` or `secret_file`).
    #[serde(default)]
    pub(crate) secret: Option<String>,
    /// The `From` values (E.164 numbers or MG messaging services) the device may send from.
    pub(crate) allowed_from: Vec<String>,
    /// The destinations the device may text or call: E.164 numbers, or prefixes ending in
    /// `*` (`"+4420*"`). Unset: the numbers of alertd's own receivers, rosters and
    /// escalation steps, and nothing else.
    #[serde(default)]
    pub(crate) allowed_to: Option<Vec<String>>,
    /// Most SMS segments one relayed message may use (default 3); longer ones are refused.
    #[serde(default = "default_max_segments")]
    pub(crate) max_segments: u16,
    /// Most the device may spend in any 24 hours (USD, default 2.00), priced with
    /// `[relay] sms_segment_price` and `call_price`; beyond it requests get 429.
    #[serde(default = "default_daily_spend_limit")]
    pub(crate) daily_spend_limit: f64,
    /// Requests per minute the device may make (sustained; default 30).
    #[serde(default = "default_rate")]
    pub(crate) rate_per_minute: u32,
    /// Requests the device may make at once before the rate applies (default 10).
    #[serde(default = "default_burst")]
    pub(crate) burst: u32,
    /// A `[[heartbeats]]` entry each authenticated request from the device pings.
    #[serde(default)]
    pub(crate) heartbeat: Option<String>,
}

fn default_rate() -> u32 {
    30
}
fn default_burst() -> u32 {
    10
}
fn default_max_segments() -> u16 {
    3
}
fn default_daily_spend_limit() -> f64 {
    2.0
}

/// The destinations a device may reach: exact E.164 numbers and `+digits*` prefixes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowedTo {
    numbers: BTreeSet<String>,
    prefixes: Vec<String>,
}

impl AllowedTo {
    /// Reads `allowed_to` entries; the error names the first one that is neither an E.164
    /// number nor a `+digits*` prefix.
    ///
    /// ```
    /// use alertd::config::relay::AllowedTo;
    /// let allowed = AllowedTo::parse(["+15551230001", "+4420*"]).unwrap();
    /// assert!(allowed.allows("+15551230001"));
    /// assert!(allowed.allows("+442079460000"));
    /// assert!(!allowed.allows("+19005550123"));
    /// assert_eq!(AllowedTo::parse(["+1900 premium"]).unwrap_err(), "+1900 premium");
    /// ```
    pub fn parse<'a>(entries: impl IntoIterator<Item = &'a str>) -> Result<Self, &'a str> {
        let mut allowed = Self::default();
        for entry in entries {
            if let Some(prefix) = entry.strip_suffix('*') {
                let digits = prefix.strip_prefix('+').unwrap_or("");
                if digits.is_empty()
                    || digits.len() > 14
                    || !digits.bytes().all(|b| b.is_ascii_digit())
                {
                    return Err(entry);
                }
                allowed.prefixes.push(prefix.to_owned());
            } else if is_e164(entry) {
                allowed.numbers.insert(entry.to_owned());
            } else {
                return Err(entry);
            }
        }
        Ok(allowed)
    }

    /// Whether `to` is one of the numbers or starts with one of the prefixes.
    pub fn allows(&self, to: &str) -> bool {
        self.numbers.contains(to) || self.prefixes.iter().any(|p| to.starts_with(p.as_str()))
    }

    /// True when no destination is allowed.
    pub fn is_empty(&self) -> bool {
        self.numbers.is_empty() && self.prefixes.is_empty()
    }
}

impl DeviceConfig {
    /// Checks one device: its name, SIDs, secret source, senders, destinations and limits.
    fn validate(&self) -> Result<(), ConfigError> {
        let name_chars = self
            .name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
        if self.name.is_empty() || !name_chars {
            return Err(invalid(
                "relay.devices.name",
                format!(
                    "{:?} is empty or has characters other than letters, digits, '-', '_' and '.'",
                    self.name
                ),
            ));
        }
        if AccountSid::parse(&self.account_sid).is_err() {
            return Err(invalid(
                "relay.devices.account_sid",
                format!("{:?} is not AC + 32 hex digits", self.account_sid),
            ));
        }
        if let Some(key) = &self.api_key
            && ApiKeySid::parse(key).is_err()
        {
            return Err(invalid(
                "relay.devices.api_key",
                format!("{key:?} is not SK + 32 hex digits"),
            ));
        }
        let sources = [
            self.secret_env.is_some(),
            self.secret_file.is_some(),
            self.secret.is_some(),
        ];
        if sources.iter().filter(|s| **s).count() != 1 {
            return Err(invalid(
                "relay.devices.secret_env",
                format!(
                    "device {:?} needs exactly one of secret_env, secret_file, secret",
                    self.name
                ),
            ));
        }
        if self.allowed_from.is_empty() {
            return Err(invalid(
                "relay.devices.allowed_from",
                format!("device {:?} may send from no number", self.name),
            ));
        }
        for from in &self.allowed_from {
            if !(is_e164(from) || MessagingServiceSid::parse(from).is_ok()) {
                return Err(invalid(
                    "relay.devices.allowed_from",
                    format!("{from:?} is neither an E.164 number nor an MG messaging service"),
                ));
            }
        }
        if let Some(allowed_to) = &self.allowed_to
            && let Err(bad) = AllowedTo::parse(allowed_to.iter().map(String::as_str))
        {
            return Err(invalid(
                "relay.devices.allowed_to",
                format!(
                    "device {:?}: {bad:?} is neither an E.164 number nor a prefix like \"+4420*\"",
                    self.name
                ),
            ));
        }
        if !(1..=10).contains(&self.max_segments) {
            return Err(invalid(
                "relay.devices.max_segments",
                format!("device {:?}: must be 1 to 10 segments", self.name),
            ));
        }
        if !(self.daily_spend_limit.is_finite() && self.daily_spend_limit > 0.0) {
            return Err(invalid(
                "relay.devices.daily_spend_limit",
                format!("device {:?}: must be a positive amount (USD)", self.name),
            ));
        }
        if self.rate_per_minute == 0 || self.burst == 0 {
            return Err(invalid(
                "relay.devices.rate_per_minute",
                format!(
                    "device {:?}: rate_per_minute and burst must be at least 1",
                    self.name
                ),
            ));
        }
        Ok(())
    }
}

/// A device with its secret and destinations resolved.
#[derive(Clone, PartialEq)]
pub struct Device {
    /// Its config.
    pub(crate) config: DeviceConfig,
    /// Where it may send: its `allowed_to`, else alertd's own numbers.
    pub(crate) allowed_to: AllowedTo,
    /// The Basic-auth user: the API key, else the account SID.
    pub(crate) username: String,
    /// The Basic-auth password.
    pub(crate) secret: String,
}

impl std::fmt::Debug for Device {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Device")
            .field("name", &self.config.name)
            .field("username", &self.username)
            .field("allowed_to", &self.allowed_to)
            .field("secret", &"<redacted>")
            .finish()
    }
}

fn invalid(field: &'static str, reason: String) -> ConfigError {
    ConfigError::Invalid { field, reason }
}

impl RelayConfig {
    /// The listen address.
    pub(crate) fn listen_addr(&self) -> Result<SocketAddr, ConfigError> {
        self.listen.parse().map_err(|_| {
            invalid(
                "relay.listen",
                format!("{:?} is not an address like 0.0.0.0:8443", self.listen),
            )
        })
    }

    /// Checks what TOML types cannot: TLS files or loopback plain HTTP, SIDs, senders, limits.
    ///
    /// ```
    /// use alertd::config::relay::RelayConfig;
    /// let ok: RelayConfig = toml::from_str(r#"
    ///     listen = "127.0.0.1:8443"
    ///     plain_http = true
    ///     [[devices]]
    ///     name = "freezer-2"
    ///     account_sid = "AC0123456789abcdef0123456789abcdef"
    ///     secret_env = "FREEZER2_TOKEN"
    ///     allowed_from = ["+15005550006"]
    /// "#).unwrap();
    /// ok.validate().unwrap();
    /// let open = RelayConfig { listen: "0.0.0.0:8443".into(), ..ok };
    /// assert!(open.validate().unwrap_err().to_string().contains("loopback"));
    /// ```
    pub fn validate(&self) -> Result<(), ConfigError> {
        let addr = self.listen_addr()?;
        if self.plain_http {
            if !addr.ip().is_loopback() {
                return Err(invalid(
                    "relay.plain_http",
                    format!(
                        "plain HTTP is only allowed on a loopback address, not {addr}; give tls_cert_file and tls_key_file"
                    ),
                ));
            }
        } else if self.tls_cert_file.is_none() || self.tls_key_file.is_none() {
            return Err(invalid(
                "relay.tls_cert_file",
                "the relay serves TLS: tls_cert_file and tls_key_file are required (or plain_http = true on a loopback address)".into(),
            ));
        }
        check_max("relay.dedup_window", self.dedup_window, DAY)?;
        for (field, price) in [
            ("relay.sms_segment_price", self.sms_segment_price),
            ("relay.call_price", self.call_price),
        ] {
            if !(price.is_finite() && price >= 0.0) {
                return Err(invalid(
                    field,
                    format!("{price} is not a price (USD, 0 or more)"),
                ));
            }
        }
        let mut names = std::collections::HashSet::new();
        let mut users = std::collections::HashSet::new();
        for d in &self.devices {
            d.validate()?;
            if !names.insert(d.name.as_str()) {
                return Err(invalid(
                    "relay.devices.name",
                    format!("{:?} is used twice", d.name),
                ));
            }
            let user = d.api_key.as_deref().unwrap_or(&d.account_sid);
            if !users.insert(user) {
                return Err(invalid(
                    "relay.devices.api_key",
                    format!("two devices authenticate as {user}; give each its own API key"),
                ));
            }
        }
        Ok(())
    }

    /// Makes relative file paths relative to the config file's folder.
    pub(crate) fn resolve_relative_paths(&mut self, dir: &Path) {
        let fix = |p: &mut Option<PathBuf>| {
            if let Some(path) = p
                && path.is_relative()
            {
                *path = dir.join(&*path);
            }
        };
        fix(&mut self.tls_cert_file);
        fix(&mut self.tls_key_file);
        for d in &mut self.devices {
            fix(&mut d.secret_file);
        }
    }

    /// The devices with their secrets read from the environment or files; a device without
    /// `allowed_to` may reach `own_numbers` (alertd's receivers, rosters and escalations).
    pub fn devices(
        &self,
        env: impl Fn(&str) -> Option<String>,
        own_numbers: &[String],
    ) -> Result<Vec<Device>, ConfigError> {
        self.devices
            .iter()
            .map(|d| {
                let secret = if let Some(var) = &d.secret_env {
                    env(var).filter(|v| !v.trim().is_empty()).ok_or_else(|| {
                        invalid(
                            "relay.devices.secret_env",
                            format!("device {:?}: environment variable {var} is not set", d.name),
                        )
                    })?
                } else if let Some(path) = &d.secret_file {
                    std::fs::read_to_string(path).map_err(|e| ConfigError::SecretFile {
                        field: "relay.devices.secret_file",
                        path: path.display().to_string(),
                        reason: e.to_string(),
                    })?
                } else {
                    d.secret.clone().unwrap_or_default()
                };
                let secret = secret.trim().to_owned();
                let length = secret.chars().count();
                if length < MIN_SECRET_CHARS {
                    return Err(invalid(
                        "relay.devices.secret",
                        format!(
                            "device {:?}: its secret has {length} characters; at least {MIN_SECRET_CHARS} are needed (a Twilio auth token has 32)",
                            d.name
                        ),
                    ));
                }
                let allowed_to = match &d.allowed_to {
                    Some(list) => AllowedTo::parse(list.iter().map(String::as_str)),
                    None => AllowedTo::parse(own_numbers.iter().map(String::as_str)),
                }
                .map_err(|bad| {
                    invalid(
                        "relay.devices.allowed_to",
                        format!("device {:?}: {bad:?} is not an E.164 number", d.name),
                    )
                })?;
                if allowed_to.is_empty() {
                    tracing::warn!(
                        device = %d.name,
                        "relay: the device may send to no number (no allowed_to, and alertd has no receivers, rosters or escalation numbers)"
                    );
                }
                Ok(Device {
                    allowed_to,
                    username: d.api_key.clone().unwrap_or_else(|| d.account_sid.clone()),
                    secret,
                    config: d.clone(),
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn relay(devices: &str) -> RelayConfig {
        toml::from_str(&format!(
            "listen = \"127.0.0.1:0\"\nplain_http = true\n{devices}"
        ))
        .unwrap()
    }

    const DEVICE: &str = "[[devices]]\nname = \"d1\"\naccount_sid = \"AC0123456789abcdef0123456789abcdef\"\nsecret_env = \"D1\"\nallowed_from = [\"+15005550006\"]\n";

    #[test]
    fn secrets_from_env_file_or_inline() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("d2.secret");
        std::fs::write(&file, "filesecret-0000001\n").unwrap();
        let cfg = relay(&format!(
            "{DEVICE}[[devices]]\nname = \"d2\"\naccount_sid = \"AC0123456789abcdef0123456789abcdef\"\napi_key = \"SK0123456789abcdef0123456789abcdef\"\nsecret_file = \"{}\"\nallowed_from = [\"MG0123456789abcdef0123456789abcdef\"]\n",
            file.display()
        ));
        cfg.validate().unwrap();
        let devices = cfg
            .devices(
                |v| (v == "D1").then(|| "envsecret-00000001".to_owned()),
                &[],
            )
            .unwrap();
        assert_eq!(devices[0].username, "AC0123456789abcdef0123456789abcdef");
        assert_eq!(devices[0].secret, "envsecret-00000001");
        assert_eq!(devices[1].username, "SK0123456789abcdef0123456789abcdef");
        assert_eq!(devices[1].secret, "filesecret-0000001");
        assert!(!format!("{:?}", devices[1]).contains("filesecret"));
        let err = cfg.devices(|_| None, &[]).unwrap_err();
        assert!(err.to_string().contains("D1"), "{err}");
        let err = cfg
            .devices(|v| (v == "D1").then(|| "short-secret".to_owned()), &[])
            .unwrap_err();
        assert!(
            err.to_string().contains("12 characters; at least 16"),
            "{err}"
        );
    }

    #[test]
    fn the_generated_example_relay_section_is_valid_when_uncommented() {
        let example = crate::config::example::EXAMPLE;
        let start = example.find("# [relay]").unwrap();
        let mut relay_text = String::new();
        for line in example[start..]
            .lines()
            .map(|l| l.strip_prefix("# ").unwrap_or(l))
            .filter(|l| !l.starts_with('#'))
        {
            relay_text.push_str(line);
            relay_text.push('\n');
        }
        let cfg =
            crate::config::Config::parse(&format!("{}{relay_text}", &example[..start])).unwrap();
        let relay = cfg.relay.unwrap();
        assert_eq!(
            relay.devices[0].allowed_from,
            vec!["+15005550006".to_owned()]
        );
        assert_eq!(relay.dedup_window, Duration::from_secs(300));
    }

    #[test]
    fn bad_device_configs_name_the_field() {
        let cases = [
            (
                DEVICE.replace("AC0123", "AX0123"),
                "relay.devices.account_sid",
            ),
            (
                DEVICE.replace("+15005550006", "5005550006"),
                "relay.devices.allowed_from",
            ),
            (
                DEVICE.replace("secret_env = \"D1\"\n", ""),
                "relay.devices.secret_env",
            ),
            (format!("{DEVICE}{DEVICE}"), "relay.devices.name"),
            (
                format!("{DEVICE}rate_per_minute = 0\n"),
                "relay.devices.rate_per_minute",
            ),
        ];
        for (text, field) in cases {
            match relay(&text).validate() {
                Err(ConfigError::Invalid { field: f, .. }) => assert_eq!(f, field, "{text}"),
                other => panic!("{text}: {other:?}"),
            }
        }
        let no_tls: RelayConfig = toml::from_str("listen = \"127.0.0.1:0\"").unwrap();
        assert!(
            no_tls
                .validate()
                .unwrap_err()
                .to_string()
                .contains("tls_cert_file")
        );
    }
}
