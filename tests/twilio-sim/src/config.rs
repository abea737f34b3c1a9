//! Simulator configuration: credentials, transport, timing and bounds.

use std::net::SocketAddr;
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use crate::ratelimit::RateLimitConfig;

/// The account SID the simulator accepts when none is configured (documented in the README).
pub const DEFAULT_ACCOUNT_SID: &str = "AC0123456789abcdef0123456789abcdef";
/// The auth token paired with [`DEFAULT_ACCOUNT_SID`].
pub const DEFAULT_AUTH_TOKEN: &str = "fedcba9876543210fedcba9876543210";
/// An API key SID the simulator accepts by default (Basic auth as `SK...:secret`).
pub const DEFAULT_API_KEY_SID: &str = "SK0123456789abcdef0123456789abcdef";
/// The secret of [`DEFAULT_API_KEY_SID`].
pub const DEFAULT_API_KEY_SECRET: &str = "simulator-api-key-secret";

/// An API key (SID `SK...` and its secret) that may authenticate instead of the auth token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKey {
    /// The key SID, `SK` followed by 32 hex digits.
    pub sid: String,
    /// The key secret.
    pub secret: String,
}

/// Which key type the server's leaf certificate uses (the CA is always ECDSA P-256).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeafKey {
    /// ECDSA P-256 with SHA-256, what most devices verify without an allocator.
    #[default]
    EcdsaP256,
    /// RSA 2048 with SHA-256, to test clients against RSA server certificates.
    Rsa2048,
}

/// Which TLS protocol versions the server offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TlsVersions {
    /// TLS 1.3 and TLS 1.2, like api.twilio.com.
    #[default]
    Both,
    /// TLS 1.3 only.
    Tls13Only,
    /// TLS 1.2 only.
    Tls12Only,
}

/// When the server certificate is valid, to test clients that check certificate dates.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use twilio_sim::LeafValidity;
///
/// let year = Duration::from_secs(365 * 86_400);
/// let expired = LeafValidity { not_before: SystemTime::now() - 2 * year, not_after: SystemTime::now() - year };
/// assert!(expired.not_after < SystemTime::now());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LeafValidity {
    /// The first moment the certificate is valid (whole seconds; earlier than 1970 is 1970).
    pub not_before: SystemTime,
    /// The last moment it is valid.
    pub not_after: SystemTime,
}

/// How long each lifecycle step takes. Small by default so tests never wait long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LifecycleTiming {
    /// Delay between message states (queued -> sent -> delivered).
    pub message_step: Duration,
    /// Delay between call states (queued -> initiated -> ringing -> answered ...).
    pub call_step: Duration,
}

impl Default for LifecycleTiming {
    fn default() -> Self {
        Self {
            message_step: Duration::from_millis(5),
            call_step: Duration::from_millis(5),
        }
    }
}

/// Everything [`crate::Simulator::start`] needs. `SimConfig::default()` is ready for tests.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Where to listen; the default `127.0.0.1:0` picks a free port.
    pub listen: SocketAddr,
    /// The account SID accepted in paths and Basic auth.
    pub account_sid: String,
    /// The auth token: Basic auth password and the key for `X-Twilio-Signature`.
    pub auth_token: String,
    /// API keys accepted instead of the account SID and token.
    pub api_keys: Vec<ApiKey>,
    /// Serve plain HTTP instead of HTTPS.
    pub plain_http: bool,
    /// The server certificate's key type.
    pub leaf_key: LeafKey,
    /// TLS versions offered.
    pub tls_versions: TlsVersions,
    /// The server certificate's validity period; `None` is rcgen's default (1975 to 4096). The
    /// CA stays valid either way.
    pub leaf_validity: Option<LeafValidity>,
    /// Extra DNS names for the server certificate (besides localhost, 127.0.0.1, ::1 and
    /// api.twilio.com).
    pub extra_hostnames: Vec<String>,
    /// Lifecycle step delays.
    pub timing: LifecycleTiming,
    /// How many requests, messages, calls and callbacks the store keeps (oldest dropped first).
    pub history_cap: usize,
    /// Largest request body accepted; larger bodies get a 413 with a Twilio error body.
    pub max_body_bytes: usize,
    /// Extra trust anchors (DER) for HTTPS webhooks the simulator calls.
    pub callback_root_certs: Vec<Vec<u8>>,
    /// Timeout of each webhook request the simulator makes (Twilio uses 15 s).
    pub callback_timeout: Duration,
    /// Per-sender rate limiting; `None` turns it off.
    pub rate_limit: Option<RateLimitConfig>,
    /// When set, only these `From` numbers are accepted (others get 21659 / 21210).
    pub owned_numbers: Option<Vec<String>>,
    /// Default webhook for inbound SMS when a request does not name one.
    pub inbound_webhook: Option<String>,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            account_sid: DEFAULT_ACCOUNT_SID.to_owned(),
            auth_token: DEFAULT_AUTH_TOKEN.to_owned(),
            api_keys: vec![ApiKey {
                sid: DEFAULT_API_KEY_SID.to_owned(),
                secret: DEFAULT_API_KEY_SECRET.to_owned(),
            }],
            plain_http: false,
            leaf_key: LeafKey::EcdsaP256,
            tls_versions: TlsVersions::Both,
            leaf_validity: None,
            extra_hostnames: Vec::new(),
            timing: LifecycleTiming::default(),
            history_cap: 10_000,
            max_body_bytes: 64 * 1024,
            callback_root_certs: Vec::new(),
            callback_timeout: Duration::from_secs(15),
            rate_limit: None,
            owned_numbers: None,
            inbound_webhook: None,
        }
    }
}
