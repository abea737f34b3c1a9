//! The TwiML writer.

use twilio_core::buf::Encode;
use twilio_core::twiml::{Gather, Input, Method, Prompt, Response, Say, Verb};

use crate::{Outcome, check};

const EXPECTED: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Say loop=\"2\" voice=\"alice\">Pump 4 &lt;9.1 bar&gt; &amp; rising</Say><Gather action=\"/ack?id=1&amp;k=2\" input=\"dtmf\" method=\"POST\" numDigits=\"1\" timeout=\"10\"><Say>Press 1</Say></Gather><Hangup /></Response>";

pub fn acknowledge_call() -> Outcome {
    let prompts = [Prompt::Say(Say::new("Press 1"))];
    let verbs = [
        Verb::Say(
            Say::new("Pump 4 <9.1 bar> & rising")
                .voice("alice")
                .loop_count(2),
        ),
        Verb::Gather(
            Gather::new(&prompts)
                .input(Input::Dtmf)
                .num_digits(1)
                .timeout(10)
                .action("/ack?id=1&k=2", Method::Post),
        ),
        Verb::Hangup,
    ];
    let doc = Response::new(&verbs);
    let mut buf = [0u8; 512];
    let n = doc.encode_to_slice(&mut buf);
    check!(n == Ok(EXPECTED.len()));
    check!(buf.get(..EXPECTED.len()) == Some(EXPECTED.as_bytes()));
    check!(doc.encoded_len() == EXPECTED.len());
    Ok(())
}

pub fn too_small_buffer() -> Outcome {
    let verbs = [Verb::Say(Say::new("hello"))];
    let mut buf = [0xAAu8; 16];
    let err = Response::new(&verbs).encode_to_slice(&mut buf);
    check!(err.map_err(|e| e.required) == Err(38 + 37));
    check!(buf == [0u8; 16]);
    Ok(())
}
