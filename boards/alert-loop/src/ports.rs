//! What the loop needs from a board: a sensor, a way to send alerts, an indicator and a tick.

use twilio_core::alerting::Instant;
use twilio_embedded::client::Delivery;
use twilio_embedded::client::RaisedAt;
use twilio_embedded::retry::Sleeper;
use twilio_embedded::transport::Connect;
use twilio_embedded::{Alert, Client, ClientError};

use crate::time::TimeError;

/// A sensor that gives one reading (degrees Celsius on both boards) when asked.
// Single-threaded executors are the target: no `Send` bound is wanted on the futures.
#[allow(async_fn_in_trait)]
pub trait Sensor {
    /// Why a reading failed (an ADC error); the loop logs it and tries again next tick.
    type Error: core::fmt::Debug;

    /// Takes one reading, in tenths of the unit (45.5 C is 455: see [`crate::Tenths`]).
    async fn read(&mut self) -> Result<i32, Self::Error>;
}

/// Sends alerts: [`twilio_embedded::Client`] on the boards, a recorder in tests.
#[allow(async_fn_in_trait)]
pub trait Notifier {
    /// Sends `alert` to every recipient on its channel (SMS or call), queuing what cannot go now.
    async fn send(&mut self, alert: Alert) -> Result<Delivery, ClientError>;

    /// Sends what is queued from earlier failures.
    async fn flush(&mut self) -> Result<Delivery, ClientError>;

    /// Alerts waiting to be sent.
    fn queued(&self) -> usize;

    /// Gives each waiting alert raised before the time of day was known
    /// ([`RaisedAt::Uptime`]) its time: `unix_secs(uptime)`. Called once, when the time becomes
    /// known. A notifier that keeps nothing has nothing to do.
    fn date_queued(&mut self, unix_secs: &dyn Fn(u32) -> Option<u32>) {
        let _ = unix_secs;
    }
}

impl<C, R, S, const OUTBOX: usize> Notifier for Client<'_, C, R, S, OUTBOX>
where
    C: Connect,
    R: embedded_tls::CryptoRngCore,
    S: Sleeper,
{
    async fn send(&mut self, alert: Alert) -> Result<Delivery, ClientError> {
        Client::send(self, alert).await
    }

    async fn flush(&mut self) -> Result<Delivery, ClientError> {
        self.flush_outbox().await
    }

    fn queued(&self) -> usize {
        self.outbox().len()
    }

    fn date_queued(&mut self, unix_secs: &dyn Fn(u32) -> Option<u32>) {
        for queued in self.outbox_mut().iter_mut() {
            if let RaisedAt::Uptime(uptime) = queued.alert.raised_at()
                && let Some(unix) = unix_secs(uptime)
            {
                queued.alert.set_raised_at(RaisedAt::Unix(unix));
            }
        }
    }
}

/// What the device shows: the Pico W drives its LED from this, the ESP32-C3 logs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum DeviceState {
    /// The reading is below every level.
    Normal,
    /// The warning level is reached (an SMS went out).
    Warning,
    /// The critical level is reached (a call went out).
    Critical,
    /// Alerts are waiting in the outbox: the network or Twilio is unreachable, or the
    /// configuration is wrong (see the logs).
    Undelivered,
    /// The sensor could not be read.
    SensorFault,
}

/// Shows a [`DeviceState`].
#[allow(async_fn_in_trait)]
pub trait Indicator {
    /// Shows `state` until the next call.
    async fn show(&mut self, state: DeviceState);
}

/// The loop's clock: waits for the next sampling time and says what time it is.
#[allow(async_fn_in_trait)]
pub trait Ticker {
    /// Waits for the next tick and returns the time then.
    async fn tick(&mut self) -> Instant;
}

/// Where the time of day comes from: an SNTP server on the boards
/// (`SntpClock`, with the `embassy` feature), a script in tests.
#[allow(async_fn_in_trait)]
pub trait TimeSource {
    /// Asks for the time: milliseconds since 1970-01-01 UTC, as of the answer.
    async fn unix_ms(&mut self) -> Result<u64, TimeError>;

    /// True while the network is up: the loop only asks then, and asks again when it is back
    /// after a loss.
    fn network_up(&self) -> bool;
}

/// No time source: the time of day stays unknown (certificate dates unchecked, alerts without
/// a time). What [`AlertLoop::new`](crate::AlertLoop::new) starts with.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoTime;

impl TimeSource for NoTime {
    async fn unix_ms(&mut self) -> Result<u64, TimeError> {
        Err(TimeError::NoSource)
    }

    fn network_up(&self) -> bool {
        false
    }
}
