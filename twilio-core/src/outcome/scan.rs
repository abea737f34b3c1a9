//! A minimal scan of a JSON object's top-level `sid`, `status` and `code`.
//!
//! Classification needs three scalars, and every device links it; serde-json-core's general
//! deserializer costs about 4 KiB of Cortex-M0 flash for them, this scan a few hundred bytes.
//! It is lenient: from malformed JSON it takes whatever fields it can still recognise (none
//! after an unterminated string), and the caller falls back to the HTTP status. Full resources still go through serde-json-core
//! ([`crate::response::Message`] ...).

/// The three top-level fields, as raw text.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Summary<'a> {
    pub(crate) sid: Option<&'a [u8]>,
    /// A string `status` (resources); a numeric one (error bodies) is skipped.
    pub(crate) status: Option<&'a [u8]>,
    pub(crate) code: Option<u32>,
}

/// Scans `body` for the top-level `sid`, `status` and `code`; the first occurrence wins.
///
/// One pass over the bytes that tracks only the nesting depth, the last top-level key and
/// whether a value starts next: a recursive-descent scanner is a third more code on a
/// Cortex-M0.
pub(crate) fn summary(body: &[u8]) -> Summary<'_> {
    let mut found = Summary::default();
    // Nesting depth: the fields are at depth 1.
    let mut depth = 0usize;
    // The last key read at depth 1, and whether the next token is its value.
    let mut key: &[u8] = &[];
    let mut value_next = false;
    // A `code` integer, kept once the token after it shows it ended the value (so not `1.5`,
    // `1e3` or `12x`).
    let mut code = None;
    let mut i = 0;
    while let Some(&b) = body.get(i) {
        i += 1;
        if matches!(b, b' ' | b'\t' | b'\r' | b'\n') {
            continue;
        }
        if matches!(b, b',' | b'}') {
            found.code = found.code.or(code);
        }
        code = None;
        let value_start = core::mem::take(&mut value_next);
        match b {
            b'"' => {
                let start = i;
                loop {
                    match body.get(i) {
                        // An unterminated string ends the scan.
                        None => return found,
                        Some(b'"') => break,
                        Some(b'\\') => i += 2,
                        Some(_) => i += 1,
                    }
                }
                let text = body.get(start..i).unwrap_or_default();
                i += 1;
                if depth != 1 {
                } else if !value_start {
                    key = text;
                } else if key == b"sid" {
                    found.sid = found.sid.or(Some(text));
                } else if key == b"status" {
                    found.status = found.status.or(Some(text));
                }
            }
            b':' if depth == 1 => value_next = true,
            b'{' | b'[' => depth += 1,
            b'}' | b']' => depth = depth.saturating_sub(1),
            b'0'..=b'9' if value_start && depth == 1 && key == b"code" => {
                let start = i - 1;
                while body.get(i).is_some_and(u8::is_ascii_digit) {
                    i += 1;
                }
                code = crate::response::decimal::parse_u32(body.get(start..i).unwrap_or_default());
            }
            _ => {}
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_level_fields_only() {
        let body = br#"{"sub": {"sid": "XX", "status": "nested", "code": 1},
            "list": [{"code": 2}, "a\"]"], "sid" : "SM1", "status": "queued", "n": -1.5e3,
            "ok": true, "code": null, "status": "second"}"#;
        let s = summary(body);
        assert_eq!(s.sid, Some(&b"SM1"[..]));
        assert_eq!(s.status, Some(&b"queued"[..]));
        assert_eq!(s.code, None);
    }

    #[test]
    fn error_body() {
        let s = summary(br#"{"code": 21211, "message": "bad", "status": 400}"#);
        assert_eq!(s.code, Some(21211));
        assert_eq!(s.status, None);
    }

    #[test]
    fn malformed_keeps_what_was_found() {
        assert_eq!(summary(b"").code, None);
        assert_eq!(summary(b"<html>").sid, None);
        assert_eq!(summary(br#"{"code": 20003, "x": "#).code, Some(20003));
        assert_eq!(summary(br#"{"code": 99999999999}"#).code, None);
        assert_eq!(summary(br#"{"code": 12x}"#).code, None);
        assert_eq!(summary(br#"{"sid": "SM\"#).sid, None);
        assert_eq!(summary(b"{}"), Summary::default());
        // Past a malformed value the scan goes on; only an unterminated string ends it.
        assert_eq!(
            summary(br#"{"code": 12x, "sid": "SM1"}"#).sid,
            Some(&b"SM1"[..])
        );
        for not_unsigned in [
            &br#"{"code": -1}"#[..],
            br#"{"code": 1.5}"#,
            br#"{"code": 1e3}"#,
        ] {
            assert_eq!(summary(not_unsigned).code, None);
        }
        assert_eq!(summary(br#"{"code" : 7 }"#).code, Some(7));
    }

    mod agrees_with_serde_json {
        use super::super::summary;
        use proptest::prelude::*;
        use serde_json::{Map, Value};
        use std::string::String;

        fn value() -> impl Strategy<Value = Value> {
            let leaf = prop_oneof![
                Just(Value::Null),
                any::<bool>().prop_map(Value::Bool),
                any::<u32>().prop_map(Value::from),
                any::<f64>()
                    .prop_filter("finite", |f| f.is_finite())
                    .prop_map(Value::from),
                "\\PC{0,8}|[\"\\\\{}\\[\\],:]{0,4}".prop_map(Value::String),
            ];
            leaf.prop_recursive(3, 16, 4, |inner| {
                prop_oneof![
                    proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                    proptest::collection::btree_map("sid|status|code|[a-z]{1,3}", inner, 0..4)
                        .prop_map(|m| Value::Object(m.into_iter().collect())),
                ]
            })
        }

        fn unescape(raw: &[u8]) -> String {
            let quoted = std::format!("\"{}\"", core::str::from_utf8(raw).unwrap());
            serde_json::from_str(&quoted).unwrap()
        }

        proptest! {
            #[test]
            fn same_top_level_fields(fields in proptest::collection::btree_map("sid|status|code|[a-z]{1,3}", value(), 0..6)) {
                let object: Map<String, Value> = fields.into_iter().collect();
                let text = serde_json::to_string_pretty(&Value::Object(object.clone())).unwrap();
                let s = summary(text.as_bytes());
                prop_assert_eq!(s.sid.map(unescape), object.get("sid").and_then(Value::as_str).map(String::from));
                prop_assert_eq!(s.status.map(unescape), object.get("status").and_then(Value::as_str).map(String::from));
                let code = object.get("code").and_then(Value::as_u64).and_then(|c| u32::try_from(c).ok());
                prop_assert_eq!(s.code, code);
            }
        }
    }
}
