//! Measures the heap RSA certificate verification really needs: one TLS 1.3 handshake and SMS
//! against twilio-sim with a 2048-bit RSA leaf (api.twilio.com's key type and size), the client
//! on its own thread whose allocations alone are measured.
//!
//! `cargo run --release -p twilio-embedded --features rsa --example rsa_heap_peak`
//!
//! Without the `rsa` feature the client never allocates; with it, only embedded-tls's RSA path
//! (rsa + num-bigint-dig) does. The client thread's allocations are served from an arena by
//! `linked_list_allocator`, the allocator behind embedded-alloc's `LlffHeap` on the Pico W, so
//! besides the peak of live bytes the example reports the arena's high-water mark: first fit
//! places blocks from the bottom regardless of the arena's size, so that mark is the smallest
//! heap this handshake fits in, fragmentation included. The host's 8-byte words make blocks
//! and headers a little larger than on a 32-bit MCU: the figure is an upper bound.
#![allow(clippy::print_stdout)]
// A global allocator is the one way to see the heap: the client thread's blocks come from a
// linked_list_allocator arena, everything else goes to `System`.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::ptr::NonNull;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use embedded_io_adapters::tokio_1::FromTokio;
use linked_list_allocator::Heap;
use twilio_core::auth::Credentials;
use twilio_core::request::HttpConfig;
use twilio_embedded::retry::{RetryPolicy, Sleeper};
use twilio_embedded::tls::{ServerVerification, TlsSettings, TrustAnchors};
use twilio_embedded::transport::{Connect, ConnectError};
use twilio_embedded::{Buffers, Client, ClientConfig, Outcome, Recipient};
use twilio_sim::{LeafKey, SimConfig, TlsVersions};

/// Arena for the client thread: far more than RSA needs, so the high-water mark is what counts.
const ARENA_LEN: usize = 256 * 1024;

struct Arena {
    heap: Mutex<Option<Heap>>,
}

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
static HIGH_WATER: AtomicUsize = AtomicUsize::new(0);
static COUNT: AtomicUsize = AtomicUsize::new(0);
static LARGEST: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static MEASURED: Cell<bool> = const { Cell::new(false) };
}

fn measured() -> bool {
    MEASURED.try_with(Cell::get).unwrap_or(false)
}

impl Arena {
    /// The arena's bottom address, when it is set up.
    fn bottom(heap: &Heap) -> usize {
        heap.bottom() as usize
    }
}

// SAFETY: the measured thread's blocks come from, and go back to, the arena (it only ever frees
// what it allocated: `MEASURED` is set around the measured send and every block it allocates is
// freed before it ends, checked by `LIVE`); everything else is forwarded to `System` unchanged.
unsafe impl GlobalAlloc for Arena {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if measured()
            && let Ok(mut guard) = self.heap.lock()
            && let Some(heap) = guard.as_mut()
        {
            let Ok(block) = heap.allocate_first_fit(layout) else {
                return std::ptr::null_mut();
            };
            let end = block.as_ptr() as usize + layout.size() - Arena::bottom(heap);
            HIGH_WATER.fetch_max(end, Ordering::Relaxed);
            let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(live, Ordering::Relaxed);
            COUNT.fetch_add(1, Ordering::Relaxed);
            LARGEST.fetch_max(layout.size(), Ordering::Relaxed);
            return block.as_ptr();
        }
        // SAFETY: forwarded as is.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if let Ok(mut guard) = self.heap.lock()
            && let Some(heap) = guard.as_mut()
            && (heap.bottom() as usize..heap.top() as usize).contains(&(ptr as usize))
            && let Some(block) = NonNull::new(ptr)
        {
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
            // SAFETY: the block came from this heap with this layout.
            unsafe { heap.deallocate(block, layout) };
            return;
        }
        // SAFETY: forwarded as is.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Arena = Arena {
    heap: Mutex::new(None),
};

/// Gives the arena its memory (from `System`, leaked: it lives as long as the process).
fn init_arena() -> Result<(), String> {
    let layout = Layout::from_size_align(ARENA_LEN, 16).map_err(|e| e.to_string())?;
    // SAFETY: a non-zero size; the memory is handed to the heap and never freed.
    let memory = unsafe { System.alloc(layout) };
    if memory.is_null() {
        return Err("no memory for the arena".to_owned());
    }
    let mut guard = ALLOCATOR.heap.lock().map_err(|e| e.to_string())?;
    // SAFETY: `memory` is ARENA_LEN bytes that nothing else uses.
    *guard = Some(unsafe { Heap::new(memory, ARENA_LEN) });
    Ok(())
}

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
    init_arena()?;
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
            MEASURED.with(|c| c.set(true));
            let outcome = client.send_sms("+14155550100", "RSA heap peak").await;
            MEASURED.with(|c| c.set(false));
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
        "RSA verification heap: peak {} bytes live, high-water mark {} bytes (linked_list_allocator, \
         first fit: the smallest heap this handshake fits in), {} allocations, largest {} bytes, \
         {} bytes still live after",
        PEAK.load(Ordering::Relaxed),
        HIGH_WATER.load(Ordering::Relaxed),
        COUNT.load(Ordering::Relaxed),
        LARGEST.load(Ordering::Relaxed),
        LIVE.load(Ordering::Relaxed),
    );
    Ok(())
}
