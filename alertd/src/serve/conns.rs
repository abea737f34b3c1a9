//! The table of a listener's open connections: a fixed number of places; when they are all taken, the
//! connection that has waited longest without a request in progress (idle keep-alive, or a
//! request head still arriving) is closed to make room for the new one.
//!
//! Why eviction and not a per-address cap: a per-address cap lets a few hosts (or one host
//! behind several addresses) fill the table, and would refuse a busy Prometheus or a NAT'ed
//! office. A connection that is not working costs the server nothing to drop; a request being
//! answered is never dropped, and a new connection (a real sender, which writes its request at
//! once) is the youngest, so only a flood of more connections than the table holds within one
//! round trip could push it out.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::Notify;
use tokio::time::Instant;

/// One open connection.
#[derive(Debug)]
pub(crate) struct Conn {
    id: u64,
    busy: AtomicUsize,
    /// Milliseconds after the table's epoch when it last started or finished a request.
    last_active_ms: AtomicU64,
    evicted: Notify,
    epoch: Instant,
}

impl Conn {
    /// Marks a request in progress until the guard is dropped.
    pub(crate) fn busy(self: &Arc<Self>) -> BusyGuard {
        self.busy.fetch_add(1, Ordering::SeqCst);
        self.touch();
        BusyGuard(self.clone())
    }

    fn touch(&self) {
        let ms = u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_active_ms.store(ms, Ordering::Relaxed);
    }

    /// Whether a request is being answered.
    pub(crate) fn is_busy(&self) -> bool {
        self.busy.load(Ordering::SeqCst) > 0
    }

    /// How long it has been without a request in progress (zero while one is).
    pub(crate) fn idle_for(&self) -> std::time::Duration {
        if self.busy.load(Ordering::SeqCst) > 0 {
            return std::time::Duration::ZERO;
        }
        let now = self.epoch.elapsed();
        now.saturating_sub(std::time::Duration::from_millis(
            self.last_active_ms.load(Ordering::Relaxed),
        ))
    }

    /// Resolves when the table closed this connection to make room.
    pub(crate) async fn evicted(&self) {
        self.evicted.notified().await;
    }
}

/// Ends a request's busy mark.
pub(crate) struct BusyGuard(Arc<Conn>);

impl Drop for BusyGuard {
    fn drop(&mut self) {
        self.0.touch();
        self.0.busy.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The open connections, up to a maximum.
#[derive(Debug)]
pub(crate) struct ConnTable {
    max: usize,
    epoch: Instant,
    inner: Mutex<Inner>,
    evictions: AtomicU64,
}

#[derive(Debug, Default)]
struct Inner {
    next_id: u64,
    /// By id: oldest first.
    open: BTreeMap<u64, Arc<Conn>>,
}

impl ConnTable {
    /// A table with room for `max` connections.
    pub(crate) fn new(max: usize) -> Self {
        Self {
            max,
            epoch: Instant::now(),
            inner: Mutex::new(Inner::default()),
            evictions: AtomicU64::new(0),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A place for a new connection, closing the oldest one without a request in progress
    /// when the table is full; `None` when every connection is answering a request.
    pub(crate) fn admit(&self) -> Option<Arc<Conn>> {
        let mut inner = self.lock();
        if inner.open.len() >= self.max {
            if !Self::evict_oldest_idle(&mut inner) {
                return None;
            }
            self.evictions_add(1);
        }
        let id = inner.next_id;
        inner.next_id += 1;
        let conn = Arc::new(Conn {
            id,
            busy: AtomicUsize::new(0),
            last_active_ms: AtomicU64::new(0),
            evicted: Notify::new(),
            epoch: self.epoch,
        });
        conn.touch();
        inner.open.insert(id, conn.clone());
        Some(conn)
    }

    fn evictions_add(&self, n: u64) {
        self.evictions.fetch_add(n, Ordering::Relaxed);
    }

    fn evict_oldest_idle(inner: &mut Inner) -> bool {
        let Some(id) = inner
            .open
            .values()
            .find(|c| c.busy.load(Ordering::SeqCst) == 0)
            .map(|c| c.id)
        else {
            return false;
        };
        if let Some(conn) = inner.open.remove(&id) {
            // A stored permit: the connection's task sees it even if not waiting yet.
            conn.evicted.notify_one();
        }
        true
    }

    /// Closes the oldest connection without a request in progress (the process is out of
    /// file descriptors); false when there is none.
    pub(crate) fn shed_one(&self) -> bool {
        let shed = Self::evict_oldest_idle(&mut self.lock());
        if shed {
            self.evictions_add(1);
        }
        shed
    }

    /// Forgets a connection that has closed.
    pub(crate) fn remove(&self, conn: &Conn) {
        self.lock().open.remove(&conn.id);
    }

    /// Connections open now.
    pub(crate) fn open(&self) -> usize {
        self.lock().open.len()
    }

    /// Connections closed to make room, since the start.
    pub(crate) fn evictions(&self) -> u64 {
        self.evictions.load(Ordering::Relaxed)
    }

    /// The most connections served at once.
    pub(crate) fn max(&self) -> usize {
        self.max
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_full_table_closes_the_oldest_idle_connection_and_never_a_busy_one() {
        let table = ConnTable::new(2);
        let first = table.admit().unwrap();
        let second = table.admit().unwrap();
        let _working = first.busy();
        let third = table.admit().expect("room made by closing the idle one");
        // The second was idle: it is told to close; the busy first stays.
        tokio::time::timeout(std::time::Duration::from_secs(1), second.evicted())
            .await
            .unwrap();
        assert_eq!(table.open(), 2);
        let _also_working = third.busy();
        assert!(table.admit().is_none(), "every connection is answering");
    }

    #[test]
    fn a_busy_connection_is_not_idle() {
        let table = ConnTable::new(4);
        let c = table.admit().unwrap();
        let guard = c.busy();
        assert_eq!(c.idle_for(), std::time::Duration::ZERO);
        drop(guard);
        table.remove(&c);
        assert_eq!(table.open(), 0);
    }
}
