//! Throughput of segment counting, smart encoding, the TwiML writer and the threshold evaluator
//! on the host.
//!
//! `cargo bench -p twilio-core --bench text -- --warm-up-time 1 --measurement-time 3`

// criterion_group! generates an undocumented pub fn.
#![allow(missing_docs)]
// A benchmark harness is test code: failures here should stop the run loudly.
#![allow(clippy::unwrap_used)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use twilio_core::alerting::{Config, Debounce, Evaluator, Instant};
use twilio_core::buf::Encode;
use twilio_core::text::{segments, smart_encoding};
use twilio_core::twiml::{Gather, Input, Method, Prompt, Response, Say, Verb};

fn inputs() -> [(&'static str, String); 4] {
    [
        (
            "gsm7_1600",
            "Boiler 3 temp 92.5C > 90.0C at plant B {ack 1} ".repeat(40)[..1600].to_owned(),
        ),
        ("ucs2_1600", "Température 31°C — vérifiez ".repeat(58)),
        (
            "emoji_clusters",
            "Alert 🔥🇮🇹 e\u{301} 👩\u{200d}💻 ".repeat(40),
        ),
        ("curly_quotes", "Sensor “boiler” – temp high… ".repeat(55)),
    ]
}

fn bench_segments(c: &mut Criterion) {
    let mut group = c.benchmark_group("segments::count");
    for (name, text) in inputs() {
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_function(name, |b| b.iter(|| segments::count(black_box(&text))));
    }
    group.finish();
    let mut group = c.benchmark_group("segments::split");
    for (name, text) in inputs() {
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_function(name, |b| {
            b.iter(|| {
                segments::split(black_box(&text))
                    .map(|s| s.end)
                    .sum::<usize>()
            });
        });
    }
    group.finish();
}

fn bench_smart_encoding(c: &mut Criterion) {
    let mut group = c.benchmark_group("smart_encoding");
    let mut buf = vec![0u8; 64 * 1024];
    for (name, text) in inputs() {
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_function(format!("replace/{name}"), |b| {
            b.iter(|| smart_encoding::replace(black_box(&text), &mut buf).map(str::len));
        });
        group.bench_function(format!("encode/{name}"), |b| {
            b.iter(|| smart_encoding::encode(black_box(&text), &mut buf).map(str::len));
        });
    }
    group.finish();
}

fn bench_twiml(c: &mut Criterion) {
    let prompts = [Prompt::Say(Say::new(
        "Press 1 to acknowledge, 2 to escalate.",
    ))];
    let verbs = [
        Verb::Say(
            Say::new("Boiler 3 is at 92.5 C & rising <critical>.")
                .voice("alice")
                .loop_count(2),
        ),
        Verb::Gather(
            Gather::new(&prompts)
                .input(Input::Dtmf)
                .num_digits(1)
                .action("https://gw.example.com/ack?alert=42&x=\"1\"", Method::Post),
        ),
        Verb::Hangup,
    ];
    let doc = Response::new(&verbs);
    let mut buf = [0u8; 1024];
    c.bench_function("twiml::encode/alert_call", |b| {
        b.iter(|| black_box(&doc).encode_to_slice(&mut buf));
    });
}

fn bench_evaluator(c: &mut Criterion) {
    let config = Config {
        debounce: Debounce {
            samples: 2,
            hold_ms: 0,
        },
        cooldown_ms: 1000,
        ..Config::rising(Some(900_i32), Some(1000), 20)
    };
    // A sawtooth through both levels and back: raises, escalations, clears and held alerts.
    let readings: Vec<i32> = (0..1000).map(|i| 800 + (i * 7) % 300).collect();
    let mut group = c.benchmark_group("evaluator::observe");
    group.throughput(Throughput::Elements(readings.len() as u64));
    group.bench_function("sawtooth_1000_i32", |b| {
        b.iter(|| {
            let mut evaluator = Evaluator::new(config).unwrap();
            let mut events = 0u32;
            for (t, &value) in (0u64..).zip(black_box(&readings)) {
                events += u32::from(evaluator.observe(value, Instant(t * 100)).is_some());
            }
            events
        });
    });
    group.finish();
}

criterion_group!(
    benches,
    bench_segments,
    bench_smart_encoding,
    bench_twiml,
    bench_evaluator
);
criterion_main!(benches);
