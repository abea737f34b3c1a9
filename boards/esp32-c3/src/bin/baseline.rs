//! Size baseline: a bare embassy HTTPS POST on the ESP32-C3 WITHOUT certificate verification
//! (embedded-tls's `UnsecureProvider`), as the examples do. Never flashed for use: see
//! `../baseline/mod.rs`.
#![no_std]
#![no_main]

#[path = "../baseline/mod.rs"]
mod baseline;

use embassy_executor::Spawner;
use embassy_time::Timer;
use embedded_tls::{Aes128GcmSha256, UnsecureProvider};
use static_cell::ConstStaticCell;
use {esp_alloc as _, esp_backtrace as _};

esp_bootloader_esp_idf::esp_app_desc!();

#[esp_hal::main]
async fn main(spawner: Spawner) -> ! {
    let (stack, mut rng) = baseline::network(spawner).await;
    static BUFFERS: ConstStaticCell<baseline::Buffers> =
        ConstStaticCell::new(baseline::Buffers::new());
    let buffers = BUFFERS.take();
    loop {
        Timer::after_secs(10).await;
        let provider = UnsecureProvider::new::<Aes128GcmSha256>(&mut rng);
        let _ = baseline::post(stack, buffers, provider).await;
    }
}
