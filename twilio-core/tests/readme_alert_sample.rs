//! The README's "from a reading to an alert text or a call" sample, kept compiling and true.

// Test helpers outside #[test] fns may panic: a panic is a test failure here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use twilio_core::alerting::{AlertEvent, Channel, Config, Debounce, Evaluator, Instant};
use twilio_core::buf::Encode;
use twilio_core::text::{fit::fit_to_segments, segments, smart_encoding, template};
use twilio_core::twiml::{Gather, Input, Method, Prompt, Response, Say, Verb};

/// Runs the sample for one reading; returns the SMS body or the TwiML it produced.
fn alert(boiler: &mut Evaluator<f32>, reading: f32, now_ms: u64) -> Option<String> {
    let Some(AlertEvent::Raised {
        severity,
        value,
        level,
        ..
    }) = boiler.observe(reading, Instant(now_ms))
    else {
        return None;
    };
    let mut text_buf = [0u8; 160];
    let text = template::render(
        template::DEFAULT_TEMPLATE,
        &[
            ("name", template::Value::Text("Boiler 3")),
            (
                "value",
                template::Value::Number(
                    template::Fixed::from_f32(value, 1).unwrap_or(template::Fixed::new(0, 0)),
                ),
            ),
            ("unit", template::Value::Text("C")),
            (
                "limit",
                template::Value::Number(
                    template::Fixed::from_f32(level, 1).unwrap_or(template::Fixed::new(0, 0)),
                ),
            ),
            ("site", template::Value::Text("plant B")),
        ],
        &mut text_buf,
    )
    .unwrap();
    match severity.channel() {
        Channel::Sms => {
            let (mut smart, mut fitted) = ([0u8; 320], [0u8; 160]);
            let text = smart_encoding::encode(text, &mut smart).unwrap();
            let body = fit_to_segments(text, 1, &mut fitted).unwrap();
            assert_eq!(segments::count(body).segments, 1);
            Some(body.to_owned())
        }
        Channel::VoiceCall => {
            let prompts = [Prompt::Say(Say::new("Press 1 to acknowledge."))];
            let verbs = [
                Verb::Say(Say::new(text).voice("alice").loop_count(2)),
                Verb::Gather(
                    Gather::new(&prompts)
                        .input(Input::Dtmf)
                        .num_digits(1)
                        .action("https://gw.example.com/ack", Method::Post),
                ),
            ];
            let mut twiml = [0u8; 512];
            let n = Response::new(&verbs)
                .without_declaration()
                .encode_to_slice(&mut twiml)
                .unwrap();
            Some(String::from_utf8(twiml[..n].to_vec()).unwrap())
        }
    }
}

#[test]
fn readme_sample_sends_an_sms_then_calls() {
    let config = Config {
        debounce: Debounce {
            samples: 3,
            hold_ms: 0,
        },
        cooldown_ms: 15 * 60_000,
        ..Config::rising(Some(90.0_f32), Some(100.0), 2.0)
    };
    let mut boiler = Evaluator::new(config).unwrap();
    let readings = [85.0, 91.0, 92.0, 92.46, 95.0, 101.0, 102.0, 103.5];
    let sent: Vec<String> = readings
        .iter()
        .enumerate()
        .filter_map(|(i, r)| alert(&mut boiler, *r, i as u64 * 60_000))
        .collect();
    assert_eq!(
        sent,
        [
            "Boiler 3 92.5C above 90.0 at plant B".to_owned(),
            "<Response><Say loop=\"2\" voice=\"alice\">Boiler 3 103.5C above 100.0 at plant B</Say>\
             <Gather action=\"https://gw.example.com/ack\" input=\"dtmf\" method=\"POST\" numDigits=\"1\">\
             <Say>Press 1 to acknowledge.</Say></Gather></Response>"
                .to_owned(),
        ]
    );
}
