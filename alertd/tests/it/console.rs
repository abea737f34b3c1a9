//! The web console over HTTP as a browser uses it: pages with the cookie the console sets,
//! forms posted with their CSRF token and an Origin, against tests/twilio-sim.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use crate::common::sim_app::SimApp;
use crate::common::{Harness, KEEP_FIRING, T0, config, eventually, settle};
use alertd::domain::escalation::EscalationState;
use alertd::store::{EscalationStore, SilenceStore};
use serde_json::json;
use twilio_sim::Direction;

const ONCALL: &str = "+15551230001";

const REST: &str = r#"
[[rosters]]
name = "oncall"
numbers = ["+15551230001"]

[[escalations]]
name = "critical"
steps = [
  { channel = "sms", to = "oncall", after = "0s" },
  { channel = "voice", to = "oncall", after = "2m" },
]

[[receivers]]
name = "oncall"
sms = ["+15551230001"]

[route]
receiver = "oncall"
group_by = ["alertname"]
group_wait = "0s"

[[route.routes]]
matchers = ['severity="critical"']
receiver = "oncall"
escalation = "critical"
"#;

/// A browser: no redirects followed, the console's cookie kept.
struct Browser {
    http: reqwest::Client,
    base: String,
    cookie: Option<String>,
}

/// A response's status, `Location`, `Set-Cookie` and text.
struct Page {
    status: u16,
    location: Option<String>,
    set_cookie: Option<String>,
    text: String,
}

impl Browser {
    fn new(base: &str) -> Self {
        Self {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base: base.to_owned(),
            cookie: None,
        }
    }

    async fn finish(&mut self, resp: reqwest::Response) -> Page {
        let header = |name: &str| {
            resp.headers()
                .get(name)
                .map(|v| v.to_str().unwrap().to_owned())
        };
        let (location, set_cookie) = (header("location"), header("set-cookie"));
        if let Some(c) = &set_cookie {
            let pair = c.split(';').next().unwrap().to_owned();
            self.cookie = (!pair.ends_with('=')).then_some(pair);
        }
        Page {
            status: resp.status().as_u16(),
            location,
            set_cookie,
            text: resp.text().await.unwrap(),
        }
    }

    async fn get(&mut self, path: &str) -> Page {
        let mut req = self.http.get(format!("{}{path}", self.base));
        if let Some(c) = &self.cookie {
            req = req.header("Cookie", c);
        }
        let resp = req.send().await.unwrap();
        self.finish(resp).await
    }

    /// Posts a form as a page of alertd's does: form-encoded, with alertd's Origin.
    async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        let mut req = self
            .http
            .post(format!("{}{path}", self.base))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("Origin", &self.base)
            .body(body);
        if let Some(c) = &self.cookie {
            req = req.header("Cookie", c);
        }
        let resp = req.send().await.unwrap();
        self.finish(resp).await
    }

    /// The CSRF token in a page's forms.
    async fn csrf(&mut self, path: &str) -> String {
        let page = self.get(path).await;
        assert_eq!(page.status, 200, "{}", page.text);
        csrf_in(&page.text)
    }
}

fn csrf_in(html: &str) -> String {
    let start = html
        .find(r#"name="csrf" value=""#)
        .expect("a form with a CSRF token")
        + r#"name="csrf" value=""#.len();
    html[start..][..64].to_owned()
}

async fn rig() -> SimApp {
    SimApp::start_manual(T0, "", &format!("{KEEP_FIRING}{REST}")).await
}

fn texts_to_oncall(app: &SimApp) -> usize {
    app.sim
        .messages()
        .into_iter()
        .filter(|m| m.to == ONCALL && m.direction == Direction::OutboundApi)
        .count()
}

#[tokio::test]
async fn pages_show_the_active_alert_and_its_delivery() {
    let app = rig().await;
    app.post_alerts(
        &json!([{"labels": {"alertname": "BoilerOverTemp", "site": "north"},
        "annotations": {"summary": "boiler-3 at 92.5C"}}]),
    )
    .await;
    eventually("the SMS accepted by Twilio", || {
        app.outbox().iter().any(|m| m.sid.is_some())
    })
    .await;
    let sid = app.outbox()[0].sid.clone().unwrap();
    let mut b = Browser::new(&app.base);
    let root = b.get("/").await;
    assert_eq!(
        (root.status, root.location.as_deref()),
        (303, Some("/console/alerts"))
    );
    let alerts = b.get("/console/alerts").await;
    assert_eq!(alerts.status, 200);
    for needle in [
        "BoilerOverTemp",
        "north",
        "boiler-3 at 92.5C",
        "badge active",
    ] {
        assert!(alerts.text.contains(needle), "{needle}: {}", alerts.text);
    }
    assert!(
        alerts
            .text
            .contains("silences?m=alertname%3D%22BoilerOverTemp%22&amp;m=site%3D%22north%22"),
        "the silence link carries the alert's labels: {}",
        alerts.text
    );
    let deliveries = b.get("/console/deliveries").await;
    for needle in [ONCALL, sid.as_str(), "1 · GSM-7", "sms"] {
        assert!(
            deliveries.text.contains(needle),
            "{needle}: {}",
            deliveries.text
        );
    }
    let live = b.get("/console/deliveries/live").await;
    assert!(live.text.contains(&sid) && !live.text.contains("<html"));
    for page in ["escalations", "silences", "opt-outs", "health"] {
        let p = b.get(&format!("/console/{page}")).await;
        assert_eq!(p.status, 200, "{page}: {}", p.text);
    }
    let health = b.get("/console/health").await;
    assert!(health.text.contains("Queue") && health.text.contains("answers in"));
    assert_eq!(b.get("/console/nope").await.status, 404);
}

#[tokio::test]
async fn the_deliveries_page_shows_the_price_twilio_set_after_delivery() {
    let app = rig().await;
    app.post_alerts(&json!([{"labels": {"alertname": "BoilerOverTemp"}}]))
        .await;
    eventually("the SMS delivered", || {
        app.outbox()
            .iter()
            .any(|m| m.twilio_status.as_deref() == Some("delivered"))
    })
    .await;
    let mut b = Browser::new(&app.base);
    let before = b.get("/console/deliveries/live").await;
    assert!(
        before.text.contains("delivered") && !before.text.contains("USD"),
        "{}",
        before.text
    );
    // The reconciler's next pass, a minute on, is when the price is first looked up.
    app.advance(Duration::from_secs(60));
    eventually("the price fetched", || {
        app.outbox().iter().any(|m| m.price.is_some())
    })
    .await;
    let price = app.outbox()[0].price.clone().unwrap();
    assert_eq!(
        (price.amount.as_str(), price.unit.as_str()),
        ("-0.00790", "USD")
    );
    let after = b.get("/console/deliveries").await;
    assert!(after.text.contains("0.0079 USD"), "{}", after.text);
    let fetches = app
        .sim
        .requests()
        .into_iter()
        .filter(|r| r.method == "GET" && r.path.contains("/Messages/"))
        .count();
    assert_eq!(fetches, 1, "one lookup, then priced");
    assert!(
        app.metrics()
            .await
            .contains("alertd_status_lookups_total{channel=\"sms\",result=\"priced\"} 1")
    );
}

#[tokio::test]
async fn a_label_holding_script_is_escaped() {
    let app = rig().await;
    app.post_alerts(
        &json!([{"labels": {"alertname": "Xss", "room": "<script>alert(1)</script>"},
        "annotations": {"summary": "<img src=x onerror=alert(2)>"}}]),
    )
    .await;
    let mut b = Browser::new(&app.base);
    let page = b.get("/console/alerts").await;
    assert!(
        page.text
            .contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;"),
        "{}",
        page.text
    );
    assert!(page.text.contains("&lt;img src=x onerror=alert(2)&gt;"));
    assert!(!page.text.contains("<script>alert") && !page.text.contains("<img"));
    let csp = b
        .http
        .get(format!("{}/console/alerts", app.base))
        .send()
        .await
        .unwrap()
        .headers()
        .get("content-security-policy")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap();
    assert!(csp.contains("script-src 'self'"), "{csp}");
}

#[tokio::test]
async fn a_post_without_the_csrf_token_is_refused() {
    let app = rig().await;
    let mut b = Browser::new(&app.base);
    let csrf = b.csrf("/console/silences").await;
    let silence = [("matchers", "alertname=\"Hot\""), ("duration", "1h")];
    let without = b.post("/console/silences", &silence).await;
    assert_eq!(without.status, 403, "{}", without.text);
    assert!(without.text.contains("CSRF"));
    let zeros = "0".repeat(64);
    let wrong = [("csrf", zeros.as_str()), silence[0], silence[1]];
    assert_eq!(b.post("/console/silences", &wrong).await.status, 403);
    // The right token from another session (no cookie) is no better.
    let mut other = Browser::new(&app.base);
    let stolen = [("csrf", csrf.as_str()), silence[0], silence[1]];
    assert_eq!(other.post("/console/silences", &stolen).await.status, 403);
    // A foreign page's post is refused by the guard before any handler.
    let foreign = b
        .http
        .post(format!("{}/console/silences", app.base))
        .header("Origin", "http://evil.example")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("Cookie", b.cookie.clone().unwrap())
        .body(format!("csrf={csrf}&matchers=a%3D%22b%22&duration=1h"))
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status().as_u16(), 403);
    assert!(
        app.store().silences(T0).unwrap().is_empty(),
        "nothing stored"
    );
    // The JSON API still takes no form posts.
    let form_to_api = b.post("/api/v1/silences", &stolen).await;
    assert_eq!(form_to_api.status, 415);
    let ok = b.post("/console/silences", &stolen).await;
    assert_eq!(
        (ok.status, ok.location.as_deref()),
        (303, Some("/console/silences?done=silenced")),
        "{}",
        ok.text
    );
    assert_eq!(app.store().silences(T0).unwrap().len(), 1);
}

#[tokio::test]
async fn the_console_needs_the_bearer_token_when_one_is_configured() {
    let h = Harness::start(config("", "bearer_token = \"s3cret\"")).await;
    let mut b = Browser::new(&h.base);
    let page = b.get("/console/alerts").await;
    assert_eq!(
        (page.status, page.location.as_deref()),
        (303, Some("/console/login"))
    );
    assert_eq!(b.get("/console/alerts/live").await.status, 401);
    let csrf = b.csrf("/console/login").await;
    let wrong = b
        .post("/console/login", &[("csrf", &csrf), ("token", "guess")])
        .await;
    assert_eq!(wrong.status, 401);
    assert!(wrong.set_cookie.is_none());
    let no_csrf = b.post("/console/login", &[("token", "s3cret")]).await;
    assert_eq!(no_csrf.status, 403);
    let ok = b
        .post("/console/login", &[("csrf", &csrf), ("token", "s3cret")])
        .await;
    assert_eq!(ok.status, 303);
    let cookie = ok.set_cookie.unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    assert!(!cookie.contains("Secure"), "plain HTTP: {cookie}");
    let page = b.get("/console/alerts").await;
    assert_eq!(page.status, 200, "{}", page.text);
    assert!(page.text.contains("Sign out"));
    // The session cookie does not open the JSON API; only the bearer token does.
    let api = b
        .http
        .get(format!("{}/api/v1/silences", h.base))
        .header("Cookie", b.cookie.clone().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(api.status().as_u16(), 401);
    // Through a TLS proxy the cookie is Secure.
    let mut tls = Browser::new(&h.base);
    let csrf = tls.csrf("/console/login").await;
    let resp = tls
        .http
        .post(format!("{}/console/login", h.base))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("X-Forwarded-Proto", "https")
        .header("Cookie", tls.cookie.clone().unwrap())
        .body(format!("csrf={csrf}&token=s3cret"))
        .send()
        .await
        .unwrap();
    let cookie = resp.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.ends_with("; Secure"), "{cookie}");
    // Signing out ends the session.
    let csrf = b.csrf("/console/alerts").await;
    assert_eq!(
        b.post("/console/logout", &[("csrf", &csrf)]).await.status,
        303
    );
    assert_eq!(b.get("/console/alerts").await.status, 303);
}

#[tokio::test]
async fn a_silence_created_in_the_console_silences_the_next_alert() {
    let app = rig().await;
    let mut b = Browser::new(&app.base);
    // The form opens prefilled from an alert's silence link.
    let form = b.get("/console/silences?m=alertname%3D%22Hot%22").await;
    assert!(
        form.text.contains("alertname=&quot;Hot&quot;</textarea>"),
        "{}",
        form.text
    );
    let csrf = csrf_in(&form.text);
    let created = b
        .post(
            "/console/silences",
            &[
                ("csrf", &csrf),
                ("matchers", "alertname=\"Hot\"\n"),
                ("duration", "2h"),
                ("created_by", "night shift"),
                ("comment", "boiler maintenance"),
            ],
        )
        .await;
    assert_eq!(created.status, 303, "{}", created.text);
    let silences = b.get("/console/silences?done=silenced").await;
    for needle in [
        "Silence created.",
        "night shift",
        "boiler maintenance",
        "badge silence-active",
    ] {
        assert!(
            silences.text.contains(needle),
            "{needle}: {}",
            silences.text
        );
    }
    app.post_alerts(&json!([{"labels": {"alertname": "Hot"}}, {"labels": {"alertname": "Cold"}}]))
        .await;
    eventually("the unsilenced alert's SMS", || {
        app.outbox().iter().any(|m| m.sid.is_some())
    })
    .await;
    settle().await;
    assert_eq!(texts_to_oncall(&app), 1, "only Cold was texted");
    let alerts = b.get("/console/alerts").await;
    assert!(alerts.text.contains("badge silenced"), "{}", alerts.text);
    // Expiring it from the console.
    let id = app.store().silences(T0).unwrap()[0].id.clone();
    let csrf = csrf_in(&silences.text);
    let expired = b
        .post(
            &format!("/console/silences/{id}/expire"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(expired.status, 303, "{}", expired.text);
    assert!(app.store().silence(&id).unwrap().unwrap().ends_at <= T0);
    let invalid = b
        .post(
            "/console/silences",
            &[
                ("csrf", &csrf),
                ("matchers", "no operator"),
                ("duration", "2h"),
            ],
        )
        .await;
    assert_eq!(invalid.status, 422, "{}", invalid.text);
}

#[tokio::test]
async fn acknowledging_in_the_console_stops_the_escalation() {
    let app = rig().await;
    app.post_alerts(&json!([{"labels": {"alertname": "BoilerOverTemp", "severity": "critical"}}]))
        .await;
    eventually("the escalation's first SMS", || {
        app.outbox().iter().any(|m| m.sid.is_some())
            && !app.store().recent_escalations(1).unwrap().is_empty()
    })
    .await;
    let e = app.store().recent_escalations(1).unwrap().remove(0);
    let mut b = Browser::new(&app.base);
    let page = b.get("/console/escalations").await;
    for needle in [e.short_id.as_str(), "Acknowledge", "badge open", ONCALL] {
        assert!(page.text.contains(needle), "{needle}: {}", page.text);
    }
    let csrf = csrf_in(&page.text);
    let acked = b
        .post(
            &format!("/console/escalations/{}/ack", e.short_id),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(
        (acked.status, acked.location.as_deref()),
        (303, Some("/console/escalations?done=acked")),
        "{}",
        acked.text
    );
    let e = app.store().escalation(&e.short_id).unwrap().unwrap();
    assert_eq!(e.state, EscalationState::Acked);
    assert_eq!(e.acked_by.as_deref(), Some("api:console"));
    app.advance(Duration::from_secs(5 * 60));
    settle().await;
    assert!(
        app.sim.calls().is_empty(),
        "no call after the acknowledgement"
    );
    let live = b.get("/console/escalations/live").await;
    assert!(
        live.text.contains("badge acked")
            && live.text.contains("acknowledged by <b>api:console</b>"),
        "{}",
        live.text
    );
    // Acknowledging again is refused with a page saying why.
    let again = b
        .post(
            &format!("/console/escalations/{}/ack", e.short_id),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(again.status, 409, "{}", again.text);
}
