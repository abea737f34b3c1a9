//! DNS, TCP and the TLS 1.3 handshake: what every baseline does before its request.

use embedded_tls::TlsError;

/// The socket and TLS record buffers, as embassy's example has them (the read buffer holds a
/// whole TLS record: 16,640 bytes).
pub struct Buffers {
    /// The TCP socket's receive buffer.
    pub rx: [u8; 1_536],
    /// The TCP socket's send buffer.
    pub tx: [u8; 1_536],
    /// embedded-tls's record read buffer.
    pub tls_read: [u8; 16_640],
    /// embedded-tls's record write buffer.
    pub tls_write: [u8; 4_096],
}

// No `Default`: 24 KiB built on the stack would overflow a small task's stack.
#[allow(clippy::new_without_default)]
impl Buffers {
    /// Zeroed buffers, for a `static` (`ConstStaticCell`): built at compile time, never on the
    /// stack.
    #[allow(clippy::large_stack_arrays)]
    pub const fn new() -> Self {
        Self {
            rx: [0; 1_536],
            tx: [0; 1_536],
            tls_read: [0; 16_640],
            tls_write: [0; 4_096],
        }
    }
}

/// Why a POST did not get (or could not use) a response.
#[derive(Debug)]
#[non_exhaustive]
pub enum Failed {
    /// DNS found no address, or the TCP connection could not be opened.
    Network,
    /// The TLS handshake, or a TLS read or write, failed (`InvalidCertificate`: the verifier
    /// rejected the server).
    Tls(TlsError),
    /// reqwless could not write the request or read the response (connection, buffer too small
    /// for the response, malformed head or body).
    #[cfg(feature = "example-shape")]
    Http(reqwless::Error),
    /// The response body is not a JSON message resource (e.g. Twilio's error object).
    #[cfg(feature = "example-shape")]
    Body,
}

/// `connect!(tls = stack, buffers, provider)`: resolves [`HOST`](crate::HOST), connects to port
/// 443 and completes a TLS 1.3 handshake with the provider's RNG and certificate checks, binding
/// the connection (it borrows the buffers) to `tls`, or returns `Err(Failed)` from the enclosing
/// function.
///
/// A macro, not an `async fn`: an `async fn` keeps its arguments for its whole life, so a
/// verifying provider (`CertVerifier` and its 4 KiB chain buffer) passed through one more
/// `async fn` layer costs another copy of it in the caller's future (5.9 KB of RAM, measured).
/// It binds the caller's variable rather than evaluating to the connection for the same reason:
/// a connection moved out of a block is two connections in the future (1.3 KB, measured).
/// Expanded in `post` and `post_example`, it is the code as it was when written inline.
macro_rules! connect {
    ($tls:ident = $stack:expr, $buffers:expr, $provider:expr) => {
        let stack: ::embassy_net::Stack<'_> = $stack;
        let buffers: &mut $crate::Buffers = $buffers;
        let addresses = stack
            .dns_query($crate::HOST, ::embassy_net::dns::DnsQueryType::A)
            .await
            .map_err(|_| $crate::Failed::Network)?;
        let address = addresses.first().ok_or($crate::Failed::Network)?;
        let mut socket =
            ::embassy_net::tcp::TcpSocket::new(stack, &mut buffers.rx, &mut buffers.tx);
        socket.set_timeout(Some(::embassy_time::Duration::from_secs(30)));
        socket
            .connect((*address, 443))
            .await
            .map_err(|_| $crate::Failed::Network)?;
        let mut $tls = ::embedded_tls::TlsConnection::<_, ::embedded_tls::Aes128GcmSha256>::new(
            socket,
            &mut buffers.tls_read,
            &mut buffers.tls_write,
        );
        let config = ::embedded_tls::TlsConfig::new().with_server_name($crate::HOST);
        $tls.open(::embedded_tls::TlsContext::new(&config, $provider))
            .await
            .map_err($crate::Failed::Tls)?;
    };
}
