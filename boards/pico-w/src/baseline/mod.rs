//! The Pico W half of the size baselines: the radio and network bring-up of embassy's
//! `wifi_webrequest` example (CYW43439 over PIO SPI, Wi-Fi join, DHCP). The HTTPS POST that runs
//! over it is chip-independent, in `boards/https-baseline`:
//!
//! - `bin/baseline.rs`: the bare POST (constant request, status line logged), no verification.
//! - `bin/baseline-verify.rs`: the same bare POST, verifying the server (`CertVerifier`).
//! - `bin/baseline-example.rs`: embassy's example shape (reqwless request and response,
//!   serde-json-core body), verifying the server as `baseline-verify`.
//!
//! Never flashed for use: `.ci/checks/70-boards.sh` compares the alert firmware's flash and RAM
//! with all three.

use cyw43::{A4, Aligned, JoinOptions};
use cyw43_pio::{DEFAULT_CLOCK_DIVIDER, PioSpi};
use defmt::{unwrap, warn};
use embassy_executor::Spawner;
use embassy_net::{Config, Stack, StackResources};
use embassy_rp::clocks::RoscRng;
use embassy_rp::gpio::{Level, Output};
use embassy_rp::peripherals::{DMA_CH0, PIO0};
use embassy_rp::pio::{self, Pio};
use embassy_rp::{bind_interrupts, dma};
use static_cell::StaticCell;

bind_interrupts!(struct Irqs {
    PIO0_IRQ_0 => pio::InterruptHandler<PIO0>;
    DMA_IRQ_0 => dma::InterruptHandler<DMA_CH0>;
});

static FIRMWARE: &Aligned<A4, [u8]> = &Aligned(*cyw43_firmware::CYW43_43439A0);
static NVRAM: &Aligned<A4, [u8]> = &Aligned(*include_bytes!(concat!(
    env!("OUT_DIR"),
    "/nvram_rp2040.bin"
)));

const WIFI_SSID: &str = env!("WIFI_SSID");
const WIFI_PASSWORD: &str = env!("WIFI_PASSWORD");

#[embassy_executor::task]
async fn cyw43_task(
    runner: cyw43::Runner<'static, cyw43::SpiBus<Output<'static>, PioSpi<'static, PIO0, 0>>>,
) -> ! {
    runner.run().await
}

#[embassy_executor::task]
async fn net_task(mut runner: embassy_net::Runner<'static, cyw43::NetDriver<'static>>) -> ! {
    runner.run().await
}

/// Brings the radio up, joins Wi-Fi and waits for DHCP.
pub async fn network(spawner: Spawner) -> Stack<'static> {
    let p = embassy_rp::init(Default::default());
    let pwr = Output::new(p.PIN_23, Level::Low);
    let cs = Output::new(p.PIN_25, Level::High);
    let mut pio = Pio::new(p.PIO0, Irqs);
    let spi = PioSpi::new(
        &mut pio.common,
        pio.sm0,
        DEFAULT_CLOCK_DIVIDER,
        pio.irq0,
        cs,
        p.PIN_24,
        p.PIN_29,
        dma::Channel::new(p.DMA_CH0, Irqs),
    );
    static STATE: StaticCell<cyw43::State> = StaticCell::new();
    let (net_device, mut control, runner) =
        cyw43::new(STATE.init(cyw43::State::new()), pwr, spi, FIRMWARE, NVRAM).await;
    spawner.spawn(unwrap!(cyw43_task(runner)));
    control.init(cyw43_firmware::CYW43_43439A0_CLM).await;
    control
        .set_power_management(cyw43::PowerManagementMode::PowerSave)
        .await;

    static RESOURCES: StaticCell<StackResources<3>> = StaticCell::new();
    let seed = rand_core::RngCore::next_u64(&mut RoscRng);
    let (stack, runner) = embassy_net::new(
        net_device,
        Config::dhcpv4(Default::default()),
        RESOURCES.init(StackResources::new()),
        seed,
    );
    spawner.spawn(unwrap!(net_task(runner)));
    while let Err(e) = control
        .join(WIFI_SSID, JoinOptions::new(WIFI_PASSWORD.as_bytes()))
        .await
    {
        warn!("join failed: {}", e);
    }
    stack.wait_config_up().await;
    stack
}
