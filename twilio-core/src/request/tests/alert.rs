//! `AlertRequest` against the full request types: the same bytes for the same values, the same
//! errors for the checks they share, and refusals where it is narrower.

use super::*;
use crate::address::{AddressError, PhoneNumber};
use proptest::prelude::*;

fn phone() -> impl Strategy<Value = String> {
    "\\+[1-9][0-9]{7,14}"
}

/// Anything a configuration might hold for a number: E.164, sender IDs, typos, channels.
fn any_address() -> impl Strategy<Value = String> {
    prop_oneof![
        phone(),
        "[A-Z][A-Za-z0-9 ]{0,10}",
        "[0-9]{3,8}",
        phone().prop_map(|p| std::format!("whatsapp:{p}")),
        "\\PC{0,20}",
    ]
}

/// `AlertRequest` against the full type for the same input: the same bytes when both accept,
/// the same error when both refuse numbers, and a refusal only for what is not an E.164 number.
fn same_as_full<R: ApiRequest + core::fmt::Debug>(
    alert: &Result<AlertRequest<'_>, RequestError>,
    full: &Result<R, RequestError>,
    to: &str,
    from: &str,
) -> Result<(), TestCaseError> {
    let numbers = PhoneNumber::parse(to).is_ok() && PhoneNumber::parse(from).is_ok();
    match (alert, full) {
        (Ok(alert), Ok(full)) => {
            prop_assert_eq!(alert.to(), to);
            prop_assert_eq!(
                http_bytes(alert, &HttpConfig::default()),
                http_bytes(full, &HttpConfig::default())
            );
        }
        // Narrower only in the addresses it takes: numbers, nothing else (no WhatsApp,
        // alphanumeric or short-code senders, no `client:` or `sip:` endpoints).
        (Err(RequestError::InvalidAddress { .. }), Ok(_)) => prop_assert!(!numbers),
        (Err(alert), Err(full)) if numbers => prop_assert_eq!(alert, full),
        (Err(_), Err(_)) => {}
        (Ok(_), Err(e)) => {
            prop_assert!(false, "AlertRequest took what the full type refused: {e:?}");
        }
        (Err(e), Ok(_)) => {
            prop_assert!(false, "AlertRequest refused what the full type took: {e:?}");
        }
    }
    Ok(())
}

proptest! {
    #[test]
    fn sms_writes_what_message_request_writes(
        to in any_address(),
        from in any_address(),
        body in "\\PC{0,1700}",
    ) {
        let alert = AlertRequest::sms(&to, &from, &body);
        prop_assert!(alert.as_ref().map_or(true, |a| !a.is_call()));
        same_as_full(&alert, &MessageRequest::sms(&to, &from, &body), &to, &from)?;
    }

    #[test]
    fn call_writes_what_call_request_writes(
        to in any_address(),
        from in any_address(),
        twiml in prop_oneof![
            "<Response><Say>\\PC{0,4000}</Say></Response>",
            " *<\\PC{0,40}",
            "\\PC{0,40}",
        ],
    ) {
        let alert = AlertRequest::call(&to, &from, &twiml);
        prop_assert!(alert.as_ref().map_or(true, AlertRequest::is_call));
        same_as_full(&alert, &CallRequest::twiml(&to, &from, &twiml), &to, &from)?;
    }
}

#[test]
fn golden_call() {
    let call = AlertRequest::call(
        "+15551234567",
        "+15005550006",
        "<Response><Say>Tank &amp; pump</Say></Response>",
    )
    .unwrap();
    let bytes = http_bytes(&call, &HttpConfig::default());
    let text = core::str::from_utf8(&bytes).unwrap();
    assert!(text.starts_with(
        "POST /2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Calls.json HTTP/1.1\r\n"
    ));
    assert!(text.ends_with(
        "\r\n\r\nTo=%2B15551234567&From=%2B15005550006\
         &Twiml=%3CResponse%3E%3CSay%3ETank+%26amp%3B+pump%3C%2FSay%3E%3C%2FResponse%3E"
    ));
}

#[test]
fn errors_name_the_field() {
    assert_eq!(
        AlertRequest::sms("+15551234567", "ALERTS", "x"),
        Err(RequestError::InvalidAddress {
            field: "From",
            reason: AddressError::MissingPlus
        })
    );
    assert_eq!(
        AlertRequest::call("whatsapp:+15551234567", "+15005550006", "<Response/>"),
        Err(RequestError::InvalidAddress {
            field: "To",
            reason: AddressError::MissingPlus
        })
    );
    assert_eq!(
        AlertRequest::sms("+15551234567", "+15005550006", ""),
        Err(RequestError::EmptyBody)
    );
    let long = "é".repeat(MAX_BODY_CHARS + 1);
    assert_eq!(
        AlertRequest::sms("+15551234567", "+15005550006", &long),
        Err(RequestError::BodyTooLong {
            max: MAX_BODY_CHARS,
            actual: MAX_BODY_CHARS + 1
        })
    );
    assert_eq!(
        AlertRequest::call("+15551234567", "+15005550006", "Say hi"),
        Err(RequestError::InvalidValue { field: "Twiml" })
    );
}
