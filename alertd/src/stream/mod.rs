//! Price streams: one task per `[[price_streams]]` feed connects to its WebSocket (TLS through
//! rustls), sends the subscribe message, reads each message's price at the JSON pointer and
//! applies the stream's rules (`rules`); a crossing is committed as an alert and handed to
//! the pipeline. A dropped connection is retried with doubling delays.

pub(crate) mod rules;

use std::sync::Arc;
use std::sync::atomic::Ordering;

use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{Connector, connect_async_tls_with_config};

use self::rules::PriceRules;
use crate::clock::SharedClock;
use crate::config::streams::PriceStreamConfig;
use crate::domain::alert::Alert;
use crate::metrics::StreamStats;
use crate::mqtt::Backoff;
use crate::store::group_commit::GroupCommitter;

/// Where a stream's alerts go.
#[derive(Clone)]
pub(crate) struct StreamSink {
    pub(crate) committer: GroupCommitter,
    pub(crate) pipeline: mpsc::Sender<Vec<Alert>>,
}

/// What one message holds.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Tick {
    Price(f64),
    /// No price at the pointer.
    Skip,
    Bad,
}

/// The price at `pointer` in a JSON message: a number or a numeric string.
fn price_of(message: &[u8], pointer: &str) -> Tick {
    let Ok(value) = serde_json::from_slice::<Value>(message) else {
        return Tick::Bad;
    };
    match value.pointer(pointer) {
        None => Tick::Skip,
        Some(Value::Number(n)) => n.as_f64().map_or(Tick::Bad, Tick::Price),
        Some(Value::String(s)) => s
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|p| p.is_finite())
            .map_or(Tick::Bad, Tick::Price),
        Some(_) => Tick::Bad,
    }
}

/// The rustls client config for `wss://` feeds (ring, Mozilla's roots).
fn tls_config() -> Option<Arc<rustls::ClientConfig>> {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .ok()
        .map(|b| Arc::new(b.with_root_certificates(roots).with_no_client_auth()))
}

/// One stream's task: connects, reads and evaluates until aborted.
pub(crate) async fn run(
    cfg: PriceStreamConfig,
    mut rules: PriceRules,
    sink: StreamSink,
    clock: SharedClock,
    stats: Arc<StreamStats>,
) {
    let tls = tls_config();
    let mut backoff = Backoff::new(cfg.reconnect_min, cfg.reconnect_max);
    loop {
        let connector = tls.clone().map(Connector::Rustls);
        match connect_async_tls_with_config(cfg.url.as_str(), None, true, connector).await {
            Ok((ws, _)) => {
                backoff.reset();
                stats.connections.fetch_add(1, Ordering::Relaxed);
                tracing::info!(stream = %cfg.name, "price stream connected");
                let (mut write, mut read) = ws.split();
                if let Some(subscribe) = &cfg.subscribe
                    && let Err(e) = write.send(Message::text(subscribe.clone())).await
                {
                    tracing::warn!(stream = %cfg.name, "cannot send the subscribe message: {e}");
                }
                while let Some(message) = read.next().await {
                    let bytes = match &message {
                        Ok(Message::Text(t)) => t.as_bytes(),
                        Ok(Message::Binary(b)) => b.as_ref(),
                        Ok(Message::Close(_)) => break,
                        Ok(_) => continue,
                        Err(e) => {
                            tracing::warn!(stream = %cfg.name, "price stream read failed: {e}");
                            break;
                        }
                    };
                    match price_of(bytes, &cfg.price_pointer) {
                        Tick::Price(price) => {
                            let alerts = rules.observe(price, clock.now());
                            stats.ticks.fetch_add(1, Ordering::Relaxed);
                            if !alerts.is_empty() {
                                commit(&sink, alerts, &stats).await;
                            }
                        }
                        Tick::Skip => {
                            stats.skipped.fetch_add(1, Ordering::Relaxed);
                        }
                        Tick::Bad => {
                            stats.bad_messages.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
                // Every way out of the read loop is a lost connection.
                stats.connection_errors.fetch_add(1, Ordering::Relaxed);
            }
            Err(e) => {
                stats.connection_errors.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(stream = %cfg.name, url = %cfg.url, "cannot connect: {e}");
            }
        }
        let delay = backoff.next_delay();
        tracing::info!(stream = %cfg.name, "reconnecting in {delay:?}");
        // Real time on purpose, as MQTT's: it paces a real server.
        tokio::time::sleep(delay).await;
    }
}

async fn commit(sink: &StreamSink, alerts: Vec<Alert>, stats: &StreamStats) {
    let n = u64::try_from(alerts.len()).unwrap_or(u64::MAX);
    if let Err(e) = sink.committer.ingest(alerts.clone()).await {
        tracing::error!("price alerts not stored: {e}");
        return;
    }
    stats.alerts.fetch_add(n, Ordering::Relaxed);
    if sink.pipeline.send(alerts).await.is_err() {
        tracing::error!("pipeline has stopped; price alerts are stored for the next start");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_are_numbers_or_numeric_strings_at_the_pointer() {
        assert_eq!(
            price_of(br#"{"c": "67432.50"}"#, "/c"),
            Tick::Price(67432.5)
        );
        assert_eq!(
            price_of(br#"{"data": {"p": 3500.25}}"#, "/data/p"),
            Tick::Price(3500.25)
        );
        assert_eq!(price_of(br#"{"result": null, "id": 1}"#, "/c"), Tick::Skip);
        assert_eq!(price_of(br#"{"c": "n/a"}"#, "/c"), Tick::Bad);
        assert_eq!(price_of(br#"{"c": [1]}"#, "/c"), Tick::Bad);
        assert_eq!(price_of(b"not json", "/c"), Tick::Bad);
        assert_eq!(price_of(b"42.5", ""), Tick::Price(42.5));
    }
}
