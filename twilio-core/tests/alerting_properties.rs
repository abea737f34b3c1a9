//! Property tests: whatever the readings, the evaluator's events tell a consistent story.

// Test helpers outside #[test] fns may panic: a panic is a test failure here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use proptest::prelude::*;
use twilio_core::alerting::{AlertEvent, Config, Debounce, Evaluator, Instant, Severity};

fn config() -> impl Strategy<Value = Config<i32>> {
    (any::<bool>(), 0i32..50, 1u16..4, 0u64..5_000, 0u64..60_000).prop_map(
        |(rising, hysteresis, samples, hold_ms, cooldown_ms)| {
            let base = if rising {
                Config::rising(Some(100), Some(200), hysteresis)
            } else {
                Config::falling(Some(100), Some(0), hysteresis)
            };
            Config {
                debounce: Debounce { samples, hold_ms },
                cooldown_ms,
                ..base
            }
        },
    )
}

fn readings() -> impl Strategy<Value = Vec<(u64, i32)>> {
    proptest::collection::vec((0u64..10_000, -100i32..300), 0..300)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn events_form_well_formed_episodes(config in config(), steps in readings()) {
        let cooldown = config.cooldown_ms;
        let mut evaluator = Evaluator::new(config).unwrap();
        let mut now = 0u64;
        let mut told: Option<Severity> = None;
        let mut last_raised: Option<(u64, Severity)> = None;
        for (dt, value) in steps {
            now += dt;
            match evaluator.observe(value, Instant(now)) {
                Some(AlertEvent::Raised { severity, at, .. }) => {
                    prop_assert_eq!(at, Instant(now));
                    // Within an episode only escalations notify.
                    prop_assert!(told < Some(severity));
                    // No repeat of the same or a lower severity inside the cooldown.
                    if let Some((t, s)) = last_raised {
                        prop_assert!(severity > s || now - t >= cooldown);
                    }
                    told = Some(severity);
                    last_raised = Some((now, severity));
                }
                Some(AlertEvent::Cleared { severity, .. }) => {
                    // A clear closes an episode that was announced, with what was announced.
                    prop_assert_eq!(Some(severity), told);
                    told = None;
                }
                None => {}
            }
            prop_assert_eq!(evaluator.notified(), told);
        }
    }

    #[test]
    fn steady_readings_settle(config in config(), value in -100i32..300) {
        // The same reading forever gives at most one event, once debounced.
        let mut evaluator = Evaluator::new(config).unwrap();
        let events = (0..10u64)
            .filter_map(|i| evaluator.observe(value, Instant(i * 10_000)))
            .count();
        prop_assert!(events <= 1);
    }
}
