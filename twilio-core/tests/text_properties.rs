//! Property tests for the text module against a simple, obviously-correct std implementation.
// Test helpers outside #[test] fns may panic: a panic is a test failure here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashSet;

use proptest::prelude::*;
use twilio_core::text::fit::fit_to_segments;
use twilio_core::text::segments::{self, Encoding};
use twilio_core::text::smart_encoding;

/// GSM 03.38 written out independently of the crate's tables.
const GSM_BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
const GSM_EXTENSION: &str = "\u{c}^{}\\[~]|€";

/// The reference: every char is an atom (no combining sequences are generated), GSM-7 if all
/// chars are in the tables, then greedy packing into 160/153 septets or 70/67 UTF-16 units.
fn reference(text: &str) -> (Encoding, Vec<usize>) {
    let basic: HashSet<char> = GSM_BASIC.chars().collect();
    let extension: HashSet<char> = GSM_EXTENSION.chars().collect();
    let gsm = text
        .chars()
        .all(|c| basic.contains(&c) || extension.contains(&c));
    let costs: Vec<(usize, usize)> = text
        .char_indices()
        .map(|(i, c)| {
            let cost = if !gsm {
                c.len_utf16()
            } else if extension.contains(&c) {
                2
            } else {
                1
            };
            (i + c.len_utf8(), cost)
        })
        .collect();
    let total: usize = costs.iter().map(|c| c.1).sum();
    let (single, multi) = if gsm { (160, 153) } else { (70, 67) };
    let encoding = if gsm { Encoding::Gsm7 } else { Encoding::Ucs2 };
    if total <= single {
        return (encoding, vec![text.len()]);
    }
    let mut ends = Vec::new();
    let mut used = 0;
    let mut end = 0;
    for (char_end, cost) in costs {
        if used + cost > multi {
            ends.push(end);
            used = 0;
        }
        used += cost;
        end = char_end;
    }
    ends.push(end);
    (encoding, ends)
}

fn piece(pool: &'static [&'static str]) -> impl Strategy<Value = String> {
    proptest::sample::select(pool).prop_map(str::to_owned)
}

const GSM_PIECES: &[&str] = &[
    "a", "Z", "7", " ", ".", "@", "£", "é", "Δ", "\n", "\r", "€", "[", "]", "{", "}", "~", "^",
    "|", "\\", "\u{c}",
];
const UCS2_PIECES: &[&str] = &["ç", "°", "“", "中", "ж", "😀", "🔥", "𝄞", "`", "\t"];
const CLUSTER_PIECES: &[&str] = &["e\u{301}", "🇮🇹", "👍🏽", "👩\u{200d}💻", "1\u{fe0f}\u{20e3}"];
const SMART_PIECES: &[&str] = &["“", "”", "‘", "’", "–", "—", "…", "\u{a0}", "«", "\t", "½"];

fn message(pools: Vec<BoxedStrategy<String>>, max: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(proptest::strategy::Union::new(pools), 0..max)
        .prop_map(|pieces| pieces.concat())
}

fn gsm_message() -> impl Strategy<Value = String> {
    message(vec![piece(GSM_PIECES).boxed()], 500)
}

fn mixed_message() -> impl Strategy<Value = String> {
    message(
        vec![
            piece(GSM_PIECES).boxed(),
            piece(GSM_PIECES).boxed(),
            piece(UCS2_PIECES).boxed(),
        ],
        260,
    )
}

fn any_alert_text() -> impl Strategy<Value = String> {
    message(
        vec![
            piece(GSM_PIECES).boxed(),
            piece(GSM_PIECES).boxed(),
            piece(UCS2_PIECES).boxed(),
            piece(CLUSTER_PIECES).boxed(),
            piece(SMART_PIECES).boxed(),
        ],
        300,
    )
}

fn check_against_reference(text: &str) {
    let (encoding, ends) = reference(text);
    let count = segments::count(text);
    assert_eq!(count.encoding, encoding);
    assert_eq!(count.segments, ends.len());
    let got: Vec<usize> = segments::split(text).map(|s| s.end).collect();
    assert_eq!(got, ends);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn gsm_counts_agree_with_reference(text in gsm_message()) {
        check_against_reference(&text);
    }

    #[test]
    fn mixed_counts_agree_with_reference(text in mixed_message()) {
        check_against_reference(&text);
    }

    #[test]
    fn any_unicode_is_counted_without_loss(text in any::<String>()) {
        let count = segments::count(&text);
        let parts: Vec<_> = segments::split(&text).collect();
        prop_assert_eq!(parts.len(), count.segments);
        prop_assert_eq!(parts.iter().map(|s| s.units).sum::<usize>(), count.units);
        prop_assert_eq!(parts.iter().map(|s| s.text).collect::<String>(), text);
    }

    #[test]
    fn smart_encoding_never_increases_segments(text in any_alert_text()) {
        let mut buf = vec![0u8; text.len() * 7 + 8];
        let encoded = smart_encoding::encode(&text, &mut buf).unwrap();
        prop_assert!(segments::count(encoded).segments <= segments::count(&text).segments);
    }

    #[test]
    fn smart_encoding_of_look_alikes_only_is_gsm(
        text in message(vec![piece(GSM_PIECES).boxed(), piece(SMART_PIECES).boxed()], 200)
    ) {
        let mut buf = vec![0u8; text.len() * 7 + 8];
        let replaced = smart_encoding::replace(&text, &mut buf).unwrap();
        prop_assert_eq!(segments::encoding(replaced), Encoding::Gsm7);
    }

    #[test]
    fn truncation_fits_the_budget_at_a_character_boundary(
        text in any_alert_text(),
        max in 1usize..5,
    ) {
        let mut buf = vec![0u8; text.len() + 8];
        let fitted = fit_to_segments(&text, max, &mut buf).unwrap();
        prop_assert!(segments::count(fitted).segments <= max);
        if fitted != text {
            let prefix = fitted
                .strip_suffix("...")
                .or_else(|| fitted.strip_suffix('…'))
                .unwrap();
            prop_assert!(text.starts_with(prefix));
            // Never cut a letter from its accent, a flag in half or a ZWJ sequence.
            let next = text[prefix.len()..].chars().next().unwrap();
            assert!(!matches!(next, '\u{301}' | '\u{200d}' | '\u{fe0f}' | '\u{20e3}' | '\u{1f3fd}'));
            assert!(!prefix.ends_with('\u{200d}'));
            assert!(prefix.matches(|c| ('\u{1f1e6}'..='\u{1f1ff}').contains(&c)).count() % 2 == 0);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Any Unicode at all: fitting never panics, always fits, and keeps a prefix of the text.
    #[test]
    fn any_unicode_fits(text in any::<String>(), max in 1usize..4) {
        let mut buf = vec![0u8; text.len() + 8];
        let fitted = fit_to_segments(&text, max, &mut buf).unwrap();
        prop_assert!(segments::count(fitted).segments <= max);
        let prefix = fitted
            .strip_suffix("...")
            .or_else(|| fitted.strip_suffix('…'))
            .unwrap_or(fitted);
        prop_assert!(text.starts_with(prefix));
    }

    /// Any Unicode: smart encoding either fits the buffer or says exactly how much it needs.
    #[test]
    fn any_unicode_smart_encodes(text in any::<String>(), room in 0usize..64) {
        let mut buf = vec![0u8; room];
        match smart_encoding::replace(&text, &mut buf) {
            Ok(out) => prop_assert!(out.len() <= room),
            Err(e) => {
                prop_assert!(e.required > room);
                let mut big = vec![0u8; e.required];
                prop_assert_eq!(smart_encoding::replace(&text, &mut big).unwrap().len(), e.required);
            }
        }
    }

    /// Any template text: rendering returns text or a clear error, never panics.
    #[test]
    fn any_template_renders_or_errs(template in any::<String>()) {
        use twilio_core::text::template::{Fixed, TemplateError, Value, render};
        let mut buf = [0u8; 256];
        let values = [("name", Value::Text("x")), ("value", Value::Number(Fixed::new(-15, 1)))];
        match render(&template, &values, &mut buf) {
            Ok(out) => prop_assert!(out.len() <= 256),
            Err(TemplateError::UnknownPlaceholder { at } | TemplateError::UnclosedPlaceholder { at }) => {
                prop_assert_eq!(template.as_bytes()[at], b'{');
            }
            Err(TemplateError::InsufficientSize { required }) => prop_assert!(required > 256),
            Err(other) => prop_assert!(false, "unexpected error {:?}", other),
        }
    }
}
