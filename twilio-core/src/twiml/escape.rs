//! XML escaping, as the official helper libraries' TwiML (Python's ElementTree) does it.

use super::markup::Piece;
use crate::buf::SliceWriter;

/// Where escaped text goes: element content or a double-quoted attribute value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Context {
    Text,
    Attribute,
}

/// Replacements: the first three apply everywhere, the rest only inside attribute values.
const ESCAPES: [(u8, Piece); 7] = [
    (b'&', Piece::Amp),
    (b'<', Piece::Lt),
    (b'>', Piece::Gt),
    (b'"', Piece::Quot),
    (b'\n', Piece::Lf),
    (b'\r', Piece::Cr),
    (b'\t', Piece::Tab),
];

/// Writes `s` escaped for `context`. Characters XML 1.0 cannot carry at all (C0 controls other
/// than tab, LF and CR) are dropped: Twilio would reject the whole document otherwise.
pub(super) fn write_escaped(out: &mut SliceWriter<'_>, s: &str, context: Context) {
    let escapes = match context {
        Context::Text => ESCAPES.get(..3).unwrap_or_default(),
        Context::Attribute => &ESCAPES[..],
    };
    let bytes = s.as_bytes();
    let mut from = 0;
    for (i, &b) in bytes.iter().enumerate() {
        // Every byte that needs care is at most `>`: most text skips the table.
        if b > b'>' {
            continue;
        }
        let replacement = match escapes.iter().find(|(c, _)| *c == b) {
            Some((_, r)) => *r,
            None if b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r') => Piece::Nothing,
            None => continue,
        };
        // `i` is at an ASCII byte, so both slices end on character boundaries.
        out.write(bytes.get(from..i).unwrap_or_default());
        super::put(out, replacement);
        from = i + 1;
    }
    out.write(bytes.get(from..).unwrap_or_default());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn escape(s: &str, context: Context) -> std::string::String {
        let mut buf = [0u8; 128];
        let mut out = SliceWriter::new(&mut buf);
        write_escaped(&mut out, s, context);
        let len = out.finish().unwrap();
        std::string::String::from_utf8(buf[..len].to_vec()).unwrap()
    }

    #[test]
    fn escapes_markup() {
        assert_eq!(escape("a<b>&\"'\n", Context::Text), "a&lt;b&gt;&amp;\"'\n");
        assert_eq!(
            escape("a<b>&\"'\n\t\r", Context::Attribute),
            "a&lt;b&gt;&amp;&quot;'&#10;&#09;&#13;"
        );
        assert_eq!(escape("bell\u{7}é", Context::Text), "bellé");
    }
}
