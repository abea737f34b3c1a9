//! Inbound SMS delivery and the `/_sim/` inspection API over HTTPS.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // Test helpers fail loudly.

mod common;

use common::{Receiver, WAIT, send_sms, signature_ok, sim};
use twilio_sim::{CallStatus, Direction, InboundError, MessageStatus};

#[tokio::test]
async fn inbound_sms_is_signed_and_replies_become_messages() {
    let sim = sim().await;
    let app = Receiver::start().await;
    app.answer(
        "/sms",
        200,
        "<Response><Message>Acknowledged alert 42</Message></Response>",
    );
    let delivery = sim
        .send_inbound_sms("+14155550100", "+15005550006", "ACK 42", &app.url("/sms"))
        .await
        .unwrap();
    assert_eq!(delivery.response_status, 200);
    let hooks = app.wait_for(1, WAIT).await;
    let hook = &hooks[0];
    assert!(signature_ok(&sim, hook));
    assert_eq!(hook.param("Body"), Some("ACK 42"));
    assert_eq!(hook.param("From"), Some("+14155550100"));
    assert_eq!(hook.param("To"), Some("+15005550006"));
    assert_eq!(
        hook.param("MessageSid"),
        Some(delivery.message_sid.as_str())
    );
    assert_eq!(hook.param("SmsStatus"), Some("received"));
    let mut scratch = [0u8; 256];
    let sms = twilio_core::webhook::InboundSms::parse(hook.body.as_bytes(), &mut scratch).unwrap();
    assert_eq!((sms.from, sms.body), ("+14155550100", "ACK 42"));
    let inbound = sim.message(&delivery.message_sid).unwrap();
    assert_eq!(
        (inbound.direction, inbound.status),
        (Direction::Inbound, MessageStatus::Received)
    );
    assert_eq!(delivery.reply_sids.len(), 1);
    let reply = sim
        .wait_for_message_status(&delivery.reply_sids[0], MessageStatus::Delivered, WAIT)
        .await
        .unwrap();
    assert_eq!(reply.direction, Direction::OutboundReply);
    assert_eq!(
        (reply.to.as_str(), reply.body.as_str()),
        ("+14155550100", "Acknowledged alert 42")
    );
}

#[tokio::test]
async fn inbound_errors_are_values() {
    let sim = sim().await;
    assert!(matches!(
        sim.send_inbound_sms("+1", "+2", "x", "not a url").await,
        Err(InboundError::InvalidUrl { .. })
    ));
    let dead = Receiver::start().await.url("/gone");
    assert!(matches!(
        sim.send_inbound_sms("+1", "+2", "x", &dead).await,
        Err(InboundError::Unreachable { .. })
    ));
}

async fn sim_get(sim: &twilio_sim::Simulator, path: &str) -> (u16, serde_json::Value) {
    let response = sim
        .client()
        .unwrap()
        .get(format!("{}/_sim{path}", sim.base_url()))
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

async fn sim_send(
    sim: &twilio_sim::Simulator,
    method: &str,
    path: &str,
    body: &serde_json::Value,
) -> (u16, serde_json::Value) {
    let url = format!("{}/_sim{path}", sim.base_url());
    let request = sim
        .client()
        .unwrap()
        .request(method.parse().unwrap(), url)
        .json(body);
    let response = request.send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

#[tokio::test]
async fn inspection_records_over_https() {
    let sim = sim().await;
    let (_, m) = send_sms(&sim, "+14155550100", "inspect me", None).await;
    let sid = m["sid"].as_str().unwrap();
    sim.wait_for_message_status(sid, MessageStatus::Delivered, WAIT)
        .await
        .unwrap();

    let (_, info) = sim_get(&sim, "/info").await;
    assert_eq!(info["account_sid"], sim.account_sid());
    let (_, requests) = sim_get(&sim, "/requests").await;
    assert_eq!(
        requests[0]["form"][2],
        serde_json::json!(["Body", "inspect me"])
    );
    let (_, message) = sim_get(&sim, &format!("/messages/{sid}")).await;
    let statuses: Vec<&str> = message["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["queued", "sent", "delivered"]);
    assert_eq!(sim_get(&sim, "/messages/SMnope").await.0, 404);
    assert_eq!(sim_get(&sim, "/nothing-here").await.0, 404);

    // Reset forgets everything.
    assert_eq!(
        sim_send(&sim, "POST", "/reset", &serde_json::Value::Null)
            .await
            .0,
        200
    );
    assert!(sim.messages().is_empty() && sim.calls().is_empty() && sim.requests().is_empty());
    assert_eq!(sim_get(&sim, "/faults").await.1, serde_json::json!([]));
}

#[tokio::test]
async fn inspection_controls_over_https() {
    let sim = sim().await;
    let app = Receiver::start().await;
    let answer = serde_json::json!({"type": "answer", "digits": ["1"]});
    assert_eq!(
        sim_send(&sim, "PUT", "/scripts/calls/%2B14155550100", &answer)
            .await
            .0,
        200
    );
    let undelivered = serde_json::json!({"type": "undelivered", "error_code": 30005});
    assert_eq!(
        sim_send(&sim, "POST", "/scripts/messages/+14155550111", &undelivered)
            .await
            .0,
        200
    );
    let (_, scripts) = sim_get(&sim, "/scripts").await;
    assert_eq!(scripts["calls"]["+14155550100"]["digits"][0], "1");
    assert_eq!(scripts["messages"]["+14155550111"]["error_code"], 30005);

    let fault = serde_json::json!({"kind": {"type": "too_many_requests", "retry_after_secs": 1}, "endpoint": "create_message", "count": 1});
    assert_eq!(sim_send(&sim, "POST", "/faults", &fault).await.0, 201);
    assert_eq!(send_sms(&sim, "+14155550100", "x", None).await.0, 429);
    assert_eq!(send_sms(&sim, "+14155550111", "x", None).await.0, 201);

    let limits = serde_json::json!({"long_code_mps": 1.0, "toll_free_mps": 3.0, "short_code_mps": 100.0, "alphanumeric_mps": 10.0});
    assert_eq!(
        sim_send(&sim, "PUT", "/ratelimit", &limits).await.1["long_code_mps"],
        1.0
    );
    assert_eq!(
        sim_send(&sim, "PUT", "/ratelimit", &serde_json::Value::Null)
            .await
            .1,
        serde_json::Value::Null
    );

    let lost = serde_json::json!({"lost": true});
    assert_eq!(
        sim_send(&sim, "PUT", "/status_callbacks", &lost).await.1,
        lost
    );
    assert_eq!(sim_get(&sim, "/status_callbacks").await.1, lost);
    sim_send(
        &sim,
        "PUT",
        "/status_callbacks",
        &serde_json::json!({"lost": false}),
    )
    .await;
    assert_eq!(sim_get(&sim, "/status_callbacks").await.1["lost"], false);

    // A call scripted through HTTP.
    let voice =
        "<Response><Gather numDigits=\"1\" action=\"/g\"><Say>Press 1</Say></Gather></Response>";
    app.answer("/voice", 200, voice);
    let form = [
        ("To", "+14155550100"),
        ("From", "+15005550006"),
        ("Url", &app.url("/voice")),
    ];
    let (_, call) = common::post_form(&sim, &sim.calls_url(), &form).await;
    let call_sid = call["sid"].as_str().unwrap();
    sim.wait_for_call_status(call_sid, CallStatus::Completed, WAIT)
        .await
        .unwrap();
    let (_, call) = sim_get(&sim, &format!("/calls/{call_sid}")).await;
    assert_eq!(call["heard"], serde_json::json!(["Press 1"]));
    assert_eq!(call["digits_sent"], serde_json::json!(["1"]));

    // Inbound through HTTP.
    let inbound = serde_json::json!({"from": "+14155550100", "to": "+15005550006", "body": "STOP", "webhook_url": app.url("/sms")});
    let (status, delivery) = sim_send(&sim, "POST", "/inbound", &inbound).await;
    assert_eq!(status, 200, "{delivery}");
    let (_, callbacks) = sim_get(&sim, "/callbacks").await;
    assert!(
        callbacks
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["kind"] == "inbound_sms")
    );
    let bad = serde_json::json!({"from": "+1", "to": "+2", "body": "x", "webhook_url": "nope"});
    assert_eq!(
        sim_send(&sim, "POST", "/inbound", &bad).await.1["error"],
        "invalid_url"
    );
}

#[tokio::test]
async fn history_is_bounded() {
    let config = twilio_sim::SimConfig {
        history_cap: 3,
        ..Default::default()
    };
    let sim = twilio_sim::Simulator::start(config).await.unwrap();
    for i in 0..5 {
        send_sms(&sim, "+14155550100", &format!("{i}"), None).await;
    }
    let bodies: Vec<String> = sim.messages().into_iter().map(|m| m.body).collect();
    assert_eq!(bodies, ["2", "3", "4"]);
    assert_eq!(sim.requests().len(), 3);
    assert_eq!(sim.requests()[0].id, 3);
}
