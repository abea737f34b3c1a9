//! The one source of time: every timer in alertd sleeps through a [`Clock`].
//!
//! Production uses [`SystemClock`]; tests use [`ManualClock`] and move time forward explicitly,
//! so no test sleeps to test a timer.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::sync::watch;

use crate::domain::time::Timestamp;

/// A boxed future that sleeps.
pub(crate) type Sleep = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// Current time and sleeping until a deadline.
pub trait Clock: Send + Sync + 'static {
    /// The current wall-clock time.
    fn now(&self) -> Timestamp;
    /// Resolves once [`Clock::now`] has reached `deadline`.
    fn sleep_until(&self, deadline: Timestamp) -> Sleep;
}

/// Shared handle to a clock.
pub type SharedClock = Arc<dyn Clock>;

/// The operating system's clock and tokio's timers.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        let ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
        Timestamp(ms)
    }

    fn sleep_until(&self, deadline: Timestamp) -> Sleep {
        let wait = deadline.since(self.now());
        Box::pin(tokio::time::sleep(wait))
    }
}

/// A clock that only moves when told to.
///
/// ```
/// use alertd::clock::{Clock, ManualClock};
/// use alertd::domain::time::Timestamp;
/// use std::time::Duration;
///
/// let clock = ManualClock::new(Timestamp(0));
/// clock.advance(Duration::from_secs(30));
/// assert_eq!(clock.now(), Timestamp(30_000));
/// ```
#[derive(Debug, Clone)]
pub struct ManualClock {
    now: Arc<Mutex<Timestamp>>,
    changed: watch::Sender<Timestamp>,
}

impl ManualClock {
    /// A clock standing at `start`.
    pub fn new(start: Timestamp) -> Self {
        let (changed, _) = watch::channel(start);
        Self {
            now: Arc::new(Mutex::new(start)),
            changed,
        }
    }

    /// Moves time forward by `d`, waking every sleeper whose deadline has passed.
    pub fn advance(&self, d: Duration) {
        let mut now = self.now.lock().unwrap_or_else(PoisonError::into_inner);
        *now = now.after(d);
        self.changed.send_replace(*now);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        *self.now.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn sleep_until(&self, deadline: Timestamp) -> Sleep {
        let mut rx = self.changed.subscribe();
        Box::pin(async move {
            loop {
                if *rx.borrow_and_update() >= deadline {
                    return;
                }
                if rx.changed().await.is_err() {
                    // The clock is gone: nothing will ever wake us, so never resolve.
                    std::future::pending::<()>().await;
                }
            }
        })
    }
}

/// Sleeps for `d` on `clock`.
pub(crate) fn sleep(clock: &dyn Clock, d: Duration) -> Sleep {
    clock.sleep_until(clock.now().after(d))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn manual_sleep_wakes_only_when_advanced() {
        let clock = ManualClock::new(Timestamp(0));
        let mut sleeper = tokio::spawn(clock.sleep_until(Timestamp(5_000)));
        clock.advance(Duration::from_secs(4));
        tokio::task::yield_now().await;
        assert!(
            tokio::time::timeout(Duration::from_millis(20), &mut sleeper)
                .await
                .is_err()
        );
        clock.advance(Duration::from_secs(1));
        tokio::time::timeout(Duration::from_secs(5), sleeper)
            .await
            .unwrap()
            .unwrap();
    }

    #[tokio::test]
    async fn past_deadline_resolves_at_once() {
        let clock = ManualClock::new(Timestamp(10_000));
        tokio::time::timeout(Duration::from_secs(5), clock.sleep_until(Timestamp(1)))
            .await
            .unwrap();
    }
}
