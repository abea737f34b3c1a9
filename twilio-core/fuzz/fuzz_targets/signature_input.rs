//! Signature validation over arbitrary URLs, bodies and headers: computing what we sign must
//! validate, and nothing may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use twilio_core::webhook::{Algorithm, FormBody, Params, compute, validate, validate_json};

fuzz_target!(|data: &[u8]| {
    // Layout: url \0 body \0 signature, each piece optional.
    let mut parts = data.splitn(3, |&b| b == 0);
    let url = core::str::from_utf8(parts.next().unwrap_or_default()).unwrap_or("https://h/");
    let body = parts.next().unwrap_or_default();
    let signature = core::str::from_utf8(parts.next().unwrap_or_default()).unwrap_or("");
    let params = Params::Form(FormBody::new(body));
    let _ = validate(b"token", url, params, signature);
    let _ = validate_json(b"token", url, body, signature);
    if let Ok(ours) = compute(b"token", url, params, Algorithm::HmacSha1) {
        if url.contains("://") {
            assert!(validate(b"token", url, params, ours.as_str()).is_ok());
        }
    }
});
