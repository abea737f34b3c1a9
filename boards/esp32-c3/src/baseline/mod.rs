//! The ESP32-C3 half of the size baselines: the Wi-Fi and network bring-up of esp-hal's
//! `embassy_dhcp` example (esp-radio station, the alert firmware's heaps, DHCP). The HTTPS POST
//! that runs over it is chip-independent, in `boards/https-baseline`:
//!
//! - `bin/baseline.rs`: the bare POST (constant request, status line logged), no verification.
//! - `bin/baseline-verify.rs`: the same bare POST, verifying the server (`CertVerifier`).
//! - `bin/baseline-example.rs`: embassy's `wifi_webrequest` example shape (reqwless request and
//!   response, serde-json-core body), verifying the server as `baseline-verify`.
//!
//! Never flashed for use: `.ci/checks/70-boards.sh` compares the alert firmware's flash and RAM
//! with all three.

use embassy_executor::Spawner;
use embassy_net::{Runner, Stack, StackResources};
use embassy_time::{Duration, Timer};
use esp_hal::clock::CpuClock;
use esp_hal::rng::{Trng, TrngSource};
use esp_hal::timer::timg::TimerGroup;
use esp_radio::wifi::sta::StationConfig;
use esp_radio::wifi::{
    AuthenticationMethodConfig, Config, ControllerConfig, Interface, WifiController,
};
use static_cell::StaticCell;

const WIFI_SSID: &str = env!("WIFI_SSID");
const WIFI_PASSWORD: &str = env!("WIFI_PASSWORD");

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
