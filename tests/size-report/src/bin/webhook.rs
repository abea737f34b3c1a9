//! Webhook handling on a device: validate `X-Twilio-Signature` (HMAC-SHA1, port variants) and
//! read a Gather result. Includes SHA-1/HMAC (see webhook-hmac for that share).
#![no_std]
#![no_main]

use size_report::opaque;
use twilio_core::webhook::{FormBody, GatherResult, Params, validate};

size_report::entry!(|| {
    let body: &[u8] = opaque(b"CallSid=CA1&Digits=1");
    let url: &str = opaque("https://gw.local/ack");
    let ok = validate(
        b"token",
        url,
        Params::Form(FormBody::new(body)),
        opaque("sig"),
    )
    .is_ok();
    let mut scratch = [0u8; 64];
    if opaque(ok) {
        opaque(GatherResult::parse(body, &mut scratch).ok());
    }
});
