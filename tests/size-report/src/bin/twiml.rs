//! A TwiML document with every verb alerting uses (Say, Play, Pause, Gather with prompts, Dial,
//! Redirect, Hangup), XML-escaped into a buffer.
#![no_std]
#![no_main]

use size_report::opaque;
use twilio_core::buf::Encode;
use twilio_core::twiml::{
    Dial, Gather, Input, Method, Pause, Play, Prompt, Redirect, Response, Say, Verb,
};

size_report::entry!(|| {
    let text: &str = opaque("Pump 4 <9.1 bar> & rising");
    let prompts = [
        Prompt::Say(Say::new(text).voice("alice")),
        Prompt::Pause(Pause::seconds(1)),
    ];
    let verbs = [
        Verb::Say(
            Say::new(text)
                .voice("alice")
                .language("en-US")
                .loop_count(2),
        ),
        Verb::Play(Play::new(text).digits("1")),
        Verb::Gather(
            Gather::new(&prompts)
                .input(Input::Dtmf)
                .num_digits(1)
                .timeout(10)
                .action(text, Method::Post)
                .finish_on_key("#"),
        ),
        Verb::Dial(Dial::new(text).caller_id(text).timeout(20)),
        Verb::Redirect(Redirect::new(text).method(Method::Get)),
        Verb::Hangup,
    ];
    let mut buf = [0u8; 512];
    opaque(Response::new(&verbs).encode_to_slice(opaque(&mut buf)).ok());
});
