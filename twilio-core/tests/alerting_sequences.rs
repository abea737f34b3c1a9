//! The evaluator over scripted reading sequences.
// Test helpers outside #[test] fns may panic: a panic is a test failure here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use twilio_core::alerting::{
    AlertEvent, Channel, Config, ConfigError, Debounce, Evaluator, Instant, Severity, percent_move,
};

/// Feeds `(seconds, value)` readings and returns the events with their times.
fn run<T: twilio_core::alerting::Reading>(
    evaluator: &mut Evaluator<T>,
    readings: impl IntoIterator<Item = (u64, T)>,
) -> Vec<AlertEvent<T>> {
    readings
        .into_iter()
        .filter_map(|(s, v)| evaluator.observe(v, Instant::from_secs(s)))
        .collect()
}

fn kinds<T>(events: &[AlertEvent<T>]) -> Vec<(&'static str, Severity, u64)> {
    events
        .iter()
        .map(|e| match e {
            AlertEvent::Raised { severity, at, .. } => ("raised", *severity, at.0 / 1000),
            AlertEvent::Cleared { severity, at, .. } => ("cleared", *severity, at.0 / 1000),
        })
        .collect()
}

#[test]
fn flapping_around_the_limit_alerts_once() {
    let mut e = Evaluator::new(Config::rising(Some(90.0_f32), None, 2.0)).unwrap();
    // 40 readings alternating 89.5 / 90.5: crosses the limit 20 times.
    let readings = (0..40).map(|i| (i, if i % 2 == 0 { 90.5 } else { 89.5 }));
    let events = run(&mut e, readings);
    assert_eq!(kinds(&events), [("raised", Severity::Warning, 0)]);
    // Back well below the band: exactly one clear.
    let events = run(&mut e, [(40, 87.0), (41, 86.0), (42, 85.0)]);
    assert_eq!(kinds(&events), [("cleared", Severity::Warning, 40)]);
}

#[test]
fn debounce_by_samples_ignores_spikes() {
    let config = Config {
        debounce: Debounce {
            samples: 3,
            hold_ms: 0,
        },
        ..Config::rising(Some(90.0_f32), None, 0.0)
    };
    let mut e = Evaluator::new(config).unwrap();
    // Single and double spikes never last 3 samples; without hysteresis each crossing counts.
    let spikes = [95.0, 80.0, 95.0, 95.0, 80.0, 95.0, 80.0];
    assert!(
        run(
            &mut e,
            spikes.into_iter().enumerate().map(|(i, v)| (i as u64, v))
        )
        .is_empty()
    );
    let events = run(&mut e, [(10, 91.0), (11, 92.0), (12, 93.0), (13, 94.0)]);
    assert_eq!(kinds(&events), [("raised", Severity::Warning, 12)]);
}

#[test]
fn debounce_by_hold_time() {
    let config = Config {
        debounce: Debounce {
            samples: 1,
            hold_ms: 30_000,
        },
        ..Config::rising(Some(90.0_f32), None, 0.0)
    };
    let mut e = Evaluator::new(config).unwrap();
    let events = run(
        &mut e,
        [(0, 95.0), (10, 95.0), (20, 95.0), (29, 95.0), (30, 95.0)],
    );
    assert_eq!(kinds(&events), [("raised", Severity::Warning, 30)]);
    // Clearing is debounced too: a 20 s dip does not clear.
    let events = run(
        &mut e,
        [(40, 80.0), (60, 95.0), (70, 80.0), (99, 80.0), (100, 80.0)],
    );
    assert_eq!(kinds(&events), [("cleared", Severity::Warning, 100)]);
}

#[test]
fn cooldown_holds_back_a_repeat_then_sends_it_if_still_true() {
    let config = Config {
        cooldown_ms: 600_000,
        ..Config::rising(Some(90.0_f32), Some(100.0), 1.0)
    };
    let mut e = Evaluator::new(config).unwrap();
    let events = run(
        &mut e,
        [
            (0, 95.0),   // raised
            (60, 80.0),  // cleared
            (120, 95.0), // within cooldown: held back
            (180, 80.0), // never told, so no clear either
            (240, 95.0), // held back
            (599, 95.0), // still held back
            (600, 95.0), // cooldown over, still true: raised
        ],
    );
    assert_eq!(
        kinds(&events),
        [
            ("raised", Severity::Warning, 0),
            ("cleared", Severity::Warning, 60),
            ("raised", Severity::Warning, 600),
        ]
    );
}

#[test]
fn escalation_is_not_held_back_by_a_warning_cooldown() {
    let config = Config {
        cooldown_ms: 600_000,
        ..Config::rising(Some(90.0_f32), Some(100.0), 1.0)
    };
    let mut e = Evaluator::new(config).unwrap();
    let events = run(
        &mut e,
        [(0, 95.0), (10, 101.0), (20, 99.5), (30, 95.0), (40, 102.0)],
    );
    assert_eq!(
        kinds(&events),
        [
            ("raised", Severity::Warning, 0),
            ("raised", Severity::Critical, 10),
        ]
    );
    assert_eq!(events[1].channel(), Channel::VoiceCall);
    assert_eq!(events[0].channel(), Channel::Sms);
    let events = run(&mut e, [(50, 50.0)]);
    assert_eq!(kinds(&events), [("cleared", Severity::Critical, 50)]);
    assert_eq!(events[0].channel(), Channel::Sms);
}

#[test]
fn straight_to_critical_carries_the_level() {
    let mut e = Evaluator::new(Config::rising(Some(90.0_f32), Some(100.0), 0.0)).unwrap();
    let event = e.observe(120.0, Instant(5)).unwrap();
    assert_eq!(
        event,
        AlertEvent::Raised {
            severity: Severity::Critical,
            value: 120.0,
            level: 100.0,
            at: Instant(5)
        }
    );
}

#[test]
fn falling_integer_readings() {
    // Battery in millivolts: warn at 3500, critical at 3300, 50 mV hysteresis.
    let mut e = Evaluator::new(Config::falling(Some(3500_i32), Some(3300), 50)).unwrap();
    let events = run(
        &mut e,
        [
            (0, 3700),
            (1, 3500),
            (2, 3520),
            (3, 3300),
            (4, 3340),
            (5, 3360),
            (6, 3551),
        ],
    );
    assert_eq!(
        kinds(&events),
        [
            ("raised", Severity::Warning, 1),
            ("raised", Severity::Critical, 3),
            ("cleared", Severity::Critical, 6),
        ]
    );
    assert_eq!(e.level(), None);
}

#[test]
fn trading_percent_moves() {
    // Alert on a drop of 3% (SMS) or 7% (call) from the open, 0.5 point hysteresis.
    let open = 250.0;
    let mut e = Evaluator::new(Config::falling(Some(-3.0_f64), Some(-7.0), 0.5)).unwrap();
    let prices = [250.0, 246.0, 242.0, 241.5, 232.0, 240.0, 245.0];
    let events = run(
        &mut e,
        prices
            .iter()
            .enumerate()
            .map(|(i, p)| (i as u64, percent_move(open, *p).unwrap())),
    );
    assert_eq!(
        kinds(&events),
        [
            ("raised", Severity::Warning, 2),
            ("raised", Severity::Critical, 4),
            ("cleared", Severity::Critical, 6),
        ]
    );
}

#[test]
fn nan_readings_change_nothing() {
    let mut e = Evaluator::new(Config::rising(Some(1.0_f32), None, 0.0)).unwrap();
    assert!(e.observe(2.0, Instant(0)).is_some());
    assert_eq!(e.observe(f32::NAN, Instant(1)), None);
    assert_eq!(e.level(), Some(Severity::Warning));
}

#[test]
fn clock_going_backwards_is_not_a_hold() {
    let config = Config {
        debounce: Debounce {
            samples: 1,
            hold_ms: 1_000,
        },
        ..Config::rising(Some(1_i64), None, 0)
    };
    let mut e = Evaluator::new(config).unwrap();
    assert_eq!(e.observe(5, Instant(10_000)), None);
    assert_eq!(e.observe(5, Instant(0)), None);
    assert!(e.observe(5, Instant(11_000)).is_some());
    e.reset();
    assert_eq!(e.level(), None);
}

#[test]
fn bad_configs_are_refused() {
    let err = |c: Config<f32>| Evaluator::new(c).unwrap_err();
    assert_eq!(err(Config::rising(None, None, 0.0)), ConfigError::NoLevels);
    assert_eq!(
        err(Config::rising(Some(1.0), None, -1.0)),
        ConfigError::InvalidHysteresis
    );
    assert_eq!(
        err(Config::rising(Some(1.0), None, f32::NAN)),
        ConfigError::InvalidHysteresis
    );
    assert_eq!(
        err(Config::rising(Some(f32::NAN), None, 0.0)),
        ConfigError::InvalidLevel
    );
    assert_eq!(
        err(Config::rising(Some(10.0), Some(5.0), 0.0)),
        ConfigError::CriticalBeforeWarning
    );
    assert_eq!(
        err(Config::falling(Some(5.0), Some(10.0), 0.0)),
        ConfigError::CriticalBeforeWarning
    );
    let zero = Config {
        debounce: Debounce {
            samples: 0,
            hold_ms: 0,
        },
        ..Config::rising(Some(1.0), None, 0.0)
    };
    assert_eq!(err(zero), ConfigError::ZeroDebounceSamples);
}
