//! Logging shim: `defmt` or `log` by feature, nothing otherwise.
#![allow(unused_macros)]

#[cfg(all(feature = "defmt", feature = "log"))]
compile_error!("alert-loop: enable at most one of the `defmt` and `log` features");

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

macro_rules! info { ($($t:tt)*) => { log_at!(info, $($t)*) }; }
macro_rules! warn { ($($t:tt)*) => { log_at!(warn, $($t)*) }; }
