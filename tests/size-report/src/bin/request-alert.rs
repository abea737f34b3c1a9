//! What an alerting device links: credentials, an SMS, an escalation call with inline TwiML and
//! status events, and a fetch to poll the outcome.
#![no_std]
#![no_main]

use size_report::opaque;
use twilio_core::auth::Credentials;
use twilio_core::request::{
    ApiRequest, CallEvent, CallRequest, FetchRequest, HttpConfig, MessageRequest,
};

fn send(req: &impl ApiRequest, creds: &Credentials<'_>) {
    let mut buf = [0u8; 1024];
    opaque(
        req.write_http(creds, &HttpConfig::default(), opaque(&mut buf))
            .ok(),
    );
}

size_report::entry!(|| {
    let Ok(creds) = Credentials::auth_token(
        opaque("AC0123456789abcdef0123456789abcdef"),
        opaque("fedcba9876543210fedcba9876543210"),
    ) else {
        return;
    };
    if let Ok(sms) = MessageRequest::sms(
        opaque("+15551234567"),
        opaque("+15005550006"),
        opaque("Freezer 2 at -4 C"),
    ) {
        send(&sms, &creds);
    }
    let call = CallRequest::builder(opaque("+15551234567"), opaque("+15005550006"))
        .twiml(opaque(
            "<Response><Say>Freezer 2 is warm. Press 1.</Say></Response>",
        ))
        .status_callback(opaque("https://gw.example.com/call"))
        .status_callback_event(CallEvent::Answered)
        .status_callback_event(CallEvent::Completed)
        .timeout(opaque(30))
        .build();
    if let Ok(call) = call {
        send(&call, &creds);
    }
    if let Ok(fetch) = FetchRequest::call(opaque("CA0123456789abcdef0123456789abcdef")) {
        send(&fetch, &creds);
    }
});
