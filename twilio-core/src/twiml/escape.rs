//! XML escaping, as the official helper libraries' TwiML (Python's ElementTree) does it.

use super::markup::Piece;
use crate::buf::SliceWriter;

/// Where escaped text goes: element content or a double-quoted attribute value. The value is
/// how many of [`ESCAPES`] apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(super) enum Context {
    Text = 3,
    Attribute = 7,
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
    let escapes = ESCAPES.get(..context as usize).unwrap_or_default();
    let mut rest = s.as_bytes();
    // Every byte that needs care is at most `>`: most text skips the table.
    while let Some(i) = rest
        .iter()
        .position(|&b| b <= b'>' && (escapes.iter().any(|&(c, _)| c == b) || is_dropped(b)))
    {
        // `i` is at an ASCII byte, so both parts end on character boundaries.
        let Some((plain, [b, tail @ ..])) = rest.split_at_checked(i) else {
            break;
        };
        out.write(plain);
        let replacement = escapes
            .iter()
            .find(|&&(c, _)| c == *b)
            .map_or(Piece::Nothing, |&(_, r)| r);
        super::put(out, replacement);
        rest = tail;
    }
    out.write(rest);
}

/// C0 controls XML 1.0 cannot carry at all (all but tab, LF and CR).
fn is_dropped(b: u8) -> bool {
    b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')
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

    /// Character by character, the obvious way.
    fn reference(s: &str, context: Context) -> std::string::String {
        let attribute = context == Context::Attribute;
        let mut out = std::string::String::new();
        for c in s.chars() {
            match c {
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '"' if attribute => out.push_str("&quot;"),
                '\n' if attribute => out.push_str("&#10;"),
                '\r' if attribute => out.push_str("&#13;"),
                '\t' if attribute => out.push_str("&#09;"),
                '\t' | '\n' | '\r' => out.push(c),
                c if c < ' ' => {}
                c => out.push(c),
            }
        }
        out
    }

    proptest::proptest! {
        #[test]
        fn agrees_with_character_by_character(
            s in "[<>&\"'\t\n\r\u{0}\u{1f} aé😀]{0,30}|\\PC{0,30}"
        ) {
            for context in [Context::Text, Context::Attribute] {
                let mut buf = [0u8; 512];
                let mut out = SliceWriter::new(&mut buf);
                write_escaped(&mut out, &s, context);
                let len = out.finish().unwrap();
                proptest::prop_assert_eq!(
                    core::str::from_utf8(&buf[..len]).unwrap(),
                    reference(&s, context)
                );
            }
        }
    }
}
