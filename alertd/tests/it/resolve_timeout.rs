//! Alerts posted without `endsAt` resolve `[alerts] resolve_timeout` (5m by default) after
//! they were last posted, as Alertmanager's do: the receiver gets the resolution and a critical
//! alert's escalation ends, exactly as when the alert is resolved explicitly. Posting again
//! within the timeout keeps the alert firing. The clock is manual: no test waits for a timer.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use crate::common::sim_app::{Launch, SimApp, start_sim};
use crate::common::{T0, eventually, settle};
use alertd::clock::Clock;
use alertd::domain::escalation::{Escalation, EscalationState};
use alertd::store::{AlertStore, EscalationStore};
use serde_json::json;
use twilio_sim::{CallScript, Direction, MessageRecord};

const WAIT: Duration = Duration::from_secs(10);
const ONCALL: &str = "+15551230001";
const BACKUP: &str = "+15551230002";
const MINUTE: Duration = Duration::from_secs(60);

/// The on-call is texted about the group (firing and resolved, every 2 minutes at most); the
/// policy texts them at once, then calls the backup at 4 and 8 minutes. `[alerts]` is left at
/// its default.
async fn start() -> SimApp {
    let launch = Launch {
        manual_clock_at: Some(T0),
        extra_env: &[],
    };
    let rig = SimApp::launch(
        start_sim().await,
        tempfile::tempdir().unwrap(),
        &launch,
        |wiring| {
            format!(
                r#"
{server}
{twilio_head}from = "+15005550006"
mps = 1000.0

[[rosters]]
name = "oncall"
numbers = ["{ONCALL}"]

[[escalations]]
name = "critical"
steps = [
  {{ channel = "sms", to = "oncall", after = "0s" }},
  {{ channel = "voice", to = "{BACKUP}", after = "4m" }},
  {{ channel = "voice", to = "{BACKUP}", after = "8m" }},
]

[[receivers]]
name = "oncall"
sms = ["{ONCALL}"]

[route]
receiver = "oncall"
group_by = ["alertname"]
group_wait = "0s"
group_interval = "2m"
escalation = "critical"
"#,
                server = wiring.server,
                twilio_head = wiring.twilio,
            )
        },
    )
    .await;
    rig.sim.set_call_script(BACKUP, CallScript::NoAnswer);
    rig
}

/// Posts the critical alert without `endsAt` (nor a status).
async fn post_firing(rig: &SimApp) {
    let body = json!([{"labels": {"alertname": "BoilerOverTemp", "severity": "critical"},
        "annotations": {"summary": "boiler-3 at 92.5C"}}]);
    rig.post_alerts(&body).await;
}

fn texts_to_oncall(rig: &SimApp) -> Vec<MessageRecord> {
    rig.sim
        .messages()
        .into_iter()
        .filter(|m| m.to == ONCALL && m.direction == Direction::OutboundApi)
        .collect()
}

fn calls_to_backup(rig: &SimApp) -> usize {
    rig.sim.calls().iter().filter(|c| c.to == BACKUP).count()
}

fn escalation(rig: &SimApp) -> Escalation {
    rig.store().recent_escalations(1).unwrap().remove(0)
}

/// Posts the alert and waits for the group's SMS and the escalation's first text (a second
/// apart: the per-From rate limiter spaces sends on the manual clock).
async fn firing_and_escalating(rig: &SimApp) {
    post_firing(rig).await;
    eventually("a first text", || texts_to_oncall(rig).len() == 1).await;
    rig.advance(Duration::from_secs(1));
    eventually("the firing SMS and the escalation's first text", || {
        texts_to_oncall(rig).len() == 2
    })
    .await;
    assert_eq!(escalation(rig).state, EscalationState::Open);
}

fn resolved_texts(rig: &SimApp) -> Vec<MessageRecord> {
    texts_to_oncall(rig)
        .into_iter()
        .filter(|m| m.body.starts_with("[RESOLVED]"))
        .collect()
}

async fn wait_for_resolved_text(rig: &SimApp) -> MessageRecord {
    rig.sim
        .wait_for(WAIT, |v| {
            v.messages()
                .find(|m| m.to == ONCALL && m.body.starts_with("[RESOLVED]"))
                .cloned()
        })
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_alert_not_posted_again_resolves_after_resolve_timeout_and_its_escalation_ends() {
    let mut rig = start().await;
    firing_and_escalating(&rig).await;
    rig.advance(Duration::from_secs(4 * 60 - 1));
    rig.sim
        .wait_for(WAIT, |v| v.calls().find(|c| c.to == BACKUP).cloned())
        .await
        .unwrap();
    rig.advance(Duration::from_secs(59));
    settle().await;
    assert_eq!(
        escalation(&rig).state,
        EscalationState::Open,
        "firing until 5 minutes have passed"
    );

    // 5 minutes after the post, between two flushes of the group: the escalation ends at
    // once, as an explicit resolution's does.
    rig.advance(Duration::from_secs(1));
    eventually("the escalation ends with the alert", || {
        escalation(&rig).state == EscalationState::Resolved
    })
    .await;
    settle().await;
    assert!(
        resolved_texts(&rig).is_empty(),
        "the resolution goes out with the group's next flush"
    );
    rig.advance(MINUTE);
    let resolved = wait_for_resolved_text(&rig).await;
    assert!(
        resolved.body.contains("BoilerOverTemp"),
        "{}",
        resolved.body
    );
    eventually("the resolved alert is forgotten", || {
        rig.store().active_alerts().unwrap().is_empty()
    })
    .await;

    rig.advance(10 * MINUTE);
    settle().await;
    assert_eq!(calls_to_backup(&rig), 1, "no call after the resolution");
    assert_eq!(
        texts_to_oncall(&rig).len(),
        3,
        "firing, the escalation's text, resolved: {:?}",
        texts_to_oncall(&rig)
    );
    rig.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_alert_posted_again_every_minute_keeps_firing_until_the_posts_stop() {
    let mut rig = start().await;
    firing_and_escalating(&rig).await;
    for _ in 0..15 {
        rig.advance(MINUTE);
        post_firing(&rig).await;
    }
    eventually("both calls to the backup", || calls_to_backup(&rig) == 2).await;
    settle().await;
    let alerts = rig.store().active_alerts().unwrap();
    assert_eq!(alerts.len(), 1);
    assert!(
        !alerts[0].is_resolved_at(rig.clock().now()),
        "{:?}",
        alerts[0]
    );
    assert_eq!(alerts[0].starts_at, T0, "one episode since the first post");
    assert_eq!(
        escalation(&rig).state,
        EscalationState::Exhausted,
        "every step ran; nothing resolved it"
    );
    assert!(resolved_texts(&rig).is_empty());

    // The posts stop: 5 minutes after the last one, the alert resolves.
    rig.advance(Duration::from_secs(5 * 60 - 1));
    settle().await;
    assert!(resolved_texts(&rig).is_empty());
    rig.advance(Duration::from_secs(1));
    eventually("resolved 5 minutes after the last post", || {
        rig.store()
            .active_alerts()
            .unwrap()
            .iter()
            .all(|a| a.is_resolved_at(rig.clock().now()))
    })
    .await;
    rig.advance(2 * MINUTE);
    wait_for_resolved_text(&rig).await;
    rig.shutdown().await;
}
