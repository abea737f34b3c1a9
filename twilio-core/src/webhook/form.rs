//! A zero-copy `application/x-www-form-urlencoded` decoder (the WHATWG form parsing rules).
//!
//! Pairs are split on `&` and the first `=`; empty pieces between `&`s are skipped; `+` is a
//! space; `%XX` is a byte; a `%` not followed by two hex digits stays as it is. Nothing is copied
//! until a value with escapes is decoded into a caller buffer.

use core::fmt;

/// A form body could not be read into the view asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum FormError {
    /// The decoding buffer was too small; `required` bytes would hold every decoded value.
    InsufficientSize {
        /// Bytes needed.
        required: usize,
    },
    /// A required field is absent.
    MissingField {
        /// The field's name.
        field: &'static str,
    },
    /// A field's decoded bytes are not UTF-8.
    InvalidUtf8 {
        /// The field's name.
        field: &'static str,
    },
    /// A numeric field is not a number in range.
    InvalidNumber {
        /// The field's name.
        field: &'static str,
    },
}

impl fmt::Display for FormError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InsufficientSize { required } => {
                write!(f, "decode buffer too small: {required} bytes required")
            }
            Self::MissingField { field } => write!(f, "form field {field} is missing"),
            Self::InvalidUtf8 { field } => write!(f, "form field {field} is not UTF-8"),
            Self::InvalidNumber { field } => write!(f, "form field {field} is not a valid number"),
        }
    }
}

impl core::error::Error for FormError {}

/// A form body, iterated pair by pair without copying.
///
/// ```
/// use twilio_core::webhook::FormBody;
///
/// let form = FormBody::new(b"From=%2B15005550006&Body=Temp+high%21&&Empty=");
/// let (name, value) = form.pairs().next().unwrap();
/// assert!(name.eq_str("From"));
/// let mut buf = [0u8; 16];
/// assert_eq!(value.decode_into(&mut buf), Ok("+15005550006"));
/// assert!(form.get("Body").unwrap().eq_str("Temp high!"));
/// assert_eq!(form.pairs().count(), 3);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FormBody<'a> {
    raw: &'a [u8],
}

impl<'a> FormBody<'a> {
    /// Wraps a raw body (or URL query string, without the `?`).
    pub const fn new(raw: &'a [u8]) -> Self {
        FormBody { raw }
    }

    /// The raw bytes.
    pub const fn raw(&self) -> &'a [u8] {
        self.raw
    }

    /// Every `(name, value)` pair in order, repeats included.
    pub fn pairs(&self) -> FormPairs<'a> {
        FormPairs { rest: self.raw }
    }

    /// The value of the first pair named `name`.
    pub fn get(&self, name: &str) -> Option<Encoded<'a>> {
        self.pairs().find(|(n, _)| n.eq_str(name)).map(|(_, v)| v)
    }
}

/// Iterator over the pairs of a [`FormBody`].
#[derive(Debug, Clone)]
pub struct FormPairs<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for FormPairs<'a> {
    type Item = (Encoded<'a>, Encoded<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.rest.is_empty() {
                return None;
            }
            let (piece, rest) = match self.rest.iter().position(|&b| b == b'&') {
                Some(i) => (&self.rest[..i], &self.rest[i + 1..]),
                None => (self.rest, &[][..]),
            };
            self.rest = rest;
            if piece.is_empty() {
                continue;
            }
            return Some(match piece.iter().position(|&b| b == b'=') {
                Some(i) => (Encoded(&piece[..i]), Encoded(&piece[i + 1..])),
                None => (Encoded(piece), Encoded(&[])),
            });
        }
    }
}

/// A still-encoded name or value.
///
/// ```
/// use twilio_core::webhook::Encoded;
///
/// let value = Encoded::new(b"%2B1+555%zz");
/// assert!(!value.is_plain());
/// assert_eq!(value.decoded_len(), 9);
/// assert!(value.eq_str("+1 555%zz"));
/// assert_eq!(value.bytes().next(), Some(b'+'));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Encoded<'a>(&'a [u8]);

impl<'a> Encoded<'a> {
    /// Wraps raw encoded bytes.
    pub const fn new(raw: &'a [u8]) -> Self {
        Encoded(raw)
    }

    /// The bytes as they are in the body.
    pub const fn raw(&self) -> &'a [u8] {
        self.0
    }

    /// True when decoding would not change anything (no `%` or `+`).
    pub fn is_plain(&self) -> bool {
        !self.0.iter().any(|&b| b == b'%' || b == b'+')
    }

    /// The decoded bytes, one at a time.
    pub fn bytes(&self) -> DecodedBytes<'a> {
        DecodedBytes { rest: self.0 }
    }

    /// Length once decoded.
    pub fn decoded_len(&self) -> usize {
        self.bytes().count()
    }

    /// True when the decoded bytes equal `text`.
    pub fn eq_str(&self, text: &str) -> bool {
        if self.is_plain() {
            return self.0 == text.as_bytes();
        }
        self.bytes().eq(text.bytes())
    }

    /// Decodes into `buf` and returns the UTF-8 text.
    pub fn decode_into<'b>(&self, buf: &'b mut [u8]) -> Result<&'b str, FormError> {
        let required = self.decoded_len();
        let dst = buf
            .get_mut(..required)
            .ok_or(FormError::InsufficientSize { required })?;
        for (d, b) in dst.iter_mut().zip(self.bytes()) {
            *d = b;
        }
        core::str::from_utf8(dst).map_err(|_| FormError::InvalidUtf8 { field: "value" })
    }
}

/// Iterator over the decoded bytes of an [`Encoded`] value.
#[derive(Debug, Clone)]
pub struct DecodedBytes<'a> {
    rest: &'a [u8],
}

impl Iterator for DecodedBytes<'_> {
    type Item = u8;

    #[inline]
    fn next(&mut self) -> Option<u8> {
        let (&first, rest) = self.rest.split_first()?;
        if first == b'%'
            && let [h, l, tail @ ..] = rest
            && let (Some(h), Some(l)) = (hex_value(*h), hex_value(*l))
        {
            self.rest = tail;
            return Some(h << 4 | l);
        }
        self.rest = rest;
        Some(if first == b'+' { b' ' } else { first })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.rest.len().div_ceil(3), Some(self.rest.len()))
    }
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Hands out decoded strings: borrowed from the body when plain, copied into scratch otherwise.
///
/// Keeps counting after the scratch runs out so the error can say how much was needed.
pub(crate) struct Scratch<'a> {
    free: &'a mut [u8],
    used: usize,
    overflow: bool,
}

impl<'a> Scratch<'a> {
    pub(crate) fn new(buf: &'a mut [u8]) -> Self {
        Scratch {
            free: buf,
            used: 0,
            overflow: false,
        }
    }

    /// The decoded text; `""` once the scratch has overflowed (see [`Scratch::finish`]).
    pub(crate) fn text(
        &mut self,
        value: Encoded<'a>,
        field: &'static str,
    ) -> Result<&'a str, FormError> {
        if value.is_plain() {
            return core::str::from_utf8(value.0).map_err(|_| FormError::InvalidUtf8 { field });
        }
        let n = value.decoded_len();
        self.used = self.used.saturating_add(n);
        if self.overflow || n > self.free.len() {
            self.overflow = true;
            return Ok("");
        }
        let (dst, tail) = core::mem::take(&mut self.free).split_at_mut(n);
        self.free = tail;
        for (d, b) in dst.iter_mut().zip(value.bytes()) {
            *d = b;
        }
        core::str::from_utf8(dst).map_err(|_| FormError::InvalidUtf8 { field })
    }

    /// Ok when every value fitted.
    pub(crate) fn finish(&self) -> Result<(), FormError> {
        if self.overflow {
            Err(FormError::InsufficientSize {
                required: self.used,
            })
        } else {
            Ok(())
        }
    }
}

/// The first value of each of `names` in `form`.
pub(crate) fn first_values<'a, const N: usize>(
    form: FormBody<'a>,
    names: [&str; N],
) -> [Option<Encoded<'a>>; N] {
    let mut found = [None; N];
    for (name, value) in form.pairs() {
        for (slot, wanted) in found.iter_mut().zip(names) {
            if slot.is_none() && name.eq_str(wanted) {
                *slot = Some(value);
                break;
            }
        }
    }
    found
}
