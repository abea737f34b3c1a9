//! Failed device authentications, counted per client address (an IPv6 client by its /64, which
//! one host usually holds whole): after [`MAX_FAILURES`] within
//! `WINDOW`, that address gets Twilio's 429 / 20429 (with `Retry-After`) for every request
//! until the window ends, without its credentials being checked, so a device secret cannot be
//! guessed at network speed. Devices that authenticate are never counted. On the injected clock.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use crate::domain::time::Timestamp;

/// Failed authentications an address may make within `WINDOW`.
pub const MAX_FAILURES: u32 = 10;
/// How long failures count, from an address's first failure.
pub(crate) const WINDOW: Duration = Duration::from_secs(600);
/// Addresses remembered at most: beyond it the expired ones go, then those with the fewest
/// failures (a locked-out address is kept).
const MAX_PEERS: usize = 4_096;

#[derive(Debug, Clone, Copy)]
struct Failures {
    since: Timestamp,
    count: u32,
}

/// Failed authentications by client address.
#[derive(Debug, Default)]
pub struct AuthThrottle {
    peers: Mutex<HashMap<IpAddr, Failures>>,
}

/// The address failures are counted under: IPv4 as is, IPv6 by its /64.
fn client(peer: IpAddr) -> IpAddr {
    match peer {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6((v6.to_bits() & !u128::from(u64::MAX)).into()),
        },
    }
}

impl AuthThrottle {
    /// `Err(wait)` while `peer` is locked out, `Ok` otherwise.
    ///
    /// ```
    /// use alertd::relay::auth_throttle::{AuthThrottle, MAX_FAILURES};
    /// use alertd::domain::time::Timestamp;
    /// let throttle = AuthThrottle::default();
    /// let peer = "192.0.2.7".parse().unwrap();
    /// for _ in 0..MAX_FAILURES {
    ///     assert!(throttle.check(peer, Timestamp(0)).is_ok());
    ///     throttle.failed(peer, Timestamp(0));
    /// }
    /// assert_eq!(throttle.check(peer, Timestamp(1_000)).unwrap_err().as_secs(), 599);
    /// assert!(throttle.check(peer, Timestamp(600_000)).is_ok());
    /// ```
    pub fn check(&self, peer: IpAddr, now: Timestamp) -> Result<(), Duration> {
        let peer = client(peer);
        let mut peers = self.peers.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(failures) = peers.get(&peer).copied() else {
            return Ok(());
        };
        let left = remaining(failures.since, now);
        if left.is_zero() {
            peers.remove(&peer);
            Ok(())
        } else if failures.count >= MAX_FAILURES {
            Err(left)
        } else {
            Ok(())
        }
    }

    /// Counts a failed authentication from `peer`.
    pub fn failed(&self, peer: IpAddr, now: Timestamp) {
        let peer = client(peer);
        let mut peers = self.peers.lock().unwrap_or_else(PoisonError::into_inner);
        if peers.len() >= MAX_PEERS && !peers.contains_key(&peer) {
            peers.retain(|_, f| !remaining(f.since, now).is_zero());
            if peers.len() >= MAX_PEERS
                && let Some(least) = peers
                    .iter()
                    .min_by_key(|(_, f)| (f.count, f.since))
                    .map(|(p, _)| *p)
            {
                peers.remove(&least);
            }
        }
        let failures = peers.entry(peer).or_insert(Failures {
            since: now,
            count: 0,
        });
        if remaining(failures.since, now).is_zero() {
            *failures = Failures {
                since: now,
                count: 0,
            };
        }
        failures.count = failures.count.saturating_add(1);
        if failures.count == MAX_FAILURES {
            tracing::warn!(%peer, "relay: {MAX_FAILURES} failed authentications; locked out for {} s", WINDOW.as_secs());
        }
    }
}

/// Time left of a window that began at `since`.
fn remaining(since: Timestamp, now: Timestamp) -> Duration {
    let elapsed = u64::try_from(now.0.saturating_sub(since.0)).unwrap_or(0);
    WINDOW.saturating_sub(Duration::from_millis(elapsed))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn locked_out_after_the_limit_until_the_window_ends_per_address() {
        let t = AuthThrottle::default();
        let (a, b) = (ip("192.0.2.1"), ip("2001:db8::1"));
        for i in 0..MAX_FAILURES {
            assert!(
                t.check(a, Timestamp(i64::from(i) * 1_000)).is_ok(),
                "failure {i}"
            );
            t.failed(a, Timestamp(i64::from(i) * 1_000));
        }
        assert_eq!(
            t.check(a, Timestamp(59_000)),
            Err(Duration::from_secs(541)),
            "counted from the first failure"
        );
        assert!(
            t.check(b, Timestamp(59_000)).is_ok(),
            "addresses are separate"
        );
        assert!(t.check(a, Timestamp(599_999)).is_err());
        assert!(t.check(a, Timestamp(600_000)).is_ok(), "the window ended");
        t.failed(a, Timestamp(600_000));
        assert!(t.check(a, Timestamp(600_001)).is_ok(), "a fresh window");
    }

    #[test]
    fn failures_spread_over_more_than_a_window_never_lock_out() {
        let t = AuthThrottle::default();
        let a = ip("192.0.2.1");
        for i in 0..100 {
            let now = Timestamp(i * 120_000);
            assert!(t.check(a, now).is_ok(), "failure {i}");
            t.failed(a, now);
        }
    }

    #[test]
    fn memory_is_bounded_and_keeps_locked_out_addresses() {
        let t = AuthThrottle::default();
        let attacker = ip("198.51.100.9");
        for _ in 0..MAX_FAILURES {
            t.failed(attacker, Timestamp(0));
        }
        for i in 0..(u32::try_from(MAX_PEERS).unwrap() * 2) {
            t.failed(
                IpAddr::from(std::net::Ipv4Addr::from(0x0a00_0000 + i)),
                Timestamp(1),
            );
        }
        assert!(t.peers.lock().unwrap().len() <= MAX_PEERS);
        assert!(
            t.check(attacker, Timestamp(2)).is_err(),
            "one-failure newcomers went first"
        );
    }

    #[test]
    fn an_ipv6_host_is_counted_by_its_64() {
        let t = AuthThrottle::default();
        for i in 0..MAX_FAILURES {
            t.failed(ip(&format!("2001:db8:1:2::{i:x}")), Timestamp(0));
        }
        assert!(t.check(ip("2001:db8:1:2:ffff::1"), Timestamp(0)).is_err());
        assert!(t.check(ip("2001:db8:1:3::1"), Timestamp(0)).is_ok());
        t.failed(ip("::ffff:192.0.2.1"), Timestamp(0));
        assert_eq!(
            t.peers
                .lock()
                .unwrap()
                .get(&ip("192.0.2.1"))
                .map(|f| f.count),
            Some(1)
        );
    }
}
