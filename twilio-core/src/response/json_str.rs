//! Borrowed JSON strings that are unescaped only on demand.

use core::fmt;

use serde::de::{self, Deserialize, Deserializer, Visitor};
use serde_json_core::str::{EscapedStr, EscapedStringFragment};

/// A JSON string exactly as it appears in the body, escapes and all.
///
/// serde-json-core can only borrow a string when it does not unescape it, so free-text fields
/// (bodies, error messages) keep their raw form and are unescaped into a caller buffer when
/// needed. Nothing is copied unless asked.
///
/// ```
/// use twilio_core::response::JsonStr;
///
/// let s = JsonStr::from_raw(r#"caf\u00e9 \"ok\""#);
/// let mut buf = [0u8; 16];
/// assert_eq!(s.unescape_into(&mut buf), Ok("café \"ok\""));
/// assert_eq!(JsonStr::from_raw("plain").as_plain(), Some("plain"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct JsonStr<'a>(&'a str);

/// A JSON string could not be unescaped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum UnescapeError {
    /// The output buffer was too small; `required` bytes would fit the whole string.
    InsufficientSize {
        /// Bytes the unescaped string needs.
        required: usize,
    },
    /// The string has an invalid escape sequence or code point.
    InvalidEscape,
}

impl fmt::Display for UnescapeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InsufficientSize { required } => {
                write!(f, "buffer too small: {required} bytes required to unescape")
            }
            Self::InvalidEscape => f.write_str("invalid JSON string escape"),
        }
    }
}

impl core::error::Error for UnescapeError {}

impl<'a> JsonStr<'a> {
    /// Wraps the raw (still escaped) text between the quotes.
    pub const fn from_raw(raw: &'a str) -> Self {
        JsonStr(raw)
    }

    /// The raw text, escapes included.
    pub const fn raw(&self) -> &'a str {
        self.0
    }

    /// The text itself when it contains no escapes (the common case), without copying.
    pub fn as_plain(&self) -> Option<&'a str> {
        (!self.0.contains('\\')).then_some(self.0)
    }

    /// Unescapes into `buf` and returns the text.
    pub fn unescape_into<'b>(&self, buf: &'b mut [u8]) -> Result<&'b str, UnescapeError> {
        let mut len = 0usize;
        for fragment in EscapedStr(self.0).fragments() {
            let mut char_buf = [0u8; 4];
            let bytes = match fragment.map_err(|_| UnescapeError::InvalidEscape)? {
                EscapedStringFragment::NotEscaped(s) => s.as_bytes(),
                EscapedStringFragment::Escaped(c) => c.encode_utf8(&mut char_buf).as_bytes(),
            };
            let end = len.saturating_add(bytes.len());
            if let Some(dst) = buf.get_mut(len..end) {
                dst.copy_from_slice(bytes);
            }
            len = end;
        }
        if len > buf.len() {
            buf.fill(0);
            return Err(UnescapeError::InsufficientSize { required: len });
        }
        // Unpaired surrogate escapes are rejected by the fragment iterator, so this holds UTF-8.
        core::str::from_utf8(&buf[..len]).map_err(|_| UnescapeError::InvalidEscape)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for JsonStr<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = JsonStr<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a borrowed string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<JsonStr<'de>, E> {
                Ok(JsonStr(v))
            }
        }
        d.deserialize_str(V)
    }
}
