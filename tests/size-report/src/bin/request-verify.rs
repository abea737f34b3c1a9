//! Number enrolment requests: a Verify verification (by SMS), its check, and a Lookup with
//! line type intelligence, each head + body into one buffer.
#![no_std]
#![no_main]

use size_report::opaque;
use twilio_core::auth::Credentials;
use twilio_core::request::{
    ApiRequest, HttpConfig, LookupRequest, VerificationCheckRequest, VerificationRequest,
    VerifyChannel,
};

size_report::entry!(|| {
    let mut buf = [0u8; 768];
    let Ok(creds) = Credentials::auth_token(
        opaque("AC0123456789abcdef0123456789abcdef"),
        opaque("fedcba9876543210fedcba9876543210"),
    ) else {
        return;
    };
    let http = HttpConfig::default();
    let service = opaque("VA0123456789abcdef0123456789abcdef");
    let to = opaque("+15551234567");
    if let Ok(start) = VerificationRequest::new(service, to, opaque(VerifyChannel::Sms)) {
        opaque(start.write_http(&creds, &http, opaque(&mut buf)).ok());
    }
    if let Ok(check) = VerificationCheckRequest::for_number(service, to, opaque("123456")) {
        opaque(check.write_http(&creds, &http, opaque(&mut buf)).ok());
    }
    if let Ok(lookup) = LookupRequest::line_type(to) {
        opaque(lookup.write_http(&creds, &http, opaque(&mut buf)).ok());
    }
});
