//! Property tests: any accepted request decodes back to exactly the fields given, any input at
//! all gives a request or an error (never a panic), and short buffers never leak partial bytes.

use super::*;
use proptest::prelude::*;
use std::string::ToString;

fn phone() -> impl Strategy<Value = String> {
    "\\+[1-9][0-9]{7,14}"
}

fn url() -> impl Strategy<Value = String> {
    "https://[a-z0-9-]{1,12}\\.example(:[0-9]{2,4})?/[A-Za-z0-9/%?=&~*.+-]{0,24}"
}

/// A recipient and a sender on the same channel.
fn to_and_from() -> impl Strategy<Value = (String, String)> {
    let sms = (
        phone(),
        prop_oneof![
            phone(),
            "[A-Z][A-Za-z0-9 ]{0,10}",
            "[0-9]{3,8}",
            "MG[0-9a-f]{32}",
        ],
    );
    let whatsapp = (
        phone().prop_map(|p| std::format!("whatsapp:{p}")),
        prop_oneof![
            phone().prop_map(|p| std::format!("whatsapp:{p}")),
            "MG[0-9a-f]{32}",
        ],
    );
    prop_oneof![sms, whatsapp]
}

#[derive(Debug, Clone)]
struct MessageInput {
    to: String,
    from: String,
    body: Option<String>,
    media: Vec<String>,
    callback: Option<String>,
    validity: Option<u32>,
    attempt: Option<u32>,
    smart: Option<bool>,
}

fn message_input() -> impl Strategy<Value = MessageInput> {
    (
        to_and_from(),
        proptest::option::of("\\PC{1,200}"),
        proptest::collection::vec(url(), 0..=3),
        proptest::option::of(url()),
        proptest::option::of(1u32..=36_000),
        proptest::option::of(1u32..),
        proptest::option::of(any::<bool>()),
    )
        .prop_filter("needs content", |t| t.1.is_some() || !t.2.is_empty())
        .prop_map(
            |((to, from), body, media, callback, validity, attempt, smart)| MessageInput {
                to,
                from,
                body,
                media,
                callback,
                validity,
                attempt,
                smart,
            },
        )
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| ((*k).into(), (*v).into()))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn accepted_messages_round_trip(m in message_input()) {
        let mut b = MessageRequest::builder(&m.to).from(&m.from);
        if let Some(body) = &m.body { b = b.body(body); }
        for u in &m.media { b = b.media_url(u); }
        if let Some(cb) = &m.callback { b = b.status_callback(cb); }
        if let Some(v) = m.validity { b = b.validity_period(v); }
        if let Some(a) = m.attempt { b = b.attempt(a); }
        if let Some(s) = m.smart { b = b.smart_encoded(s); }
        let req = b.build().unwrap();

        // Only a whole Messaging Service SID moves to MessagingServiceSid; an alphanumeric
        // sender ID such as "MG" or "MGate" stays a From.
        let is_service_sid = m.from.len() == 34 && m.from.starts_with("MG");
        let from_key = if is_service_sid { "MessagingServiceSid" } else { "From" };
        let mut want = pairs(&[("To", &m.to), (from_key, &m.from)]);
        if let Some(body) = &m.body { want.push(("Body".into(), body.clone())); }
        for u in &m.media { want.push(("MediaUrl".into(), u.clone())); }
        if let Some(cb) = &m.callback { want.push(("StatusCallback".into(), cb.clone())); }
        if let Some(v) = m.validity { want.push(("ValidityPeriod".into(), v.to_string())); }
        if let Some(a) = m.attempt { want.push(("Attempt".into(), a.to_string())); }
        if let Some(s) = m.smart { want.push(("SmartEncoded".into(), s.to_string())); }

        let body = body_string(&req);
        prop_assert_eq!(decode(&body), want);

        // The head announces exactly the body that follows it.
        let http = http_bytes(&req, &HttpConfig::default());
        let text = String::from_utf8(http).unwrap();
        let (head, tail) = text.split_once("\r\n\r\n").unwrap();
        let content_length = std::format!("\r\nContent-Length: {}\r\n", tail.len());
        prop_assert!(head.contains(&content_length));
        prop_assert_eq!(tail, body);
    }

    #[test]
    fn accepted_calls_round_trip(
        twiml in "<Response><Say>\\PC{0,300}</Say></Response>",
        callback in url(),
        events in proptest::sample::subsequence(CallEvent::ALL.to_vec(), 0..=4),
        timeout in 1u32..=600,
        record in any::<bool>(),
    ) {
        let mut b = CallRequest::builder("client:oncall", "+15551234567")
            .twiml(&twiml)
            .status_callback(&callback)
            .timeout(timeout)
            .record(record);
        for e in &events { b = b.status_callback_event(*e); }
        let req = b.build().unwrap();

        let mut want = pairs(&[
            ("To", "client:oncall"),
            ("From", "+15551234567"),
            ("Twiml", &twiml),
            ("StatusCallback", &callback),
        ]);
        for e in &events { want.push(("StatusCallbackEvent".into(), e.as_str().into())); }
        want.push(("Timeout".into(), timeout.to_string()));
        want.push(("Record".into(), record.to_string()));
        prop_assert_eq!(decode(&body_string(&req)), want);
    }

    #[test]
    fn any_input_gives_a_request_or_an_error(
        to in ".{0,20}",
        from in ".{0,40}",
        body in ".{0,40}",
        media in ".{0,40}",
        vars in ".{0,20}",
    ) {
        let result = MessageRequest::builder(&to)
            .from(&from)
            .body(&body)
            .media_url(&media)
            .content_sid(&vars)
            .build();
        if let Ok(req) = result {
            // Whatever was accepted encodes and decodes back to the same values.
            let decoded = decode(&body_string(&req));
            prop_assert_eq!(&decoded[0], &("To".into(), to.clone()));
            prop_assert!(decoded.iter().any(|(k, v)| k == "Body" && *v == body));
        }
        let call = CallRequest::builder(&to, &from).url(&media).twiml(&body).build();
        prop_assert!(call.is_err());
    }

    #[test]
    fn short_buffers_never_hold_a_partial_request(m in message_input(), cut in 0usize..400) {
        let mut b = MessageRequest::builder(&m.to).from(&m.from);
        if let Some(body) = &m.body { b = b.body(body); }
        for u in &m.media { b = b.media_url(u); }
        let req = b.build().unwrap();
        let creds = creds();
        let http = HttpConfig::default();
        let need = req.http_len(&creds, &http);
        let size = cut.min(need.saturating_sub(1));
        let mut buf = std::vec![0xEEu8; size];
        let err = req.write_http(&creds, &http, &mut buf).unwrap_err();
        prop_assert_eq!(err.required, need);
        prop_assert!(buf.iter().all(|&b| b == 0));
    }
}

/// Found by `accepted_messages_round_trip`: a short alphanumeric sender that happens to start
/// with "MG" is a From, not a Messaging Service SID.
#[test]
fn alphanumeric_sender_starting_with_mg_is_a_from() {
    let req = MessageRequest::sms("+15551234567", "MGate", "door open").unwrap();
    assert_eq!(
        decode(&body_string(&req)),
        pairs(&[
            ("To", "+15551234567"),
            ("From", "MGate"),
            ("Body", "door open")
        ])
    );
}
