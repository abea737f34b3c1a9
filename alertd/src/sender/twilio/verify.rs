//! Twilio Verify and Lookup for number enrolment: twilio-core writes the requests and
//! classifies the answers ([`CheckOutcome`]); they go over the same kind of keep-alive pool as
//! messages, to `verify.twilio.com` and `lookups.twilio.com`, or to the configured API base
//! (a simulator serves every product).

use std::sync::Arc;

use twilio_core::outcome::{CheckOutcome, Outcome};
use twilio_core::request::{
    ApiRequest, HttpConfig, LookupRequest, VerificationCheckRequest, VerificationRequest,
    VerifyChannel,
};
use twilio_core::response::{PhoneNumberLookup, Response};

use super::connection::{Endpoint, Pool};
use super::proxy::Proxy;
use super::{DEFAULT_API_BASE, TwilioSetupError, USER_AGENT, core_credentials, tls};
use crate::config::Config;
use crate::config::secrets::{Credentials, EnvLookup};
use crate::numbers::{CheckAnswer, CodeChannel, Verifier, VerifyError};
use crate::outbox::BoxFuture;

/// Verify and Lookup through Twilio's API.
#[derive(Debug)]
pub struct TwilioVerifier {
    verify: Pool,
    lookups: Pool,
    creds: Credentials,
    service_sid: String,
}

fn pool(
    base: &str,
    tls: &Arc<rustls::ClientConfig>,
    cfg: &Config,
    env: &EnvLookup,
) -> Result<Pool, TwilioSetupError> {
    let endpoint = Endpoint::parse(base).ok_or_else(|| TwilioSetupError::ApiBase(base.into()))?;
    let proxy = Proxy::from_env(&endpoint, |n| env(n))?;
    Ok(Pool::new(
        endpoint,
        proxy,
        tls.clone(),
        cfg.twilio.request_timeout,
    ))
}

impl TwilioVerifier {
    /// Builds the client for `cfg`'s Verify Service; `None` when none is configured.
    pub fn new(
        cfg: &Config,
        creds: Credentials,
        env: &EnvLookup,
    ) -> Result<Option<Self>, TwilioSetupError> {
        let Some(service_sid) = cfg.twilio.verify_service_sid() else {
            return Ok(None);
        };
        core_credentials(&creds).map_err(|e| TwilioSetupError::Credentials(e.to_string()))?;
        let base = env("TWILIO_API_BASE")
            .filter(|v| !v.trim().is_empty())
            .or_else(|| cfg.twilio.api_base.clone())
            .map(|b| b.trim().to_owned());
        let (verify_base, lookups_base) = match base {
            Some(b) if b.trim_end_matches('/') != DEFAULT_API_BASE => (b.clone(), b),
            _ => (
                "https://verify.twilio.com".to_owned(),
                "https://lookups.twilio.com".to_owned(),
            ),
        };
        let tls = Arc::new(tls::client_config(cfg.twilio.ca_file.as_deref())?);
        Ok(Some(Self {
            verify: pool(&verify_base, &tls, cfg, env)?,
            lookups: pool(&lookups_base, &tls, cfg, env)?,
            creds,
            service_sid: service_sid.to_owned(),
        }))
    }

    fn bytes(&self, pool: &Pool, request: &dyn ApiRequest) -> Result<Vec<u8>, VerifyError> {
        let creds =
            core_credentials(&self.creds).map_err(|e| VerifyError::Misconfigured(e.to_string()))?;
        // Twilio's own hosts are named by the request; another base serves them all.
        let host = &pool.endpoint().host_header;
        let http = if host.ends_with(".twilio.com") {
            HttpConfig::default()
        } else {
            HttpConfig::default()
                .with_host(host)
                .map_err(|e| VerifyError::Misconfigured(e.to_string()))?
        }
        .with_user_agent(USER_AGENT)
        .map_err(|e| VerifyError::Misconfigured(e.to_string()))?;
        let mut buf = vec![0u8; request.http_len(&creds, &http)];
        let n = request
            .write_http(&creds, &http, &mut buf)
            .map_err(|e| VerifyError::Misconfigured(e.to_string()))?;
        buf.truncate(n);
        Ok(buf)
    }

    async fn exchange<R>(
        pool: &Pool,
        bytes: Vec<u8>,
        read: impl Fn(&Response<'_>) -> R,
    ) -> Result<R, VerifyError> {
        pool.exchange(&bytes, read)
            .await
            .map_err(|e| VerifyError::Retry(format!("request to Twilio failed: {e}")))
    }
}

/// The error for a non-accepted outcome, with Twilio's message.
fn failure(outcome: Outcome, resp: &Response<'_>) -> VerifyError {
    let text = String::from_utf8_lossy(resp.body.get(..300).unwrap_or(resp.body)).into_owned();
    let message = serde_json::from_slice::<serde_json::Value>(resp.body)
        .ok()
        .and_then(|v| {
            let code = v["code"].as_u64()?;
            Some(format!(
                "{code}: {}",
                v["message"].as_str().unwrap_or_default()
            ))
        })
        .unwrap_or(text);
    match outcome {
        Outcome::Rejected { .. } => VerifyError::Rejected(message),
        Outcome::Misconfigured { .. } => VerifyError::Misconfigured(message),
        _ => VerifyError::Retry(message),
    }
}

impl Verifier for TwilioVerifier {
    fn start<'a>(
        &'a self,
        to: &'a str,
        channel: CodeChannel,
    ) -> BoxFuture<'a, Result<(), VerifyError>> {
        Box::pin(async move {
            let channel = match channel {
                CodeChannel::Sms => VerifyChannel::Sms,
                CodeChannel::Call => VerifyChannel::Call,
            };
            let bytes = VerificationRequest::new(&self.service_sid, to, channel)
                .map_err(|e| VerifyError::Rejected(e.to_string()))
                .and_then(|r| self.bytes(&self.verify, &r))?;
            Self::exchange(&self.verify, bytes, |resp| {
                match Outcome::from_response(resp) {
                    Outcome::Accepted { .. } => Ok(()),
                    other => Err(failure(other, resp)),
                }
            })
            .await?
        })
    }

    fn check<'a>(
        &'a self,
        to: &'a str,
        code: &'a str,
    ) -> BoxFuture<'a, Result<CheckAnswer, VerifyError>> {
        Box::pin(async move {
            let bytes = VerificationCheckRequest::for_number(&self.service_sid, to, code)
                .map_err(|e| VerifyError::Rejected(e.to_string()))
                .and_then(|r| self.bytes(&self.verify, &r))?;
            Self::exchange(
                &self.verify,
                bytes,
                |resp| match CheckOutcome::from_response(resp) {
                    CheckOutcome::Approved => Ok(CheckAnswer::Approved),
                    CheckOutcome::WrongCode => Ok(CheckAnswer::WrongCode),
                    CheckOutcome::NotPending => Ok(CheckAnswer::Expired),
                    CheckOutcome::TooManyAttempts => Ok(CheckAnswer::TooManyAttempts),
                    CheckOutcome::Other(outcome) => Err(failure(outcome, resp)),
                    _ => Err(VerifyError::Retry("unclassified answer".into())),
                },
            )
            .await?
        })
    }

    fn line_type<'a>(&'a self, to: &'a str) -> BoxFuture<'a, Result<Option<String>, VerifyError>> {
        Box::pin(async move {
            let bytes = LookupRequest::line_type(to)
                .map_err(|e| VerifyError::Rejected(e.to_string()))
                .and_then(|r| self.bytes(&self.lookups, &r))?;
            Self::exchange(&self.lookups, bytes, |resp| {
                match Outcome::from_response(resp) {
                    Outcome::Accepted { .. } => Ok(PhoneNumberLookup::from_json(resp.body)
                        .ok()
                        .and_then(|l| l.line_type())
                        .filter(|t| *t != twilio_core::response::LineType::Unknown)
                        .map(|t| t.as_str().to_owned())),
                    other => Err(failure(other, resp)),
                }
            })
            .await?
        })
    }
}
