//! Undelivered notifications survive a restart and are delivered after it.

use std::sync::Arc;
use std::time::Duration;

use crate::common::{Harness, KEEP_FIRING, config, eventually, no_env};
use alertd::domain::outbox::OutboxState;
use alertd::outbox::{BoxFuture, Outbound, SendOutcome, Sender};
use alertd::store::OutboxStore;
use serde_json::json;

/// Twilio is down: every attempt is a Retry.
struct Down;

impl Sender for Down {
    fn rate_key(&self) -> &'static str {
        "+15005550006"
    }
    fn send<'a>(&'a self, _msg: &'a Outbound<'a>) -> BoxFuture<'a, SendOutcome> {
        Box::pin(async {
            SendOutcome::Retry {
                after: None,
                code: Some(503),
                reason: "503 Service Unavailable".into(),
            }
        })
    }
}

#[tokio::test]
async fn outbox_is_delivered_after_restart() {
    let mut first = Harness::start_with(
        config("", KEEP_FIRING),
        Some(Arc::new(Down)),
        no_env(),
        None,
    )
    .await;
    let body = json!([{"name": "Hot", "severity": "critical", "message": "31C"}]).to_string();
    assert_eq!(first.post("/api/v1/alerts", body).await.0, 202);
    eventually("a failed attempt", || {
        first
            .app()
            .store
            .recent_outbox(1)
            .unwrap()
            .first()
            .is_some_and(|m| m.attempts == 1)
    })
    .await;
    first.shutdown().await;
    let dir = std::mem::replace(&mut first.dir, tempfile::tempdir().unwrap());

    let second = Harness::start_with(config("", KEEP_FIRING), None, no_env(), Some(dir)).await;
    let pending = second.app().store.recent_outbox(10).unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].state, OutboxState::Pending);
    second.clock.advance(Duration::from_secs(600));
    eventually("delivered after restart", || second.dry_sent().len() == 1).await;
    assert_eq!(second.dry_sent()[0].to, "+15551230001");
    eventually("recorded as sent", || {
        second.app().store.recent_outbox(1).unwrap()[0].state == OutboxState::Sent
    })
    .await;
    // The restored alert does not notify twice: the notification log remembers it.
    second.clock.advance(Duration::from_secs(60));
    crate::common::settle().await;
    assert_eq!(second.dry_sent().len(), 1);
}
