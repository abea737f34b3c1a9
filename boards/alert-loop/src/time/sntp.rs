//! One SNTP exchange over any UDP socket sntpc can use: sntpc writes the request and checks the
//! answer (size, mode, version, stratum, kiss-of-death, the echoed request time); this module
//! bounds the exchange in time, skips datagrams that are not the answer, and turns the result
//! into milliseconds since 1970.

use core::net::SocketAddr;
use core::time::Duration;

use embassy_futures::select::{Either, select};
use sntpc::{NtpContext, NtpTimestampGenerator, NtpUdpSocket};
use twilio_embedded::retry::Sleeper;

use super::{EARLIEST_UNIX_SECS, TimeError};

/// How long to wait for the answer.
pub const SNTP_TIMEOUT: Duration = Duration::from_secs(5);

/// Request timestamps for sntpc: [`EARLIEST_UNIX_SECS`] plus the uptime. Only their
/// differences (the round trip) and their era matter, so the device needs no time of day to ask
/// for one.
#[derive(Debug, Clone, Copy)]
pub struct RequestClock {
    uptime_ms: fn() -> u64,
    now_ms: u64,
}

impl RequestClock {
    /// Timestamps from `uptime_ms`, milliseconds since the device started.
    pub fn new(uptime_ms: fn() -> u64) -> Self {
        Self {
            uptime_ms,
            now_ms: 0,
        }
    }
}

impl NtpTimestampGenerator for RequestClock {
    fn init(&mut self) {
        self.now_ms = u64::from(EARLIEST_UNIX_SECS) * 1_000 + (self.uptime_ms)();
    }

    fn timestamp_sec(&self) -> u64 {
        self.now_ms / 1_000
    }

    fn timestamp_subsec_micros(&self) -> u32 {
        // Below 1,000,000.
        u32::try_from(self.now_ms % 1_000 * 1_000).unwrap_or_default()
    }
}

/// Asks `server` for the time over `socket`; gives up after `timeout` (waited by `sleeper`).
/// Datagrams from another address, or answering another request (a late answer to an earlier
/// one), are skipped. Returns milliseconds since 1970 when the answer arrived.
pub async fn query<U: NtpUdpSocket, S: Sleeper>(
    socket: &U,
    server: SocketAddr,
    clock: RequestClock,
    sleeper: &mut S,
    timeout: Duration,
) -> Result<u64, TimeError> {
    let context = NtpContext::new(clock);
    let exchange = async {
        let sent = sntpc::sntp_send_request(server, socket, context)
            .await
            .map_err(|_| TimeError::Network)?;
        loop {
            match sntpc::sntp_process_response(server, socket, context, sent).await {
                Ok(answer) => return Ok(answer),
                Err(
                    sntpc::Error::ResponseAddressMismatch | sntpc::Error::IncorrectOriginTimestamp,
                ) => {}
                Err(sntpc::Error::Network) => return Err(TimeError::Network),
                Err(_) => return Err(TimeError::BadAnswer),
            }
        }
    };
    let answer = match select(exchange, sleeper.sleep(timeout)).await {
        Either::First(answer) => answer?,
        Either::Second(()) => return Err(TimeError::Timeout),
    };
    // The server's transmit time plus half the round trip: when the answer arrived.
    Ok(answer.sec() * 1_000
        + u64::from(sntpc::fraction_to_milliseconds(answer.sec_fraction()))
        + answer.roundtrip() / 2_000)
}
