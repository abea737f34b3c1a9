//! Segments + TwiML + the evaluator together (the flash target: <= 3 KiB over baseline,
//! without the smart-encoding table, which nothing here links).
#![no_std]
#![no_main]

use size_report::opaque;
use twilio_core::alerting::{Config, Debounce, Evaluator, Instant};
use twilio_core::buf::Encode;
use twilio_core::text::segments;
use twilio_core::twiml::{
    Dial, Gather, Input, Method, Pause, Play, Prompt, Redirect, Response, Say, Verb,
};

size_report::entry!(|| {
    let text: &str = opaque("Pump 4 “9.1 bar” & rising");
    opaque(segments::count(text).segments);
    opaque(segments::split(text).map(|s| s.end).sum::<usize>());

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

    let config = Config {
        debounce: Debounce {
            samples: 3,
            hold_ms: 1000,
        },
        cooldown_ms: 600_000,
        ..Config::rising(Some(900_i32), Some(1000), 20)
    };
    let Ok(mut evaluator) = Evaluator::new(opaque(config)) else {
        return;
    };
    let readings: &[i32] = opaque(&[850, 905, 1001, 700]);
    for (i, value) in readings.iter().enumerate() {
        opaque(evaluator.observe(*value, Instant(opaque(i as u64))));
    }
});
