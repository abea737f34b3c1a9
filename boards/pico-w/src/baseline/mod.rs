//! What both Pico W size baselines share: a bare embassy HTTPS POST in the shape of embassy's
//! `wifi_webrequest` example (Wi-Fi join, DHCP, DNS, TCP, TLS 1.3 with embedded-tls, one POST,
//! the status line logged). `bin/baseline.rs` does not verify the server (as embassy's example);
//! `bin/baseline-verify.rs` verifies it as the alert firmware must. Never flashed for use:
//! `.ci/checks/70-boards.sh` compares the alert firmware's flash and RAM with both.

use cyw43::{A4, Aligned, JoinOptions};
use cyw43_pio::{DEFAULT_CLOCK_DIVIDER, PioSpi};
use defmt::{info, unwrap, warn};
use embassy_executor::Spawner;
use embassy_net::dns::DnsQueryType;
use embassy_net::tcp::TcpSocket;
use embassy_net::{Config, Stack, StackResources};
use embassy_rp::clocks::RoscRng;
use embassy_rp::gpio::{Level, Output};
use embassy_rp::peripherals::{DMA_CH0, PIO0};
use embassy_rp::pio::{self, Pio};
use embassy_rp::{bind_interrupts, dma};
use embassy_time::Duration;
use embedded_io_async::Write;
use embedded_tls::{
    Aes128GcmSha256, CryptoProvider, TlsConfig, TlsConnection, TlsContext, TlsError,
};
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
pub const HOST: &str = "api.twilio.com";
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

/// The socket and TLS record buffers, as embassy's example has them.
pub struct Buffers {
    pub rx: [u8; 1_536],
    pub tx: [u8; 1_536],
    pub tls_read: [u8; 16_640],
    pub tls_write: [u8; 4_096],
}

impl Buffers {
    pub const fn new() -> Self {
        Self {
            rx: [0; 1_536],
            tx: [0; 1_536],
            tls_read: [0; 16_640],
            tls_write: [0; 4_096],
        }
    }
}

/// Why a POST did not get a response.
// The no-verify baseline never looks at the TLS error.
#[allow(dead_code)]
pub enum Failed {
    Network,
    Tls(TlsError),
}

/// One POST over a fresh connection, with `provider`'s RNG and certificate checks.
pub async fn post<P>(stack: Stack<'_>, buffers: &mut Buffers, provider: P) -> Result<(), Failed>
where
    P: CryptoProvider<CipherSuite = Aes128GcmSha256>,
{
    let addresses = stack
        .dns_query(HOST, DnsQueryType::A)
        .await
        .map_err(|_| Failed::Network)?;
    let address = addresses.first().ok_or(Failed::Network)?;
    let mut socket = TcpSocket::new(stack, &mut buffers.rx, &mut buffers.tx);
    socket.set_timeout(Some(Duration::from_secs(30)));
    socket
        .connect((*address, 443))
        .await
        .map_err(|_| Failed::Network)?;
    let mut tls = TlsConnection::new(socket, &mut buffers.tls_read, &mut buffers.tls_write);
    let config = TlsConfig::new().with_server_name(HOST);
    tls.open(TlsContext::new(&config, provider))
        .await
        .map_err(Failed::Tls)?;
    tls.write_all(REQUEST).await.map_err(Failed::Tls)?;
    tls.flush().await.map_err(Failed::Tls)?;
    let mut response = [0u8; 512];
    let n = tls.read(&mut response).await.map_err(Failed::Tls)?;
    info!("response: {=[u8]:a}", &response[..n.min(16)]);
    let _ = tls.close().await;
    Ok(())
}
