//! The lifecycle endpoints, named as Alertmanager names them: `/-/healthy` (the process
//! answers), `/-/ready` (the store takes writes), `POST /-/reload` (re-read the config file);
//! and the switch that turns ingest away with 503 while alertd stops.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::json;

use super::ApiState;
use super::errors::ApiError;
use crate::domain::time::Timestamp;
use crate::outbox::BoxFuture;

/// How long a readiness probe's answer is reused: probes from a load balancer, systemd and
/// Prometheus together cost one page write a second at most.
const READY_CACHE: Duration = Duration::from_secs(1);

/// What a config reload did.
///
/// ```
/// let applied = alertd::http::lifecycle::ReloadReport::default();
/// assert!(applied.error.is_none() && applied.restart_needed.is_empty());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReloadReport {
    /// Why the new config was refused (the old one keeps running); `None` when it applied.
    pub error: Option<String>,
    /// Changed settings that take effect only after a restart.
    pub restart_needed: Vec<String>,
}

/// Re-reads the config file and applies it.
pub(crate) type ReloadFn = Arc<dyn Fn() -> BoxFuture<'static, ReloadReport> + Send + Sync>;

/// Draining flag, cached readiness, and the reload hook the app installs.
#[derive(Default)]
pub(crate) struct Lifecycle {
    draining: AtomicBool,
    ready: Mutex<Option<(Timestamp, Result<(), String>)>>,
    reload: OnceLock<ReloadFn>,
}

impl Lifecycle {
    /// From now on ingest answers 503: alertd is stopping.
    pub(crate) fn start_draining(&self) {
        self.draining.store(true, Ordering::SeqCst);
    }

    /// Whether alertd is stopping.
    pub(crate) fn draining(&self) -> bool {
        self.draining.load(Ordering::SeqCst)
    }

    /// Installs what `POST /-/reload` runs (once; later calls are ignored).
    pub(crate) fn set_reload(&self, reload: ReloadFn) {
        let _ = self.reload.set(reload);
    }

    fn cached(&self, now: Timestamp) -> Option<Result<(), String>> {
        let cached = self.ready.lock().unwrap_or_else(PoisonError::into_inner);
        cached
            .as_ref()
            .filter(|(at, _)| now < at.after(READY_CACHE) && *at <= now)
            .map(|(_, r)| r.clone())
    }
}

/// Whether the store takes writes, probed at most once per [`READY_CACHE`].
pub(crate) async fn store_writable(state: &ApiState) -> Result<(), String> {
    let now = state.clock.now();
    if let Some(cached) = state.lifecycle.cached(now) {
        return cached;
    }
    let store = state.store.clone();
    let result = tokio::task::spawn_blocking(move || store.probe_write())
        .await
        .map_err(|e| e.to_string())
        .and_then(|r| r.map_err(|e| e.to_string()));
    if let Err(e) = &result {
        tracing::warn!("store not writable: {e}");
    }
    *state
        .lifecycle
        .ready
        .lock()
        .unwrap_or_else(PoisonError::into_inner) = Some((now, result.clone()));
    result
}

/// `GET /-/healthy`: the process is up and answering.
pub(crate) async fn healthy() -> Response {
    (StatusCode::OK, "OK\n").into_response()
}

/// `GET /-/ready`: 200 when the store takes writes and alertd is not stopping, else 503.
pub(crate) async fn ready(State(state): State<ApiState>) -> Response {
    if state.lifecycle.draining() {
        return (StatusCode::SERVICE_UNAVAILABLE, "shutting down\n").into_response();
    }
    match store_writable(&state).await {
        Ok(()) => (StatusCode::OK, "OK\n").into_response(),
        Err(e) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("store not writable: {e}\n"),
        )
            .into_response(),
    }
}

/// `GET /healthz`: ok only while the store takes writes.
pub(crate) async fn healthz(State(state): State<ApiState>) -> Response {
    match store_writable(&state).await {
        Ok(()) => axum::Json(json!({"status": "ok"})).into_response(),
        Err(e) => (
            StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(json!({"status": "store not writable", "reason": e})),
        )
            .into_response(),
    }
}

/// `POST /-/reload`: 200 when the config file's new content applied (with the settings that
/// still need a restart), 400 with the reason when it was refused.
pub(crate) async fn reload(State(state): State<ApiState>, headers: HeaderMap) -> Response {
    if let Err(e) = super::check_bearer(&state, &headers) {
        return e.into_response();
    }
    let Some(reload) = state.lifecycle.reload.get().cloned() else {
        return ApiError::Unavailable("reload is not available in this process".into())
            .into_response();
    };
    let report = reload().await;
    match &report.error {
        None => axum::Json(json!({"status": "reloaded", "restart_needed": report.restart_needed}))
            .into_response(),
        Some(why) => (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"error": "invalid_config", "message": why, "status": "refused"})),
        )
            .into_response(),
    }
}
