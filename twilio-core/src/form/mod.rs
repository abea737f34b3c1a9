//! `application/x-www-form-urlencoded` writer (encoding only).
//!
//! Exactly what Twilio's official helper libraries send: UTF-8, space as `+`, the RFC 3986
//! unreserved characters (`A-Z a-z 0-9 - . _ ~`) as they are, every other byte as `%XX` with
//! upper-case hex. Pairs are joined with `&`; a name may repeat (`MediaUrl`,
//! `StatusCallbackEvent`).

use crate::buf::SliceWriter;

/// Appends `name=value` pairs to a [`SliceWriter`], separating them with `&`.
///
/// ```
/// use twilio_core::buf::SliceWriter;
/// use twilio_core::form::FormWriter;
///
/// let mut buf = [0u8; 128];
/// let mut out = SliceWriter::new(&mut buf);
/// let mut form = FormWriter::new(&mut out);
/// form.pair("To", "+15551234567");
/// form.pair("Body", "Tank 3: 95% full & rising");
/// form.pair_u32("ValidityPeriod", 600);
/// let n = out.finish().unwrap();
/// assert_eq!(
///     &buf[..n],
///     b"To=%2B15551234567&Body=Tank+3%3A+95%25+full+%26+rising&ValidityPeriod=600"
/// );
/// ```
#[derive(Debug)]
pub struct FormWriter<'w, 'b> {
    out: &'w mut SliceWriter<'b>,
    first: bool,
}

impl<'w, 'b> FormWriter<'w, 'b> {
    /// Starts a form at the writer's current position.
    pub fn new(out: &'w mut SliceWriter<'b>) -> Self {
        Self { out, first: true }
    }

    fn name(&mut self, name: &str) {
        if !self.first {
            self.out.write_byte(b'&');
        }
        self.first = false;
        write_encoded(self.out, name);
        self.out.write_byte(b'=');
    }

    /// Appends `name=value`, both percent-encoded.
    pub fn pair(&mut self, name: &str, value: &str) {
        self.name(name);
        write_encoded(self.out, value);
    }

    /// Appends a decimal number.
    pub fn pair_u32(&mut self, name: &str, value: u32) {
        self.name(name);
        write_u32(self.out, value);
    }

    /// Appends `true` or `false`, as Twilio's helper libraries write booleans.
    pub fn pair_bool(&mut self, name: &str, value: bool) {
        self.pair(name, if value { "true" } else { "false" });
    }

    /// Appends the pair only when `value` is present.
    pub fn opt(&mut self, name: &str, value: Option<&str>) {
        if let Some(v) = value {
            self.pair(name, v);
        }
    }

    /// Appends the number only when present.
    pub fn opt_u32(&mut self, name: &str, value: Option<u32>) {
        if let Some(v) = value {
            self.pair_u32(name, v);
        }
    }

    /// Appends the boolean only when present.
    pub fn opt_bool(&mut self, name: &str, value: Option<bool>) {
        if let Some(v) = value {
            self.pair_bool(name, v);
        }
    }
}

/// Writes `n` in decimal with 32-bit arithmetic only: 64-bit division costs about a kilobyte of
/// flash on a Cortex-M0, and every number Twilio takes fits in 32 bits.
///
/// ```
/// use twilio_core::buf::SliceWriter;
///
/// let mut buf = [0u8; 10];
/// let mut out = SliceWriter::new(&mut buf);
/// twilio_core::form::write_u32(&mut out, u32::MAX);
/// assert_eq!(out.written(), Some(&b"4294967295"[..]));
/// ```
pub fn write_u32(out: &mut SliceWriter<'_>, mut n: u32) {
    let mut digits = [0u8; 10];
    let mut start = digits.len();
    while let Some(slot) = start.checked_sub(1).and_then(|i| digits.get_mut(i)) {
        start -= 1;
        // `n % 10` is below 10, so the cast cannot truncate.
        #[allow(clippy::cast_possible_truncation)]
        {
            *slot = b'0' + (n % 10) as u8;
        }
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.write(digits.get(start..).unwrap_or_default());
}

/// True for the bytes written as they are.
#[inline]
fn is_unreserved(b: u8) -> bool {
    // A 16-byte bitmap: one load and a shift per byte, much faster than the chain of range
    // compares, and bytes of 128 and up fall outside it (always escaped).
    UNRESERVED
        .get(usize::from(b >> 3))
        .is_some_and(|bits| (bits >> (b & 7)) & 1 != 0)
}

/// Bit `b` set for each unreserved ASCII byte `b`.
const UNRESERVED: [u8; 16] = {
    let mut map = [0u8; 16];
    let mut b = 0u8;
    while b < 128 {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            map[(b >> 3) as usize] |= 1 << (b & 7);
        }
        b += 1;
    }
    map
};

/// Writes `s` percent-encoded, copying each run of unreserved bytes in one go.
///
/// ```
/// use twilio_core::buf::SliceWriter;
/// use twilio_core::form::write_encoded;
///
/// let mut buf = [0u8; 32];
/// let mut out = SliceWriter::new(&mut buf);
/// write_encoded(&mut out, "a b~c*é");
/// assert_eq!(out.written(), Some(&b"a+b~c%2A%C3%A9"[..]));
/// ```
pub fn write_encoded(out: &mut SliceWriter<'_>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut rest = s.as_bytes();
    while !rest.is_empty() {
        let run = rest
            .iter()
            .position(|&b| !is_unreserved(b))
            .unwrap_or(rest.len());
        let (plain, tail) = rest.split_at(run);
        out.write(plain);
        let Some((&b, tail)) = tail.split_first() else {
            break;
        };
        if b == b' ' {
            out.write_byte(b'+');
        } else {
            out.write(&[b'%', HEX[usize::from(b >> 4)], HEX[usize::from(b & 0xF)]]);
        }
        rest = tail;
    }
}

/// Length of `s` once percent-encoded.
///
/// ```
/// assert_eq!(twilio_core::form::encoded_len("95% full"), 10);
/// ```
pub fn encoded_len(s: &str) -> usize {
    s.bytes()
        .map(|b| if is_unreserved(b) || b == b' ' { 1 } else { 3 })
        .sum()
}

#[cfg(test)]
mod tests;
