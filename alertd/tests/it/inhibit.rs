//! Inhibition against tests/twilio-sim on the manual clock: a "site down" alert mutes that
//! site's sensor alerts (texts and escalations) but not another site's, and once it resolves
//! the muted alerts notify at their group's next flush.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use crate::common::sim_app::SimApp;
use crate::common::{KEEP_FIRING, T0, eventually, settle_for};
use alertd::domain::escalation::EscalationState;
use alertd::store::EscalationStore;
use serde_json::{Value, json};
use twilio_sim::Direction;

const ONCALL: &str = "+15551230001";
const BACKUP: &str = "+15551230002";

/// Texts `ONCALL` per group; every critical group also escalates: `BACKUP` is texted at once
/// and again after ten minutes.
async fn start() -> SimApp {
    SimApp::start_manual(
        T0,
        "",
        &format!(
            r#"
{KEEP_FIRING}
[[inhibit_rules]]
source_matchers = ['alertname="SiteDown"']
target_matchers = ['kind="sensor"']
equal = ["site"]

[[escalations]]
name = "page"
steps = [
  {{ channel = "sms", to = "{BACKUP}", after = "0s" }},
  {{ channel = "sms", to = "{BACKUP}", after = "10m" }},
]

[[receivers]]
name = "oncall"
sms = ["{ONCALL}"]

[route]
receiver = "oncall"
group_by = ["alertname", "site"]
group_wait = "0s"
group_interval = "5m"
escalation = "page"
"#
        ),
    )
    .await
}

fn site_down(site: &str) -> Value {
    json!({"labels": {"alertname": "SiteDown", "site": site, "severity": "critical"},
        "annotations": {"summary": format!("{site} site unreachable")}})
}

fn sensor_stale(site: &str) -> Value {
    json!({"labels": {"alertname": "SensorStale", "site": site, "kind": "sensor", "severity": "critical"},
        "annotations": {"summary": format!("{site} sensor stale")}})
}

fn resolved(mut alert: Value) -> Value {
    alert["status"] = json!("resolved");
    alert
}

/// Texts to `number` that contain `text`.
fn texts(app: &SimApp, number: &str, text: &str) -> usize {
    app.sim
        .messages()
        .into_iter()
        .filter(|m| {
            m.to == number && m.direction == Direction::OutboundApi && m.body.contains(text)
        })
        .count()
}

/// Moves the clock `d` ahead, then a second at a time until `done` (the sender spaces sends
/// from one number on the manual clock, so of several messages written at one instant each
/// after the first waits for the clock to move).
async fn advance_until(app: &SimApp, d: Duration, what: &str, done: impl Fn() -> bool) {
    app.advance(d);
    for _ in 0..20 {
        if done() {
            break;
        }
        settle_for(Duration::from_millis(40)).await;
        app.advance(Duration::from_secs(1));
    }
    eventually(what, done).await;
}

/// Lets anything written now go out, moving the clock a few seconds.
async fn drain(app: &SimApp) {
    for _ in 0..5 {
        settle_for(Duration::from_millis(40)).await;
        app.advance(Duration::from_secs(1));
    }
}

#[tokio::test]
async fn a_site_down_alert_mutes_that_sites_sensors_until_it_resolves() {
    let app = start().await;
    app.post_alerts(&json!([
        site_down("north"),
        sensor_stale("north"),
        sensor_stale("south")
    ]))
    .await;
    advance_until(
        &app,
        Duration::ZERO,
        "site down and the south sensor texted and paged",
        || {
            texts(&app, ONCALL, "north site unreachable") == 1
                && texts(&app, ONCALL, "south sensor stale") == 1
                && texts(&app, BACKUP, "north site unreachable") == 1
                && texts(&app, BACKUP, "south sensor stale") == 1
        },
    )
    .await;
    drain(&app).await;
    assert_eq!(texts(&app, ONCALL, "north sensor stale"), 0, "inhibited");
    assert_eq!(
        texts(&app, BACKUP, "north sensor stale"),
        0,
        "inhibited: no escalation"
    );

    // Still inhibited at the next flush.
    app.advance(Duration::from_secs(300) - Duration::from_secs(5));
    drain(&app).await;
    assert_eq!(texts(&app, ONCALL, "north sensor stale"), 0);

    // The site comes back at 6 min; the sensor alert notifies and pages at the flush at 10 min.
    app.advance(Duration::from_secs(60) - Duration::from_secs(5));
    app.post_alerts(&json!([resolved(site_down("north"))]))
        .await;
    drain(&app).await;
    assert_eq!(
        texts(&app, ONCALL, "north sensor stale"),
        0,
        "waits for the flush"
    );
    advance_until(
        &app,
        Duration::from_secs(240) - Duration::from_secs(5),
        "the north sensor texted and paged once its site is back",
        || {
            texts(&app, ONCALL, "north sensor stale") == 1
                && texts(&app, BACKUP, "north sensor stale") == 1
        },
    )
    .await;
    assert!(
        app.sim
            .messages()
            .iter()
            .any(|m| m.to == ONCALL && m.body.starts_with("[RESOLVED] SiteDown")),
        "the source's resolution is texted too"
    );
}

#[tokio::test]
async fn a_running_escalation_whose_alert_becomes_inhibited_closes_as_silenced() {
    let app = start().await;
    app.post_alerts(&json!([sensor_stale("east")])).await;
    advance_until(&app, Duration::ZERO, "the east sensor paged", || {
        texts(&app, BACKUP, "east sensor stale") == 1
    })
    .await;
    // The site goes down two minutes later: the sensor alert is inhibited from then on.
    app.advance(Duration::from_secs(120));
    app.post_alerts(&json!([site_down("east")])).await;
    advance_until(&app, Duration::ZERO, "site down texted", || {
        texts(&app, ONCALL, "east site unreachable") == 1
    })
    .await;
    // Past the second step (10 min): it is not sent about the inhibited alert.
    app.advance(Duration::from_secs(9 * 60));
    drain(&app).await;
    assert_eq!(
        texts(&app, BACKUP, "east sensor stale"),
        1,
        "no second page"
    );
    let escalations = app.store().recent_escalations(10).unwrap();
    let sensor = escalations
        .iter()
        .find(|e| e.alert_name == "SensorStale")
        .unwrap();
    assert_eq!(sensor.state, EscalationState::Silenced);
}
