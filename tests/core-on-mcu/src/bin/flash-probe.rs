//! Flash cost probe: links only the parts of twilio-core selected by features, so that
//! `flash-report.sh` can compare `.text` sizes at opt-level "z". Never run; only measured.
#![no_std]
#![no_main]

use core::hint::black_box;
use core::panic::PanicInfo;

use cortex_m_rt::entry;

#[cfg(feature = "probe-segments")]
#[inline(never)]
fn segments(text: &str) -> usize {
    use twilio_core::text::segments;
    segments::count(text).segments + segments::split(text).map(|s| s.end).sum::<usize>()
}

#[cfg(feature = "probe-twiml")]
#[inline(never)]
fn twiml(text: &str, buf: &mut [u8]) -> usize {
    use twilio_core::buf::Encode;
    use twilio_core::twiml::{Dial, Gather, Input, Method, Pause, Play, Prompt, Redirect};
    use twilio_core::twiml::{Response, Say, Verb};
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
    Response::new(&verbs).encode_to_slice(buf).unwrap_or(0)
}

#[cfg(feature = "probe-evaluator")]
#[inline(never)]
fn evaluator(values: &[i32]) -> usize {
    use twilio_core::alerting::{Config, Debounce, Evaluator, Instant};
    let config = Config {
        debounce: Debounce {
            samples: 3,
            hold_ms: 1000,
        },
        cooldown_ms: 600_000,
        ..Config::rising(Some(900), Some(1000), 20)
    };
    let Ok(mut e) = Evaluator::new(config) else {
        return 0;
    };
    let mut events = 0;
    for (i, v) in values.iter().enumerate() {
        if e.observe(*v, Instant(i as u64 * 1000)).is_some() {
            events += 1;
        }
    }
    events
}

#[cfg(feature = "probe-template-fixed")]
#[inline(never)]
fn template(value: f32, buf: &mut [u8]) -> usize {
    use twilio_core::text::template::{DEFAULT_TEMPLATE, Fixed, Value, render};
    let Some(value) = Fixed::from_f32(value, 1) else {
        return 0;
    };
    let values = [
        ("name", Value::Text("boiler")),
        ("value", Value::Number(value)),
        ("unit", Value::Text("C")),
        ("limit", Value::Number(Fixed::new(900, 1))),
        ("site", Value::Text("B")),
    ];
    render(DEFAULT_TEMPLATE, &values, buf).map_or(0, str::len)
}

#[cfg(feature = "probe-template-corefmt")]
#[inline(never)]
fn template(value: f32, buf: &mut [u8]) -> usize {
    use core::fmt::Write;
    use twilio_core::buf::SliceWriter;
    let mut out = SliceWriter::new(buf);
    let (name, unit, limit, site) = black_box(("boiler", "C", 90.0_f32, "B"));
    let _ = write!(out, "{name} {value:.1}{unit} above {limit:.1} at {site}");
    out.finish().unwrap_or(0)
}

#[entry]
fn main() -> ! {
    let text: &str = black_box("Boiler 3 “92.5C” & rising");
    #[allow(unused_mut)]
    let mut buf = [0u8; 512];
    #[allow(unused_mut)]
    let mut sink = 0usize;
    #[cfg(feature = "probe-segments")]
    {
        sink += segments(text);
    }
    #[cfg(feature = "probe-twiml")]
    {
        sink += twiml(text, &mut buf);
    }
    #[cfg(feature = "probe-evaluator")]
    {
        sink += evaluator(black_box(&[850, 905, 1001, 700]));
    }
    #[cfg(any(feature = "probe-template-fixed", feature = "probe-template-corefmt"))]
    {
        sink += template(black_box(92.46), &mut buf);
    }
    black_box((sink, text, &mut buf));
    loop {
        black_box(());
    }
}

#[panic_handler]
fn panic(_: &PanicInfo<'_>) -> ! {
    loop {
        black_box(());
    }
}
