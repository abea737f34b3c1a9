//! A minimal scan of a JSON object's top-level `sid`, `status` and `code`.
//!
//! Classification needs three scalars, and every device links it; serde-json-core's general
//! deserializer costs about 4 KiB of Cortex-M0 flash for them, this scan a few hundred bytes.
//! It is lenient: malformed JSON yields whatever was found before the fault, and the caller
//! falls back to the HTTP status. Full resources still go through serde-json-core
//! ([`crate::response::Message`] ...).

/// The three top-level fields, as raw text.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Summary<'a> {
    pub(crate) sid: Option<&'a [u8]>,
    /// A string `status` (resources); a numeric one (error bodies) is skipped.
    pub(crate) status: Option<&'a [u8]>,
    pub(crate) code: Option<u32>,
}

struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_ws(&mut self) -> Option<u8> {
        while let Some(b) = self.peek() {
            if !matches!(b, b' ' | b'\t' | b'\r' | b'\n') {
                return Some(b);
            }
            self.pos += 1;
        }
        None
    }

    fn eat(&mut self, want: u8) -> Option<()> {
        (self.skip_ws()? == want).then(|| self.pos += 1)
    }

    /// A string's raw contents (escapes kept); the cursor must be on the opening quote.
    fn string(&mut self) -> Option<&'a [u8]> {
        self.eat(b'"')?;
        let start = self.pos;
        loop {
            match self.peek()? {
                b'"' => break,
                b'\\' => self.pos += 2,
                _ => self.pos += 1,
            }
        }
        let text = self.bytes.get(start..self.pos)?;
        self.pos += 1;
        Some(text)
    }

    /// Skips any value: a string, or everything up to the `,` or `}` that ends it at this depth.
    fn skip_value(&mut self) -> Option<()> {
        if self.skip_ws()? == b'"' {
            return self.string().map(|_| ());
        }
        let mut depth = 0usize;
        loop {
            match self.peek()? {
                b'"' => {
                    self.string()?;
                    continue;
                }
                b'{' | b'[' => depth += 1,
                b'}' | b']' | b',' if depth == 0 => return Some(()),
                b'}' | b']' => depth -= 1,
                _ => {}
            }
            self.pos += 1;
        }
    }

    /// An unsigned integer, or `None` when the value is not one (the rest is then skipped).
    fn integer(&mut self) -> Option<u32> {
        self.skip_ws()?;
        let start = self.pos;
        let mut n = 0u32;
        while let Some(d) = self.peek().filter(u8::is_ascii_digit) {
            n = crate::response::decimal::push_digit(n, d)?;
            self.pos += 1;
        }
        (self.pos > start && matches!(self.skip_ws(), Some(b',' | b'}'))).then_some(n)
    }
}

/// Scans `body` for the top-level `sid`, `status` and `code`; the first occurrence wins.
pub(crate) fn summary(body: &[u8]) -> Summary<'_> {
    let mut found = Summary::default();
    let mut c = Cursor {
        bytes: body,
        pos: 0,
    };
    // Stops quietly at the first malformed byte, keeping what was found.
    let _ = (|| -> Option<()> {
        c.eat(b'{')?;
        if c.skip_ws()? == b'}' {
            return Some(());
        }
        loop {
            let key = c.string()?;
            c.eat(b':')?;
            match key {
                b"sid" if found.sid.is_none() && c.skip_ws()? == b'"' => {
                    found.sid = c.string();
                }
                b"status" if found.status.is_none() && c.skip_ws()? == b'"' => {
                    found.status = c.string();
                }
                b"code" if found.code.is_none() => match c.integer() {
                    Some(code) => found.code = Some(code),
                    None => c.skip_value()?,
                },
                _ => c.skip_value()?,
            }
            match c.skip_ws()? {
                b',' => c.pos += 1,
                _ => return Some(()),
            }
        }
    })();
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
