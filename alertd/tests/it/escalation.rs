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

    /// Posts `digits` for call `call_sid` to the Gather action at `path`, signed as Twilio
    /// signs it; returns alertd's TwiML answer.
    async fn press(&self, path: &str, call_sid: &str, digits: &str) -> String {
        self.gather_answer(
            path,
            &[("CallSid", call_sid), ("To", ONCALL), ("Digits", digits)],
        )
        .await
    }

    /// Posts `form` to the Gather action at `path`, signed; returns alertd's TwiML answer.
    async fn gather_answer(&self, path: &str, form: &[(&str, &str)]) -> String {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        let sig = self.real_auth().sign_at(path, body.as_bytes());
        let resp = self
            .http
            .post(format!("{}{path}", self.base))
            .header("X-Twilio-Signature", sig)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 200);
        resp.text().await.unwrap()
    }

    /// The path (under `public_url`) of the Gather action in `twiml`, if it gathers a key.
    fn gather_path(&self, twiml: &str) -> Option<String> {
        let action = gather_action(twiml)?;
        Some(
            action
                .strip_prefix(&self.public_url)
                .unwrap_or_else(|| panic!("{action} is not under {}", self.public_url))
                .to_owned(),
        )
    }
}

/// The `action` of the first `<Gather>` in `twiml`, unescaped.
fn gather_action(twiml: &str) -> Option<String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(twiml);
    loop {
        match reader.read_event().unwrap() {
            Event::Start(e) | Event::Empty(e) if e.name().as_ref() == b"Gather" => {
                return e
                    .try_get_attribute("action")
                    .unwrap()
                    .map(|a| a.unescape_value().unwrap().into_owned());
            }
            Event::Eof => return None,
            _ => {}
        }
    }
}

const CALL_SID: &str = "CA0123456789abcdef0123456789abcdef";

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
    // Run out repeat_delay (5 min) after the last step.
    rig.advance(Duration::from_secs(300));
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
    eventually("step 2 recorded", || rig.escalation().next_step == Some(2)).await;
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
        (
            resumed.short_id.as_str(),
            resumed.last_step,
            resumed.next_step,
            resumed.state
        ),
        (e.short_id.as_str(), Some(1), Some(2), EscalationState::Open)
    );
    rig.advance(Duration::from_secs(179));
    settle().await;
    assert!(rig.calls_to(BACKUP).is_empty());
    rig.advance(Duration::from_secs(1));
    rig.wait_for_call_to(BACKUP, 1).await;
    // The last step has repeat_delay (5 min) to be answered before the escalation runs out.
    rig.advance(Duration::from_secs(300));
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
    let metrics = rig.metrics().await;
    for line in [
        "\nalertd_escalations_started_total 1\n",
        "\nalertd_escalation_steps_total{policy=\"critical\"} 1\n",
        "\nalertd_escalation_acks_total{via=\"api\"} 1\n",
    ] {
        assert!(metrics.contains(line), "{line} in\n{metrics}");
    }
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_downtime_an_overdue_step_goes_at_once_and_the_rest_keep_their_times() {
    let rig = Rig::start().await;
    rig.sim.set_call_script(ONCALL, CallScript::NoAnswer);
    rig.escalating().await;
    let (sim, dir) = rig.stop().await;
    // Down from T0 to T0 + 3 min: the 2 min call was missed.
    let rig = Rig::start_on(sim, dir, T0.after(Duration::from_secs(180))).await;
    // (A tick: the per-From rate limiter spaces sends on the manual clock.)
    settle().await;
    rig.tick();
    rig.wait_for_call_to(ONCALL, 1).await;
    // The backup's call stays at T0 + 5 min, as documented, not 3 min after the late one.
    rig.advance(Duration::from_secs(118));
    settle().await;
    assert!(rig.calls_to(BACKUP).is_empty(), "{:?}", rig.sim.calls());
    rig.advance(Duration::from_secs(1));
    rig.wait_for_call_to(BACKUP, 1).await;
    let e = rig.escalation();
    assert_eq!((e.last_step, e.next_step), (Some(2), Some(3)));
}

/// SMS the on-call, call them after 2 min, once; then the managers are told.
const POLICY_WITH_FALLBACK: &str = r#"
[[rosters]]
name = "oncall"
numbers = ["+15551230001"]

[[rosters]]
name = "managers"
numbers = ["+15551230007"]

[[escalations]]
name = "critical"
repeat_delay = "5m"
on_exhausted = "managers"
steps = [
  { channel = "sms", to = "oncall", after = "0s" },
  { channel = "voice", to = "oncall", after = "2m" },
]
"#;

/// A rig whose route escalates with [`POLICY_WITH_FALLBACK`] and whose receiver texts the
/// on-call too (so silences and resolutions show in what it is sent).
async fn rig_with(policy: &str, receiver_sms: &str) -> Rig {
    let launch = Launch {
        manual_clock_at: Some(T0),
        extra_env: &[],
    };
    SimApp::launch(
        start_sim().await,
        tempfile::tempdir().unwrap(),
        &launch,
        |wiring| {
            format!(
                r#"
{server}
{twilio_head}from = "{TWILIO_NUMBER}"
mps = 1000.0

{policy}

{KEEP_FIRING}

[[receivers]]
name = "pager"
sms = [{receiver_sms}]

[route]
receiver = "pager"
group_wait = "0s"
group_interval = "10s"
escalation = "critical"
"#,
                server = wiring.server,
                twilio_head = wiring.twilio,
            )
        },
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_out_escalation_tells_the_fallback_logs_and_counts() {
    let rig = rig_with(POLICY_WITH_FALLBACK, "").await;
    rig.sim.set_call_script(ONCALL, CallScript::NoAnswer);
    let e = rig.escalating().await;
    rig.advance(Duration::from_secs(120));
    rig.wait_for_call_to(ONCALL, 1).await;
    rig.advance(Duration::from_secs(299));
    settle().await;
    assert_eq!(rig.escalation().state, EscalationState::Open, "not yet");
    rig.advance(Duration::from_secs(1));
    rig.wait_for_state(EscalationState::Exhausted).await;
    let told = rig
        .sim
        .wait_for(WAIT, |v| {
            v.messages().find(|m| m.to == "+15551230007").cloned()
        })
        .await
        .unwrap();
    assert!(
        told.body.starts_with(&format!(
            "Nobody acknowledged {}: BoilerOverTemp",
            e.short_id
        )),
        "{}",
        told.body
    );
    assert!(
        rig.metrics()
            .await
            .contains(r#"alertd_escalations_exhausted_total{policy="critical"} 1"#)
    );
    // The manager may acknowledge it.
    let reply = rig
        .sim
        .send_inbound_sms(
            "+15551230007",
            TWILIO_NUMBER,
            "ACK",
            &format!("{}/twilio/inbound", rig.base),
        )
        .await
        .unwrap();
    assert_eq!(reply.response_status, 200);
    rig.wait_for_state(EscalationState::Acked).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silencing_a_whole_group_stops_paging_without_a_resolved_message() {
    let rig = rig_with(POLICY, "\"+15551230005\"").await;
    rig.alert("firing").await;
    let receiver = "+15551230005";
    // Two texts from one From at one instant: the rate limiter spaces them on the clock.
    for _ in 0..2 {
        settle().await;
        rig.tick();
    }
    eventually("the receiver's and the on-call's texts", || {
        rig.texts_to(receiver).len() == 1 && rig.texts_to(ONCALL).len() == 1
    })
    .await;
    let e = rig.escalation();
    let (status, body) = rig
        .post_json(
            "/api/v1/silences",
            &json!({"matchers": ["alertname=\"BoilerOverTemp\""], "duration": "1h",
                "createdBy": "test", "comment": "maintenance"}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    // The group's next flush, and the 2 min call's time, pass.
    rig.advance(Duration::from_secs(130));
    let silenced = rig.wait_for_state(EscalationState::Silenced).await;
    assert_eq!(silenced.short_id, e.short_id);
    settle().await;
    assert_eq!(
        rig.texts_to(receiver).len(),
        1,
        "no \"[RESOLVED]\" for a silenced alert: {:?}",
        rig.texts_to(receiver)
    );
    assert!(rig.calls_to(ONCALL).is_empty(), "no call while silenced");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_critical_alert_joining_an_acknowledged_group_pages_again() {
    let rig = rig_with(POLICY, "").await;
    let auth = rig.real_auth();
    rig.post_alerts(&json!([{"name": "NodeDownDb1", "severity": "critical",
        "message": "db-1 down"}]))
        .await;
    eventually("the first page", || rig.texts_to(ONCALL).len() == 1).await;
    let first = rig.escalation();
    let ack = sms_reply("SM000000000000000000000000000000b1", ONCALL, "ACK");
    assert_eq!(rig.post_signed(&auth, "/twilio/inbound", &ack).await, 200);
    rig.wait_for_state(EscalationState::Acked).await;
    // The confirmation goes out before the next page: the clock moves past the first page's
    // send (the per-number rate limit), then the confirmation is at the simulator.
    rig.tick();
    eventually("the ack confirmation", || {
        rig.texts_to(ONCALL)
            .iter()
            .any(|m| m.body.starts_with("Acked"))
    })
    .await;
    rig.tick();
    rig.post_alerts(&json!([{"name": "NodeDownDb2", "severity": "critical",
        "message": "db-2 down"}]))
        .await;
    // The group's next flush.
    rig.advance(Duration::from_secs(10));
    eventually("a second escalation", || {
        rig.escalation().short_id != first.short_id
    })
    .await;
    let second = rig.escalation();
    assert_eq!(second.state, EscalationState::Open);
    let page = rig
        .sim
        .wait_for(WAIT, |v| {
            v.messages()
                .find(|m| m.to == ONCALL && m.body.contains(&second.short_id))
                .cloned()
        })
        .await
        .unwrap();
    assert!(page.body.contains("db-2"), "{}", page.body);
    assert!(
        !page.body.contains("db-1"),
        "the acknowledged alert is left out: {}",
        page.body
    );
    let first_now = rig.store().escalation(&first.short_id).unwrap().unwrap();
    assert_eq!(first_now.state, EscalationState::Acked);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_says_what_still_fires_when_it_is_made() {
    let rig = rig_with(POLICY, "").await;
    rig.sim.set_call_script(ONCALL, CallScript::NoAnswer);
    rig.post_alerts(&json!([
        {"name": "NodeDownDb1", "severity": "critical", "message": "db-1 down"},
        {"name": "NodeDownDb2", "severity": "critical", "message": "db-2 down"},
    ]))
    .await;
    eventually("the first page", || rig.texts_to(ONCALL).len() == 1).await;
    rig.post_alerts(&json!([{"name": "NodeDownDb2", "severity": "critical",
        "message": "db-2 down", "status": "resolved"}]))
        .await;
    rig.advance(Duration::from_secs(120));
    let call = rig.wait_for_call_to(ONCALL, 1).await;
    let twiml = call.twiml.clone().unwrap_or_default();
    assert!(twiml.contains("1 alert firing"), "{twiml}");
    assert!(!twiml.contains("NodeDownDb2"), "{twiml}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_key_prompts_again_twice_then_the_call_hangs_up() {
    let rig = Rig::start().await;
    let e = rig.escalating().await;
    let first = format!("/twilio/voice/gather?e={}", e.short_id);
    let again = rig.press(&first, CALL_SID, "9").await;
    assert!(again.contains("That key does not do anything"), "{again}");
    assert!(again.contains("Press 1 to acknowledge"), "{again}");
    assert!(
        again.contains("BoilerOverTemp"),
        "the alert is said again: {again}"
    );
    let second = rig.gather_path(&again).expect("a new Gather");
    assert_eq!(second, format!("/twilio/voice/gather?e={}&n=2", e.short_id));

    let third_prompt = rig.press(&second, CALL_SID, "9").await;
    let third = rig.gather_path(&third_prompt).expect("a new Gather");
    assert_eq!(third, format!("/twilio/voice/gather?e={}&n=3", e.short_id));

    let last = rig.press(&third, CALL_SID, "9").await;
    assert_eq!(rig.gather_path(&last), None, "no fourth prompt: {last}");
    assert!(
        last.contains("Goodbye") && last.contains("<Hangup"),
        "{last}"
    );
    assert_eq!(rig.escalation().state, EscalationState::Open);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pressing_1_at_a_repeated_prompt_acknowledges() {
    let rig = Rig::start().await;
    let e = rig.escalating().await;
    let first = format!("/twilio/voice/gather?e={}", e.short_id);
    let again = rig.press(&first, CALL_SID, "7").await;
    let second = rig.gather_path(&again).expect("a new Gather");
    let answer = rig.press(&second, CALL_SID, "1").await;
    assert!(answer.contains("Acknowledged"), "{answer}");
    let acked = rig.wait_for_state(EscalationState::Acked).await;
    assert_eq!(
        (acked.acked_by.as_deref(), acked.acked_via.as_deref()),
        (Some(ONCALL), Some("voice"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answering_machine_is_never_asked_again() {
    let rig = Rig::start().await;
    let e = rig.escalating().await;
    let first = format!("/twilio/voice/gather?e={}", e.short_id);
    let form = [
        ("CallSid", CALL_SID),
        ("To", ONCALL),
        ("Digits", "9"),
        ("AnsweredBy", "machine_end_beep"),
    ];
    let answer = rig.gather_answer(&first, &form).await;
    assert_eq!(rig.gather_path(&answer), None, "{answer}");
    assert!(answer.contains("<Hangup"), "{answer}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gather_posted_without_a_key_prompts_again() {
    let rig = Rig::start().await;
    let e = rig.escalating().await;
    let first = format!("/twilio/voice/gather?e={}", e.short_id);
    let again = rig.press(&first, CALL_SID, "").await;
    assert!(again.contains("No key was pressed"), "{again}");
    assert_eq!(
        rig.gather_path(&again).as_deref(),
        Some(format!("/twilio/voice/gather?e={}&n=2", e.short_id).as_str())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_callee_who_presses_a_wrong_key_is_asked_again_and_acks_in_the_same_call() {
    let rig = Rig::start().await;
    rig.sim.set_call_script(
        ONCALL,
        CallScript::Answer {
            digits: vec!["9".into(), "5".into(), "1".into()],
        },
    );
    rig.escalating().await;
    rig.advance(Duration::from_secs(120));
    let call = rig.wait_for_call_to(ONCALL, 1).await;
    let acked = rig.wait_for_state(EscalationState::Acked).await;
    assert_eq!(acked.acked_via.as_deref(), Some("voice"));
    let call = rig
        .sim
        .wait_for(WAIT, |v| {
            v.call(&call.sid)
                .filter(|c| c.heard.iter().any(|h| h.starts_with("Acknowledged")))
                .cloned()
        })
        .await
        .unwrap();
    assert_eq!(call.digits_sent, ["9", "5", "1"]);
    let asked_again = call
        .heard
        .iter()
        .filter(|h| h.starts_with("That key does not do anything"))
        .count();
    assert_eq!(asked_again, 2, "{:?}", call.heard);
    rig.advance(Duration::from_secs(600));
    settle().await;
    assert!(rig.calls_to(BACKUP).is_empty(), "no call to the backup");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_wrong_keys_end_the_call_and_the_escalation_goes_on() {
    let rig = Rig::start().await;
    rig.sim.set_call_script(
        ONCALL,
        CallScript::Answer {
            digits: vec!["9".into(), "9".into(), "9".into(), "1".into()],
        },
    );
    rig.escalating().await;
    rig.advance(Duration::from_secs(120));
    let call = rig.wait_for_call_to(ONCALL, 1).await;
    let call = rig
        .sim
        .wait_for_call_status(&call.sid, twilio_sim::CallStatus::Completed, WAIT)
        .await
        .unwrap();
    assert_eq!(call.digits_sent, ["9", "9", "9"], "{:?}", call.heard);
    assert_eq!(rig.escalation().state, EscalationState::Open);
    rig.advance(Duration::from_secs(180));
    rig.wait_for_call_to(BACKUP, 1).await;
}
