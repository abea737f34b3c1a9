//! The HTTP/1.1 server under the API and the device relay: one task per connection, with a
//! time limit on each request head, an idle keep-alive limit, and a table of connections that
//! keeps the number of open connections under what the open-files limit allows, closing idle
//! and slow ones first, so clients that open connections and send nothing (or send slowly)
//! cannot stop ingest or relaying. Body read time is limited where bodies are read
//! (`server.body_read_timeout`). With a certificate it serves HTTPS; the handshake counts
//! against the head's time limit.

mod conns;
mod tls;

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::watch;

use self::conns::{Conn, ConnTable};
pub(crate) use self::tls::ServerTls;
use crate::config::ServerConfig;

/// File descriptors kept for everything but a listener's connections: the store (database,
/// WAL, shared memory), Twilio connections, MQTT, logs.
const RESERVED_FDS: u64 = 128;

/// The server's limits on clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Time for a request head to arrive.
    pub header_read_timeout: Duration,
    /// Time a keep-alive connection may wait for its next request.
    pub idle_timeout: Duration,
    /// Connections served at once.
    pub max_connections: usize,
}

impl Limits {
    /// `[server]`'s limits, with at most as many connections as `open_files` (the soft
    /// open-files limit, when known) leaves room for.
    ///
    /// ```
    /// use alertd::config::ServerConfig;
    /// use alertd::serve::Limits;
    /// let limits = Limits::new(&ServerConfig::default(), Some(1024));
    /// assert_eq!(limits.max_connections, 1024 - 128);
    /// assert_eq!(Limits::new(&ServerConfig::default(), None).max_connections, 4096);
    /// ```
    pub fn new(server: &ServerConfig, open_files: Option<u64>) -> Self {
        let room = open_files.map_or(usize::MAX, |n| {
            usize::try_from(n.saturating_sub(RESERVED_FDS).max(16)).unwrap_or(usize::MAX)
        });
        Self {
            header_read_timeout: server.header_read_timeout,
            idle_timeout: server.idle_timeout,
            max_connections: server.max_connections.min(room),
        }
    }
}

/// The soft open-files limit of this process, if it can be read.
///
/// ```
/// # #[cfg(unix)]
/// assert!(alertd::serve::open_files_limit().is_some_and(|n| n > 0));
/// ```
pub fn open_files_limit() -> Option<u64> {
    rlimit::getrlimit(rlimit::Resource::NOFILE)
        .ok()
        .map(|(soft, _)| soft)
}

/// Open and closed-to-make-room connection counts, for `/metrics` (see `RunningApp`'s
/// `connections`).
#[derive(Debug, Clone)]
pub struct ConnStats(Arc<ConnTable>);

impl ConnStats {
    /// Connections open now.
    pub fn open(&self) -> usize {
        self.0.open()
    }
    /// Connections closed to make room since the start.
    pub fn evicted(&self) -> u64 {
        self.0.evictions()
    }
    /// The most connections served at once.
    pub fn max(&self) -> usize {
        self.0.max()
    }
}

impl crate::metrics::ConnectionCounts for ConnStats {
    fn open(&self) -> u64 {
        u64::try_from(ConnStats::open(self)).unwrap_or(u64::MAX)
    }
    fn max(&self) -> u64 {
        u64::try_from(ConnStats::max(self)).unwrap_or(u64::MAX)
    }
    fn evicted(&self) -> u64 {
        ConnStats::evicted(self)
    }
}

/// What a listener serves: its name in logs, its routes, its certificate (HTTPS) if any.
pub(crate) struct Site {
    /// `API`, `relay`: the log lines' prefix.
    pub(crate) name: &'static str,
    /// The routes; each request carries the peer's address as `ConnectInfo<SocketAddr>`.
    pub(crate) app: Router,
    /// The certificate, for HTTPS.
    pub(crate) tls: Option<ServerTls>,
}

/// Starts serving `site` on `listener` until `stop` turns true: then no connection is
/// accepted, idle ones close, and requests being answered finish. The task ends when the
/// listener is closed; connections finish on their own tasks.
pub(crate) fn serve(
    listener: TcpListener,
    site: Site,
    limits: Limits,
    stop: watch::Receiver<bool>,
) -> (tokio::task::JoinHandle<()>, ConnStats) {
    let table = Arc::new(ConnTable::new(limits.max_connections));
    let stats = ConnStats(table.clone());
    let task = tokio::spawn(accept_loop(listener, site, limits, table, stop));
    (task, stats)
}

async fn stopped(stop: &mut watch::Receiver<bool>) {
    // An error means the sender is gone: that is a stop too.
    let _ = stop.wait_for(|s| *s).await;
}

async fn accept_loop(
    listener: TcpListener,
    site: Site,
    limits: Limits,
    table: Arc<ConnTable>,
    mut stop: watch::Receiver<bool>,
) {
    let Site { name, app, tls } = site;
    let app = TowerToHyperService::new(app);
    let mut connections = tokio::task::JoinSet::new();
    loop {
        let accepted = tokio::select! {
            () = stopped(&mut stop) => break,
            a = listener.accept() => a,
        };
        while connections.try_join_next().is_some() {}
        let (tcp, peer) = match accepted {
            Ok(c) => c,
            Err(e) => {
                // Out of file descriptors: give one back by closing an idle connection, then
                // try again (without spinning).
                let shed = table.shed_one();
                tracing::warn!(shed, "{name}: accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let Some(conn) = table.admit() else {
            // Every connection is answering a request: this one waits for a later try.
            tracing::warn!(%peer, "{name}: connection refused, every connection is busy");
            continue;
        };
        let _ = tcp.set_nodelay(true);
        let service = Tracked {
            inner: app.clone(),
            conn: conn.clone(),
            peer,
        };
        let (table, mut stop) = (table.clone(), stop.clone());
        // The config in force when the connection came: a reload applies to the next ones.
        let acceptor = tls.as_ref().map(ServerTls::acceptor);
        connections.spawn(async move {
            match acceptor {
                None => serve_connection(tcp, service, (name, limits), &conn, stop).await,
                Some(acceptor) => {
                    let handshake =
                        tokio::time::timeout(limits.header_read_timeout, acceptor.accept(tcp));
                    let done = tokio::select! {
                        r = handshake => r,
                        () = conn.evicted() => Ok(Err(std::io::ErrorKind::ConnectionAborted.into())),
                        () = stopped(&mut stop) => Ok(Err(std::io::ErrorKind::ConnectionAborted.into())),
                    };
                    match done {
                        Ok(Ok(stream)) => {
                            serve_connection(stream, service, (name, limits), &conn, stop).await;
                        }
                        Ok(Err(e)) => tracing::debug!(%peer, "{name}: TLS handshake failed: {e}"),
                        Err(_) => tracing::debug!(%peer, "{name}: TLS handshake timed out"),
                    }
                }
            }
            table.remove(&conn);
        });
    }
    // The listener closes here; connections still open finish their requests.
    drop(listener);
    while connections.join_next().await.is_some() {}
}

async fn serve_connection<I>(
    io: I,
    service: Tracked,
    (name, limits): (&'static str, Limits),
    conn: &Conn,
    mut stop: watch::Receiver<bool>,
) where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    let served = http.serve_connection(TokioIo::new(io), service);
    tokio::pin!(served);
    let check_every = (limits.idle_timeout / 4).max(Duration::from_millis(100));
    let mut closing = false;
    loop {
        tokio::select! {
            r = served.as_mut() => {
                if let Err(e) = r {
                    tracing::debug!("{name}: connection ended: {e}");
                }
                return;
            }
            () = conn.evicted() => return,
            () = stopped(&mut stop), if !closing => {
                // Idle or still sending its head: nothing to finish, close now (a stop must
                // not wait out the header timeout). A request being answered is answered.
                if !conn.is_busy() {
                    return;
                }
                closing = true;
                served.as_mut().graceful_shutdown();
            }
            () = tokio::time::sleep(check_every), if !closing => {
                if conn.idle_for() >= limits.idle_timeout {
                    closing = true;
                    served.as_mut().graceful_shutdown();
                }
            }
        }
    }
}

/// The router, with the peer's address for handlers and the connection marked busy while a
/// request is answered.
#[derive(Clone)]
struct Tracked {
    inner: TowerToHyperService<Router>,
    conn: Arc<Conn>,
    peer: SocketAddr,
}

type Answer = Pin<Box<dyn Future<Output = Result<axum::response::Response, Infallible>> + Send>>;

impl hyper::service::Service<hyper::Request<Incoming>> for Tracked {
    type Response = axum::response::Response;
    type Error = Infallible;
    type Future = Answer;

    fn call(&self, mut req: hyper::Request<Incoming>) -> Self::Future {
        // What `[sources.tradingview] allowed_ips` and the relay's lockout check.
        req.extensions_mut().insert(ConnectInfo(self.peer));
        let busy = self.conn.busy();
        let answer = self.inner.call(req);
        Box::pin(async move {
            let r = answer.await;
            drop(busy);
            r
        })
    }
}
