//! The loop on the host: a scripted sensor, a recording notifier (or the real client over a
//! network that is down), a recording indicator and a manual clock.
// Test helpers fail the test by panicking.
#![allow(clippy::panic)]

use core::future::Future;
use core::pin::pin;
use core::task::{Context, Poll, Waker};
use core::time::Duration;
use std::collections::VecDeque;

use alert_loop::time::TimeError;
use alert_loop::{
    AlertLoop, DeviceState, Indicator, Notifier, Sensor, StepError, Ticker, TimeSource,
};
use twilio_core::alerting::{AlertEvent, Channel, Config, Debounce, Instant, Severity};
use twilio_core::auth::Credentials;
use twilio_embedded::client::{AlertKind, Delivery, RaisedAt};
use twilio_embedded::retry::Sleeper;
use twilio_embedded::tls::{CertificateClock, ServerVerification, TrustAnchors};
use twilio_embedded::transport::{Connect, ConnectError};
use twilio_embedded::{Alert, Buffers, Client, ClientConfig, ClientError, Recipient};

/// Every fake here is ready at once, so polling to completion never spins.
fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(v) = future.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

/// Gives the scripted readings in order (`None` is a failed read).
struct ScriptedSensor(VecDeque<Option<i32>>);

impl Sensor for ScriptedSensor {
    type Error = &'static str;
    async fn read(&mut self) -> Result<i32, Self::Error> {
        self.0.pop_front().flatten().ok_or("adc")
    }
}

/// Records alerts; "sends" them unless told the network is down (then queues them).
#[derive(Default)]
struct RecordingNotifier {
    sent: Vec<Alert>,
    queue: Vec<Alert>,
    offline: bool,
    flushes: usize,
}

impl Notifier for RecordingNotifier {
    async fn send(&mut self, alert: Alert) -> Result<Delivery, ClientError> {
        self.queue.push(alert);
        self.flush().await
    }
    async fn flush(&mut self) -> Result<Delivery, ClientError> {
        self.flushes += 1;
        if self.offline {
            return Ok(Delivery {
                queued: self.queue.len(),
                ..Delivery::default()
            });
        }
        let completed = self.queue.len();
        self.sent.append(&mut self.queue);
        Ok(Delivery {
            completed,
            ..Delivery::default()
        })
    }
    fn queued(&self) -> usize {
        self.queue.len()
    }
}

#[derive(Default)]
struct RecordingLed(Vec<DeviceState>);

impl Indicator for RecordingLed {
    async fn show(&mut self, state: DeviceState) {
        self.0.push(state);
    }
}

/// A manual clock: each tick is `period_ms` later, without sleeping.
struct ManualTicker {
    now_ms: u64,
    period_ms: u64,
}

impl Ticker for ManualTicker {
    async fn tick(&mut self) -> Instant {
        self.now_ms += self.period_ms;
        Instant(self.now_ms)
    }
}

fn config() -> Config<i32> {
    Config::rising(Some(450), Some(600), 20)
}

fn device(
    readings: &[Option<i32>],
    config: Config<i32>,
) -> AlertLoop<ScriptedSensor, RecordingNotifier, RecordingLed> {
    let sensor = ScriptedSensor(readings.iter().copied().collect());
    match AlertLoop::new(
        "Pico W",
        "C",
        config,
        sensor,
        RecordingNotifier::default(),
        RecordingLed::default(),
    ) {
        Ok(device) => device,
        Err(e) => panic!("valid config rejected: {e:?}"),
    }
}

fn run_steps<S: Sensor, N: Notifier, I: Indicator>(
    device: &mut AlertLoop<S, N, I>,
    ticker: &mut ManualTicker,
    n: usize,
) -> Vec<alert_loop::Step> {
    (0..n)
        .map(|_| {
            let now = block_on(ticker.tick());
            block_on(device.step(now))
        })
        .collect()
}

#[test]
fn warning_texts_critical_calls_and_cleared_texts_once_each() {
    let readings = [300, 460, 470, 615, 620, 500, 400, 300].map(Some);
    let mut device = device(&readings, config());
    let mut ticker = ManualTicker {
        now_ms: 0,
        period_ms: 10_000,
    };
    let steps = run_steps(&mut device, &mut ticker, readings.len());

    let sent = &device.notifier().sent;
    let texts: Vec<&str> = sent.iter().map(Alert::text).collect();
    assert_eq!(
        texts,
        [
            "Pico W: 46.0 C reached the warning level 45.0 C",
            "Pico W: 61.5 C reached the critical level 60.0 C",
            "Pico W: back to normal (40.0 C)",
        ]
    );
    let channels: Vec<Channel> = sent.iter().map(Alert::channel).collect();
    assert_eq!(channels, [Channel::Sms, Channel::VoiceCall, Channel::Sms]);
    assert_eq!(sent[2].kind(), AlertKind::Cleared);

    let states: Vec<DeviceState> = steps.iter().map(|s| s.state).collect();
    assert_eq!(
        states,
        [
            DeviceState::Normal,
            DeviceState::Warning,
            DeviceState::Warning,
            DeviceState::Critical,
            DeviceState::Critical,
            DeviceState::Warning, // 50 is still above 45 - 2 hysteresis ... and below 60 - 2
            DeviceState::Normal,
            DeviceState::Normal,
        ]
    );
    assert_eq!(device.indicator().0, states);
    assert!(matches!(
        steps[3].event,
        Some(AlertEvent::Raised {
            severity: Severity::Critical,
            at: Instant(40_000),
            ..
        })
    ));
}

#[test]
fn debounce_and_cooldown_follow_the_injected_clock() {
    let config = Config {
        debounce: Debounce {
            samples: 3,
            hold_ms: 0,
        },
        cooldown_ms: 60_000,
        ..config()
    };
    let readings = [500, 300, 500, 500, 500, 300, 300, 300, 500, 500, 500].map(Some);
    let mut device = device(&readings, config);
    let mut ticker = ManualTicker {
        now_ms: 0,
        period_ms: 5_000,
    };
    let steps = run_steps(&mut device, &mut ticker, readings.len());
    let raised_at: Vec<usize> = steps
        .iter()
        .enumerate()
        .filter(|(_, s)| matches!(s.event, Some(AlertEvent::Raised { .. })))
        .map(|(i, _)| i)
        .collect();
    // A single spike does not alert; three in a row do. The second episode, 30 s later, is
    // inside the 60 s cooldown and sends nothing new.
    assert_eq!(raised_at, [4]);
    assert_eq!(device.notifier().sent.len(), 2, "warning, then cleared");
}

#[test]
fn a_failed_read_is_reported_and_the_loop_carries_on() {
    let mut device = device(&[None, Some(700)], config());
    let mut ticker = ManualTicker {
        now_ms: 0,
        period_ms: 1_000,
    };
    let steps = run_steps(&mut device, &mut ticker, 2);
    assert_eq!(steps[0].error, Some(StepError::Sensor));
    assert_eq!(steps[0].state, DeviceState::SensorFault);
    assert_eq!(steps[0].reading, None);
    assert_eq!(steps[1].reading, Some(700));
    assert_eq!(steps[1].state, DeviceState::Critical);
    assert_eq!(device.notifier().sent.len(), 1);
}

#[test]
fn alerts_raised_offline_wait_and_go_out_when_the_network_is_back() {
    let readings = [610, 610, 610, 610].map(Some);
    let mut device = device(&readings, config());
    device.notifier_mut().offline = true;
    let mut ticker = ManualTicker {
        now_ms: 0,
        period_ms: 1_000,
    };
    let steps = run_steps(&mut device, &mut ticker, 2);
    assert_eq!(steps[0].state, DeviceState::Undelivered);
    assert_eq!(steps[1].state, DeviceState::Undelivered);
    assert_eq!(
        device.notifier().flushes,
        2,
        "the second step retries the queue"
    );
    assert!(device.notifier().sent.is_empty());

    device.notifier_mut().offline = false;
    let steps = run_steps(&mut device, &mut ticker, 1);
    assert_eq!(steps[0].delivery.as_ref().map(|d| d.completed), Some(1));
    assert_eq!(steps[0].state, DeviceState::Critical);
    assert_eq!(device.notifier().sent[0].channel(), Channel::VoiceCall);

    // Nothing queued and nothing new: no request at all.
    let steps = run_steps(&mut device, &mut ticker, 1);
    assert_eq!(steps[0].delivery, None);
    assert_eq!(device.notifier().flushes, 3);
}

#[test]
fn run_takes_one_step_per_tick() {
    /// Ticks `budget` times, then waits forever (so polling `run` once returns Pending).
    struct BudgetTicker(ManualTicker, usize);
    impl Ticker for BudgetTicker {
        async fn tick(&mut self) -> Instant {
            if self.1 == 0 {
                core::future::pending::<()>().await;
            }
            self.1 -= 1;
            self.0.tick().await
        }
    }
    let mut device = device(&[Some(460), Some(610), Some(300)], config());
    let mut ticker = BudgetTicker(
        ManualTicker {
            now_ms: 0,
            period_ms: 1_000,
        },
        3,
    );
    {
        let mut run = pin!(device.run(&mut ticker));
        let mut cx = Context::from_waker(Waker::noop());
        assert!(run.as_mut().poll(&mut cx).is_pending());
    }
    assert_eq!(
        device.indicator().0,
        [
            DeviceState::Warning,
            DeviceState::Critical,
            DeviceState::Normal
        ]
    );
    assert_eq!(device.notifier().sent.len(), 3);
    assert_eq!(ticker.0.now_ms, 3_000);
}

// --- The real client over a network that is down ---

struct NoNetwork;

/// Never constructed: connecting always fails.
struct NoStream;
impl embedded_io::ErrorType for NoStream {
    type Error = embedded_io::ErrorKind;
}
impl embedded_io_async::Read for NoStream {
    async fn read(&mut self, _buf: &mut [u8]) -> Result<usize, Self::Error> {
        Err(embedded_io::ErrorKind::NotConnected)
    }
}
impl embedded_io_async::Write for NoStream {
    async fn write(&mut self, _buf: &[u8]) -> Result<usize, Self::Error> {
        Err(embedded_io::ErrorKind::NotConnected)
    }
    async fn flush(&mut self) -> Result<(), Self::Error> {
        Err(embedded_io::ErrorKind::NotConnected)
    }
}

impl Connect for NoNetwork {
    type Connection = NoStream;
    async fn connect(&mut self) -> Result<NoStream, ConnectError> {
        Err(ConnectError::NetworkDown)
    }
}

#[derive(Default)]
struct RecordingSleeper(Vec<Duration>);
impl Sleeper for &mut RecordingSleeper {
    async fn sleep(&mut self, duration: Duration) {
        self.0.push(duration);
    }
}

struct CountingRng(u64);
impl rand_core_06::RngCore for CountingRng {
    fn next_u32(&mut self) -> u32 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1);
        (self.0 >> 32) as u32
    }
    fn next_u64(&mut self) -> u64 {
        (u64::from(self.next_u32()) << 32) | u64::from(self.next_u32())
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        for (b, r) in dest
            .iter_mut()
            .zip(core::iter::repeat_with(|| self.next_u32().to_le_bytes()[0]))
        {
            *b = r;
        }
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core_06::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}
impl rand_core_06::CryptoRng for CountingRng {}

#[test]
fn the_real_client_keeps_a_critical_alert_queued_while_the_network_is_down() {
    let anchors: [&[u8]; 0] = [];
    let recipients = [Recipient::sms_and_voice("+14155550100")];
    let credentials = match Credentials::auth_token(
        "AC0123456789abcdef0123456789abcdef",
        "fedcba9876543210fedcba9876543210",
    ) {
        Ok(c) => c,
        Err(e) => panic!("credentials: {e:?}"),
    };
    let config = ClientConfig::twilio(
        credentials,
        "+15005550006",
        &recipients,
        ServerVerification::anchors(TrustAnchors::new(&anchors)),
    );
    let mut buffers = Buffers::new();
    let mut sleeper = RecordingSleeper::default();
    let client: Client<'_, _, _, _> = Client::new(
        config,
        NoNetwork,
        CountingRng(7),
        &mut sleeper,
        &mut buffers,
    );
    let sensor = ScriptedSensor([Some(650), Some(650)].into_iter().collect());
    let mut device = match AlertLoop::new(
        "Pico W",
        "C",
        super_config(),
        sensor,
        client,
        RecordingLed::default(),
    ) {
        Ok(d) => d,
        Err(e) => panic!("config: {e:?}"),
    };
    let first = block_on(device.step(Instant(1_000)));
    assert!(matches!(
        first.event,
        Some(AlertEvent::Raised {
            severity: Severity::Critical,
            ..
        })
    ));
    assert_eq!(first.delivery.as_ref().map(|d| d.queued), Some(1));
    assert_eq!(first.state, DeviceState::Undelivered);
    assert_eq!(device.notifier().queued(), 1);
    let second = block_on(device.step(Instant(2_000)));
    assert_eq!(
        second.event, None,
        "no new event: the queued call is retried instead"
    );
    assert_eq!(second.delivery.as_ref().map(|d| d.queued), Some(1));
    drop(device);
    assert!(
        sleeper.0.len() >= 2,
        "the client backed off between attempts: {:?}",
        sleeper.0
    );
}

/// Answers the loop's asks for the time from a script, while `up` says the network is.
struct ScriptedTime {
    answers: VecDeque<Result<u64, TimeError>>,
    up: bool,
    asks: usize,
}

impl TimeSource for ScriptedTime {
    async fn unix_ms(&mut self) -> Result<u64, TimeError> {
        self.asks += 1;
        self.answers.pop_front().unwrap_or(Err(TimeError::Timeout))
    }
    fn network_up(&self) -> bool {
        self.up
    }
}

#[test]
fn alerts_raised_before_the_time_was_known_are_dated_when_it_is() {
    // 2026-12-06 14:02:30 UTC
    const T_MS: u64 = 1_796_565_750_000;
    let anchors: [&[u8]; 0] = [];
    let recipients = [Recipient::sms_and_voice("+14155550100")];
    let Ok(credentials) = Credentials::auth_token(
        "AC0123456789abcdef0123456789abcdef",
        "fedcba9876543210fedcba9876543210",
    ) else {
        panic!("credentials");
    };
    let config = ClientConfig::twilio(
        credentials,
        "+15005550006",
        &recipients,
        ServerVerification::anchors(TrustAnchors::new(&anchors)),
    );
    let mut buffers = Buffers::new();
    let mut sleeper = RecordingSleeper::default();
    let client: Client<'_, _, _, _> = Client::new(
        config,
        NoNetwork,
        CountingRng(7),
        &mut sleeper,
        &mut buffers,
    );
    let sensor = ScriptedSensor([Some(650); 6].into_iter().collect());
    let Ok(device) = AlertLoop::new(
        "Pico W",
        "C",
        super_config(),
        sensor,
        client,
        RecordingLed::default(),
    ) else {
        panic!("config");
    };
    let time = ScriptedTime {
        answers: [Err(TimeError::Timeout), Ok(T_MS)].into_iter().collect(),
        up: true,
        asks: 0,
    };
    let mut device = device.with_time_source(time);
    let raised_at = |device: &AlertLoop<_, Client<'_, _, _, _>, _, _>| {
        device
            .notifier()
            .outbox()
            .front()
            .map(|q| q.alert.raised_at())
    };

    // No answer at boot: the alert keeps its uptime.
    let first = block_on(device.step(Instant(10_000)));
    assert!(first.event.is_some());
    assert_eq!(raised_at(&device), Some(RaisedAt::Uptime(10)));
    assert_eq!(device.unix_time(Instant(10_000)), None);
    assert_eq!(CertificateClock::unix_time(), None);
    // Asked again 30 s after the failure, not before.
    block_on(device.step(Instant(20_000)));
    assert_eq!(device.time_source_mut().asks, 1);
    block_on(device.step(Instant(40_000)));
    assert_eq!(device.time_source_mut().asks, 2);
    // The answer at uptime 40 s: the alert was raised 30 s before it.
    assert_eq!(raised_at(&device), Some(RaisedAt::Unix(1_796_565_720)));
    assert_eq!(device.unix_time(Instant(40_000)), Some(1_796_565_750));
    assert_eq!(CertificateClock::unix_time(), Some(1_796_565_750));
    // Kept from the uptime between asks.
    block_on(device.step(Instant(50_000)));
    assert_eq!(CertificateClock::unix_time(), Some(1_796_565_760));
    assert_eq!(device.time_source_mut().asks, 2);

    // The network goes and comes back: asked again (the script has no answer left).
    device.time_source_mut().up = false;
    block_on(device.step(Instant(60_000)));
    assert_eq!(device.time_source_mut().asks, 2);
    device.time_source_mut().up = true;
    block_on(device.step(Instant(70_000)));
    assert_eq!(device.time_source_mut().asks, 3);
    // A failed ask keeps the time learnt before.
    assert_eq!(CertificateClock::unix_time(), Some(1_796_565_780));
    CertificateClock::forget();
}

fn super_config() -> Config<i32> {
    config()
}

// --- Settings from the build-time configuration ---

mod settings {
    use alert_loop::settings::{Secret, Settings, SettingsError, Thresholds};
    use twilio_embedded::Recipient;

    const ANCHOR: &[u8] = b"not parsed until a handshake";
    const RECIPIENTS: &[Recipient<'static>] = &[
        Recipient::sms_and_voice("+14155550100"),
        Recipient::sms_only("+14155550101"),
    ];

    fn settings() -> Settings<'static> {
        Settings {
            device_name: "Pico W",
            account_sid: "AC0123456789abcdef0123456789abcdef",
            secret: Secret::AuthToken("fedcba9876543210fedcba9876543210"),
            from: "+15005550006",
            recipients: RECIPIENTS,
            api_host: None,
            anchors: &[ANCHOR],
            thresholds: Thresholds {
                warning: Some(450),
                critical: Some(600),
                hysteresis: 20,
                debounce_samples: 3,
                cooldown_secs: 900,
                sample_secs: 10,
            },
        }
    }

    #[test]
    fn twilio_by_default_and_a_relay_when_configured() {
        let config = settings().client_config().unwrap();
        assert_eq!(config.tls.server_name, "api.twilio.com");
        assert_eq!(config.recipients.len(), 2);
        assert_eq!(config.from, "+15005550006");
        assert_eq!(settings().host(), "api.twilio.com");

        let relay = Settings {
            api_host: Some("alertd.plant.example"),
            ..settings()
        };
        let config = relay.client_config().unwrap();
        assert_eq!(config.tls.server_name, "alertd.plant.example");
        assert_eq!(relay.host(), "alertd.plant.example");
    }

    #[test]
    fn bad_configuration_is_a_clear_error() {
        let bad_sid = Settings {
            account_sid: "AC123",
            ..settings()
        };
        assert!(matches!(
            bad_sid.client_config(),
            Err(SettingsError::Credentials(_))
        ));
        let bad_key = Settings {
            secret: Secret::ApiKey {
                sid: "SKnope",
                secret: "s3cret",
            },
            ..settings()
        };
        assert!(matches!(
            bad_key.client_config(),
            Err(SettingsError::Credentials(_))
        ));
        let key = Settings {
            secret: Secret::ApiKey {
                sid: "SK0123456789abcdef0123456789abcdef",
                secret: "simulator-api-key-secret",
            },
            ..settings()
        };
        assert!(key.client_config().is_ok());
        let no_anchor = Settings {
            anchors: &[],
            ..settings()
        };
        assert_eq!(
            no_anchor.client_config().err(),
            Some(SettingsError::NoTrustAnchors)
        );
        let bad_host = Settings {
            api_host: Some("bad host/"),
            ..settings()
        };
        assert!(matches!(
            bad_host.client_config(),
            Err(SettingsError::ApiHost(_))
        ));
    }

    #[test]
    fn evaluator_config_is_valid_and_rising() {
        let config = settings().evaluator_config();
        assert_eq!(config.warning, Some(450));
        assert_eq!(config.critical, Some(600));
        assert!(twilio_core::alerting::Evaluator::new(config).is_ok());
        let inverted = Settings {
            thresholds: Thresholds {
                warning: Some(700),
                ..settings().thresholds
            },
            ..settings()
        };
        assert!(twilio_core::alerting::Evaluator::new(inverted.evaluator_config()).is_err());
    }
}
