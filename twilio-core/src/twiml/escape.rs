//! XML escaping, as the official helper libraries' TwiML (Python's ElementTree) does it.

use crate::buf::SliceWriter;

/// Where escaped text goes: element content or a double-quoted attribute value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Context {
    Text,
    Attribute,
}

/// Writes `s` escaped for `context`. Characters XML 1.0 cannot carry at all (C0 controls other
/// than tab, LF and CR) are dropped: Twilio would reject the whole document otherwise.
pub(super) fn write_escaped(out: &mut SliceWriter<'_>, s: &str, context: Context) {
    let mut from = 0;
    for (i, b) in s.bytes().enumerate() {
        let replacement = match (b, context) {
            (b'&', _) => "&amp;",
            (b'<', _) => "&lt;",
            (b'>', _) => "&gt;",
            (b'"', Context::Attribute) => "&quot;",
            (b'\n', Context::Attribute) => "&#10;",
            (b'\r', Context::Attribute) => "&#13;",
            (b'\t', Context::Attribute) => "&#09;",
            (b'\t' | b'\n' | b'\r', Context::Text) => continue,
            (0..0x20, _) => "",
            _ => continue,
        };
        // `i` is at an ASCII byte, so both slices end on character boundaries.
        out.write(s.as_bytes().get(from..i).unwrap_or_default());
        out.write_str(replacement);
        from = i + 1;
    }
    out.write(s.as_bytes().get(from..).unwrap_or_default());
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
