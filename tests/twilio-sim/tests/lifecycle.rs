//! Message and call lifecycles, with signed callbacks a real application would receive.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // Test helpers fail loudly.

mod common;

use common::{Receiver, WAIT, get_json, post_form, send_sms, signature_ok, sim};
use twilio_sim::{CallEvent, CallScript, CallStatus, CallbackKind, MessageOutcome, MessageStatus};

#[tokio::test]
async fn message_goes_queued_sent_delivered_with_signed_callbacks() {
    let sim = sim().await;
    let app = Receiver::start().await;
    let callback = app.url("/status?site=plant-3");
    let (_, m) = send_sms(&sim, "+14155550100", "hi", Some(&callback)).await;
    let sid = m["sid"].as_str().unwrap();
    let record = sim
        .wait_for_message_status(sid, MessageStatus::Delivered, WAIT)
        .await
        .unwrap();
    let history: Vec<_> = record.history.iter().map(|h| h.status).collect();
    assert_eq!(
        history,
        [
            MessageStatus::Queued,
            MessageStatus::Sent,
            MessageStatus::Delivered
        ]
    );
    assert!(record.date_sent.is_some());

    let hooks = app.wait_for(2, WAIT).await;
    let statuses: Vec<_> = hooks
        .iter()
        .map(|h| h.param("MessageStatus").unwrap())
        .collect();
    assert_eq!(statuses, ["sent", "delivered"]);
    for hook in &hooks {
        assert_eq!(hook.method, "POST");
        assert_eq!(hook.url, callback);
        assert_eq!(
            hook.content_type.as_deref(),
            Some("application/x-www-form-urlencoded")
        );
        assert!(signature_ok(&sim, hook), "bad signature on {hook:?}");
        assert_eq!(hook.param("MessageSid"), Some(sid));
        assert_eq!(hook.param("SmsSid"), Some(sid));
        assert_eq!(hook.param("AccountSid"), Some(sim.account_sid()));
        assert_eq!(hook.param("To"), Some("+14155550100"));
        assert_eq!(hook.param("ApiVersion"), Some("2010-04-01"));
    }
    assert_eq!(hooks[1].param("RawDlrDoneDate").map(str::len), Some(10));
    assert!(common::tampered_fails(&sim, &hooks[0]));
    // twilio-core's callback view reads what the simulator sent.
    let mut scratch = [0u8; 256];
    let view =
        twilio_core::webhook::MessageStatusCallback::parse(hooks[1].body.as_bytes(), &mut scratch)
            .unwrap();
    assert_eq!(view.message_sid, sid);
    assert_eq!(
        view.message_status,
        twilio_core::response::MessageStatus::Delivered
    );
    assert_eq!(view.to, Some("+14155550100"));
    // The simulator's own record of the callbacks matches.
    let sent = sim.wait_for_callbacks(2, WAIT).await.unwrap();
    assert!(
        sent.iter()
            .all(|c| c.kind == CallbackKind::MessageStatus && c.response_status == Some(200))
    );
    assert_eq!(sent[0].signature, hooks[0].signature.clone().unwrap());
}

#[tokio::test]
async fn scripted_undelivered_and_failed_messages() {
    let sim = sim().await;
    let app = Receiver::start().await;
    sim.set_message_outcome(
        "+14155550111",
        MessageOutcome::Undelivered { error_code: 30003 },
    );
    sim.set_message_outcome("+14155550122", MessageOutcome::Failed { error_code: 30008 });
    let (_, a) = send_sms(&sim, "+14155550111", "a", Some(&app.url("/a"))).await;
    let (_, b) = send_sms(&sim, "+14155550122", "b", Some(&app.url("/b"))).await;
    let a = sim
        .wait_for_message_status(a["sid"].as_str().unwrap(), MessageStatus::Undelivered, WAIT)
        .await
        .unwrap();
    assert_eq!(a.error_code, Some(30003));
    let b = sim
        .wait_for_message_status(b["sid"].as_str().unwrap(), MessageStatus::Failed, WAIT)
        .await
        .unwrap();
    assert_eq!(b.error_code, Some(30008));
    assert_eq!(b.history.len(), 2, "queued -> failed");
    let hooks = app.wait_for(3, WAIT).await;
    let failed = hooks.iter().find(|h| h.path == "/b").unwrap();
    assert_eq!(failed.param("MessageStatus"), Some("failed"));
    assert_eq!(failed.param("ErrorCode"), Some("30008"));
    let undelivered = hooks
        .iter()
        .find(|h| h.param("MessageStatus") == Some("undelivered"))
        .unwrap();
    assert_eq!(undelivered.param("ErrorCode"), Some("30003"));
    // Fetch shows the error too.
    let url = sim
        .messages_url()
        .replace("Messages.json", &format!("Messages/{}.json", b.sid));
    let (_, fetched) = common::get_json(&sim, &url).await;
    assert_eq!(fetched["status"], "failed");
    assert_eq!(fetched["error_code"], 30008);
    assert_eq!(fetched["error_message"], "Unknown error");
    assert_eq!(
        fetched["price"],
        serde_json::Value::Null,
        "failed: not charged"
    );
    let url = sim
        .messages_url()
        .replace("Messages.json", &format!("Messages/{}.json", a.sid));
    let (_, fetched) = common::get_json(&sim, &url).await;
    assert_eq!(
        (fetched["price"].as_str(), fetched["price_unit"].as_str()),
        (Some("-0.00790"), Some("USD")),
        "undelivered: charged per segment"
    );
}

const ALERT_TWIML: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<Response>
  <Say>Boiler 3 is at 92 degrees.</Say>
  <Gather numDigits="1" action="/gather" method="POST">
    <Say>Press 1 to acknowledge.</Say>
  </Gather>
  <Say>No answer received. Goodbye.</Say>
</Response>"#;

#[tokio::test]
async fn gather_round_trip_posts_scripted_digits_signed() {
    let sim = sim().await;
    let app = Receiver::start().await;
    app.answer("/voice", 200, ALERT_TWIML);
    app.answer(
        "/gather",
        200,
        "<Response><Say>Acknowledged. Thank you.</Say><Hangup/></Response>",
    );
    sim.set_call_script("+14155550100", CallScript::answer_and_press("1"));
    let (status, call) = post_form(
        &sim,
        &sim.calls_url(),
        &[
            ("To", "+14155550100"),
            ("From", "+15005550006"),
            ("Url", &app.url("/voice")),
            ("StatusCallback", &app.url("/call-status")),
            ("StatusCallbackEvent", "initiated"),
            ("StatusCallbackEvent", "ringing"),
            ("StatusCallbackEvent", "answered"),
            ("StatusCallbackEvent", "completed"),
        ],
    )
    .await;
    assert_eq!(status, 201);
    let sid = call["sid"].as_str().unwrap();
    let record = sim
        .wait_for_call_status(sid, CallStatus::Completed, WAIT)
        .await
        .unwrap();
    assert_eq!(
        record.heard,
        [
            "Boiler 3 is at 92 degrees.",
            "Press 1 to acknowledge.",
            "Acknowledged. Thank you."
        ]
    );
    assert_eq!(record.digits_sent, ["1"]);
    assert!(record.events.contains(&CallEvent::Hangup));
    assert!(record.duration_secs.unwrap() >= 1);
    let history: Vec<_> = record.history.iter().map(|h| h.status).collect();
    assert_eq!(
        history,
        [
            CallStatus::Queued,
            CallStatus::Ringing,
            CallStatus::InProgress,
            CallStatus::Completed
        ]
    );

    let hooks = app.wait_for(6, WAIT).await;
    for hook in &hooks {
        assert!(signature_ok(&sim, hook), "bad signature on {hook:?}");
        assert_eq!(hook.param("CallSid"), Some(sid));
    }
    let gather = hooks.iter().find(|h| h.path == "/gather").unwrap();
    assert_eq!(gather.param("Digits"), Some("1"));
    let mut scratch = [0u8; 256];
    let result =
        twilio_core::webhook::GatherResult::parse(gather.body.as_bytes(), &mut scratch).unwrap();
    assert_eq!((result.call_sid, result.digits), (sid, Some("1")));
    let events: Vec<_> = hooks
        .iter()
        .filter(|h| h.path == "/call-status")
        .map(|h| h.param("CallStatus").unwrap())
        .collect();
    assert_eq!(events, ["initiated", "ringing", "in-progress", "completed"]);
    let completed = hooks.iter().rfind(|h| h.path == "/call-status").unwrap();
    assert!(completed.param("CallDuration").is_some());
    let mut scratch = [0u8; 512];
    let view =
        twilio_core::webhook::CallStatusCallback::parse(completed.body.as_bytes(), &mut scratch)
            .unwrap();
    assert_eq!(
        view.call_status,
        twilio_core::response::CallStatus::Completed
    );
    assert_eq!(view.sequence_number, Some(3));
    assert!(view.call_duration.is_some_and(|d| d >= 1));
}

#[tokio::test]
async fn silent_callee_falls_through_the_gather() {
    let sim = sim().await;
    let app = Receiver::start().await;
    app.answer("/voice", 200, ALERT_TWIML);
    let (_, call) = post_form(
        &sim,
        &sim.calls_url(),
        &[
            ("To", "+14155550100"),
            ("From", "+15005550006"),
            ("Url", &app.url("/voice")),
        ],
    )
    .await;
    let record = sim
        .wait_for_call_status(call["sid"].as_str().unwrap(), CallStatus::Completed, WAIT)
        .await
        .unwrap();
    assert!(record.digits_sent.is_empty());
    assert_eq!(
        record.heard.last().map(String::as_str),
        Some("No answer received. Goodbye.")
    );
    assert!(app.hooks().iter().all(|h| h.path != "/gather"));
}

#[tokio::test]
async fn busy_no_answer_failed_and_machine() {
    let sim = sim().await;
    let app = Receiver::start().await;
    let twiml = "<Response><Say>Alert</Say><Gather numDigits=\"1\" action=\"/g\"/></Response>";
    let cases = [
        ("+14155550101", CallScript::Busy, CallStatus::Busy),
        ("+14155550102", CallScript::NoAnswer, CallStatus::NoAnswer),
        ("+14155550103", CallScript::Failed, CallStatus::Failed),
        ("+14155550104", CallScript::Machine, CallStatus::Completed),
    ];
    for (to, script, expected) in cases {
        sim.set_call_script(to, script);
        let (_, call) = post_form(
            &sim,
            &sim.calls_url(),
            &[
                ("To", to),
                ("From", "+15005550006"),
                ("Twiml", twiml),
                ("MachineDetection", "Enable"),
                ("StatusCallback", &app.url(&format!("/status/{to}"))),
            ],
        )
        .await;
        let record = sim
            .wait_for_call_status(call["sid"].as_str().unwrap(), expected, WAIT)
            .await
            .unwrap();
        if expected == CallStatus::Completed {
            assert_eq!(record.answered_by.as_deref(), Some("machine_start"));
            assert_eq!(record.heard, ["Alert"]);
            assert!(record.digits_sent.is_empty());
        } else {
            assert!(record.heard.is_empty());
            assert_eq!(record.answered_by, None);
        }
    }
    // Only "completed" events by default: one per call, carrying the final status.
    let hooks = app.wait_for(4, WAIT).await;
    let mut finals: Vec<_> = hooks
        .iter()
        .map(|h| {
            (
                h.param("To").unwrap().to_owned(),
                h.param("CallStatus").unwrap().to_owned(),
            )
        })
        .collect();
    finals.sort();
    assert_eq!(
        finals,
        [
            ("+14155550101".to_owned(), "busy".to_owned()),
            ("+14155550102".to_owned(), "no-answer".to_owned()),
            ("+14155550103".to_owned(), "failed".to_owned()),
            ("+14155550104".to_owned(), "completed".to_owned()),
        ]
    );
    let machine = hooks
        .iter()
        .find(|h| h.param("To") == Some("+14155550104"))
        .unwrap();
    assert_eq!(machine.param("AnsweredBy"), Some("machine_start"));
}

#[tokio::test]
async fn redirect_pause_and_application_errors() {
    let sim = sim().await;
    let app = Receiver::start().await;
    app.answer("/one", 200, "<Response><Say>one</Say><Pause length=\"3\"/><Redirect method=\"GET\">/two?x=1</Redirect></Response>");
    app.answer("/two", 200, "<Response><Say>two</Say></Response>");
    app.answer("/broken", 500, "oops");
    app.answer("/garbage", 200, "<Response><Say>unclosed</Response>");
    let (_, call) = post_form(
        &sim,
        &sim.calls_url(),
        &[
            ("To", "+14155550100"),
            ("From", "+15005550006"),
            ("Url", &app.url("/one")),
        ],
    )
    .await;
    let record = sim
        .wait_for_call_status(call["sid"].as_str().unwrap(), CallStatus::Completed, WAIT)
        .await
        .unwrap();
    assert_eq!(record.heard, ["one", "two"]);
    assert!(record.events.contains(&CallEvent::Pause { seconds: 3 }));
    assert!(record.events.contains(&CallEvent::Redirect {
        url: app.url("/two?x=1")
    }));
    let redirect = app.hooks().into_iter().find(|h| h.path == "/two").unwrap();
    assert_eq!(redirect.method, "GET");
    assert!(
        redirect.url.contains("CallSid="),
        "GET carries parameters in the query: {}",
        redirect.url
    );
    assert!(signature_ok(&sim, &redirect));

    for path in ["/broken", "/garbage"] {
        let (_, call) = post_form(
            &sim,
            &sim.calls_url(),
            &[
                ("To", "+14155550100"),
                ("From", "+15005550006"),
                ("Url", &app.url(path)),
            ],
        )
        .await;
        let record = sim
            .wait_for_call_status(call["sid"].as_str().unwrap(), CallStatus::Completed, WAIT)
            .await
            .unwrap();
        assert!(
            record
                .events
                .iter()
                .any(|e| matches!(e, CallEvent::ApplicationError { .. })),
            "{path}: {:?}",
            record.events
        );
        assert!(record.heard.is_empty());
    }
}

#[tokio::test]
async fn inline_twiml_with_status_callback_get() {
    let sim = sim().await;
    let app = Receiver::start().await;
    let (_, call) = post_form(
        &sim,
        &sim.calls_url(),
        &[
            ("To", "+14155550100"),
            ("From", "+15005550006"),
            (
                "Twiml",
                "<Response><Say loop=\"2\">Critical: line 4 down</Say></Response>",
            ),
            ("StatusCallback", &app.url("/cs")),
            ("StatusCallbackMethod", "GET"),
        ],
    )
    .await;
    let record = sim
        .wait_for_call_status(call["sid"].as_str().unwrap(), CallStatus::Completed, WAIT)
        .await
        .unwrap();
    assert_eq!(
        record.heard,
        ["Critical: line 4 down", "Critical: line 4 down"]
    );
    let hooks = app.wait_for(1, WAIT).await;
    assert_eq!(hooks[0].method, "GET");
    assert!(signature_ok(&sim, &hooks[0]));
}

#[tokio::test]
async fn callbacks_to_a_dead_url_are_recorded_as_failures() {
    let sim = sim().await;
    let dead = {
        let app = Receiver::start().await;
        app.url("/gone")
    };
    let (_, m) = send_sms(&sim, "+14155550100", "hi", Some(&dead)).await;
    sim.wait_for_message_status(m["sid"].as_str().unwrap(), MessageStatus::Delivered, WAIT)
        .await
        .unwrap();
    let callbacks = sim.wait_for_callbacks(2, WAIT).await.unwrap();
    assert!(
        callbacks
            .iter()
            .all(|c| c.response_status.is_none() && c.error.is_some())
    );
}

#[tokio::test]
async fn lost_status_callbacks_are_recorded_not_sent_and_fetching_shows_the_status() {
    let sim = sim().await;
    let app = Receiver::start().await;
    sim.set_status_callbacks_lost(true);
    let (_, m) = send_sms(&sim, "+14155550100", "hi", Some(&app.url("/sms"))).await;
    let sms = m["sid"].as_str().unwrap().to_owned();
    let (_, call) = post_form(
        &sim,
        &sim.calls_url(),
        &[
            ("To", "+14155550101"),
            ("From", "+15005550006"),
            ("Twiml", "<Response><Say>Line 4 down</Say></Response>"),
            ("StatusCallback", &app.url("/call")),
        ],
    )
    .await;
    let call = call["sid"].as_str().unwrap().to_owned();
    sim.wait_for_message_status(&sms, MessageStatus::Delivered, WAIT)
        .await
        .unwrap();
    sim.wait_for_call_status(&call, CallStatus::Completed, WAIT)
        .await
        .unwrap();
    // sent + delivered, completed: recorded, none sent.
    let lost = sim.wait_for_callbacks(3, WAIT).await.unwrap();
    assert!(
        lost.iter().all(|c| c.response_status.is_none()
            && c.error.as_deref().is_some_and(|e| e.contains("lost"))),
        "{lost:?}"
    );
    assert!(app.hooks().is_empty(), "{:?}", app.hooks());
    // What an application that missed them looks up.
    let base = sim.messages_url().replace("Messages.json", "");
    let (status, fetched) = get_json(&sim, &format!("{base}Messages/{sms}.json")).await;
    assert_eq!(
        (status, fetched["status"].as_str()),
        (200, Some("delivered"))
    );
    assert_eq!(
        (fetched["price"].as_str(), fetched["price_unit"].as_str()),
        (Some("-0.00790"), Some("USD"))
    );
    let (status, fetched) = get_json(&sim, &format!("{base}Calls/{call}.json")).await;
    assert_eq!(
        (status, fetched["status"].as_str()),
        (200, Some("completed"))
    );
    assert_eq!(
        (fetched["price"].as_str(), fetched["price_unit"].as_str()),
        (Some("-0.01400"), Some("USD")),
        "one started minute"
    );

    sim.set_status_callbacks_lost(false);
    let (_, m) = send_sms(&sim, "+14155550100", "again", Some(&app.url("/sms"))).await;
    sim.wait_for_message_status(m["sid"].as_str().unwrap(), MessageStatus::Delivered, WAIT)
        .await
        .unwrap();
    assert_eq!(app.wait_for(2, WAIT).await.len(), 2, "delivered again");
}
