//! The Twilio sender: one HTTPS request per outbox message over a keep-alive rustls
//! connection pool (reqwest with rustls + ring, no OpenSSL). The form body comes from
//! [`request`], the response is classified by [`classify`].

pub mod classify;
pub mod request;
mod tls;

use std::time::Duration;

use super::{BoxFuture, Outbound, SendOutcome, Sender};
use crate::app::EnvLookup;
use crate::config::Config;
use crate::config::secrets::Credentials;
use crate::pipeline::notify::Channel;
use crate::webhooks::STATUS_PATH;

/// The default API base.
pub const DEFAULT_API_BASE: &str = "https://api.twilio.com";

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
    /// The HTTP client could not be built.
    #[error("HTTP client: {0}")]
    Client(String),
}

/// Sends through Twilio's REST API.
#[derive(Debug)]
pub struct TwilioSender {
    client: reqwest::Client,
    api_base: String,
    creds: Credentials,
    from: Option<String>,
    messaging_service_sid: Option<String>,
    status_callback: Option<String>,
    rate_key: String,
}

impl TwilioSender {
    /// Builds the client: trust anchors are Mozilla's plus `twilio.ca_file`; the API base is
    /// `TWILIO_API_BASE`, else `twilio.api_base`, else [`DEFAULT_API_BASE`].
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
        let tls = tls::client_config(cfg.twilio.ca_file.as_deref())?;
        let client = reqwest::Client::builder()
            .use_preconfigured_tls(tls)
            .http1_only()
            .timeout(cfg.twilio.request_timeout)
            .connect_timeout(Duration::from_secs(10))
            .pool_idle_timeout(Duration::from_secs(90))
            .pool_max_idle_per_host(8)
            .tcp_nodelay(true)
            .user_agent(concat!("alertd/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| TwilioSetupError::Client(e.to_string()))?;
        let api_base = env("TWILIO_API_BASE")
            .filter(|v| !v.trim().is_empty())
            .or_else(|| cfg.twilio.api_base.clone())
            .unwrap_or_else(|| DEFAULT_API_BASE.into())
            .trim_end_matches('/')
            .to_owned();
        let status_callback = cfg
            .server
            .public_url
            .as_ref()
            .map(|u| format!("{}{STATUS_PATH}", u.trim_end_matches('/')));
        Ok(Self {
            client,
            api_base,
            creds,
            from,
            messaging_service_sid,
            status_callback,
            rate_key,
        })
    }

    /// The API base in use.
    pub fn api_base(&self) -> &str {
        &self.api_base
    }

    async fn post(&self, msg: &Outbound<'_>) -> SendOutcome {
        let (resource, body) = match msg.channel {
            Channel::Sms => (
                "Messages",
                request::message_form(
                    self.from.as_deref(),
                    self.messaging_service_sid.as_deref(),
                    msg.to,
                    msg.body,
                    self.status_callback.as_deref(),
                ),
            ),
            Channel::Voice => (
                "Calls",
                request::call_form(
                    self.from.as_deref().unwrap_or_default(),
                    msg.to,
                    msg.body,
                    self.status_callback.as_deref(),
                ),
            ),
        };
        let url = format!(
            "{}/2010-04-01/Accounts/{}/{resource}.json",
            self.api_base, self.creds.account_sid
        );
        let sent = self
            .client
            .post(&url)
            .basic_auth(&self.creds.username, Some(&self.creds.password))
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(body)
            .send()
            .await;
        let resp = match sent {
            Ok(r) => r,
            Err(e) => {
                return SendOutcome::Retry {
                    after: None,
                    code: None,
                    reason: format!("request to Twilio failed: {e}"),
                };
            }
        };
        let status = resp.status().as_u16();
        let retry_after = resp
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        match resp.bytes().await {
            Ok(body) => classify::classify(status, &body, retry_after),
            Err(e) => SendOutcome::Retry {
                after: retry_after,
                code: None,
                reason: format!("reading Twilio's response failed: {e}"),
            },
        }
    }
}

impl Sender for TwilioSender {
    fn rate_key(&self) -> &str {
        &self.rate_key
    }

    fn send<'a>(&'a self, msg: &'a Outbound<'a>) -> BoxFuture<'a, SendOutcome> {
        Box::pin(self.post(msg))
    }
}
