//! Wall-clock time for certificate validity checks, given by the firmware when it has one.

use core::sync::atomic::{AtomicU32, Ordering};

use embedded_tls::TlsClock;

/// Seconds since 1970 as last set; 0 means "not known".
static UNIX_SECONDS: AtomicU32 = AtomicU32::new(0);

/// The time certificates are checked against (their not-before and not-after dates).
///
/// Boards often boot without knowing the time, so until the firmware sets it (from SNTP, an RTC,
/// GPS, or the `Date` header of a verified response) dates are not checked and only the chain and
/// host name are. Once set, a certificate outside its validity period is rejected. Plain
/// load/store atomics (a 32-bit count of seconds, good until 2106), so it works on a Cortex-M0.
///
/// ```
/// use twilio_embedded::tls::CertificateClock;
///
/// assert_eq!(CertificateClock::unix_time(), None);
/// CertificateClock::set_unix_time(1_795_000_000); // 2026-11-18
/// assert_eq!(CertificateClock::unix_time(), Some(1_795_000_000));
/// CertificateClock::forget();
/// assert_eq!(CertificateClock::unix_time(), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CertificateClock;

impl CertificateClock {
    /// Sets the current time, in seconds since 1970-01-01 UTC (0 forgets it).
    pub fn set_unix_time(seconds: u32) {
        UNIX_SECONDS.store(seconds, Ordering::Relaxed);
    }

    /// Forgets the time: validity dates stop being checked.
    pub fn forget() {
        UNIX_SECONDS.store(0, Ordering::Relaxed);
    }

    /// The time last set, if any.
    pub fn unix_time() -> Option<u32> {
        match UNIX_SECONDS.load(Ordering::Relaxed) {
            0 => None,
            seconds => Some(seconds),
        }
    }
}

impl TlsClock for CertificateClock {
    fn now() -> Option<u64> {
        Self::unix_time().map(u64::from)
    }
}
