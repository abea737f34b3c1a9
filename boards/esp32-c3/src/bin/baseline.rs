//! Size baseline: a bare embassy HTTPS POST on the ESP32-C3 WITHOUT certificate verification
//! (embedded-tls's `UnsecureProvider`, as the examples): the constant request of
//! `https_baseline::post`, the status line logged. Never flashed for use: see
//! `../baseline/mod.rs`.
#![no_std]
#![no_main]

#[path = "../baseline/mod.rs"]
mod baseline;

use embassy_executor::Spawner;
use embassy_time::Timer;
use embedded_tls::Aes128GcmSha256;
use https_baseline::{Buffers, UnsecureProvider, post};
use static_cell::ConstStaticCell;
use {esp_alloc as _, esp_backtrace as _};

esp_bootloader_esp_idf::esp_app_desc!();

#[esp_hal::main]
async fn main(spawner: Spawner) -> ! {
    let (stack, mut rng) = baseline::network(spawner).await;
    static BUFFERS: ConstStaticCell<Buffers> = ConstStaticCell::new(Buffers::new());
    let buffers = BUFFERS.take();
    loop {
        Timer::after_secs(10).await;
        let provider = UnsecureProvider::new::<Aes128GcmSha256>(&mut rng);
        let _ = post(stack, buffers, provider).await;
    }
}
