use super::*;
use crate::request::tests::{body_string, http_bytes};
use crate::request::{HttpConfig, LookupRequest};
use std::string::String;

const SERVICE: &str = "VA0123456789abcdef0123456789abcdef";

#[test]
fn each_product_goes_to_its_own_twilio_host() {
    let start = VerificationRequest::new(SERVICE, "+15551234567", VerifyChannel::Call).unwrap();
    let check = VerificationCheckRequest::for_number(SERVICE, "+15551234567", "1234").unwrap();
    let lookup = LookupRequest::basic("+15551234567").unwrap();
    for (req, host) in [
        (&start as &dyn ApiRequest, "verify.twilio.com"),
        (&check, "verify.twilio.com"),
        (&lookup, "lookups.twilio.com"),
    ] {
        let mut buf = [0u8; 512];
        let creds = crate::request::tests::creds();
        let n = req
            .write_http(&creds, &HttpConfig::default(), &mut buf)
            .unwrap();
        let text = String::from_utf8(buf[..n].to_vec()).unwrap();
        assert!(
            text.contains(&std::format!("\r\nHost: {host}\r\n")),
            "{text}"
        );
        // A configured host (a simulator) serves every product.
        let sim = HttpConfig::default().with_host("127.0.0.1:8443").unwrap();
        let n = req.write_http(&creds, &sim, &mut buf).unwrap();
        let text = String::from_utf8(buf[..n].to_vec()).unwrap();
        assert!(text.contains("\r\nHost: 127.0.0.1:8443\r\n"), "{text}");
    }
}

#[test]
fn bodies_and_lengths() {
    let start = VerificationRequest::new(SERVICE, "+15551234567", VerifyChannel::Whatsapp)
        .unwrap()
        .with_locale("pt-BR")
        .unwrap();
    assert_eq!(
        body_string(&start),
        "To=%2B15551234567&Channel=whatsapp&Locale=pt-BR"
    );
    assert_eq!(start.to(), "+15551234567");
    assert_eq!(start.channel(), VerifyChannel::Whatsapp);
    let check = VerificationCheckRequest::for_verification(
        SERVICE,
        "VE0123456789abcdef0123456789abcdef",
        "AB12cd",
    )
    .unwrap();
    assert_eq!(
        body_string(&check),
        "VerificationSid=VE0123456789abcdef0123456789abcdef&Code=AB12cd"
    );
    let bytes = http_bytes(&check, &HttpConfig::default());
    assert!(bytes.ends_with(b"Content-Length: 62\r\nConnection: keep-alive\r\n\r\nVerificationSid=VE0123456789abcdef0123456789abcdef&Code=AB12cd"));
}

#[test]
fn invalid_input_names_the_parameter() {
    let sms = VerifyChannel::Sms;
    assert!(matches!(
        VerificationRequest::new("MG0123456789abcdef0123456789abcdef", "+15551234567", sms),
        Err(RequestError::InvalidSid {
            field: "ServiceSid",
            ..
        })
    ));
    assert!(matches!(
        VerificationRequest::new(SERVICE, "5551234567", sms),
        Err(RequestError::InvalidAddress { field: "To", .. })
    ));
    let start = VerificationRequest::new(SERVICE, "+15551234567", sms).unwrap();
    for bad in [
        "",
        "e",
        "EN",
        "en_GB",
        "en-GBR",
        "eng",
        "en-G1",
        "en-GB\r\n",
    ] {
        assert_eq!(
            start.with_locale(bad),
            Err(RequestError::InvalidValue { field: "Locale" }),
            "{bad:?}"
        );
    }
    for ok in ["en", "en-GB", "zh-hk"] {
        assert!(start.with_locale(ok).is_ok(), "{ok}");
    }
    for bad in ["", "123", "12345678901", "12 34", "12-34", "１２３４"] {
        assert_eq!(
            VerificationCheckRequest::for_number(SERVICE, "+15551234567", bad),
            Err(RequestError::InvalidValue { field: "Code" }),
            "{bad:?}"
        );
    }
    assert!(matches!(
        VerificationCheckRequest::for_verification(
            SERVICE,
            "CA0123456789abcdef0123456789abcdef",
            "1234"
        ),
        Err(RequestError::InvalidSid {
            field: "VerificationSid",
            ..
        })
    ));
    assert!(matches!(
        LookupRequest::line_type("+1555/../x"),
        Err(RequestError::InvalidAddress {
            field: "PhoneNumber",
            ..
        })
    ));
}
