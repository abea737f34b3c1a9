//! The SNTP exchange through a fake UDP socket: what goes out, and what comes of a good answer,
//! garbage, a refusal, a stray datagram and silence. Nothing sleeps: the timeout's sleeper
//! returns at once, so a server that never answers times out on the first poll.
#![allow(clippy::panic, clippy::unwrap_used)]

use core::future::Future;
use core::net::SocketAddr;
use core::pin::pin;
use core::task::{Context, Poll, Waker};
use core::time::Duration;
use std::cell::RefCell;
use std::collections::VecDeque;

use alert_loop::time::TimeError;
use alert_loop::time::sntp::{RequestClock, SNTP_TIMEOUT, query};
use sntpc::NtpUdpSocket;
use twilio_embedded::retry::Sleeper;

/// Seconds between 1900 (NTP's epoch) and 1970.
const NTP_TO_UNIX: u64 = 2_208_988_800;
/// 2026-12-06 14:02:30 UTC.
const SERVER_UNIX_SECS: u64 = 1_796_565_750;

fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    for _ in 0..1_000 {
        if let Poll::Ready(v) = future.as_mut().poll(&mut cx) {
            return v;
        }
    }
    panic!("the exchange neither finished nor timed out");
}

fn server() -> SocketAddr {
    SocketAddr::from(([192, 0, 2, 123], 123))
}

/// What the fake server does with the next request.
enum Reply {
    /// A well-formed answer (mode 4, stratum 2) echoing the request, at `SERVER_UNIX_SECS` and a
    /// half second.
    Good,
    /// The good answer with one change.
    Altered(fn(&mut [u8; 48])),
    /// These bytes.
    Bytes(Vec<u8>),
    /// The good answer, from another address.
    FromElsewhere,
    /// Nothing, ever.
    Silence,
}

#[derive(Default)]
struct FakeServer {
    requests: RefCell<Vec<(Vec<u8>, SocketAddr)>>,
    replies: RefCell<VecDeque<Reply>>,
}

impl FakeServer {
    fn replying(replies: impl IntoIterator<Item = Reply>) -> Self {
        Self {
            replies: RefCell::new(replies.into_iter().collect()),
            ..Self::default()
        }
    }
}

fn good_answer(request: &[u8]) -> [u8; 48] {
    let mut answer = [0u8; 48];
    answer[0] = 4 << 3 | 4; // no leap warning, version 4, server mode
    answer[1] = 2; // stratum
    answer[3] = 0xEC; // precision 2^-20
    answer[12..16].copy_from_slice(b"GPS\0");
    let transmit = ((SERVER_UNIX_SECS + NTP_TO_UNIX) << 32) | (1 << 31); // + 0.5 s
    let reference = transmit - (10 << 32);
    answer[16..24].copy_from_slice(&reference.to_be_bytes());
    answer[24..32].copy_from_slice(&request[40..48]); // origin: the request's transmit time
    answer[32..40].copy_from_slice(&transmit.to_be_bytes());
    answer[40..48].copy_from_slice(&transmit.to_be_bytes());
    answer
}

impl NtpUdpSocket for FakeServer {
    async fn send_to(&self, buf: &[u8], addr: SocketAddr) -> sntpc::Result<usize> {
        self.requests.borrow_mut().push((buf.to_vec(), addr));
        Ok(buf.len())
    }

    async fn recv_from(&self, buf: &mut [u8]) -> sntpc::Result<(usize, SocketAddr)> {
        let reply = self.replies.borrow_mut().pop_front();
        let request = self.requests.borrow().last().unwrap().0.clone();
        let (bytes, from) = match reply {
            None | Some(Reply::Silence) => core::future::pending().await,
            Some(Reply::Good) => (good_answer(&request).to_vec(), server()),
            Some(Reply::Altered(change)) => {
                let mut answer = good_answer(&request);
                change(&mut answer);
                (answer.to_vec(), server())
            }
            Some(Reply::Bytes(bytes)) => (bytes, server()),
            Some(Reply::FromElsewhere) => (
                good_answer(&request).to_vec(),
                SocketAddr::from(([198, 51, 100, 7], 123)),
            ),
        };
        let len = bytes.len().min(buf.len());
        buf[..len].copy_from_slice(&bytes[..len]);
        Ok((len, from))
    }
}

/// Returns at once, recording what it was asked to wait.
#[derive(Default)]
struct InstantSleeper(Vec<Duration>);

impl Sleeper for InstantSleeper {
    async fn sleep(&mut self, duration: Duration) {
        self.0.push(duration);
    }
}

fn uptime_ms() -> u64 {
    1_234
}

fn ask(socket: &FakeServer) -> Result<u64, TimeError> {
    ask_waiting(socket).0
}

/// The result, and the waits the sleeper was asked for (the timeout, when it ran out).
fn ask_waiting(socket: &FakeServer) -> (Result<u64, TimeError>, Vec<Duration>) {
    let mut sleeper = InstantSleeper::default();
    let result = block_on(query(
        socket,
        server(),
        RequestClock::new(uptime_ms),
        &mut sleeper,
        SNTP_TIMEOUT,
    ));
    (result, sleeper.0)
}

#[test]
fn a_good_answer_gives_the_servers_time() {
    let socket = FakeServer::replying([Reply::Good]);
    let unix_ms = ask(&socket).unwrap();
    // The server's transmit time (x.5 s), plus half a round trip the fake makes instant
    // (sntpc counts at least its clock's precision, a microsecond).
    assert_eq!(unix_ms, SERVER_UNIX_SECS * 1_000 + 500);

    let requests = socket.requests.borrow();
    assert_eq!(requests.len(), 1);
    let (request, to) = &requests[0];
    assert_eq!(*to, server());
    assert_eq!(request.len(), 48);
    assert_eq!(request[0], 4 << 3 | 3, "version 4, client mode");
    // The request's transmit time: 2026-01-01 plus the uptime (1.234 s), in NTP's era.
    let transmit = u64::from_be_bytes(request[40..48].try_into().unwrap());
    assert_eq!(transmit >> 32, 1_767_225_600 + 1 + NTP_TO_UNIX);
}

#[test]
fn garbage_and_refusals_are_bad_answers() {
    let short = FakeServer::replying([Reply::Bytes(b"HTTP/1.1 400".to_vec())]);
    assert_eq!(ask(&short), Err(TimeError::BadAnswer));
    let client_mode = FakeServer::replying([Reply::Altered(|a| a[0] = 4 << 3 | 3)]);
    assert_eq!(ask(&client_mode), Err(TimeError::BadAnswer));
    // Kiss-o'-death RATE: stratum 0 with a code instead of a time source.
    let kiss = FakeServer::replying([Reply::Altered(|a| {
        a[1] = 0;
        a[12..16].copy_from_slice(b"RATE");
    })]);
    assert_eq!(ask(&kiss), Err(TimeError::BadAnswer));
    // Leap indicator 3: the server's own clock is not synchronised.
    let unsynced = FakeServer::replying([Reply::Altered(|a| a[0] |= 3 << 6)]);
    assert_eq!(ask(&unsynced), Err(TimeError::BadAnswer));
}

#[test]
fn stray_datagrams_are_skipped() {
    // Another sender, then an answer to some other request (a late one), then ours.
    let socket = FakeServer::replying([
        Reply::FromElsewhere,
        Reply::Altered(|a| a[31] ^= 1),
        Reply::Good,
    ]);
    assert_eq!(ask(&socket), Ok(SERVER_UNIX_SECS * 1_000 + 500));
}

#[test]
fn silence_times_out() {
    let socket = FakeServer::replying([Reply::Silence]);
    assert_eq!(
        ask_waiting(&socket),
        (Err(TimeError::Timeout), vec![SNTP_TIMEOUT])
    );
    // Strays followed by silence too.
    let socket = FakeServer::replying([Reply::FromElsewhere, Reply::Silence]);
    assert_eq!(ask(&socket), Err(TimeError::Timeout));
}
