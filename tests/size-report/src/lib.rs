//! Shared pieces of the size-report binaries: the panic handler and the `entry!` macro.
//!
//! Adding a path to the report is one file in `src/bin/`:
//!
//! ```ignore
//! #![no_std]
//! #![no_main]
//! size_report::entry!(|| {
//!     // call the public API under measurement with inputs passed through `black_box`
//! });
//! ```
#![no_std]

/// Defines the program entry point, which runs `$body` once and then parks.
#[macro_export]
macro_rules! entry {
    ($body:expr) => {
        #[unsafe(no_mangle)]
        pub extern "C" fn _start() -> ! {
            let body: fn() = $body;
            body();
            loop {
                core::hint::spin_loop();
            }
        }
    };
}

/// Hides a value from the optimizer so the measured code is really linked in.
pub use core::hint::black_box as opaque;

#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    loop {
        core::hint::spin_loop();
    }
}

/// Doubles for the twilio-embedded binaries.
pub mod embedded;
