//! Time intervals and quiet hours against tests/twilio-sim on the manual clock: a muted route
//! (or one outside its active intervals) sends at its first flush after the interval, and
//! quiet hours and time intervals in IANA zones end at the same wall-clock time on both sides
//! of a daylight-saving change, in Berlin and in New York.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use crate::common::sim_app::SimApp;
use crate::common::{KEEP_FIRING, eventually, settle};
use alertd::clock::Clock;
use alertd::domain::time::Timestamp;
use serde_json::json;
use twilio_sim::Direction;

const ONCALL: &str = "+15551230001";
const BACKUP: &str = "+15551230002";

fn at(text: &str) -> Timestamp {
    Timestamp::parse_rfc3339(text).unwrap().unwrap()
}

/// alertd with its clock at `now`, `receiver` (TOML keys of the `oncall` receiver), `routes`
/// (child routes of a root that sends to `oncall`) and `extra` top-level config.
async fn start(now: Timestamp, receiver: &str, routes: &str, extra: &str) -> SimApp {
    SimApp::start_manual(
        now,
        "",
        &format!(
            r#"
{KEEP_FIRING}
{extra}
[[receivers]]
name = "oncall"
sms = ["{ONCALL}"]
{receiver}

[route]
receiver = "oncall"
group_by = ["alertname"]
group_wait = "0s"
group_interval = "5m"
{routes}
"#
        ),
    )
    .await
}

/// Texts to `number` that name `alertname`.
fn texts_about(app: &SimApp, number: &str, alertname: &str) -> usize {
    app.sim
        .messages()
        .into_iter()
        .filter(|m| {
            m.to == number && m.direction == Direction::OutboundApi && m.body.contains(alertname)
        })
        .count()
}

/// Moves the manual clock to `to` (not backwards).
fn jump_to(app: &SimApp, to: Timestamp) {
    let now = app.clock().now();
    assert!(to >= now, "{to} is before {now}");
    app.advance(Duration::from_millis(u64::try_from(to.0 - now.0).unwrap()));
}

/// Posts a firing `alertname` of `severity` at `posted` (UTC), then shows that its text goes
/// out at the flush at `sent` and not at the one an interval before.
async fn held_until(app: &SimApp, alertname: &str, severity: &str, posted: &str, sent: &str) {
    jump_to(app, at(posted));
    app.post_alerts(&json!([{"name": alertname, "severity": severity}]))
        .await;
    settle().await;
    assert_eq!(
        texts_about(app, ONCALL, alertname),
        0,
        "{alertname}: held at {posted}"
    );
    let sent = at(sent);
    jump_to(app, Timestamp(sent.0 - 300_000));
    drain(app).await;
    assert_eq!(
        texts_about(app, ONCALL, alertname),
        0,
        "{alertname}: still held an interval before {sent}"
    );
    jump_to(app, sent);
    texted(app, &format!("{alertname} texted at {sent}"), 1, || {
        texts_about(app, ONCALL, alertname)
    })
    .await;
}

/// Waits until `texts` reaches `want`, moving the clock a second at a time: the sender spaces
/// sends from one number on the manual clock, so of several messages written at one instant
/// each after the first waits for the clock to move.
async fn texted(app: &SimApp, what: &str, want: usize, texts: impl Fn() -> usize) {
    for _ in 0..20 {
        if texts() >= want {
            break;
        }
        settle().await;
        app.advance(Duration::from_secs(1));
    }
    eventually(what, || texts() == want).await;
}

/// Gives anything written at this instant the few seconds the sender may need to send it.
async fn drain(app: &SimApp) {
    for _ in 0..5 {
        crate::common::settle_for(Duration::from_millis(40)).await;
        app.advance(Duration::from_secs(1));
    }
}

/// `[[time_intervals]]` "night": 22:00 to 07:00 in `zone`.
fn night_in(zone: &str) -> String {
    format!(
        r#"
[[time_intervals]]
name = "night"
[[time_intervals.time_intervals]]
times = [{{ start_time = "22:00", end_time = "24:00" }}, {{ start_time = "00:00", end_time = "07:00" }}]
location = "{zone}"
"#
    )
}

const MUTED_AT_NIGHT: &str = r#"
[[route.routes]]
matchers = ['alertname=~".+"']
mute_time_intervals = ["night"]
"#;

/// Each case: posted at 23:00 local on a Saturday night, texted at 07:00 local on Sunday. The
/// nights before and of each change, in UTC, worked out by hand.
const BERLIN_NIGHTS: [(&str, &str, &str); 4] = [
    // CET (UTC+1) on both ends.
    (
        "SpringBefore",
        "2026-03-21T22:00:00Z",
        "2026-03-22T06:00:00Z",
    ),
    // Clocks go forward on 29 March: 07:00 CEST is 05:00Z.
    (
        "SpringChange",
        "2026-03-28T22:00:00Z",
        "2026-03-29T05:00:00Z",
    ),
    // CEST (UTC+2) on both ends.
    (
        "AutumnBefore",
        "2026-10-17T21:00:00Z",
        "2026-10-18T05:00:00Z",
    ),
    // Clocks go back on 25 October: 07:00 CET is 06:00Z.
    (
        "AutumnChange",
        "2026-10-24T21:00:00Z",
        "2026-10-25T06:00:00Z",
    ),
];

const NEW_YORK_NIGHTS: [(&str, &str, &str); 4] = [
    // EST (UTC-5) on both ends.
    (
        "SpringBefore",
        "2026-03-01T04:00:00Z",
        "2026-03-01T12:00:00Z",
    ),
    // Clocks go forward on 8 March: 07:00 EDT is 11:00Z.
    (
        "SpringChange",
        "2026-03-08T04:00:00Z",
        "2026-03-08T11:00:00Z",
    ),
    // EDT (UTC-4) on both ends.
    (
        "AutumnBefore",
        "2026-10-25T03:00:00Z",
        "2026-10-25T11:00:00Z",
    ),
    // Clocks go back on 1 November: 07:00 EST is 12:00Z.
    (
        "AutumnChange",
        "2026-11-01T03:00:00Z",
        "2026-11-01T12:00:00Z",
    ),
];

async fn quiet_hours_across_changes(zone: &str, nights: &[(&str, &str, &str)]) {
    let quiet =
        format!("quiet_hours = {{ start = \"22:00\", end = \"07:00\", location = \"{zone}\" }}");
    let app = start(at("2026-02-01T12:00:00Z"), &quiet, "", "").await;
    for (name, posted, sent) in nights {
        held_until(&app, name, "warning", posted, sent).await;
    }
}

async fn time_interval_across_changes(zone: &str, nights: &[(&str, &str, &str)]) {
    let app = start(
        at("2026-02-01T12:00:00Z"),
        "",
        MUTED_AT_NIGHT,
        &night_in(zone),
    )
    .await;
    for (name, posted, sent) in nights {
        // A mute interval holds every severity, critical ones too.
        held_until(&app, name, "critical", posted, sent).await;
    }
}

#[tokio::test]
async fn quiet_hours_in_berlin_end_at_seven_local_across_daylight_saving() {
    quiet_hours_across_changes("Europe/Berlin", &BERLIN_NIGHTS).await;
}

#[tokio::test]
async fn quiet_hours_in_new_york_end_at_seven_local_across_daylight_saving() {
    quiet_hours_across_changes("America/New_York", &NEW_YORK_NIGHTS).await;
}

#[tokio::test]
async fn a_mute_interval_in_berlin_ends_at_seven_local_across_daylight_saving() {
    time_interval_across_changes("Europe/Berlin", &BERLIN_NIGHTS).await;
}

#[tokio::test]
async fn a_mute_interval_in_new_york_ends_at_seven_local_across_daylight_saving() {
    time_interval_across_changes("America/New_York", &NEW_YORK_NIGHTS).await;
}

#[tokio::test]
async fn quiet_hours_let_critical_alerts_through_but_a_mute_interval_does_not() {
    let quiet =
        "quiet_hours = { start = \"22:00\", end = \"07:00\", location = \"Europe/Berlin\" }";
    let app = start(at("2026-03-28T22:00:00Z"), quiet, "", "").await;
    app.post_alerts(&json!([{"name": "Flood", "severity": "critical"}]))
        .await;
    eventually("the critical alert texted in quiet hours", || {
        texts_about(&app, ONCALL, "Flood") == 1
    })
    .await;
}

/// Routes: `team="night-shift"` only notifies from 22:00 to 07:00 UTC and escalates; the
/// rest goes to the root.
const ACTIVE_AT_NIGHT: &str = r#"
[[route.routes]]
matchers = ['team="night-shift"']
active_time_intervals = ["night"]
escalation = "page"
escalation_severities = []
"#;

const PAGE: &str = r#"
[[escalations]]
name = "page"
steps = [{ channel = "sms", to = "+15551230002", after = "0s" }]
"#;

#[tokio::test]
async fn outside_its_active_interval_a_route_waits_to_notify_and_escalate() {
    let extra = format!("{}{PAGE}", night_in("UTC"));
    let app = start(at("2026-01-05T20:58:00Z"), "", ACTIVE_AT_NIGHT, &extra).await;
    app.post_alerts(
        &json!([{"labels": {"alertname": "Tank", "team": "night-shift", "severity": "warning"}}]),
    )
    .await;
    // The root route is not limited: another team's alert goes out at once.
    app.post_alerts(
        &json!([{"labels": {"alertname": "Pump", "team": "day", "severity": "warning"}}]),
    )
    .await;
    eventually("the other route's text", || {
        texts_about(&app, ONCALL, "Pump") == 1
    })
    .await;
    // Flushes at 21:03, 21:08, ... 21:58 are outside the interval.
    app.advance(Duration::from_secs(5 * 60));
    settle().await;
    jump_to(&app, at("2026-01-05T21:58:00Z"));
    drain(&app).await;
    assert_eq!(texts_about(&app, ONCALL, "Tank"), 0);
    assert_eq!(texts_about(&app, BACKUP, "Tank"), 0, "no escalation starts");
    // The first flush inside the interval (22:03) notifies and starts the escalation.
    jump_to(&app, at("2026-01-05T22:03:00Z"));
    texted(&app, "Tank texted and escalated at 22:03", 2, || {
        texts_about(&app, ONCALL, "Tank") + texts_about(&app, BACKUP, "Tank")
    })
    .await;
    assert_eq!(texts_about(&app, BACKUP, "Tank"), 1);
}

#[tokio::test]
async fn a_muted_group_keeps_its_resolution_for_after_the_interval() {
    let extra = night_in("UTC");
    let app = start(at("2026-01-05T21:55:00Z"), "", MUTED_AT_NIGHT, &extra).await;
    app.post_alerts(&json!([{"name": "Valve", "severity": "warning"}]))
        .await;
    eventually("Valve texted before the night", || {
        texts_about(&app, ONCALL, "Valve") == 1
    })
    .await;
    jump_to(&app, at("2026-01-05T23:00:00Z"));
    app.post_alerts(&json!([{"name": "Valve", "severity": "warning", "status": "resolved"}]))
        .await;
    jump_to(&app, at("2026-01-06T06:55:00Z"));
    drain(&app).await;
    assert_eq!(
        texts_about(&app, ONCALL, "Valve"),
        1,
        "the resolution waits"
    );
    jump_to(&app, at("2026-01-06T07:00:00Z"));
    texted(&app, "the resolution texted after 07:00", 2, || {
        texts_about(&app, ONCALL, "Valve")
    })
    .await;
    assert_eq!(texts_about(&app, ONCALL, "[RESOLVED] Valve"), 1);
}
