//! The boards' embassy pieces: the loop's ticker, and the time of day over SNTP (embassy-net UDP).

use core::net::{IpAddr, SocketAddr};

use embassy_net::Stack;
use embassy_net::dns::DnsQueryType;
use embassy_net::udp::{PacketMetadata, UdpSocket};
use sntpc_net_embassy::UdpSocketWrapper;
use twilio_core::alerting::Instant;
use twilio_embedded::net::EmbassySleeper;

use crate::ports::{Ticker, TimeSource};
use crate::time::TimeError;
use crate::time::sntp::{self, RequestClock, SNTP_TIMEOUT};

/// Ticks every `period` (missed ticks are not made up) and reports embassy's uptime.
pub struct EmbassyTicker(embassy_time::Ticker);

impl EmbassyTicker {
    /// A tick every `period_secs` seconds, the first one now.
    pub fn every_secs(period_secs: u32) -> Self {
        Self(embassy_time::Ticker::every(
            embassy_time::Duration::from_secs(u64::from(period_secs.max(1))),
        ))
    }
}

impl Ticker for EmbassyTicker {
    async fn tick(&mut self) -> Instant {
        self.0.next().await;
        Instant(uptime_ms())
    }
}

fn uptime_ms() -> u64 {
    embassy_time::Instant::now().as_millis()
}

/// Bytes of one SNTP datagram (48) with room to spare.
const DATAGRAM_LEN: usize = 64;

/// The UDP socket's buffers (one datagram each way), owned by the board.
pub struct SntpBuffers {
    rx_meta: [PacketMetadata; 1],
    rx: [u8; DATAGRAM_LEN],
    tx_meta: [PacketMetadata; 1],
    tx: [u8; DATAGRAM_LEN],
}

impl SntpBuffers {
    /// Empty buffers (a `const fn`, for a `static`).
    pub const fn new() -> Self {
        Self {
            rx_meta: [PacketMetadata::EMPTY; 1],
            rx: [0; DATAGRAM_LEN],
            tx_meta: [PacketMetadata::EMPTY; 1],
            tx: [0; DATAGRAM_LEN],
        }
    }
}

impl Default for SntpBuffers {
    fn default() -> Self {
        Self::new()
    }
}

/// The time of day from an SNTP server (`pool.ntp.org` unless the board says otherwise).
///
/// Each ask resolves the server's name (or takes an IPv4 address as it is), opens a UDP socket
/// on an ephemeral port (the network stack needs a free socket slot for it), sends one request
/// and waits [`SNTP_TIMEOUT`] for the answer; the socket is closed after, so a late answer
/// cannot be mistaken for the next one.
pub struct SntpClock<'d> {
    stack: Stack<'d>,
    server: &'d str,
    buffers: &'d mut SntpBuffers,
}

impl<'d> SntpClock<'d> {
    /// Asks `server` (a name or an IPv4 address) over `stack`.
    pub fn new(stack: Stack<'d>, server: &'d str, buffers: &'d mut SntpBuffers) -> Self {
        Self {
            stack,
            server,
            buffers,
        }
    }
}

impl TimeSource for SntpClock<'_> {
    async fn unix_ms(&mut self) -> Result<u64, TimeError> {
        if !self.stack.is_config_up() {
            return Err(TimeError::NetworkDown);
        }
        let resolve = self.stack.dns_query(self.server, DnsQueryType::A);
        let addresses = embassy_time::with_timeout(
            embassy_time::Duration::from_secs(SNTP_TIMEOUT.as_secs()),
            resolve,
        )
        .await
        .map_err(|_| TimeError::Dns)?
        .map_err(|_| TimeError::Dns)?;
        let address = addresses.first().ok_or(TimeError::Dns)?;
        let server = SocketAddr::new(IpAddr::from(*address), 123);
        let buffers = &mut *self.buffers;
        let mut socket = UdpSocket::new(
            self.stack,
            &mut buffers.rx_meta,
            &mut buffers.rx,
            &mut buffers.tx_meta,
            &mut buffers.tx,
        );
        // Port 0: embassy-net picks an ephemeral port.
        socket.bind(0).map_err(|_| TimeError::Network)?;
        let socket = UdpSocketWrapper::new(socket);
        let clock = RequestClock::new(uptime_ms);
        sntp::query(&socket, server, clock, &mut EmbassySleeper, SNTP_TIMEOUT).await
    }

    fn network_up(&self) -> bool {
        self.stack.is_config_up()
    }
}
