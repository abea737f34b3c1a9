//! Notification templates end to end against tests/twilio-sim: a receiver's own SMS template
//! writes the text that reaches the phone, an escalation policy's writes the step SMS (the
//! ACK line still added after it), and a template that fails on an alert's labels still lets
//! the default text out and is counted on /metrics.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use crate::common::sim_app::SimApp;
use crate::common::{KEEP_FIRING, T0};
use alertd::domain::escalation::EscalationState;
use alertd::store::EscalationStore;
use serde_json::json;
use twilio_sim::{CallScript, Direction, MessageRecord};

const WAIT: Duration = Duration::from_secs(10);
const ONCALL: &str = "+15551230001";

/// alertd whose `oncall` receiver has `receiver_keys` and whose route escalates with a
/// one-step SMS policy with `policy_keys` (when given).
async fn launch(receiver_keys: &str, policy_keys: Option<&str>) -> SimApp {
    launch_with_step(receiver_keys, policy_keys, "sms").await
}

/// Like [`launch`], the policy's one step on `channel`.
async fn launch_with_step(receiver_keys: &str, policy_keys: Option<&str>, channel: &str) -> SimApp {
    let (policy, escalation) = match policy_keys {
        Some(keys) => (
            format!(
                "[[escalations]]\nname = \"page\"\n{keys}\nsteps = [{{ channel = \"{channel}\", to = \"+15551230002\", after = \"0s\" }}]\n"
            ),
            "escalation = \"page\"",
        ),
        None => (String::new(), ""),
    };
    SimApp::start_manual(
        T0,
        "",
        &format!(
            r#"
{KEEP_FIRING}
{policy}
[[receivers]]
name = "oncall"
sms = ["{ONCALL}"]
{receiver_keys}

[route]
receiver = "oncall"
group_by = ["alertname"]
group_wait = "0s"
{escalation}
"#
        ),
    )
    .await
}

async fn first_text_to(rig: &SimApp, number: &str) -> MessageRecord {
    rig.sim
        .wait_for(WAIT, |v| {
            v.messages()
                .find(|m| m.to == number && m.direction == Direction::OutboundApi)
                .cloned()
        })
        .await
        .unwrap_or_else(|_| panic!("no text to {number}: {:?}", rig.outbox()))
}

fn boiler(room: &str) -> serde_json::Value {
    json!([{"labels": {"alertname": "BoilerOverTemp", "severity": "critical", "room": room},
        "annotations": {"summary": "boiler at 92.5C"}}])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_template_writes_the_sms() {
    let template = r#"sms_template = """
{{ status | upper }}: {{ firingCount }} x {{ groupLabels.alertname }}
{% for a in firing %}
{{ a.labels.room | one_line }} {{ a.annotations.summary }} ({{ a.fingerprint[:4] }})
{% endfor %}
{{ externalURL }}/api/v1/alerts"""
"#;
    let rig = launch(template, None).await;
    rig.post_alerts(&boiler("3")).await;
    let msg = first_text_to(&rig, ONCALL).await;
    let lines: Vec<&str> = msg.body.lines().collect();
    assert_eq!(lines[0], "FIRING: 1 x BoilerOverTemp", "{}", msg.body);
    assert!(lines[1].starts_with("3 boiler at 92.5C ("), "{}", msg.body);
    assert_eq!(lines[2], format!("{}/api/v1/alerts", rig.public_url));
    let metrics = rig.metrics().await;
    assert!(
        !metrics.contains("alertd_template_failures_total{"),
        "{metrics}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_template_failing_on_a_label_sends_the_default_text_and_is_counted() {
    // `int` refuses a room that is not a number: the template fails on this alert only.
    let rig = launch(
        "sms_template = \"Room {{ firing[0].labels.room | int + 1 }}\"",
        None,
    )
    .await;
    rig.post_alerts(&boiler("boiler-3")).await;
    let msg = first_text_to(&rig, ONCALL).await;
    assert_eq!(
        msg.body,
        "[FIRING:1] BoilerOverTemp (critical)\n- room=boiler-3: boiler at 92.5C"
    );
    let metrics = rig.metrics().await;
    assert!(
        metrics.contains("alertd_template_failures_total{template=\"receiver/oncall/sms\"} 1"),
        "{metrics}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_policy_template_writes_the_step_sms_and_the_ack_line_stays() {
    let rig = launch(
        "",
        Some("sms_template = \"Page {{ shortId }} ({{ policy }} step {{ step }}): {{ firing[0].labels.alertname }} in room {{ commonLabels.room }}\""),
    )
    .await;
    rig.post_alerts(&boiler("3")).await;
    // The group's SMS and the step's go out from one number: the second waits its turn.
    let group = first_text_to(&rig, ONCALL).await;
    rig.advance(Duration::from_secs(1));
    let step = first_text_to(&rig, "+15551230002").await;
    let e = rig
        .store()
        .recent_escalations(1)
        .map(|mut v| v.remove(0))
        .unwrap();
    assert_eq!(
        step.body,
        format!(
            "Page {id} (page step 1): BoilerOverTemp in room 3\nReply ACK {id} to acknowledge",
            id = e.short_id
        )
    );
    // The receiver has no template of its own: its text is the default.
    assert!(
        group
            .body
            .starts_with("[FIRING:1] BoilerOverTemp (critical)"),
        "{}",
        group.body
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_policy_call_template_cannot_break_the_call_or_its_keypresses() {
    // Markup in the template (or a label) is spoken as text, never run as TwiML.
    let rig = launch_with_step(
        "",
        Some(r#"voice_template = "Pump_3 <Hangup/> & room {{ firing[0].labels.room }} ({{ policy }})""#),
        "voice",
    )
    .await;
    rig.sim
        .set_call_script("+15551230002", CallScript::answer_and_press("1"));
    rig.post_alerts(&boiler("</Say><Hangup/>")).await;
    first_text_to(&rig, ONCALL).await;
    rig.advance(Duration::from_secs(1));
    let call = rig
        .sim
        .wait_for(WAIT, |v| {
            v.calls().find(|c| c.to == "+15551230002").cloned()
        })
        .await
        .unwrap();
    crate::common::eventually("acknowledged by the keypress", || {
        rig.store()
            .recent_escalations(1)
            .is_ok_and(|e| e[0].state == EscalationState::Acked)
    })
    .await;
    rig.advance(Duration::from_secs(1));
    let call = rig
        .sim
        .wait_for(WAIT, |v| {
            v.call(&call.sid)
                .filter(|c| c.heard.iter().any(|h| h.starts_with("Acknowledged")))
                .cloned()
        })
        .await
        .unwrap();
    assert_eq!(
        call.heard[0], "Pump 3  Hangup/   and  room  /Say  Hangup/  (page)",
        "{:?}",
        call.heard
    );
}
