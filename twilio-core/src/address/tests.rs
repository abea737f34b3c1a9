use super::*;
use crate::sid::SidError;

#[test]
fn e164_bounds() {
    assert!(PhoneNumber::parse("+12345678").is_ok()); // 8 digits
    assert!(PhoneNumber::parse("+123456789012345").is_ok()); // 15 digits
    assert_eq!(
        PhoneNumber::parse("+1234567"),
        Err(AddressError::WrongDigitCount { actual: 7 })
    );
    assert_eq!(
        PhoneNumber::parse("+1234567890123456"),
        Err(AddressError::WrongDigitCount { actual: 16 })
    );
    assert_eq!(
        PhoneNumber::parse("+0123456789"),
        Err(AddressError::LeadingZero)
    );
    assert_eq!(PhoneNumber::parse(""), Err(AddressError::Empty));
    assert_eq!(
        PhoneNumber::parse("+"),
        Err(AddressError::WrongDigitCount { actual: 0 })
    );
    assert_eq!(
        PhoneNumber::parse("+1 5551234567"),
        Err(AddressError::InvalidCharacter { index: 2 })
    );
    assert_eq!(
        PhoneNumber::parse("+1555123456٧"),
        Err(AddressError::InvalidCharacter { index: 11 })
    );
}

#[test]
fn normalizer() {
    for (input, want) in [
        ("+1 (555) 123-4567", "+15551234567"),
        ("+15551234567", "+15551234567"),
        ("  +33 6 12 34 56 78 ", "+33612345678"),
        ("+1.555.123.4567", "+15551234567"),
        ("+1/555/1234567", "+15551234567"),
        ("+\t44 (0)20 7946 0018", "+4402079460018"),
    ] {
        assert_eq!(normalize_e164(input).unwrap().as_str(), want, "{input}");
    }
    // Too short once normalized: the error says how many digits there were.
    assert_eq!(
        normalize_e164("+44 (0)20"),
        Err(AddressError::WrongDigitCount { actual: 5 })
    );
    assert_eq!(normalize_e164(""), Err(AddressError::Empty));
    assert_eq!(normalize_e164("   "), Err(AddressError::Empty));
    assert_eq!(normalize_e164("555-1234"), Err(AddressError::MissingPlus));
    assert_eq!(
        normalize_e164("+1 555 123 4567 ext 2"),
        Err(AddressError::InvalidCharacter { index: 16 })
    );
    assert_eq!(
        normalize_e164("+1 555 +123"),
        Err(AddressError::InvalidCharacter { index: 7 })
    );
    assert_eq!(
        normalize_e164("+1 234 567 890 123 456 789"),
        Err(AddressError::WrongDigitCount { actual: 19 })
    );
    assert_eq!(
        normalize_e164("+0 555 123 4567"),
        Err(AddressError::LeadingZero)
    );
}

#[test]
fn normalizer_into_small_buffer() {
    let mut buf = [0u8; 5];
    assert_eq!(
        normalize_e164_into("+1 555 123 4567", &mut buf),
        Err(AddressError::OutputTooSmall { required: 12 })
    );
    let mut buf = [0u8; 12];
    assert_eq!(
        normalize_e164_into("+1 555 123 4567", &mut buf).map(|p| p.as_str()),
        Ok("+15551234567")
    );
}

#[test]
fn whatsapp() {
    let w = WhatsAppAddress::parse("whatsapp:+15551234567").unwrap();
    assert_eq!(w.as_str(), "whatsapp:+15551234567");
    assert_eq!(w.number().as_str(), "+15551234567");
    assert_eq!(
        WhatsAppAddress::parse("+15551234567"),
        Err(AddressError::MissingChannelPrefix {
            expected: "whatsapp:"
        })
    );
    assert_eq!(
        WhatsAppAddress::parse("whatsapp:+1555x234567"),
        Err(AddressError::InvalidCharacter { index: 14 })
    );
}

#[test]
fn alphanumeric_ids() {
    assert!(AlphanumericSenderId::parse("Boiler 3").is_ok());
    assert!(AlphanumericSenderId::parse("ABCDEFGHIJK").is_ok());
    assert_eq!(
        AlphanumericSenderId::parse("ABCDEFGHIJKL"),
        Err(AddressError::SenderIdTooLong { max: 11 })
    );
    assert_eq!(
        AlphanumericSenderId::parse("12 34"),
        Err(AddressError::SenderIdWithoutLetter)
    );
    assert_eq!(
        AlphanumericSenderId::parse("Alert!"),
        Err(AddressError::InvalidCharacter { index: 5 })
    );
    assert_eq!(AlphanumericSenderId::parse(""), Err(AddressError::Empty));
}

#[test]
fn senders_by_shape() {
    assert!(matches!(
        Sender::parse("whatsapp:+14155238886"),
        Ok(Sender::WhatsApp(_))
    ));
    assert!(matches!(
        Sender::parse("MG alerts"),
        Ok(Sender::Alphanumeric(_))
    ));
    assert_eq!(
        Sender::parse("MG0123456789abcdef0123456789abcdeX"),
        Err(AddressError::InvalidMessagingServiceSid(SidError::NotHex {
            index: 33
        }))
    );
    assert_eq!(Sender::parse("15551234567"), Err(AddressError::MissingPlus));
    assert_eq!(
        Sender::parse("12"),
        Err(AddressError::WrongShortCodeLength { actual: 2 })
    );
    assert_eq!(Sender::parse(""), Err(AddressError::Empty));
    assert_eq!(
        Sender::parse("+1555"),
        Err(AddressError::WrongDigitCount { actual: 4 })
    );
}

#[test]
fn call_endpoints() {
    assert_eq!(
        CallEndpoint::parse("client:").unwrap_err(),
        AddressError::EmptyIdentifier
    );
    assert_eq!(
        CallEndpoint::parse("sip:a b@example.com").unwrap_err(),
        AddressError::InvalidCharacter { index: 5 }
    );
    assert_eq!(
        CallEndpoint::parse("whatsapp:+15551234567").unwrap_err(),
        AddressError::MissingPlus
    );
    assert_eq!(
        CallEndpoint::parse("client:oncall").unwrap().as_str(),
        "client:oncall"
    );
}

#[test]
fn recipients() {
    assert_eq!(
        Recipient::parse("whatsapp:").unwrap_err(),
        AddressError::Empty
    );
    assert_eq!(
        Recipient::parse("alerts").unwrap_err(),
        AddressError::MissingPlus
    );
}

mod props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn normalizer_output_is_strict_e164_with_the_same_digits(input in "[ +()./0-9a-z-]{0,30}") {
            if let Ok(n) = normalize_e164(&input) {
                prop_assert_eq!(PhoneNumber::parse(&n).map(|p| p.as_str()), Ok(n.as_str()));
                let digits_in: std::string::String =
                    input.chars().filter(char::is_ascii_digit).collect();
                prop_assert_eq!(&n[1..], digits_in.as_str());
            }
        }

        #[test]
        fn formatted_numbers_normalize(cc in 1u32..999, rest in "[0-9]{7,11}", sep in "[ .()/-]{1,2}") {
            let digits = std::format!("{cc}{rest}");
            prop_assume!(digits.len() <= E164_MAX_DIGITS);
            let formatted = std::format!("+{cc}{sep}{}{sep}{}", &rest[..3], &rest[3..]);
            let n = normalize_e164(&formatted).unwrap();
            prop_assert_eq!(n.as_str(), std::format!("+{digits}"));
        }

        #[test]
        fn parsers_never_panic(s in "\\PC{0,40}") {
            let _ = PhoneNumber::parse(&s);
            let _ = Sender::parse(&s);
            let _ = Recipient::parse(&s);
            let _ = CallEndpoint::parse(&s);
            let _ = AlphanumericSenderId::parse(&s);
            let _ = ShortCode::parse(&s);
            let _ = normalize_e164(&s);
            let _ = crate::sid::AccountSid::parse(&s);
            let _ = crate::sid::MessageSid::parse(&s);
        }
    }
}
