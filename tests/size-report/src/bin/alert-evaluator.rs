//! The threshold evaluator over integer readings (hysteresis, debounce, cooldown, severities).
#![no_std]
#![no_main]

use size_report::opaque;
use twilio_core::alerting::{Config, Debounce, Evaluator, Instant};

size_report::entry!(|| {
    let config = Config {
        debounce: Debounce {
            samples: 3,
            hold_ms: 1000,
        },
        cooldown_ms: 600_000,
        ..Config::rising(Some(900_i32), Some(1000), 20)
    };
    let Ok(mut evaluator) = Evaluator::new(opaque(config)) else {
        return;
    };
    let readings: &[i32] = opaque(&[850, 905, 1001, 700]);
    for (i, value) in readings.iter().enumerate() {
        opaque(evaluator.observe(*value, Instant(opaque(i as u64))));
    }
});
