//! Inbound SMS delivery and the `/_sim/` inspection API over HTTPS.

mod common;

use common::{Receiver, WAIT, send_sms, signature_ok, sim};
use twilio_sim::{CallStatus, Direction, InboundError, MessageStatus};

#[tokio::test]
async fn inbound_sms_is_signed_and_replies_become_messages() {
    let sim = sim().await;
    let app = Receiver::start().await;
    app.answer("/sms", 200, "<Response><Message>Acknowledged alert 42</Message></Response>");
    let delivery = sim.send_inbound_sms("+14155550100", "+15005550006", "ACK 42", &app.url("/sms")).await.unwrap();
    assert_eq!(delivery.response_status, 200);
    let hooks = app.wait_for(1, WAIT).await;
    let hook = &hooks[0];
    assert!(signature_ok(&sim, hook));
    assert_eq!(hook.param("Body"), Some("ACK 42"));
    assert_eq!(hook.param("From"), Some("+14155550100"));
    assert_eq!(hook.param("To"), Some("+15005550006"));
    assert_eq!(hook.param("MessageSid"), Some(delivery.message_sid.as_str()));
    assert_eq!(hook.param("SmsStatus"), Some("received"));
    let inbound = sim.message(&delivery.message_sid).unwrap();
    assert_eq!((inbound.direction, inbound.status), (Direction::Inbound, MessageStatus::Received));
    assert_eq!(delivery.reply_sids.len(), 1);
    let reply = sim.wait_for_message_status(&delivery.reply_sids[0], MessageStatus::Delivered, WAIT).await.unwrap();
    assert_eq!(reply.direction, Direction::OutboundReply);
    assert_eq!((reply.to.as_str(), reply.body.as_str()), ("+14155550100", "Acknowledged alert 42"));
}

#[tokio::test]
async fn inbound_errors_are_values() {
    let sim = sim().await;
    assert!(matches!(sim.send_inbound_sms("+1", "+2", "x", "not a url").await, Err(InboundError::InvalidUrl { .. })));
    let dead = Receiver::start().await.url("/gone");
    assert!(matches!(sim.send_inbound_sms("+1", "+2", "x", &dead).await, Err(InboundError::Unreachable { .. })));
}

#[tokio::test]
async fn inspection_api_over_https() {
    let sim = sim().await;
    let app = Receiver::start().await;
    let client = sim.client().unwrap();
    let base = format!("{}/_sim", sim.base_url());
    let (_, m) = send_sms(&sim, "+14155550100", "inspect me", None).await;
    let sid = m["sid"].as_str().unwrap();
    sim.wait_for_message_status(sid, MessageStatus::Delivered, WAIT).await.unwrap();

    let get = |path: &str| {
        let url = format!("{base}{path}");
        let client = client.clone();
        async move {
            let response = client.get(url).send().await.unwrap();
            (response.status().as_u16(), response.json::<serde_json::Value>().await.unwrap())
        }
    };
    let (_, info) = get("/info").await;
    assert_eq!(info["account_sid"], sim.account_sid());
    let (_, requests) = get("/requests").await;
    assert_eq!(requests[0]["form"][2], serde_json::json!(["Body", "inspect me"]));
    let (_, message) = get(&format!("/messages/{sid}")).await;
    let statuses: Vec<&str> = message["history"].as_array().unwrap().iter().map(|h| h["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["queued", "sent", "delivered"]);
    assert_eq!(get("/messages/SMnope").await.0, 404);
    assert_eq!(get("/nothing-here").await.0, 404);

    // Scripts, faults and rate limits through HTTP.
    let post = |path: &str, body: serde_json::Value| client.post(format!("{base}{path}")).json(&body).send();
    assert_eq!(post("/scripts/calls/%2B14155550100", serde_json::json!({"type": "answer", "digits": ["1"]})).await.unwrap().status(), 200);
    assert_eq!(post("/scripts/messages/+14155550111", serde_json::json!({"type": "undelivered", "error_code": 30005})).await.unwrap().status(), 200);
    let (_, scripts) = get("/scripts").await;
    assert_eq!(scripts["calls"]["+14155550100"]["digits"][0], "1");
    assert_eq!(scripts["messages"]["+14155550111"]["error_code"], 30005);
    let fault = serde_json::json!({"kind": {"type": "too_many_requests", "retry_after_secs": 1}, "endpoint": "create_message", "count": 1});
    assert_eq!(post("/faults", fault).await.unwrap().status(), 201);
    assert_eq!(send_sms(&sim, "+14155550100", "x", None).await.0, 429);
    assert_eq!(send_sms(&sim, "+14155550111", "x", None).await.0, 201);
    let (_, limits) = {
        let r = client.put(format!("{base}/ratelimit")).json(&serde_json::json!({"long_code_mps": 1.0, "toll_free_mps": 3.0, "short_code_mps": 100.0, "alphanumeric_mps": 10.0})).send().await.unwrap();
        (r.status(), r.json::<serde_json::Value>().await.unwrap())
    };
    assert_eq!(limits["long_code_mps"], 1.0);
    client.put(format!("{base}/ratelimit")).json(&serde_json::Value::Null).send().await.unwrap();

    // A call scripted through HTTP.
    app.answer("/voice", 200, "<Response><Gather numDigits=\"1\" action=\"/g\"><Say>Press 1</Say></Gather></Response>");
    let (_, call) = common::post_form(&sim, &sim.calls_url(), &[("To", "+14155550100"), ("From", "+15005550006"), ("Url", &app.url("/voice"))]).await;
    let call_sid = call["sid"].as_str().unwrap();
    sim.wait_for_call_status(call_sid, CallStatus::Completed, WAIT).await.unwrap();
    let (_, call) = get(&format!("/calls/{call_sid}")).await;
    assert_eq!(call["heard"], serde_json::json!(["Press 1"]));
    assert_eq!(call["digits_sent"], serde_json::json!(["1"]));

    // Inbound through HTTP.
    let inbound = serde_json::json!({"from": "+14155550100", "to": "+15005550006", "body": "STOP", "webhook_url": app.url("/sms")});
    let response = post("/inbound", inbound).await.unwrap();
    assert_eq!(response.status(), 200);
    let (_, callbacks) = get("/callbacks").await;
    assert!(callbacks.as_array().unwrap().iter().any(|c| c["kind"] == "inbound_sms"));

    // Reset forgets everything.
    assert_eq!(client.post(format!("{base}/reset")).send().await.unwrap().status(), 200);
    assert!(sim.messages().is_empty() && sim.calls().is_empty() && sim.requests().is_empty());
    let (_, faults) = get("/faults").await;
    assert_eq!(faults, serde_json::json!([]));
}

#[tokio::test]
async fn history_is_bounded() {
    let config = twilio_sim::SimConfig { history_cap: 3, ..Default::default() };
    let sim = twilio_sim::Simulator::start(config).await.unwrap();
    for i in 0..5 {
        send_sms(&sim, "+14155550100", &format!("{i}"), None).await;
    }
    let bodies: Vec<String> = sim.messages().into_iter().map(|m| m.body).collect();
    assert_eq!(bodies, ["2", "3", "4"]);
    assert_eq!(sim.requests().len(), 3);
    assert_eq!(sim.requests()[0].id, 3);
}
