//! Alertmanager's API v2 end to end against twilio-sim, with the bodies Prometheus's notifier
//! and amtool send: alerts posted as Prometheus posts them reach the receiver's phone, fire
//! while their `endsAt` is ahead and resolve when it passes; listings filter as Alertmanager's
//! do; silences follow Alertmanager's lifecycle; the bearer token guards `/api/v2`; bad input
//! is a 400 whose body is the reason as a JSON string, and stores nothing. The clock is manual.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use crate::common::sim_app::SimApp;
use crate::common::{T0, eventually, settle};
use alertd::clock::Clock;
use alertd::domain::time::Timestamp;
use alertd::store::{AlertStore, SilenceStore};
use serde_json::{Value, json};
use twilio_sim::{Direction, MessageRecord};

const ONCALL: &str = "+15551230001";
const DBA: &str = "+15551230002";
const MINUTE: Duration = Duration::from_secs(60);
const TOKEN: &str = "v2-test-token";

/// alertd texting `oncall`, or `db` for `team="db"`; groups by alertname, flushes at once and
/// every 5 minutes; with the bearer token when `token`.
async fn start(token: bool) -> SimApp {
    let bearer = if token {
        format!("bearer_token = \"{TOKEN}\"\n")
    } else {
        String::new()
    };
    SimApp::start_manual(
        T0,
        &bearer,
        &format!(
            r#"
[[receivers]]
name = "oncall"
sms = ["{ONCALL}"]
[[receivers]]
name = "db"
sms = ["{DBA}"]

[route]
receiver = "oncall"
group_by = ["alertname"]
group_wait = "0s"
group_interval = "5m"
[[route.routes]]
matchers = ['team="db"']
receiver = "db"
"#
        ),
    )
    .await
}

/// Sends a request to alertd with the test token; the status and the body as JSON (`null`
/// when empty).
async fn call(rig: &SimApp, method: &str, path: &str, body: Option<&Value>) -> (u16, Value) {
    let url = format!("{}{path}", rig.base);
    let mut req = match method {
        "POST" => rig.http.post(url),
        "DELETE" => rig.http.delete(url),
        _ => rig.http.get(url),
    }
    .bearer_auth(TOKEN);
    if let Some(b) = body {
        req = req
            .header("Content-Type", "application/json")
            .body(b.to_string());
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    let json = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"))
    };
    (status, json)
}

async fn get(rig: &SimApp, path: &str) -> Value {
    let (status, body) = call(rig, "GET", path, None).await;
    assert_eq!(status, 200, "{path}: {body}");
    body
}

fn at(t: Timestamp) -> String {
    t.to_rfc3339()
}

fn now(rig: &SimApp) -> Timestamp {
    rig.clock().now()
}

/// A minute before the start of every test.
const STARTED: Timestamp = Timestamp(T0.0 - 60_000);

/// An alert as Prometheus's notifier posts it: active since `STARTED`, valid for 4 minutes.
fn prometheus_alert(rig: &SimApp, name: &str, team: &str) -> Value {
    json!({
        "labels": {"alertname": name, "team": team, "severity": "critical"},
        "annotations": {"summary": format!("{name} on {team}")},
        "startsAt": at(STARTED),
        "endsAt": at(now(rig).after(4 * MINUTE)),
        "generatorURL": "http://prometheus:9090/graph?g0.expr=up",
    })
}

fn texts_to(rig: &SimApp, to: &str) -> Vec<MessageRecord> {
    rig.sim
        .messages()
        .into_iter()
        .filter(|m| m.to == to && m.direction == Direction::OutboundApi)
        .collect()
}

async fn post_alerts(rig: &SimApp, alerts: Value) {
    let (status, body) = call(rig, "POST", "/api/v2/alerts", Some(&alerts)).await;
    assert_eq!(
        (status, body),
        (200, Value::Null),
        "Alertmanager answers 200, no body"
    );
}

#[tokio::test]
async fn prometheus_alerts_text_the_receiver_fire_while_re_sent_and_resolve_at_their_end() {
    let rig = start(true).await;
    post_alerts(&rig, json!([prometheus_alert(&rig, "DiskFull", "ops")])).await;
    assert_eq!(
        rig.store().active_alerts().unwrap().len(),
        1,
        "stored before the 200"
    );
    eventually("the firing SMS", || texts_to(&rig, ONCALL).len() == 1).await;
    let sms = &texts_to(&rig, ONCALL)[0];
    assert!(
        sms.body.starts_with("[FIRING:1] DiskFull (critical)"),
        "{}",
        sms.body
    );

    // Prometheus re-sends every evaluation with the end moved ahead: still one alert, firing.
    for _ in 0..6 {
        rig.advance(MINUTE);
        post_alerts(&rig, json!([prometheus_alert(&rig, "DiskFull", "ops")])).await;
    }
    settle().await;
    assert_eq!(texts_to(&rig, ONCALL).len(), 1, "no news: no SMS");
    let listed = get(&rig, "/api/v2/alerts").await;
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(listed[0]["startsAt"], at(STARTED));
    assert_eq!(listed[0]["endsAt"], at(now(&rig).after(4 * MINUTE)));

    // Resolved: an end in the past.
    let mut resolved = prometheus_alert(&rig, "DiskFull", "ops");
    resolved["endsAt"] = json!(at(now(&rig)));
    post_alerts(&rig, json!([resolved])).await;
    assert_eq!(get(&rig, "/api/v2/alerts").await, json!([]));
    rig.advance(5 * MINUTE);
    eventually("the resolution SMS", || texts_to(&rig, ONCALL).len() == 2).await;
    assert!(
        texts_to(&rig, ONCALL)[1]
            .body
            .starts_with("[RESOLVED] DiskFull")
    );

    // Firing again after the resolution is a new episode.
    let mut again = prometheus_alert(&rig, "DiskFull", "ops");
    again["startsAt"] = json!(at(now(&rig)));
    post_alerts(&rig, json!([again])).await;
    rig.advance(5 * MINUTE);
    eventually("the SMS about firing again", || {
        texts_to(&rig, ONCALL).len() == 3
    })
    .await;
    assert!(
        texts_to(&rig, ONCALL)[2]
            .body
            .starts_with("[FIRING:1] DiskFull")
    );
}

#[tokio::test]
async fn an_alert_prometheus_stops_sending_resolves_when_its_end_passes() {
    let rig = start(true).await;
    post_alerts(&rig, json!([prometheus_alert(&rig, "NodeDown", "ops")])).await;
    eventually("the firing SMS", || texts_to(&rig, ONCALL).len() == 1).await;
    rig.advance(3 * MINUTE);
    settle().await;
    assert_eq!(
        get(&rig, "/api/v2/alerts").await.as_array().unwrap().len(),
        1
    );
    rig.advance(MINUTE);
    assert_eq!(
        get(&rig, "/api/v2/alerts").await,
        json!([]),
        "its end passed"
    );
    rig.advance(MINUTE);
    eventually("the resolution SMS", || texts_to(&rig, ONCALL).len() == 2).await;
    assert!(
        texts_to(&rig, ONCALL)[1]
            .body
            .starts_with("[RESOLVED] NodeDown")
    );
}

/// An amtool-shaped silence of `alertname=name` for `minutes` from now.
fn amtool_silence(rig: &SimApp, name: &str, minutes: u32) -> Value {
    json!({
        "matchers": [{"name": "alertname", "value": name, "isRegex": false, "isEqual": true}],
        "startsAt": at(now(rig)),
        "endsAt": at(now(rig).after(MINUTE * minutes)),
        "createdBy": "amtool-user",
        "comment": "maintenance",
    })
}

async fn add_silence(rig: &SimApp, silence: &Value) -> String {
    let (status, body) = call(rig, "POST", "/api/v2/silences", Some(silence)).await;
    assert_eq!(status, 200, "{body}");
    body["silenceID"].as_str().unwrap().to_owned()
}

fn names(list: &Value) -> Vec<String> {
    let mut names: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["labels"]["alertname"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn alert_listings_filter_by_matchers_silences_and_receiver_and_group_by_route() {
    let rig = start(true).await;
    post_alerts(
        &rig,
        json!([
            prometheus_alert(&rig, "DiskFull", "ops"),
            prometheus_alert(&rig, "SlowQueries", "db")
        ]),
    )
    .await;
    let silence = add_silence(&rig, &amtool_silence(&rig, "DiskFull", 60)).await;

    let all = get(&rig, "/api/v2/alerts").await;
    assert_eq!(names(&all), ["DiskFull", "SlowQueries"]);
    let disk = all
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["labels"]["alertname"] == "DiskFull")
        .unwrap();
    assert_eq!(
        disk["status"],
        json!({"state": "suppressed", "silencedBy": [silence], "inhibitedBy": [], "mutedBy": []})
    );
    assert_eq!(disk["receivers"], json!([{"name": "oncall"}]));
    assert_eq!(disk["annotations"]["summary"], "DiskFull on ops");
    assert_eq!(
        disk["generatorURL"],
        "http://prometheus:9090/graph?g0.expr=up"
    );
    assert_eq!(disk["fingerprint"].as_str().unwrap().len(), 16);
    assert_eq!(disk["updatedAt"], at(T0));

    // amtool's default query: active only, not silenced.
    let amtool = get(
        &rig,
        "/api/v2/alerts?active=true&silenced=false&inhibited=false&unprocessed=false",
    )
    .await;
    assert_eq!(names(&amtool), ["SlowQueries"]);
    assert_eq!(
        names(&get(&rig, "/api/v2/alerts?active=false").await),
        ["DiskFull"]
    );
    assert_eq!(
        names(&get(&rig, "/api/v2/alerts?filter=%7Bteam%3D%22db%22%7D").await),
        ["SlowQueries"]
    );
    assert_eq!(
        names(
            &get(
                &rig,
                "/api/v2/alerts?filter=team%3D~%22o.*%22&filter=severity%3D%22critical%22"
            )
            .await
        ),
        ["DiskFull"]
    );
    assert_eq!(
        names(&get(&rig, "/api/v2/alerts?receiver=d.").await),
        ["SlowQueries"]
    );
    assert_eq!(
        names(&get(&rig, "/api/v2/alerts?receiver=on.*").await),
        ["DiskFull"]
    );

    let groups = get(&rig, "/api/v2/alerts/groups").await;
    let summary: Vec<(Value, Value, usize)> = groups
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["receiver"].clone(),
                g["labels"].clone(),
                g["alerts"].as_array().unwrap().len(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (
                json!({"name": "db"}),
                json!({"alertname": "SlowQueries"}),
                1
            ),
            (
                json!({"name": "oncall"}),
                json!({"alertname": "DiskFull"}),
                1
            ),
        ]
    );
    let db_only = get(&rig, "/api/v2/alerts/groups?receiver=db").await;
    assert_eq!(db_only.as_array().unwrap().len(), 1, "{db_only}");

    let (status, body) = call(&rig, "GET", "/api/v2/alerts?filter=oops", None).await;
    assert_eq!(status, 400);
    assert!(body.as_str().unwrap().contains("oops"), "{body}");
}

#[tokio::test]
async fn silences_follow_alertmanagers_lifecycle() {
    let rig = start(true).await;
    let posted = amtool_silence(&rig, "DiskFull", 60);
    let id = add_silence(&rig, &posted).await;
    let got = get(&rig, &format!("/api/v2/silence/{id}")).await;
    assert_eq!(got["status"]["state"], "active");
    assert_eq!(got["matchers"], posted["matchers"]);
    assert_eq!(
        (&got["createdBy"], &got["comment"]),
        (&posted["createdBy"], &posted["comment"])
    );
    assert_eq!(got["updatedAt"], at(T0));

    // Longer, same matchers and start: changed in place (what `silence import` does).
    rig.advance(MINUTE);
    let mut longer = got.clone();
    longer["endsAt"] = json!(at(now(&rig).after(120 * MINUTE)));
    assert_eq!(add_silence(&rig, &longer).await, id, "updated in place");
    let got = get(&rig, &format!("/api/v2/silence/{id}")).await;
    assert_eq!(
        (&got["endsAt"], &got["updatedAt"]),
        (&longer["endsAt"], &json!(at(now(&rig))))
    );

    // Other matchers: a new silence; the old one expires, keeping its history.
    let mut other = got.clone();
    other["matchers"][0]["value"] = json!("DiskAlmostFull");
    let new_id = add_silence(&rig, &other).await;
    assert_ne!(new_id, id);
    let list = get(&rig, "/api/v2/silences").await;
    let listed: Vec<(&str, &str)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["id"].as_str().unwrap(),
                s["status"]["state"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        [(new_id.as_str(), "active"), (id.as_str(), "expired")]
    );
    let filtered = get(
        &rig,
        "/api/v2/silences?filter=alertname%3D%22DiskAlmostFull%22",
    )
    .await;
    assert_eq!(filtered.as_array().unwrap().len(), 1, "{filtered}");
    assert_eq!(filtered[0]["id"], new_id.as_str());

    // A pending silence, then expired by hand before it starts.
    let mut later = amtool_silence(&rig, "Backup", 60);
    later["startsAt"] = json!(at(now(&rig).after(30 * MINUTE)));
    let pending = add_silence(&rig, &later).await;
    let got = get(&rig, &format!("/api/v2/silence/{pending}")).await;
    assert_eq!(got["status"]["state"], "pending");
    let (status, body) = call(&rig, "DELETE", &format!("/api/v2/silence/{pending}"), None).await;
    assert_eq!((status, body), (200, Value::Null));
    let got = get(&rig, &format!("/api/v2/silence/{pending}")).await;
    assert_eq!(got["status"]["state"], "expired");
    assert_eq!(got["startsAt"], got["endsAt"]);

    // Unknown ids: 404 saying "not found" (amtool's import then posts it as a new silence).
    let unknown = "00000000-0000-4000-8000-000000000000";
    for (method, path, body) in [
        ("GET", format!("/api/v2/silence/{unknown}"), None),
        ("DELETE", format!("/api/v2/silence/{unknown}"), None),
        (
            "POST",
            "/api/v2/silences".to_owned(),
            Some({
                let mut s = amtool_silence(&rig, "X", 10);
                s["id"] = json!(unknown);
                s
            }),
        ),
    ] {
        let (status, body) = call(&rig, method, &path, body.as_ref()).await;
        assert_eq!(status, 404, "{method} {path}");
        assert!(body.as_str().unwrap().contains("not found"), "{body}");
    }

    // Expired silences are listed for five days after their end.
    let (status, _) = call(&rig, "DELETE", &format!("/api/v2/silence/{new_id}"), None).await;
    assert_eq!(status, 200);
    rig.advance(Duration::from_secs(119 * 3600));
    assert_eq!(
        get(&rig, "/api/v2/silences")
            .await
            .as_array()
            .unwrap()
            .len(),
        3
    );
    rig.advance(Duration::from_secs(2 * 3600));
    assert_eq!(get(&rig, "/api/v2/silences").await, json!([]));
}

#[tokio::test]
async fn status_and_receivers_describe_a_lone_alertmanager_without_secrets() {
    let rig = start(true).await;
    let status = get(&rig, "/api/v2/status").await;
    assert_eq!(
        status["cluster"],
        json!({"status": "disabled", "peers": []})
    );
    assert_eq!(status["uptime"], at(T0));
    let config = status["config"]["original"].as_str().unwrap();
    assert!(
        config.contains("<secret>") && config.contains(ONCALL),
        "{config}"
    );
    assert!(!config.contains(TOKEN), "{config}");
    for field in [
        "version",
        "revision",
        "branch",
        "buildUser",
        "buildDate",
        "goVersion",
    ] {
        assert!(
            status["versionInfo"][field].is_string(),
            "{field}: {status}"
        );
    }
    assert_eq!(
        get(&rig, "/api/v2/receivers").await,
        json!([{"name": "oncall"}, {"name": "db"}])
    );
}

#[tokio::test]
async fn the_bearer_token_guards_every_v2_endpoint() {
    let rig = start(true).await;
    let id = add_silence(&rig, &amtool_silence(&rig, "Hot", 60)).await;
    let alert = json!([prometheus_alert(&rig, "Hot", "ops")]);
    let silence = amtool_silence(&rig, "Cold", 60);
    let requests: [(&str, String, Option<&Value>); 9] = [
        ("POST", "/api/v2/alerts".into(), Some(&alert)),
        ("GET", "/api/v2/alerts".into(), None),
        ("GET", "/api/v2/alerts/groups".into(), None),
        ("GET", "/api/v2/silences".into(), None),
        ("POST", "/api/v2/silences".into(), Some(&silence)),
        ("GET", format!("/api/v2/silence/{id}"), None),
        ("DELETE", format!("/api/v2/silence/{id}"), None),
        ("GET", "/api/v2/status".into(), None),
        ("GET", "/api/v2/receivers".into(), None),
    ];
    for (method, path, body) in &requests {
        for token in [None, Some("wrong")] {
            let url = format!("{}{path}", rig.base);
            let mut req = match *method {
                "POST" => rig.http.post(url),
                "DELETE" => rig.http.delete(url),
                _ => rig.http.get(url),
            };
            if let Some(t) = token {
                req = req.bearer_auth(t);
            }
            if let Some(b) = body {
                req = req
                    .header("Content-Type", "application/json")
                    .body(b.to_string());
            }
            let resp = req.send().await.unwrap();
            assert_eq!(resp.status().as_u16(), 401, "{method} {path} {token:?}");
            assert_eq!(resp.headers()["www-authenticate"], "Bearer");
            let text = resp.text().await.unwrap();
            let reason: String = serde_json::from_str(&text).unwrap();
            assert!(reason.contains("bearer token"), "{text}");
        }
    }
    settle().await;
    assert!(rig.store().active_alerts().unwrap().is_empty());
    let silences = rig.store().silences(T0).unwrap();
    assert_eq!(silences.len(), 1, "only the one posted with the token");
    assert_eq!(silences[0].ends_at, T0.after(60 * MINUTE), "not expired");
    for (method, path, body) in &requests {
        let (status, _) = call(&rig, method, path, *body).await;
        assert_eq!(status, 200, "{method} {path} with the token");
    }
}

#[tokio::test]
async fn bad_input_is_a_400_with_the_reason_and_stores_nothing() {
    let rig = start(false).await;
    let now = at(now(&rig));
    let hour = at(T0.after(60 * MINUTE));
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "/api/v2/alerts",
            json!({"labels": {"a": "b"}}),
            "unexpected JSON shape",
        ),
        ("/api/v2/alerts", json!([{"annotations": {}}]), "labels"),
        (
            "/api/v2/alerts",
            json!([{"labels": {"alertname": "Ok"}}, {"labels": {"alertname": 3}}]),
            "[1].labels",
        ),
        (
            "/api/v2/alerts",
            json!([{"labels": {"": "x"}}]),
            "label name",
        ),
        (
            "/api/v2/alerts",
            json!([{"labels": {"a": ""}}]),
            "labels must not be empty",
        ),
        (
            "/api/v2/alerts",
            json!([{"labels": {"a": "b"}, "startsAt": hour, "endsAt": now}]),
            "endsAt is before startsAt",
        ),
        (
            "/api/v2/alerts",
            json!([{"labels": {"a": "b"}, "endsAt": "soon"}]),
            "endsAt",
        ),
        (
            "/api/v2/silences",
            json!({"matchers": [], "endsAt": hour, "createdBy": "a", "comment": "c"}),
            "at least one matcher",
        ),
        (
            "/api/v2/silences",
            json!({"matchers": [{"name": "a", "value": "(", "isRegex": true}], "endsAt": hour, "createdBy": "a", "comment": "c"}),
            "regular expression",
        ),
        (
            "/api/v2/silences",
            json!({"matchers": [{"name": "a", "value": ".*", "isRegex": true}], "endsAt": hour, "createdBy": "a", "comment": "c"}),
            "empty string",
        ),
        (
            "/api/v2/silences",
            json!({"matchers": [{"name": "a", "value": "b", "isRegex": false}], "startsAt": hour, "endsAt": now, "createdBy": "a", "comment": "c"}),
            "start time must be before end time",
        ),
        (
            "/api/v2/silences",
            json!({"matchers": [{"name": "a", "value": "b", "isRegex": false}], "endsAt": hour}),
            "createdBy",
        ),
    ];
    for (path, body, needle) in cases {
        let (status, reason) = call(&rig, "POST", path, Some(&body)).await;
        assert_eq!(status, 400, "{path} {body}: {reason}");
        let reason = reason
            .as_str()
            .unwrap_or_else(|| panic!("not a JSON string: {reason}"));
        assert!(
            reason.contains(needle),
            "{path} {body}: {reason:?} should say {needle:?}"
        );
    }
    settle().await;
    assert!(
        rig.store().active_alerts().unwrap().is_empty(),
        "nothing stored"
    );
    assert!(rig.store().silences(Timestamp(0)).unwrap().is_empty());
    assert!(rig.sim.messages().is_empty());
}
