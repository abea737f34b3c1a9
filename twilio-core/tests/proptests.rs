//! Properties: no input makes a parser panic, splitting never changes a result, and the form
//! decoder and the signature agree with std reference implementations.

use proptest::prelude::*;
use twilio_core::outcome::Outcome;
use twilio_core::response::{Call, Message, Progress, ResponseParser, TwilioError};
use twilio_core::webhook::{
    Algorithm, CallStatusCallback, FormBody, GatherResult, InboundSms, MessageStatusCallback,
    Params, compute, validate, validate_json,
};

const MESSAGE: &[u8] = include_bytes!("data/responses/201_message.http");
const CHUNKED: &[u8] = include_bytes!("data/responses/201_message_chunked.http");

fn run(buf: &mut [u8], pieces: &[&[u8]]) -> Option<(u16, Vec<u8>, Outcome)> {
    let mut parser = ResponseParser::new(buf);
    for piece in pieces {
        match parser.feed(piece) {
            Ok(Progress::Complete { .. }) => break,
            Ok(Progress::Partial) => {}
            Err(_) => return None,
        }
    }
    let _ = parser.finish();
    let r = parser.response()?;
    let _ = (Message::from_json(r.body), Call::from_json(r.body));
    let _ = TwilioError::from_json(r.body);
    let _ = r.retry_after_date();
    Some((r.status, r.body.to_vec(), Outcome::from_response(&r)))
}

fn http_like() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..600),
        // Mutations of real responses reach deeper states than random bytes.
        (0..MESSAGE.len(), any::<u8>(), 0..4usize).prop_map(|(at, b, which)| {
            let mut v = if which % 2 == 0 { MESSAGE } else { CHUNKED }.to_vec();
            let at = at.min(v.len() - 1);
            match which {
                0 | 1 => v[at] = b,
                2 => v.truncate(at),
                _ => v.insert(at, b),
            }
            v
        }),
    ]
}

proptest! {
    #[test]
    fn parser_never_panics(bytes in http_like(), cut in any::<prop::sample::Index>(), size in 0usize..2048) {
        let at = cut.index(bytes.len() + 1);
        let mut buf = vec![0u8; size];
        let _ = run(&mut buf, &[&bytes[..at], &bytes[at..]]);
    }

    #[test]
    fn splitting_never_changes_the_result(bytes in http_like(), cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..6)) {
        let mut points: Vec<usize> = cuts.iter().map(|c| c.index(bytes.len() + 1)).collect();
        points.sort_unstable();
        let mut pieces = Vec::new();
        let mut last = 0;
        for p in points {
            pieces.push(&bytes[last..p]);
            last = p;
        }
        pieces.push(&bytes[last..]);
        let whole = run(&mut [0u8; 4096], &[&bytes]);
        let split = run(&mut [0u8; 4096], &pieces);
        prop_assert_eq!(whole, split);
    }

    #[test]
    fn views_and_signatures_never_panic(body in proptest::collection::vec(any::<u8>(), 0..300), url in ".{0,40}", sig in ".{0,40}", size in 0usize..128) {
        let mut scratch = vec![0u8; size];
        let _ = MessageStatusCallback::parse(&body, &mut scratch);
        let _ = InboundSms::parse(&body, &mut scratch);
        let _ = CallStatusCallback::parse(&body, &mut scratch);
        let _ = GatherResult::parse(&body, &mut scratch);
        let _ = validate(b"k", &url, Params::Form(FormBody::new(&body)), &sig);
        let _ = validate_json(b"k", &url, &body, &sig);
    }

    #[test]
    fn decoder_inverts_the_std_encoder(pairs in proptest::collection::vec(("\\PC{0,12}", "\\PC{0,12}"), 0..8)) {
        let encoded = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .finish();
        let form = FormBody::new(encoded.as_bytes());
        let decoded: Vec<(String, String)> = form
            .pairs()
            .map(|(k, v)| {
                let k: Vec<u8> = k.bytes().collect();
                let v: Vec<u8> = v.bytes().collect();
                (String::from_utf8(k).unwrap(), String::from_utf8(v).unwrap())
            })
            .collect();
        // The WHATWG parser skips a pair whose name and value are both empty.
        let expected: Vec<(String, String)> = form_urlencoded::parse(encoded.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        prop_assert_eq!(decoded, expected);
    }

    #[test]
    fn form_and_pairs_sign_alike(pairs in proptest::collection::vec(("[A-Za-z]{1,6}", "\\PC{0,10}"), 0..10)) {
        let encoded = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .finish();
        let refs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let url = "https://h.example/p?q=1";
        let a = compute(b"key", url, Params::Pairs(&refs), Algorithm::HmacSha1).unwrap();
        let b = compute(b"key", url, Params::Form(FormBody::new(encoded.as_bytes())), Algorithm::HmacSha1).unwrap();
        prop_assert_eq!(a, b);
        // And the same as a std implementation of the documented algorithm.
        prop_assert_eq!(a.as_str(), reference_signature(b"key", url, &refs));
    }
}

/// twilio-python's algorithm with std collections.
#[cfg(test)]
fn reference_signature(key: &[u8], url: &str, pairs: &[(&str, &str)]) -> String {
    use base64::Engine;
    use hmac::Mac;
    let mut sorted: Vec<(&str, &str)> = pairs.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut s = url.to_owned();
    for (k, v) in sorted {
        s.push_str(k);
        s.push_str(v);
    }
    let mut mac = hmac::Hmac::<sha1::Sha1>::new_from_slice(key).unwrap();
    mac.update(s.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}
