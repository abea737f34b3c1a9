//! The loop both boards run: read the sensor, feed the core's threshold
//! [`Evaluator`](twilio_core::alerting::Evaluator), send what it raises through the device client
//! (warning -> SMS, critical -> voice call, cleared -> SMS) and show the state on an indicator.
//!
//! The hardware comes in through small traits ([`Sensor`], [`Notifier`], [`Indicator`], and
//! [`TimeSource`] for the time of day) and uptime through a `now` argument, so the loop is tested
//! on the host with fakes and a manual clock while the Pico W and ESP32-C3 firmware only wire
//! their peripherals to it.
//!
//! ```
//! use twilio_core::alerting::{Config, Instant};
//! use twilio_embedded::{Alert, ClientError, client::Delivery};
//! use alert_loop::{AlertLoop, DeviceState, Indicator, Notifier, Sensor, StepError};
//!
//! struct Thermometer(i32); // tenths of a degree
//! impl Sensor for Thermometer {
//!     type Error = ();
//!     async fn read(&mut self) -> Result<i32, ()> { Ok(self.0) }
//! }
//! struct Log(Vec<Alert>);
//! impl Notifier for Log {
//!     async fn send(&mut self, alert: Alert) -> Result<Delivery, ClientError> {
//!         self.0.push(alert);
//!         Ok(Delivery { completed: 1, ..Delivery::default() })
//!     }
//!     async fn flush(&mut self) -> Result<Delivery, ClientError> { Ok(Delivery::default()) }
//!     fn queued(&self) -> usize { 0 }
//! }
//! struct Led(DeviceState);
//! impl Indicator for Led {
//!     async fn show(&mut self, state: DeviceState) { self.0 = state; }
//! }
//!
//! # fn block_on<F: core::future::Future>(f: F) -> F::Output {
//! #     let mut f = core::pin::pin!(f);
//! #     let mut cx = core::task::Context::from_waker(core::task::Waker::noop());
//! #     loop { if let core::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v; } }
//! # }
//! let config = Config::rising(Some(450), Some(600), 20); // SMS at 45 C, call at 60 C
//! let mut device = AlertLoop::new("Pico W", "C", config, Thermometer(610), Log(Vec::new()), Led(DeviceState::Normal))
//!     .map_err(|_| "bad thresholds")?;
//! let step = block_on(device.step(Instant(0)));
//! assert_eq!(step.state, DeviceState::Critical);
//! assert_eq!(device.notifier().0[0].text(), "Pico W: 61.0 C reached the critical level 60.0 C");
//! # Ok::<(), &str>(())
//! ```
#![no_std]
#![deny(missing_docs)]

#[cfg(test)]
extern crate std;

#[macro_use]
mod fmt;

pub mod adc;
#[cfg(feature = "embassy")]
mod embassy;
mod ports;
mod runner;
pub mod settings;
mod tenths;
pub mod time;

#[cfg(feature = "embassy")]
pub use embassy::{EmbassyTicker, SntpBuffers, SntpClock};
pub use ports::{DeviceState, Indicator, NoTime, Notifier, Sensor, Ticker, TimeSource};
pub use runner::{AlertLoop, Step, StepError};
pub use tenths::Tenths;
