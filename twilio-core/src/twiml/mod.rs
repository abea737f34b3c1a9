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
mod verbs;

pub use verbs::{Dial, Gather, Input, Method, Pause, Play, Prompt, Redirect, Say, Verb};

use crate::buf::{Encode, SliceWriter};
use escape::{Context, write_escaped};

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
            out.write_str(XML_DECLARATION);
        }
        if self.verbs.is_empty() {
            out.write_str("<Response />");
            return;
        }
        out.write_str("<Response>");
        for verb in self.verbs {
            verb.encode(out);
        }
        out.write_str("</Response>");
    }
}

impl Encode for Verb<'_> {
    fn encode(&self, out: &mut SliceWriter<'_>) {
        match self {
            Verb::Say(say) => say.encode(out),
            Verb::Play(play) => play.encode(out),
            Verb::Pause(pause) => pause.encode(out),
            Verb::Gather(gather) => gather.encode(out),
            Verb::Dial(dial) => element(
                out,
                "Dial",
                &[
                    ("callerId", Attr::Str(dial.caller_id)),
                    ("timeout", Attr::Num(dial.timeout)),
                ],
                Body::Text(dial.number),
            ),
            Verb::Redirect(redirect) => element(
                out,
                "Redirect",
                &[("method", Attr::Str(redirect.method.map(Method::as_str)))],
                Body::Text(redirect.url),
            ),
            Verb::Hangup => element(out, "Hangup", &[], Body::Text("")),
        }
    }
}

impl Encode for Say<'_> {
    fn encode(&self, out: &mut SliceWriter<'_>) {
        element(
            out,
            "Say",
            &[
                ("language", Attr::Str(self.language)),
                ("loop", Attr::Num(self.loop_count)),
                ("voice", Attr::Str(self.voice)),
            ],
            Body::Text(self.text),
        );
    }
}

impl Encode for Play<'_> {
    fn encode(&self, out: &mut SliceWriter<'_>) {
        element(
            out,
            "Play",
            &[
                ("digits", Attr::Str(self.digits)),
                ("loop", Attr::Num(self.loop_count)),
            ],
            Body::Text(self.url),
        );
    }
}

impl Encode for Pause {
    fn encode(&self, out: &mut SliceWriter<'_>) {
        element(
            out,
            "Pause",
            &[("length", Attr::Num(self.length))],
            Body::Text(""),
        );
    }
}

impl Encode for Gather<'_> {
    fn encode(&self, out: &mut SliceWriter<'_>) {
        element(
            out,
            "Gather",
            &[
                ("action", Attr::Str(self.action)),
                ("finishOnKey", Attr::Str(self.finish_on_key)),
                ("input", Attr::Str(self.input.map(Input::as_str))),
                ("method", Attr::Str(self.method.map(Method::as_str))),
                ("numDigits", Attr::Num(self.num_digits)),
                ("timeout", Attr::Num(self.timeout)),
            ],
            Body::Prompts(self.prompts),
        );
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

/// An optional attribute value.
#[derive(Clone, Copy)]
enum Attr<'a> {
    Str(Option<&'a str>),
    Num(Option<u32>),
}

/// What goes between the tags.
#[derive(Clone, Copy)]
enum Body<'a> {
    Text(&'a str),
    Prompts(&'a [Prompt<'a>]),
}

/// Writes `<name attr="..">body</name>`, or `<name attr=".." />` when the body is empty.
/// `attrs` must already be in alphabetical order.
fn element(out: &mut SliceWriter<'_>, name: &str, attrs: &[(&str, Attr<'_>)], body: Body<'_>) {
    out.write_byte(b'<');
    out.write_str(name);
    for (key, value) in attrs {
        match value {
            Attr::Str(None) | Attr::Num(None) => continue,
            Attr::Str(Some(s)) => {
                write_attr_start(out, key);
                write_escaped(out, s, Context::Attribute);
            }
            Attr::Num(Some(n)) => {
                write_attr_start(out, key);
                out.write_u64(u64::from(*n));
            }
        }
        out.write_byte(b'"');
    }
    let empty = match body {
        Body::Text(text) => text.is_empty(),
        Body::Prompts(prompts) => prompts.is_empty(),
    };
    if empty {
        out.write_str(" />");
        return;
    }
    out.write_byte(b'>');
    match body {
        Body::Text(text) => write_escaped(out, text, Context::Text),
        Body::Prompts(prompts) => prompts.iter().for_each(|p| p.encode(out)),
    }
    out.write_str("</");
    out.write_str(name);
    out.write_byte(b'>');
}

fn write_attr_start(out: &mut SliceWriter<'_>, key: &str) {
    out.write_byte(b' ');
    out.write_str(key);
    out.write_str("=\"");
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
    fn too_small_buffer() {
        let verbs = [Verb::Hangup];
        let mut buf = [0u8; 8];
        let err = Response::new(&verbs)
            .without_declaration()
            .encode_to_slice(&mut buf);
        assert_eq!(err.unwrap_err().required, 31);
    }
}
