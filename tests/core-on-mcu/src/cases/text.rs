//! Segments, smart encoding, fitting and templates.

use twilio_core::text::fit::fit_to_segments as fit;
use twilio_core::text::segments::{Encoding, count, split};
use twilio_core::text::smart_encoding::{encode, replace};
use twilio_core::text::template::{DEFAULT_TEMPLATE, Fixed, Value, render};

use crate::{Outcome, check};

const DIGITS_161: &str = "12345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901";

pub fn gsm7_segments() -> Outcome {
    let c = count(&DIGITS_161[..160]);
    check!(c.encoding == Encoding::Gsm7 && c.segments == 1 && c.units == 160);
    let c = count(DIGITS_161);
    check!(c.segments == 2 && c.message_bits() == 1127 && c.total_bits() == 1223);
    let mut ends = [0usize; 4];
    let mut n = 0;
    for (slot, s) in ends.iter_mut().zip(split(DIGITS_161)) {
        *slot = s.end;
        n += 1;
    }
    check!(n == 2 && ends[0] == 153 && ends[1] == 161);
    check!(count("").segments == 1);
    Ok(())
}

pub fn ucs2_segments() -> Outcome {
    // 70 x "ú" is one segment; 71 are two (67 + 4).
    let mut buf = [0u8; 142];
    for chunk in buf.chunks_exact_mut(2) {
        chunk.copy_from_slice("ú".as_bytes());
    }
    let Ok(text) = core::str::from_utf8(&buf) else {
        check!(false);
        return Ok(());
    };
    check!(count(&text[..140]).segments == 1);
    let c = count(text);
    check!(c.encoding == Encoding::Ucs2 && c.segments == 2);
    let mut sizes = split(text).map(|s| s.characters);
    check!(sizes.next() == Some(67) && sizes.next() == Some(4) && sizes.next().is_none());
    Ok(())
}

pub fn extension_and_surrogates_never_split() -> Outcome {
    // 152 digits then a euro sign: the ESC pair moves whole to segment 2.
    let mut buf = [0u8; 165];
    buf[..152].copy_from_slice(&DIGITS_161.as_bytes()[..152]);
    buf[152..155].copy_from_slice("€".as_bytes());
    buf[155..165].copy_from_slice(b"1234567890");
    let Ok(text) = core::str::from_utf8(&buf) else {
        check!(false);
        return Ok(());
    };
    let mut segments = split(text);
    check!(segments.next().map(|s| s.characters) == Some(152));
    check!(segments.next().map(|s| s.characters) == Some(11));
    // An emoji (a surrogate pair) and 69 digits: 71 code units, split 66 + 4 characters.
    let mut buf = [0u8; 73];
    buf[..4].copy_from_slice("😜".as_bytes());
    buf[4..].copy_from_slice(&DIGITS_161.as_bytes()[..69]);
    let Ok(text) = core::str::from_utf8(&buf) else {
        check!(false);
        return Ok(());
    };
    let mut segments = split(text);
    check!(segments.next().map(|s| s.characters) == Some(66));
    check!(segments.next().map(|s| s.characters) == Some(4));
    Ok(())
}

pub fn smart_encoding() -> Outcome {
    let mut buf = [0u8; 64];
    let text = "Sensor “boiler” – temp high…";
    check!(count(text).encoding == Encoding::Ucs2);
    check!(replace(text, &mut buf) == Ok("Sensor \"boiler\" - temp high..."));
    // A 2-segment UCS-2 alert becomes a 1-segment GSM-7 one.
    let long = "“Boiler 3” temperature 92.5C is above the 90C limit at plant B – check it now";
    check!(count(long).segments == 2);
    let mut buf = [0u8; 128];
    let encoded = encode(long, &mut buf);
    check!(encoded.map(|t| (count(t).encoding, count(t).segments)) == Ok((Encoding::Gsm7, 1)));
    let mut small = [0u8; 8];
    check!(replace(text, &mut small).map_err(|e| e.required) == Err(30));
    Ok(())
}

pub fn fit_to_segments() -> Outcome {
    let mut buf = [0u8; 200];
    let fitted = fit(DIGITS_161, 1, &mut buf);
    check!(fitted.map(|t| (t.len(), t.ends_with("..."))) == Ok((160, true)));
    let mut buf = [0u8; 200];
    let fitted = fit(
        "😜😜😜😜😜😜😜😜😜😜😜😜😜😜😜😜😜😜😜😜😜😜😜😜😜😜😜😜😜😜😜😜😜😜😜😜",
        1,
        &mut buf,
    );
    check!(fitted.map(|t| count(t).units) == Ok(69));
    Ok(())
}

pub fn template() -> Outcome {
    let mut buf = [0u8; 64];
    let text = render(
        DEFAULT_TEMPLATE,
        &[
            ("name", Value::Text("boiler-3")),
            ("value", Value::Number(Fixed::new(-925, 1))),
            ("unit", Value::Text("C")),
            ("limit", Value::Number(Fixed::new(i64::MIN, 0))),
            ("site", Value::Text("B")),
        ],
        &mut buf,
    );
    check!(text == Ok("boiler-3 -92.5C above -9223372036854775808 at B"));
    check!(Fixed::from_f32(92.46, 1) == Some(Fixed::new(925, 1)));
    Ok(())
}
