//! Number enrolment over the API: `POST /api/v1/numbers/{number}/verify` (`{"channel":
//! "sms"|"call"}`, optional), `POST /api/v1/numbers/{number}/confirm` (`{"code": "123456"}`)
//! and `GET /api/v1/numbers` (every enrolment, and the configured numbers not verified).

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use crate::http::errors::ApiError;
use crate::http::{ApiState, check_bearer, read_body};
use crate::numbers::{
    CheckAnswer, CodeChannel, Confirmed, Enrolment, NumbersError, Verifier, VerifyError,
};

/// What the enrolment endpoints need.
pub(crate) struct NumbersState {
    /// Twilio Verify and Lookup, when `[twilio] verify_service_sid` is set with credentials.
    pub(crate) verifier: Option<Arc<dyn Verifier>>,
    /// Every number the config pages (receivers, rosters, escalation steps).
    pub(crate) configured: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct VerifyBody {
    #[serde(default)]
    channel: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfirmBody {
    code: String,
}

impl From<NumbersError> for ApiError {
    fn from(e: NumbersError) -> Self {
        match &e {
            NumbersError::NotE164(_)
            | NumbersError::BadCode(_)
            | NumbersError::Verify(VerifyError::Rejected(_)) => Self::Invalid(e.to_string()),
            _ => Self::Unavailable(e.to_string()),
        }
    }
}

fn verifier(state: &ApiState) -> Result<Arc<dyn Verifier>, ApiError> {
    state.numbers.verifier.clone().ok_or_else(|| {
        ApiError::Unavailable(
            "number enrolment needs [twilio] verify_service_sid and Twilio credentials".into(),
        )
    })
}

async fn body_json<T: serde::de::DeserializeOwned + Default>(
    state: &ApiState,
    headers: &HeaderMap,
    body: Body,
) -> Result<T, ApiError> {
    let bytes = read_body(state, headers, body).await?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(&bytes).map_err(|e| ApiError::BadRequest(e.to_string()))
}

/// Starts a verification of `number`.
pub(crate) async fn post_verify(
    State(state): State<ApiState>,
    headers: HeaderMap,
    Path(number): Path<String>,
    body: Body,
) -> Response {
    let result = async {
        check_bearer(&state, &headers)?;
        let parsed: VerifyBody = body_json(&state, &headers, body).await?;
        let channel = match parsed.channel.as_deref() {
            None => CodeChannel::Sms,
            Some(c) => CodeChannel::parse(c)
                .ok_or_else(|| ApiError::Invalid(format!("channel {c:?}: sms or call")))?,
        };
        let verifier = verifier(&state)?;
        let enrolment = Enrolment {
            verifier: verifier.as_ref(),
            store: state.store.clone(),
        };
        let enrolled = enrolment
            .verify(&number, channel, state.clock.now())
            .await?;
        Ok::<_, ApiError>(axum::Json(json!({ "number": enrolled })).into_response())
    }
    .await;
    result.unwrap_or_else(IntoResponse::into_response)
}

/// Checks the code `number` received.
pub(crate) async fn post_confirm(
    State(state): State<ApiState>,
    headers: HeaderMap,
    Path(number): Path<String>,
    body: Body,
) -> Response {
    let result = async {
        check_bearer(&state, &headers)?;
        let parsed: ConfirmBody = body_json(&state, &headers, body).await?;
        let verifier = verifier(&state)?;
        let enrolment = Enrolment {
            verifier: verifier.as_ref(),
            store: state.store.clone(),
        };
        let answer = match enrolment
            .confirm(&number, &parsed.code, state.clock.now())
            .await?
        {
            Confirmed::Verified(n) => json!({ "result": "verified", "number": n }),
            Confirmed::NotVerified(why, n) => json!({
                "result": match why {
                    CheckAnswer::WrongCode => "wrong_code",
                    CheckAnswer::Expired => "expired",
                    CheckAnswer::TooManyAttempts => "too_many_attempts",
                    CheckAnswer::Approved => "verified",
                },
                "number": n,
            }),
        };
        Ok::<_, ApiError>(axum::Json(answer).into_response())
    }
    .await;
    result.unwrap_or_else(IntoResponse::into_response)
}

/// Every enrolment, and the configured numbers not verified.
pub(crate) async fn get_numbers(State(state): State<ApiState>, headers: HeaderMap) -> Response {
    let result = async {
        check_bearer(&state, &headers)?;
        let store = state.store.clone();
        let enrolled = tokio::task::spawn_blocking(move || store.enrolled_numbers()).await??;
        let unverified: Vec<&String> = state
            .numbers
            .configured
            .iter()
            .filter(|n| {
                !enrolled.iter().any(|e| {
                    &e.number == *n && e.state == crate::domain::number::NumberState::Verified
                })
            })
            .collect();
        Ok::<_, ApiError>(
            axum::Json(json!({ "numbers": enrolled, "unverified": unverified })).into_response(),
        )
    }
    .await;
    result.unwrap_or_else(IntoResponse::into_response)
}
