//! Logging shim: `defmt` on firmware, nothing on the host.
#![allow(unused_macros)]

macro_rules! log_at {
    ($level:ident, $s:literal $(, $x:expr)* $(,)?) => {{
        #[cfg(feature = "defmt")]
        ::defmt::$level!($s $(, $x)*);
        #[cfg(not(feature = "defmt"))]
        {
            let _ = ($( & $x ),*);
        }
    }};
}

macro_rules! info { ($($t:tt)*) => { log_at!(info, $($t)*) }; }
macro_rules! warn { ($($t:tt)*) => { log_at!(warn, $($t)*) }; }
