//! Checks the request encoders against Twilio's OpenAPI extracts (run by CI with ../shared):
//! every parameter name they emit exists in the spec, and every enum value they emit is one the
//! spec lists. Exits non-zero on any mismatch.
//!
//! `cargo run -p twilio-core --example check_request_spec -- ../shared/twilio/openapi [EXTRACTS]`
//!
//! With a second directory (written by `tools/extract_verify_lookup_params.py`), the Verify
//! and Lookup requests are checked too (their form parameters, the `Channel` values, and the
//! Lookup query parameters), and so are the query parameters of the Messages and Calls lists.

use serde_json::Value;
use std::collections::BTreeSet;
use std::error::Error;
use std::path::Path;
use twilio_core::auth::Credentials;
use twilio_core::buf::Encode;
use twilio_core::request::{
    ApiRequest, CallBuilder, CallEvent, CallRequest, HttpConfig, HttpMethod, ListRequest,
    LookupRequest, MachineDetection, MessageRequest, VerificationCheckRequest, VerificationRequest,
    VerifyChannel,
};

fn main() {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "../shared/twilio/openapi".into());
    let extracts = std::env::args().nth(2);
    let result = check(Path::new(&dir)).and_then(|n| match &extracts {
        Some(extracts) => Ok(n + check_verify_lookup(Path::new(extracts))?),
        None => Ok(n),
    });
    match result {
        Ok(0) => println!("request encoders match the spec"),
        Ok(n) => {
            eprintln!("{n} mismatch(es) with the spec");
            std::process::exit(1);
        }
        Err(e) => {
            eprintln!("cannot check against {dir}: {e}");
            std::process::exit(2);
        }
    }
}

/// Every (name, value) pair a request's body holds.
fn pairs(req: &impl Encode) -> Result<Vec<(String, String)>, Box<dyn Error>> {
    let mut buf = vec![0u8; req.encoded_len()];
    let n = req.encode_to_slice(&mut buf)?;
    Ok(form_urlencoded::parse(&buf[..n]).into_owned().collect())
}

fn load(dir: &Path, file: &str) -> Result<Vec<Value>, Box<dyn Error>> {
    let spec: Value = serde_json::from_str(&std::fs::read_to_string(dir.join(file))?)?;
    Ok(spec["form_parameters"]
        .as_array()
        .ok_or("no form_parameters")?
        .clone())
}

/// Compares the emitted pairs with the spec's parameters; returns the number of mismatches.
fn compare(what: &str, emitted: &[(String, String)], params: &[Value]) -> usize {
    let mut mismatches = 0;
    for (name, value) in emitted {
        let Some(param) = params.iter().find(|p| p["name"] == name.as_str()) else {
            eprintln!("{what}: {name} is not a spec parameter");
            mismatches += 1;
            continue;
        };
        if let Some(values) = param["enum"].as_array()
            && !values.iter().any(|v| v == value.as_str())
        {
            eprintln!("{what}: {name}={value} is not in the spec's enum {values:?}");
            mismatches += 1;
        }
    }
    let names: BTreeSet<&str> = emitted.iter().map(|(n, _)| n.as_str()).collect();
    println!("{what}: {} parameters checked: {names:?}", names.len());
    mismatches
}

fn check(dir: &Path) -> Result<usize, Box<dyn Error>> {
    let message_params = load(dir, "messages_create_params.json")?;
    let call_params = load(dir, "calls_create_params.json")?;
    let mut mismatches = 0;

    // Two messages between them use every parameter the builder offers.
    let full = MessageRequest::builder("+15551234567")
        .messaging_service_sid("MG0123456789abcdef0123456789abcdef")
        .body("x")
        .media_url("https://m.example/a.jpg")
        .content_sid("HX0123456789abcdef0123456789abcdef")
        .content_variables("{}")
        .status_callback("https://cb.example/s")
        .validity_period(600)
        .max_price("0.05")
        .provide_feedback(true)
        .attempt(1)
        .smart_encoded(true)
        .shorten_urls(true)
        .send_as_mms(false)
        .send_at("2026-11-23T08:00:00Z")
        .build()?;
    mismatches += compare("message", &pairs(&full)?, &message_params);
    let with_from = MessageRequest::sms("+15551234567", "+15005550006", "x")?;
    mismatches += compare("message", &pairs(&with_from)?, &message_params);

    for method in [HttpMethod::Get, HttpMethod::Post] {
        for detection in [MachineDetection::Enable, MachineDetection::DetectMessageEnd] {
            let call = CallRequest::builder("+15551234567", "+15005550006")
                .url("https://t.example/twiml")
                .method(method)
                .status_callback("https://cb.example/s")
                .status_callback_method(method)
                .timeout(30)
                .record(true)
                .machine_detection(detection)
                .machine_detection_timeout(20)
                .async_amd(true)
                .async_amd_status_callback("https://cb.example/amd")
                .async_amd_status_callback_method(method)
                .caller_id("+15005550006")
                .time_limit(60);
            let call = CallEvent::ALL
                .into_iter()
                .fold(call, CallBuilder::status_callback_event)
                .build()?;
            let emitted = pairs(&call)?;
            mismatches += compare("call", &emitted, &call_params);
            // Enums the spec gives only in prose.
            let described = |name: &str| {
                call_params
                    .iter()
                    .find(|p| p["name"] == name)
                    .and_then(|p| p["description"].as_str())
                    .unwrap_or_default()
                    .to_owned()
            };
            for (name, value) in &emitted {
                if matches!(name.as_str(), "StatusCallbackEvent" | "MachineDetection")
                    && !described(name).contains(&format!("`{value}`"))
                {
                    eprintln!("call: {name}={value} is not a value the spec describes");
                    mismatches += 1;
                }
            }
        }
    }
    for twiml_or_app in [
        CallRequest::twiml("+15551234567", "+15005550006", "<Response/>")?,
        CallRequest::builder("+15551234567", "+15005550006")
            .application_sid("AP0123456789abcdef0123456789abcdef")
            .build()?,
    ] {
        mismatches += compare("call", &pairs(&twiml_or_app)?, &call_params);
    }
    Ok(mismatches)
}

/// Verify's two requests and Lookup's query against the extracts from their YAML specs.
fn check_verify_lookup(dir: &Path) -> Result<usize, Box<dyn Error>> {
    let start_params = load(dir, "verifications_create_params.json")?;
    let check_params = load(dir, "verification_check_create_params.json")?;
    let lookup_params = load(dir, "phone_number_fetch_params.json")?;
    let service = "VA0123456789abcdef0123456789abcdef";
    let mut mismatches = 0;
    for channel in [
        VerifyChannel::Sms,
        VerifyChannel::Call,
        VerifyChannel::Whatsapp,
    ] {
        let start =
            VerificationRequest::new(service, "+15551234567", channel)?.with_locale("en-GB")?;
        mismatches += compare("verification", &pairs(&start)?, &start_params);
    }
    for check in [
        VerificationCheckRequest::for_number(service, "+15551234567", "123456")?,
        VerificationCheckRequest::for_verification(
            service,
            "VE0123456789abcdef0123456789abcdef",
            "123456",
        )?,
    ] {
        mismatches += compare("verification check", &pairs(&check)?, &check_params);
    }
    let lookup = LookupRequest::line_type("+15551234567")?;
    mismatches += compare("lookup", &query_pairs(&lookup)?, &lookup_params);
    let (messages, calls) = (
        load(dir, "messages_list_params.json")?,
        load(dir, "calls_list_params.json")?,
    );
    for (what, list, params) in [
        (
            "message list",
            ListRequest::messages("+15551234567", Some("+15005550006"))?,
            &messages,
        ),
        (
            "call list",
            ListRequest::calls("+15551234567", Some("+15005550006"))?,
            &calls,
        ),
    ] {
        let list = list.since("2026-12-07")?.page_size(20)?;
        mismatches += compare(what, &query_pairs(&list)?, params);
    }
    Ok(mismatches)
}

/// The (name, value) pairs of a GET request's query string.
fn query_pairs(req: &impl ApiRequest) -> Result<Vec<(String, String)>, Box<dyn Error>> {
    let creds = Credentials::auth_token(
        "AC0123456789abcdef0123456789abcdef",
        "0123456789abcdef0123456789abcdef",
    )?;
    let mut buf = vec![0u8; req.http_len(&creds, &HttpConfig::default())];
    let n = req.write_http(&creds, &HttpConfig::default(), &mut buf)?;
    let line = std::str::from_utf8(&buf[..n])?
        .lines()
        .next()
        .unwrap_or_default();
    let target = line.split(' ').nth(1).unwrap_or_default();
    let query = target.split_once('?').map(|(_, q)| q).unwrap_or_default();
    Ok(form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect())
}
