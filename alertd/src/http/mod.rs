//! Every HTTP handler (axum): alert ingest in two shapes, the Alertmanager webhook, silences,
//! escalations and acknowledgements, Twilio's webhooks ([`webhooks`]), status, health and
//! metrics; and Alertmanager's API v2 under `/api/v2` (`v2`), for Prometheus and amtool. Every request passes the `guard` layer first (its Host, Origin and Content-Type).
//! Bodies are read with a size limit and parsed completely before anything is stored, so a
//! refused request leaves nothing behind.

pub mod alertmanager;
pub mod alerts;
pub(crate) mod console;
pub mod errors;
pub(crate) mod escalations;
pub mod grafana;
pub(crate) mod guard;
pub mod lifecycle;
pub(crate) mod numbers;
pub mod silences;
pub mod tradingview;
pub(crate) mod v2;
pub mod webhooks;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use serde_json::json;
use tokio::sync::mpsc;

use self::errors::ApiError;
use crate::clock::SharedClock;
use crate::config::secrets::constant_time_eq;
use crate::domain::alert::Alert;
use crate::domain::time::Timestamp;
use crate::metrics::Metrics;
use crate::store::Store;
use crate::store::group_commit::GroupCommitter;

/// What every handler needs.
#[derive(Clone)]
pub(crate) struct ApiState {
    /// Batches alert writes.
    pub(crate) committer: GroupCommitter,
    /// Reads and silence writes.
    pub(crate) store: Arc<dyn Store>,
    /// Stored alerts go to the pipeline through here.
    pub(crate) pipeline: mpsc::Sender<Vec<Alert>>,
    /// Counters.
    pub(crate) metrics: Arc<Metrics>,
    /// Time.
    pub(crate) clock: SharedClock,
    /// Required bearer token on `/api/*`, if any.
    pub(crate) bearer_token: Option<Arc<str>>,
    /// Body size limit.
    pub(crate) max_body_bytes: usize,
    /// How long a body may take to arrive.
    pub(crate) body_read_timeout: Duration,
    /// Draining, readiness, reload.
    pub(crate) lifecycle: Arc<lifecycle::Lifecycle>,
    /// Status-callback validation (Twilio auth token and public URL).
    pub(crate) webhook: Option<Arc<crate::http::webhooks::WebhookAuth>>,
    /// Acknowledgements and "escalate now" (webhooks and API).
    pub(crate) escalations: crate::escalation::ack::Escalations,
    /// How STOP / START / HELP are answered (`[opt_out]`).
    pub(crate) opt_out: Arc<crate::config::opt_out::OptOutConfig>,
    /// How long an alert posted without `endsAt` stays firing (`[alerts] resolve_timeout`).
    pub(crate) resolve_timeout: Duration,
    /// What Alertmanager's API v2 needs besides: the routing tree, receivers, config text.
    pub(crate) v2: Arc<v2::V2State>,
    /// Number enrolment (Verify and Lookup).
    pub(crate) numbers: Arc<numbers::NumbersState>,
    /// TradingView's webhook, when `[sources.tradingview]` is configured.
    pub(crate) tradingview: Option<Arc<tradingview::TradingViewHook>>,
    /// `[[heartbeats]]`, pinged by `POST /api/v1/heartbeats/{name}`.
    pub(crate) heartbeats: Option<crate::heartbeat::Heartbeats>,
}

/// The router with every endpoint, behind `guard`.
pub(crate) fn router(state: ApiState, guard: guard::RequestGuard) -> Router {
    let guard = guard::GuardState {
        guard: Arc::new(guard),
        metrics: state.metrics.clone(),
    };
    Router::new()
        .route("/api/v1/alerts", post(post_alerts))
        .route("/api/v1/alertmanager", post(post_alertmanager))
        .route("/api/v1/grafana", post(post_grafana))
        .route("/api/v1/silences", post(post_silence).get(get_silences))
        .route("/api/v1/silences/{id}", delete(delete_silence))
        .route("/api/v1/status", get(get_status))
        .route("/api/v1/heartbeats/{name}", post(post_heartbeat))
        // Alertmanager's API v2.
        .route("/api/v2/alerts", post(v2::post_alerts).get(v2::get_alerts))
        .route("/api/v2/alerts/groups", get(v2::get_groups))
        .route(
            "/api/v2/silences",
            post(v2::post_silence).get(v2::get_silences),
        )
        .route(
            "/api/v2/silence/{id}",
            get(v2::get_silence).delete(v2::delete_silence),
        )
        .route("/api/v2/status", get(v2::get_status))
        .route("/api/v2/receivers", get(v2::get_receivers))
        .route(
            "/twilio/status",
            post(crate::http::webhooks::status_callback),
        )
        // Escalation: keypresses, SMS replies, tools' acks.
        .route(
            crate::config::callbacks::GATHER_PATH,
            post(crate::http::webhooks::voice::gather),
        )
        .route(
            crate::config::callbacks::INBOUND_PATH,
            post(crate::http::webhooks::inbound::inbound_sms),
        )
        .route(
            "/api/v1/alerts/{id}/ack",
            post(crate::http::escalations::post_ack),
        )
        .route(
            "/api/v1/escalations",
            get(crate::http::escalations::get_escalations),
        )
        .route("/api/v1/numbers", get(numbers::get_numbers))
        .route(
            "/api/v1/numbers/{number}/verify",
            post(numbers::post_verify),
        )
        .route(
            "/api/v1/numbers/{number}/confirm",
            post(numbers::post_confirm),
        )
        .route(
            "/hooks/tradingview/{token}",
            post(tradingview::post_tradingview),
        )
        .route("/healthz", get(lifecycle::healthz))
        .route(
            "/-/healthy",
            get(lifecycle::healthy).head(lifecycle::healthy),
        )
        .route("/-/ready", get(lifecycle::ready).head(lifecycle::ready))
        .route("/-/reload", post(lifecycle::reload))
        .route("/metrics", get(metrics))
        .merge(console::router())
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(guard, guard::enforce))
        .with_state(state)
}

async fn not_found() -> ApiError {
    ApiError::NotFound("no such endpoint; see /api/v1/alerts, /api/v1/alertmanager, /api/v1/grafana, /api/v1/silences, /api/v2 (Alertmanager's API), /healthz, /-/healthy, /-/ready, /-/reload, /metrics".into())
}

/// Checks `Authorization: Bearer` when a token is configured.
pub(crate) fn check_bearer(state: &ApiState, headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(expected) = &state.bearer_token else {
        return Ok(());
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim);
    match given {
        Some(token) if constant_time_eq(token.as_bytes(), expected.as_bytes()) => Ok(()),
        _ => Err(ApiError::Unauthorized),
    }
}

/// Reads the whole body within the size limit.
pub(crate) async fn read_body(
    state: &ApiState,
    headers: &HeaderMap,
    body: Body,
) -> Result<axum::body::Bytes, ApiError> {
    let limit = state.max_body_bytes;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(ApiError::TooLarge { limit });
    }
    let timeout = state.body_read_timeout;
    // A client that sends its body slowly holds a connection; it gets a bounded time.
    tokio::time::timeout(timeout, axum::body::to_bytes(body, limit))
        .await
        .map_err(|_| {
            ApiError::RequestTimeout(format!(
                "the request body did not arrive within {timeout:?}"
            ))
        })?
        .map_err(|e| {
            let inner = e.into_inner();
            if inner.is::<http_body_util::LengthLimitError>() {
                ApiError::TooLarge { limit }
            } else {
                ApiError::BadRequest(format!("cannot read body: {inner}"))
            }
        })
}

fn refuse(state: &ApiState, e: ApiError) -> Response {
    state.metrics.ingest_rejected(e.status().0.as_u16());
    e.into_response()
}

async fn accept_alerts(state: &ApiState, alerts: Vec<Alert>) -> Result<Response, ApiError> {
    let n = alerts.len();
    commit_alerts(state, alerts).await?;
    Ok((
        StatusCode::ACCEPTED,
        axum::Json(json!({"status": "accepted", "alerts": n})),
    )
        .into_response())
}

/// Stores alerts (committed before this returns) and hands them to the pipeline.
pub(crate) async fn commit_alerts(state: &ApiState, alerts: Vec<Alert>) -> Result<(), ApiError> {
    if state.lifecycle.draining() {
        // Refused, not stored: the sender retries, against this alertd once it is back or a peer.
        return Err(ApiError::Unavailable(
            "alertd is shutting down; send again shortly".into(),
        ));
    }
    let n = alerts.len();
    state.committer.ingest(alerts.clone()).await.map_err(|e| {
        tracing::error!("cannot store alerts: {e}");
        ApiError::Unavailable(format!("alerts not stored: {e}"))
    })?;
    state
        .metrics
        .alerts_received(u64::try_from(n).unwrap_or(u64::MAX));
    // Stored: even if the pipeline is gone now, a restart picks them up from the store.
    if state.pipeline.send(alerts).await.is_err() {
        tracing::error!(
            "pipeline has stopped; alerts are stored and will be processed after a restart"
        );
    }
    Ok(())
}

async fn ingest_with(
    state: ApiState,
    headers: HeaderMap,
    body: Body,
    parse: impl FnOnce(&[u8], Timestamp) -> Result<Vec<Alert>, ApiError>,
) -> Response {
    let result = async {
        check_bearer(&state, &headers)?;
        let bytes = read_body(&state, &headers, body).await?;
        let alerts = parse(&bytes, state.clock.now())?;
        accept_alerts(&state, alerts).await
    }
    .await;
    result.unwrap_or_else(|e| refuse(&state, e))
}

/// Alerts posted without `endsAt` resolve `resolve_timeout` after they arrive unless posted
/// again, as Alertmanager's own API does: a script or webhook that never sends a resolution
/// does not page forever.
async fn post_alerts(State(state): State<ApiState>, headers: HeaderMap, body: Body) -> Response {
    let resolve_timeout = state.resolve_timeout;
    let parse = move |body: &[u8], now| {
        let alerts = alerts::parse(body, now)?;
        Ok(alerts
            .into_iter()
            .map(|a| a.with_resolve_timeout(resolve_timeout))
            .collect())
    };
    ingest_with(state, headers, body, parse).await
}

/// Alertmanager resolves its alerts itself and repeats a firing one only every
/// `repeat_interval` (4h by default), so its alerts keep firing until it says they resolved.
async fn post_alertmanager(
    State(state): State<ApiState>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    ingest_with(state, headers, body, alertmanager::parse).await
}

/// Grafana, like Alertmanager, resolves its alerts itself.
async fn post_grafana(State(state): State<ApiState>, headers: HeaderMap, body: Body) -> Response {
    ingest_with(state, headers, body, grafana::parse).await
}

/// A ping: 200 with the heartbeat's name, 404 for a name not in `[[heartbeats]]`.
async fn post_heartbeat(
    State(state): State<ApiState>,
    headers: HeaderMap,
    Path(name): Path<String>,
    body: Body,
) -> Response {
    let result = async {
        check_bearer(&state, &headers)?;
        // A body (a device's status) is allowed and ignored.
        read_body(&state, &headers, body).await?;
        let known = match &state.heartbeats {
            Some(heartbeats) => heartbeats
                .ping(&name)
                .await
                .map_err(|e| ApiError::Unavailable(e.to_string()))?,
            None => false,
        };
        if known {
            Ok(axum::Json(json!({"status": "ok", "heartbeat": name})).into_response())
        } else {
            Err(ApiError::NotFound(format!(
                "no [[heartbeats]] named {name:?}"
            )))
        }
    }
    .await;
    result.unwrap_or_else(|e| refuse(&state, e))
}

async fn post_silence(State(state): State<ApiState>, headers: HeaderMap, body: Body) -> Response {
    let result = async {
        check_bearer(&state, &headers)?;
        let bytes = read_body(&state, &headers, body).await?;
        let silence = silences::parse(&bytes, state.clock.now())?;
        let store = state.store.clone();
        let stored = silence.clone();
        tokio::task::spawn_blocking(move || store.put_silence(&stored)).await??;
        tracing::info!(id = %silence.id, "silence created");
        Ok::<_, ApiError>((StatusCode::CREATED, axum::Json(silence)).into_response())
    }
    .await;
    result.unwrap_or_else(|e| refuse(&state, e))
}

async fn get_silences(State(state): State<ApiState>, headers: HeaderMap) -> Response {
    let result = async {
        check_bearer(&state, &headers)?;
        let store = state.store.clone();
        let now = state.clock.now();
        let list = tokio::task::spawn_blocking(move || store.silences(now)).await??;
        Ok::<_, ApiError>(axum::Json(list).into_response())
    }
    .await;
    result.unwrap_or_else(|e| refuse(&state, e))
}

async fn delete_silence(
    State(state): State<ApiState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let result = async {
        check_bearer(&state, &headers)?;
        let store = state.store.clone();
        let now = state.clock.now();
        let lookup = id.clone();
        let found =
            tokio::task::spawn_blocking(move || store.expire_silence(&lookup, now)).await??;
        if found {
            Ok(axum::Json(json!({"status": "expired", "id": id})).into_response())
        } else {
            Err(ApiError::NotFound(format!("no silence {id:?}")))
        }
    }
    .await;
    result.unwrap_or_else(|e| refuse(&state, e))
}

async fn get_status(State(state): State<ApiState>, headers: HeaderMap) -> Response {
    let result = async {
        check_bearer(&state, &headers)?;
        let store = state.store.clone();
        let now = state.clock.now();
        let (stats, recent, opt_outs) = tokio::task::spawn_blocking(move || {
            Ok::<_, crate::store::StoreError>((
                store.stats(now)?,
                store.recent_outbox(20)?,
                store.opt_outs()?,
            ))
        })
        .await??;
        Ok::<_, ApiError>(
            axum::Json(json!({"stats": stats, "recent": recent, "opt_outs": opt_outs}))
                .into_response(),
        )
    }
    .await;
    result.unwrap_or_else(|e| refuse(&state, e))
}

async fn metrics(State(state): State<ApiState>) -> Response {
    let store = state.store.clone();
    let now = state.clock.now();
    let stats = match tokio::task::spawn_blocking(move || store.stats(now)).await {
        Ok(read) => read.map_err(|e| e.to_string()),
        Err(e) => Err(format!("store task failed: {e}")),
    };
    match state.metrics.scrape(stats) {
        Ok(text) => ([(header::CONTENT_TYPE, crate::metrics::CONTENT_TYPE)], text).into_response(),
        Err(e) => {
            tracing::error!("/metrics: {e}");
            (StatusCode::SERVICE_UNAVAILABLE, format!("{e}\n")).into_response()
        }
    }
}
