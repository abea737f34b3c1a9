//! Writing into caller-owned buffers.
//!
//! Every encoder in this crate writes through a [`SliceWriter`]. The writer keeps counting after
//! the buffer is full, so when space runs out the caller learns exactly how much was needed
//! ([`InsufficientSize::required`]) and can retry with a bigger buffer. A buffer that was too small
//! is cleared, so a truncated request can never be sent by mistake.

use core::fmt;

/// The caller's buffer was too small.
///
/// Nothing usable was written: the part of the buffer the writer touched has been zeroed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct InsufficientSize {
    /// Total bytes the output needs, from the start of the buffer handed in.
    pub required: usize,
}

impl fmt::Display for InsufficientSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "buffer too small: {} bytes required", self.required)
    }
}

impl core::error::Error for InsufficientSize {}

/// A cursor over `&mut [u8]` that never panics and never truncates silently.
///
/// ```
/// use twilio_core::buf::SliceWriter;
///
/// let mut buf = [0u8; 16];
/// let mut w = SliceWriter::new(&mut buf);
/// w.write_str("Length: ");
/// w.write_u64(1600);
/// let n = w.finish().unwrap();
/// assert_eq!(&buf[..n], b"Length: 1600");
///
/// let mut small = [0u8; 4];
/// let mut w = SliceWriter::new(&mut small);
/// w.write_str("too long");
/// assert_eq!(w.finish().unwrap_err().required, 8);
/// assert_eq!(small, [0; 4]);
/// ```
#[derive(Debug)]
pub struct SliceWriter<'a> {
    buf: &'a mut [u8],
    len: usize,
}

impl<'a> SliceWriter<'a> {
    /// A writer that starts at the beginning of `buf`.
    pub fn new(buf: &'a mut [u8]) -> Self {
        Self { buf, len: 0 }
    }

    /// Appends `bytes`, or only counts them once the buffer is full.
    #[inline]
    pub fn write(&mut self, bytes: &[u8]) {
        let end = self.len.saturating_add(bytes.len());
        if let Some(dst) = self.buf.get_mut(self.len..end) {
            dst.copy_from_slice(bytes);
        }
        self.len = end;
    }

    /// Appends a string's UTF-8 bytes.
    #[inline]
    pub fn write_str(&mut self, s: &str) {
        self.write(s.as_bytes());
    }

    /// Appends one byte.
    #[inline]
    pub fn write_byte(&mut self, b: u8) {
        if let Some(dst) = self.buf.get_mut(self.len) {
            *dst = b;
        }
        self.len = self.len.saturating_add(1);
    }

    /// Appends `n` in decimal, without going through `core::fmt`.
    pub fn write_u64(&mut self, mut n: u64) {
        let mut digits = [0u8; 20];
        let mut start = digits.len();
        loop {
            start -= 1;
            // `n % 10` is below 10, so the cast cannot truncate.
            #[allow(clippy::cast_possible_truncation)]
            {
                digits[start] = b'0' + (n % 10) as u8;
            }
            n /= 10;
            if n == 0 {
                break;
            }
        }
        self.write(&digits[start..]);
    }

    /// Bytes written (or needed) so far.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when nothing has been written yet.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// True while everything written so far fits in the buffer.
    pub fn fits(&self) -> bool {
        self.len <= self.buf.len()
    }

    /// The bytes written so far, or `None` once the buffer has overflowed.
    pub fn written(&self) -> Option<&[u8]> {
        self.buf.get(..self.len)
    }

    /// Ends the write: the number of bytes written, or how many were required.
    ///
    /// On error the touched part of the buffer is zeroed.
    pub fn finish(self) -> Result<usize, InsufficientSize> {
        if self.fits() {
            Ok(self.len)
        } else {
            self.buf.fill(0);
            Err(InsufficientSize { required: self.len })
        }
    }
}

impl fmt::Write for SliceWriter<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        SliceWriter::write_str(self, s);
        Ok(())
    }
}

/// Something that serialises itself into bytes: requests, TwiML documents, alert texts.
///
/// Implementors only provide [`Encode::encode`]; the provided methods handle slices, heapless
/// vectors and length queries the same way for every encoder.
pub trait Encode {
    /// Writes the whole encoding into `out`. Must write the same bytes on every call.
    fn encode(&self, out: &mut SliceWriter<'_>);

    /// Exact number of bytes [`Encode::encode`] writes.
    fn encoded_len(&self) -> usize {
        let mut w = SliceWriter::new(&mut []);
        self.encode(&mut w);
        w.len()
    }

    /// Encodes into the start of `buf` and returns the length written.
    fn encode_to_slice(&self, buf: &mut [u8]) -> Result<usize, InsufficientSize> {
        let mut w = SliceWriter::new(buf);
        self.encode(&mut w);
        w.finish()
    }

    /// Appends the encoding to `vec`; on error `vec` is left exactly as it was.
    fn encode_to_vec<const N: usize>(
        &self,
        vec: &mut heapless::Vec<u8, N>,
    ) -> Result<(), InsufficientSize> {
        let start = vec.len();
        // Resizing up to capacity cannot fail.
        let _ = vec.resize(N, 0);
        let result = self.encode_to_slice(&mut vec[start..]);
        match result {
            Ok(n) => {
                vec.truncate(start + n);
                Ok(())
            }
            Err(e) => {
                vec.truncate(start);
                Err(InsufficientSize {
                    required: start + e.required,
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Hello;
    impl Encode for Hello {
        fn encode(&self, out: &mut SliceWriter<'_>) {
            out.write_str("hello ");
            out.write_u64(u64::MAX);
        }
    }

    #[test]
    fn counts_past_the_end_and_clears() {
        let mut buf = [0xAAu8; 10];
        let err = Hello.encode_to_slice(&mut buf).unwrap_err();
        assert_eq!(err.required, 26);
        assert_eq!(buf, [0u8; 10]);
    }

    #[test]
    fn exact_fit() {
        let mut buf = [0u8; 26];
        assert_eq!(Hello.encode_to_slice(&mut buf), Ok(26));
        assert_eq!(&buf, b"hello 18446744073709551615");
        assert_eq!(Hello.encoded_len(), 26);
    }

    #[test]
    fn vec_append_and_rollback() {
        let mut v: heapless::Vec<u8, 32> = heapless::Vec::new();
        v.extend_from_slice(b"ab").unwrap();
        Hello.encode_to_vec(&mut v).unwrap();
        assert_eq!(&v[..], b"abhello 18446744073709551615");
        let err = Hello.encode_to_vec(&mut v).unwrap_err();
        assert_eq!(err.required, 28 + 26);
        assert_eq!(&v[..], b"abhello 18446744073709551615");
    }

    #[test]
    fn zero_and_small_numbers() {
        let mut buf = [0u8; 8];
        let mut w = SliceWriter::new(&mut buf);
        w.write_u64(0);
        w.write_byte(b'/');
        w.write_u64(42);
        assert_eq!(w.written(), Some(&b"0/42"[..]));
    }
}
