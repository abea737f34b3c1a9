//! Twilio credentials from the environment or from files, never required in the config itself.

use std::path::Path;
use std::sync::Arc;

use super::{ConfigError, ServerConfig, TwilioConfig};

/// Whether two secrets are equal, in time that does not depend on where they differ.
///
/// ```
/// use alertd::config::secrets::constant_time_eq;
/// assert!(constant_time_eq(b"s3cret", b"s3cret"));
/// assert!(!constant_time_eq(b"s3cret", b"s3cres"));
/// assert!(!constant_time_eq(b"s3cret", b"s3cre"));
/// ```
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    subtle::ConstantTimeEq::ct_eq(a, b).into()
}

/// The HTTP API's bearer token: env `ALERTD_BEARER_TOKEN`, else `bearer_token_file`, else
/// `bearer_token`; `None` when none is configured. A token that is set but empty is an error:
/// it must never turn authentication off without saying so.
///
/// ```
/// use alertd::config::Config;
/// use alertd::config::secrets::bearer_token;
/// let cfg = Config::parse("[server]\nbearer_token = \"s3cret\"\n[[receivers]]\nname = \"a\"\n[route]\nreceiver = \"a\"\n").unwrap();
/// assert_eq!(bearer_token(&cfg.server, |_| None).unwrap().as_deref(), Some("s3cret"));
/// assert_eq!(bearer_token(&cfg.server, |_| Some("from-env".into())).unwrap().as_deref(), Some("from-env"));
/// assert!(bearer_token(&cfg.server, |_| Some("  ".into())).is_err());
/// ```
pub fn bearer_token(
    server: &ServerConfig,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Option<String>, ConfigError> {
    let empty = |field: &'static str, what: &str| ConfigError::Invalid {
        field,
        reason: format!("{what} is empty: give a token, or remove it to run the API without one"),
    };
    if let Some(t) = env("ALERTD_BEARER_TOKEN") {
        let t = t.trim();
        if t.is_empty() {
            return Err(empty("server.bearer_token", "ALERTD_BEARER_TOKEN"));
        }
        return Ok(Some(t.to_owned()));
    }
    if let Some(p) = &server.bearer_token_file {
        let t = std::fs::read_to_string(p).map_err(|e| ConfigError::SecretFile {
            field: "server.bearer_token_file",
            path: p.display().to_string(),
            reason: e.to_string(),
        })?;
        let t = t.trim();
        if t.is_empty() {
            return Err(empty(
                "server.bearer_token_file",
                &format!("the file {}", p.display()),
            ));
        }
        return Ok(Some(t.to_owned()));
    }
    match server.bearer_token.as_deref().map(str::trim) {
        Some("") => Err(empty("server.bearer_token", "server.bearer_token")),
        Some(t) => Ok(Some(t.to_owned())),
        None => Ok(None),
    }
}

/// Environment lookup (injected so tests need not touch the process environment).
pub type EnvLookup = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// How alertd authenticates to Twilio.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The account (AC...) every request's URL names.
    pub(crate) account_sid: String,
    /// The Basic-auth user: the account SID, or an API key (SK...).
    pub username: String,
    /// The Basic-auth password: the auth token, or the API key's secret.
    pub(crate) password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("account_sid", &self.account_sid)
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

fn read_secret_file(path: &Path, field: &'static str) -> Result<String, ConfigError> {
    std::fs::read_to_string(path)
        .map(|s| s.trim().to_owned())
        .map_err(|e| ConfigError::SecretFile {
            field,
            path: path.display().to_string(),
            reason: e.to_string(),
        })
}

fn pick(
    env_value: Option<String>,
    inline: Option<&String>,
    file: Option<&std::path::PathBuf>,
    field: &'static str,
) -> Result<Option<String>, ConfigError> {
    if let Some(v) = env_value.filter(|v| !v.trim().is_empty()) {
        return Ok(Some(v.trim().to_owned()));
    }
    if let Some(path) = file {
        return read_secret_file(path, field).map(Some);
    }
    Ok(inline.cloned())
}

/// Resolves credentials: environment first (`TWILIO_ACCOUNT_SID`, `TWILIO_AUTH_TOKEN`,
/// `TWILIO_API_KEY`, `TWILIO_API_SECRET`), then `*_file` keys, then inline keys.
///
/// `Ok(None)` means no credentials at all (alertd then runs the dry-run sender).
///
/// ```
/// use alertd::config::{TwilioConfig, secrets::resolve};
/// let env = |name: &str| match name {
///     "TWILIO_ACCOUNT_SID" => Some("AC0123".to_owned()),
///     "TWILIO_AUTH_TOKEN" => Some("secret".to_owned()),
///     _ => None,
/// };
/// let creds = resolve(&TwilioConfig::default(), env).unwrap().unwrap();
/// assert_eq!(creds.username, "AC0123");
/// ```
pub fn resolve(
    twilio: &TwilioConfig,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Option<Credentials>, ConfigError> {
    let account_sid = pick(
        env("TWILIO_ACCOUNT_SID"),
        twilio.account_sid.as_ref(),
        None,
        "account_sid",
    )?;
    let auth_token = pick(
        env("TWILIO_AUTH_TOKEN"),
        twilio.auth_token.as_ref(),
        twilio.auth_token_file.as_ref(),
        "auth_token",
    )?;
    let api_key = pick(
        env("TWILIO_API_KEY"),
        twilio.api_key.as_ref(),
        None,
        "api_key",
    )?;
    let api_secret = pick(
        env("TWILIO_API_SECRET"),
        twilio.api_secret.as_ref(),
        twilio.api_secret_file.as_ref(),
        "api_secret",
    )?;

    let Some(account_sid) = account_sid else {
        if auth_token.is_some() || api_key.is_some() {
            return Err(ConfigError::Invalid {
                field: "twilio.account_sid",
                reason: "an auth token or API key was given without TWILIO_ACCOUNT_SID".into(),
            });
        }
        return Ok(None);
    };
    match (api_key, api_secret, auth_token) {
        (Some(key), Some(secret), _) => Ok(Some(Credentials {
            account_sid,
            username: key,
            password: secret,
        })),
        (Some(_), None, _) => Err(ConfigError::Invalid {
            field: "twilio.api_secret",
            reason: "TWILIO_API_KEY needs TWILIO_API_SECRET".into(),
        }),
        (None, _, Some(token)) => Ok(Some(Credentials {
            username: account_sid.clone(),
            account_sid,
            password: token,
        })),
        (None, _, None) => Err(ConfigError::Invalid {
            field: "twilio.auth_token",
            reason:
                "TWILIO_ACCOUNT_SID needs TWILIO_AUTH_TOKEN (or TWILIO_API_KEY + TWILIO_API_SECRET)"
                    .into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn none_without_anything() {
        assert_eq!(
            resolve(&TwilioConfig::default(), env_of(&[])).unwrap(),
            None
        );
    }

    #[test]
    fn api_key_wins_over_token() {
        let c = resolve(
            &TwilioConfig::default(),
            env_of(&[
                ("TWILIO_ACCOUNT_SID", "AC1"),
                ("TWILIO_AUTH_TOKEN", "t"),
                ("TWILIO_API_KEY", "SK1"),
                ("TWILIO_API_SECRET", "s"),
            ]),
        )
        .unwrap()
        .unwrap();
        assert_eq!(
            (
                c.account_sid.as_str(),
                c.username.as_str(),
                c.password.as_str()
            ),
            ("AC1", "SK1", "s")
        );
    }

    #[test]
    fn token_from_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token");
        std::fs::write(&path, "filetoken\n").unwrap();
        let twilio = TwilioConfig {
            auth_token_file: Some(path),
            ..TwilioConfig::default()
        };
        let c = resolve(&twilio, env_of(&[("TWILIO_ACCOUNT_SID", "AC1")]))
            .unwrap()
            .unwrap();
        assert_eq!(c.password, "filetoken");
        assert!(!format!("{c:?}").contains("filetoken"));
    }

    #[test]
    fn half_credentials_are_errors() {
        assert!(
            resolve(
                &TwilioConfig::default(),
                env_of(&[("TWILIO_ACCOUNT_SID", "AC1")])
            )
            .is_err()
        );
        assert!(
            resolve(
                &TwilioConfig::default(),
                env_of(&[("TWILIO_AUTH_TOKEN", "x")])
            )
            .is_err()
        );
        let missing = TwilioConfig {
            auth_token_file: Some("/nonexistent/token".into()),
            ..TwilioConfig::default()
        };
        let err = resolve(&missing, env_of(&[("TWILIO_ACCOUNT_SID", "AC1")])).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/token"), "{err}");
    }
}
