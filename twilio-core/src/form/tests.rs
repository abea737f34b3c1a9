use super::*;
use proptest::prelude::*;
use std::string::String;
use std::vec::Vec;

fn encode(s: &str) -> String {
    let mut buf = std::vec![0u8; encoded_len(s)];
    let mut out = SliceWriter::new(&mut buf);
    write_encoded(&mut out, s);
    let n = out.finish().unwrap();
    String::from_utf8(buf[..n].to_vec()).unwrap()
}

#[test]
fn every_byte_class() {
    assert_eq!(encode(""), "");
    assert_eq!(encode("AZaz09-._~"), "AZaz09-._~");
    assert_eq!(encode(" "), "+");
    assert_eq!(encode("+"), "%2B");
    assert_eq!(encode("&=%/?#:@"), "%26%3D%25%2F%3F%23%3A%40");
    assert_eq!(encode("*'()!"), "%2A%27%28%29%21");
    assert_eq!(encode("\r\n\0\u{7f}"), "%0D%0A%00%7F");
    assert_eq!(encode("€"), "%E2%82%AC");
    assert_eq!(encode("🚨"), "%F0%9F%9A%A8");
}

#[test]
fn matches_pythons_quote_plus_vectors() {
    // urllib.parse.quote_plus (what twilio-python's requests transport uses), computed offline.
    assert_eq!(
        encode("Temp 41.5°C > 40 (sensor #3) ~ok*"),
        "Temp+41.5%C2%B0C+%3E+40+%28sensor+%233%29+~ok%2A"
    );
}

#[test]
fn pairs_and_separators() {
    let mut buf = [0u8; 64];
    let mut out = SliceWriter::new(&mut buf);
    out.write_str("prefix|");
    let mut form = FormWriter::new(&mut out);
    form.pair("A", "1");
    form.opt("Skipped", None);
    form.pair_bool("B", false);
    form.opt_u32("C", Some(0));
    form.pair("A", "x y");
    form.opt_bool("D", Some(true));
    assert_eq!(
        out.written(),
        Some(&b"prefix|A=1&B=false&C=0&A=x+y&D=true"[..])
    );
}

#[test]
fn overflow_reports_required_and_clears() {
    let mut buf = [0xFFu8; 8];
    let mut out = SliceWriter::new(&mut buf);
    FormWriter::new(&mut out).pair("Body", "héllo wörld");
    let err = out.finish().unwrap_err();
    assert_eq!(err.required, 5 + encoded_len("héllo wörld"));
    assert_eq!(buf, [0u8; 8]);
}

proptest! {
    #[test]
    fn round_trips_through_std_decoder(pairs in proptest::collection::vec((".{0,12}", "\\PC{0,40}"), 0..6)) {
        let mut buf = std::vec![0u8; 4096];
        let mut out = SliceWriter::new(&mut buf);
        let mut form = FormWriter::new(&mut out);
        for (k, v) in &pairs {
            form.pair(k, v);
        }
        let n = out.finish().unwrap();
        let decoded: Vec<(String, String)> = form_urlencoded::parse(&buf[..n])
            .into_owned()
            .collect();
        prop_assert_eq!(decoded, pairs);
    }

    #[test]
    fn encoded_len_is_exact(s in "\\PC{0,64}") {
        prop_assert_eq!(encode(&s).len(), encoded_len(&s));
    }

    #[test]
    fn output_is_always_safe_ascii(s in ".{0,64}") {
        let e = encode(&s);
        prop_assert!(e.bytes().all(|b| is_unreserved(b) || b == b'+' || b == b'%'));
    }
}

#[test]
fn unreserved_set_is_exactly_rfc3986() {
    for b in 0..=255u8 {
        let expected = b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~');
        assert_eq!(is_unreserved(b), expected, "byte {b}");
    }
}
