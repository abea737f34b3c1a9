//! The smallest request path: credentials, one SMS, head + body into one buffer.
#![no_std]
#![no_main]

use size_report::opaque;
use twilio_core::auth::Credentials;
use twilio_core::request::{ApiRequest, HttpConfig, MessageRequest};

size_report::entry!(|| {
    let mut buf = [0u8; 768];
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
        opaque(
            sms.write_http(&creds, &HttpConfig::default(), opaque(&mut buf))
                .ok(),
        );
    }
});
