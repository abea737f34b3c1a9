//! The webhook receiver Alertmanager notifies: records which alert ids arrived and when.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::SystemTime;

use axum::Router;
use axum::body::Bytes;
use axum::routing::post;

use crate::error::{BenchError, Result};

type Received = Arc<Mutex<Vec<(String, SystemTime)>>>;

/// A webhook receiver on loopback.
pub struct Webhook {
    /// Where to point Alertmanager.
    pub url: String,
    received: Received,
    task: tokio::task::JoinHandle<()>,
}

/// The alert ids of an Alertmanager webhook payload (`{"alerts":[{"labels":{"id":..}}]}`).
pub fn ids_in(payload: &[u8]) -> Vec<String> {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(payload) else {
        return Vec::new();
    };
    value["alerts"]
        .as_array()
        .map(|alerts| {
            alerts
                .iter()
                .filter_map(|a| a["labels"]["id"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

impl Webhook {
    /// Starts the receiver on a free loopback port.
    pub async fn start() -> Result<Self> {
        let received: Received = Arc::default();
        let sink = received.clone();
        let app = Router::new().route(
            "/hook",
            post(move |body: Bytes| {
                let sink = sink.clone();
                async move {
                    let at = SystemTime::now();
                    let ids = ids_in(&body);
                    sink.lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .extend(ids.into_iter().map(|id| (id, at)));
                    "ok"
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(BenchError::io("bind the webhook receiver"))?;
        let addr = listener
            .local_addr()
            .map_err(BenchError::io("read the webhook address"))?;
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self {
            url: format!("http://{addr}/hook"),
            received,
            task,
        })
    }

    /// Every (alert id, arrival time) so far.
    pub fn received(&self) -> Vec<(String, SystemTime)> {
        self.received
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl Drop for Webhook {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::ids_in;

    #[test]
    fn reads_ids_from_an_alertmanager_payload() {
        let payload = br#"{"version":"4","status":"firing","alerts":[{"labels":{"alertname":"Bench","id":"bench-1"}},{"labels":{"id":"bench-2"}}]}"#;
        assert_eq!(ids_in(payload), ["bench-1", "bench-2"]);
        assert!(ids_in(b"{oops").is_empty());
        assert!(ids_in(br#"{"alerts":"no"}"#).is_empty());
    }
}
