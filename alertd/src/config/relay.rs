//! `[relay]` and `[[relay.devices]]`: where the device relay listens, its TLS certificate,
//! and each device's credentials, allowed senders and rate limit. Device secrets come from
//! the environment or a file (like `[twilio]`'s), never need to be in the file itself.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use twilio_core::sid::{AccountSid, ApiKeySid, MessagingServiceSid};

use super::{ConfigError, duration};
use crate::domain::phone::is_e164;

/// Fewest characters a device secret may have: a short one is guessed long before the
/// per-address lockout matters.
pub const MIN_SECRET_CHARS: usize = 16;

/// `[relay]`
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
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
    /// The devices allowed to relay.
    #[serde(default)]
    pub devices: Vec<DeviceConfig>,
}

fn default_dedup_window() -> Duration {
    Duration::from_secs(300)
}

/// `[[relay.devices]]`: one device's identity and limits.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
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
    /// Requests per minute the device may make (sustained; default 30).
    #[serde(default = "default_rate")]
    pub(crate) rate_per_minute: u32,
    /// Requests the device may make at once before the rate applies (default 10).
    #[serde(default = "default_burst")]
    pub(crate) burst: u32,
}

fn default_rate() -> u32 {
    30
}
fn default_burst() -> u32 {
    10
}

/// A device with its secret resolved.
#[derive(Clone, PartialEq, Eq)]
pub struct Device {
    /// Its config.
    pub(crate) config: DeviceConfig,
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
        let mut names = std::collections::HashSet::new();
        let mut users = std::collections::HashSet::new();
        for d in &self.devices {
            if d.name.is_empty() || !names.insert(d.name.as_str()) {
                return Err(invalid(
                    "relay.devices.name",
                    format!("{:?} is empty or used twice", d.name),
                ));
            }
            if AccountSid::parse(&d.account_sid).is_err() {
                return Err(invalid(
                    "relay.devices.account_sid",
                    format!("{:?} is not AC + 32 hex digits", d.account_sid),
                ));
            }
            if let Some(key) = &d.api_key
                && ApiKeySid::parse(key).is_err()
            {
                return Err(invalid(
                    "relay.devices.api_key",
                    format!("{key:?} is not SK + 32 hex digits"),
                ));
            }
            let user = d.api_key.as_deref().unwrap_or(&d.account_sid);
            if !users.insert(user) {
                return Err(invalid(
                    "relay.devices.api_key",
                    format!("two devices authenticate as {user}; give each its own API key"),
                ));
            }
            let sources = [
                d.secret_env.is_some(),
                d.secret_file.is_some(),
                d.secret.is_some(),
            ];
            if sources.iter().filter(|s| **s).count() != 1 {
                return Err(invalid(
                    "relay.devices.secret_env",
                    format!(
                        "device {:?} needs exactly one of secret_env, secret_file, secret",
                        d.name
                    ),
                ));
            }
            if d.allowed_from.is_empty() {
                return Err(invalid(
                    "relay.devices.allowed_from",
                    format!("device {:?} may send from no number", d.name),
                ));
            }
            for from in &d.allowed_from {
                if !(is_e164(from) || MessagingServiceSid::parse(from).is_ok()) {
                    return Err(invalid(
                        "relay.devices.allowed_from",
                        format!("{from:?} is neither an E.164 number nor an MG messaging service"),
                    ));
                }
            }
            if d.rate_per_minute == 0 || d.burst == 0 {
                return Err(invalid(
                    "relay.devices.rate_per_minute",
                    format!(
                        "device {:?}: rate_per_minute and burst must be at least 1",
                        d.name
                    ),
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

    /// The devices with their secrets read from the environment or files.
    pub fn devices(
        &self,
        env: impl Fn(&str) -> Option<String>,
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
                Ok(Device {
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
            .devices(|v| (v == "D1").then(|| "envsecret-00000001".to_owned()))
            .unwrap();
        assert_eq!(devices[0].username, "AC0123456789abcdef0123456789abcdef");
        assert_eq!(devices[0].secret, "envsecret-00000001");
        assert_eq!(devices[1].username, "SK0123456789abcdef0123456789abcdef");
        assert_eq!(devices[1].secret, "filesecret-0000001");
        assert!(!format!("{:?}", devices[1]).contains("filesecret"));
        let err = cfg.devices(|_| None).unwrap_err();
        assert!(err.to_string().contains("D1"), "{err}");
        let err = cfg
            .devices(|v| (v == "D1").then(|| "short-secret".to_owned()))
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
