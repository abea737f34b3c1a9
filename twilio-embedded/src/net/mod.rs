//! embassy-net helpers (feature `embassy`): DNS, TCP connect with a timeout, and a sleeper.
//!
//! [`TcpConnector`] resolves the API host, connects within a deadline and sets the socket's
//! inactivity timeout (so a silent server cannot stall a read forever); the [`crate::Client`] on
//! top opens TLS, reuses the connection while the server allows and reconnects on failure.
//!
//! The README's sample, kept compiling (the `static`s and the network stack come from the
//! board's setup):
//!
//! ```no_run
//! # use twilio_core::alerting::{AlertEvent, Instant};
//! # async fn demo(
//! #     stack: embassy_net::Stack<'static>,
//! #     tcp_pool: &'static embassy_net::tcp::client::TcpClient<'static, 1, 1536, 1536>,
//! #     rng: impl embedded_tls::CryptoRngCore,
//! #     buffers: &'static mut twilio_embedded::Buffers,
//! #     event: AlertEvent<i32>,
//! # ) -> Result<(), Box<dyn std::error::Error>> {
//! # const AMAZON_ROOT_CA_1_DER: &[u8] = &[0x30];
//! # const DIGICERT_GLOBAL_ROOT_G2_DER: &[u8] = &[0x30];
//! # const ACCOUNT_SID: &str = "AC0123456789abcdef0123456789abcdef";
//! # const AUTH_TOKEN: &str = "fedcba9876543210fedcba9876543210";
//! use twilio_core::auth::Credentials;
//! use twilio_embedded::net::{EmbassySleeper, TcpConnector};
//! use twilio_embedded::tls::{ServerVerification, TrustAnchors};
//! use twilio_embedded::{Alert, Client, ClientConfig, Outcome, Recipient};
//!
//! let anchors: [&[u8]; 2] = [AMAZON_ROOT_CA_1_DER, DIGICERT_GLOBAL_ROOT_G2_DER];
//! let recipients = [Recipient::sms_and_voice("+14155550100"), Recipient::sms_only("+14155550101")];
//! let config = ClientConfig::twilio(
//!     Credentials::auth_token(ACCOUNT_SID, AUTH_TOKEN)?,
//!     "+15005550006",
//!     &recipients,
//!     ServerVerification::anchors(TrustAnchors::new(&anchors)),
//! );
//! let connector = TcpConnector::new(stack, tcp_pool, "api.twilio.com", 443);
//! let mut client: Client<'_, _, _, _> = Client::new(config, connector, rng, EmbassySleeper, buffers);
//!
//! if let Outcome::Accepted { .. } = client.send_sms("+14155550100", "Freezer 2 at -4 C").await? {}
//! client.send(Alert::from_event("Freezer 2", &event)).await?;
//! client.flush_outbox().await?;
//! # Ok(()) }
//! ```
//!
//! Give the pool a socket timeout (`TcpClient::set_timeout(Some(..))`, e.g.
//! [`DEFAULT_SOCKET_TIMEOUT`]) so reads on a silent connection end.

use core::net::{IpAddr, SocketAddr};
use core::time::Duration;

use embassy_net::Stack;
use embassy_net::dns::DnsQueryType;
use embassy_net::tcp::client::{TcpClient, TcpConnection};
use embassy_time::{Duration as EmbassyDuration, Timer, with_timeout};
use embedded_nal_async::TcpConnect;

use crate::retry::Sleeper;
use crate::transport::{Connect, ConnectError};

/// Default bound on DNS plus TCP connect.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default inactivity timeout of a connected socket (Twilio answers within seconds).
pub const DEFAULT_SOCKET_TIMEOUT: Duration = Duration::from_secs(30);

fn embassy_duration(d: Duration) -> EmbassyDuration {
    EmbassyDuration::from_millis(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Opens TCP connections to `host:port` from an embassy-net [`TcpClient`] pool.
///
/// The pool's `N` must be at least 1; `TX`/`RX` are its socket buffers (1,536 bytes each is
/// plenty: TLS records are reassembled in the client's own buffers).
pub struct TcpConnector<'d, const N: usize, const TX: usize, const RX: usize> {
    stack: Stack<'d>,
    pool: &'d TcpClient<'d, N, TX, RX>,
    host: &'d str,
    port: u16,
    connect_timeout: Duration,
}

impl<'d, const N: usize, const TX: usize, const RX: usize> TcpConnector<'d, N, TX, RX> {
    /// Connects to `host` (a name, or an IPv4 address in dotted form) on `port`.
    ///
    /// Set the pool's socket timeout (`TcpClient::set_timeout`, e.g. to
    /// [`DEFAULT_SOCKET_TIMEOUT`]) so reads on a silent connection end.
    pub fn new(
        stack: Stack<'d>,
        pool: &'d TcpClient<'d, N, TX, RX>,
        host: &'d str,
        port: u16,
    ) -> Self {
        Self {
            stack,
            pool,
            host,
            port,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
        }
    }

    /// Bounds DNS plus TCP connect by `timeout` instead of [`DEFAULT_CONNECT_TIMEOUT`].
    #[must_use]
    pub fn with_connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    async fn resolve(&self) -> Result<IpAddr, ConnectError> {
        let addresses = self
            .stack
            .dns_query(self.host, DnsQueryType::A)
            .await
            .map_err(|_| ConnectError::Dns)?;
        let address = addresses.first().ok_or(ConnectError::Dns)?;
        Ok(IpAddr::from(*address))
    }
}

impl<'d, const N: usize, const TX: usize, const RX: usize> Connect for TcpConnector<'d, N, TX, RX> {
    type Connection = TcpConnection<'d, N, TX, RX>;

    async fn connect(&mut self) -> Result<Self::Connection, ConnectError> {
        if !self.stack.is_config_up() {
            return Err(ConnectError::NetworkDown);
        }
        let pool = self.pool;
        let port = self.port;
        let attempt = async {
            let ip = self.resolve().await?;
            debug!("connecting to port {}", port);
            pool.connect(SocketAddr::new(ip, port))
                .await
                .map_err(|_| ConnectError::Refused)
        };
        with_timeout(embassy_duration(self.connect_timeout), attempt)
            .await
            .map_err(|_| ConnectError::Timeout)?
    }
}

/// Waits with embassy-time's [`Timer`].
#[derive(Debug, Clone, Copy, Default)]
pub struct EmbassySleeper;

impl Sleeper for EmbassySleeper {
    async fn sleep(&mut self, duration: Duration) {
        Timer::after(embassy_duration(duration)).await;
    }
}
