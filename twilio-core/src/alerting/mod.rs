//! Threshold alerting for sensor readings and market prices: rising or falling levels with
//! hysteresis, debounce (consecutive samples and/or a hold time), cooldown between alerts,
//! warning (SMS) and critical (voice call) severities, and a "cleared" event.
//!
//! Time is passed in as an [`Instant`] (milliseconds); nothing here reads a clock.
//!
//! ```
//! use twilio_core::alerting::{AlertEvent, Config, Debounce, Evaluator, Instant, Severity};
//!
//! // Tank level in tenths of a percent (integers: no soft-float on a Cortex-M0).
//! let config = Config {
//!     debounce: Debounce { samples: 2, hold_ms: 0 },
//!     ..Config::falling(Some(150_i32), Some(50), 20)
//! };
//! let mut tank = Evaluator::new(config).unwrap();
//! assert_eq!(tank.observe(140, Instant(0)), None); // first low sample: debouncing
//! let alert = tank.observe(139, Instant(1_000)).unwrap();
//! assert!(matches!(alert, AlertEvent::Raised { severity: Severity::Warning, level: 150, .. }));
//! ```

mod config;
mod evaluator;
mod percent;
mod reading;

pub use config::{Channel, Config, ConfigError, Debounce, Direction, Severity};
pub use evaluator::{AlertEvent, Evaluator};
pub use percent::PercentMove;
pub use reading::{Instant, Reading, percent_move};
