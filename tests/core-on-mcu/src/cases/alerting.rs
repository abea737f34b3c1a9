//! The threshold evaluator, with integer readings (no FPU) and with floats (soft-float).

use twilio_core::alerting::{AlertEvent, Channel, Config, Debounce, Evaluator, Instant, Severity};

use crate::{Outcome, check};

pub fn flapping_alerts_once() -> Outcome {
    // Readings in tenths of a degree crossing 90.0 twenty times, within the 2.0 hysteresis band.
    let Ok(mut e) = Evaluator::new(Config::rising(Some(900_i32), Some(1000), 20)) else {
        check!(false);
        return Ok(());
    };
    let mut raised = 0;
    let mut cleared = 0;
    for i in 0..40u64 {
        let value = if i % 2 == 0 { 905 } else { 895 };
        match e.observe(value, Instant(i * 1000)) {
            Some(AlertEvent::Raised { .. }) => raised += 1,
            Some(AlertEvent::Cleared { .. }) => cleared += 1,
            None => {}
        }
    }
    check!(raised == 1 && cleared == 0);
    // Debounced: a two-sample requirement ignores single-sample spikes entirely.
    let config = Config {
        debounce: Debounce {
            samples: 2,
            hold_ms: 0,
        },
        ..Config::rising(Some(900_i32), None, 0)
    };
    let Ok(mut spiky) = Evaluator::new(config) else {
        check!(false);
        return Ok(());
    };
    for i in 0..40u64 {
        let value = if i % 2 == 0 { 950 } else { 850 };
        check!(spiky.observe(value, Instant(i)).is_none());
    }
    let clear = e.observe(850, Instant(50_000));
    check!(matches!(
        clear,
        Some(AlertEvent::Cleared {
            severity: Severity::Warning,
            ..
        })
    ));
    Ok(())
}

pub fn cooldown_and_escalation() -> Outcome {
    let config = Config {
        cooldown_ms: 600_000,
        ..Config::rising(Some(90_i64), Some(100), 1)
    };
    let Ok(mut e) = Evaluator::new(config) else {
        check!(false);
        return Ok(());
    };
    check!(e.observe(95, Instant::from_secs(0)).map(|a| a.channel()) == Some(Channel::Sms));
    let call = e.observe(101, Instant::from_secs(10));
    check!(call.map(|a| a.channel()) == Some(Channel::VoiceCall));
    check!(matches!(
        e.observe(50, Instant::from_secs(20)),
        Some(AlertEvent::Cleared { .. })
    ));
    // Back within the cooldown: held back until it ends.
    check!(e.observe(101, Instant::from_secs(30)).is_none());
    check!(e.observe(101, Instant::from_secs(600)).is_none());
    check!(e.observe(101, Instant::from_secs(610)).is_some());
    Ok(())
}

pub fn float_readings() -> Outcome {
    let Ok(mut e) = Evaluator::new(Config::falling(Some(-3.0_f32), Some(-7.0), 0.5)) else {
        check!(false);
        return Ok(());
    };
    check!(e.observe(-1.0, Instant(0)).is_none());
    let warn = e.observe(-3.2, Instant(1));
    check!(matches!(
        warn,
        Some(AlertEvent::Raised {
            severity: Severity::Warning,
            ..
        })
    ));
    check!(e.observe(-2.8, Instant(2)).is_none());
    check!(e.observe(f32::NAN, Instant(3)).is_none());
    check!(matches!(
        e.observe(-2.0, Instant(4)),
        Some(AlertEvent::Cleared { .. })
    ));
    Ok(())
}
