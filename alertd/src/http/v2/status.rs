//! `GET /api/v2/status` and `GET /api/v2/receivers`.
//!
//! alertd does not gossip with peers (instances share a database instead), so the cluster is
//! `disabled` with no peers, as for an Alertmanager started without clustering. `config.original`
//! is alertd's TOML with secrets replaced, not an Alertmanager YAML: amtool's `config show`
//! prints it as it is.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::error::AmError;
use crate::http::{ApiState, check_bearer};

/// `GET /api/v2/status`.
pub(crate) async fn get_status(
    State(state): State<ApiState>,
    headers: HeaderMap,
) -> Result<Response, AmError> {
    check_bearer(&state, &headers)?;
    let v2 = &state.v2;
    Ok(axum::Json(json!({
        "cluster": {"status": "disabled", "peers": []},
        "versionInfo": {
            "version": env!("CARGO_PKG_VERSION"),
            "revision": "",
            "branch": "",
            "buildUser": "",
            "buildDate": "",
            "goVersion": "",
        },
        "config": {"original": v2.config_original},
        "uptime": v2.started,
    }))
    .into_response())
}

/// `GET /api/v2/receivers`: `[{name}]` in config order.
pub(crate) async fn get_receivers(
    State(state): State<ApiState>,
    headers: HeaderMap,
) -> Result<Response, AmError> {
    check_bearer(&state, &headers)?;
    let list: Vec<_> = state
        .v2
        .receivers
        .iter()
        .map(|name| json!({"name": name}))
        .collect();
    Ok(axum::Json(list).into_response())
}
