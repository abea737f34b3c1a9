//! Response and webhook hot paths against a std baseline, plus an allocation count.
//!
//! `cargo bench -p twilio-core --bench response -- --warm-up-time 1 --measurement-time 3`
//!
//! - parse + classify a recorded 201 message response: ours (push parser, serde-json-core into
//!   borrowed structs) vs std (head split into Strings, a HashMap of headers, serde_json::Value);
//! - validate a signature over 10 form parameters: ours (decode on the fly, no heap) vs std
//!   (form_urlencoded into Strings, sort, String concatenation, hmac, base64), both trying the
//!   URL with and without its port as twilio-python does.
// A benchmark harness is test code: failures here should stop the run loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::HashMap;
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};

use base64::Engine;
use criterion::{Criterion, criterion_main};
use hmac::Mac;
use twilio_core::outcome::Outcome;
use twilio_core::response::{Progress, ResponseParser};
use twilio_core::webhook::{Algorithm, FormBody, Params, compute, validate};

/// Counts every allocation so the report can show ours makes none.
struct CountingAlloc;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// The only unsafe code in the workspace: a global allocator must be an `unsafe impl`.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: CountingAlloc = CountingAlloc;

const MESSAGE: &[u8] = include_bytes!("../tests/data/responses/201_message.http");
const URL: &str = "https://gw.example.net:8443/twilio/status?alert=42";

fn form_body() -> String {
    let pairs = [
        ("MessageSid", "SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
        ("SmsSid", "SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
        ("AccountSid", "ACbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"),
        ("MessagingServiceSid", "MGcccccccccccccccccccccccccccccccc"),
        ("From", "+15005550001"),
        ("To", "+15005550006"),
        ("MessageStatus", "delivered"),
        ("SmsStatus", "delivered"),
        ("ApiVersion", "2010-04-01"),
        ("RawDlrDoneDate", "2611221941"),
    ];
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

fn ours_parse_classify(buf: &mut [u8]) -> Outcome {
    let mut parser = ResponseParser::new(buf);
    match parser.feed(black_box(MESSAGE)) {
        Ok(Progress::Complete { .. }) => {}
        other => panic!("{other:?}"),
    }
    Outcome::from_response(&parser.response().unwrap())
}

/// What a std client typically does: Strings, a header map, a JSON tree.
fn std_parse_classify(wire: &[u8]) -> (u16, Option<String>, Option<String>, Option<u64>) {
    let text = String::from_utf8(wire.to_vec()).unwrap();
    let (head, rest) = text.split_once("\r\n\r\n").unwrap();
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: HashMap<String, String> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let len: usize = headers["content-length"].parse().unwrap();
    let body = rest.as_bytes()[..len].to_vec();
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
    (
        status,
        json["sid"].as_str().map(str::to_owned),
        json["status"].as_str().map(str::to_owned),
        json["code"].as_u64(),
    )
}

fn std_signature(token: &[u8], url: &str, body: &str) -> String {
    let mut pairs: Vec<(String, String)> = form_urlencoded::parse(body.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    pairs.sort();
    pairs.dedup();
    let mut s = url.to_owned();
    for (k, v) in &pairs {
        s.push_str(k);
        s.push_str(v);
    }
    let mut mac = hmac::Hmac::<sha1::Sha1>::new_from_slice(token).unwrap();
    mac.update(s.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

fn std_validate(token: &[u8], url: &str, body: &str, signature: &str) -> bool {
    // twilio-python: the URL without its port, then with the default port.
    let without_port = url.replacen(":8443", "", 1);
    let with_port = url.to_owned();
    [without_port, with_port]
        .iter()
        .any(|u| std_signature(token, u, body) == signature)
}

fn allocations(f: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    f();
    ALLOCATIONS.load(Ordering::Relaxed) - before
}

fn benches(c: &mut Criterion) {
    let body = form_body();
    let signature = compute(
        b"token",
        URL,
        Params::Form(FormBody::new(body.as_bytes())),
        Algorithm::HmacSha1,
    )
    .unwrap();
    let sig = signature.as_str().to_owned();
    assert!(std_validate(b"token", URL, &body, &sig));

    let mut buf = [0u8; 2048];
    let ours_parse = allocations(|| {
        black_box(ours_parse_classify(&mut buf));
    });
    let std_parse = allocations(|| {
        black_box(std_parse_classify(MESSAGE));
    });
    let ours_sig = allocations(|| {
        let params = Params::Form(FormBody::new(black_box(body.as_bytes())));
        assert!(validate(b"token", URL, params, &sig).is_ok());
    });
    let std_sig = allocations(|| {
        assert!(std_validate(b"token", URL, black_box(&body), &sig));
    });
    println!(
        "allocations per call: parse+classify ours {ours_parse}, std {std_parse}; \
         validate-10-params ours {ours_sig}, std {std_sig}"
    );
    assert_eq!(ours_parse + ours_sig, 0, "the core must not allocate");

    let mut group = c.benchmark_group("parse_classify_201_message");
    group.bench_function("twilio-core", |b| {
        b.iter(|| black_box(ours_parse_classify(&mut buf)));
    });
    group.bench_function("std baseline", |b| {
        b.iter(|| black_box(std_parse_classify(black_box(MESSAGE))));
    });
    group.finish();

    let mut group = c.benchmark_group("validate_signature_10_params");
    group.bench_function("twilio-core", |b| {
        b.iter(|| {
            let params = Params::Form(FormBody::new(black_box(body.as_bytes())));
            black_box(validate(b"token", URL, params, &sig))
        });
    });
    group.bench_function("std baseline", |b| {
        b.iter(|| black_box(std_validate(b"token", URL, black_box(&body), &sig)));
    });
    group.finish();
}

// criterion's macro generates an undocumented public function.
#[allow(missing_docs)]
mod group {
    criterion::criterion_group!(response, super::benches);
    pub(crate) use response as run;
}
criterion_main!(group::run);
