//! A board's build-time configuration, turned into the evaluator's and the client's.
//!
//! Each firmware's build script writes a `Settings` constant from environment variables; these
//! conversions are the part that can fail at run time (a malformed SID or host), so they live
//! here, tested on the host.

use twilio_core::alerting::{Config, Debounce};
use twilio_core::auth::{AuthError, Credentials};
use twilio_core::request::RequestError;
use twilio_embedded::tls::{ServerVerification, TrustAnchors};
use twilio_embedded::{ClientConfig, Recipient};

use crate::tenths::Tenths;

/// How the device authenticates to Twilio (or to an alertd relay).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Secret<'a> {
    /// The account's auth token (`TWILIO_AUTH_TOKEN`).
    AuthToken(&'a str),
    /// An API key (`TWILIO_API_KEY`, `TWILIO_API_SECRET`): revocable per device.
    ApiKey {
        /// `SK...`
        sid: &'a str,
        /// The key's secret.
        secret: &'a str,
    },
}

/// When to alert, in tenths of a degree Celsius (45.5 C is 455), and how often to look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thresholds {
    /// Text at or above this (`ALERT_WARNING_C`).
    pub warning: Option<i32>,
    /// Call at or above this (`ALERT_CRITICAL_C`).
    pub critical: Option<i32>,
    /// Clear this far below a level (`ALERT_HYSTERESIS_C`).
    pub hysteresis: i32,
    /// Readings in a row needed to change level (`ALERT_DEBOUNCE_SAMPLES`).
    pub debounce_samples: u16,
    /// No repeat of the same level within this time (`ALERT_COOLDOWN_SECS`).
    pub cooldown_secs: u32,
    /// Time between readings (`ALERT_SAMPLE_SECS`).
    pub sample_secs: u32,
}

impl Thresholds {
    /// Logs the levels in force, with one decimal and without float formatting code:
    /// "warning level 45.0 C", "critical level 60.0 C", "a reading every 10 s".
    pub fn log(&self) {
        for (name, level) in [("warning", self.warning), ("critical", self.critical)] {
            match level {
                Some(level) => info!("{} level {}", name, Tenths::new(level, "C")),
                None => info!("no {} level", name),
            }
        }
        info!("a reading every {} s", self.sample_secs);
    }
}

/// Everything a board is configured with.
#[derive(Debug, Clone, Copy)]
pub struct Settings<'a> {
    /// Names the device in texts and calls (`DEVICE_NAME`).
    pub device_name: &'a str,
    /// `AC...` (`TWILIO_ACCOUNT_SID`).
    pub account_sid: &'a str,
    /// Auth token or API key.
    pub secret: Secret<'a>,
    /// The Twilio number alerts come from (`TWILIO_FROM`).
    pub from: &'a str,
    /// Who gets alerts (`ALERT_TO`).
    pub recipients: &'a [Recipient<'a>],
    /// An alertd relay instead of api.twilio.com (`TWILIO_API_HOST`): host name for TLS and HTTP.
    pub api_host: Option<&'a str>,
    /// Trust anchors (DER) for the API host's certificate chain.
    pub anchors: &'a [&'a [u8]],
    /// Alert levels.
    pub thresholds: Thresholds,
}

/// The configuration cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum SettingsError {
    /// The account SID, API key or secret is malformed.
    Credentials(AuthError),
    /// `TWILIO_API_HOST` is not a valid host name.
    ApiHost(RequestError),
    /// No trust anchor was built in (nothing to verify the server against).
    NoTrustAnchors,
}

impl<'a> Settings<'a> {
    /// The evaluator's configuration: rising levels with hysteresis, debounce and cooldown.
    ///
    /// ```
    /// # use alert_loop::settings::{Secret, Settings, Thresholds};
    /// let settings = Settings {
    ///     device_name: "Pico W", account_sid: "AC0123456789abcdef0123456789abcdef",
    ///     secret: Secret::AuthToken("fedcba9876543210fedcba9876543210"), from: "+15005550006",
    ///     recipients: &[], api_host: None, anchors: &[],
    ///     thresholds: Thresholds { warning: Some(450), critical: Some(600), hysteresis: 20,
    ///         debounce_samples: 3, cooldown_secs: 900, sample_secs: 10 },
    /// };
    /// let config = settings.evaluator_config();
    /// assert_eq!(config.cooldown_ms, 900_000);
    /// assert_eq!(config.debounce.samples, 3);
    /// ```
    pub fn evaluator_config(&self) -> Config<i32> {
        let t = self.thresholds;
        Config {
            debounce: Debounce {
                samples: t.debounce_samples,
                hold_ms: 0,
            },
            cooldown_ms: u64::from(t.cooldown_secs) * 1_000,
            ..Config::rising(t.warning, t.critical, t.hysteresis)
        }
    }

    /// The client's configuration: credentials checked, the relay host applied to both HTTP
    /// and TLS, certificates verified against [`Settings::anchors`].
    pub fn client_config(&self) -> Result<ClientConfig<'a>, SettingsError> {
        if self.anchors.is_empty() {
            return Err(SettingsError::NoTrustAnchors);
        }
        let credentials = match self.secret {
            Secret::AuthToken(token) => Credentials::auth_token(self.account_sid, token),
            Secret::ApiKey { sid, secret } => Credentials::api_key(self.account_sid, sid, secret),
        }
        .map_err(SettingsError::Credentials)?;
        let verification = ServerVerification::anchors(TrustAnchors::new(self.anchors));
        let mut config =
            ClientConfig::twilio(credentials, self.from, self.recipients, verification);
        if let Some(host) = self.api_host {
            config.http = config
                .http
                .with_host(host)
                .map_err(SettingsError::ApiHost)?;
            config.tls.server_name = host;
        }
        Ok(config)
    }

    /// The host connected to: the relay, or api.twilio.com.
    pub fn host(&self) -> &'a str {
        self.api_host
            .unwrap_or(twilio_core::request::TWILIO_API_HOST)
    }
}
