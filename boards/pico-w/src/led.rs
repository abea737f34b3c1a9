//! The onboard LED (wired to the CYW43439's GPIO 0) shows the device state, and the same task
//! keeps Wi-Fi joined (both need the radio's `Control`).

use alert_loop::{DeviceState, Indicator};
use cyw43::{Control, JoinOptions};
use defmt::{info, warn};
use embassy_futures::select::select;
use embassy_net::Stack;
use embassy_sync::blocking_mutex::raw::CriticalSectionRawMutex;
use embassy_sync::signal::Signal;
use embassy_time::{Duration, Timer};

use crate::config::{WIFI_PASSWORD, WIFI_SSID};

/// What the LED shows, set by the alert loop.
pub static STATE: Signal<CriticalSectionRawMutex, Shown> = Signal::new();

/// The LED's states: the loop's, plus "joining Wi-Fi".
#[derive(Clone, Copy, PartialEq, Eq, defmt::Format)]
pub enum Shown {
    Joining,
    Device(DeviceState),
}

/// On and off times of each state's blink pattern, in milliseconds.
fn pattern(shown: Shown) -> (u64, u64) {
    match shown {
        Shown::Joining => (250, 250),
        Shown::Device(DeviceState::Normal) => (50, 1_950), // heartbeat blip
        Shown::Device(DeviceState::Warning) => (1_000, 0), // steady
        Shown::Device(DeviceState::Critical) => (100, 100), // fast blink
        Shown::Device(DeviceState::Undelivered) => (1_000, 1_000), // slow blink
        Shown::Device(DeviceState::SensorFault) => (50, 450),
    }
}

/// The alert loop's indicator: hands the state to the LED task.
pub struct Led;

impl Indicator for Led {
    async fn show(&mut self, state: DeviceState) {
        STATE.signal(Shown::Device(state));
    }
}

async fn join(control: &mut Control<'static>) {
    let options = if WIFI_PASSWORD.is_empty() {
        JoinOptions::new_open()
    } else {
        JoinOptions::new(WIFI_PASSWORD.as_bytes())
    };
    loop {
        info!("joining Wi-Fi {}", WIFI_SSID);
        match control.join(WIFI_SSID, options.clone()).await {
            Ok(()) => return,
            Err(e) => warn!("join failed: {}; again in 5 s", e),
        }
        Timer::after_secs(5).await;
    }
}

#[embassy_executor::task]
pub async fn wifi_and_led(mut control: Control<'static>, stack: Stack<'static>) -> ! {
    let mut shown = Shown::Joining;
    loop {
        if !stack.is_link_up() {
            control.gpio_set(0, true).await;
            join(&mut control).await;
        }
        let (on, off) = pattern(shown);
        control.gpio_set(0, true).await;
        if let embassy_futures::select::Either::Second(new) =
            select(Timer::after(Duration::from_millis(on)), STATE.wait()).await
        {
            shown = new;
            continue;
        }
        if off > 0 {
            control.gpio_set(0, false).await;
            if let embassy_futures::select::Either::Second(new) =
                select(Timer::after(Duration::from_millis(off)), STATE.wait()).await
            {
                shown = new;
            }
        }
    }
}
