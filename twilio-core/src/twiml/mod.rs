//! A no-heap TwiML writer for voice calls: `<Response>` with Say, Play, Pause, Gather (with
//! nested prompts), Dial, Redirect and Hangup, XML-escaped, into a caller buffer.
//!
//! The output is byte-for-byte what the official helper libraries (Python's `VoiceResponse`)
//! produce for the same calls.
//!
//! ```
//! use twilio_core::buf::Encode;
//! use twilio_core::twiml::{Gather, Input, Method, Prompt, Response, Say, Verb};
//!
//! let prompts = [Prompt::Say(Say::new("Press 1 to acknowledge."))];
//! let verbs = [
//!     Verb::Say(Say::new("Boiler 3 is at 92.5 C & rising.").voice("alice").loop_count(2)),
//!     Verb::Gather(Gather::new(&prompts).input(Input::Dtmf).num_digits(1).action("/ack", Method::Post)),
//!     Verb::Hangup,
//! ];
//! let mut buf = [0u8; 512];
//! let n = Response::new(&verbs).encode_to_slice(&mut buf).unwrap();
//! assert_eq!(
//!     core::str::from_utf8(&buf[..n]).unwrap(),
//!     "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response>\
//!      <Say loop=\"2\" voice=\"alice\">Boiler 3 is at 92.5 C &amp; rising.</Say>\
//!      <Gather action=\"/ack\" input=\"dtmf\" method=\"POST\" numDigits=\"1\">\
//!      <Say>Press 1 to acknowledge.</Say></Gather><Hangup /></Response>"
//! );
//! ```

mod escape;
mod markup;
mod verbs;

pub use verbs::{Dial, Gather, Input, Method, Pause, Play, Prompt, Redirect, Say, Verb};

use crate::buf::{Encode, SliceWriter};
use escape::{Context, write_escaped};
use markup::Piece;

/// The XML declaration the helper libraries put first.
pub const XML_DECLARATION: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>";

/// A TwiML document: `<Response>` and its verbs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Response<'a> {
    /// The verbs, in order.
    pub verbs: &'a [Verb<'a>],
    /// Whether to start with [`XML_DECLARATION`] (Twilio accepts either; inline `Twiml` is
    /// limited to 4000 characters, so leaving it out saves 38).
    pub xml_declaration: bool,
}

impl<'a> Response<'a> {
    /// A document with the XML declaration.
    pub const fn new(verbs: &'a [Verb<'a>]) -> Self {
        Self {
            verbs,
            xml_declaration: true,
        }
    }

    /// The same document without the XML declaration.
    #[must_use]
    pub const fn without_declaration(mut self) -> Self {
        self.xml_declaration = false;
        self
    }
}

impl Encode for Response<'_> {
    fn encode(&self, out: &mut SliceWriter<'_>) {
        if self.xml_declaration {
            put(out, Piece::XmlDeclaration);
        }
        if self.verbs.is_empty() {
            put(out, Piece::ResponseEmpty);
            return;
        }
        put(out, Piece::ResponseOpen);
        for verb in self.verbs {
            verb.encode(out);
        }
        put(out, Piece::ResponseClose);
    }
}

// Markup is written as whole pieces (`<Say`, ` voice="`, `</Say>`): one call per piece keeps
// each verb a short run of calls on a Cortex-M0.

impl Encode for Verb<'_> {
    #[inline(never)]
    fn encode(&self, out: &mut SliceWriter<'_>) {
        match self {
            Verb::Say(say) => say.encode(out),
            Verb::Play(play) => play.encode(out),
            Verb::Pause(pause) => pause.encode(out),
            Verb::Gather(gather) => gather.encode(out),
            Verb::Dial(dial) => {
                put(out, Piece::DialOpen);
                attr_str(out, Piece::CallerId, dial.caller_id);
                attr_num(out, Piece::Timeout, dial.timeout);
                text_and_close(out, Piece::DialClose, dial.number);
            }
            Verb::Redirect(redirect) => {
                put(out, Piece::RedirectOpen);
                attr_piece(out, Piece::Method, redirect.method.map(Method::piece));
                text_and_close(out, Piece::RedirectClose, redirect.url);
            }
            Verb::Hangup => put(out, Piece::Hangup),
        }
    }
}

// Attributes are written in alphabetical order, as the helper libraries write them.

impl Encode for Say<'_> {
    fn encode(&self, out: &mut SliceWriter<'_>) {
        put(out, Piece::SayOpen);
        attr_str(out, Piece::Language, self.language);
        attr_num(out, Piece::Loop, self.loop_count);
        attr_str(out, Piece::Voice, self.voice);
        text_and_close(out, Piece::SayClose, self.text);
    }
}

impl Encode for Play<'_> {
    fn encode(&self, out: &mut SliceWriter<'_>) {
        put(out, Piece::PlayOpen);
        attr_str(out, Piece::Digits, self.digits);
        attr_num(out, Piece::Loop, self.loop_count);
        text_and_close(out, Piece::PlayClose, self.url);
    }
}

impl Encode for Pause {
    fn encode(&self, out: &mut SliceWriter<'_>) {
        put(out, Piece::PauseOpen);
        attr_num(out, Piece::Length, self.length);
        put(out, Piece::EmptyClose);
    }
}

impl Encode for Gather<'_> {
    fn encode(&self, out: &mut SliceWriter<'_>) {
        put(out, Piece::GatherOpen);
        attr_str(out, Piece::Action, self.action);
        attr_str(out, Piece::FinishOnKey, self.finish_on_key);
        attr_piece(out, Piece::Input, self.input.map(Input::piece));
        attr_piece(out, Piece::Method, self.method.map(Method::piece));
        attr_num(out, Piece::NumDigits, self.num_digits);
        attr_num(out, Piece::Timeout, self.timeout);
        if self.prompts.is_empty() {
            put(out, Piece::EmptyClose);
            return;
        }
        put(out, Piece::TagEnd);
        for prompt in self.prompts {
            prompt.encode(out);
        }
        put(out, Piece::GatherClose);
    }
}

impl Method {
    fn piece(self) -> Piece {
        match self {
            Method::Get => Piece::Get,
            Method::Post => Piece::Post,
        }
    }
}

impl Input {
    fn piece(self) -> Piece {
        match self {
            Input::Dtmf => Piece::Dtmf,
            Input::Speech => Piece::Speech,
            Input::DtmfSpeech => Piece::DtmfSpeech,
        }
    }
}

impl Encode for Prompt<'_> {
    fn encode(&self, out: &mut SliceWriter<'_>) {
        match self {
            Prompt::Say(say) => say.encode(out),
            Prompt::Play(play) => play.encode(out),
            Prompt::Pause(pause) => pause.encode(out),
        }
    }
}

/// Every piece of markup goes through this one out-of-line call.
#[inline(never)]
fn put(out: &mut SliceWriter<'_>, piece: Piece) {
    if let Some(markup) = piece.text() {
        out.write(markup);
    }
}

/// `key` (such as ` voice="`), the escaped value and `"`, when there is a value.
fn attr_str(out: &mut SliceWriter<'_>, key: Piece, value: Option<&str>) {
    if let Some(value) = value {
        put(out, key);
        write_escaped(out, value, Context::Attribute);
        put(out, Piece::Quote);
    }
}

/// `key` (such as ` method="`), a value that needs no escaping and `"`, when there is a value.
fn attr_piece(out: &mut SliceWriter<'_>, key: Piece, value: Option<Piece>) {
    if let Some(value) = value {
        put(out, key);
        put(out, value);
        put(out, Piece::Quote);
    }
}

/// `key` (such as ` loop="`), the number and `"`, when there is a value.
fn attr_num(out: &mut SliceWriter<'_>, key: Piece, value: Option<u32>) {
    if let Some(value) = value {
        put(out, key);
        // The crate's one number writer (shared with the form encoder): plain `u32` division,
        // which every Cortex-M0 firmware already links.
        crate::form::write_u32(out, value);
        put(out, Piece::Quote);
    }
}

/// `>text` and `close`, or ` />` for empty text.
fn text_and_close(out: &mut SliceWriter<'_>, close: Piece, text: &str) {
    if text.is_empty() {
        put(out, Piece::EmptyClose);
        return;
    }
    put(out, Piece::TagEnd);
    write_escaped(out, text, Context::Text);
    put(out, close);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_response_and_elements() {
        let mut buf = [0u8; 128];
        let n = Response::new(&[]).encode_to_slice(&mut buf).unwrap();
        assert_eq!(
            &buf[..n],
            b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response />"
        );
        let verbs = [Verb::Say(Say::new("")), Verb::Pause(Pause { length: None })];
        let doc = Response::new(&verbs).without_declaration();
        let n = doc.encode_to_slice(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"<Response><Say /><Pause /></Response>");
        assert_eq!(doc.encoded_len(), n);
    }

    #[test]
    fn numbers() {
        let mut buf = [0u8; 64];
        for (n, want) in [
            (0, "<Pause length=\"0\" />"),
            (7, "<Pause length=\"7\" />"),
            (10, "<Pause length=\"10\" />"),
            (u32::MAX, "<Pause length=\"4294967295\" />"),
        ] {
            let pause = Pause { length: Some(n) };
            let len = pause.encode_to_slice(&mut buf).unwrap();
            assert_eq!(&buf[..len], want.as_bytes());
        }
    }

    #[test]
    fn too_small_buffer() {
        let verbs = [Verb::Hangup];
        let mut buf = [0u8; 8];
        let err = Response::new(&verbs)
            .without_declaration()
            .encode_to_slice(&mut buf);
        assert_eq!(err.unwrap_err().required, 31);
    }
}
