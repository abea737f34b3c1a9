//! alertd against tests/twilio-sim over real TLS: the Twilio sender, retries, permanent
//! failures, rate limits and signed status callbacks, end to end.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use crate::common::sim_app::{Launch, SimApp, receivers_or_oncall, start_sim};
use crate::common::{KEEP_FIRING, T0, eventually, settle};
use alertd::domain::outbox::OutboxState;
use alertd::store::OutboxStore;
use serde_json::json;
use twilio_sim::{Endpoint, FaultKind, FaultRule, MessageStatus, RateLimitConfig, Simulator};

const WAIT: Duration = Duration::from_secs(10);

type Rig = SimApp;

impl Rig {
    async fn launch_with(route: &str, receivers: &str, twilio: &str, manual_clock: bool) -> Self {
        Self::launch_on(
            start_sim().await,
            tempfile::tempdir().unwrap(),
            route,
            receivers,
            twilio,
            manual_clock,
        )
        .await
    }

    async fn launch_on(
        sim: Simulator,
        dir: tempfile::TempDir,
        route: &str,
        receivers: &str,
        twilio: &str,
        manual_clock: bool,
    ) -> Self {
        let receivers = receivers_or_oncall(receivers);
        let launch = Launch {
            manual_clock_at: manual_clock.then_some(T0),
            extra_env: &[],
        };
        SimApp::launch(sim, dir, &launch, |wiring| {
            format!(
                r#"
{server}
{twilio_head}from = "+15005550006"
retry_base = "1s"
retry_max = "10s"
{twilio}

{receivers}

{KEEP_FIRING}
[route]
receiver = "oncall"
group_by = ["alertname"]
{group_wait}
{route}
"#,
                group_wait = if route.contains("group_wait") {
                    ""
                } else {
                    "group_wait = \"0s\""
                },
                server = wiring.server,
                twilio_head = wiring.twilio,
            )
        })
        .await
    }

    async fn post_alert(&self, body: serde_json::Value) {
        self.post_alerts(&body).await;
    }
}

fn hot() -> serde_json::Value {
    json!([{"name": "BoilerOverTemp", "value": 92.5, "severity": "critical", "message": "boiler-3 at 92.5C"}])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alert_in_sms_out_with_to_from_and_body() {
    let rig = Rig::launch_with("", "", "", true).await;
    rig.post_alert(hot()).await;
    let msg = rig
        .sim
        .wait_for(WAIT, |v| v.messages().next().cloned())
        .await
        .unwrap();
    assert_eq!(
        (msg.to.as_str(), msg.from.as_str()),
        ("+15551230001", "+15005550006")
    );
    assert_eq!(
        msg.body,
        "[FIRING:1] BoilerOverTemp (critical)\n- boiler-3 at 92.5C"
    );
    eventually("request logged", || !rig.message_posts().is_empty()).await;
    let post = &rig.message_posts()[0];
    assert_eq!(
        post.form_value("StatusCallback"),
        Some(format!("{}/twilio/status", rig.base).as_str())
    );
    eventually("recorded as sent", || {
        rig.app()
            .store
            .recent_outbox(1)
            .unwrap()
            .first()
            .is_some_and(|m| m.sid.as_deref() == Some(msg.sid.as_str()))
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_alert_100_times_is_one_sms() {
    let rig = Rig::launch_with("", "", "", true).await;
    for _ in 0..100 {
        rig.post_alert(hot()).await;
    }
    rig.sim
        .wait_for(WAIT, |v| v.messages().next().cloned())
        .await
        .unwrap();
    settle().await;
    rig.advance(Duration::from_secs(600));
    settle().await;
    assert_eq!(rig.sim.messages().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_group_of_alerts_is_one_batched_sms() {
    let rig = Rig::launch_with("group_wait = \"30s\"", "", "", true).await;
    let alerts: Vec<_> = (1..=4)
        .map(|i| json!({"labels": {"alertname": "PumpDown", "pump": format!("p{i}")}, "annotations": {"summary": format!("pump {i} stopped")}}))
        .collect();
    rig.post_alert(json!(alerts)).await;
    rig.advance(Duration::from_secs(30));
    let msg = rig
        .sim
        .wait_for(WAIT, |v| v.messages().next().cloned())
        .await
        .unwrap();
    assert!(msg.body.starts_with("[FIRING:4] PumpDown"), "{}", msg.body);
    for i in 1..=4 {
        assert!(
            msg.body.contains(&format!("pump=p{i}: pump {i} stopped")),
            "{}",
            msg.body
        );
    }
    settle().await;
    assert_eq!(rig.sim.messages().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resolved_sends_a_resolution_sms() {
    let rig = Rig::launch_with("", "", "", true).await;
    rig.post_alert(hot()).await;
    rig.sim
        .wait_for(WAIT, |v| v.messages().next().cloned())
        .await
        .unwrap();
    rig.post_alert(
        json!([{"name": "BoilerOverTemp", "severity": "critical", "status": "resolved"}]),
    )
    .await;
    rig.advance(Duration::from_secs(300));
    let msg = rig
        .sim
        .wait_for(WAIT, |v| v.messages().nth(1).cloned())
        .await
        .unwrap();
    assert!(
        msg.body.starts_with("[RESOLVED] BoilerOverTemp"),
        "{}",
        msg.body
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silenced_alert_sends_nothing() {
    let rig = Rig::launch_with("", "", "", true).await;
    let resp = rig
        .http
        .post(format!("{}/api/v1/silences", rig.base))
        .header("Content-Type", "application/json")
        .body(json!({"matchers": ["alertname=\"BoilerOverTemp\""], "duration": "2h"}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 201);
    rig.post_alert(hot()).await;
    settle().await;
    rig.advance(Duration::from_secs(600));
    settle().await;
    assert!(rig.sim.requests().is_empty(), "{:?}", rig.sim.requests());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn voice_receivers_get_a_call_that_speaks_the_alert() {
    let receivers = "[[receivers]]\nname = \"oncall\"\nvoice = [\"+15551230001\"]\n";
    let rig = Rig::launch_with("", receivers, "", true).await;
    rig.post_alert(hot()).await;
    let call = rig
        .sim
        .wait_for(WAIT, |v| v.calls().next().cloned())
        .await
        .unwrap();
    assert_eq!(
        (call.to.as_str(), call.from.as_str()),
        ("+15551230001", "+15005550006")
    );
    let twiml = call.twiml.unwrap_or_default();
    assert!(
        twiml.contains("<Say>This is alertd. 1 alert firing: BoilerOverTemp."),
        "{twiml}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_429_and_500_are_retried_until_delivered() {
    let rig = Rig::launch_with("", "", "", true).await;
    rig.sim.add_fault(FaultRule::next(
        1,
        Endpoint::CreateMessage,
        FaultKind::TooManyRequests {
            retry_after_secs: Some(2),
        },
    ));
    rig.sim.add_fault(FaultRule::next(
        1,
        Endpoint::CreateMessage,
        FaultKind::ServerError {
            status: 500,
            retry_after_secs: None,
        },
    ));
    rig.post_alert(hot()).await;
    eventually("the 429", || rig.message_posts().len() == 1).await;
    eventually("retry scheduled", || {
        rig.app()
            .store
            .recent_outbox(1)
            .unwrap()
            .first()
            .is_some_and(|m| m.attempts == 1)
    })
    .await;
    rig.advance(Duration::from_secs(11));
    eventually("the 500", || rig.message_posts().len() == 2).await;
    eventually("retry scheduled", || {
        rig.app().store.recent_outbox(1).unwrap()[0].attempts == 2
    })
    .await;
    rig.advance(Duration::from_secs(11));
    let msg = rig
        .sim
        .wait_for(WAIT, |v| v.messages().next().cloned())
        .await
        .unwrap();
    eventually("three requests logged", || rig.message_posts().len() == 3).await;
    let statuses: Vec<u16> = rig.message_posts().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [429, 500, 201]);
    eventually("sent", || {
        rig.app().store.recent_outbox(1).unwrap()[0].state == OutboxState::Sent
    })
    .await;
    assert_eq!(
        rig.app().store.recent_outbox(1).unwrap()[0].sid.as_deref(),
        Some(msg.sid.as_str())
    );
    let metrics = rig.metrics().await;
    assert!(
        metrics.contains("alertd_notifications_retried_total{channel=\"sms\"} 2"),
        "{metrics}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn error_21211_is_recorded_and_not_retried() {
    let receivers = "[[receivers]]\nname = \"oncall\"\nsms = [\"+15005550001\"]\n";
    let rig = Rig::launch_with("", receivers, "", true).await;
    rig.post_alert(hot()).await;
    eventually("failure recorded", || {
        rig.app()
            .store
            .recent_outbox(1)
            .unwrap()
            .first()
            .is_some_and(|m| m.state == OutboxState::Failed)
    })
    .await;
    let row = rig.app().store.recent_outbox(1).unwrap().remove(0);
    assert_eq!(row.error_code, Some(21211));
    rig.advance(Duration::from_secs(3600));
    settle().await;
    assert_eq!(rig.message_posts().len(), 1, "no retry");
    let metrics = rig.metrics().await;
    assert!(
        metrics.contains("alertd_notifications_failed_total{channel=\"sms\",code=\"21211\"} 1"),
        "{metrics}"
    );
}

/// The one outbox row of `rig` whose send is `state`.
fn row_in(rig: &Rig, state: OutboxState) -> Option<alertd::domain::outbox::OutboxMessage> {
    rig.app()
        .store
        .recent_outbox(10)
        .unwrap()
        .into_iter()
        .find(|m| m.state == state)
}

/// Looks in the simulator's list of messages made so far.
fn message_lists(rig: &Rig) -> usize {
    rig.sim
        .requests()
        .iter()
        .filter(|r| r.method == "GET" && r.path.ends_with("/Messages.json"))
        .count()
}

/// Steps the manual clock `n` times by 30 s (the reconciler's look at unconfirmed sends),
/// letting each pass run.
async fn step_lookups(rig: &Rig, n: usize) {
    for _ in 0..n {
        rig.advance(Duration::from_secs(30));
        settle().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_send_twilio_acted_on_whose_answer_was_lost_is_found_in_its_list_not_sent_again() {
    let rig = Rig::launch_with("", "", "", true).await;
    rig.post_alert(hot()).await;
    eventually("first alert sent", || {
        row_in(&rig, OutboxState::Sent).is_some()
    })
    .await;
    // The next request goes over the kept connection; the simulator acts on it, then closes
    // the connection without answering.
    rig.sim.add_fault(FaultRule::next(
        1,
        Endpoint::CreateMessage,
        FaultKind::CloseWithoutResponse,
    ));
    rig.post_alert(
        json!([{"name": "PumpStopped", "severity": "critical", "message": "pump-1 stopped"}]),
    )
    .await;
    // Past the one-message-a-second rate limit.
    rig.advance(Duration::from_secs(2));
    eventually("outcome unconfirmed", || {
        row_in(&rig, OutboxState::Unconfirmed).is_some()
    })
    .await;
    let id = row_in(&rig, OutboxState::Unconfirmed).unwrap().id;
    step_lookups(&rig, 3).await;
    eventually("found in Twilio's list", || {
        rig.app()
            .store
            .outbox_message(id)
            .unwrap()
            .is_some_and(|m| m.state == OutboxState::Sent)
    })
    .await;
    rig.advance(Duration::from_secs(3600));
    settle().await;
    let pump: Vec<_> = rig
        .sim
        .messages()
        .into_iter()
        .filter(|m| m.body.contains("PumpStopped"))
        .collect();
    assert_eq!(pump.len(), 1, "reached Twilio once: {pump:?}");
    assert_eq!(rig.message_posts().len(), 2, "no second POST");
    let row = rig.app().store.outbox_message(id).unwrap().unwrap();
    assert_eq!(row.sid.as_deref(), Some(pump[0].sid.as_str()));
    assert_eq!(row.attempts, 1);
    assert!(
        matches!(
            row.twilio_status.as_deref(),
            Some("queued" | "sent" | "delivered")
        ),
        "{row:?}"
    );
    let metrics = rig.metrics().await;
    for line in [
        "alertd_notifications_failed_total{channel=\"sms\",code=\"unknown\"} 1",
        "alertd_status_lookups_total{channel=\"sms\",result=\"found\"} 1",
    ] {
        assert!(metrics.contains(line), "{line}: {metrics}");
    }
    assert!(!metrics.contains("result=\"resent\""), "{metrics}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_send_twilio_never_acted_on_whose_answer_was_lost_is_sent_again_after_the_settle_delay() {
    let rig = Rig::launch_with("", "", "", true).await;
    rig.sim.add_fault(FaultRule::next(
        1,
        Endpoint::CreateMessage,
        FaultKind::CloseBeforeProcessing,
    ));
    rig.post_alert(hot()).await;
    eventually("outcome unconfirmed", || {
        row_in(&rig, OutboxState::Unconfirmed).is_some()
    })
    .await;
    assert!(rig.sim.messages().is_empty());
    // A look 30 s after the attempt finds nothing yet; it is too soon to be sure.
    step_lookups(&rig, 1).await;
    eventually("looked at Twilio's list", || message_lists(&rig) >= 1).await;
    settle().await;
    assert_eq!(rig.message_posts().len(), 1);
    assert!(row_in(&rig, OutboxState::Unconfirmed).is_some());
    // The next look, past the settle delay, decides: Twilio has none, so it is sent again.
    step_lookups(&rig, 2).await;
    let msg = rig
        .sim
        .wait_for(WAIT, |v| v.messages().next().cloned())
        .await
        .unwrap();
    eventually("sent with the new SID", || {
        row_in(&rig, OutboxState::Sent).is_some_and(|m| m.sid.as_deref() == Some(msg.sid.as_str()))
    })
    .await;
    rig.advance(Duration::from_secs(3600));
    settle().await;
    assert_eq!(rig.sim.messages().len(), 1, "exactly one message at Twilio");
    assert_eq!(
        rig.message_posts().len(),
        2,
        "the lost POST and the one sent again"
    );
    let metrics = rig.metrics().await;
    assert!(
        metrics.contains("alertd_status_lookups_total{channel=\"sms\",result=\"resent\"} 1"),
        "{metrics}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_twilio_placed_whose_answer_was_lost_is_found_in_its_list_not_placed_again() {
    let receivers = "[[receivers]]\nname = \"oncall\"\nvoice = [\"+15551230001\"]\n";
    let rig = Rig::launch_with("", receivers, "", true).await;
    rig.sim.add_fault(FaultRule::next(
        1,
        Endpoint::CreateCall,
        FaultKind::CloseWithoutResponse,
    ));
    rig.post_alert(hot()).await;
    eventually("outcome unconfirmed", || {
        row_in(&rig, OutboxState::Unconfirmed).is_some()
    })
    .await;
    step_lookups(&rig, 3).await;
    let call = rig
        .sim
        .wait_for(WAIT, |v| v.calls().next().cloned())
        .await
        .unwrap();
    eventually("found in Twilio's list of calls", || {
        row_in(&rig, OutboxState::Sent).is_some_and(|m| m.sid.as_deref() == Some(call.sid.as_str()))
    })
    .await;
    rig.advance(Duration::from_secs(3600));
    settle().await;
    assert_eq!(rig.sim.calls().len(), 1, "one call");
    let lists = rig
        .sim
        .requests()
        .iter()
        .filter(|r| r.method == "GET" && r.path.ends_with("/Calls.json"))
        .map(|r| r.query.clone().unwrap_or_default())
        .collect::<Vec<_>>();
    assert_eq!(
        lists.first().map(String::as_str),
        Some("To=%2B15551230001&From=%2B15005550006&PageSize=20"),
        "{lists:?}"
    );
    let posts = rig
        .sim
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/Calls.json"))
        .count();
    assert_eq!(posts, 1, "no second POST");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn while_twilios_list_cannot_be_read_a_send_whose_answer_was_lost_is_not_sent_again() {
    let rig = Rig::launch_with("", "", "", true).await;
    rig.sim.add_fault(FaultRule::next(
        1,
        Endpoint::CreateMessage,
        FaultKind::CloseBeforeProcessing,
    ));
    rig.sim.add_fault(FaultRule::next(
        4,
        Endpoint::ListMessages,
        FaultKind::ServerError {
            status: 503,
            retry_after_secs: None,
        },
    ));
    rig.post_alert(hot()).await;
    eventually("outcome unconfirmed", || {
        row_in(&rig, OutboxState::Unconfirmed).is_some()
    })
    .await;
    for looks in 1..=4 {
        step_lookups(&rig, 1).await;
        eventually("looked at Twilio's list", || message_lists(&rig) >= looks).await;
    }
    settle().await;
    assert_eq!(message_lists(&rig), 4, "one look per 30 s");
    assert_eq!(
        rig.message_posts().len(),
        1,
        "not sent again while the list fails"
    );
    assert!(row_in(&rig, OutboxState::Unconfirmed).is_some());
    // The list answers again: it has none, so the alert goes out.
    step_lookups(&rig, 1).await;
    rig.sim
        .wait_for(WAIT, |v| v.messages().next().cloned())
        .await
        .unwrap();
    eventually("sent", || row_in(&rig, OutboxState::Sent).is_some()).await;
    assert_eq!(rig.message_posts().len(), 2);
    let metrics = rig.metrics().await;
    assert!(
        metrics.contains("alertd_status_lookups_total{channel=\"sms\",result=\"retry\"} 4"),
        "{metrics}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signed_callbacks_update_delivery_and_forged_ones_get_403() {
    let rig = Rig::launch_with("", "", "", true).await;
    rig.post_alert(hot()).await;
    let msg = rig
        .sim
        .wait_for(WAIT, |v| v.messages().next().cloned())
        .await
        .unwrap();
    rig.sim
        .wait_for_message_status(&msg.sid, MessageStatus::Delivered, WAIT)
        .await
        .unwrap();
    eventually("delivered recorded", || {
        rig.app().store.recent_outbox(1).unwrap()[0]
            .twilio_status
            .as_deref()
            == Some("delivered")
    })
    .await;
    let accepted = rig
        .sim
        .callbacks()
        .iter()
        .filter(|c| c.response_status == Some(200))
        .count();
    assert!(accepted >= 1, "{:?}", rig.sim.callbacks());
    let forged = rig
        .http
        .post(format!("{}/twilio/status", rig.base))
        .header("X-Twilio-Signature", "bm90IGEgc2lnbmF0dXJlIGF0IGFsbA==")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(format!(
            "MessageSid={}&MessageStatus=failed&ErrorCode=30008",
            msg.sid
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status().as_u16(), 403);
    assert_eq!(
        rig.app().store.recent_outbox(1).unwrap()[0]
            .twilio_status
            .as_deref(),
        Some("delivered")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sends_never_exceed_the_configured_mps() {
    const MPS: f64 = 5.0;
    let numbers: Vec<String> = (0..8).map(|i| format!("\"+1555123001{i}\"")).collect();
    let receivers = format!(
        "[[receivers]]\nname = \"oncall\"\nsms = [{}]\n",
        numbers.join(", ")
    );
    let rig = Rig::launch_with("", &receivers, &format!("mps = {MPS}"), false).await;
    let mut limits = RateLimitConfig::default();
    limits.per_number.insert("+15005550006".into(), MPS);
    rig.sim.set_rate_limit(Some(limits));
    rig.post_alert(hot()).await;
    rig.sim
        .wait_for(Duration::from_secs(20), |v| {
            (v.messages().count() == 8).then_some(())
        })
        .await
        .unwrap();
    let posts = rig.message_posts();
    assert!(
        posts.iter().all(|r| r.status == 201),
        "the simulator's limiter never answered 429"
    );
    let times: Vec<_> = posts.iter().map(|r| r.received_at).collect();
    // No one-second window at the receiver holds more than MPS sends: any MPS + 1 consecutive
    // arrivals span at least a second (the limiter's 3% margin absorbs send jitter).
    for w in times.windows(6) {
        let span = w[5].duration_since(w[0]).unwrap_or_default();
        assert!(span >= Duration::from_secs(1), "6 sends within {span:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undelivered_outbox_is_delivered_after_restart() {
    let rig = Rig::launch_with("", "", "", true).await;
    rig.sim.add_fault(FaultRule::next(
        100,
        Endpoint::CreateMessage,
        FaultKind::ServerError {
            status: 503,
            retry_after_secs: None,
        },
    ));
    rig.post_alert(hot()).await;
    eventually("a failed attempt", || {
        rig.app()
            .store
            .recent_outbox(1)
            .unwrap()
            .first()
            .is_some_and(|m| m.attempts >= 1)
    })
    .await;
    let (sim, dir) = rig.stop().await;
    sim.clear_faults();
    assert!(sim.messages().is_empty());
    let rig = Rig::launch_on(sim, dir, "", "", "", true).await;
    assert_eq!(
        rig.app().store.recent_outbox(1).unwrap()[0].state,
        OutboxState::Pending
    );
    rig.advance(Duration::from_secs(600));
    let msg = rig
        .sim
        .wait_for(WAIT, |v| v.messages().next().cloned())
        .await
        .unwrap();
    assert_eq!(msg.to, "+15551230001");
    eventually("sent after restart", || {
        rig.app().store.recent_outbox(1).unwrap()[0].state == OutboxState::Sent
    })
    .await;
    settle().await;
    assert_eq!(
        rig.sim.messages().len(),
        1,
        "exactly one SMS: the restored alert is not notified again"
    );
}

/// Waits until the simulator has `sid` at `status` and alertd's row for it is on disk as sent;
/// returns that row's Twilio status.
async fn sent_row_status(rig: &Rig, sid: &str) -> Option<String> {
    eventually("recorded as sent", || {
        rig.outbox()
            .iter()
            .any(|m| m.sid.as_deref() == Some(sid) && m.state == OutboxState::Sent)
    })
    .await;
    row_status(rig, sid)
}

fn row_status(rig: &Rig, sid: &str) -> Option<String> {
    rig.outbox()
        .into_iter()
        .find(|m| m.sid.as_deref() == Some(sid))
        .and_then(|m| m.twilio_status)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_sms_whose_status_callbacks_were_lost_is_looked_up_after_30_minutes() {
    let rig = Rig::launch_with("", "", "", true).await;
    rig.sim.set_status_callbacks_lost(true);
    rig.post_alert(hot()).await;
    let msg = rig
        .sim
        .wait_for(WAIT, |v| v.messages().next().cloned())
        .await
        .unwrap();
    rig.sim
        .wait_for_message_status(&msg.sid, MessageStatus::Delivered, WAIT)
        .await
        .unwrap();
    assert_eq!(
        sent_row_status(&rig, &msg.sid).await.as_deref(),
        Some("queued")
    );
    rig.advance(Duration::from_secs(29 * 60));
    settle().await;
    assert_eq!(
        row_status(&rig, &msg.sid).as_deref(),
        Some("queued"),
        "not looked up before it has been quiet for 30 minutes"
    );
    rig.advance(Duration::from_secs(60));
    eventually("the SMS looked up", || {
        row_status(&rig, &msg.sid).as_deref() == Some("delivered")
    })
    .await;
    let fetches: Vec<_> = rig
        .sim
        .requests()
        .into_iter()
        .filter(|r| r.method == "GET")
        .map(|r| r.path)
        .collect();
    assert_eq!(
        fetches,
        [format!(
            "/2010-04-01/Accounts/{}/Messages/{}.json",
            rig.sim.account_sid(),
            msg.sid
        )]
    );
    assert!(
        rig.metrics()
            .await
            .contains("alertd_status_lookups_total{channel=\"sms\",result=\"updated\"} 1"),
        "{}",
        rig.metrics().await
    );
    // Settled: never looked up again.
    rig.advance(Duration::from_secs(3 * 60 * 60));
    settle().await;
    assert_eq!(
        rig.sim
            .requests()
            .iter()
            .filter(|r| r.method == "GET")
            .count(),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_whose_status_callbacks_were_lost_is_looked_up_after_10_minutes() {
    let receivers = "[[receivers]]\nname = \"oncall\"\nvoice = [\"+15551230001\"]\n";
    let rig = Rig::launch_with("", receivers, "", true).await;
    rig.sim.set_status_callbacks_lost(true);
    rig.post_alert(hot()).await;
    let call = rig
        .sim
        .wait_for(WAIT, |v| v.calls().next().cloned())
        .await
        .unwrap();
    rig.sim
        .wait_for_call_status(&call.sid, twilio_sim::CallStatus::Completed, WAIT)
        .await
        .unwrap();
    assert_eq!(
        sent_row_status(&rig, &call.sid).await.as_deref(),
        Some("queued")
    );
    rig.advance(Duration::from_secs(9 * 60));
    settle().await;
    assert_eq!(row_status(&rig, &call.sid).as_deref(), Some("queued"));
    rig.advance(Duration::from_secs(60));
    eventually("the call looked up", || {
        row_status(&rig, &call.sid).as_deref() == Some("completed")
    })
    .await;
    assert!(
        rig.metrics()
            .await
            .contains("alertd_status_lookups_total{channel=\"voice\",result=\"updated\"} 1")
    );
}
