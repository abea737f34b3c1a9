//! `GET /console/{page}` (the whole page) and `GET /console/{page}/live` (its live part,
//! which the script fetches every few seconds and swaps in).

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::{Value, context};

use super::auth::{Visitor, error_page};
use super::{render, views};
use crate::http::ApiState;
use crate::http::errors::ApiError;

/// The pages, in the navigation's order: (path segment, title).
pub(super) const PAGES: [(&str, &str); 6] = [
    ("alerts", "Alerts"),
    ("escalations", "Escalations"),
    ("deliveries", "Deliveries"),
    ("silences", "Silences"),
    ("opt-outs", "Opted out"),
    ("health", "Health"),
];

/// Messages an action's redirect may ask a page to show (by key: no text comes from the URL).
const DONE: [(&str, &str); 3] = [
    ("silenced", "Silence created."),
    ("expired", "Silence expired."),
    ("acked", "Escalation acknowledged."),
];

/// What the live part of `page` shows.
async fn data(state: &ApiState, page: &str) -> Result<Value, ApiError> {
    Ok(match page {
        "alerts" => Value::from_serialize(views::alert_groups(state).await?),
        "escalations" => Value::from_serialize(views::escalations(state).await?),
        "deliveries" => Value::from_serialize(views::deliveries(state).await?),
        "silences" => Value::from_serialize(views::silences(state).await?),
        "opt-outs" => Value::from_serialize(views::opt_outs(state).await?),
        "health" => Value::from_serialize(views::health(state).await),
        _ => return Err(ApiError::NotFound("no such console page".into())),
    })
}

/// The value of each `name` parameter in a query string.
fn params(raw: Option<&str>, name: &str) -> Vec<String> {
    form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
        .collect()
}

/// `GET /console/{page}`.
pub(super) async fn page(
    State(state): State<ApiState>,
    headers: HeaderMap,
    Path(page): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    whole(&state, &headers, &page, raw.as_deref()).await
}

/// `GET /console/silences` (its own route, which also takes the form's POST).
pub(super) async fn silences(
    State(state): State<ApiState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    whole(&state, &headers, "silences", raw.as_deref()).await
}

async fn whole(state: &ApiState, headers: &HeaderMap, page: &str, raw: Option<&str>) -> Response {
    let visitor = Visitor::of(state, headers);
    let Some((_, title)) = PAGES.iter().find(|(p, _)| *p == page) else {
        return error_page(&ApiError::NotFound(format!("no console page {page:?}")));
    };
    if !visitor.allowed() {
        return visitor.finish(Redirect::to("/console/login").into_response());
    }
    let rows = match data(state, page).await {
        Ok(rows) => rows,
        Err(e) => return visitor.finish(error_page(&e)),
    };
    let done = params(raw, "done")
        .first()
        .and_then(|d| DONE.iter().find(|(k, _)| k == d))
        .map(|(_, text)| *text);
    let prefill = params(raw, "m");
    let ctx = context! {
        page => page,
        title => title,
        pages => PAGES,
        rows => rows,
        csrf => visitor.csrf(),
        signed_in => visitor.token_required,
        done => done,
        prefill => prefill.join("\n"),
        now => state.clock.now(),
    };
    visitor.finish(render(StatusCode::OK, &format!("{page}.html"), ctx))
}

/// `GET /console/{page}/live`: 401 once the session has ended, so the script goes to the
/// login page.
pub(super) async fn live(
    State(state): State<ApiState>,
    headers: HeaderMap,
    Path(page): Path<String>,
) -> Response {
    let visitor = Visitor::of(&state, &headers);
    if !visitor.allowed() {
        return ApiError::Unauthorized.into_response();
    }
    if !PAGES.iter().any(|(p, _)| *p == page) {
        return ApiError::NotFound(format!("no console page {page:?}")).into_response();
    }
    match data(&state, &page).await {
        Ok(rows) => {
            let ctx = context! {
                page => page,
                rows => rows,
                csrf => visitor.csrf(),
                now => state.clock.now(),
            };
            visitor.finish(render(StatusCode::OK, &format!("{page}_live.html"), ctx))
        }
        Err(e) => e.into_response(),
    }
}
