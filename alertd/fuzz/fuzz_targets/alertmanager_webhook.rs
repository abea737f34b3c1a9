//! `POST /api/v1/alertmanager` bodies (Alertmanager's webhook payload, version 4), parsed at an
//! arbitrary "now"; see check.rs for what every outcome must satisfy.
#![no_main]

mod check;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (seed, body) = data.split_at(data.len().min(8));
    let now = check::now(seed);
    check::outcome(alertd::http::alertmanager::parse(body, now), now);
});
