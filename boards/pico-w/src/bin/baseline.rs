//! Size baseline: a bare embassy HTTPS POST on the Pico W WITHOUT certificate verification
//! (embedded-tls's `UnsecureProvider`, as embassy's `wifi_webrequest` example): the constant
//! request of `https_baseline::post`, the status line logged. Never flashed for use: see
//! `../baseline/mod.rs`.
#![no_std]
#![no_main]

#[path = "../baseline/mod.rs"]
mod baseline;

use embassy_executor::Spawner;
use embassy_rp::clocks::RoscRng;
use embassy_time::Timer;
use embedded_tls::Aes128GcmSha256;
use https_baseline::{Buffers, UnsecureProvider, post};
use static_cell::ConstStaticCell;
use {defmt_rtt as _, panic_probe as _};

// Only so that a plain `cargo build` (default feature `rsa`, which needs an allocator) links this
// binary too; the size baseline is built with --no-default-features, without it.
#[cfg(feature = "rsa")]
#[global_allocator]
static HEAP: embedded_alloc::LlffHeap = embedded_alloc::LlffHeap::empty();

#[embassy_executor::main]
async fn main(spawner: Spawner) {
    let stack = baseline::network(spawner).await;
    static BUFFERS: ConstStaticCell<Buffers> = ConstStaticCell::new(Buffers::new());
    let buffers = BUFFERS.take();
    let mut rng = RoscRng;
    loop {
        Timer::after_secs(10).await;
        let provider = UnsecureProvider::new::<Aes128GcmSha256>(&mut rng);
        let _ = post(stack, buffers, provider).await;
    }
}
