//! `POST /api/v1/alerts` bodies (full and minimal alert shapes, arrays or one object), parsed
//! at an arbitrary "now"; see check.rs for what every outcome must satisfy.
#![no_main]

mod check;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (seed, body) = data.split_at(data.len().min(8));
    let now = check::now(seed);
    check::outcome(alertd::http::alerts::parse(body, now), now);
});
