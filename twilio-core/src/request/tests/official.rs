//! Replays requests recorded from Twilio's official Python helper library
//! (`twilio-core/tests/vectors/gen_official_bodies.py`): same path, same `Authorization`, and
//! the same encoded parameters. Parameter order differs between libraries (Twilio ignores it),
//! so segments are compared after a stable sort by name, which keeps repeated names in order.

use super::*;
use serde_json::Value;

const VECTORS: &str = include_str!("../../../tests/vectors/official_bodies.json");

fn vectors() -> Value {
    serde_json::from_str(VECTORS).unwrap()
}

fn str_of(v: &Value) -> &str {
    v.as_str().unwrap()
}

fn u32_of(v: &Value) -> u32 {
    u32::try_from(v.as_u64().unwrap()).unwrap()
}

fn bool_of(v: &Value) -> bool {
    match v {
        Value::Bool(b) => *b,
        Value::String(s) => s == "true",
        other => panic!("not a boolean: {other}"),
    }
}

fn method_of(v: &Value) -> HttpMethod {
    match str_of(v) {
        "GET" => HttpMethod::Get,
        "POST" => HttpMethod::Post,
        other => panic!("unknown method {other}"),
    }
}

fn sorted_segments(body: &str) -> Vec<&str> {
    let mut segments: Vec<&str> = body.split('&').collect();
    segments.sort_by_key(|s| s.split('=').next().unwrap_or_default());
    segments
}

fn message_from(params: &serde_json::Map<String, Value>) -> MessageRequest<'_> {
    let mut b = MessageRequest::builder(str_of(&params["to"]));
    for (name, v) in params {
        b = match name.as_str() {
            "to" => b,
            "from" => b.from(str_of(v)),
            "messaging_service_sid" => b.messaging_service_sid(str_of(v)),
            "body" => b.body(str_of(v)),
            "media_url" => v
                .as_array()
                .unwrap()
                .iter()
                .fold(b, |b, url| b.media_url(str_of(url))),
            "content_sid" => b.content_sid(str_of(v)),
            "content_variables" => b.content_variables(str_of(v)),
            "status_callback" => b.status_callback(str_of(v)),
            "validity_period" => b.validity_period(u32_of(v)),
            "max_price" => b.max_price(str_of(v)),
            "provide_feedback" => b.provide_feedback(bool_of(v)),
            "attempt" => b.attempt(u32_of(v)),
            "smart_encoded" => b.smart_encoded(bool_of(v)),
            "shorten_urls" => b.shorten_urls(bool_of(v)),
            "send_as_mms" => b.send_as_mms(bool_of(v)),
            // `send_at` always sends ScheduleType=fixed, the only schedule type.
            "schedule_type" => {
                assert_eq!(str_of(v), "fixed");
                b
            }
            "send_at" => b.send_at(str_of(v)),
            other => panic!("vector parameter {other} not mapped"),
        };
    }
    b.build().unwrap()
}

fn call_event(name: &str) -> CallEvent {
    CallEvent::ALL
        .into_iter()
        .find(|e| e.as_str() == name)
        .unwrap()
}

fn machine_detection(name: &str) -> MachineDetection {
    [MachineDetection::Enable, MachineDetection::DetectMessageEnd]
        .into_iter()
        .find(|m| m.as_str() == name)
        .unwrap()
}

fn call_from(params: &serde_json::Map<String, Value>) -> CallRequest<'_> {
    let mut b = CallRequest::builder(str_of(&params["to"]), str_of(&params["from"]));
    for (name, v) in params {
        b = match name.as_str() {
            "to" | "from" => b,
            "url" => b.url(str_of(v)),
            "twiml" => b.twiml(str_of(v)),
            "application_sid" => b.application_sid(str_of(v)),
            "method" => b.method(method_of(v)),
            "status_callback" => b.status_callback(str_of(v)),
            "status_callback_event" => v
                .as_array()
                .unwrap()
                .iter()
                .fold(b, |b, e| b.status_callback_event(call_event(str_of(e)))),
            "status_callback_method" => b.status_callback_method(method_of(v)),
            "timeout" => b.timeout(u32_of(v)),
            "record" => b.record(bool_of(v)),
            "machine_detection" => b.machine_detection(machine_detection(str_of(v))),
            "machine_detection_timeout" => b.machine_detection_timeout(u32_of(v)),
            "async_amd" => b.async_amd(bool_of(v)),
            "async_amd_status_callback" => b.async_amd_status_callback(str_of(v)),
            "async_amd_status_callback_method" => b.async_amd_status_callback_method(method_of(v)),
            "caller_id" => b.caller_id(str_of(v)),
            "time_limit" => b.time_limit(u32_of(v)),
            other => panic!("vector parameter {other} not mapped"),
        };
    }
    b.build().unwrap()
}

/// Checks our request against one recorded from the official library.
fn check_against(case: &Value, req: &impl ApiRequest) {
    let name = str_of(&case["name"]);
    let ours = body_string(req);
    let theirs = str_of(&case["body"]);
    assert_eq!(sorted_segments(&ours), sorted_segments(theirs), "{name}");

    let http = String::from_utf8(http_bytes(req, &HttpConfig::default())).unwrap();
    let path = str_of(&case["url"])
        .strip_prefix("https://api.twilio.com")
        .unwrap();
    let request_line = std::format!("{} {path} HTTP/1.1\r\n", str_of(&case["method"]));
    assert!(http.starts_with(&request_line), "{name}");
    let auth = std::format!("\r\nAuthorization: {}\r\n", str_of(&case["authorization"]));
    assert!(http.contains(&auth), "{name}");
    let content_type = std::format!("\r\nContent-Type: {}\r\n", str_of(&case["content_type"]));
    assert!(http.contains(&content_type), "{name}");
}

#[test]
fn messages_match_the_official_library() {
    let v = vectors();
    let cases = v["messages"].as_array().unwrap();
    assert!(cases.len() >= 7);
    for case in cases {
        let req = message_from(case["params"].as_object().unwrap());
        check_against(case, &req);
    }
}

#[test]
fn calls_match_the_official_library() {
    let v = vectors();
    let cases = v["calls"].as_array().unwrap();
    assert!(cases.len() >= 3);
    for case in cases {
        let req = call_from(case["params"].as_object().unwrap());
        check_against(case, &req);
    }
}

#[test]
fn fetches_and_api_keys_match_the_official_library() {
    let v = vectors();
    let creds = creds();
    let http = HttpConfig::default();
    for (key, req) in [
        (
            "fetch_message",
            FetchRequest::message("SM0123456789abcdef0123456789abcdef").unwrap(),
        ),
        (
            "fetch_call",
            FetchRequest::call("CA0123456789abcdef0123456789abcdef").unwrap(),
        ),
    ] {
        let mut buf = [0u8; 512];
        let n = req.write_http(&creds, &http, &mut buf).unwrap();
        let path = str_of(&v[key]["url"])
            .strip_prefix("https://api.twilio.com")
            .unwrap();
        let line = std::format!("{} {path} HTTP/1.1\r\n", str_of(&v[key]["method"]));
        assert!(buf[..n].starts_with(line.as_bytes()), "{key}");
    }

    let key = &v["api_key"];
    let creds =
        Credentials::api_key(ACCOUNT, str_of(&key["key_sid"]), str_of(&key["secret"])).unwrap();
    assert_eq!(creds.authorization(), str_of(&key["authorization"]));
}

fn verify_channel(name: &str) -> VerifyChannel {
    [
        VerifyChannel::Sms,
        VerifyChannel::Call,
        VerifyChannel::Whatsapp,
    ]
    .into_iter()
    .find(|c| c.as_str() == name)
    .unwrap()
}

/// Like [`check_against`], for a product on its own host.
fn check_product_request(case: &Value, req: &impl ApiRequest, host: &str) {
    let name = str_of(&case["name"]);
    let http = String::from_utf8(http_bytes(req, &HttpConfig::default())).unwrap();
    let path = str_of(&case["url"])
        .strip_prefix(&std::format!("https://{host}"))
        .unwrap();
    let request_line = std::format!(
        "{} {path} HTTP/1.1\r\nHost: {host}\r\n",
        str_of(&case["method"])
    );
    assert!(http.starts_with(&request_line), "{name}: {http}");
    let auth = std::format!("\r\nAuthorization: {}\r\n", str_of(&case["authorization"]));
    assert!(http.contains(&auth), "{name}");
    if let Some(theirs) = case["body"].as_str() {
        assert_eq!(
            sorted_segments(&body_string(req)),
            sorted_segments(theirs),
            "{name}"
        );
        let content_type = std::format!("\r\nContent-Type: {}\r\n", str_of(&case["content_type"]));
        assert!(http.contains(&content_type), "{name}");
    } else {
        assert!(!http.contains("Content-Length"), "{name}");
    }
}

const SERVICE: &str = "VA0123456789abcdef0123456789abcdef";

#[test]
fn verifications_match_the_official_library() {
    let v = vectors();
    let cases = v["verifications"].as_array().unwrap();
    assert!(cases.len() >= 3);
    for case in cases {
        let params = case["params"].as_object().unwrap();
        let channel = verify_channel(str_of(&params["channel"]));
        let mut req = VerificationRequest::new(SERVICE, str_of(&params["to"]), channel).unwrap();
        if let Some(locale) = params.get("locale") {
            req = req.with_locale(str_of(locale)).unwrap();
        }
        check_product_request(case, &req, VERIFY_API_HOST);
    }
    let checks = v["verification_checks"].as_array().unwrap();
    assert!(checks.len() >= 2);
    for case in checks {
        let params = case["params"].as_object().unwrap();
        let code = str_of(&params["code"]);
        let req = match (params.get("to"), params.get("verification_sid")) {
            (Some(to), None) => VerificationCheckRequest::for_number(SERVICE, str_of(to), code),
            (None, Some(sid)) => {
                VerificationCheckRequest::for_verification(SERVICE, str_of(sid), code)
            }
            other => panic!("unexpected check parameters {other:?}"),
        }
        .unwrap();
        check_product_request(case, &req, VERIFY_API_HOST);
    }
}

#[test]
fn lookups_match_the_official_library() {
    let v = vectors();
    let cases = v["lookups"].as_array().unwrap();
    assert!(cases.len() >= 2);
    for case in cases {
        let number = str_of(&case["phone_number"]);
        let req = match case["fields"].as_str() {
            Some("line_type_intelligence") => LookupRequest::line_type(number),
            None => LookupRequest::basic(number),
            Some(other) => panic!("fields {other} not mapped"),
        }
        .unwrap();
        check_product_request(case, &req, LOOKUPS_API_HOST);
    }
}
