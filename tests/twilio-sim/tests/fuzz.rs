//! Random requests: every answer is a Twilio-shaped response and nothing in the simulator panics.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // Test helpers fail loudly.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};

use rand::Rng;
use rand::seq::IndexedRandom;

static PANICS: AtomicUsize = AtomicUsize::new(0);

const NAMES: &[&str] = &[
    "To",
    "From",
    "Body",
    "StatusCallback",
    "MediaUrl",
    "MessagingServiceSid",
    "Twiml",
    "Url",
    "Method",
    "StatusCallbackEvent",
    "MachineDetection",
    "ContentSid",
    "",
    "To[]",
    "\u{0}",
];

fn value(rng: &mut impl Rng) -> String {
    let pool = [
        "+14155550100",
        "+15005550001",
        "+15005550002",
        "+15005550003",
        "+15005550004",
        "+15005550006",
        "+15005550007",
        "+15005550008",
        "+15005550009",
        "12345",
        "ALERTS",
        "",
        " ",
        "+",
        "+0",
        "not a number",
        "http://127.0.0.1:1/x",
        "https://",
        "ftp://x",
        "<Response><Say>x</Say></Response>",
        "<Response>",
        "GET",
        "DetectMessageEnd",
        "MG0123456789abcdef0123456789abcdef",
        "MGnope",
        "😀°C€",
        "%00",
        "\u{7f}\u{0}\r\n",
    ];
    match rng.random_range(0..4) {
        0 => "x".repeat(rng.random_range(0..2000)),
        1 => (0..rng.random_range(0..40))
            .map(|_| char::from(rng.random_range(0x20u8..0x7f)))
            .collect(),
        _ => (*pool.choose(rng).unwrap()).to_owned(),
    }
}

#[tokio::test]
async fn random_forms_and_paths_get_twilio_shaped_answers_without_panics() {
    std::panic::set_hook(Box::new(|_| {
        PANICS.fetch_add(1, Ordering::SeqCst);
    }));
    let sim = common::sim().await;
    let client = sim.client().unwrap();
    let account = sim.account_sid().to_owned();
    let mut rng = rand::rng();
    let paths = [
        format!("/2010-04-01/Accounts/{account}/Messages.json"),
        format!("/2010-04-01/Accounts/{account}/Calls.json"),
        format!("/2010-04-01/Accounts/{account}/Messages/SM..json"),
        format!("/2010-04-01/Accounts/{account}/Calls/%ff.json"),
        "/2010-04-01/Accounts/AC/Messages.json".to_owned(),
        "/2010-04-01/Accounts//Messages.json".to_owned(),
        "/%%%".to_owned(),
        "/".to_owned(),
    ];
    for _ in 0..400 {
        let form: Vec<(String, String)> = (0..rng.random_range(0..8))
            .map(|_| {
                (
                    (*NAMES.choose(&mut rng).unwrap()).to_owned(),
                    value(&mut rng),
                )
            })
            .collect();
        let path = paths.choose(&mut rng).unwrap();
        let method = ["POST", "GET", "PUT", "DELETE"].choose(&mut rng).unwrap();
        let query = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(&form)
            .finish();
        let url = format!("{}{path}?{query}", sim.base_url());
        let mut request = client.request(method.parse().unwrap(), url).form(&form);
        if rng.random_bool(0.9) {
            request = request.basic_auth(&account, Some(sim.auth_token()));
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let body: serde_json::Value = response.json().await.unwrap();
        if status >= 400 {
            assert!((400..500).contains(&status), "{status} {body}");
            assert_eq!(body["status"].as_u64(), Some(u64::from(status)), "{body}");
            assert!(body["code"].as_u64().is_some_and(|c| c >= 20000), "{body}");
        } else {
            assert!(
                body["sid"].is_string() || body["messages"].is_array() || body["calls"].is_array(),
                "{body}"
            );
        }
    }
    // Every lifecycle of whatever was created ends (callbacks to dead URLs, odd TwiML).
    sim.wait_for(common::WAIT, |v| {
        let done =
            v.messages().all(|m| m.status.is_final()) && v.calls().all(|c| c.status.is_final());
        done.then_some(())
    })
    .await
    .unwrap();
    assert_eq!(
        common::send_sms(&sim, "+14155550100", "still here", None)
            .await
            .0,
        201
    );
    assert_eq!(PANICS.load(Ordering::SeqCst), 0, "the simulator panicked");
}
