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
            Verb::Dial(dial) => {
                open(out, "Dial");
                attr_str(out, "callerId", dial.caller_id);
                attr_num(out, "timeout", dial.timeout);
                text_and_close(out, "Dial", dial.number);
            }
            Verb::Redirect(redirect) => {
                open(out, "Redirect");
                attr_str(out, "method", redirect.method.map(Method::as_str));
                text_and_close(out, "Redirect", redirect.url);
            }
            Verb::Hangup => {
                open(out, "Hangup");
                text_and_close(out, "Hangup", "");
            }
        }
    }
}

// Attributes are written in alphabetical order, as the helper libraries write them.

impl Encode for Say<'_> {
    fn encode(&self, out: &mut SliceWriter<'_>) {
        open(out, "Say");
        attr_str(out, "language", self.language);
        attr_num(out, "loop", self.loop_count);
        attr_str(out, "voice", self.voice);
        text_and_close(out, "Say", self.text);
    }
}

impl Encode for Play<'_> {
    fn encode(&self, out: &mut SliceWriter<'_>) {
        open(out, "Play");
        attr_str(out, "digits", self.digits);
        attr_num(out, "loop", self.loop_count);
        text_and_close(out, "Play", self.url);
    }
}

impl Encode for Pause {
    fn encode(&self, out: &mut SliceWriter<'_>) {
        open(out, "Pause");
        attr_num(out, "length", self.length);
        text_and_close(out, "Pause", "");
    }
}

impl Encode for Gather<'_> {
    fn encode(&self, out: &mut SliceWriter<'_>) {
        open(out, "Gather");
        attr_str(out, "action", self.action);
        attr_str(out, "finishOnKey", self.finish_on_key);
        attr_str(out, "input", self.input.map(Input::as_str));
        attr_str(out, "method", self.method.map(Method::as_str));
        attr_num(out, "numDigits", self.num_digits);
        attr_num(out, "timeout", self.timeout);
        if self.prompts.is_empty() {
            out.write_str(" />");
            return;
        }
        out.write_byte(b'>');
        for prompt in self.prompts {
            prompt.encode(out);
        }
        close(out, "Gather");
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

/// `<name`
fn open(out: &mut SliceWriter<'_>, name: &str) {
    out.write_byte(b'<');
    out.write_str(name);
}

/// ` key="value"` when there is a value.
fn attr_str(out: &mut SliceWriter<'_>, key: &str, value: Option<&str>) {
    if let Some(value) = value {
        attr_start(out, key);
        write_escaped(out, value, Context::Attribute);
        out.write_byte(b'"');
    }
}

/// ` key="123"` when there is a value.
fn attr_num(out: &mut SliceWriter<'_>, key: &str, value: Option<u32>) {
    if let Some(value) = value {
        attr_start(out, key);
        write_u32(out, value);
        out.write_byte(b'"');
    }
}

fn attr_start(out: &mut SliceWriter<'_>, key: &str) {
    out.write_byte(b' ');
    out.write_str(key);
    out.write_str("=\"");
}

/// `>text</name>`, or ` />` for empty text.
fn text_and_close(out: &mut SliceWriter<'_>, name: &str, text: &str) {
    if text.is_empty() {
        out.write_str(" />");
        return;
    }
    out.write_byte(b'>');
    write_escaped(out, text, Context::Text);
    close(out, name);
}

/// `</name>`
fn close(out: &mut SliceWriter<'_>, name: &str) {
    out.write_str("</");
    out.write_str(name);
    out.write_byte(b'>');
}

/// Decimal digits of `n`. A 32-bit path of its own: on a Cortex-M0 (no divide instruction)
/// `SliceWriter::write_u64` links the 64-bit software division, about 900 bytes, and even a
/// `u32` `/ 10` links a 400-byte routine; a multiply by the reciprocal needs neither.
fn write_u32(out: &mut SliceWriter<'_>, mut n: u32) {
    let mut digits = [0u8; 10];
    let mut start = digits.len();
    loop {
        let quotient = div10(n);
        start -= 1;
        if let Some(d) = digits.get_mut(start) {
            // The remainder is below 10.
            #[allow(clippy::cast_possible_truncation)]
            {
                *d = b'0' + (n - quotient * 10) as u8;
            }
        }
        n = quotient;
        if n == 0 || start == 0 {
            break;
        }
    }
    out.write(digits.get(start..).unwrap_or_default());
}

/// `n / 10` for every `u32`, as `n * ceil(2^35 / 10) >> 35`.
fn div10(n: u32) -> u32 {
    // The product is below 2^67 >> 35 = 2^32 after the shift, so the cast is exact.
    #[allow(clippy::cast_possible_truncation)]
    {
        ((u64::from(n) * 0xCCCC_CCCD) >> 35) as u32
    }
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
    fn div10_is_exact() {
        let mut n: u32 = 0;
        while n < u32::MAX - 9973 {
            assert_eq!(div10(n), n / 10);
            n += 9973;
        }
        for n in [9, 10, 11, 99, 100, u32::MAX - 1, u32::MAX] {
            assert_eq!(div10(n), n / 10);
        }
    }

    #[test]
    fn numbers() {
        let mut buf = [0u8; 16];
        for (n, want) in [(0, "0"), (7, "7"), (10, "10"), (u32::MAX, "4294967295")] {
            let mut out = SliceWriter::new(&mut buf);
            write_u32(&mut out, n);
            let len = out.finish().unwrap();
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
