//! Size baseline: the same bare embassy HTTPS POST as `baseline.rs`, but verifying the server's
//! certificate the way a plain embedded-tls user would: `https_baseline::Verifying` (its
//! `CertVerifier`: chain, host name and, once known, validity dates) against the same trust
//! anchors and with the same verifier and crypto features (`rustpki`; `rsa` with the same 16 KiB
//! heap under the default feature) as the alert firmware. With two anchors it tries one per
//! connection and moves to the next when the certificate is rejected. Never flashed for use: see
//! `../baseline/mod.rs`.
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
use https_baseline::{ANCHORS, Buffers, Verifying, post, rejected};
use static_cell::ConstStaticCell;
use {defmt_rtt as _, panic_probe as _};

#[embassy_executor::main]
async fn main(spawner: Spawner) {
    #[cfg(feature = "rsa")]
    heap::init();
    let stack = baseline::network(spawner).await;
    static BUFFERS: ConstStaticCell<Buffers> = ConstStaticCell::new(Buffers::new());
    let buffers = BUFFERS.take();
    let mut rng = RoscRng;
    let mut anchor = 0;
    loop {
        Timer::after_secs(10).await;
        let provider = Verifying::new(&mut rng, ANCHORS[anchor]);
        if rejected(&post(stack, buffers, provider).await) {
            anchor = (anchor + 1) % ANCHORS.len();
        }
    }
}
