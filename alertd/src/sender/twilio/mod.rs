//! The Twilio sender: twilio-core builds each request's bytes (head and form body); a small
//! keep-alive HTTP/1.1 client over rustls (ring, no OpenSSL) sends them; the response is
//! classified into Accepted / Retry / Rejected / Misconfigured, or Unknown when the connection
//! broke after the request was written (never sent again: that could be a second SMS or
//! call). `HTTPS_PROXY` / `NO_PROXY` are honoured. Status lookups (`GET` of a message or call)
//! and lists (finding what such a send created) go over the same connections.

pub mod classify;
pub mod connection;
pub mod find;
pub mod proxy;
pub mod request;
mod tls;
pub mod verify;

use std::sync::Arc;

use twilio_core::auth::Credentials as CoreCredentials;
use twilio_core::request::HttpConfig;

use self::connection::{Endpoint, Pool, TransportError};
use self::proxy::Proxy;
use self::request::RequestParts;
use crate::config::Config;
use crate::config::callbacks::STATUS_PATH;
use crate::config::secrets::Credentials;
use crate::config::secrets::EnvLookup;
use crate::domain::channel::Channel;
use crate::domain::time::Timestamp;
use crate::outbox::{
    BoxFuture, Created, FetchedStatus, LookupError, Outbound, SendOutcome, Sender,
};

/// The default API base.
pub(crate) const DEFAULT_API_BASE: &str = "https://api.twilio.com";
const USER_AGENT: &str = concat!("alertd/", env!("CARGO_PKG_VERSION"));

/// A Twilio sender that could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TwilioSetupError {
    /// The extra CA file is unreadable or holds no certificate.
    #[error("ca_file {path}: {reason}")]
    CaFile {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// Neither `from` nor `messaging_service_sid` is set.
    #[error("twilio.from or twilio.messaging_service_sid is required to send")]
    NoSender,
    /// The API base is not `https://host[:port]` or `http://host[:port]`.
    #[error("API base {0:?} must be https://host[:port]")]
    ApiBase(String),
    /// The credentials are malformed (SID shape, secret length).
    #[error("Twilio credentials: {0}")]
    Credentials(String),
    /// The TLS client could not be built.
    #[error("TLS client: {0}")]
    Client(String),
    /// `HTTPS_PROXY` (or `HTTP_PROXY`) cannot be used.
    #[error("{0}")]
    Proxy(#[from] proxy::ProxyError),
}

/// Sends through Twilio's REST API.
#[derive(Debug)]
pub struct TwilioSender {
    pool: Pool,
    creds: Credentials,
    from: Option<String>,
    messaging_service_sid: Option<String>,
    status_callback: Option<String>,
    /// `server.public_url`, for escalation calls' Gather action.
    public_url: Option<String>,
    rate_key: String,
}

impl TwilioSender {
    /// Builds the client: trust anchors are Mozilla's plus `twilio.ca_file`; the API base is
    /// `TWILIO_API_BASE`, else `twilio.api_base`, else `DEFAULT_API_BASE`; the proxy is
    /// `HTTPS_PROXY` unless `NO_PROXY` names the API host.
    pub fn new(
        cfg: &Config,
        creds: Credentials,
        env: &EnvLookup,
    ) -> Result<Self, TwilioSetupError> {
        let from = cfg.twilio.from.clone();
        let messaging_service_sid = cfg.twilio.messaging_service_sid.clone();
        let rate_key = from
            .clone()
            .or_else(|| messaging_service_sid.clone())
            .ok_or(TwilioSetupError::NoSender)?;
        core_credentials(&creds).map_err(|e| TwilioSetupError::Credentials(e.to_string()))?;
        let api_base = env("TWILIO_API_BASE")
            .filter(|v| !v.trim().is_empty())
            .or_else(|| cfg.twilio.api_base.clone())
            .unwrap_or_else(|| DEFAULT_API_BASE.into());
        let endpoint = Endpoint::parse(api_base.trim())
            .ok_or_else(|| TwilioSetupError::ApiBase(api_base.clone()))?;
        HttpConfig::default()
            .with_host(&endpoint.host_header)
            .map_err(|_| TwilioSetupError::ApiBase(api_base.clone()))?;
        let tls = tls::client_config(cfg.twilio.ca_file.as_deref())?;
        let proxy = Proxy::from_env(&endpoint, |n| env(n))?;
        if let Some(p) = &proxy {
            tracing::info!(
                "requests to {} go through the HTTPS proxy {}:{}",
                endpoint.host_header,
                p.host,
                p.port
            );
        }
        let pool = Pool::new(endpoint, proxy, Arc::new(tls), cfg.twilio.request_timeout);
        let status_callback = cfg
            .server
            .public_url
            .as_ref()
            .map(|u| format!("{}{STATUS_PATH}", u.trim_end_matches('/')));
        Ok(Self {
            pool,
            creds,
            from,
            messaging_service_sid,
            status_callback,
            public_url: cfg.server.public_url.clone(),
            rate_key,
        })
    }

    /// The core's credentials and HTTP settings for a request.
    fn core_parts(&self) -> Result<(CoreCredentials<'_>, HttpConfig<'_>), String> {
        let creds = core_credentials(&self.creds).map_err(|e| e.to_string())?;
        let http = HttpConfig::default()
            .with_host(&self.pool.endpoint().host_header)
            .and_then(|h| h.with_user_agent(USER_AGENT))
            .map_err(|e| e.to_string())?;
        Ok((creds, http))
    }

    fn build(&self, msg: &Outbound<'_>) -> Result<Vec<u8>, String> {
        let (creds, http) = self.core_parts()?;
        // A relayed row names its own sender: a number, or an MG messaging service.
        let (from, messaging_service_sid) = match msg.from {
            Some(mg) if mg.starts_with("MG") => (self.from.as_deref(), Some(mg)),
            Some(number) => (Some(number), None),
            None => (self.from.as_deref(), self.messaging_service_sid.as_deref()),
        };
        let parts = RequestParts {
            from,
            messaging_service_sid,
            to: msg.to,
            status_callback: self.status_callback.as_deref(),
        };
        match (msg.channel, msg.escalation, self.public_url.as_deref()) {
            (Channel::Sms, ..) => request::message_http(&parts, msg.body, &creds, &http),
            // Escalation calls ask for a keypress (posted back to public_url).
            (Channel::Voice, Some(short_id), Some(public_url)) => {
                let twiml = crate::escalation::twiml::call(
                    msg.body,
                    &crate::config::callbacks::gather_url(public_url, short_id),
                );
                request::escalation_call_http(&parts, &twiml, &creds, &http)
            }
            // Alerts alertd speaks, and relayed calls with their own TwiML or URL.
            (Channel::Voice, ..) => {
                request::relayed_call_http(&parts, msg.body, msg.body_kind, &creds, &http)
            }
        }
        .map_err(|e| e.to_string())
    }

    async fn post(&self, msg: &Outbound<'_>) -> SendOutcome {
        let bytes = match self.build(msg) {
            Ok(b) => b,
            // The core refused to build it (bad number, body too long): sending cannot help.
            Err(reason) => {
                return SendOutcome::Rejected {
                    code: None,
                    reason: format!("request not built: {reason}"),
                };
            }
        };
        match self.pool.exchange(&bytes, classify::from_response).await {
            Ok(outcome) => outcome,
            Err(TransportError::Tls) => SendOutcome::Retry {
                after: None,
                code: None,
                reason:
                    "TLS handshake with Twilio failed (certificate not trusted? see twilio.ca_file)"
                        .into(),
            },
            Err(e) if e.request_may_have_arrived() => SendOutcome::Unknown {
                reason: format!("request to Twilio failed after it was sent: {e}"),
            },
            Err(e) => SendOutcome::Retry {
                after: None,
                code: None,
                reason: format!("request to Twilio failed: {e}"),
            },
        }
    }

    /// Fetches message or call `sid` and reads its status.
    async fn fetch(&self, channel: Channel, sid: &str) -> Result<FetchedStatus, LookupError> {
        let bytes = self
            .core_parts()
            .and_then(|(creds, http)| {
                request::fetch_http(channel, sid, &creds, &http).map_err(|e| e.to_string())
            })
            .map_err(|reason| LookupError::Permanent(format!("request not built: {reason}")))?;
        match self
            .pool
            .exchange(&bytes, |resp| classify::fetched(channel, resp))
            .await
        {
            Ok(found) => found,
            Err(e) => Err(LookupError::Retry(format!("request to Twilio failed: {e}"))),
        }
    }

    /// Lists the messages or calls `msg` may have created since `since` and picks it out.
    async fn find(
        &self,
        msg: &Outbound<'_>,
        since: Timestamp,
    ) -> Result<Vec<Created>, LookupError> {
        // The From Twilio shows: the number sent from; none known when a messaging service
        // picked it from its pool.
        let from = match (msg.channel, msg.from) {
            (Channel::Sms, Some(mg)) if mg.starts_with("MG") => None,
            (_, Some(number)) => Some(number),
            (Channel::Sms, None) if self.messaging_service_sid.is_some() => None,
            (_, None) => self.from.as_deref(),
        };
        let sought = find::Sought {
            channel: msg.channel,
            to: msg.to,
            from,
            body: (msg.channel == Channel::Sms).then_some(msg.body),
            since,
        };
        let bytes = self
            .core_parts()
            .and_then(|(creds, http)| {
                find::list_http(&sought, &creds, &http).map_err(|e| e.to_string())
            })
            .map_err(|reason| LookupError::Permanent(format!("request not built: {reason}")))?;
        match self
            .pool
            .exchange(&bytes, |resp| find::listed(&sought, resp))
            .await
        {
            Ok(found) => found,
            Err(e) => Err(LookupError::Retry(format!("request to Twilio failed: {e}"))),
        }
    }
}

fn core_credentials(c: &Credentials) -> Result<CoreCredentials<'_>, twilio_core::auth::AuthError> {
    if c.username == c.account_sid {
        CoreCredentials::auth_token(&c.account_sid, &c.password)
    } else {
        CoreCredentials::api_key(&c.account_sid, &c.username, &c.password)
    }
}

impl Sender for TwilioSender {
    fn rate_key(&self) -> &str {
        &self.rate_key
    }

    fn send<'a>(&'a self, msg: &'a Outbound<'a>) -> BoxFuture<'a, SendOutcome> {
        Box::pin(self.post(msg))
    }

    fn fetch_status<'a>(
        &'a self,
        channel: Channel,
        sid: &'a str,
    ) -> BoxFuture<'a, Result<FetchedStatus, LookupError>> {
        Box::pin(self.fetch(channel, sid))
    }

    fn find_created<'a>(
        &'a self,
        msg: &'a Outbound<'a>,
        since: Timestamp,
    ) -> BoxFuture<'a, Result<Vec<Created>, LookupError>> {
        Box::pin(self.find(msg, since))
    }
}
