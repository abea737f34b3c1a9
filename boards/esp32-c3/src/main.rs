//! ESP32-C3 alert firmware: reads the chip's temperature sensor every few seconds, texts when it
//! reaches the warning level, calls when it reaches the critical level, texts when it is back to
//! normal. The loop itself is `alert_loop`; this file wires the board to it.
#![no_std]
#![no_main]

mod config;
mod sensor;
mod status;

use alert_loop::{AlertLoop, EmbassyTicker, SntpBuffers, SntpClock};
use embassy_executor::Spawner;
use embassy_net::tcp::client::{TcpClient, TcpClientState};
use embassy_net::{Runner, StackResources};
use embassy_time::{Duration, Timer};
use esp_hal::clock::CpuClock;
use esp_hal::rng::{Trng, TrngSource};
use esp_hal::timer::timg::TimerGroup;
use esp_hal::tsens::{self, TemperatureSensor};
use esp_radio::wifi::sta::StationConfig;
use esp_radio::wifi::{
    AuthenticationMethodConfig, Config, ControllerConfig, Interface, WifiController,
};
use log::{error, info, warn};
use static_cell::{ConstStaticCell, StaticCell};
use twilio_embedded::net::{DEFAULT_SOCKET_TIMEOUT, EmbassySleeper, TcpConnector};
use twilio_embedded::{Buffers, Client};
use {esp_alloc as _, esp_backtrace as _};

use crate::config::{NTP_SERVER, SETTINGS, WIFI_PASSWORD, WIFI_SSID};
use crate::sensor::DieTemperature;
use crate::status::StatusLog;

esp_bootloader_esp_idf::esp_app_desc!();

const SOCKET_BUFFER: usize = 1_536;
type Pool = TcpClient<'static, 1, SOCKET_BUFFER, SOCKET_BUFFER>;

#[esp_hal::main]
async fn main(spawner: Spawner) -> ! {
    esp_println::logger::init_logger_from_env();
    let peripherals = esp_hal::init(esp_hal::Config::default().with_cpu_clock(CpuClock::max()));
    // Wi-Fi needs a heap; RSA certificate verification (api.twilio.com's chain) shares it.
    esp_alloc::heap_allocator!(#[esp_hal::ram(reclaimed)] size: 64 * 1024);
    esp_alloc::heap_allocator!(size: 24 * 1024);

    let timg0 = TimerGroup::new(peripherals.TIMG0);
    esp_rtos::start(timg0.timer0, peripherals.FROM_CPU_INTR0);
    info!("{} starting", SETTINGS.device_name);

    let auth = if WIFI_PASSWORD.is_empty() {
        AuthenticationMethodConfig::Open
    } else {
        match WIFI_PASSWORD.try_into() {
            Ok(password) => AuthenticationMethodConfig::Wpa2Personal(password),
            Err(_) => halt("WIFI_PASSWORD is too long").await,
        }
    };
    let Ok(ssid) = WIFI_SSID.try_into() else {
        halt("WIFI_SSID is too long").await
    };
    let station = Config::Station(
        StationConfig::default()
            .with_ssid(ssid)
            .with_authentication(auth),
    );
    let controller = match WifiController::new(
        peripherals.WIFI,
        ControllerConfig::default().with_initial_config(station),
    ) {
        Ok(controller) => controller,
        Err(e) => {
            error!("Wi-Fi did not start: {e:?}");
            halt("Wi-Fi did not start").await
        }
    };

    // The hardware RNG is a true RNG while this source (and the radio) runs; main never returns.
    let _entropy = TrngSource::new(peripherals.RNG, peripherals.ADC1);
    let Ok(rng) = Trng::try_new() else {
        halt("no entropy source").await
    };
    let seed = u64::from(rng.random()) << 32 | u64::from(rng.random());
    // Sockets: DHCP, DNS, the TCP connection to Twilio and the SNTP socket while it asks.
    static RESOURCES: StaticCell<StackResources<4>> = StaticCell::new();
    let (stack, runner) = embassy_net::new(
        Interface::station(),
        embassy_net::Config::dhcpv4(Default::default()),
        RESOURCES.init(StackResources::new()),
        seed,
    );
    spawner.spawn(stay_connected(controller).unwrap());
    spawner.spawn(net_task(runner).unwrap());

    let client_config = match SETTINGS.client_config() {
        Ok(config) => config,
        // The build ran this same check and names the variable at fault (see build.rs); the
        // error's `Debug` would cost 1.3 KB of flash and 3 KB of RAM for a message never seen.
        Err(_) => halt("configuration unusable: rebuild to see why").await,
    };
    stack.wait_config_up().await;
    info!("network up: {:?}", stack.config_v4().map(|c| c.address));

    static TCP_STATE: StaticCell<TcpClientState<1, SOCKET_BUFFER, SOCKET_BUFFER>> =
        StaticCell::new();
    static POOL: StaticCell<Pool> = StaticCell::new();
    let mut pool = TcpClient::new(stack, TCP_STATE.init(TcpClientState::new()));
    pool.set_timeout(Some(Duration::from_secs(DEFAULT_SOCKET_TIMEOUT.as_secs())));
    let pool: &'static Pool = POOL.init(pool);
    let connector = TcpConnector::new(stack, pool, SETTINGS.host(), 443);
    static BUFFERS: ConstStaticCell<Buffers> = ConstStaticCell::new(Buffers::new());
    let client: Client<'static, _, _, _> = Client::new(
        client_config,
        connector,
        rng,
        EmbassySleeper,
        BUFFERS.take(),
    );

    let sensor = match TemperatureSensor::new(peripherals.TSENS, tsens::Config::default()) {
        Ok(sensor) => DieTemperature(sensor),
        Err(e) => {
            error!("temperature sensor: {e:?}");
            halt("temperature sensor unavailable").await
        }
    };
    static SNTP_BUFFERS: ConstStaticCell<SntpBuffers> = ConstStaticCell::new(SntpBuffers::new());
    let time = SntpClock::new(stack, NTP_SERVER, SNTP_BUFFERS.take());
    let thresholds = SETTINGS.thresholds;
    let device = match AlertLoop::new(
        SETTINGS.device_name,
        "C",
        SETTINGS.evaluator_config(),
        sensor,
        client,
        StatusLog(None),
    ) {
        Ok(device) => device,
        // As above: the build checked the levels.
        Err(_) => halt("alert levels inconsistent: rebuild to see why").await,
    };
    thresholds.log();
    info!("time of day from {NTP_SERVER}");
    let mut device = device.with_time_source(time);
    device
        .run(&mut EmbassyTicker::every_secs(thresholds.sample_secs))
        .await
}

/// Logs `why` every minute, forever: a configuration the firmware cannot run with.
async fn halt(why: &str) -> ! {
    loop {
        error!("stopped: {why}");
        Timer::after(Duration::from_secs(60)).await;
    }
}

/// Joins the network and joins it again whenever it drops.
#[embassy_executor::task]
async fn stay_connected(mut controller: WifiController<'static>) {
    loop {
        info!("joining Wi-Fi {WIFI_SSID}");
        match controller.connect_async().await {
            Ok(_) => {
                info!("Wi-Fi joined");
                let why = controller.wait_for_disconnect_async().await;
                // The reason only at debug level (compiled out of release builds): its `Debug`
                // (70 reason names, their jump tables in RAM) costs 2.5 KB of flash.
                log::debug!("Wi-Fi lost: {why:?}");
                warn!("Wi-Fi lost");
            }
            Err(e) => {
                // As above: the access point's reason only at debug level.
                log::debug!("join failed: {e:?}");
                warn!("join failed; again in 5 s");
            }
        }
        Timer::after(Duration::from_secs(5)).await;
    }
}

#[embassy_executor::task]
async fn net_task(mut runner: Runner<'static, Interface>) {
    runner.run().await
}
