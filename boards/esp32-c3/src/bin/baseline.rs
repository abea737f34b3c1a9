//! Size baseline: a bare embassy HTTPS POST on the ESP32-C3, in the shape of esp-hal's
//! `embassy_dhcp` example (Wi-Fi, DHCP, DNS, TCP, TLS 1.3 via embedded-tls without certificate
//! verification, one POST, the status line logged). It is never flashed for use:
//! `.ci/checks/70-boards.sh` compares the alert firmware's flash and RAM with it.
#![no_std]
#![no_main]

use embassy_executor::Spawner;
use embassy_net::dns::DnsQueryType;
use embassy_net::tcp::TcpSocket;
use embassy_net::{Runner, StackResources};
use embassy_time::{Duration, Timer};
use embedded_io_async::Write;
use embedded_tls::{Aes128GcmSha256, TlsConfig, TlsConnection, TlsContext, UnsecureProvider};
use esp_hal::clock::CpuClock;
use esp_hal::rng::{Trng, TrngSource};
use esp_hal::timer::timg::TimerGroup;
use esp_radio::wifi::sta::StationConfig;
use esp_radio::wifi::{
    AuthenticationMethodConfig, Config, ControllerConfig, Interface, WifiController,
};
use log::info;
use static_cell::StaticCell;
use {esp_alloc as _, esp_backtrace as _};

esp_bootloader_esp_idf::esp_app_desc!();

const WIFI_SSID: &str = env!("WIFI_SSID");
const WIFI_PASSWORD: &str = env!("WIFI_PASSWORD");
const HOST: &str = "api.twilio.com";
const REQUEST: &[u8] = b"POST /2010-04-01/Accounts/AC00000000000000000000000000000000/Messages.json HTTP/1.1\r\n\
Host: api.twilio.com\r\nAuthorization: Basic QUMwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwOjA=\r\n\
Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 51\r\n\r\n\
To=%2B15005550010&From=%2B15005550006&Body=Hot+75+C";

#[esp_hal::main]
async fn main(spawner: Spawner) -> ! {
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
    let _entropy = TrngSource::new(peripherals.RNG, peripherals.ADC1);
    let mut rng = Trng::try_new().unwrap();
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
        if let Ok(n) = embedded_io_async::Read::read(&mut tls, &mut response).await {
            info!(
                "response: {:?}",
                core::str::from_utf8(&response[..n.min(16)])
            );
        }
        let _ = tls.close().await;
    }
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
