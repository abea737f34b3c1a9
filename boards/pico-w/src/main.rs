//! Pico W alert firmware: reads the RP2040's temperature sensor every few seconds, texts when it
//! reaches the warning level, calls when it reaches the critical level, texts when it is back to
//! normal. The loop itself is `alert_loop`; this file wires the board to it.
#![no_std]
#![no_main]

mod config;
mod led;
mod sensor;

use alert_loop::{AlertLoop, DeviceState, EmbassyTicker, SntpBuffers, SntpClock};
use cyw43::{A4, Aligned};
use cyw43_pio::{DEFAULT_CLOCK_DIVIDER, PioSpi};
use defmt::{error, info, unwrap};
use embassy_executor::Spawner;
use embassy_net::tcp::client::{TcpClient, TcpClientState};
use embassy_net::{Config, StackResources};
use embassy_rp::adc::{self, Adc};
use embassy_rp::clocks::RoscRng;
use embassy_rp::gpio::{Level, Output, Pull};
use embassy_rp::peripherals::{DMA_CH0, PIO0};
use embassy_rp::pio::{self, Pio};
use embassy_rp::{bind_interrupts, dma};
use embassy_time::Timer;
use static_cell::{ConstStaticCell, StaticCell};
use twilio_embedded::net::{DEFAULT_SOCKET_TIMEOUT, EmbassySleeper, TcpConnector};
use twilio_embedded::{Buffers, Client};
use {defmt_rtt as _, panic_probe as _};

use crate::config::{NTP_SERVER, SETTINGS};
use crate::led::{Led, STATE, Shown};
use crate::sensor::BoardSensor;

bind_interrupts!(struct Irqs {
    PIO0_IRQ_0 => pio::InterruptHandler<PIO0>;
    DMA_IRQ_0 => dma::InterruptHandler<DMA_CH0>;
    ADC_IRQ_FIFO => adc::InterruptHandler;
});

/// The radio's firmware and country tables, from the `cyw43-firmware` crate (see README: licence).
static FIRMWARE: &Aligned<A4, [u8]> = &Aligned(*cyw43_firmware::CYW43_43439A0);
static CLM: &[u8] = cyw43_firmware::CYW43_43439A0_CLM;
/// The Pico W's radio board configuration, copied from `CYW43_NVRAM_DIR` by build.rs.
static NVRAM: &Aligned<A4, [u8]> = &Aligned(*include_bytes!(concat!(
    env!("OUT_DIR"),
    "/nvram_rp2040.bin"
)));

#[cfg(feature = "rsa")]
mod heap;

/// TCP socket buffers: TLS records are reassembled in the client's own buffers.
const SOCKET_BUFFER: usize = 1_536;
type Pool = TcpClient<'static, 1, SOCKET_BUFFER, SOCKET_BUFFER>;

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
    info!("{} starting", SETTINGS.device_name);
    #[cfg(feature = "rsa")]
    heap::init();
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
    static STATE_CYW43: StaticCell<cyw43::State> = StaticCell::new();
    let (net_device, mut control, runner) = cyw43::new(
        STATE_CYW43.init(cyw43::State::new()),
        pwr,
        spi,
        FIRMWARE,
        NVRAM,
    )
    .await;
    spawner.spawn(unwrap!(cyw43_task(runner)));
    control.init(CLM).await;
    control
        .set_power_management(cyw43::PowerManagementMode::PowerSave)
        .await;

    // Sockets: DHCP, DNS, the TCP connection to Twilio and the SNTP socket while it asks.
    static RESOURCES: StaticCell<StackResources<4>> = StaticCell::new();
    let seed = rand_core::RngCore::next_u64(&mut rng);
    let (stack, runner) = embassy_net::new(
        net_device,
        Config::dhcpv4(Default::default()),
        RESOURCES.init(StackResources::new()),
        seed,
    );
    spawner.spawn(unwrap!(net_task(runner)));
    spawner.spawn(unwrap!(led::wifi_and_led(control, stack)));
    STATE.signal(Shown::Joining);

    let client_config = match SETTINGS.client_config() {
        Ok(config) => config,
        // The build ran this same check and names the variable at fault (see build.rs).
        Err(_) => {
            error!("configuration unusable: rebuild to see why");
            STATE.signal(Shown::Device(DeviceState::Undelivered));
            loop {
                Timer::after_secs(3_600).await;
            }
        }
    };
    stack.wait_config_up().await;
    info!("network up: {}", stack.config_v4().map(|c| c.address));

    static TCP_STATE: StaticCell<TcpClientState<1, SOCKET_BUFFER, SOCKET_BUFFER>> =
        StaticCell::new();
    static POOL: StaticCell<Pool> = StaticCell::new();
    let mut pool = TcpClient::new(stack, TCP_STATE.init(TcpClientState::new()));
    pool.set_timeout(Some(embassy_time::Duration::from_secs(
        DEFAULT_SOCKET_TIMEOUT.as_secs(),
    )));
    let pool: &'static Pool = POOL.init(pool);
    let connector = TcpConnector::new(stack, pool, SETTINGS.host(), 443);
    static BUFFERS: ConstStaticCell<Buffers> = ConstStaticCell::new(Buffers::new());
    let client: Client<'static, _, _, _> = Client::new(
        client_config,
        connector,
        RoscRng,
        EmbassySleeper,
        BUFFERS.take(),
    );

    let channel = if sensor::EXTERNAL.is_some() {
        info!("sensor: external, GPIO 26");
        adc::Channel::new_pin(p.PIN_26, Pull::None)
    } else {
        adc::Channel::new_temp_sensor(p.ADC_TEMP_SENSOR)
    };
    let sensor = BoardSensor {
        adc: Adc::new(p.ADC, Irqs, adc::Config::default()),
        channel,
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
        Led,
    ) {
        Ok(device) => device,
        // As above: the build checked the levels.
        Err(_) => {
            error!("alert levels inconsistent: rebuild to see why");
            STATE.signal(Shown::Device(DeviceState::SensorFault));
            loop {
                Timer::after_secs(3_600).await;
            }
        }
    };
    thresholds.log();
    info!("time of day from {}", NTP_SERVER);
    let mut device = device.with_time_source(time);
    device
        .run(&mut EmbassyTicker::every_secs(thresholds.sample_secs))
        .await
}
