//! One logging shim for the crate: `defmt` on firmware, `log` on hosts, nothing otherwise.
//!
//! Only plain `{}` placeholders are used so a message reads the same through either backend.
#![allow(unused_macros)]

#[cfg(all(feature = "defmt", feature = "log"))]
compile_error!("twilio-embedded: enable at most one of the `defmt` and `log` features");

macro_rules! log_at {
    ($level:ident, $s:literal $(, $x:expr)* $(,)?) => {{
        #[cfg(feature = "defmt")]
        ::defmt::$level!($s $(, $x)*);
        #[cfg(feature = "log")]
        ::log::$level!($s $(, $x)*);
        #[cfg(not(any(feature = "defmt", feature = "log")))]
        {
            let _ = ($( & $x ),*);
        }
    }};
}

macro_rules! trace { ($($t:tt)*) => { log_at!(trace, $($t)*) }; }
macro_rules! debug { ($($t:tt)*) => { log_at!(debug, $($t)*) }; }
macro_rules! info { ($($t:tt)*) => { log_at!(info, $($t)*) }; }
macro_rules! warn { ($($t:tt)*) => { log_at!(warn, $($t)*) }; }
