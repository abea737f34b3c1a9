//! One step of the loop: read, evaluate, send, show.

use twilio_core::alerting::{AlertEvent, Config, ConfigError, Evaluator, Instant, Severity};
use twilio_embedded::client::Delivery;
use twilio_embedded::tls::CertificateClock;
use twilio_embedded::{Alert, ClientError};

use crate::ports::{DeviceState, Indicator, NoTime, Notifier, Sensor, Ticker, TimeSource};
use crate::tenths::Tenths;
use crate::time::{TimeError, WallClock};

/// Why a step did not complete (the loop carries on at the next tick either way).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum StepError {
    /// The sensor did not give a reading.
    Sensor,
    /// The alert could not be sent at all (for example a bad phone number in the configuration).
    Client(ClientError),
}

/// What one step did.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// The reading in tenths, when the sensor gave one.
    pub reading: Option<i32>,
    /// What the evaluator raised or cleared.
    pub event: Option<AlertEvent<i32>>,
    /// What sending (or flushing the outbox) did, when anything was sent.
    pub delivery: Option<Delivery>,
    /// What the indicator now shows.
    pub state: DeviceState,
    /// What went wrong, if anything.
    pub error: Option<StepError>,
}

/// The sensor -> evaluator -> client loop of one device, and its time of day from `T`.
pub struct AlertLoop<S, N, I, T = NoTime> {
    subject: &'static str,
    unit: &'static str,
    evaluator: Evaluator<i32>,
    sensor: S,
    notifier: N,
    indicator: I,
    time: T,
    clock: WallClock,
}

impl<S: Sensor, N: Notifier, I: Indicator> AlertLoop<S, N, I, NoTime> {
    /// A loop that names the device `subject` in its texts, shows readings in `unit`, and alerts
    /// on `config`'s levels; fails when the levels are inconsistent.
    pub fn new(
        subject: &'static str,
        unit: &'static str,
        config: Config<i32>,
        sensor: S,
        notifier: N,
        indicator: I,
    ) -> Result<Self, ConfigError> {
        Ok(Self {
            subject,
            unit,
            evaluator: Evaluator::new(config)?,
            sensor,
            notifier,
            indicator,
            time: NoTime,
            clock: WallClock::default(),
        })
    }

    /// The loop, keeping the time of day from `time` (see [`crate::time`]): certificate dates
    /// are then checked and alerts carry when they were raised.
    pub fn with_time_source<T: TimeSource>(self, time: T) -> AlertLoop<S, N, I, T> {
        AlertLoop {
            subject: self.subject,
            unit: self.unit,
            evaluator: self.evaluator,
            sensor: self.sensor,
            notifier: self.notifier,
            indicator: self.indicator,
            time,
            clock: WallClock::default(),
        }
    }
}

impl<S: Sensor, N: Notifier, I: Indicator, T: TimeSource> AlertLoop<S, N, I, T> {
    /// Runs forever: one [`AlertLoop::step`] per tick of `ticker`.
    pub async fn run<K: Ticker>(&mut self, ticker: &mut K) -> ! {
        loop {
            let now = ticker.tick().await;
            self.step(now).await;
        }
    }

    /// Asks the time when due (see [`crate::time`]), reads the sensor once at `now`, sends the
    /// alert the evaluator raises (or retries the queued ones when nothing new happened) and
    /// updates the indicator.
    pub async fn step(&mut self, now: Instant) -> Step {
        self.keep_time(now).await;
        let mut step = Step {
            reading: None,
            event: None,
            delivery: None,
            state: DeviceState::Normal,
            error: None,
        };
        if let Ok(value) = self.sensor.read().await {
            info!("reading {}", Tenths::new(value, self.unit));
            step.reading = Some(value);
            step.event = self.evaluator.observe(value, now);
        } else {
            warn!("sensor read failed");
            step.error = Some(StepError::Sensor);
        }
        let sent = match step.event {
            Some(event) => {
                let raised = match event {
                    AlertEvent::Raised { at, .. } | AlertEvent::Cleared { at, .. } => at,
                };
                let alert = Alert::from_reading(self.subject, &self.shown(event))
                    .with_raised_at(self.clock.raised_at(raised));
                info!("alert: {}", alert.text());
                Some(self.notifier.send(alert).await)
            }
            None if self.notifier.queued() > 0 => Some(self.notifier.flush().await),
            None => None,
        };
        match sent {
            Some(Ok(delivery)) => step.delivery = Some(delivery),
            Some(Err(e)) => {
                // The fixed reason, not the error's formatting (see `ClientError::reason`); the
                // build checked the configuration the details would be about.
                warn!("alert not sent: {}", e.reason());
                step.error = Some(StepError::Client(e));
            }
            None => {}
        }
        step.state = self.state(step.error);
        self.indicator.show(step.state).await;
        step
    }

    /// Asks the time when due and sets the certificate clock from what is known.
    async fn keep_time(&mut self, now: Instant) {
        if self.clock.due(now, self.time.network_up()) {
            let was_known = self.clock.is_known();
            let learnt = match self.time.unix_ms().await {
                Ok(unix_ms) => {
                    let learnt = self.clock.learn(now, unix_ms);
                    if learnt {
                        info!("time of day set: {} s since 1970", unix_ms / 1_000);
                    } else {
                        warn!("time of day not set: {}", TimeError::Implausible.reason());
                    }
                    learnt
                }
                Err(e) => {
                    self.clock.failed(now);
                    warn!("time of day not set: {}", e.reason());
                    false
                }
            };
            if learnt && !was_known {
                let clock = self.clock;
                self.notifier
                    .date_queued(&|uptime| clock.unix_secs_at_uptime(uptime));
            }
        }
        // Only ever set from a server's answer: a loop without a time source leaves the
        // certificate clock to the firmware.
        if let Some(unix) = self.clock.unix_secs(now) {
            CertificateClock::set_unix_time(unix);
        }
    }

    /// The time of day at `now`, in seconds since 1970, once known.
    pub fn unix_time(&self, now: Instant) -> Option<u32> {
        self.clock.unix_secs(now)
    }

    /// The time source.
    pub fn time_source_mut(&mut self) -> &mut T {
        &mut self.time
    }

    /// The event with its values rounded for people.
    fn shown(&self, event: AlertEvent<i32>) -> AlertEvent<Tenths> {
        match event {
            AlertEvent::Raised {
                severity,
                value,
                level,
                at,
            } => AlertEvent::Raised {
                severity,
                value: Tenths::new(value, self.unit),
                level: Tenths::new(level, self.unit),
                at,
            },
            AlertEvent::Cleared {
                severity,
                value,
                at,
            } => AlertEvent::Cleared {
                severity,
                value: Tenths::new(value, self.unit),
                at,
            },
        }
    }

    /// Undelivered alerts and sensor faults outrank the level: they need someone to look.
    fn state(&self, error: Option<StepError>) -> DeviceState {
        if self.notifier.queued() > 0 || matches!(error, Some(StepError::Client(_))) {
            return DeviceState::Undelivered;
        }
        if error == Some(StepError::Sensor) {
            return DeviceState::SensorFault;
        }
        match self.evaluator.level() {
            None => DeviceState::Normal,
            Some(Severity::Warning) => DeviceState::Warning,
            Some(Severity::Critical) => DeviceState::Critical,
        }
    }

    /// The sensor.
    pub fn sensor_mut(&mut self) -> &mut S {
        &mut self.sensor
    }

    /// The notifier (the client on a board).
    pub fn notifier(&self) -> &N {
        &self.notifier
    }

    /// The notifier, to change (for example to fail or recover in a test).
    pub fn notifier_mut(&mut self) -> &mut N {
        &mut self.notifier
    }

    /// The indicator.
    pub fn indicator(&self) -> &I {
        &self.indicator
    }
}
