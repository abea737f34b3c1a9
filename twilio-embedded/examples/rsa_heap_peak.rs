//! Measures the heap RSA certificate verification really needs: one TLS 1.3 handshake and SMS
//! against twilio-sim with a 2048-bit RSA leaf (api.twilio.com's key type and size), the client
//! on its own thread whose allocations alone are counted (live bytes, peak, count).
//!
//! `cargo run --release -p twilio-embedded --features rsa --example rsa_heap_peak`
//!
//! Without the `rsa` feature the client never allocates; with it, only embedded-tls's RSA path
//! (rsa + num-bigint-dig) does, so the peak printed is the heap the boards must provide for it,
//! before allocator overhead (linked_list_allocator rounds each block up to 8 bytes).
#![allow(clippy::print_stdout)]
// A counting global allocator is the one way to see the heap; it only forwards to `System`.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

use embedded_io_adapters::tokio_1::FromTokio;
use twilio_core::auth::Credentials;
use twilio_core::request::HttpConfig;
use twilio_embedded::retry::{RetryPolicy, Sleeper};
use twilio_embedded::tls::{ServerVerification, TlsSettings, TrustAnchors};
use twilio_embedded::transport::{Connect, ConnectError};
use twilio_embedded::{Buffers, Client, ClientConfig, Outcome, Recipient};
use twilio_sim::{LeafKey, SimConfig, TlsVersions};

/// Counts the allocations of threads that opted in (the client's), passes everything through.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
static COUNT: AtomicUsize = AtomicUsize::new(0);
static LARGEST: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static COUNTED: Cell<bool> = const { Cell::new(false) };
}

fn counted() -> bool {
    COUNTED.try_with(Cell::get).unwrap_or(false)
}

// SAFETY: every call is forwarded unchanged to `System`; the counters are plain atomics.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if counted() {
            let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(live, Ordering::Relaxed);
            COUNT.fetch_add(1, Ordering::Relaxed);
            LARGEST.fetch_max(layout.size(), Ordering::Relaxed);
        }
        // SAFETY: forwarded as is.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if counted() {
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        }
        // SAFETY: forwarded as is.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Connects with a TCP stream opened before counting starts (tokio's own bookkeeping for a new
/// socket is not the RSA verifier's).
struct Prepared(Option<FromTokio<tokio::net::TcpStream>>);

impl Connect for Prepared {
    type Connection = FromTokio<tokio::net::TcpStream>;
    async fn connect(&mut self) -> Result<Self::Connection, ConnectError> {
        self.0.take().ok_or(ConnectError::Refused)
    }
}

struct NoSleep;
impl Sleeper for NoSleep {
    async fn sleep(&mut self, _: core::time::Duration) {}
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = tokio::runtime::Runtime::new()?;
    let sim = server.block_on(twilio_sim::Simulator::start(SimConfig {
        tls_versions: TlsVersions::Tls13Only,
        leaf_key: LeafKey::Rsa2048,
        ..SimConfig::default()
    }))?;
    let addr = sim.local_addr();
    let ca = sim.ca_der().to_vec();
    let (sid, token) = (sim.account_sid().to_owned(), sim.auth_token().to_owned());
    let host = format!("localhost:{}", addr.port());

    let client_thread = std::thread::spawn(move || -> Result<Outcome, String> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        runtime.block_on(async {
            let stream = tokio::net::TcpStream::connect(addr)
                .await
                .map_err(|e| e.to_string())?;
            let anchors: [&[u8]; 1] = [&ca];
            let recipients = [Recipient::sms_only("+14155550100")];
            let config = ClientConfig {
                credentials: Credentials::auth_token(&sid, &token).map_err(|e| e.to_string())?,
                http: HttpConfig::default()
                    .with_host(&host)
                    .map_err(|e| e.to_string())?,
                tls: TlsSettings::new(
                    "localhost",
                    ServerVerification::anchors(TrustAnchors::new(&anchors)),
                ),
                from: "+15005550006",
                recipients: &recipients,
                retry: RetryPolicy::NEVER,
            };
            let mut buffers = Box::new(Buffers::new());
            let mut client: Client<'_, _, _, _> = Client::new(
                config,
                Prepared(Some(FromTokio::new(stream))),
                rand_core_06::OsRng,
                NoSleep,
                &mut buffers,
            );
            COUNTED.with(|c| c.set(true));
            let outcome = client.send_sms("+14155550100", "RSA heap peak").await;
            COUNTED.with(|c| c.set(false));
            outcome.map_err(|e| e.to_string())
        })
    });
    let outcome = client_thread
        .join()
        .map_err(|_| "client thread panicked")??;
    println!("outcome: {outcome:?}");
    if !matches!(outcome, Outcome::Accepted { .. }) {
        return Err("the RSA handshake or the request failed".into());
    }
    println!(
        "RSA verification heap: peak {} bytes live, {} allocations, largest {} bytes, {} bytes still live after",
        PEAK.load(Ordering::Relaxed),
        COUNT.load(Ordering::Relaxed),
        LARGEST.load(Ordering::Relaxed),
        LIVE.load(Ordering::Relaxed),
    );
    Ok(())
}
