//! `POST /twilio/inbound`: SMS sent to alertd's Twilio number. Signed like every webhook;
//! the body is classified and dispatched: an opt-out keyword (STOP/START/HELP, the whole body
//! as on Twilio) goes to [`crate::optout`]; `ACK [id]` acknowledges an escalation (the latest
//! sent to the sender when no id is given); anything else gets an empty reply. An opt-out
//! keyword from a sender that is not an E.164 number is logged and not recorded (opt-outs are
//! kept per phone number). A request that fails the signature check gets 403 and changes nothing.

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use twilio_core::webhook::InboundSms;

use crate::domain::escalation::AckVia;
use crate::domain::opt_out as keywords;
use crate::domain::phone::is_e164;
use crate::domain::short_id;
use crate::escalation::ack::AckError;
use crate::escalation::twiml;
use crate::http::ApiState;
use crate::http::errors::ApiError;
use crate::optout;

/// What an inbound SMS asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Keyword {
    /// `ACK` or `ACK <short id>`.
    Ack(Option<String>),
    /// Anything else: no reply. (Opt-out keywords are classified first, by
    /// [`keywords::classify`].)
    Other,
}

/// Classifies a message body by its first word, any case.
///
/// ```
/// use alertd::http::webhooks::inbound::{classify, Keyword};
/// assert_eq!(classify("ACK"), Keyword::Ack(None));
/// assert_eq!(classify(" ack 4f7kq "), Keyword::Ack(Some("4F7KQ".into())));
/// assert_eq!(classify("Ack. 4F7KQ"), Keyword::Ack(Some("4F7KQ".into())));
/// assert_eq!(classify("acknowledged"), Keyword::Other);
/// assert_eq!(classify("hello"), Keyword::Other);
/// ```
pub fn classify(body: &str) -> Keyword {
    let mut words = body
        .split(|c: char| c.is_whitespace() || c == '.' || c == ',' || c == ':')
        .filter(|w| !w.is_empty());
    match words.next().map(str::to_ascii_uppercase).as_deref() {
        Some("ACK") => Keyword::Ack(words.next().map(short_id::normalize)),
        _ => Keyword::Other,
    }
}

/// Handles one inbound SMS.
pub(crate) async fn inbound_sms(
    State(state): State<ApiState>,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let result = async {
        let bytes = super::signed_body(&state, &uri, &headers, body, "inbound SMS").await?;
        let mut scratch = vec![0u8; bytes.len()];
        let sms = InboundSms::parse(&bytes, &mut scratch)
            .map_err(|e| ApiError::BadRequest(format!("not an inbound SMS: {e}")))?;
        if !super::first_delivery(&state, format!("sms:{}", sms.message_sid)).await? {
            return Ok(twiml::empty());
        }
        let opt_out = keywords::classify(sms.body);
        if opt_out != keywords::Keyword::Other {
            if !is_e164(sms.from) {
                tracing::warn!(from = %sms.from, keyword = ?opt_out, "opt-out keyword from a sender that is not an E.164 number: not recorded");
                return Ok(twiml::empty());
            }
            return opt_out_keyword(&state, opt_out, sms.from).await;
        }
        let reply = match classify(sms.body) {
            Keyword::Ack(id) => ack(&state, id.as_deref(), sms.from).await,
            Keyword::Other => twiml::empty(),
        };
        Ok(reply)
    }
    .await;
    match result {
        Ok(twiml) => super::twiml_response(StatusCode::OK, twiml),
        Err(e) => {
            state.metrics.ingest_rejected(e.status().0.as_u16());
            e.into_response()
        }
    }
}

/// Acknowledges for `from`; the confirmation goes through the outbox, so the reply is empty
/// unless the ack could not be applied.
async fn ack(state: &ApiState, id: Option<&str>, from: &str) -> String {
    match state.escalations.ack_by_number(id, from, AckVia::Sms).await {
        Ok(_) => twiml::empty(),
        Err(e) => {
            tracing::info!(%from, "SMS acknowledgement not applied: {e}");
            match e {
                AckError::Closed { short_id, state } => {
                    twiml::message(&format!("Alert {short_id} is already {state}."))
                }
                AckError::Store(_) => twiml::message(
                    "Your ACK could not be recorded; the escalation goes on. Please try again.",
                ),
                AckError::TooLate { short_id, .. } => twiml::message(&format!(
                    "The last alert sent to this number is more than {} minutes old. Reply ACK {short_id} to acknowledge it.",
                    crate::escalation::ack::BARE_ACK_WINDOW.as_secs() / 60
                )),
                _ => twiml::message(&match id {
                    Some(id) => format!("No alert {id} was sent to this number."),
                    None => "No alert was sent to this number.".to_owned(),
                }),
            }
        }
    }
}

/// Records a STOP/START/HELP from `from` and answers per `[opt_out] reply`.
async fn opt_out_keyword(
    state: &ApiState,
    keyword: keywords::Keyword,
    from: &str,
) -> Result<String, ApiError> {
    let (store, cfg, now) = (
        state.store.clone(),
        state.opt_out.clone(),
        state.clock.now(),
    );
    let number = from.to_owned();
    let applied = tokio::task::spawn_blocking(move || {
        optout::apply(store.as_ref(), &cfg, &number, keyword, now)
    })
    .await?
    .map_err(|e| ApiError::Unavailable(format!("opt-out not recorded: {e}")))?;
    tracing::info!(%from, ?keyword, changed = applied.changed, "opt-out keyword");
    Ok(optout::twiml_reply(applied.reply.as_deref()))
}
