//! Size baseline: embassy's `wifi_webrequest` example shape with verification. The verifying
//! connection of `baseline-verify.rs` (same `CertVerifier`, anchors, features and heap), and over
//! it reqwless writes the request (Basic auth, form body) and reads the response head and body,
//! and serde-json-core parses the body into the message's SID, status and error code, which are
//! logged (`https_baseline::post_example`). Never flashed for use: see `../baseline/mod.rs`.
#![no_std]
#![no_main]

#[path = "../baseline/mod.rs"]
mod baseline;
#[cfg(feature = "rsa")]
#[path = "../heap.rs"]
mod heap;

use embassy_executor::Spawner;
use embassy_rp::clocks::RoscRng;
use embassy_time::Timer;
use https_baseline::{ANCHORS, Buffers, RESPONSE_BUFFER, Verifying, post_example, rejected};
use static_cell::ConstStaticCell;
use {defmt_rtt as _, panic_probe as _};

#[embassy_executor::main]
async fn main(spawner: Spawner) {
    #[cfg(feature = "rsa")]
    heap::init();
    let stack = baseline::network(spawner).await;
    static BUFFERS: ConstStaticCell<Buffers> = ConstStaticCell::new(Buffers::new());
    static RESPONSE: ConstStaticCell<[u8; RESPONSE_BUFFER]> =
        ConstStaticCell::new([0; RESPONSE_BUFFER]);
    let buffers = BUFFERS.take();
    let response = RESPONSE.take();
    let mut rng = RoscRng;
    let mut anchor = 0;
    loop {
        Timer::after_secs(10).await;
        let provider = Verifying::new(&mut rng, ANCHORS[anchor]);
        if rejected(&post_example(stack, buffers, response, provider).await) {
            anchor = (anchor + 1) % ANCHORS.len();
        }
    }
}
