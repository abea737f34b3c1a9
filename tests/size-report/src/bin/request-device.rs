//! What the device client links for its alerts: credentials, then an SMS and an inline-TwiML
//! call as `AlertRequest`s written through `&dyn ApiRequest`, as `twilio-embedded` does.
#![no_std]
#![no_main]

use size_report::opaque;
use twilio_core::auth::Credentials;
use twilio_core::request::{AlertRequest, ApiRequest, HttpConfig};

fn send(req: &dyn ApiRequest, creds: &Credentials<'_>) {
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
    let sms = AlertRequest::sms(
        opaque("+15551234567"),
        opaque("+15005550006"),
        opaque("Freezer 2 at -4 C"),
    );
    let call = AlertRequest::call(
        opaque("+15551234567"),
        opaque("+15005550006"),
        opaque("<Response><Say>Freezer 2 is warm.</Say></Response>"),
    );
    for request in [sms, call].iter().flatten() {
        send(request, &creds);
    }
});
