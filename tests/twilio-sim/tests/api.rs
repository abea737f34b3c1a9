//! The REST API over real TLS: creation, validation errors, magic numbers, auth, fetch, lists.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // Test helpers fail loudly.

mod common;

use common::{get_json, post_form, send_sms, sim};
use twilio_sim::{DEFAULT_API_KEY_SECRET, DEFAULT_API_KEY_SID};

fn is_sid(s: &str, prefix: &str) -> bool {
    s.len() == 34 && s.starts_with(prefix) && s[2..].bytes().all(|b| b.is_ascii_hexdigit())
}

#[tokio::test]
async fn create_message_returns_a_full_queued_resource() {
    let sim = sim().await;
    let (status, m) = send_sms(&sim, "+14155550100", "Boiler 3 over 90 C", None).await;
    assert_eq!(status, 201);
    assert!(is_sid(m["sid"].as_str().unwrap(), "SM"), "{m}");
    assert_eq!(m["status"], "queued");
    assert_eq!(m["account_sid"], sim.account_sid());
    assert_eq!(m["to"], "+14155550100");
    assert_eq!(m["from"], "+15005550006");
    assert_eq!(m["body"], "Boiler 3 over 90 C");
    assert_eq!(m["num_segments"], "1");
    assert_eq!(m["num_media"], "0");
    assert_eq!(m["direction"], "outbound-api");
    assert_eq!(m["api_version"], "2010-04-01");
    assert_eq!(m["error_code"], serde_json::Value::Null);
    assert!(m["date_created"].as_str().unwrap().ends_with("+0000"));
    let uri = format!(
        "/2010-04-01/Accounts/{}/Messages/{}.json",
        sim.account_sid(),
        m["sid"].as_str().unwrap()
    );
    assert_eq!(m["uri"], uri.as_str());
}

#[tokio::test]
async fn num_segments_is_counted_like_twilio() {
    let sim = sim().await;
    for (body, expected) in [
        ("a".repeat(160), "1"),
        ("a".repeat(161), "2"),
        ("°".repeat(70), "1"),
        ("°C".repeat(36), "2"),
        ("a".repeat(1600), "11"),
    ] {
        let (status, m) = send_sms(&sim, "+14155550100", &body, None).await;
        assert_eq!(status, 201);
        assert_eq!(
            m["num_segments"],
            expected,
            "{} chars",
            body.chars().count()
        );
    }
}

async fn error_of(sim: &twilio_sim::Simulator, url: &str, form: &[(&str, &str)]) -> (u16, u64) {
    let (status, body) = post_form(sim, url, form).await;
    assert_eq!(body["status"].as_u64(), Some(u64::from(status)), "{body}");
    assert_eq!(
        body["more_info"].as_str().unwrap(),
        format!("https://www.twilio.com/docs/errors/{}", body["code"])
    );
    assert!(!body["message"].as_str().unwrap().is_empty());
    (status, body["code"].as_u64().unwrap())
}

#[tokio::test]
async fn every_message_validation_error() {
    let sim = sim().await;
    let url = sim.messages_url();
    let long = "x".repeat(1601);
    let cases: Vec<(Vec<(&str, &str)>, u64)> = vec![
        (vec![("From", "+15005550006"), ("Body", "hi")], 21604),
        (vec![("To", "+14155550100"), ("Body", "hi")], 21603),
        (
            vec![("To", "+14155550100"), ("From", "+15005550006")],
            21602,
        ),
        (
            vec![
                ("To", "+14155550100"),
                ("From", "+15005550006"),
                ("Body", ""),
            ],
            21602,
        ),
        (
            vec![
                ("To", "+14155550100"),
                ("From", "+15005550006"),
                ("Body", &long),
            ],
            21617,
        ),
        (
            vec![("To", "555"), ("From", "+15005550006"), ("Body", "hi")],
            21211,
        ),
        (
            vec![
                ("To", "+14155550100"),
                ("From", "not a number!"),
                ("Body", "hi"),
            ],
            21212,
        ),
        (
            vec![
                ("To", "+14155550100"),
                ("From", "+15005550006"),
                ("Body", "hi"),
                ("StatusCallback", "nope"),
            ],
            21609,
        ),
    ];
    for (form, code) in cases {
        assert_eq!(error_of(&sim, &url, &form).await, (400, code), "{form:?}");
    }
    // Nothing invalid was created.
    assert!(sim.messages().is_empty());
}

#[tokio::test]
async fn test_credential_magic_numbers() {
    let sim = sim().await;
    let url = sim.messages_url();
    for (to, code) in [
        ("+15005550001", 21211),
        ("+15005550002", 21612),
        ("+15005550003", 21408),
        ("+15005550004", 21610),
        ("+15005550009", 21614),
    ] {
        let form = [("To", to), ("From", "+15005550006"), ("Body", "hi")];
        assert_eq!(error_of(&sim, &url, &form).await, (400, code), "To {to}");
    }
    for (from, code) in [
        ("+15005550001", 21212),
        ("+15005550007", 21606),
        ("+15005550008", 21611),
    ] {
        let form = [("To", "+14155550100"), ("From", from), ("Body", "hi")];
        assert_eq!(
            error_of(&sim, &url, &form).await,
            (400, code),
            "From {from}"
        );
    }
    let (status, _) = send_sms(&sim, "+14155550100", "valid", None).await;
    assert_eq!(status, 201);
}

#[tokio::test]
async fn call_validation_and_magic_numbers() {
    let sim = sim().await;
    let url = sim.calls_url();
    let twiml = "<Response><Say>hi</Say></Response>";
    let cases: Vec<(Vec<(&str, &str)>, u64)> = vec![
        (vec![("From", "+15005550006"), ("Twiml", twiml)], 21201),
        (vec![("To", "+14155550100"), ("Twiml", twiml)], 21213),
        (
            vec![("To", "+14155550100"), ("From", "+15005550006")],
            21205,
        ),
        (
            vec![
                ("To", "+15005550001"),
                ("From", "+15005550006"),
                ("Twiml", twiml),
            ],
            21217,
        ),
        (
            vec![
                ("To", "+15005550002"),
                ("From", "+15005550006"),
                ("Twiml", twiml),
            ],
            21214,
        ),
        (
            vec![
                ("To", "+15005550003"),
                ("From", "+15005550006"),
                ("Twiml", twiml),
            ],
            21215,
        ),
        (
            vec![
                ("To", "+15005550004"),
                ("From", "+15005550006"),
                ("Twiml", twiml),
            ],
            21216,
        ),
        (
            vec![
                ("To", "+14155550100"),
                ("From", "+15005550001"),
                ("Twiml", twiml),
            ],
            21212,
        ),
        (
            vec![
                ("To", "+14155550100"),
                ("From", "+15005550007"),
                ("Twiml", twiml),
            ],
            21210,
        ),
    ];
    for (form, code) in cases {
        assert_eq!(error_of(&sim, &url, &form).await, (400, code), "{form:?}");
    }
    let (status, call) = post_form(
        &sim,
        &url,
        &[
            ("To", "+14155550100"),
            ("From", "+15005550006"),
            ("Twiml", twiml),
        ],
    )
    .await;
    assert_eq!(status, 201);
    assert!(is_sid(call["sid"].as_str().unwrap(), "CA"));
    assert_eq!(call["status"], "queued");
    assert_eq!(call["to_formatted"], "(415) 555-0100");
}

#[tokio::test]
async fn owned_numbers_restrict_from() {
    let config = twilio_sim::SimConfig {
        owned_numbers: Some(vec!["+15550001111".into()]),
        ..Default::default()
    };
    let sim = twilio_sim::Simulator::start(config).await.unwrap();
    let form = [
        ("To", "+14155550100"),
        ("From", "+15005550006"),
        ("Body", "hi"),
    ];
    assert_eq!(
        error_of(&sim, &sim.messages_url(), &form).await,
        (400, 21659)
    );
    let form = [
        ("To", "+14155550100"),
        ("From", "+15550001111"),
        ("Body", "hi"),
    ];
    assert_eq!(post_form(&sim, &sim.messages_url(), &form).await.0, 201);
}

#[tokio::test]
async fn auth_accepts_token_and_api_key_and_rejects_the_rest() {
    let sim = sim().await;
    let client = sim.client().unwrap();
    let form = [
        ("To", "+14155550100"),
        ("From", "+15005550006"),
        ("Body", "hi"),
    ];
    let send = |user: &str, pass: Option<&str>| {
        let mut request = client.post(sim.messages_url()).form(&form);
        if let Some(pass) = pass {
            request = request.basic_auth(user, Some(pass));
        }
        request.send()
    };
    assert_eq!(
        send(DEFAULT_API_KEY_SID, Some(DEFAULT_API_KEY_SECRET))
            .await
            .unwrap()
            .status(),
        201
    );
    for (user, pass) in [
        (sim.account_sid().to_owned(), Some("wrong")),
        (
            "ACffffffffffffffffffffffffffffffff".to_owned(),
            Some(sim.auth_token()),
        ),
        (String::new(), None),
    ] {
        let response = send(&user, pass).await.unwrap();
        assert_eq!(response.status(), 401);
        assert_eq!(
            response.headers()["www-authenticate"],
            "Basic realm=\"Twilio API\""
        );
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["code"], 20003);
        assert_eq!(body["status"], 401);
    }
    // The right credentials but another account in the path.
    let other = sim
        .messages_url()
        .replace(sim.account_sid(), "ACffffffffffffffffffffffffffffffff");
    let (status, body) = post_form(&sim, &other, &form).await;
    assert_eq!((status, body["code"].as_u64()), (401, Some(20003)));
}

#[tokio::test]
async fn fetch_and_404() {
    let sim = sim().await;
    let (_, m) = send_sms(&sim, "+14155550100", "hi", None).await;
    let sid = m["sid"].as_str().unwrap();
    let base = sim.messages_url().replace("Messages.json", "");
    let (status, fetched) = get_json(&sim, &format!("{base}Messages/{sid}.json")).await;
    assert_eq!(status, 200);
    assert_eq!(fetched["sid"], sid);
    let (status, missing) = get_json(
        &sim,
        &format!("{base}Messages/SM00000000000000000000000000000000.json"),
    )
    .await;
    assert_eq!((status, missing["code"].as_u64()), (404, Some(20404)));
    let (status, missing) = get_json(&sim, &format!("{}/nowhere", sim.base_url())).await;
    assert_eq!((status, missing["code"].as_u64()), (404, Some(20404)));
    let response = sim
        .client()
        .unwrap()
        .delete(sim.messages_url())
        .basic_auth(sim.account_sid(), Some(sim.auth_token()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 405);
}

#[tokio::test]
async fn lists_are_paged_newest_first_and_filtered() {
    let sim = sim().await;
    let mut sids = Vec::new();
    for i in 0..5 {
        let to = if i % 2 == 0 {
            "+14155550100"
        } else {
            "+14155550199"
        };
        let (_, m) = send_sms(&sim, to, &format!("n{i}"), None).await;
        sids.push(m["sid"].as_str().unwrap().to_owned());
    }
    let (status, page) = get_json(&sim, &format!("{}?PageSize=2", sim.messages_url())).await;
    assert_eq!(status, 200);
    let got: Vec<&str> = page["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["sid"].as_str().unwrap())
        .collect();
    assert_eq!(got, [sids[4].as_str(), sids[3].as_str()]);
    assert_eq!(page["page"], 0);
    assert_eq!(page["page_size"], 2);
    assert_eq!(page["previous_page_uri"], serde_json::Value::Null);
    let next = page["next_page_uri"].as_str().unwrap();
    assert!(next.contains("Page=1"), "{next}");
    let (_, page2) = get_json(&sim, &format!("{}{next}", sim.base_url())).await;
    let got: Vec<&str> = page2["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["sid"].as_str().unwrap())
        .collect();
    assert_eq!(got, [sids[2].as_str(), sids[1].as_str()]);
    let (_, last) = get_json(&sim, &format!("{}?PageSize=2&Page=2", sim.messages_url())).await;
    assert_eq!(last["messages"].as_array().unwrap().len(), 1);
    assert_eq!(last["next_page_uri"], serde_json::Value::Null);

    let (_, filtered) = get_json(&sim, &format!("{}?To=%2B14155550199", sim.messages_url())).await;
    let tos: Vec<&str> = filtered["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["to"].as_str().unwrap())
        .collect();
    assert_eq!(tos, ["+14155550199", "+14155550199"]);
    let (_, none) = get_json(&sim, &format!("{}?From=%2B19999999999", sim.messages_url())).await;
    assert!(none["messages"].as_array().unwrap().is_empty());
    // A date filter leaves out a message not sent yet (it has no `date_sent`), as Twilio does.
    sim.set_message_outcome("+14155550177", twilio_sim::MessageOutcome::StaysQueued);
    let (_, queued) = send_sms(&sim, "+14155550177", "later", None).await;
    let to_queued = format!("{}?To=%2B14155550177", sim.messages_url());
    let (_, listed) = get_json(&sim, &to_queued).await;
    assert_eq!(listed["messages"][0]["sid"], queued["sid"]);
    let (_, dated) = get_json(&sim, &format!("{to_queued}&DateSent%3E=1970-01-01")).await;
    assert!(dated["messages"].as_array().unwrap().is_empty(), "{dated}");
    assert!(
        dated["uri"]
            .as_str()
            .unwrap()
            .contains("DateSent%3E=1970-01-01"),
        "{dated}"
    );

    let twiml = "<Response/>";
    post_form(
        &sim,
        &sim.calls_url(),
        &[
            ("To", "+14155550100"),
            ("From", "+15005550006"),
            ("Twiml", twiml),
        ],
    )
    .await;
    let (_, calls) = get_json(&sim, &format!("{}?To=%2B14155550100", sim.calls_url())).await;
    assert_eq!(calls["calls"].as_array().unwrap().len(), 1);
    let (_, future) = get_json(
        &sim,
        &format!(
            "{}?To=%2B14155550100&StartTime%3E=2999-01-01",
            sim.calls_url()
        ),
    )
    .await;
    assert!(future["calls"].as_array().unwrap().is_empty(), "{future}");
}

#[tokio::test]
async fn requests_are_recorded_with_decoded_forms() {
    let sim = sim().await;
    send_sms(&sim, "+14155550100", "a&b=c ü", None).await;
    let requests = sim.requests();
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    assert_eq!(r.method, "POST");
    assert_eq!(r.status, 201);
    assert_eq!(r.form_value("Body"), Some("a&b=c ü"));
    assert!(r.header("authorization").unwrap().starts_with("Basic "));
    assert!(r.path.ends_with("/Messages.json"));
}

#[tokio::test]
async fn account_fetch_checks_credentials() {
    let sim = sim().await;
    let url = format!(
        "{}/2010-04-01/Accounts/{}.json",
        sim.base_url(),
        sim.account_sid()
    );
    let (status, account) = get_json(&sim, &url).await;
    assert_eq!(status, 200);
    assert_eq!(account["sid"], sim.account_sid());
    assert_eq!(account["status"], "active");
    let response = sim
        .client()
        .unwrap()
        .get(&url)
        .basic_auth(sim.account_sid(), Some("bad"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
}
