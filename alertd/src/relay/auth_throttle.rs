//! Failed device authentications, counted per client address (an IPv6 client by its /64, which
//! one host usually holds whole) and per device the request claimed to be: after
//! [`MAX_FAILURES`] within `WINDOW`, requests from that address claiming that device get
//! Twilio's 429 / 20429 (with `Retry-After`) until the window ends, without their credentials
//! being checked, so a device secret cannot be guessed at network speed. Requests naming no
//! known device count apart from every device's, so a stranger cannot lock real devices out
//! of a shared address (a site's NAT, an IPv6 /64). Devices that authenticate are never
//! counted. On the injected clock.

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

/// Who failures are counted against: a client address and the device user it claimed (`None`
/// for credentials that name no known device).
type Key = (IpAddr, Option<String>);

/// Failed authentications by client address and claimed device.
#[derive(Debug, Default)]
pub struct AuthThrottle {
    peers: Mutex<HashMap<Key, Failures>>,
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
    /// `Err(wait)` while `peer` is locked out for `device` (the known device user the request
    /// claims, `None` for any other), `Ok` otherwise.
    ///
    /// ```
    /// use alertd::relay::auth_throttle::{AuthThrottle, MAX_FAILURES};
    /// use alertd::domain::time::Timestamp;
    /// let throttle = AuthThrottle::default();
    /// let peer = "192.0.2.7".parse().unwrap();
    /// for _ in 0..MAX_FAILURES {
    ///     assert!(throttle.check(peer, None, Timestamp(0)).is_ok());
    ///     throttle.failed(peer, None, Timestamp(0));
    /// }
    /// assert_eq!(throttle.check(peer, None, Timestamp(1_000)).unwrap_err().as_secs(), 599);
    /// assert!(throttle.check(peer, Some("AC0123"), Timestamp(1_000)).is_ok(), "a known device is not");
    /// assert!(throttle.check(peer, None, Timestamp(600_000)).is_ok());
    /// ```
    pub fn check(
        &self,
        peer: IpAddr,
        device: Option<&str>,
        now: Timestamp,
    ) -> Result<(), Duration> {
        let peer = (client(peer), device.map(str::to_owned));
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

    /// Counts a failed authentication from `peer` claiming `device` (see [`Self::check`]).
    pub fn failed(&self, peer: IpAddr, device: Option<&str>, now: Timestamp) {
        let peer = (client(peer), device.map(str::to_owned));
        let mut peers = self.peers.lock().unwrap_or_else(PoisonError::into_inner);
        if peers.len() >= MAX_PEERS && !peers.contains_key(&peer) {
            peers.retain(|_, f| !remaining(f.since, now).is_zero());
            if peers.len() >= MAX_PEERS
                && let Some(least) = peers
                    .iter()
                    .min_by_key(|(_, f)| (f.count, f.since))
                    .map(|(p, _)| p.clone())
            {
                peers.remove(&least);
            }
        }
        let failures = peers.entry(peer.clone()).or_insert(Failures {
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
            let (address, device) = &peer;
            tracing::warn!(%address, device = device.as_deref().unwrap_or("(none known)"), "relay: {MAX_FAILURES} failed authentications; locked out for {} s", WINDOW.as_secs());
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

    const DEV: Option<&str> = Some("AC0123456789abcdef0123456789abcdef");

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn locked_out_after_the_limit_until_the_window_ends_per_address() {
        let t = AuthThrottle::default();
        let (a, b) = (ip("192.0.2.1"), ip("2001:db8::1"));
        for i in 0..MAX_FAILURES {
            assert!(
                t.check(a, DEV, Timestamp(i64::from(i) * 1_000)).is_ok(),
                "failure {i}"
            );
            t.failed(a, DEV, Timestamp(i64::from(i) * 1_000));
        }
        assert_eq!(
            t.check(a, DEV, Timestamp(59_000)),
            Err(Duration::from_secs(541)),
            "counted from the first failure"
        );
        assert!(
            t.check(b, DEV, Timestamp(59_000)).is_ok(),
            "addresses are separate"
        );
        assert!(t.check(a, DEV, Timestamp(599_999)).is_err());
        assert!(
            t.check(a, DEV, Timestamp(600_000)).is_ok(),
            "the window ended"
        );
        t.failed(a, DEV, Timestamp(600_000));
        assert!(
            t.check(a, DEV, Timestamp(600_001)).is_ok(),
            "a fresh window"
        );
    }

    #[test]
    fn failures_spread_over_more_than_a_window_never_lock_out() {
        let t = AuthThrottle::default();
        let a = ip("192.0.2.1");
        for i in 0..100 {
            let now = Timestamp(i * 120_000);
            assert!(t.check(a, DEV, now).is_ok(), "failure {i}");
            t.failed(a, DEV, now);
        }
    }

    #[test]
    fn memory_is_bounded_and_keeps_locked_out_addresses() {
        let t = AuthThrottle::default();
        let attacker = ip("198.51.100.9");
        for _ in 0..MAX_FAILURES {
            t.failed(attacker, DEV, Timestamp(0));
        }
        for i in 0..(u32::try_from(MAX_PEERS).unwrap() * 2) {
            t.failed(
                IpAddr::from(std::net::Ipv4Addr::from(0x0a00_0000 + i)),
                DEV,
                Timestamp(1),
            );
        }
        assert!(t.peers.lock().unwrap().len() <= MAX_PEERS);
        assert!(
            t.check(attacker, DEV, Timestamp(2)).is_err(),
            "one-failure newcomers went first"
        );
    }

    #[test]
    fn an_ipv6_host_is_counted_by_its_64() {
        let t = AuthThrottle::default();
        for i in 0..MAX_FAILURES {
            t.failed(ip(&format!("2001:db8:1:2::{i:x}")), DEV, Timestamp(0));
        }
        assert!(
            t.check(ip("2001:db8:1:2:ffff::1"), DEV, Timestamp(0))
                .is_err()
        );
        assert!(t.check(ip("2001:db8:1:3::1"), DEV, Timestamp(0)).is_ok());
        t.failed(ip("::ffff:192.0.2.1"), DEV, Timestamp(0));
        assert_eq!(
            t.peers
                .lock()
                .unwrap()
                .get(&(ip("192.0.2.1"), DEV.map(str::to_owned)))
                .map(|f| f.count),
            Some(1)
        );
    }

    #[test]
    fn strangers_cannot_lock_a_known_device_out_of_a_shared_address() {
        let t = AuthThrottle::default();
        let nat = ip("203.0.113.5");
        for _ in 0..(MAX_FAILURES * 3) {
            t.failed(nat, None, Timestamp(0));
        }
        assert!(
            t.check(nat, None, Timestamp(1)).is_err(),
            "unknown credentials are throttled"
        );
        assert!(
            t.check(nat, DEV, Timestamp(1)).is_ok(),
            "the device behind the same NAT is not"
        );
        for _ in 0..MAX_FAILURES {
            t.failed(nat, DEV, Timestamp(2));
        }
        assert!(
            t.check(nat, DEV, Timestamp(3)).is_err(),
            "guesses at a known device are"
        );
        assert!(
            t.check(
                nat,
                Some("SK0123456789abcdef0123456789abcdef"),
                Timestamp(3)
            )
            .is_ok(),
            "another device is not"
        );
    }
}
