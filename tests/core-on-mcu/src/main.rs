//! twilio-core's tests on a Cortex-M0: no std, no heap, 32-bit `usize`, 16 KiB of RAM.
//! Segments, smart encoding, fitting, templates, TwiML, the threshold evaluator, request
//! encoding (exact bytes), response parsing and classification (recorded responses) and webhook
//! signature validation.
//!
//! Runs every case in [`cases::ALL`], prints one line per case over semihosting and exits 0
//! only if all pass (`cargo run` in this directory runs it under qemu-system-arm).
#![no_std]
#![no_main]

mod cases;

use core::panic::PanicInfo;

use cortex_m_rt::entry;
use cortex_m_semihosting::{debug, hprintln};

/// A failed check: where, and what.
pub struct Failure {
    /// `file:line` of the check.
    pub at: &'static str,
    /// The condition that did not hold.
    pub what: &'static str,
}

/// What a case returns.
pub type Outcome = Result<(), Failure>;

/// Fails the case with its location unless the condition holds.
#[macro_export]
macro_rules! check {
    ($cond:expr) => {
        if !$cond {
            return Err($crate::Failure {
                at: concat!(file!(), ":", line!()),
                what: stringify!($cond),
            });
        }
    };
}

#[entry]
fn main() -> ! {
    let mut failed = 0u32;
    for (name, case) in cases::ALL {
        match case() {
            Ok(()) => hprintln!("test {} ... ok", name),
            Err(f) => {
                failed += 1;
                hprintln!("test {} ... FAILED at {}: {}", name, f.at, f.what);
            }
        }
    }
    let total = u32::try_from(cases::ALL.len()).unwrap_or(u32::MAX);
    hprintln!("{} passed, {} failed", total - failed, failed);
    debug::exit(if failed == 0 {
        debug::EXIT_SUCCESS
    } else {
        debug::EXIT_FAILURE
    });
    #[allow(clippy::empty_loop)]
    loop {}
}

#[panic_handler]
fn panic(info: &PanicInfo<'_>) -> ! {
    hprintln!("panicked: {}", info);
    debug::exit(debug::EXIT_FAILURE);
    #[allow(clippy::empty_loop)]
    loop {}
}
