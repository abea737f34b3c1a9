//! Chain and hostname verification against any one of several trust anchors.

use embedded_tls::pki::CertVerifier;
use embedded_tls::{Certificate, TlsCipherSuite, TlsError, TlsVerifier};
use embedded_tls::{CertificateEntryRef, CertificateRef, CertificateVerifyRef};

use super::{CertificateClock, TrustAnchors};

/// Bytes kept of the server's certificate chain between the Certificate and CertificateVerify
/// handshake messages. An ECDSA leaf plus one intermediate is about 1.5 KiB; RSA chains such as
/// api.twilio.com's are about 3.5 KiB.
pub const CERT_CHAIN_BUFFER_LEN: usize = 4_096;

type AnchorVerifier<'a, S> = CertVerifier<'a, S, CertificateClock, CERT_CHAIN_BUFFER_LEN>;
/// Checks one anchor against a copy of the chain. The copy has no raw bytes for the verifier to
/// keep, so it needs no chain buffer: probing costs no RAM beyond the real check.
type ProbeVerifier<'a, S> = CertVerifier<'a, S, CertificateClock, 0>;

/// A [`TlsVerifier`] that accepts the server when its chain leads to ANY configured anchor and its
/// certificate names the host the client connected to.
///
/// Anchors are tried in order. embedded-tls's own verifier takes exactly one CA and consumes the
/// server's certificate message, so every anchor but the last is first tried on a copy of the
/// chain; the anchor that verifies then checks the real message. Put the anchor the server uses
/// today last to verify once per handshake; an anchor listed before it costs one failed chain
/// check per handshake.
///
/// Validity dates are checked once the firmware has set [`CertificateClock`]; before that only
/// the chain and the host name are (most boards do not know the time at boot).
pub struct MultiAnchorVerifier<'a, S: TlsCipherSuite> {
    anchors: TrustAnchors<'a>,
    host: Option<heapless::String<64>>,
    accepted: Option<(usize, AnchorVerifier<'a, S>)>,
}

impl<'a, S: TlsCipherSuite> MultiAnchorVerifier<'a, S> {
    /// A verifier for `anchors`; the handshake sets the host name to check.
    pub fn new(anchors: TrustAnchors<'a>) -> Self {
        Self {
            anchors,
            host: None,
            accepted: None,
        }
    }

    /// Index of the anchor that verified the server, once one has.
    pub fn accepted_anchor(&self) -> Option<usize> {
        self.accepted.as_ref().map(|(index, _)| *index)
    }

    /// A single-anchor verifier for `anchor`, checking the host name.
    fn for_anchor<const N: usize>(
        &self,
        anchor: &'a [u8],
    ) -> Result<CertVerifier<'a, S, CertificateClock, N>, TlsError> {
        // Without a host name embedded-tls would accept any certificate that names no host.
        let host = self.host.as_deref().ok_or(TlsError::InvalidCertificate)?;
        let mut verifier = CertVerifier::new(Certificate::X509(anchor));
        TlsVerifier::<S>::set_hostname_verification(&mut verifier, host)?;
        Ok(verifier)
    }
}

/// A copy of the chain's entries, for trying one anchor without consuming the message.
fn copy_chain<'c>(cert: &CertificateRef<'c>) -> Result<CertificateRef<'c>, TlsError> {
    let mut copy = CertificateRef::with_context(&[]);
    for entry in &cert.entries {
        let entry = match entry {
            CertificateEntryRef::X509(der) => CertificateEntryRef::X509(der),
            CertificateEntryRef::RawPublicKey(key) => CertificateEntryRef::RawPublicKey(key),
        };
        copy.add(entry)?;
    }
    Ok(copy)
}

impl<S: TlsCipherSuite> TlsVerifier<S> for MultiAnchorVerifier<'_, S> {
    fn set_hostname_verification(&mut self, hostname: &str) -> Result<(), TlsError> {
        let host = heapless::String::try_from(hostname).map_err(|_| TlsError::InsufficientSpace)?;
        self.host = Some(host);
        Ok(())
    }

    fn verify_certificate(
        &mut self,
        transcript: &S::Hash,
        cert: CertificateRef<'_>,
    ) -> Result<(), TlsError> {
        self.accepted = None;
        let Some((last, earlier)) = self.anchors.as_slice().split_last() else {
            warn!("TLS: no trust anchors configured");
            return Err(TlsError::InvalidCertificate);
        };
        for (index, anchor) in earlier.iter().enumerate() {
            let mut probe: ProbeVerifier<'_, S> = self.for_anchor(anchor)?;
            if probe
                .verify_certificate(transcript, copy_chain(&cert)?)
                .is_ok()
            {
                let mut verifier: AnchorVerifier<'_, S> = self.for_anchor(anchor)?;
                verifier.verify_certificate(transcript, cert)?;
                debug!("TLS: server verified by trust anchor {}", index);
                self.accepted = Some((index, verifier));
                return Ok(());
            }
        }
        let mut verifier: AnchorVerifier<'_, S> = self.for_anchor(last)?;
        match verifier.verify_certificate(transcript, cert) {
            Ok(()) => {
                debug!("TLS: server verified by trust anchor {}", earlier.len());
                self.accepted = Some((earlier.len(), verifier));
                Ok(())
            }
            Err(e) => {
                warn!("TLS: server certificate rejected by every trust anchor");
                Err(e)
            }
        }
    }

    fn verify_signature(&mut self, verify: CertificateVerifyRef<'_>) -> Result<(), TlsError> {
        // Only reachable after verify_certificate succeeded; anything else is a protocol error.
        match self.accepted.as_mut() {
            Some((_, verifier)) => verifier.verify_signature(verify),
            None => Err(TlsError::InvalidCertificate),
        }
    }
}
