//! The TOML configuration: parsing (`deny_unknown_fields` everywhere), defaults and validation.
//!
//! Durations are text (`"30s"`, `"5m"`); secrets come from the environment or files
//! ([`secrets`]); [`example::EXAMPLE`] is the commented config `alertd generate-config` prints.

pub mod callbacks;
pub mod duration;
mod error;
pub(crate) mod escalation;
pub mod example;
pub mod inhibit;
pub mod mqtt;
mod numbers;
pub mod opt_out;
pub(crate) mod redact;
pub mod relay;
pub mod secrets;
pub mod sources;
pub mod streams;
pub(crate) mod templates;
pub mod time_intervals;

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use self::duration::{DAY, HOUR, MINUTE, WEEK, check_max};
pub(crate) use self::error::ConfigError;
use crate::domain::alert::SEVERITIES;
use crate::domain::matchers::Matcher;
use crate::domain::phone::is_e164;
use crate::domain::quiet_hours::{QuietHours, QuietHoursError};

/// The whole configuration file.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// HTTP listener and callbacks.
    #[serde(default)]
    pub server: ServerConfig,
    /// Where alerts, the outbox and the notification log live.
    #[serde(default)]
    pub store: StoreConfig,
    /// Twilio account, sender identity and sending policy.
    #[serde(default)]
    pub twilio: TwilioConfig,
    /// Who gets notified and how.
    #[serde(default)]
    pub receivers: Vec<ReceiverConfig>,
    /// Named lists of phone numbers that receivers can refer to.
    #[serde(default)]
    pub(crate) rosters: Vec<RosterConfig>,
    /// How alerts posted to the API are kept firing.
    #[serde(default)]
    pub alerts: AlertsConfig,
    /// The root of the routing tree.
    #[serde(default)]
    pub route: RouteConfig,
    /// MQTT readings ingest (off unless present).
    #[serde(default)]
    pub mqtt: Option<mqtt::MqttConfig>,
    /// Escalation policies routes can name (`[[escalations]]`).
    #[serde(default)]
    pub escalations: Vec<escalation::PolicyConfig>,
    /// How STOP / START / HELP replies are answered.
    #[serde(default)]
    pub(crate) opt_out: opt_out::OptOutConfig,
    /// The Twilio-compatible relay for devices (off unless present).
    #[serde(default)]
    pub relay: Option<relay::RelayConfig>,
    /// The text it was parsed from (`redact::redacted` shows it without secrets).
    #[serde(skip)]
    pub(crate) source: Option<std::sync::Arc<str>>,
    /// Named recurring periods routes mute or activate with (`[[time_intervals]]`).
    #[serde(default)]
    pub time_intervals: Vec<time_intervals::TimeIntervalsConfig>,
    /// Alerts that mute others while they fire (`[[inhibit_rules]]`).
    #[serde(default)]
    pub inhibit_rules: Vec<inhibit::InhibitRuleConfig>,
    /// Senders with their own payloads (`[sources.tradingview]`).
    #[serde(default)]
    pub sources: sources::SourcesConfig,
    /// Dead-man's switches (`[[heartbeats]]`).
    #[serde(default)]
    pub heartbeats: Vec<sources::HeartbeatConfig>,
    /// WebSocket price feeds and their rules (`[[price_streams]]`).
    #[serde(default)]
    pub price_streams: Vec<streams::PriceStreamConfig>,
}

/// `[server]`
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    /// Address to listen on, default `127.0.0.1:9870`.
    #[serde(default = "default_listen")]
    pub listen: String,
    /// The URL Twilio calls back (status callbacks); signatures are checked against it. Its
    /// host is one the API answers to.
    #[serde(default)]
    pub public_url: Option<String>,
    /// DNS names, besides `localhost` and `public_url`'s host, that requests may name in `Host`
    /// (IP addresses are always accepted).
    #[serde(default)]
    pub(crate) allowed_hosts: Vec<String>,
    /// Bearer token required on the ingest API when set.
    #[serde(default)]
    pub(crate) bearer_token: Option<String>,
    /// File holding the bearer token (overrides `bearer_token`; env ALERTD_BEARER_TOKEN wins).
    #[serde(default)]
    pub(crate) bearer_token_file: Option<PathBuf>,
    /// Serve the API without a bearer token on an address other than loopback.
    #[serde(default)]
    pub(crate) allow_unauthenticated_remote: bool,
    /// Largest request body accepted, bytes (default 1 MiB).
    #[serde(default = "default_max_body")]
    pub(crate) max_body_bytes: usize,
    /// How long a stop (SIGTERM, SIGINT) waits for sends in flight and requests being
    /// answered before it exits anyway (default 10 s); what is left is sent after the restart.
    #[serde(
        default = "default_shutdown_grace",
        deserialize_with = "duration::deserialize"
    )]
    pub shutdown_grace: Duration,
    /// A request head that takes longer than this to arrive closes its connection (default 10 s).
    #[serde(
        default = "default_header_read_timeout",
        deserialize_with = "duration::deserialize"
    )]
    pub header_read_timeout: Duration,
    /// A request body that takes longer than this to arrive is refused with 408 (default 30 s).
    #[serde(
        default = "default_body_read_timeout",
        deserialize_with = "duration::deserialize"
    )]
    pub body_read_timeout: Duration,
    /// A keep-alive connection with no request for this long is closed (default 60 s).
    #[serde(
        default = "default_idle_timeout",
        deserialize_with = "duration::deserialize"
    )]
    pub idle_timeout: Duration,
    /// Connections served at once (default 4096, and never more than the open-files limit
    /// leaves room for). When full, the connection that has waited longest without a request
    /// in progress is closed to make room.
    #[serde(default = "default_max_connections")]
    pub max_connections: usize,
    /// `text` (default) or `json` (one object per line); `--log-format` wins.
    #[serde(default)]
    pub log_format: LogFormat,
    /// The API's PEM certificate chain, leaf first: the API serves HTTPS (with `tls_key_file`).
    /// Read again on each reload, so a renewed certificate applies without a restart.
    #[serde(default)]
    pub tls_cert_file: Option<PathBuf>,
    /// The private key of `tls_cert_file` (PEM).
    #[serde(default)]
    pub tls_key_file: Option<PathBuf>,
}

/// How log lines are written.
///
/// ```
/// use alertd::config::{Config, LogFormat};
/// let rest = "[[receivers]]\nname = \"a\"\n[route]\nreceiver = \"a\"\n";
/// let cfg = Config::parse(&format!("[server]\nlog_format = \"json\"\n{rest}")).unwrap();
/// assert_eq!(cfg.server.log_format, LogFormat::Json);
/// assert!(Config::parse(&format!("[server]\nlog_format = \"xml\"\n{rest}")).is_err());
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line (for journald, Loki, Elasticsearch).
    Json,
}

fn default_shutdown_grace() -> Duration {
    Duration::from_secs(10)
}
fn default_header_read_timeout() -> Duration {
    Duration::from_secs(10)
}
fn default_body_read_timeout() -> Duration {
    Duration::from_secs(30)
}
fn default_idle_timeout() -> Duration {
    Duration::from_secs(60)
}
fn default_max_connections() -> usize {
    4096
}

fn default_listen() -> String {
    "127.0.0.1:9870".into()
}
fn default_max_body() -> usize {
    1024 * 1024
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            listen: default_listen(),
            public_url: None,
            allowed_hosts: Vec::new(),
            bearer_token: None,
            bearer_token_file: None,
            allow_unauthenticated_remote: false,
            max_body_bytes: default_max_body(),
            shutdown_grace: default_shutdown_grace(),
            header_read_timeout: default_header_read_timeout(),
            body_read_timeout: default_body_read_timeout(),
            idle_timeout: default_idle_timeout(),
            max_connections: default_max_connections(),
            log_format: LogFormat::default(),
            tls_cert_file: None,
            tls_key_file: None,
        }
    }
}

impl ServerConfig {
    /// Checks `[server]`: the callback URL, the host names, a token that is not empty, the body
    /// limit.
    fn validate(&self) -> Result<(), ConfigError> {
        if let Some(url) = &self.public_url {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(invalid(
                    "server.public_url",
                    format!("{url:?} must start with http:// or https://"),
                ));
            }
            if url
                .parse::<axum::http::Uri>()
                .ok()
                .and_then(|u| u.host().map(str::to_owned))
                .is_none_or(|host| host.is_empty())
            {
                return Err(invalid(
                    "server.public_url",
                    format!("{url:?} is not a URL with a host, like https://alerts.example.com"),
                ));
            }
        }
        for name in &self.allowed_hosts {
            check_host_name(name)?;
        }
        if self
            .bearer_token
            .as_deref()
            .is_some_and(|t| t.trim().is_empty())
        {
            return Err(invalid(
                "server.bearer_token",
                "is empty: give a token, or remove the key to run the API without one".into(),
            ));
        }
        if self.max_body_bytes < 1024 {
            return Err(invalid(
                "server.max_body_bytes",
                "must be at least 1024".into(),
            ));
        }
        if self.tls_cert_file.is_some() != self.tls_key_file.is_some() {
            return Err(invalid(
                "server.tls_cert_file",
                "HTTPS needs both tls_cert_file and tls_key_file".into(),
            ));
        }
        if self.max_connections < 16 {
            return Err(invalid(
                "server.max_connections",
                "must be at least 16".into(),
            ));
        }
        for (field, d) in [
            ("server.header_read_timeout", self.header_read_timeout),
            ("server.body_read_timeout", self.body_read_timeout),
            ("server.idle_timeout", self.idle_timeout),
        ] {
            if d.is_zero() {
                return Err(invalid(field, "must be longer than 0s".into()));
            }
        }
        Ok(())
    }
}

/// Who can use the API: decided by where it listens and whether a bearer token is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiExposure {
    /// Every `/api` request needs the bearer token.
    TokenRequired,
    /// No token, on a loopback address: only this machine can connect.
    LoopbackOnly,
    /// No token beyond loopback, as `allow_unauthenticated_remote` asks.
    OpenBeyondLoopback,
}

impl ApiExposure {
    /// What a start-up log and `check-config` warn about for an API that listens on `listen`.
    pub fn warning(self, listen: SocketAddr) -> Option<String> {
        (self == Self::OpenBeyondLoopback).then(|| {
            format!(
                "the API has no bearer token and listens on {listen} (server.allow_unauthenticated_remote = true): anyone who can reach it can post alerts and silences and read phone numbers and messages"
            )
        })
    }
}

impl ServerConfig {
    /// How open the API is on `listen`, with or without a bearer token. Without a token it stays
    /// on loopback unless `allow_unauthenticated_remote` says otherwise.
    ///
    /// ```
    /// use alertd::config::{ApiExposure, ServerConfig};
    /// let server = ServerConfig::default();
    /// let lan = "192.168.1.5:9870".parse().unwrap();
    /// assert_eq!(server.api_exposure(lan, true).unwrap(), ApiExposure::TokenRequired);
    /// assert!(server.api_exposure(lan, false).is_err());
    /// let local = "127.0.0.1:9870".parse().unwrap();
    /// assert_eq!(server.api_exposure(local, false).unwrap(), ApiExposure::LoopbackOnly);
    /// ```
    pub fn api_exposure(
        &self,
        listen: SocketAddr,
        has_token: bool,
    ) -> Result<ApiExposure, ConfigError> {
        if has_token {
            return Ok(ApiExposure::TokenRequired);
        }
        if is_loopback(listen.ip()) {
            return Ok(ApiExposure::LoopbackOnly);
        }
        if self.allow_unauthenticated_remote {
            return Ok(ApiExposure::OpenBeyondLoopback);
        }
        Err(invalid(
            "server.listen",
            format!(
                "{listen} is not a loopback address and the API has no bearer token: anyone who can reach it could post alerts and silences and read phone numbers. Set a token (env ALERTD_BEARER_TOKEN, [server] bearer_token_file or bearer_token), listen on 127.0.0.1, or set [server] allow_unauthenticated_remote = true to open it on purpose"
            ),
        ))
    }
}

/// Loopback, IPv4-mapped IPv6 included; a wildcard address is not.
fn is_loopback(ip: IpAddr) -> bool {
    ip.to_canonical().is_loopback()
}

/// `[store]`
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreConfig {
    /// SQLite database file, default `./alertd-data/alertd.db`.
    #[serde(default = "default_db_path")]
    pub path: PathBuf,
}

fn default_db_path() -> PathBuf {
    PathBuf::from("./alertd-data/alertd.db")
}

impl Default for StoreConfig {
    fn default() -> Self {
        Self {
            path: default_db_path(),
        }
    }
}

/// `[twilio]`
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TwilioConfig {
    /// Sender number (E.164) for SMS and calls.
    #[serde(default)]
    pub(crate) from: Option<String>,
    /// Messaging service (MG...) to send SMS through instead of `from`.
    #[serde(default)]
    pub(crate) messaging_service_sid: Option<String>,
    /// API base URL; env `TWILIO_API_BASE` overrides; default `https://api.twilio.com`.
    #[serde(default)]
    pub(crate) api_base: Option<String>,
    /// Extra PEM trust anchor(s), for the simulator or a TLS-inspecting proxy.
    #[serde(default)]
    pub(crate) ca_file: Option<PathBuf>,
    /// Account SID (prefer env `TWILIO_ACCOUNT_SID`).
    #[serde(default)]
    pub(crate) account_sid: Option<String>,
    /// Auth token (prefer env `TWILIO_AUTH_TOKEN` or `auth_token_file`).
    #[serde(default)]
    pub(crate) auth_token: Option<String>,
    /// File holding the auth token.
    #[serde(default)]
    pub(crate) auth_token_file: Option<PathBuf>,
    /// API key SID (SK...), with `api_secret`.
    #[serde(default)]
    pub(crate) api_key: Option<String>,
    /// API key secret (prefer env `TWILIO_API_SECRET` or `api_secret_file`).
    #[serde(default)]
    pub(crate) api_secret: Option<String>,
    /// File holding the API key secret.
    #[serde(default)]
    pub(crate) api_secret_file: Option<PathBuf>,
    /// Log requests instead of sending them, even with credentials.
    #[serde(default)]
    pub dry_run: bool,
    /// Messages per second per From number (1 for long codes).
    #[serde(default = "default_mps")]
    pub(crate) mps: f64,
    /// Most SMS segments one notification may use; longer text is shortened to fit.
    #[serde(default = "default_segment_budget")]
    pub segment_budget: u16,
    /// Attempts before a retryable failure is given up.
    #[serde(default = "default_max_attempts")]
    pub(crate) max_attempts: u32,
    /// First retry delay; doubles each attempt, with jitter.
    #[serde(
        default = "default_retry_base",
        deserialize_with = "duration::deserialize"
    )]
    pub(crate) retry_base: Duration,
    /// Longest retry delay.
    #[serde(
        default = "default_retry_max",
        deserialize_with = "duration::deserialize"
    )]
    pub(crate) retry_max: Duration,
    /// Per-request timeout.
    #[serde(
        default = "default_request_timeout",
        deserialize_with = "duration::deserialize"
    )]
    pub(crate) request_timeout: Duration,
    /// What one SMS segment costs (USD), for the estimates `check-config` prints.
    #[serde(default = "default_sms_segment_price")]
    pub(crate) sms_segment_price: f64,
    /// Verify Service (VA...) that sends and checks enrolment codes (`alertd numbers`).
    #[serde(default)]
    pub(crate) verify_service_sid: Option<String>,
    /// Page unverified numbers only where a route has no verified one.
    #[serde(default)]
    pub(crate) require_verified: bool,
}

fn default_mps() -> f64 {
    1.0
}
fn default_segment_budget() -> u16 {
    3
}
fn default_max_attempts() -> u32 {
    8
}
fn default_retry_base() -> Duration {
    Duration::from_secs(1)
}
fn default_retry_max() -> Duration {
    Duration::from_secs(300)
}
fn default_request_timeout() -> Duration {
    Duration::from_secs(10)
}
/// A US long code's outbound SMS segment (USD).
fn default_sms_segment_price() -> f64 {
    0.0083
}

impl Default for TwilioConfig {
    fn default() -> Self {
        Self {
            from: None,
            messaging_service_sid: None,
            api_base: None,
            ca_file: None,
            account_sid: None,
            auth_token: None,
            auth_token_file: None,
            api_key: None,
            api_secret: None,
            api_secret_file: None,
            dry_run: false,
            mps: default_mps(),
            segment_budget: default_segment_budget(),
            max_attempts: default_max_attempts(),
            retry_base: default_retry_base(),
            retry_max: default_retry_max(),
            request_timeout: default_request_timeout(),
            sms_segment_price: default_sms_segment_price(),
            verify_service_sid: None,
            require_verified: false,
        }
    }
}

impl TwilioConfig {
    fn check_price(&self) -> Result<(), ConfigError> {
        if self.sms_segment_price.is_finite() && self.sms_segment_price >= 0.0 {
            return Ok(());
        }
        Err(invalid(
            "twilio.sms_segment_price",
            format!("{} is not a price (USD, 0 or more)", self.sms_segment_price),
        ))
    }
}

/// `[[receivers]]`: who is notified, on which channels.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReceiverConfig {
    /// Name routes refer to.
    pub(crate) name: String,
    /// Numbers that get SMS.
    #[serde(default)]
    pub(crate) sms: Vec<String>,
    /// Numbers that get a voice call.
    #[serde(default)]
    pub(crate) voice: Vec<String>,
    /// A roster whose numbers get SMS (and calls when `roster_voice`).
    #[serde(default)]
    pub(crate) roster: Option<String>,
    /// Also call the roster's numbers.
    #[serde(default)]
    pub(crate) roster_voice: bool,
    /// Send a notification when a group's alerts resolve (default true).
    #[serde(default = "default_true")]
    pub(crate) send_resolved: bool,
    /// Hold non-critical notifications during these hours.
    #[serde(default)]
    pub(crate) quiet_hours: Option<QuietHoursConfig>,
    /// The SMS text as a template (default: alertd's own).
    #[serde(default)]
    pub(crate) sms_template: Option<String>,
    /// A file holding the SMS template.
    #[serde(default)]
    pub(crate) sms_template_file: Option<PathBuf>,
    /// What a call says, as a template.
    #[serde(default)]
    pub(crate) voice_template: Option<String>,
    /// A file holding the call template.
    #[serde(default)]
    pub(crate) voice_template_file: Option<PathBuf>,
}

impl ReceiverConfig {
    /// Its template keys.
    pub(crate) fn template_keys(&self) -> templates::TemplateKeys<'_> {
        templates::TemplateKeys {
            sms: self.sms_template.as_deref(),
            sms_file: self.sms_template_file.as_deref(),
            voice: self.voice_template.as_deref(),
            voice_file: self.voice_template_file.as_deref(),
        }
    }
}

fn default_true() -> bool {
    true
}

/// Quiet hours: `start`/`end` as `HH:MM` wall-clock time in `location` (an IANA zone, which
/// follows daylight saving) or at a fixed `utc_offset`; UTC when neither is given.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct QuietHoursConfig {
    /// Start of the quiet window, `HH:MM`.
    pub(crate) start: String,
    /// End of the quiet window, `HH:MM` (may be earlier than start: crosses midnight).
    pub(crate) end: String,
    /// IANA time zone of the times above, e.g. `"Europe/Berlin"`.
    #[serde(default)]
    pub(crate) location: Option<String>,
    /// Fixed offset from UTC of the times above, e.g. `"+02:00"` (instead of `location`).
    #[serde(default)]
    pub(crate) utc_offset: Option<String>,
    /// Severities that still go out during quiet hours (default `["critical"]`).
    #[serde(default = "default_critical")]
    pub(crate) allow_severities: Vec<String>,
}

impl QuietHoursConfig {
    /// The parsed window; a bad time, offset or zone names its field.
    pub(crate) fn quiet_hours(&self) -> Result<QuietHours, ConfigError> {
        let field = |e: QuietHoursError| {
            let field = match e.field {
                "start" => "receivers.quiet_hours.start",
                "end" => "receivers.quiet_hours.end",
                "location" => "receivers.quiet_hours.location",
                _ => "receivers.quiet_hours.utc_offset",
            };
            invalid(field, e.reason)
        };
        let zone = match (&self.location, &self.utc_offset) {
            (Some(_), Some(_)) => {
                return Err(invalid(
                    "receivers.quiet_hours.location",
                    "give either location (an IANA zone, which follows daylight saving) or utc_offset, not both".into(),
                ));
            }
            (Some(name), None) => QuietHours::location(name).map_err(field)?,
            (None, Some(offset)) => QuietHours::utc_offset(offset).map_err(field)?,
            (None, None) => jiff::tz::TimeZone::UTC,
        };
        QuietHours::new(&self.start, &self.end, zone, self.allow_severities.clone()).map_err(field)
    }
}

fn default_critical() -> Vec<String> {
    vec!["critical".into()]
}

/// `[alerts]`: how long an alert posted without an end keeps firing.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertsConfig {
    /// An alert posted to `/api/v1/alerts` without `endsAt` resolves this long after it was
    /// last received, unless it is posted again (Alertmanager's `resolve_timeout`, default 5m).
    #[serde(
        default = "default_resolve_timeout",
        deserialize_with = "duration::deserialize"
    )]
    pub(crate) resolve_timeout: Duration,
}

fn default_resolve_timeout() -> Duration {
    Duration::from_secs(300)
}

impl Default for AlertsConfig {
    fn default() -> Self {
        Self {
            resolve_timeout: default_resolve_timeout(),
        }
    }
}

impl AlertsConfig {
    fn validate(&self) -> Result<(), ConfigError> {
        if self.resolve_timeout.is_zero() {
            return Err(invalid(
                "alerts.resolve_timeout",
                "must be longer than 0s: an alert would resolve as it arrives".into(),
            ));
        }
        check_max("alerts.resolve_timeout", self.resolve_timeout, WEEK)
    }
}

/// `[[rosters]]`: a named list of numbers.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RosterConfig {
    /// Name receivers refer to.
    pub(crate) name: String,
    /// E.164 numbers.
    pub(crate) numbers: Vec<String>,
}

/// `[route]` and its nested `[[route.routes]]`: Alertmanager's routing tree.
///
/// Unset fields inherit from the parent; the root's defaults are Alertmanager's
/// (group_wait 30s, group_interval 5m, repeat_interval 4h, no grouping labels).
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteConfig {
    /// Receiver for alerts this route matches.
    #[serde(default)]
    pub(crate) receiver: Option<String>,
    /// Labels that split alerts into groups; `["..."]` groups by all labels.
    #[serde(default)]
    pub(crate) group_by: Option<Vec<String>>,
    /// Wait before a new group's first notification.
    #[serde(default, deserialize_with = "duration::deserialize_option")]
    pub(crate) group_wait: Option<Duration>,
    /// Wait before notifying about changes to a group already notified.
    #[serde(default, deserialize_with = "duration::deserialize_option")]
    pub(crate) group_interval: Option<Duration>,
    /// Wait before repeating an unchanged notification.
    #[serde(default, deserialize_with = "duration::deserialize_option")]
    pub(crate) repeat_interval: Option<Duration>,
    /// Label matchers, Alertmanager syntax: `severity="critical"`, `env=~"prod.*"`, `team!="db"`.
    #[serde(default)]
    pub(crate) matchers: Vec<String>,
    /// Keep matching sibling routes after this one matched.
    #[serde(default, rename = "continue")]
    pub(crate) continue_matching: bool,
    /// Child routes, tried in order.
    #[serde(default)]
    pub(crate) routes: Vec<RouteConfig>,
    /// The `[[escalations]]` policy this route's groups escalate with (inherited when unset).
    #[serde(default)]
    pub(crate) escalation: Option<String>,
    /// Severities the policy applies to (default `["critical"]`; `[]` escalates every alert).
    #[serde(default)]
    pub(crate) escalation_severities: Option<Vec<String>>,
    /// `[[time_intervals]]` names during which this route does not notify (not inherited).
    #[serde(default)]
    pub(crate) mute_time_intervals: Vec<String>,
    /// `[[time_intervals]]` names outside which this route does not notify (not inherited).
    #[serde(default)]
    pub(crate) active_time_intervals: Vec<String>,
}

impl Config {
    /// Every number alertd itself notifies: its receivers', rosters' and escalation steps'
    /// (the destinations relayed devices may reach unless they name their own).
    ///
    /// ```
    /// let text = "[[receivers]]\nname = \"a\"\nsms = [\"+15551230001\"]\n[route]\nreceiver = \"a\"\n";
    /// let cfg = alertd::config::Config::parse(text).unwrap();
    /// assert_eq!(cfg.own_numbers(), ["+15551230001"]);
    /// ```
    pub fn own_numbers(&self) -> Vec<String> {
        let receivers = self
            .receivers
            .iter()
            .flat_map(|r| r.sms.iter().chain(&r.voice));
        let rosters = self.rosters.iter().flat_map(|r| &r.numbers);
        let steps = self
            .escalations
            .iter()
            .flat_map(|p| &p.steps)
            .map(|s| &s.to)
            .filter(|to| is_e164(to));
        let all: std::collections::BTreeSet<&String> =
            receivers.chain(rosters).chain(steps).collect();
        all.into_iter().cloned().collect()
    }

    /// Parses TOML text and validates it.
    ///
    /// ```
    /// let text = "[[receivers]]\nname = \"a\"\n[route]\nreceiver = \"a\"\ngroup_wait = \"10s\"\n";
    /// let cfg = alertd::config::Config::parse(text).unwrap();
    /// assert_eq!(cfg.server.listen, "127.0.0.1:9870");
    /// assert!(alertd::config::Config::parse(&text.replace("group_wait", "group_wiat")).is_err());
    /// ```
    pub fn parse(text: &str) -> Result<Self, ConfigError> {
        let mut cfg: Self = toml::from_str(text).map_err(|e| ConfigError::Parse {
            reason: e.to_string(),
        })?;
        cfg.validate()?;
        cfg.source = Some(text.into());
        Ok(cfg)
    }

    /// Reads and validates a config file; relative `ca_file`/secret paths resolve against its folder.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Read {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        let mut cfg = Self::parse(&text)?;
        if let Some(dir) = path.parent() {
            cfg.resolve_relative_paths(dir);
        }
        templates::validate_files(&cfg)?;
        Ok(cfg)
    }

    /// The embedded defaults used when alertd starts without any config: dry-run unless
    /// credentials are in the environment, one `default` receiver, no group_wait.
    pub fn embedded_default() -> Self {
        let mut cfg: Self = toml::from_str(example::EMBEDDED_DEFAULT).unwrap_or_else(|_| Self {
            server: ServerConfig::default(),
            store: StoreConfig::default(),
            twilio: TwilioConfig::default(),
            receivers: Vec::new(),
            rosters: Vec::new(),
            alerts: AlertsConfig::default(),
            route: RouteConfig::default(),
            mqtt: None,
            escalations: Vec::new(),
            opt_out: crate::config::opt_out::OptOutConfig::default(),
            relay: None,
            source: None,
            time_intervals: Vec::new(),
            inhibit_rules: Vec::new(),
            sources: sources::SourcesConfig::default(),
            heartbeats: Vec::new(),
            price_streams: Vec::new(),
        });
        cfg.store = StoreConfig::default();
        cfg.source = Some(example::EMBEDDED_DEFAULT.into());
        cfg
    }

    fn resolve_relative_paths(&mut self, dir: &Path) {
        let fix = |p: &mut Option<PathBuf>| {
            if let Some(path) = p
                && path.is_relative()
            {
                *path = dir.join(&*path);
            }
        };
        fix(&mut self.twilio.ca_file);
        fix(&mut self.twilio.auth_token_file);
        fix(&mut self.twilio.api_secret_file);
        fix(&mut self.server.bearer_token_file);
        fix(&mut self.server.tls_cert_file);
        fix(&mut self.server.tls_key_file);
        if let Some(relay) = &mut self.relay {
            relay.resolve_relative_paths(dir);
        }
        if let Some(tv) = &mut self.sources.tradingview {
            tv.resolve_relative_paths(dir);
        }
        for r in &mut self.receivers {
            templates::resolve(&mut r.sms_template_file, dir);
            templates::resolve(&mut r.voice_template_file, dir);
        }
        for p in &mut self.escalations {
            templates::resolve(&mut p.sms_template_file, dir);
            templates::resolve(&mut p.voice_template_file, dir);
        }
    }

    /// The socket address to listen on.
    pub fn listen_addr(&self) -> Result<SocketAddr, ConfigError> {
        self.server
            .listen
            .parse()
            .map_err(|_| ConfigError::Invalid {
                field: "server.listen",
                reason: format!(
                    "{:?} is not an address like 127.0.0.1:9870",
                    self.server.listen
                ),
            })
    }

    /// Numbers of a receiver for one channel, with its roster expanded.
    pub(crate) fn receiver_numbers(&self, receiver: &ReceiverConfig, voice: bool) -> Vec<String> {
        let mut out = if voice {
            receiver.voice.clone()
        } else {
            receiver.sms.clone()
        };
        if let Some(roster) = receiver
            .roster
            .as_ref()
            .and_then(|r| self.rosters.iter().find(|x| &x.name == r))
            && (!voice || receiver.roster_voice)
        {
            for n in &roster.numbers {
                if !out.contains(n) {
                    out.push(n.clone());
                }
            }
        }
        out
    }

    /// Checks everything that TOML types cannot express.
    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        self.listen_addr()?;
        if let Some(mqtt) = &self.mqtt {
            mqtt.validate()?;
        }
        self.server.validate()?;
        let t = &self.twilio;
        if let Some(from) = &t.from {
            check_e164(from, "twilio.from")?;
        }
        if let Some(mg) = &t.messaging_service_sid
            && twilio_core::sid::MessagingServiceSid::parse(mg).is_err()
        {
            return Err(invalid(
                "twilio.messaging_service_sid",
                format!("{mg:?} is not MG + 32 hex digits"),
            ));
        }
        if let Some(base) = &t.api_base
            && !(base.starts_with("https://") || base.starts_with("http://"))
        {
            return Err(invalid(
                "twilio.api_base",
                format!("{base:?} must be an http(s) URL"),
            ));
        }
        if !(t.mps.is_finite() && t.mps > 0.0) {
            return Err(invalid(
                "twilio.mps",
                "must be a positive number of messages per second".into(),
            ));
        }
        if t.segment_budget == 0 || t.segment_budget > 10 {
            return Err(invalid(
                "twilio.segment_budget",
                "must be between 1 and 10".into(),
            ));
        }
        if t.max_attempts == 0 {
            return Err(invalid("twilio.max_attempts", "must be at least 1".into()));
        }
        check_max("twilio.retry_base", t.retry_base, HOUR)?;
        check_max("twilio.retry_max", t.retry_max, DAY)?;
        check_max("twilio.request_timeout", t.request_timeout, 10 * MINUTE)?;
        t.check_price().and_then(|()| t.check_verify())?;
        self.alerts.validate()?;
        let mut names = std::collections::HashSet::new();
        for r in &self.rosters {
            if r.numbers.is_empty() {
                return Err(invalid(
                    "rosters.numbers",
                    format!(
                        "roster {:?} has no numbers: receivers and escalation steps naming it would reach nobody",
                        r.name
                    ),
                ));
            }
            for n in &r.numbers {
                check_e164(n, "rosters.numbers")?;
            }
        }
        for r in &self.receivers {
            if r.name.is_empty() || !names.insert(r.name.as_str()) {
                return Err(invalid(
                    "receivers.name",
                    format!("{:?} is empty or used twice", r.name),
                ));
            }
            for n in r.sms.iter().chain(&r.voice) {
                check_e164(n, "receivers.sms/voice")?;
            }
            if let Some(roster) = &r.roster
                && !self.rosters.iter().any(|x| &x.name == roster)
            {
                return Err(invalid(
                    "receivers.roster",
                    format!("no [[rosters]] named {roster:?}"),
                ));
            }
            if let Some(q) = &r.quiet_hours {
                q.quiet_hours()?;
                check_severities(
                    &q.allow_severities,
                    "receivers.quiet_hours.allow_severities",
                )?;
            }
        }
        if let Some(relay) = &self.relay {
            relay.validate()?;
        }
        if self.route.receiver.is_none() {
            return Err(invalid(
                "route.receiver",
                "the root route needs a receiver".into(),
            ));
        }
        escalation::validate(self)?;
        templates::validate(self)?;
        time_intervals::validate(self)?;
        inhibit::build(self)?;
        sources::validate(self).and_then(|()| Self::validate_route(&self.route, &names))
    }

    fn validate_route(
        route: &RouteConfig,
        receivers: &std::collections::HashSet<&str>,
    ) -> Result<(), ConfigError> {
        if let Some(r) = &route.receiver
            && !receivers.contains(r.as_str())
        {
            return Err(invalid(
                "route.receiver",
                format!("no [[receivers]] named {r:?}"),
            ));
        }
        for m in &route.matchers {
            Matcher::parse(m).map_err(|e| invalid("route.matchers", format!("{m:?}: {e}")))?;
        }
        for (field, value, max) in [
            ("route.group_wait", route.group_wait, DAY),
            ("route.group_interval", route.group_interval, DAY),
            ("route.repeat_interval", route.repeat_interval, 30 * DAY),
        ] {
            if let Some(value) = value {
                check_max(field, value, max)?;
            }
        }
        if let Some(severities) = &route.escalation_severities {
            check_severities(severities, "route.escalation_severities")?;
        }
        for child in &route.routes {
            Self::validate_route(child, receivers)?;
        }
        Ok(())
    }
}

pub(crate) fn invalid(field: &'static str, reason: String) -> ConfigError {
    ConfigError::Invalid { field, reason }
}

/// An `allowed_hosts` entry is a bare DNS name or IP address: what a `Host` header names.
fn check_host_name(entry: &str) -> Result<(), ConfigError> {
    let refuse = |what: &str| {
        invalid(
            "server.allowed_hosts",
            format!("{entry:?} {what}: give a bare name such as \"alerts.example.com\""),
        )
    };
    let authority = entry
        .parse::<axum::http::uri::Authority>()
        .map_err(|_| refuse("is not a host name"))?;
    if entry.contains('@') || authority.host().is_empty() {
        return Err(refuse("is not a host name"));
    }
    if authority.port().is_some() {
        return Err(refuse("has a port (the port of a Host is not compared)"));
    }
    if entry.contains('*') {
        return Err(refuse("has a wildcard (list every name)"));
    }
    Ok(())
}

/// Refuses `severity` values alertd does not know: a list naming only unknown ones selects
/// no alert, so what it is meant to let through or escalate never is.
fn check_severities(values: &[String], field: &'static str) -> Result<(), ConfigError> {
    match values.iter().find(|s| !SEVERITIES.contains(&s.as_str())) {
        None => Ok(()),
        Some(unknown) => Err(invalid(
            field,
            format!(
                "{unknown:?} is not a severity; the severities are {}",
                SEVERITIES.map(|s| format!("{s:?}")).join(", ")
            ),
        )),
    }
}

fn check_e164(n: &str, field: &'static str) -> Result<(), ConfigError> {
    if is_e164(n) {
        Ok(())
    } else {
        Err(invalid(
            field,
            format!("{n:?} is not an E.164 number like +15551230001"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
[server]
listen = "127.0.0.1:9870"
public_url = "http://127.0.0.1:9870"   # what Twilio calls back; signatures are checked against it

[twilio]
from = "+15005550006"                    # or messaging_service_sid = "MG..."
api_base = "https://127.0.0.1:8443"      # env TWILIO_API_BASE overrides; default https://api.twilio.com
ca_file = "sim-ca.pem"                   # extra trust anchor, for the simulator or a proxy
# account_sid / auth_token from env TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN

[[receivers]]
name = "oncall"
sms = ["+15551230001"]
voice = ["+15551230001"]

[route]
receiver = "oncall"
group_by = ["alertname"]
group_wait = "0s"
"#;

    #[test]
    fn minimal_config_parses_exactly_as_written() {
        let cfg = Config::parse(MINIMAL).unwrap();
        assert_eq!(
            cfg.server.public_url.as_deref(),
            Some("http://127.0.0.1:9870")
        );
        assert_eq!(cfg.twilio.from.as_deref(), Some("+15005550006"));
        assert_eq!(
            cfg.twilio.api_base.as_deref(),
            Some("https://127.0.0.1:8443")
        );
        assert_eq!(cfg.twilio.ca_file, Some(PathBuf::from("sim-ca.pem")));
        assert_eq!(cfg.receivers[0].voice, vec!["+15551230001".to_owned()]);
        assert_eq!(cfg.route.group_by, Some(vec!["alertname".to_owned()]));
        assert_eq!(cfg.route.group_wait, Some(Duration::ZERO));
        assert_eq!(cfg.route.group_interval, None);
        assert!((cfg.twilio.mps - 1.0).abs() < f64::EPSILON);
    }

    #[test]
    fn load_resolves_ca_file_next_to_the_config() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("alertd.toml");
        std::fs::write(&path, MINIMAL).unwrap();
        let cfg = Config::load(&path).unwrap();
        assert_eq!(cfg.twilio.ca_file, Some(dir.path().join("sim-ca.pem")));
    }

    #[test]
    fn unknown_keys_and_wrong_types_are_rejected_with_the_field() {
        let err = Config::parse("[server]\nlisten = \"127.0.0.1:1\"\nlisen = 1\n").unwrap_err();
        assert!(err.to_string().contains("lisen"), "{err}");
        let err = Config::parse("[route]\nreceiver = \"x\"\ngroup_wait = 30\n").unwrap_err();
        assert!(matches!(err, ConfigError::Parse { .. }), "{err}");
        let err = Config::parse("[route]\nreceiver = \"x\"\ngroup_wait = \"30 fortnights\"\n")
            .unwrap_err();
        assert!(err.to_string().contains("30 fortnights"), "{err}");
    }

    #[test]
    fn semantic_errors_name_the_field() {
        let cases = [
            ("[route]\nreceiver = \"nobody\"\n", "route.receiver"),
            (
                "[twilio]\nfrom = \"555\"\n[[receivers]]\nname=\"a\"\n[route]\nreceiver=\"a\"\n",
                "twilio.from",
            ),
            (
                "[[receivers]]\nname=\"a\"\nsms=[\"12\"]\n[route]\nreceiver=\"a\"\n",
                "receivers.sms/voice",
            ),
            (
                "[[receivers]]\nname=\"a\"\n[route]\nreceiver=\"a\"\nmatchers=[\"sev~x\"]\n",
                "route.matchers",
            ),
            ("[server]\nlisten=\"nowhere\"\n", "server.listen"),
            (
                "[server]\npublic_url=\"https://\"\n[[receivers]]\nname=\"a\"\n[route]\nreceiver=\"a\"\n",
                "server.public_url",
            ),
            (
                "[twilio]\nmps = 0.0\n[[receivers]]\nname=\"a\"\n[route]\nreceiver=\"a\"\n",
                "twilio.mps",
            ),
        ];
        for (text, field) in cases {
            match Config::parse(text) {
                Err(ConfigError::Invalid { field: f, .. }) => assert_eq!(f, field, "{text}"),
                other => panic!("{text}: {other:?}"),
            }
        }
    }

    #[test]
    fn generated_example_and_embedded_default_are_valid() {
        let example = Config::parse(example::EXAMPLE).unwrap();
        assert_eq!(example.escalations[0].steps.len(), 3);
        assert_eq!(example.route.escalation.as_deref(), Some("critical"));
        let d = Config::embedded_default();
        d.validate().unwrap();
        assert_eq!(d.store.path, PathBuf::from("./alertd-data/alertd.db"));
        assert_eq!(d.server.listen, "127.0.0.1:9870");
    }

    #[test]
    fn allowed_hosts_are_bare_names_or_addresses() {
        let with = |hosts: &str| {
            Config::parse(&format!(
                "[server]\nallowed_hosts = {hosts}\n[[receivers]]\nname=\"a\"\n[route]\nreceiver=\"a\"\n"
            ))
        };
        let cfg = with(r#"["alerts.plant-b.lan", "Gateway", "192.168.1.5", "[fd00::5]"]"#).unwrap();
        assert_eq!(cfg.server.allowed_hosts.len(), 4);
        for (bad, why) in [
            (r#"["https://alerts.example.com"]"#, "is not a host name"),
            (r#"["alerts.example.com/api"]"#, "is not a host name"),
            (r#"["alerts.example.com:9870"]"#, "has a port"),
            (r#"["ops@alerts.example.com"]"#, "is not a host name"),
            (r#"["*.example.com"]"#, "wildcard"),
            (r#"[""]"#, "is not a host name"),
        ] {
            match with(bad) {
                Err(ConfigError::Invalid { field, reason }) => {
                    assert_eq!(field, "server.allowed_hosts", "{bad}");
                    assert!(reason.contains(why), "{bad}: {reason}");
                }
                other => panic!("{bad}: {other:?}"),
            }
        }
    }

    #[test]
    fn without_a_token_the_api_stays_on_loopback_unless_opened_explicitly() {
        let closed = ServerConfig::default();
        let open = ServerConfig {
            allow_unauthenticated_remote: true,
            ..ServerConfig::default()
        };
        for listen in [
            "127.0.0.1:9870",
            "127.0.0.2:1",
            "[::1]:9870",
            "[::ffff:127.0.0.1]:9870",
        ] {
            let listen = listen.parse().unwrap();
            assert_eq!(
                closed.api_exposure(listen, false),
                Ok(ApiExposure::LoopbackOnly)
            );
            assert_eq!(ApiExposure::LoopbackOnly.warning(listen), None);
        }
        for listen in [
            "0.0.0.0:9870",
            "[::]:9870",
            "192.168.1.5:9870",
            "[fd00::5]:9870",
        ] {
            let listen = listen.parse().unwrap();
            match closed.api_exposure(listen, false) {
                Err(ConfigError::Invalid { field, reason }) => {
                    assert_eq!(field, "server.listen");
                    assert!(
                        reason.contains("allow_unauthenticated_remote = true"),
                        "{reason}"
                    );
                }
                other => panic!("{listen}: {other:?}"),
            }
            assert_eq!(
                closed.api_exposure(listen, true),
                Ok(ApiExposure::TokenRequired)
            );
            let exposure = open.api_exposure(listen, false).unwrap();
            assert_eq!(exposure, ApiExposure::OpenBeyondLoopback);
            assert!(
                exposure
                    .warning(listen)
                    .unwrap()
                    .contains(&listen.to_string())
            );
        }
    }

    /// The field and reason `text` is refused with.
    fn refusal(text: &str) -> (&'static str, String) {
        match Config::parse(text) {
            Err(ConfigError::Invalid { field, reason }) => (field, reason),
            other => panic!("{text}: {other:?}"),
        }
    }

    #[test]
    fn an_empty_roster_is_refused() {
        let (field, reason) = refusal(
            "[[rosters]]\nname=\"ops\"\nnumbers=[]\n[[receivers]]\nname=\"a\"\nroster=\"ops\"\n[route]\nreceiver=\"a\"\n",
        );
        assert_eq!(field, "rosters.numbers");
        assert!(reason.contains("roster \"ops\" has no numbers"), "{reason}");
    }

    #[test]
    fn severities_in_the_config_are_known_ones() {
        let config = |receiver: &str, route: &str| {
            format!("[[receivers]]\nname=\"a\"\n{receiver}\n[route]\nreceiver=\"a\"\n{route}\n")
        };
        for listed in [
            "[]",
            "[\"critical\"]",
            "[\"critical\", \"warning\", \"info\"]",
            "[\"page\", \"error\", \"high\"]",
        ] {
            Config::parse(&config("", &format!("escalation_severities = {listed}"))).unwrap();
            Config::parse(&config(
                &format!(
                    "quiet_hours = {{ start = \"22:00\", end = \"07:00\", allow_severities = {listed} }}"
                ),
                "",
            ))
            .unwrap();
        }
        for (text, want_field, unknown) in [
            (
                config("", "escalation_severities = [\"crit\"]"),
                "route.escalation_severities",
                "\"crit\"",
            ),
            (
                config(
                    "",
                    "[[route.routes]]\nmatchers = ['team=\"db\"']\nescalation_severities = [\"critical\", \"pagee\"]",
                ),
                "route.escalation_severities",
                "\"pagee\"",
            ),
            (
                config(
                    "quiet_hours = { start = \"22:00\", end = \"07:00\", allow_severities = [\"Critical\"] }",
                    "",
                ),
                "receivers.quiet_hours.allow_severities",
                "\"Critical\"",
            ),
        ] {
            let (field, reason) = refusal(&text);
            assert_eq!(field, want_field, "{text}");
            assert!(
                reason.contains(&format!("{unknown} is not a severity")),
                "{reason}"
            );
            assert!(
                reason.contains("\"critical\", \"warning\", \"info\""),
                "lists the accepted ones: {reason}"
            );
        }
    }

    #[test]
    fn quiet_hours_take_an_iana_location_or_a_fixed_offset_not_both() {
        let with = |keys: &str| {
            Config::parse(&format!(
                "[[receivers]]\nname=\"a\"\nquiet_hours = {{ start = \"22:00\", end = \"07:00\"{keys} }}\n[route]\nreceiver=\"a\"\n"
            ))
        };
        for ok in [
            "",
            ", location = \"Europe/Berlin\"",
            ", location = \"America/New_York\"",
            ", utc_offset = \"-05:00\"",
        ] {
            with(ok).unwrap_or_else(|e| panic!("{ok}: {e}"));
        }
        for (keys, field, says) in [
            (
                ", location = \"Europe/Berlin\", utc_offset = \"+01:00\"",
                "receivers.quiet_hours.location",
                "not both",
            ),
            (
                ", location = \"Europe/Berlim\"",
                "receivers.quiet_hours.location",
                "\"Europe/Berlim\" is not an IANA time zone",
            ),
            (
                ", utc_offset = \"CET\"",
                "receivers.quiet_hours.utc_offset",
                "not an offset",
            ),
        ] {
            match with(keys) {
                Err(ConfigError::Invalid { field: f, reason }) => {
                    assert_eq!(f, field, "{keys}");
                    assert!(reason.contains(says), "{keys}: {reason}");
                }
                other => panic!("{keys}: {other:?}"),
            }
        }
    }

    /// A config with `head` before the receiver, `route` keys in the root route, `tail` after.
    fn timed(head: &str, route: &str, tail: &str) -> String {
        format!("{head}\n[[receivers]]\nname=\"a\"\n[route]\nreceiver=\"a\"\n{route}\n{tail}\n")
    }

    fn relay_with_dedup_window(window: &str) -> String {
        format!("[relay]\nlisten=\"127.0.0.1:8443\"\nplain_http=true\ndedup_window=\"{window}\"")
    }

    fn mqtt_with(keys: &str) -> String {
        format!("[mqtt]\n{keys}\n[[mqtt.topics]]\nfilter=\"t/+\"\nalertname=\"Hot\"\nwarning=1.0\n")
    }

    fn mqtt_topic_with(keys: &str) -> String {
        format!("[mqtt]\n[[mqtt.topics]]\nfilter=\"t/+\"\nalertname=\"Hot\"\nwarning=1.0\n{keys}\n")
    }

    #[test]
    fn durations_at_their_maximum_are_accepted() {
        for text in [
            timed(
                "",
                "group_wait=\"1d\"\ngroup_interval=\"1d\"\nrepeat_interval=\"30d\"",
                "",
            ),
            timed(
                "[twilio]\nretry_base=\"1h\"\nretry_max=\"1d\"\nrequest_timeout=\"10m\"",
                "",
                "",
            ),
            timed("", "", &relay_with_dedup_window("1d")),
            timed(
                "",
                "",
                &mqtt_with("keep_alive=\"1h\"\nreconnect_min=\"1h\"\nreconnect_max=\"1h\""),
            ),
            timed(
                "",
                "",
                &mqtt_topic_with("debounce_hold=\"1d\"\ncooldown=\"1d\""),
            ),
        ] {
            Config::parse(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
        }
    }

    #[test]
    fn durations_beyond_their_maximum_are_refused_with_the_field_and_the_maximum() {
        for (text, want_field, max) in [
            (
                timed("", "group_wait=\"300000000y\"", ""),
                "route.group_wait",
                "1day",
            ),
            (
                timed("", "group_interval=\"25h\"", ""),
                "route.group_interval",
                "1day",
            ),
            (
                timed("", "[[route.routes]]\nrepeat_interval=\"31d\"", ""),
                "route.repeat_interval",
                "30days",
            ),
            (
                timed("[twilio]\nretry_base=\"2h\"", "", ""),
                "twilio.retry_base",
                "1h",
            ),
            (
                timed("[twilio]\nretry_max=\"2d\"", "", ""),
                "twilio.retry_max",
                "1day",
            ),
            (
                timed("[twilio]\nrequest_timeout=\"1h\"", "", ""),
                "twilio.request_timeout",
                "10m",
            ),
            (
                timed("", "", &relay_with_dedup_window("2d")),
                "relay.dedup_window",
                "1day",
            ),
            (
                timed("", "", &mqtt_with("keep_alive=\"2h\"")),
                "mqtt.keep_alive",
                "1h",
            ),
            (
                timed("", "", &mqtt_with("reconnect_min=\"2h\"")),
                "mqtt.reconnect_min",
                "1h",
            ),
            (
                timed("", "", &mqtt_with("reconnect_max=\"2h\"")),
                "mqtt.reconnect_max",
                "1h",
            ),
            (
                timed("", "", &mqtt_topic_with("debounce_hold=\"2d\"")),
                "mqtt.topics.debounce_hold",
                "1day",
            ),
            (
                timed("", "", &mqtt_topic_with("cooldown=\"2d\"")),
                "mqtt.topics.cooldown",
                "1day",
            ),
        ] {
            let (field, reason) = refusal(&text);
            assert_eq!(field, want_field, "{text}");
            assert!(
                reason.contains(&format!("at most {max}")),
                "{text}: {reason}"
            );
        }
    }

    #[test]
    fn resolve_timeout_defaults_to_five_minutes_and_is_bounded() {
        let with = |alerts: &str| {
            Config::parse(&format!(
                "{alerts}\n[[receivers]]\nname=\"a\"\n[route]\nreceiver=\"a\"\n"
            ))
        };
        assert_eq!(
            with("").unwrap().alerts.resolve_timeout,
            Duration::from_secs(300)
        );
        assert_eq!(
            with("[alerts]\nresolve_timeout=\"7d\"")
                .unwrap()
                .alerts
                .resolve_timeout,
            WEEK
        );
        for (value, reason) in [("0s", "must be longer than 0s"), ("8d", "at most 7days")] {
            let (field, why) = refusal(&format!(
                "[alerts]\nresolve_timeout=\"{value}\"\n[[receivers]]\nname=\"a\"\n[route]\nreceiver=\"a\"\n"
            ));
            assert_eq!(field, "alerts.resolve_timeout");
            assert!(why.contains(reason), "{value}: {why}");
        }
    }

    #[test]
    fn roster_numbers_are_expanded() {
        let cfg = Config::parse(
            "[[rosters]]\nname=\"ops\"\nnumbers=[\"+15551230002\"]\n[[receivers]]\nname=\"a\"\nsms=[\"+15551230001\"]\nroster=\"ops\"\n[route]\nreceiver=\"a\"\n",
        )
        .unwrap();
        let r = &cfg.receivers[0];
        assert_eq!(
            cfg.receiver_numbers(r, false),
            vec!["+15551230001", "+15551230002"]
        );
        assert!(cfg.receiver_numbers(r, true).is_empty());
    }
}
