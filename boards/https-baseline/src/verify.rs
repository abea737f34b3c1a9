//! Server verification as a plain embedded-tls user writes it: `CertVerifier` (chain, host name
//! and, once the time is known, validity dates) against one trust anchor per connection.

use core::sync::atomic::{AtomicU32, Ordering};

use embedded_tls::pki::CertVerifier;
use embedded_tls::{
    Aes128GcmSha256, Certificate, CryptoProvider, CryptoRngCore, TlsClock, TlsError, TlsVerifier,
};

/// The roots the alert firmware is built with by default (`boards/trust-anchors/`, DER).
pub static ANCHORS: [&[u8]; 2] = [
    include_bytes!("../../trust-anchors/amazon-root-ca-1.der"),
    include_bytes!("../../trust-anchors/digicert-global-root-g2.der"),
];

/// Seconds since 1970 once known (0: not known, dates unchecked), as the alert firmware's clock.
/// Nothing sets it in the baselines, as nothing sets the firmware's before its first response.
static UNIX_SECONDS: AtomicU32 = AtomicU32::new(0);

/// The wall clock `CertVerifier` checks validity dates with.
pub struct Clock;

impl TlsClock for Clock {
    fn now() -> Option<u64> {
        match UNIX_SECONDS.load(Ordering::Relaxed) {
            0 => None,
            seconds => Some(u64::from(seconds)),
        }
    }
}

/// A [`CryptoProvider`]: the board's RNG and embedded-tls's verifier for one anchor, with the
/// chain buffer (4 KiB) the alert firmware uses.
pub struct Verifying<'a, R> {
    rng: &'a mut R,
    verifier: CertVerifier<'a, Aes128GcmSha256, Clock, 4_096>,
}

impl<'a, R> Verifying<'a, R> {
    /// Verifies the server's chain up to `anchor` (DER), and its host name.
    pub fn new(rng: &'a mut R, anchor: &'a [u8]) -> Self {
        Self {
            rng,
            verifier: CertVerifier::new(Certificate::X509(anchor)),
        }
    }
}

impl<R: CryptoRngCore> CryptoProvider for Verifying<'_, R> {
    type CipherSuite = Aes128GcmSha256;
    type Signature = [u8; 0];

    fn rng(&mut self) -> impl CryptoRngCore {
        &mut *self.rng
    }

    fn verifier(&mut self) -> Result<&mut impl TlsVerifier<Aes128GcmSha256>, TlsError> {
        Ok(&mut self.verifier)
    }
}

/// Whether a POST's failure was the verifier rejecting the server: then the next connection
/// tries the next anchor.
pub fn rejected(result: &Result<(), crate::Failed>) -> bool {
    matches!(
        result,
        Err(crate::Failed::Tls(TlsError::InvalidCertificate))
    )
}

#[cfg(test)]
mod tests {
    use embedded_tls::TlsError;

    use super::rejected;
    use crate::Failed;

    #[test]
    fn only_a_rejected_certificate_moves_to_the_next_anchor() {
        assert!(rejected(&Err(Failed::Tls(TlsError::InvalidCertificate))));
        assert!(!rejected(&Ok(())));
        assert!(!rejected(&Err(Failed::Network)));
        assert!(!rejected(&Err(Failed::Tls(TlsError::ConnectionClosed))));
    }
}
