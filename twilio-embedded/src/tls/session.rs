//! One TLS connection at a time over the caller's record buffers, kept open between requests.

use core::marker::PhantomData;
use core::ptr::NonNull;

use embedded_io_async::{Read, Write};
use embedded_tls::{CryptoRngCore, TlsConfig, TlsConnection, TlsContext, TlsError};

use super::{
    CertificateClock, CipherSuite, MultiAnchorVerifier, Provider, ServerVerification, TlsSettings,
};

/// The current TLS connection, if any, and the record buffers it runs in.
///
/// A connection borrows the record buffers for as long as it lives, and a keep-alive connection
/// must outlive the call that opened it, so it is stored here next to the buffers. A stored
/// `TlsConnection<'b>` would hold the buffers' only `&'b mut` for good, so the buffers are kept
/// as pointers and lent to one connection at a time: `open` drops the previous connection
/// before lending them again, and no connection ever leaves this struct.
pub(crate) struct TlsSession<'b, T: Read + Write> {
    read: NonNull<[u8]>,
    write: NonNull<[u8]>,
    connection: Option<TlsConnection<'b, T, CipherSuite>>,
    /// The buffers stay mutably borrowed by this session for `'b`.
    _buffers: PhantomData<&'b mut [u8]>,
}

impl<'b, T: Read + Write> TlsSession<'b, T> {
    /// A closed session over `read` (16,640 bytes) and `write` record buffers.
    pub(crate) fn new(read: &'b mut [u8], write: &'b mut [u8]) -> Self {
        Self {
            read: NonNull::from(read),
            write: NonNull::from(write),
            connection: None,
            _buffers: PhantomData,
        }
    }

    /// True while a connection is open.
    pub(crate) fn is_open(&self) -> bool {
        self.connection.is_some()
    }

    /// The open connection.
    pub(crate) fn connection(&mut self) -> Option<&mut TlsConnection<'b, T, CipherSuite>> {
        self.connection.as_mut()
    }

    /// Drops the connection (and with it the stream) without a close_notify: used after errors
    /// and when the server said `Connection: close`.
    pub(crate) fn close(&mut self) {
        self.connection = None;
    }

    /// Handshakes over `stream`, replacing any previous connection.
    pub(crate) async fn open<R: CryptoRngCore>(
        &mut self,
        stream: T,
        settings: &TlsSettings<'_>,
        rng: &mut R,
    ) -> Result<(), TlsError> {
        // End the previous loan of the buffers before making a new one.
        self.connection = None;
        // SAFETY: `read` and `write` were created from `&'b mut` borrows that this session holds
        // for all of `'b` (see `_buffers`), so nothing outside it can reach the memory. Loans are
        // only ever stored in `self.connection`, which was cleared just above and is private
        // (`connection()` hands out a reborrow, never the value), so these two references are
        // the only live ones.
        #[allow(unsafe_code)]
        let (read, write) = unsafe { (&mut *self.read.as_ptr(), &mut *self.write.as_ptr()) };
        let mut connection = TlsConnection::new(stream, read, write);
        let config = TlsConfig::new().with_server_name(settings.server_name);
        let verifier = match settings.verification {
            ServerVerification::Anchors(anchors) => {
                if CertificateClock::unix_time().is_none() {
                    info!("TLS: time unknown, certificate dates not checked (chain and name are)");
                }
                Some(MultiAnchorVerifier::new(anchors))
            }
            ServerVerification::InsecureAcceptAnyCertificate => {
                warn!("TLS: server certificate NOT verified (insecure option)");
                None
            }
        };
        let provider = Provider { rng, verifier };
        connection.open(TlsContext::new(&config, provider)).await?;
        self.connection = Some(connection);
        Ok(())
    }
}
