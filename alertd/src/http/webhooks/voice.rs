//! `POST /twilio/voice/gather?e=<short id>[&n=<prompt>]`: the keypress of an escalation call.
//! Signed like every webhook (the signature covers the full URL, so neither the escalation id
//! nor the prompt count can be changed); 1 acknowledges, 2 escalates now; an answering machine
//! (`AnsweredBy=machine_*`) never does. Any other key, or none, asks again, up to
//! [`MAX_PROMPTS`] prompts in all: a slip of the finger must not cost the chance to acknowledge.

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use twilio_core::webhook::GatherResult;

use crate::domain::escalation::AckVia;
use crate::escalation::ack::AckError;
use crate::escalation::twiml;
use crate::http::ApiState;
use crate::http::errors::ApiError;

/// What the caller pressed, as alertd acts on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keypress {
    /// 1: acknowledge.
    Ack,
    /// 2: skip to the next step now.
    EscalateNow,
    /// Anything else, or nothing.
    Other,
}

impl Keypress {
    /// Reads the `Digits` of a Gather.
    ///
    /// ```
    /// use alertd::http::webhooks::voice::Keypress;
    /// assert_eq!(Keypress::of(Some("1")), Keypress::Ack);
    /// assert_eq!(Keypress::of(Some("2")), Keypress::EscalateNow);
    /// assert_eq!(Keypress::of(Some("9")), Keypress::Other);
    /// assert_eq!(Keypress::of(None), Keypress::Other);
    /// ```
    pub fn of(digits: Option<&str>) -> Self {
        match digits.map(str::trim) {
            Some("1") => Self::Ack,
            Some("2") => Self::EscalateNow,
            _ => Self::Other,
        }
    }
}

/// Prompts a call makes at most: its own, then two more after keys that do nothing.
pub const MAX_PROMPTS: u32 = 3;

/// Which prompt a Gather answers, from the action URL's `n` (absent: the call's own, 1).
///
/// ```
/// use alertd::http::webhooks::voice::prompt_number;
/// assert_eq!(prompt_number(None), Some(1));
/// assert_eq!(prompt_number(Some("3")), Some(3));
/// assert_eq!(prompt_number(Some("0")), None);
/// assert_eq!(prompt_number(Some("x")), None);
/// ```
pub fn prompt_number(n: Option<&str>) -> Option<u32> {
    match n {
        None => Some(1),
        Some(n) => n.parse().ok().filter(|&n| n >= 1),
    }
}

/// Whether Twilio's answering machine detection says a machine (or fax) took the call.
///
/// ```
/// use alertd::http::webhooks::voice::answered_by_machine;
/// assert!(answered_by_machine(Some("machine_start")));
/// assert!(answered_by_machine(Some("machine_end_beep")));
/// assert!(!answered_by_machine(Some("human")));
/// assert!(!answered_by_machine(None));
/// ```
pub fn answered_by_machine(answered_by: Option<&str>) -> bool {
    answered_by.is_some_and(|a| a.starts_with("machine") || a == "fax")
}

/// Handles a Gather action.
pub(crate) async fn gather(
    State(state): State<ApiState>,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let result = async {
        let bytes = super::signed_body(&state, &uri, &headers, body, "gather").await?;
        let query: Vec<(String, String)> =
            form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
                .into_owned()
                .collect();
        let params: Vec<(String, String)> = form_urlencoded::parse(&bytes).into_owned().collect();
        let mut scratch = vec![0u8; bytes.len()];
        let gathered = GatherResult::parse(&bytes, &mut scratch)
            .map_err(|e| ApiError::BadRequest(format!("not a Gather result: {e}")))?;
        let Some(short_id) = super::param(&query, "e") else {
            return Err(ApiError::BadRequest(
                "the Gather action URL needs ?e=<escalation id>".into(),
            ));
        };
        let Some(prompt) = prompt_number(super::param(&query, "n")) else {
            return Err(ApiError::BadRequest(
                "the Gather action URL's n must be the prompt number (1 or more)".into(),
            ));
        };
        // One answer per prompt: the action URL names the escalation (and the prompt).
        let key = format!("gather:{}:{}", gathered.call_sid, uri.query().unwrap_or(""));
        if !super::first_delivery(&state, key).await? {
            return Ok(twiml::say_and_hang_up("Goodbye."));
        }
        // The callee of an outbound call is `To`.
        let callee = gathered.to.unwrap_or_default().to_owned();
        if answered_by_machine(super::param(&params, "AnsweredBy")) {
            tracing::info!(escalation = %short_id, "keypress from an answering machine ignored");
            return Ok(twiml::say_and_hang_up("Goodbye."));
        }
        let escalations = &state.escalations;
        let reply = match Keypress::of(gathered.digits) {
            Keypress::Ack => match escalations
                .ack_by_number(Some(short_id), &callee, AckVia::Voice)
                .await
            {
                Ok(_) => twiml::say_and_hang_up(
                    "Acknowledged. The escalation is stopped. Thank you, goodbye.",
                ),
                Err(e) => spoken_error(&e),
            },
            Keypress::EscalateNow => match escalations.escalate_now(short_id, &callee).await {
                Ok(_) => twiml::say_and_hang_up("Escalating to the next contact now. Goodbye."),
                Err(e) => spoken_error(&e),
            },
            Keypress::Other => {
                let lead = if gathered.digits.is_some_and(|d| !d.trim().is_empty()) {
                    "That key does not do anything."
                } else {
                    "No key was pressed."
                };
                ask_again(&state, short_id, prompt, lead).await
            }
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

/// The answer to prompt `prompt` getting a key that does nothing: the prompt again (with the
/// next prompt's action URL) while the escalation is open and prompts are left, else goodbye.
async fn ask_again(state: &ApiState, short_id: &str, prompt: u32, lead: &str) -> String {
    if prompt >= MAX_PROMPTS {
        return twiml::say_and_hang_up(&format!(
            "{lead} No acknowledgement was recorded. Goodbye."
        ));
    }
    let Some(auth) = &state.webhook else {
        // Unreachable: the signature was checked with it.
        return twiml::say_and_hang_up("Goodbye.");
    };
    match state.escalations.still_open(short_id).await {
        Ok(e) => {
            let action = crate::config::callbacks::gather_url_for_prompt(
                &auth.public_url,
                &e.short_id,
                prompt + 1,
            );
            twiml::reprompt(lead, &e.speech, &action)
        }
        Err(e) => spoken_error(&e),
    }
}

fn spoken_error(e: &AckError) -> String {
    tracing::info!("escalation keypress not applied: {e}");
    match e {
        AckError::Closed { state, .. } => {
            twiml::say_and_hang_up(&format!("This alert is already {state}. Goodbye."))
        }
        AckError::Store(_) => twiml::say_and_hang_up(
            "Sorry, your answer could not be recorded. The escalation goes on. Goodbye.",
        ),
        _ => twiml::say_and_hang_up("This alert cannot be acknowledged from this phone. Goodbye."),
    }
}
