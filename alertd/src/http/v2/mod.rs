//! Alertmanager's HTTP API v2 (the shapes of its `api/v2/openapi.yaml`), so that Prometheus
//! (`alerting.alertmanagers` with `api_version: v2`), amtool and dashboards that read an
//! Alertmanager talk to alertd directly:
//!
//! - `POST /api/v2/alerts` takes what Prometheus's notifier sends ([`alerts`]);
//!   `GET /api/v2/alerts` and `GET /api/v2/alerts/groups` list the alerts held, with their
//!   receivers from the routing tree and whether silences mute them ([`view`], [`groups`]);
//! - `GET`/`POST /api/v2/silences`, `GET`/`DELETE /api/v2/silence/{id}` ([`silences`]);
//! - `GET /api/v2/status`, `GET /api/v2/receivers` ([`status`]).
//!
//! The bearer token and the request guard apply as on `/api/v1`. Refusals are a JSON string
//! with a 4xx, the shape Alertmanager's generated clients parse ([`error`]).

mod alerts;
mod error;
mod groups;
mod query;
mod silences;
mod status;
mod view;

use crate::config::{Config, ConfigError};
use crate::domain::time::Timestamp;
use crate::http::ApiState;
use crate::http::errors::ApiError;
use crate::pipeline::route::Route;
use crate::store::{Store, StoreError};

pub(crate) use alerts::{get_alerts, post_alerts};
pub(crate) use groups::get_groups;
pub(crate) use silences::{delete_silence, get_silence, get_silences, post_silence};
pub(crate) use status::{get_receivers, get_status};

/// What the v2 handlers know besides [`ApiState`]: the routing tree (an alert's receivers and
/// groups), inhibit rules and time intervals (its status), the receivers, the config as its status shows it, and when alertd started.
#[derive(Debug)]
pub(crate) struct V2State {
    /// The routing tree, inhibit rules and time intervals, built as the engine builds them.
    rules: view::Rules,
    /// Receiver names, in config order.
    receivers: Vec<String>,
    /// The config text with its secrets replaced.
    config_original: String,
    /// When alertd started (`uptime`).
    started: Timestamp,
    /// Posting a silence reads the one it replaces and then writes: one at a time.
    silence_writes: tokio::sync::Mutex<()>,
}

impl V2State {
    /// The state for `cfg`, started at `started`.
    pub(crate) fn new(cfg: &Config, started: Timestamp) -> Result<Self, ConfigError> {
        let route = Route::from_config(&cfg.route).map_err(|e| ConfigError::Invalid {
            field: "route.matchers",
            reason: e.to_string(),
        })?;
        Ok(Self {
            rules: view::Rules {
                route,
                inhibit: crate::config::inhibit::build(cfg)?,
                intervals: crate::config::time_intervals::build(cfg)?,
            },
            receivers: cfg.receivers.iter().map(|r| r.name.clone()).collect(),
            config_original: cfg
                .source
                .as_deref()
                .map(crate::config::redact::redacted)
                .unwrap_or_default(),
            started,
            silence_writes: tokio::sync::Mutex::new(()),
        })
    }
}

/// Runs a store call off the async threads; a failing store is a 503.
async fn blocking<T: Send + 'static>(
    state: &ApiState,
    f: impl FnOnce(&dyn Store) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, ApiError> {
    let store = state.store.clone();
    tokio::task::spawn_blocking(move || f(store.as_ref()))
        .await?
        .map_err(ApiError::from)
}

/// What `GET /api/v2/alerts` and `/alerts/groups` share: the token checked, the listing
/// parameters read, and the alerts and silences held now.
async fn listing<'a>(
    state: &'a ApiState,
    headers: &axum::http::HeaderMap,
    raw_query: Option<&str>,
) -> Result<(view::AlertFilter, view::Snapshot<'a>), error::AmError> {
    crate::http::check_bearer(state, headers)?;
    let filter = view::AlertFilter::from_query(&query::Query::parse(raw_query))?;
    let now = state.clock.now();
    let (alerts, silences) =
        blocking(state, move |s| Ok((s.active_alerts()?, s.silences(now)?))).await?;
    Ok((
        filter,
        view::Snapshot::new(&state.v2.rules, alerts, silences, now),
    ))
}

/// Every alert group now, as `GET /api/v2/alerts/groups` lists them unfiltered, as JSON (the
/// web console renders it).
pub(crate) async fn current_groups(state: &ApiState) -> Result<serde_json::Value, ApiError> {
    let now = state.clock.now();
    let (alerts, silences) =
        blocking(state, move |s| Ok((s.active_alerts()?, s.silences(now)?))).await?;
    let snapshot = view::Snapshot::new(&state.v2.rules, alerts, silences, now);
    let filter = view::AlertFilter::from_query(&query::Query::default())?;
    serde_json::to_value(groups::groups(&snapshot, &filter))
        .map_err(|e| ApiError::Unavailable(e.to_string()))
}
