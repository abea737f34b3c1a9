//! The response head: status line and header fields (RFC 9112 sections 4 and 5).
//!
//! The parser only needs the status code, the HTTP version and a handful of header values, so
//! it reads the buffered head line by line instead of collecting every header into an array
//! first: on a Cortex-M0 this is about a third of the code of a general-purpose parser.
//! It accepts what httparse accepts with its default settings (the tests check that the two
//! agree): `HTTP/1.0` or `HTTP/1.1`, a three-digit code, CRLF or bare LF line ends, header
//! names made of token characters directly followed by `:`, no obsolete line folding.

/// Bit `b` set for each ASCII byte allowed in a header name (RFC 9110 `tchar`).
const TOKEN: [u8; 16] = {
    let mut map = [0u8; 16];
    let mut b = 0x21u8;
    while b < 0x7f {
        let delimiter = matches!(
            b,
            b'"' | b'('
                | b')'
                | b','
                | b'/'
                | b':'
                | b';'
                | b'<'
                | b'='
                | b'>'
                | b'?'
                | b'@'
                | b'['
                | b'\\'
                | b']'
                | b'{'
                | b'}'
        );
        if !delimiter {
            map[(b >> 3) as usize] |= 1 << (b & 7);
        }
        b += 1;
    }
    map
};

/// True for a header-name byte.
#[inline]
fn is_token(b: u8) -> bool {
    // Bytes of 128 and up fall outside the map: never a token.
    TOKEN
        .get(usize::from(b >> 3))
        .is_some_and(|bits| (bits >> (b & 7)) & 1 != 0)
}

/// True for a byte allowed in a header value or a reason phrase: HTAB, SP, visible ASCII and
/// obs-text (128 and up), so no control character and no DEL.
#[inline]
fn is_text(b: u8) -> bool {
    b == b'\t' || (b >= b' ' && b != 0x7f)
}

/// The lines of a head, line ends (CRLF or LF) removed, up to the blank line that ends it. A
/// line with a byte that is not text (a control character, or a CR not before LF) is an error:
/// checking that while looking for the line end saves a second pass over every value.
#[derive(Clone)]
pub(super) struct Lines<'h>(pub(super) &'h [u8]);

impl<'h> Iterator for Lines<'h> {
    type Item = Result<&'h [u8], ()>;

    fn next(&mut self) -> Option<Self::Item> {
        let end = first_non_text(self.0)?;
        let (line, rest) = self.0.split_at_checked(end)?;
        self.0 = match rest {
            [b'\n', rest @ ..] | [b'\r', b'\n', rest @ ..] => rest,
            _ => return Some(Err(())),
        };
        (!line.is_empty()).then_some(Ok(line))
    }
}

/// Where the first byte that is not text is (the line end, for a valid line). Header lines are
/// mostly printable ASCII, so whole words of it are skipped at once and only the word with the
/// line end is looked at byte by byte: about twice as fast as a byte loop.
fn first_non_text(bytes: &[u8]) -> Option<usize> {
    const WORD: usize = size_of::<usize>();
    const ONES: usize = usize::MAX / 255;
    const HIGH_BITS: usize = ONES * 0x80;
    let mut i = 0;
    while let Some(chunk) = bytes.get(i..i + WORD) {
        let Ok(word) = <[u8; WORD]>::try_from(chunk) else {
            break;
        };
        let word = usize::from_ne_bytes(word);
        // A byte below 0x20 borrows and one of 0x7f or above carries into its high bit; a
        // carry or borrow between bytes only starts at such a byte. No flag: all 0x20..=0x7e.
        if (word.wrapping_sub(ONES * 0x20) | word.wrapping_add(ONES)) & HIGH_BITS != 0 {
            break;
        }
        i += WORD;
    }
    let n = bytes.get(i..)?.iter().position(|&b| !is_text(b))?;
    Some(i + n)
}

/// The status code of a status line and whether the version is HTTP/1.1; `None` when the line
/// is not `HTTP/1.0` or `HTTP/1.1`, a space, three digits, then the end or a space and a
/// reason phrase.
pub(super) fn status_line(line: &[u8]) -> Option<(u16, bool)> {
    // One compare for the fixed prefix: a byte-by-byte pattern costs four times the code.
    let [minor @ (b'0' | b'1'), b' ', code @ ..] = line.strip_prefix(b"HTTP/1.")? else {
        return None;
    };
    let (digits, reason) = code.split_at_checked(3)?;
    // The reason phrase's bytes were checked by [`Lines`].
    if reason.first().is_some_and(|&b| b != b' ') {
        return None;
    }
    let code = super::decimal::parse_u32(digits)?;
    // Three digits: at most 999.
    Some((u16::try_from(code).ok()?, *minor == b'1'))
}

/// A header line's name and value (optional whitespace around the value removed), or `None`
/// when the line is not `name:value`.
pub(super) fn field(line: &[u8]) -> Option<(&[u8], &[u8])> {
    // One pass over the name: it ends at the first byte that is not a token byte, which must be
    // the colon. The value's bytes were checked by [`Lines`].
    let colon = line.iter().position(|&b| !is_token(b))?;
    let (name, [b':', value @ ..]) = line.split_at_checked(colon)? else {
        return None;
    };
    (!name.is_empty()).then(|| (name, value.trim_ascii()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_lines() {
        assert_eq!(status_line(b"HTTP/1.1 201 Created"), Some((201, true)));
        assert_eq!(status_line(b"HTTP/1.0 500 Oops \t\xff"), Some((500, false)));
        assert_eq!(status_line(b"HTTP/1.1 204"), Some((204, true)));
        assert_eq!(status_line(b"HTTP/1.1 204 "), Some((204, true)));
        for bad in [
            &b"HTTP/1.2 200 OK"[..],
            b"HTTP/2 200 OK",
            b"http/1.1 200 OK",
            b"HTTP/1.1  200 OK",
            b"HTTP/1.1 20 OK",
            b"HTTP/1.1 2000 OK",
            b"HTTP/1.1 2x0 OK",
            b"HTTP/1.1 200\tOK",
            b"HTTP/1.1",
            b"",
        ] {
            assert_eq!(status_line(bad), None, "{}", bad.escape_ascii());
        }
    }

    #[test]
    fn fields() {
        assert_eq!(
            field(b"Content-Length: 12 "),
            Some((&b"Content-Length"[..], &b"12"[..]))
        );
        assert_eq!(field(b"X-Empty:"), Some((&b"X-Empty"[..], &b""[..])));
        assert_eq!(
            field(b"X:a: b\t\xc3\xa9"),
            Some((&b"X"[..], &b"a: b\t\xc3\xa9"[..]))
        );
        for bad in [
            &b": x"[..],
            b"Name : x",
            b" Folded: x",
            b"Na(me): x",
            b"no colon",
            b"N\xc3\xa9: x",
        ] {
            assert_eq!(field(bad), None, "{}", bad.escape_ascii());
        }
    }

    #[test]
    fn lines_stop_at_the_blank_line() {
        let lines: std::vec::Vec<_> = Lines(b"a\r\nb\nc\r\nafter\r\n\r\nd\r\n").collect();
        assert_eq!(lines, [Ok(&b"a"[..]), Ok(b"b"), Ok(b"c"), Ok(b"after")]);
        // Anything but text before the line end is an error.
        for bad in [
            &b"c\r\r\n\r\n"[..],
            b"X: a\rb\r\n\r\n",
            b"X: \x7f\n\n",
            b"HTTP/1.1 200 O\x00K\r\n\r\n",
        ] {
            assert_eq!(Lines(bad).next(), Some(Err(())), "{}", bad.escape_ascii());
        }
    }

    proptest::proptest! {
        #[test]
        fn word_scan_agrees_with_a_byte_loop(
            bytes in proptest::collection::vec(
                proptest::prop_oneof![
                    4 => 0x20u8..0x7f,
                    1 => proptest::sample::select(std::vec![0u8, 9, 10, 13, 0x1f, 0x7e, 0x7f, 0x80, 0xff]),
                    1 => proptest::arbitrary::any::<u8>(),
                ],
                0..40,
            )
        ) {
            proptest::prop_assert_eq!(
                first_non_text(&bytes),
                bytes.iter().position(|&b| !is_text(b))
            );
        }
    }

    mod agrees_with_httparse {
        use super::super::{Lines, field, status_line};
        use proptest::prelude::*;
        use std::string::String;
        use std::vec::Vec;

        /// What a head parses to: status code, HTTP/1.1 or not, and every (name, value).
        type Parsed = (u16, bool, Vec<(Vec<u8>, Vec<u8>)>);

        fn ours(head: &[u8]) -> Option<Parsed> {
            let mut lines = Lines(head);
            let (code, http11) = status_line(lines.next()?.ok()?)?;
            let fields = lines
                .map(|line| field(line.ok()?).map(|(n, v)| (n.to_vec(), v.to_vec())))
                .collect::<Option<Vec<_>>>()?;
            Some((code, http11, fields))
        }

        fn reference(head: &[u8]) -> Option<Parsed> {
            let mut headers = [httparse::EMPTY_HEADER; 64];
            let mut response = httparse::Response::new(&mut headers);
            match response.parse(head) {
                Ok(httparse::Status::Complete(n)) if n == head.len() => {}
                _ => return None,
            }
            let fields = response
                .headers
                .iter()
                .map(|h| (h.name.as_bytes().to_vec(), h.value.trim_ascii().to_vec()))
                .collect();
            Some((response.code?, response.version? == 1, fields))
        }

        /// Bytes that matter to a head parser, weighted towards the interesting ones.
        fn head_byte() -> impl Strategy<Value = u8> {
            prop_oneof![
                4 => prop::sample::select(b"aZ09-_.~!#:; \t\r\n\"(),/@\x7f\x00\x0c\xc3\xff".to_vec()),
                1 => any::<u8>(),
            ]
        }

        fn bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
            proptest::collection::vec(head_byte(), 0..max)
        }

        /// A header line: a name, a separator, a value, each usually but not always valid.
        fn line() -> impl Strategy<Value = Vec<u8>> {
            let name = prop_oneof![
                3 => "Content-Length|Connection|X-A|Retry-After|Date".prop_map(String::into_bytes),
                1 => bytes(6),
            ];
            let separator =
                prop::sample::select(std::vec![&b":"[..], b":", b": ", b" :", b"\t:", b""]);
            let value = prop_oneof![
                3 => "[ -~\t\u{7f}\u{0}\u{c}é]{0,12}".prop_map(String::into_bytes),
                1 => bytes(8),
            ];
            (name, separator, value)
                .prop_map(|(name, separator, value)| [&name[..], separator, &value[..]].concat())
        }

        fn head() -> impl Strategy<Value = Vec<u8>> {
            let status = prop_oneof![
                3 => "HTTP/1\\.[0-2] [0-9x]{2,4}( [ -~\t\u{7f}é]{0,8})?".prop_map(String::into_bytes),
                1 => bytes(16),
            ];
            let ends = prop::sample::select(std::vec![&b"\r\n"[..], b"\n"]);
            (
                status,
                proptest::collection::vec((line(), ends.clone()), 0..6),
                ends.clone(),
                ends,
            )
                .prop_map(|(status, lines, first_end, last_end)| {
                    let mut head = status;
                    head.extend_from_slice(first_end);
                    for (line, end) in lines {
                        head.extend_from_slice(&line);
                        head.extend_from_slice(end);
                    }
                    head.extend_from_slice(last_end);
                    head
                })
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(4096))]
            #[test]
            fn same_status_and_fields(mut head in head()) {
                // What the buffering stage hands over: bytes up to the first blank line
                // (httparse also skips blank lines before the status line; a head has none).
                let end = head.windows(2).position(|w| w == b"\n\n").map(|p| p + 2)
                    .into_iter()
                    .chain(head.windows(3).position(|w| w == b"\n\r\n").map(|p| p + 3))
                    .min();
                head.truncate(end.unwrap_or(head.len()));
                prop_assume!(!head.starts_with(b"\n") && !head.starts_with(b"\r\n"));
                prop_assert_eq!(ours(&head), reference(&head), "{}", head.escape_ascii());
            }
        }
    }
}
