//! Escalation with acknowledgement, end to end against tests/twilio-sim over real
//! TLS: scripted call answers (`CallScript`), inbound SMS replies, signed webhooks, a manual
//! clock (no test waits for a timer), and a restart over the same SQLite file.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use crate::common::sim_app::{Launch, SimApp, start_sim};
use crate::common::{KEEP_FIRING, T0, eventually, settle};
use alertd::clock::Clock;
use alertd::domain::escalation::{Escalation, EscalationState};
use alertd::http::webhooks::WebhookAuth;
use alertd::store::{EscalationStore, OutboxStore};
use serde_json::json;
use twilio_sim::{CallRecord, CallScript, Direction, MessageRecord, Simulator};

const WAIT: Duration = Duration::from_secs(10);
const ONCALL: &str = "+15551230001";
const BACKUP: &str = "+15551230002";
const TWILIO_NUMBER: &str = "+15005550006";

/// SMS the on-call now, call them after 2 min, call the backup after 5 min (one pass).
const POLICY: &str = r#"
[[rosters]]
name = "oncall"
numbers = ["+15551230001"]

[[escalations]]
name = "critical"
steps = [
  { channel = "sms", to = "oncall", after = "0s" },
  { channel = "voice", to = "oncall", after = "2m" },
  { channel = "voice", to = "+15551230002", after = "5m" },
]
"#;

type Rig = SimApp;

impl Rig {
    async fn start() -> Self {
        Self::start_on(start_sim().await, tempfile::tempdir().unwrap(), T0).await
    }

    /// alertd over `dir`'s database, its clock standing at `now`.
    async fn start_on(
        sim: Simulator,
        dir: tempfile::TempDir,
        now: alertd::domain::time::Timestamp,
    ) -> Self {
        let launch = Launch {
            manual_clock_at: Some(now),
            extra_env: &[],
        };
        SimApp::launch(sim, dir, &launch, |wiring| {
            format!(
                r#"
{server}
{twilio_head}from = "{TWILIO_NUMBER}"
mps = 1000.0

{POLICY}
{KEEP_FIRING}
[[receivers]]
name = "log-only"

[route]
receiver = "log-only"
group_by = ["alertname"]
group_wait = "0s"
escalation = "critical"
"#,
                server = wiring.server,
                twilio_head = wiring.twilio,
            )
        })
        .await
    }

    async fn alert(&self, status: &str) {
        let body = json!([{"name": "BoilerOverTemp", "severity": "critical", "status": status,
            "message": "boiler-3 at 92.5C"}]);
        self.post_alerts(&body).await;
    }

    fn escalation(&self) -> Escalation {
        self.store().recent_escalations(1).unwrap().remove(0)
    }

    fn texts_to(&self, number: &str) -> Vec<MessageRecord> {
        self.sim
            .messages()
            .into_iter()
            .filter(|m| m.to == number && m.direction == Direction::OutboundApi)
            .collect()
    }

    fn calls_to(&self, number: &str) -> Vec<CallRecord> {
        self.sim
            .calls()
            .into_iter()
            .filter(|c| c.to == number)
            .collect()
    }

    /// Fires the alert and waits for the first step's SMS; returns the escalation.
    async fn escalating(&self) -> Escalation {
        self.alert("firing").await;
        self.sim
            .wait_for(WAIT, |v| {
                v.messages()
                    .find(|m| m.to == ONCALL && m.direction == Direction::OutboundApi)
                    .cloned()
            })
            .await
            .unwrap();
        self.escalation()
    }

    async fn wait_for_call_to(&self, number: &str, n: usize) -> CallRecord {
        self.sim
            .wait_for(WAIT, |v| {
                v.calls().filter(|c| c.to == number).nth(n - 1).cloned()
            })
            .await
            .unwrap_or_else(|_| panic!("no call #{n} to {number}: {:?}", self.sim.calls()))
    }

    async fn wait_for_state(&self, state: EscalationState) -> Escalation {
        eventually(&format!("escalation {state:?}"), || {
            self.escalation().state == state
        })
        .await;
        self.escalation()
    }

    /// Moves the clock a second: the per-From rate limiter spaces sends on the (manual)
    /// clock, so a send right after another at the same instant waits for time to move.
    fn tick(&self) {
        self.advance(Duration::from_secs(1));
    }

    /// Posts a form to alertd signed for `path` with `auth` (the simulator's token, or not).
    async fn post_signed(&self, auth: &WebhookAuth, path: &str, form: &[(&str, &str)]) -> u16 {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        let sig = auth.sign_at(path, body.as_bytes());
        self.http
            .post(format!("{}{path}", self.base))
            .header("X-Twilio-Signature", sig)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }

    fn real_auth(&self) -> WebhookAuth {
        WebhookAuth::new(&self.base, self.sim.auth_token())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answered_and_pressed_1_acks_and_the_backup_is_never_called() {
    let rig = Rig::start().await;
    rig.sim
        .set_call_script(ONCALL, CallScript::answer_and_press("1"));
    let e = rig.escalating().await;
    let sms = &rig.texts_to(ONCALL)[0];
    assert!(
        sms.body.starts_with("[FIRING:1] BoilerOverTemp (critical)"),
        "{}",
        sms.body
    );
    assert!(
        sms.body
            .ends_with(&format!("Reply ACK {} to acknowledge", e.short_id)),
        "{}",
        sms.body
    );
    assert_eq!(rig.calls_to(ONCALL).len(), 0, "the call waits 2 minutes");

    rig.advance(Duration::from_secs(120));
    let call = rig.wait_for_call_to(ONCALL, 1).await;
    assert_eq!(call.machine_detection.as_deref(), Some("Enable"));
    let acked = rig.wait_for_state(EscalationState::Acked).await;
    assert_eq!(
        (acked.acked_by.as_deref(), acked.acked_via.as_deref()),
        (Some(ONCALL), Some("voice"))
    );
    rig.tick();
    let call = rig
        .sim
        .wait_for(WAIT, |v| {
            v.call(&call.sid)
                .filter(|c| c.heard.iter().any(|h| h.starts_with("Acknowledged")))
                .cloned()
        })
        .await
        .unwrap();
    assert!(
        call.heard[0].contains("BoilerOverTemp"),
        "the call says the alert: {:?}",
        call.heard
    );
    let confirmation = rig
        .sim
        .wait_for(WAIT, |v| {
            v.messages()
                .find(|m| m.to == ONCALL && m.body.starts_with("Acked"))
                .cloned()
        })
        .await
        .unwrap();
    assert_eq!(
        confirmation.body,
        format!("Acked {}: BoilerOverTemp", e.short_id)
    );

    rig.advance(Duration::from_secs(600));
    settle().await;
    assert!(rig.calls_to(BACKUP).is_empty(), "no call to the backup");
    assert_eq!(rig.calls_to(ONCALL).len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_answer_calls_the_backup_after_the_configured_delay() {
    let rig = Rig::start().await;
    rig.sim.set_call_script(ONCALL, CallScript::NoAnswer);
    rig.escalating().await;
    rig.advance(Duration::from_secs(120));
    rig.wait_for_call_to(ONCALL, 1).await;
    rig.advance(Duration::from_secs(179));
    settle().await;
    assert!(rig.calls_to(BACKUP).is_empty(), "backup not before 5 min");
    rig.advance(Duration::from_secs(1));
    let backup = rig.wait_for_call_to(BACKUP, 1).await;
    assert_eq!(backup.from, TWILIO_NUMBER);
    let e = rig.wait_for_state(EscalationState::Exhausted).await;
    let contacts = rig.store().escalation_contacts(e.id).unwrap();
    let reached: Vec<(&str, &str)> = contacts
        .iter()
        .map(|c| (c.number.as_str(), c.channel.as_str()))
        .collect();
    assert_eq!(
        reached,
        [(ONCALL, "sms"), (ONCALL, "voice"), (BACKUP, "voice")]
    );
    assert_eq!(
        contacts[2].due_at,
        T0.after(Duration::from_secs(300)),
        "the backup step was due 5 min after the start"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn voicemail_is_not_an_ack_and_the_escalation_goes_on() {
    let rig = Rig::start().await;
    rig.sim.set_call_script(ONCALL, CallScript::Machine);
    let e = rig.escalating().await;
    rig.advance(Duration::from_secs(120));
    let call = rig.wait_for_call_to(ONCALL, 1).await;
    let call = rig
        .sim
        .wait_for(WAIT, |v| {
            v.call(&call.sid)
                .filter(|c| c.answered_by.is_some())
                .cloned()
        })
        .await
        .unwrap();
    assert_eq!(call.answered_by.as_deref(), Some("machine_start"));
    // Even a correctly signed keypress from a machine (a beep read as a 1) does not ack.
    let path = format!("/twilio/voice/gather?e={}", e.short_id);
    let status = rig
        .post_signed(
            &rig.real_auth(),
            &path,
            &[
                ("CallSid", &call.sid),
                ("To", ONCALL),
                ("Digits", "1"),
                ("AnsweredBy", "machine_start"),
            ],
        )
        .await;
    assert_eq!(status, 200);
    settle().await;
    assert_eq!(rig.escalation().state, EscalationState::Open);
    rig.advance(Duration::from_secs(180));
    rig.wait_for_call_to(BACKUP, 1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sms_ack_reply_stops_the_escalation_and_only_contacted_numbers_may_ack() {
    let rig = Rig::start().await;
    let e = rig.escalating().await;
    let inbound = format!("{}/twilio/inbound", rig.base);
    // A number the alert never went to cannot ack it, even with the right id.
    let stranger = rig
        .sim
        .send_inbound_sms(
            "+15551239999",
            TWILIO_NUMBER,
            &format!("ACK {}", e.short_id),
            &inbound,
        )
        .await
        .unwrap();
    assert_eq!(stranger.response_status, 200);
    assert!(
        stranger.response_body.contains("was sent to this number"),
        "{}",
        stranger.response_body
    );
    assert_eq!(rig.escalation().state, EscalationState::Open);

    let reply = rig
        .sim
        .send_inbound_sms(ONCALL, TWILIO_NUMBER, "ack", &inbound)
        .await
        .unwrap();
    assert_eq!(reply.response_status, 200, "{}", reply.response_body);
    let acked = rig.wait_for_state(EscalationState::Acked).await;
    assert_eq!(
        (acked.acked_by.as_deref(), acked.acked_via.as_deref()),
        (Some(ONCALL), Some("sms"))
    );
    rig.tick();
    rig.sim
        .wait_for(WAIT, |v| {
            v.messages()
                .find(|m| {
                    m.to == ONCALL && m.body == format!("Acked {}: BoilerOverTemp", e.short_id)
                })
                .cloned()
        })
        .await
        .unwrap();
    // A second ACK is told who already acknowledged.
    let again = rig
        .sim
        .send_inbound_sms(
            ONCALL,
            TWILIO_NUMBER,
            &format!("ACK {}", e.short_id),
            &inbound,
        )
        .await
        .unwrap();
    assert!(
        again
            .response_body
            .contains("already acknowledged by +15551230001"),
        "{}",
        again.response_body
    );
    rig.advance(Duration::from_secs(900));
    settle().await;
    assert!(rig.sim.calls().is_empty(), "{:?}", rig.sim.calls());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_gather_and_inbound_webhooks_get_403_and_change_nothing() {
    let rig = Rig::start().await;
    let e = rig.escalating().await;
    let forger = WebhookAuth::new(&rig.base, "not-the-auth-token-xxxxxxxxxxxxxx");
    let gather = format!("/twilio/voice/gather?e={}", e.short_id);
    let ack = [("CallSid", "CA00"), ("To", ONCALL), ("Digits", "1")];
    assert_eq!(rig.post_signed(&forger, &gather, &ack).await, 403);
    // A genuine signature for another URL (another escalation's id) does not carry over.
    let other = rig.real_auth().sign_at(
        "/twilio/voice/gather?e=ZZZZZ",
        b"CallSid=CA00&To=%2B15551230001&Digits=1",
    );
    let swapped = rig
        .http
        .post(format!("{}{gather}", rig.base))
        .header("X-Twilio-Signature", other)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("CallSid=CA00&To=%2B15551230001&Digits=1")
        .send()
        .await
        .unwrap();
    assert_eq!(swapped.status().as_u16(), 403);
    let sms = [
        ("MessageSid", "SM00"),
        ("From", ONCALL),
        ("To", TWILIO_NUMBER),
        ("Body", "ACK"),
    ];
    assert_eq!(rig.post_signed(&forger, "/twilio/inbound", &sms).await, 403);
    let unsigned = rig
        .http
        .post(format!("{}/twilio/inbound", rig.base))
        .body("MessageSid=SM00&From=%2B15551230001&To=%2B15005550006&Body=ACK")
        .send()
        .await
        .unwrap();
    assert_eq!(unsigned.status().as_u16(), 403);
    settle().await;
    let still = rig.escalation();
    assert_eq!((still.state, still.acked_by), (EscalationState::Open, None));
    rig.advance(Duration::from_secs(120));
    rig.wait_for_call_to(ONCALL, 1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_in_the_middle_resumes_at_the_right_step() {
    let rig = Rig::start().await;
    rig.sim.set_call_script(ONCALL, CallScript::NoAnswer);
    let e = rig.escalating().await;
    rig.advance(Duration::from_secs(120));
    rig.wait_for_call_to(ONCALL, 1).await;
    eventually("step 2 recorded", || rig.escalation().step == 2).await;
    // The call's acceptance is on disk (a crash between Twilio's answer and that record
    // would resend it: the outbox delivers at least once).
    eventually("call recorded as sent", || {
        rig.store()
            .recent_outbox(1)
            .unwrap()
            .first()
            .is_some_and(|m| m.sid.is_some())
    })
    .await;
    let stopped_at = rig.clock().now();
    let (sim, dir) = rig.stop().await;

    // A new process over the same database, its clock where the old one stopped.
    let rig = Rig::start_on(sim, dir, stopped_at).await;
    settle().await;
    assert_eq!(rig.texts_to(ONCALL).len(), 1, "step 1 is not sent again");
    assert_eq!(rig.calls_to(ONCALL).len(), 1, "step 2 is not sent again");
    let resumed = rig.escalation();
    assert_eq!(
        (resumed.short_id.as_str(), resumed.step, resumed.state),
        (e.short_id.as_str(), 2, EscalationState::Open)
    );
    rig.advance(Duration::from_secs(179));
    settle().await;
    assert!(rig.calls_to(BACKUP).is_empty());
    rig.advance(Duration::from_secs(1));
    rig.wait_for_call_to(BACKUP, 1).await;
    rig.wait_for_state(EscalationState::Exhausted).await;
    settle().await;
    assert_eq!(rig.calls_to(BACKUP).len(), 1);
    assert_eq!(rig.texts_to(ONCALL).len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pressing_2_calls_the_next_step_at_once() {
    let rig = Rig::start().await;
    rig.sim
        .set_call_script(ONCALL, CallScript::answer_and_press("2"));
    rig.escalating().await;
    rig.advance(Duration::from_secs(120));
    rig.wait_for_call_to(ONCALL, 1).await;
    rig.wait_for_state(EscalationState::Exhausted).await;
    // One second later (the rate limiter's spacing), not at 5 min: the backup is called.
    rig.tick();
    rig.wait_for_call_to(BACKUP, 1).await;
    assert!(
        rig.clock().now() < T0.after(Duration::from_secs(300)),
        "before the step's own time"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resolved_alert_ends_its_escalation() {
    let rig = Rig::start().await;
    rig.escalating().await;
    rig.alert("resolved").await;
    rig.wait_for_state(EscalationState::Resolved).await;
    rig.advance(Duration::from_secs(900));
    settle().await;
    assert!(rig.sim.calls().is_empty(), "{:?}", rig.sim.calls());
    // Firing again later is a new escalation.
    rig.alert("firing").await;
    rig.advance(Duration::from_secs(300));
    eventually("a second escalation", || {
        rig.store().recent_escalations(5).unwrap().len() == 2
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_acks_for_an_authenticated_tool_and_tells_who_was_paged() {
    let rig = Rig::start().await;
    let e = rig.escalating().await;
    let ack = |id: String, body: &'static str| {
        rig.http
            .post(format!("{}/api/v1/alerts/{id}/ack", rig.base))
            .header("Content-Type", "application/json")
            .body(body)
            .send()
    };
    let missing = ack("ZZZZZ".into(), "").await.unwrap();
    assert_eq!(missing.status().as_u16(), 404);
    let bad = ack(e.short_id.clone(), "{\"who\": 1}").await.unwrap();
    assert_eq!(bad.status().as_u16(), 400);
    let ok = ack(e.short_id.to_lowercase(), "{\"by\": \"ops-bot\"}")
        .await
        .unwrap();
    assert_eq!(ok.status().as_u16(), 200);
    let body: serde_json::Value = ok.json().await.unwrap();
    assert_eq!(body["escalation"]["state"], "acked");
    assert_eq!(body["escalation"]["acked_by"], "api:ops-bot");
    rig.tick();
    rig.sim
        .wait_for(WAIT, |v| {
            v.messages()
                .find(|m| m.to == ONCALL && m.body.ends_with("(by api:ops-bot)"))
                .cloned()
        })
        .await
        .unwrap();
    let again = ack(e.short_id.clone(), "").await.unwrap();
    assert_eq!(
        again.status().as_u16(),
        409,
        "already acknowledged: a conflict"
    );
    assert!(
        !rig.metrics()
            .await
            .contains("alertd_ingest_rejected_total{status=\"409\"}"),
        "and not a refused request"
    );
    let list = rig.get_json("/api/v1/escalations").await;
    assert_eq!(list[0]["short_id"], e.short_id.as_str());
    assert_eq!(list[0]["acked_via"], "api");
    rig.advance(Duration::from_secs(900));
    settle().await;
    assert!(rig.sim.calls().is_empty());
}

#[tokio::test]
async fn the_ack_api_needs_the_bearer_token_like_the_rest_of_the_api() {
    let h =
        crate::common::Harness::start(crate::common::config("", "bearer_token = \"s3cret\"")).await;
    let url = format!("{}/api/v1/alerts/4F7KQ/ack", h.base);
    let refused = h.http.post(&url).send().await.unwrap();
    assert_eq!(refused.status().as_u16(), 401);
    let allowed = h
        .http
        .post(&url)
        .header("Authorization", "Bearer s3cret")
        .send()
        .await
        .unwrap();
    assert_eq!(
        allowed.status().as_u16(),
        404,
        "authenticated; no such escalation"
    );
}

/// An SMS reply `body` from `from` as Twilio posts it, with a fixed `MessageSid` (what an
/// eavesdropper would capture and replay).
fn sms_reply<'a>(sid: &'a str, from: &'a str, body: &'a str) -> [(&'a str, &'a str); 4] {
    [
        ("MessageSid", sid),
        ("From", from),
        ("To", TWILIO_NUMBER),
        ("Body", body),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replayed_signed_ack_does_not_acknowledge_a_later_escalation() {
    let rig = Rig::start().await;
    let auth = rig.real_auth();
    let first = rig.escalating().await;
    let captured = sms_reply("SM0123456789abcdef0123456789abcdef", ONCALL, "ACK");
    assert_eq!(
        rig.post_signed(&auth, "/twilio/inbound", &captured).await,
        200
    );
    rig.wait_for_state(EscalationState::Acked).await;
    // A new incident pages the same number.
    rig.tick();
    rig.post_alerts(&json!([
        {"name": "PumpStopped", "severity": "critical", "message": "pump-2 stopped"},
    ]))
    .await;
    eventually("a second escalation", || {
        rig.escalation().short_id != first.short_id
    })
    .await;
    let second = rig.escalation();
    rig.tick();
    eventually("the second page", || {
        rig.texts_to(ONCALL)
            .iter()
            .any(|m| m.body.contains("PumpStopped"))
    })
    .await;
    // The captured request, replayed byte for byte with its valid signature.
    assert_eq!(
        rig.post_signed(&auth, "/twilio/inbound", &captured).await,
        200
    );
    settle().await;
    let still = rig.store().escalation(&second.short_id).unwrap().unwrap();
    assert_eq!(
        (still.state, still.acked_by),
        (EscalationState::Open, None),
        "the replay changed nothing"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bare_ack_means_the_latest_message_once_and_only_for_30_minutes() {
    let rig = Rig::start().await;
    let auth = rig.real_auth();
    rig.post_alerts(&json!([
        {"name": "NodeDownDb1", "severity": "critical", "message": "db-1 down"},
    ]))
    .await;
    eventually("the first page", || rig.texts_to(ONCALL).len() == 1).await;
    rig.tick();
    rig.post_alerts(&json!([
        {"name": "NodeDownDb2", "severity": "critical", "message": "db-2 down"},
    ]))
    .await;
    eventually("the second page", || rig.texts_to(ONCALL).len() == 2).await;
    let (older, newer) = {
        let mut all = rig.store().recent_escalations(2).unwrap();
        all.sort_by_key(|e| e.id);
        (all.remove(0), all.remove(0))
    };
    // A double-tap: two ACKs (two messages, two SIDs).
    for sid in [
        "SM000000000000000000000000000000a1",
        "SM000000000000000000000000000000a2",
    ] {
        let reply = sms_reply(sid, ONCALL, "ACK");
        assert_eq!(rig.post_signed(&auth, "/twilio/inbound", &reply).await, 200);
    }
    settle().await;
    let state = |e: &Escalation| rig.store().escalation(&e.short_id).unwrap().unwrap().state;
    assert_eq!(state(&newer), EscalationState::Acked, "the latest page");
    assert_eq!(
        state(&older),
        EscalationState::Open,
        "the second ACK does not reach back to the older incident"
    );
    // Past the window a bare ACK names the alert instead of acknowledging it.
    rig.advance(Duration::from_secs(31 * 60));
    eventually("the older escalation called", || {
        rig.calls_to(ONCALL).len() == 1
    })
    .await;
    rig.advance(Duration::from_secs(31 * 60));
    let late = rig
        .sim
        .send_inbound_sms(
            ONCALL,
            TWILIO_NUMBER,
            "ACK",
            &format!("{}/twilio/inbound", rig.base),
        )
        .await
        .unwrap();
    assert!(
        late.response_body
            .contains(&format!("Reply ACK {}", older.short_id)),
        "{}",
        late.response_body
    );
    assert_ne!(state(&older), EscalationState::Acked);
    let ack_older = format!("ACK {}", older.short_id);
    let with_id = sms_reply("SM000000000000000000000000000000a3", ONCALL, &ack_older);
    assert_eq!(
        rig.post_signed(&auth, "/twilio/inbound", &with_id).await,
        200
    );
    eventually("acked by id", || state(&older) == EscalationState::Acked).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replayed_keypress_does_not_escalate_twice() {
    let rig = Rig::start().await;
    let auth = rig.real_auth();
    let e = rig.escalating().await;
    let gather = format!("/twilio/voice/gather?e={}", e.short_id);
    let press_2 = [
        ("CallSid", "CA0123456789abcdef0123456789abcdef"),
        ("To", ONCALL),
        ("Digits", "2"),
    ];
    assert_eq!(rig.post_signed(&auth, &gather, &press_2).await, 200);
    rig.tick();
    rig.wait_for_call_to(ONCALL, 1).await;
    assert_eq!(rig.post_signed(&auth, &gather, &press_2).await, 200);
    rig.tick();
    settle().await;
    assert!(
        rig.calls_to(BACKUP).is_empty(),
        "the replay did not skip a second step: {:?}",
        rig.sim.calls()
    );
}
