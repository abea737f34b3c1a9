//! TLS 1.3 to the API host with embedded-tls: trust anchors, verification and the crypto
//! provider.
//!
//! Twilio's certificates move from DigiCert to Amazon (AWS Certificate Manager) from 2027-01-26,
//! so a device must trust more than one root, and the roots must be data the firmware passes in
//! (from flash, a config partition, an OTA update), never compiled-in constants:
//!
//! ```
//! use twilio_embedded::tls::{ServerVerification, TlsSettings, TrustAnchors};
//!
//! // DER certificates, e.g. read from a config partition at boot.
//! static DIGICERT_G2: &[u8] = &[0x30, 0x82 /* ... */];
//! static AMAZON_ROOT_CA_1: &[u8] = &[0x30, 0x82 /* ... */];
//! static ANCHORS: [&[u8]; 2] = [AMAZON_ROOT_CA_1, DIGICERT_G2];
//!
//! let settings = TlsSettings::new("api.twilio.com", ServerVerification::anchors(TrustAnchors::new(&ANCHORS)));
//! assert_eq!(settings.server_name, "api.twilio.com");
//! ```
//!
//! Verification (chain to one of the anchors, plus the host name in the certificate, plus the
//! validity dates once [`CertificateClock`] knows the time) is always on unless the firmware
//! names [`ServerVerification::InsecureAcceptAnyCertificate`].
//!
//! Server keys: ECDSA P-256 certificates verify without a heap. RSA server certificates (what
//! api.twilio.com serves today) need the `rsa` feature, which enables `alloc` in embedded-tls:
//! the board must then provide a `#[global_allocator]` (embedded-alloc or esp-alloc; a
//! 2048-bit RSA CertificateVerify peaks at 11.5 KB live, 11.8 KB of linked_list_allocator heap:
//! `cargo run --release -p twilio-embedded --features rsa --example rsa_heap_peak`; the Pico W
//! gives it 16 KiB) and, on a Cortex-M0 (no atomic compare-and-swap), a
//! `critical-section` implementation with `portable-atomic`'s `critical-section` feature.

mod clock;
mod session;
mod verifier;

pub use clock::CertificateClock;
pub(crate) use session::TlsSession;
pub use verifier::{CERT_CHAIN_BUFFER_LEN, MultiAnchorVerifier};

use embedded_tls::{Aes128GcmSha256, CryptoProvider, CryptoRngCore, TlsError, TlsVerifier};

/// The cipher suite the client offers: TLS_AES_128_GCM_SHA256, which api.twilio.com serves and
/// every TLS 1.3 server must support.
pub type CipherSuite = Aes128GcmSha256;

/// The root certificates (DER) a server's chain may lead to. Tried in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct TrustAnchors<'a> {
    anchors: &'a [&'a [u8]],
}

impl<'a> TrustAnchors<'a> {
    /// Anchors from DER certificates.
    ///
    /// ```
    /// use twilio_embedded::tls::TrustAnchors;
    /// let ders: [&[u8]; 1] = [&[0x30, 0x82]];
    /// assert_eq!(TrustAnchors::new(&ders).len(), 1);
    /// ```
    pub const fn new(anchors: &'a [&'a [u8]]) -> Self {
        Self { anchors }
    }

    /// The anchors, in the order they are tried.
    pub const fn as_slice(&self) -> &'a [&'a [u8]] {
        self.anchors
    }

    /// How many anchors there are.
    pub const fn len(&self) -> usize {
        self.anchors.len()
    }

    /// True when there are none (every server is then rejected).
    pub const fn is_empty(&self) -> bool {
        self.anchors.is_empty()
    }
}

/// How the server's certificate is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum ServerVerification<'a> {
    /// The chain must lead to one of these anchors and the certificate must name the host.
    Anchors(TrustAnchors<'a>),
    /// INSECURE: accept any certificate from anyone (a machine in the middle can read the
    /// credentials). Only for bring-up on a bench network.
    InsecureAcceptAnyCertificate,
}

impl<'a> ServerVerification<'a> {
    /// Verify against `anchors` (the default and only safe choice).
    ///
    /// ```
    /// use twilio_embedded::tls::{ServerVerification, TrustAnchors};
    /// let v = ServerVerification::anchors(TrustAnchors::new(&[]));
    /// assert!(matches!(v, ServerVerification::Anchors(_)));
    /// ```
    pub const fn anchors(anchors: TrustAnchors<'a>) -> Self {
        Self::Anchors(anchors)
    }
}

/// What the TLS handshake needs besides the stream and the buffers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct TlsSettings<'a> {
    /// Sent as SNI and checked against the certificate's names (no port).
    pub server_name: &'a str,
    /// How the certificate is checked.
    pub verification: ServerVerification<'a>,
}

impl<'a> TlsSettings<'a> {
    /// Settings for `server_name`, verified as `verification` says.
    ///
    /// ```
    /// use twilio_embedded::tls::{ServerVerification, TlsSettings, TrustAnchors};
    /// let s = TlsSettings::new("api.twilio.com", ServerVerification::anchors(TrustAnchors::new(&[])));
    /// assert_eq!(s.server_name, "api.twilio.com");
    /// ```
    pub const fn new(server_name: &'a str, verification: ServerVerification<'a>) -> Self {
        Self {
            server_name,
            verification,
        }
    }
}

/// The handshake's crypto: the caller's RNG and, unless insecure, the multi-anchor verifier.
pub(crate) struct Provider<'p, 'a, R> {
    pub(crate) rng: &'p mut R,
    pub(crate) verifier: Option<MultiAnchorVerifier<'a, CipherSuite>>,
}

impl<R: CryptoRngCore> CryptoProvider for Provider<'_, '_, R> {
    type CipherSuite = CipherSuite;
    // No client certificate is ever sent, so no signature type is used.
    type Signature = [u8; 0];

    fn rng(&mut self) -> impl CryptoRngCore {
        &mut *self.rng
    }

    fn verifier(&mut self) -> Result<&mut impl TlsVerifier<Self::CipherSuite>, TlsError> {
        // `Unimplemented` is embedded-tls's signal to skip verification: only for the insecure
        // option, which leaves `verifier` empty.
        self.verifier.as_mut().ok_or(TlsError::Unimplemented)
    }
}
