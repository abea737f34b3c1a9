//! Throughput of segment counting and smart encoding on the host.
//!
//! `cargo bench -p twilio-core --bench text -- --warm-up-time 1 --measurement-time 3`

// criterion_group! generates an undocumented pub fn.
#![allow(missing_docs)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use twilio_core::text::{segments, smart_encoding};

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

criterion_group!(benches, bench_segments, bench_smart_encoding);
criterion_main!(benches);
