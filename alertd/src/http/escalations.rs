//! `POST /api/v1/alerts/{id}/ack` (an authenticated tool acknowledges escalation `id`, the
//! short id its texts carry) and `GET /api/v1/escalations` (the newest escalations).

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use crate::escalation::ack::AckError;
use crate::http::errors::ApiError;
use crate::http::{ApiState, check_bearer, read_body};

/// Longest tool name recorded.
const MAX_BY_LEN: usize = 64;

/// The optional ack body: `{"by": "ops-bot"}`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AckBody {
    #[serde(default)]
    by: Option<String>,
}

impl From<AckError> for ApiError {
    fn from(e: AckError) -> Self {
        match e {
            AckError::NotFound(_) => Self::NotFound(e.to_string()),
            AckError::Closed { .. } => Self::Conflict(e.to_string()),
            AckError::TooLate { .. } => Self::Invalid(e.to_string()),
            AckError::Store(_) => Self::Unavailable(e.to_string()),
            AckError::NotAContact { .. } => Self::Forbidden(e.to_string()),
        }
    }
}

/// Acknowledges escalation `id` on behalf of a tool.
pub(crate) async fn post_ack(
    State(state): State<ApiState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Body,
) -> Response {
    let result = async {
        check_bearer(&state, &headers)?;
        let bytes = read_body(&state, &headers, body).await?;
        let parsed: AckBody = if bytes.iter().all(u8::is_ascii_whitespace) {
            AckBody::default()
        } else {
            serde_json::from_slice(&bytes)
                .map_err(|e| ApiError::BadRequest(format!("expected {{\"by\": \"name\"}}: {e}")))?
        };
        let by = parsed.by.unwrap_or_else(|| "api".to_owned());
        if by.trim().is_empty() || by.len() > MAX_BY_LEN || by.chars().any(char::is_control) {
            return Err(ApiError::Invalid(format!(
                "field by: 1 to {MAX_BY_LEN} printable characters"
            )));
        }
        let e = state.escalations.ack_by_api(&id, by.trim()).await?;
        Ok::<_, ApiError>(
            (
                StatusCode::OK,
                axum::Json(json!({"status": "acked", "escalation": e})),
            )
                .into_response(),
        )
    }
    .await;
    result.unwrap_or_else(|e| {
        // Acknowledging what is already closed is an answer, not a refused request.
        if !matches!(e, ApiError::Conflict(_)) {
            state.metrics.ingest_rejected(e.status().0.as_u16());
        }
        e.into_response()
    })
}

/// Lists the newest escalations.
pub(crate) async fn get_escalations(State(state): State<ApiState>, headers: HeaderMap) -> Response {
    let result = async {
        check_bearer(&state, &headers)?;
        let store = state.store.clone();
        let list = tokio::task::spawn_blocking(move || store.recent_escalations(100)).await??;
        Ok::<_, ApiError>(axum::Json(list).into_response())
    }
    .await;
    result.unwrap_or_else(|e| {
        state.metrics.ingest_rejected(e.status().0.as_u16());
        e.into_response()
    })
}
