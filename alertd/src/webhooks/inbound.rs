//! `POST /twilio/inbound`: SMS sent to alertd's Twilio number (the number's "A message comes
//! in" webhook). Small on purpose: verify `X-Twilio-Signature` against `public_url` +
//! [`INBOUND_PATH`], parse, dispatch the keyword, answer TwiML. A request that fails the
//! signature check gets 403 and changes nothing.

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use twilio_core::webhook::InboundSms;

use super::{STATUS_PATH, WebhookAuth};
use crate::ingest::errors::ApiError;
use crate::ingest::{ApiState, read_body};
use crate::optout::{self, keywords};

/// The path to give Twilio as the number's messaging webhook.
pub const INBOUND_PATH: &str = "/twilio/inbound";

/// The signature key and URL for inbound SMS: the status-callback auth with this path.
fn inbound_auth(status: &WebhookAuth) -> WebhookAuth {
    let public_url = status
        .callback_url
        .strip_suffix(STATUS_PATH)
        .unwrap_or(&status.callback_url);
    WebhookAuth {
        callback_url: format!("{public_url}{INBOUND_PATH}"),
        auth_token: status.auth_token.clone(),
    }
}

fn twiml(xml: String) -> Response {
    (StatusCode::OK, [(header::CONTENT_TYPE, "text/xml")], xml).into_response()
}

/// Handles one inbound SMS.
pub async fn inbound_sms(
    State(state): State<ApiState>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let result = async {
        let Some(status_auth) = &state.webhook else {
            return Err(ApiError::Forbidden(
                "inbound SMS need server.public_url and TWILIO_AUTH_TOKEN to be verified".into(),
            ));
        };
        let bytes = read_body(&state, &headers, body).await?;
        let signature = headers
            .get("x-twilio-signature")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if signature.is_empty() || !inbound_auth(status_auth).verify(&bytes, signature) {
            tracing::warn!("inbound SMS with a missing or wrong X-Twilio-Signature refused");
            return Err(ApiError::Forbidden(
                "X-Twilio-Signature does not match".into(),
            ));
        }
        let mut scratch = vec![0u8; bytes.len()];
        let sms = InboundSms::parse(&bytes, &mut scratch)
            .map_err(|e| ApiError::BadRequest(format!("not an inbound SMS webhook: {e}")))?;
        let keyword = keywords::classify(sms.body);
        if keyword == keywords::Keyword::Other {
            return Ok(twiml(optout::twiml_reply(None)));
        }
        let (store, cfg, now) = (
            state.store.clone(),
            state.opt_out.clone(),
            state.clock.now(),
        );
        let from = sms.from.to_owned();
        let applied = tokio::task::spawn_blocking(move || {
            optout::apply(store.as_ref(), &cfg, &from, keyword, now)
        })
        .await
        .map_err(|e| ApiError::Unavailable(e.to_string()))?
        .map_err(|e| ApiError::Unavailable(format!("opt-out not recorded: {e}")))?;
        tracing::info!(from = %sms.from, ?keyword, changed = applied.changed, "opt-out keyword");
        Ok(twiml(optout::twiml_reply(applied.reply.as_deref())))
    };
    match result.await {
        Ok(r) => r,
        Err(e) => {
            state.metrics.ingest_rejected(e.status().0.as_u16());
            e.into_response()
        }
    }
}
