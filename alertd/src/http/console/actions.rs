//! The console's actions, each a form POST checked by `Visitor::check_post` and carried out
//! through the same code as its JSON API counterpart: silences are validated by
//! `http::silences::parse`, acknowledgements go through the escalation service as
//! `POST /api/v1/alerts/{id}/ack` does. Each answers with a redirect back to its page.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::json;

use super::auth::{Form, Visitor, error_page};
use crate::http::ApiState;
use crate::http::errors::ApiError;

/// Longest name recorded as a silence's author.
const MAX_AUTHOR: usize = 64;

/// Reads and checks the form, then runs `act`; a refusal is an error page.
async fn act<F, Fut>(state: ApiState, headers: HeaderMap, body: Body, act: F) -> Response
where
    F: FnOnce(ApiState, Form) -> Fut,
    Fut: std::future::Future<Output = Result<&'static str, ApiError>>,
{
    let visitor = Visitor::of(&state, &headers);
    let result = async {
        let form = Form::read(&state, &headers, body).await?;
        visitor.check_post(&form)?;
        act(state.clone(), form).await
    }
    .await;
    match result {
        Ok(to) => Redirect::to(to).into_response(),
        Err(e) => {
            tracing::info!(reason = %e, "console action refused");
            error_page(&e)
        }
    }
}

/// `POST /console/silences`: `matchers` (one per line), `duration`, `created_by`, `comment`.
pub(super) async fn create_silence(
    State(state): State<ApiState>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    act(state, headers, body, |state, form| async move {
        let matchers: Vec<&str> = form
            .get("matchers")
            .unwrap_or_default()
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        let author = form.get("created_by").unwrap_or_default().trim();
        if author.len() > MAX_AUTHOR || author.chars().any(char::is_control) {
            return Err(ApiError::Invalid(format!(
                "created by: at most {MAX_AUTHOR} printable characters"
            )));
        }
        let request = json!({
            "matchers": matchers,
            "duration": form.get("duration").unwrap_or_default().trim(),
            "createdBy": if author.is_empty() { "console" } else { author },
            "comment": form.get("comment").unwrap_or_default(),
        });
        let silence =
            crate::http::silences::parse(request.to_string().as_bytes(), state.clock.now())?;
        let stored = silence.clone();
        crate::store::blocking(&state.store, move |s| s.put_silence(&stored)).await?;
        tracing::info!(id = %silence.id, "silence created in the console");
        Ok("/console/silences?done=silenced")
    })
    .await
}

/// `POST /console/silences/{id}/expire`.
pub(super) async fn expire_silence(
    State(state): State<ApiState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Body,
) -> Response {
    act(state, headers, body, |state, _| async move {
        let now = state.clock.now();
        let lookup = id.clone();
        let found =
            crate::store::blocking(&state.store, move |s| s.expire_silence(&lookup, now)).await?;
        if !found {
            return Err(ApiError::NotFound(format!("no silence {id:?}")));
        }
        tracing::info!(id = %id, "silence expired in the console");
        Ok("/console/silences?done=expired")
    })
    .await
}

/// `POST /console/escalations/{id}/ack`: recorded as acknowledged by `console`.
pub(super) async fn ack(
    State(state): State<ApiState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Body,
) -> Response {
    act(state, headers, body, |state, _| async move {
        state.escalations.ack_by_api(&id, "console").await?;
        Ok("/console/escalations?done=acked")
    })
    .await
}
