//! Encoding an SMS request (head + body): twilio-core into a stack buffer versus a std baseline
//! (`serde_urlencoded` + `format!`). A counting global allocator reports allocations per request
//! for both; twilio-core must make none (the bench exits non-zero if it does).
#![allow(unsafe_code)] // GlobalAlloc is an unsafe trait; this wrapper only counts and forwards.
#![allow(missing_docs)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use twilio_core::auth::Credentials;
use twilio_core::request::{ApiRequest, HttpConfig, MessageRequest};

struct CountingAllocator;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards every call unchanged to the system allocator.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

const ACCOUNT: &str = "AC0123456789abcdef0123456789abcdef";
const TOKEN: &str = "fedcba9876543210fedcba9876543210";
const TO: &str = "+15551234567";
const FROM: &str = "+15005550006";
const BODY: &str = "ALERT boiler-3: temperature 92.4 C over limit 90 C since 14:02 UTC (site: Lyon/B2). Reply ACK 4711";

/// twilio-core: validate, then write head + body into one stack buffer.
fn ours(creds: &Credentials<'_>, http: &HttpConfig<'_>, buf: &mut [u8]) -> usize {
    let Ok(sms) = MessageRequest::sms(black_box(TO), black_box(FROM), black_box(BODY)) else {
        return 0;
    };
    sms.write_http(creds, http, buf).unwrap_or(0)
}

/// What a std program would write without this crate (no validation at all).
fn baseline(authorization: &str) -> String {
    let body = serde_urlencoded::to_string([
        ("To", black_box(TO)),
        ("From", black_box(FROM)),
        ("Body", black_box(BODY)),
    ])
    .unwrap_or_default();
    format!(
        "POST /2010-04-01/Accounts/{ACCOUNT}/Messages.json HTTP/1.1\r\n\
         Host: api.twilio.com\r\n\
         Authorization: {authorization}\r\n\
         User-Agent: baseline/0.1\r\n\
         Accept: application/json\r\n\
         Content-Type: application/x-www-form-urlencoded\r\n\
         Content-Length: {}\r\n\
         Connection: keep-alive\r\n\r\n{body}",
        body.len()
    )
}

fn allocations_per_call(mut f: impl FnMut()) -> f64 {
    const CALLS: usize = 1000;
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    for _ in 0..CALLS {
        f();
    }
    #[allow(clippy::cast_precision_loss)]
    let per_call = (ALLOCATIONS.load(Ordering::Relaxed) - before) as f64 / CALLS as f64;
    per_call
}

fn bench(c: &mut Criterion) {
    let Ok(creds) = Credentials::auth_token(ACCOUNT, TOKEN) else {
        std::process::exit(2);
    };
    let http = HttpConfig::default();
    let authorization = creds.authorization().to_owned();
    let mut buf = [0u8; 1024];
    let len = ours(&creds, &http, &mut buf);

    let ours_allocs = allocations_per_call(|| {
        black_box(ours(&creds, &http, black_box(&mut buf)));
    });
    let baseline_allocs = allocations_per_call(|| {
        black_box(baseline(black_box(&authorization)));
    });
    println!(
        "request bytes: twilio-core {len}, baseline {}",
        baseline(&authorization).len()
    );
    println!("allocations per request: twilio-core {ours_allocs}, baseline {baseline_allocs}");
    if ours_allocs != 0.0 {
        eprintln!("twilio-core allocated while encoding a request");
        std::process::exit(1);
    }

    let mut group = c.benchmark_group("sms_request");
    group.throughput(Throughput::Elements(1));
    group.bench_function("twilio_core_build_and_write", |b| {
        b.iter(|| ours(&creds, &http, black_box(&mut buf)));
    });
    if let Ok(sms) = MessageRequest::sms(TO, FROM, BODY) {
        group.bench_function("twilio_core_write_only", |b| {
            b.iter(|| black_box(&sms).write_http(&creds, &http, black_box(&mut buf)));
        });
    }
    group.bench_function("baseline_serde_urlencoded_format", |b| {
        b.iter(|| baseline(black_box(&authorization)));
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
