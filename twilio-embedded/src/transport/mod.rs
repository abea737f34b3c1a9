//! Opening a byte stream to the API host.
//!
//! The client never opens sockets itself: it asks a [`Connect`] for a fresh stream whenever it
//! needs one (first request, after the server closed a keep-alive connection, after a failure).
//! On embassy that is `net::TcpConnector` (feature `embassy`); on a host, a tokio
//! `TcpStream` wrapped in `embedded_io_adapters::tokio_1::FromTokio`; in tests, anything that
//! implements [`embedded_io_async::Read`] and [`embedded_io_async::Write`].
//!
//! ```
//! use twilio_embedded::transport::{Connect, ConnectError};
//!
//! /// A link that is down: every attempt fails as a timeout would.
//! struct Offline;
//!
//! impl Connect for Offline {
//!     type Connection = embedded_io_async_pipe::Never;
//!     async fn connect(&mut self) -> Result<Self::Connection, ConnectError> {
//!         Err(ConnectError::Timeout)
//!     }
//! }
//! # mod embedded_io_async_pipe {
//! #     pub struct Never;
//! #     impl embedded_io_async::ErrorType for Never { type Error = core::convert::Infallible; }
//! #     impl embedded_io_async::Read for Never {
//! #         async fn read(&mut self, _: &mut [u8]) -> Result<usize, Self::Error> { Ok(0) }
//! #     }
//! #     impl embedded_io_async::Write for Never {
//! #         async fn write(&mut self, b: &[u8]) -> Result<usize, Self::Error> { Ok(b.len()) }
//! #         async fn flush(&mut self) -> Result<(), Self::Error> { Ok(()) }
//! #     }
//! # }
//! ```

use twilio_core::outcome::TransportFailure;

/// Why a stream could not be opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum ConnectError {
    /// The host name did not resolve.
    Dns,
    /// The connection was not established in time.
    Timeout,
    /// The peer refused or reset the connection.
    Refused,
    /// The network is down (no link, no address, no socket).
    NetworkDown,
}

impl core::fmt::Display for ConnectError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Self::Dns => "the host name did not resolve",
            Self::Timeout => "connecting timed out",
            Self::Refused => "the connection was refused or reset",
            Self::NetworkDown => "the network is down",
        })
    }
}

impl core::error::Error for ConnectError {}

impl From<ConnectError> for TransportFailure {
    fn from(e: ConnectError) -> Self {
        match e {
            ConnectError::Dns => TransportFailure::Dns,
            ConnectError::Timeout | ConnectError::NetworkDown => TransportFailure::ConnectTimeout,
            ConnectError::Refused => TransportFailure::ConnectRefused,
        }
    }
}

/// Opens a new byte stream to the API host (TCP, before TLS).
///
/// Implementations should bound the time a connect may take; the client adds no timer of its
/// own (on embassy, `net::TcpConnector` also sets the socket's inactivity timeout so a
/// silent server cannot stall a read forever).
// Single-threaded executors are the target: no `Send` bound is wanted on the future.
#[allow(async_fn_in_trait)]
pub trait Connect {
    /// The stream. Dropping it closes it.
    type Connection: embedded_io_async::Read + embedded_io_async::Write;

    /// Opens a stream, or says why it could not.
    async fn connect(&mut self) -> Result<Self::Connection, ConnectError>;
}

impl<T: Connect> Connect for &mut T {
    type Connection = T::Connection;

    async fn connect(&mut self) -> Result<Self::Connection, ConnectError> {
        T::connect(self).await
    }
}
