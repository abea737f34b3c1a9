//! `POST /twilio/status`: Twilio's status callbacks. The `X-Twilio-Signature` is checked
//! against `public_url` + `/twilio/status` with the auth token; anything else gets 403.
//! [`voice`] (the escalation call's Gather action) and [`inbound`] (SMS replies such as
//! `ACK 4F7KQ`, STOP / START / HELP) check signatures the same way, against `public_url` + their
//! path and query, and act on each request once: a signature has no timestamp, so a captured
//! request replayed later is recognised by its `MessageSid` (or `CallSid` and URL) for
//! `RECEIPT_KEEP` (24 hours) and changes nothing.

pub mod inbound;
pub mod voice;

use std::time::Duration;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use twilio_core::webhook::{Algorithm, FormBody, Params, compute, validate};

use crate::config::callbacks::STATUS_PATH;
use crate::domain::outbox::DeliveryUpdate;
use crate::http::errors::ApiError;
use crate::http::{ApiState, read_body};
use crate::store::WriteOp;

/// What a callback's signature is checked with.
#[derive(Clone)]
pub struct WebhookAuth {
    /// The account's auth token (HMAC key).
    pub(crate) auth_token: String,
    /// `public_url` without a trailing slash (other webhooks' URLs start with it).
    pub(crate) public_url: String,
}

impl std::fmt::Debug for WebhookAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookAuth")
            .field("public_url", &self.public_url)
            .finish_non_exhaustive()
    }
}

impl WebhookAuth {
    /// Auth for callbacks to `public_url`.
    pub fn new(public_url: &str, auth_token: &str) -> Self {
        Self {
            auth_token: auth_token.to_owned(),
            public_url: public_url.trim_end_matches('/').to_owned(),
        }
    }

    /// Whether `signature` signs this form `body` posted to `path_and_query` under
    /// `public_url` (the full URL Twilio was given, query included, is what it signs).
    ///
    /// ```
    /// let auth = alertd::http::webhooks::WebhookAuth::new("https://gw.example.com", "tok");
    /// let sig = auth.sign_at("/twilio/voice/gather?e=4F7KQ", b"Digits=1");
    /// assert!(auth.verify_at("/twilio/voice/gather?e=4F7KQ", b"Digits=1", &sig));
    /// assert!(!auth.verify_at("/twilio/voice/gather?e=ZZZZZ", b"Digits=1", &sig));
    /// ```
    pub fn verify_at(&self, path_and_query: &str, body: &[u8], signature: &str) -> bool {
        !signature.is_empty()
            && validate(
                self.auth_token.as_bytes(),
                &format!("{}{path_and_query}", self.public_url),
                Params::Form(FormBody::new(body)),
                signature,
            )
            .is_ok()
    }

    /// The signature Twilio would send for `body` posted to `path_and_query` (for tests).
    pub fn sign_at(&self, path_and_query: &str, body: &[u8]) -> String {
        compute(
            self.auth_token.as_bytes(),
            &format!("{}{path_and_query}", self.public_url),
            Params::Form(FormBody::new(body)),
            Algorithm::HmacSha1,
        )
        .map(|s| s.as_str().to_owned())
        .unwrap_or_default()
    }

    /// The signature Twilio would send for `body` to the status callback URL (for tests).
    pub fn sign(&self, body: &[u8]) -> String {
        self.sign_at(STATUS_PATH, body)
    }
}

/// Reads a Twilio webhook's body and checks its `X-Twilio-Signature` against `public_url` + the
/// request's path and query (what Twilio signed). Returns the signed body, or the 403 (or 413)
/// to answer; nothing is parsed or changed before the signature holds. `what` names the
/// webhook in the log.
pub(crate) async fn signed_body(
    state: &ApiState,
    uri: &Uri,
    headers: &HeaderMap,
    body: Body,
    what: &str,
) -> Result<axum::body::Bytes, ApiError> {
    let Some(auth) = &state.webhook else {
        return Err(ApiError::Forbidden(
            "Twilio webhooks need server.public_url and Twilio credentials".into(),
        ));
    };
    let bytes = read_body(state, headers, body).await?;
    let signature = headers
        .get("x-twilio-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let path = uri.path_and_query().map_or(uri.path(), |p| p.as_str());
    if !auth.verify_at(path, &bytes, signature) {
        tracing::warn!(%path, "{what} with a missing or wrong X-Twilio-Signature refused");
        return Err(ApiError::Forbidden(
            "X-Twilio-Signature does not match".into(),
        ));
    }
    Ok(bytes)
}

/// How long processed webhooks are remembered. Past it a replay meets an escalation long
/// closed, or a bare "ACK" outside its window.
pub(crate) const RECEIPT_KEEP: Duration = Duration::from_secs(24 * 60 * 60);

/// Records webhook `key` as processed: true the first time, false for a replay (which the
/// caller answers without acting on it).
pub(crate) async fn first_delivery(state: &ApiState, key: String) -> Result<bool, ApiError> {
    let now = state.clock.now();
    let recorded = state
        .committer
        .submit(WriteOp::Receipt {
            key: key.clone(),
            now,
            keep: RECEIPT_KEEP,
        })
        .await
        .map_err(|e| ApiError::Unavailable(format!("webhook not recorded: {e}")))?;
    if recorded == 0 {
        tracing::warn!(%key, "replayed Twilio webhook ignored");
    }
    Ok(recorded > 0)
}

/// A TwiML answer to a webhook.
fn twiml_response(status: StatusCode, body: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/xml; charset=utf-8")],
        body,
    )
        .into_response()
}

/// The value of form or query parameter `name`, if present.
fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// Handles one status callback.
pub(crate) async fn status_callback(
    State(state): State<ApiState>,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let result = async {
        let bytes = signed_body(&state, &uri, &headers, body, "status callback").await?;
        let params: Vec<(String, String)> = form_urlencoded::parse(&bytes).into_owned().collect();
        let get = |k: &str| param(&params, k);
        let sid = get("MessageSid").or_else(|| get("CallSid"));
        let status = get("MessageStatus").or_else(|| get("CallStatus"));
        let (Some(sid), Some(status)) = (sid, status) else {
            return Err(ApiError::BadRequest(
                "expected MessageSid/MessageStatus or CallSid/CallStatus".into(),
            ));
        };
        let error_code = get("ErrorCode").and_then(|c| c.parse::<i64>().ok());
        state.metrics.status_callback(status);
        // Through the shared writer: a burst of callbacks (1,000 escalation calls ending)
        // shares commits instead of taking the write lock and an fsync each.
        let update = DeliveryUpdate {
            sid: sid.to_owned(),
            status: status.to_owned(),
            error_code,
            at: state.clock.now(),
        };
        let known = state
            .committer
            .submit(WriteOp::Deliveries(vec![update]))
            .await?
            > 0;
        Ok((
            StatusCode::OK,
            axum::Json(json!({"status": "ok", "known": known})),
        )
            .into_response())
    };
    match result.await {
        Ok(r) => r,
        Err(e) => {
            state.metrics.ingest_rejected(e.status().0.as_u16());
            e.into_response()
        }
    }
}
