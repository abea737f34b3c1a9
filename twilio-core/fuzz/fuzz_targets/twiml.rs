//! The TwiML writer and its XML escaping over arbitrary text in every place text goes (element
//! content and attribute values) and arbitrary buffer sizes:
//! - the document never overflows or truncates: a buffer one byte short is refused with the exact
//!   size required, and `encoded_len` is what `encode_to_slice` writes;
//! - the output is well-formed XML (parsed by roxmltree), and every text and attribute reads back
//!   as the input, minus the C0 controls XML cannot carry (which the escaper drops). Element
//!   content is compared without CR and LF: literal line ends there are the parser's to
//!   normalise (and roxmltree does not normalise runs of CRs as the XML spec says).
//!
//! U+FFFE and U+FFFF are not XML characters either; the writer passes them through as Python's
//! helper library does (its output is byte-for-byte the helper's), so inputs holding them are
//! only checked for sizes, not parsed.
#![no_main]

use libfuzzer_sys::fuzz_target;
use twilio_core::buf::Encode;
use twilio_core::twiml::{Dial, Gather, Method, Play, Prompt, Redirect, Response, Say, Verb};

/// What an XML parser reads back from escaped `input`.
fn expected(input: &str, attribute: bool) -> String {
    let kept: String = input
        .chars()
        .filter(|&c| c >= ' ' || matches!(c, '\t' | '\n' | '\r'))
        .collect();
    if attribute {
        // Tab, LF and CR are written as character references, which survive normalisation.
        kept
    } else {
        kept.replace(['\r', '\n'], "")
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&control, rest)) = data.split_first() else {
        return;
    };
    let input = String::from_utf8_lossy(rest);
    let mut parts = input.split('\u{1}');
    let say = parts.next().unwrap_or_default();
    let voice = parts.next().unwrap_or("alice");
    let url = parts.next().unwrap_or_default();
    let action = parts.next().unwrap_or("/ack");
    let number = parts.next().unwrap_or("+15551230001");
    let prompts = [Prompt::Say(Say::new(say).voice(voice))];
    let verbs = [
        Verb::Say(Say::new(say).voice(voice).loop_count(u32::from(control))),
        Verb::Play(Play::new(url)),
        Verb::Gather(
            Gather::new(&prompts)
                .num_digits(1)
                .action(action, Method::Post),
        ),
        Verb::Dial(Dial::new(number).caller_id(voice)),
        Verb::Redirect(Redirect::new(url)),
        Verb::Hangup,
    ];
    let doc = Response::new(&verbs);

    // Sizes: exact fit, one short, and an arbitrary size.
    let len = doc.encoded_len();
    let mut buf = vec![0u8; len + 16];
    assert_eq!(doc.encode_to_slice(&mut buf[..len]), Ok(len));
    if len > 0 {
        let short = doc.encode_to_slice(&mut buf[..len - 1]).unwrap_err();
        assert_eq!(short.required, len);
    }
    let some = usize::from(control) * 16 % (len + 1);
    match doc.encode_to_slice(&mut buf[..some]) {
        Ok(n) => assert_eq!(n, len),
        Err(e) => assert_eq!(e.required, len),
    }
    let n = doc.encode_to_slice(&mut buf).unwrap();
    let xml = core::str::from_utf8(&buf[..n]).expect("TwiML is UTF-8");

    if input.contains(['\u{FFFE}', '\u{FFFF}']) {
        return;
    }
    let parsed = roxmltree::Document::parse(xml).unwrap_or_else(|e| panic!("{e}: {xml}"));
    let root = parsed.root_element();
    assert_eq!(root.tag_name().name(), "Response");
    let elements: Vec<_> = root
        .children()
        .filter(roxmltree::Node::is_element)
        .collect();
    assert_eq!(elements.len(), verbs.len(), "{xml}");
    let text = |node: roxmltree::Node<'_, '_>| -> String {
        node.children()
            .filter_map(|c| c.text())
            .flat_map(str::chars)
            .filter(|c| !matches!(c, '\r' | '\n'))
            .collect()
    };
    assert_eq!(text(elements[0]), expected(say, false), "{xml}");
    assert_eq!(
        elements[0].attribute("voice"),
        Some(expected(voice, true).as_str())
    );
    assert_eq!(text(elements[1]), expected(url, false));
    assert_eq!(
        elements[2].attribute("action"),
        Some(expected(action, true).as_str())
    );
    let nested = elements[2]
        .first_element_child()
        .expect("the Gather prompt");
    assert_eq!(text(nested), expected(say, false));
    assert_eq!(text(elements[3]), expected(number, false));
    assert_eq!(
        elements[3].attribute("callerId"),
        Some(expected(voice, true).as_str())
    );
    assert_eq!(text(elements[4]), expected(url, false));
    assert_eq!(elements[5].tag_name().name(), "Hangup");
});
