//! Size baseline: a bare embassy HTTPS POST on the Pico W, in the shape of embassy's
//! `wifi_webrequest` example (Wi-Fi join, DHCP, DNS, TCP, TLS 1.3 via embedded-tls without
//! certificate verification, one POST, the status line logged). It is never flashed for use:
//! `.ci/checks/70-boards.sh` compares the alert firmware's flash and RAM with it.
#![no_std]
#![no_main]

use cyw43::{A4, Aligned, JoinOptions};
use cyw43_pio::{DEFAULT_CLOCK_DIVIDER, PioSpi};
use defmt::{info, unwrap, warn};
use embassy_executor::Spawner;
use embassy_net::dns::DnsQueryType;
use embassy_net::tcp::TcpSocket;
use embassy_net::{Config, StackResources};
use embassy_rp::clocks::RoscRng;
use embassy_rp::gpio::{Level, Output};
use embassy_rp::peripherals::{DMA_CH0, PIO0};
use embassy_rp::pio::{self, Pio};
use embassy_rp::{bind_interrupts, dma};
use embassy_time::{Duration, Timer};
use embedded_io_async::Write;
use embedded_tls::{Aes128GcmSha256, TlsConfig, TlsConnection, TlsContext, UnsecureProvider};
use static_cell::StaticCell;
use {defmt_rtt as _, panic_probe as _};

// Only so that a plain `cargo build` (default feature `rsa`, which needs an allocator) links this
// binary too; the size baseline is built with --no-default-features, without it.
#[cfg(feature = "rsa")]
#[global_allocator]
static HEAP: embedded_alloc::LlffHeap = embedded_alloc::LlffHeap::empty();

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
const HOST: &str = "api.twilio.com";
const REQUEST: &[u8] = b"POST /2010-04-01/Accounts/AC00000000000000000000000000000000/Messages.json HTTP/1.1\r\n\
Host: api.twilio.com\r\nAuthorization: Basic QUMwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwOjA=\r\n\
Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 51\r\n\r\n\
To=%2B15005550010&From=%2B15005550006&Body=Hot+75+C";

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

#[embassy_executor::main]
async fn main(spawner: Spawner) {
    let p = embassy_rp::init(Default::default());
    let mut rng = RoscRng;
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
    let seed = rand_core::RngCore::next_u64(&mut rng);
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

    let mut rx = [0u8; 1_536];
    let mut tx = [0u8; 1_536];
    let mut tls_read = [0u8; 16_640];
    let mut tls_write = [0u8; 4_096];
    loop {
        Timer::after(Duration::from_secs(10)).await;
        let Ok(addresses) = stack.dns_query(HOST, DnsQueryType::A).await else {
            continue;
        };
        let Some(address) = addresses.first() else {
            continue;
        };
        let mut socket = TcpSocket::new(stack, &mut rx, &mut tx);
        socket.set_timeout(Some(Duration::from_secs(30)));
        if socket.connect((*address, 443)).await.is_err() {
            continue;
        }
        let mut tls = TlsConnection::new(socket, &mut tls_read, &mut tls_write);
        let config = TlsConfig::new().with_server_name(HOST);
        if tls
            .open(TlsContext::new(
                &config,
                UnsecureProvider::new::<Aes128GcmSha256>(&mut rng),
            ))
            .await
            .is_err()
        {
            continue;
        }
        if tls.write_all(REQUEST).await.is_err() || tls.flush().await.is_err() {
            continue;
        }
        let mut response = [0u8; 512];
        if let Ok(n) = tls.read(&mut response).await {
            info!("response: {=[u8]:a}", &response[..n.min(16)]);
        }
        let _ = tls.close().await;
    }
}
