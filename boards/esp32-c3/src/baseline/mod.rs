//! What both ESP32-C3 size baselines share: a bare embassy HTTPS POST in the shape of esp-hal's
//! `embassy_dhcp` example (Wi-Fi, DHCP, DNS, TCP, TLS 1.3 with embedded-tls, one POST, the status
//! line logged). `bin/baseline.rs` does not verify the server; `bin/baseline-verify.rs` verifies
//! it as the alert firmware must. Never flashed for use: `.ci/checks/70-boards.sh` compares the
//! alert firmware's flash and RAM with both.

use embassy_executor::Spawner;
use embassy_net::dns::DnsQueryType;
use embassy_net::tcp::TcpSocket;
use embassy_net::{Runner, Stack, StackResources};
use embassy_time::{Duration, Timer};
use embedded_io_async::Write;
use embedded_tls::{
    Aes128GcmSha256, CryptoProvider, TlsConfig, TlsConnection, TlsContext, TlsError,
};
use esp_hal::clock::CpuClock;
use esp_hal::rng::{Trng, TrngSource};
use esp_hal::timer::timg::TimerGroup;
use esp_radio::wifi::sta::StationConfig;
use esp_radio::wifi::{
    AuthenticationMethodConfig, Config, ControllerConfig, Interface, WifiController,
};
use log::info;
use static_cell::StaticCell;

const WIFI_SSID: &str = env!("WIFI_SSID");
const WIFI_PASSWORD: &str = env!("WIFI_PASSWORD");
pub const HOST: &str = "api.twilio.com";
const REQUEST: &[u8] = b"POST /2010-04-01/Accounts/AC00000000000000000000000000000000/Messages.json HTTP/1.1\r\n\
Host: api.twilio.com\r\nAuthorization: Basic QUMwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwOjA=\r\n\
Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 51\r\n\r\n\
To=%2B15005550010&From=%2B15005550006&Body=Hot+75+C";

/// Brings Wi-Fi up (with the same heaps as the alert firmware) and waits for DHCP; returns the
/// stack and the hardware RNG (a true RNG while the radio runs).
pub async fn network(spawner: Spawner) -> (Stack<'static>, Trng) {
    esp_println::logger::init_logger_from_env();
    let peripherals = esp_hal::init(esp_hal::Config::default().with_cpu_clock(CpuClock::max()));
    esp_alloc::heap_allocator!(#[esp_hal::ram(reclaimed)] size: 64 * 1024);
    esp_alloc::heap_allocator!(size: 24 * 1024);
    let timg0 = TimerGroup::new(peripherals.TIMG0);
    esp_rtos::start(timg0.timer0, peripherals.FROM_CPU_INTR0);

    let station = Config::Station(
        StationConfig::default()
            .with_ssid(WIFI_SSID.try_into().unwrap())
            .with_authentication(AuthenticationMethodConfig::Wpa2Personal(
                WIFI_PASSWORD.try_into().unwrap(),
            )),
    );
    let controller = WifiController::new(
        peripherals.WIFI,
        ControllerConfig::default().with_initial_config(station),
    )
    .unwrap();
    // The entropy source must outlive the RNG: the baselines never return from main.
    static ENTROPY: StaticCell<TrngSource<'static>> = StaticCell::new();
    ENTROPY.init(TrngSource::new(peripherals.RNG, peripherals.ADC1));
    let rng = Trng::try_new().unwrap();
    let seed = u64::from(rng.random()) << 32 | u64::from(rng.random());
    static RESOURCES: StaticCell<StackResources<3>> = StaticCell::new();
    let (stack, runner) = embassy_net::new(
        Interface::station(),
        embassy_net::Config::dhcpv4(Default::default()),
        RESOURCES.init(StackResources::new()),
        seed,
    );
    spawner.spawn(connection(controller).unwrap());
    spawner.spawn(net_task(runner).unwrap());
    stack.wait_config_up().await;
    (stack, rng)
}

#[embassy_executor::task]
async fn connection(mut controller: WifiController<'static>) {
    loop {
        if controller.connect_async().await.is_ok() {
            let _ = controller.wait_for_disconnect_async().await;
        }
        Timer::after(Duration::from_millis(5000)).await;
    }
}

#[embassy_executor::task]
async fn net_task(mut runner: Runner<'static, Interface>) {
    runner.run().await
}

/// The socket and TLS record buffers, as the examples have them.
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
    let n = embedded_io_async::Read::read(&mut tls, &mut response)
        .await
        .map_err(Failed::Tls)?;
    info!(
        "response: {:?}",
        core::str::from_utf8(&response[..n.min(16)])
    );
    let _ = tls.close().await;
    Ok(())
}
