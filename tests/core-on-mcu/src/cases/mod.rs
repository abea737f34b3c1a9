//! The cases, one module per area of twilio-core.

mod alerting;
mod request;
mod response;
mod text;
mod twiml;

/// A named case.
pub type Case = (&'static str, fn() -> crate::Outcome);

/// Every case, in the order they run.
pub static ALL: &[Case] = &[
    ("text::gsm7_segments", text::gsm7_segments),
    ("text::ucs2_segments", text::ucs2_segments),
    (
        "text::extension_and_surrogates_never_split",
        text::extension_and_surrogates_never_split,
    ),
    ("text::smart_encoding", text::smart_encoding),
    ("text::fit_to_segments", text::fit_to_segments),
    ("text::template", text::template),
    ("twiml::acknowledge_call", twiml::acknowledge_call),
    ("twiml::too_small_buffer", twiml::too_small_buffer),
    (
        "alerting::flapping_alerts_once",
        alerting::flapping_alerts_once,
    ),
    (
        "alerting::cooldown_and_escalation",
        alerting::cooldown_and_escalation,
    ),
    ("alerting::float_readings", alerting::float_readings),
    ("request::sms_exact_bytes", request::sms_exact_bytes),
    (
        "request::escalation_call_with_twiml",
        request::escalation_call_with_twiml,
    ),
    (
        "response::recorded_201_parsed_and_classified",
        response::recorded_201_parsed_and_classified,
    ),
    (
        "response::recorded_429_is_retried_after_its_delay",
        response::recorded_429_is_retried_after_its_delay,
    ),
    (
        "response::webhook_signature_vector",
        response::webhook_signature_vector,
    ),
];
