//! The whole request side: API-key credentials, a configured host, an SMS with every optional
//! parameter, a call with inline TwiML and status events, fetches, and number normalization.
#![no_std]
#![no_main]

use size_report::opaque;
use twilio_core::address::normalize_e164;
use twilio_core::auth::Credentials;
use twilio_core::request::{
    ApiRequest, CallEvent, CallRequest, FetchRequest, HttpConfig, HttpMethod, MachineDetection,
    MessageRequest,
};

fn send(req: &impl ApiRequest, creds: &Credentials<'_>, http: &HttpConfig<'_>) {
    let mut buf = [0u8; 1024];
    opaque(req.write_http(creds, http, opaque(&mut buf)).ok());
}

size_report::entry!(|| {
    let Ok(creds) = Credentials::api_key(
        opaque("AC0123456789abcdef0123456789abcdef"),
        opaque("SK0123456789abcdef0123456789abcdef"),
        opaque("fedcba9876543210fedcba9876543210"),
    ) else {
        return;
    };
    let Ok(http) = HttpConfig::default().with_host(opaque("gw.local:8443")) else {
        return;
    };
    let Ok(to) = normalize_e164(opaque("+1 (555) 123-4567")) else {
        return;
    };
    let message = MessageRequest::builder(&to)
        .from(opaque("ALERTS"))
        .messaging_service_sid(opaque("MG0123456789abcdef0123456789abcdef"))
        .body(opaque("Freezer 2 at -4 C"))
        .media_url(opaque("https://cam.example.com/1.jpg"))
        .content_sid(opaque("HX0123456789abcdef0123456789abcdef"))
        .content_variables(opaque("{\"1\":\"x\"}"))
        .status_callback(opaque("https://gw.example.com/status"))
        .validity_period(opaque(600))
        .max_price(opaque("0.05"))
        .provide_feedback(opaque(true))
        .attempt(opaque(1))
        .smart_encoded(opaque(true))
        .shorten_urls(opaque(false))
        .send_as_mms(opaque(false))
        .send_at(opaque("2026-11-23T08:00:00Z"))
        .build();
    if let Ok(m) = message {
        send(&m, &creds, &http);
    }
    let call = CallRequest::builder(opaque("+15551234567"), opaque("client:oncall"))
        .twiml(opaque("<Response><Say>Alarm</Say></Response>"))
        .url(opaque("https://gw.example.com/twiml"))
        .application_sid(opaque("AP0123456789abcdef0123456789abcdef"))
        .method(HttpMethod::Get)
        .status_callback(opaque("https://gw.example.com/call"))
        .status_callback_event(opaque(CallEvent::Initiated))
        .status_callback_method(HttpMethod::Post)
        .timeout(opaque(30))
        .record(opaque(false))
        .machine_detection(opaque(MachineDetection::Enable))
        .machine_detection_timeout(opaque(20))
        .async_amd(opaque(true))
        .async_amd_status_callback(opaque("https://gw.example.com/amd"))
        .async_amd_status_callback_method(HttpMethod::Post)
        .caller_id(opaque("+15005550006"))
        .time_limit(opaque(120))
        .build();
    if let Ok(c) = call {
        send(&c, &creds, &http);
    }
    if let Ok(f) = FetchRequest::message(opaque("SM0123456789abcdef0123456789abcdef")) {
        send(&f, &creds, &http);
    }
    if let Ok(f) = FetchRequest::call(opaque("CA0123456789abcdef0123456789abcdef")) {
        send(&f, &creds, &http);
    }
});
