//! Shared pieces of the size-report binaries: the panic handler, the compiler-runtime floor and
//! the `entry!` macro.
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
//!
//! Every binary made with `entry!` (the `baseline` too) also links [`runtime_floor`], so the
//! compiler runtime that every real firmware already has (memcpy, memset/memclr, 32-bit
//! division) is present in each image exactly once. A binary's `.text` over `baseline` is then
//! what its path adds to such a firmware: its own code, plus any runtime routine beyond that
//! floor it pulls in (64-bit multiply or division, memcmp ...). Without the floor in every
//! binary, a path that never divides would have the division routines it does not link
//! subtracted from its figure.
#![no_std]

/// Defines the program entry point, which links [`runtime_floor`], runs `$body` once and then
/// parks.
#[macro_export]
macro_rules! entry {
    ($body:expr) => {
        #[unsafe(no_mangle)]
        pub extern "C" fn _start() -> ! {
            $crate::runtime_floor();
            let body: fn() = $body;
            body();
            loop {
                core::hint::spin_loop();
            }
        }
    };
}

/// Like [`entry!`] but without [`runtime_floor`]: only `baseline-bare` uses it, to show the
/// size of that floor.
#[macro_export]
macro_rules! entry_bare {
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

/// Links the compiler runtime every firmware already has: `copy_from_slice` becomes memcpy,
/// `fill(0)` memclr, `/` and `%` on opaque `u32`s `__aeabi_uidivmod`.
#[inline(never)]
pub fn runtime_floor() {
    let mut a = [0u8; 256];
    let b = [0u8; 256];
    let dst: &mut [u8] = opaque(&mut a[..]);
    let src: &[u8] = opaque(&b[..]);
    let n = opaque(17usize).min(dst.len()).min(src.len());
    dst[..n].copy_from_slice(&src[..n]);
    opaque(&mut *dst);
    dst.fill(0);
    opaque(dst);
    opaque(opaque(1000u32) / opaque(7u32) + opaque(1000u32) % opaque(9u32));
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    loop {
        core::hint::spin_loop();
    }
}

/// Doubles for the twilio-embedded binaries.
pub mod embedded;
