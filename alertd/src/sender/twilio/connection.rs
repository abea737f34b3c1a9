//! A small HTTP/1.1 keep-alive client over TCP + rustls (directly or through an HTTPS proxy's
//! tunnel): it writes request bytes as the core built them and reads one response. Idle
//! connections are kept for the next request, and reused only while the server keeps them
//! open: a request is written at most once.

use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::Poll;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::Instant;
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::pki_types::ServerName;
use twilio_core::response::{Progress, Response, ResponseParser};

use super::proxy::Proxy;

/// Largest response accepted (Twilio's are a few KiB).
const MAX_RESPONSE: usize = 64 * 1024;
/// Idle connections kept.
const MAX_IDLE: usize = 32;
/// How long an idle connection is kept: well under the idle timeouts of Twilio's and other
/// HTTP front ends (a minute or more), so alertd, not the server, retires it.
pub(crate) const IDLE_TIMEOUT: Duration = Duration::from_secs(20);

trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

/// What went wrong below HTTP.
///
/// The first three happen before a byte of the request is written: the request can safely go
/// again. After the request was written, a failure leaves its outcome unknown: Twilio may have
/// acted on it (see [`TransportError::request_may_have_arrived`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub(crate) enum TransportError {
    /// TCP connect failed or timed out.
    #[error("cannot connect")]
    Connect,
    /// The HTTPS proxy is unreachable or refused the tunnel.
    #[error("the HTTPS proxy did not open a tunnel")]
    Proxy,
    /// TLS handshake failed or timed out (including an untrusted certificate).
    #[error("TLS handshake failed")]
    Tls,
    /// The connection broke after the request was written, before a whole response arrived.
    #[error("connection closed or reset before a complete response")]
    Reset,
    /// No whole response in time.
    #[error("timed out waiting for the response")]
    Timeout,
    /// The response is not HTTP/1.1 we can read, or is too large.
    #[error("malformed or oversized response")]
    Invalid,
}

impl TransportError {
    /// Whether request bytes may have reached the server: sending again could act twice.
    pub(crate) fn request_may_have_arrived(self) -> bool {
        matches!(self, Self::Reset | Self::Timeout | Self::Invalid)
    }
}

/// Where requests go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// `https` or `http`.
    pub(crate) tls: bool,
    /// Host name or address (no port).
    pub host: String,
    /// Port.
    pub port: u16,
    /// `Host` header value (`host` or `host:port`).
    pub host_header: String,
}

impl Endpoint {
    /// Parses `https://host[:port]` or `http://host[:port]` (a trailing path is not allowed).
    ///
    /// ```
    /// use alertd::sender::twilio::connection::Endpoint;
    /// let e = Endpoint::parse("https://127.0.0.1:8443").unwrap();
    /// assert_eq!((e.host.as_str(), e.port, e.host_header.as_str()), ("127.0.0.1", 8443, "127.0.0.1:8443"));
    /// assert_eq!(Endpoint::parse("https://api.twilio.com").unwrap().port, 443);
    /// assert!(Endpoint::parse("ftp://x").is_none());
    /// ```
    pub fn parse(base: &str) -> Option<Self> {
        let (tls, rest) = if let Some(r) = base.strip_prefix("https://") {
            (true, r)
        } else {
            (false, base.strip_prefix("http://")?)
        };
        let authority = rest.trim_end_matches('/');
        if authority.is_empty() || authority.contains('/') {
            return None;
        }
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) if !h.ends_with(']') || h.starts_with('[') => (h, p.parse().ok()?),
            _ => (authority, if tls { 443 } else { 80 }),
        };
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        Some(Self {
            tls,
            host,
            port,
            host_header: authority.to_owned(),
        })
    }
}

/// A connection waiting for the next request.
struct Idle {
    conn: Box<dyn Stream>,
    since: Instant,
}

/// Keep-alive connections to one endpoint.
pub(crate) struct Pool {
    endpoint: Endpoint,
    proxy: Option<Proxy>,
    tls: TlsConnector,
    timeout: Duration,
    idle: Mutex<Vec<Idle>>,
}

impl std::fmt::Debug for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pool")
            .field("endpoint", &self.endpoint)
            .field("proxy", &self.proxy)
            .finish_non_exhaustive()
    }
}

impl Pool {
    /// A pool for `endpoint`, through `proxy` if set, using `tls` for https.
    pub(crate) fn new(
        endpoint: Endpoint,
        proxy: Option<Proxy>,
        tls: Arc<rustls::ClientConfig>,
        timeout: Duration,
    ) -> Self {
        Self {
            endpoint,
            proxy,
            tls: TlsConnector::from(tls),
            timeout,
            idle: Mutex::new(Vec::new()),
        }
    }

    /// The endpoint.
    pub(crate) fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    async fn connect(&self) -> Result<Box<dyn Stream>, TransportError> {
        let tcp = tokio::time::timeout(self.timeout, self.open_tcp())
            .await
            .map_err(|_| {
                if self.proxy.is_some() {
                    TransportError::Proxy
                } else {
                    TransportError::Connect
                }
            })??;
        if !self.endpoint.tls {
            return Ok(Box::new(tcp));
        }
        let name =
            ServerName::try_from(self.endpoint.host.clone()).map_err(|_| TransportError::Tls)?;
        let tls = tokio::time::timeout(self.timeout, self.tls.connect(name, tcp))
            .await
            .map_err(|_| TransportError::Tls)?
            .map_err(|e| {
                tracing::warn!(
                    "TLS handshake with {} failed: {e}",
                    self.endpoint.host_header
                );
                TransportError::Tls
            })?;
        Ok(Box::new(tls))
    }

    /// A TCP stream to the endpoint, or a tunnel to it through the proxy.
    async fn open_tcp(&self) -> Result<TcpStream, TransportError> {
        let Some(proxy) = &self.proxy else {
            let addr = (self.endpoint.host.as_str(), self.endpoint.port);
            let tcp = TcpStream::connect(addr)
                .await
                .map_err(|_| TransportError::Connect)?;
            let _ = tcp.set_nodelay(true);
            return Ok(tcp);
        };
        let mut tcp = TcpStream::connect((proxy.host.as_str(), proxy.port))
            .await
            .map_err(|e| {
                tracing::warn!(
                    "cannot connect to the HTTPS proxy {}:{}: {e}",
                    proxy.host,
                    proxy.port
                );
                TransportError::Proxy
            })?;
        let _ = tcp.set_nodelay(true);
        proxy
            .tunnel(&mut tcp, &self.endpoint)
            .await
            .map_err(|reason| {
                tracing::warn!("HTTPS proxy {}:{}: {reason}", proxy.host, proxy.port);
                TransportError::Proxy
            })?;
        Ok(tcp)
    }

    /// A kept connection that is still open, if there is one. A connection the server has
    /// closed (or is closing: idle too long) must not carry a request, since a request written
    /// into a closing connection may or may not have been acted on.
    async fn take_idle(&self) -> Option<Box<dyn Stream>> {
        loop {
            let idle = self
                .idle
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .pop()?;
            if idle.since.elapsed() >= IDLE_TIMEOUT {
                continue;
            }
            let mut conn = idle.conn;
            if still_open(&mut conn).await {
                return Some(conn);
            }
        }
    }

    /// Sends `request` once, reads one response with twilio-core's parser and hands it to
    /// `read`, on a kept connection that is still open, else a new one. Never sends twice:
    /// after the request is written, a failure is returned as it is
    /// ([`TransportError::request_may_have_arrived`]).
    pub(crate) async fn exchange<R>(
        &self,
        request: &[u8],
        read: impl Fn(&Response<'_>) -> R,
    ) -> Result<R, TransportError> {
        let mut buf = vec![0u8; MAX_RESPONSE];
        let mut conn = match self.take_idle().await {
            Some(conn) => conn,
            None => self.connect().await?,
        };
        match tokio::time::timeout(
            self.timeout,
            exchange_on(&mut conn, request, &mut buf, &read),
        )
        .await
        {
            Ok(Ok((r, keep_alive))) => {
                self.keep(conn, keep_alive);
                Ok(r)
            }
            Ok(Err(e)) => Err(e),
            Err(_) => Err(TransportError::Timeout),
        }
    }

    fn keep(&self, conn: Box<dyn Stream>, keep_alive: bool) {
        if keep_alive {
            let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
            if idle.len() < MAX_IDLE {
                idle.push(Idle {
                    conn,
                    since: Instant::now(),
                });
            }
        }
    }
}

/// Whether the server has neither closed `conn` nor sent anything on it unasked, as hyper
/// checks a pooled connection before reuse. One poll, after letting the runtime take in
/// pending socket events (a FIN that arrived while the connection sat idle).
async fn still_open(conn: &mut Box<dyn Stream>) -> bool {
    tokio::task::yield_now().await;
    let mut byte = [0u8; 1];
    std::future::poll_fn(|cx| {
        let mut buf = ReadBuf::new(&mut byte);
        // Ready means EOF, an error, or bytes nobody asked for: the connection is done.
        Poll::Ready(Pin::new(&mut *conn).poll_read(cx, &mut buf).is_pending())
    })
    .await
}

async fn exchange_on<R>(
    conn: &mut Box<dyn Stream>,
    request: &[u8],
    buf: &mut [u8],
    read: &impl Fn(&Response<'_>) -> R,
) -> Result<(R, bool), TransportError> {
    if conn.write_all(request).await.is_err() || conn.flush().await.is_err() {
        // Part of the request may be on its way: its outcome is as unknown as a reset's.
        return Err(TransportError::Reset);
    }
    let mut parser = ResponseParser::new(buf);
    let mut chunk = [0u8; 8192];
    loop {
        let n = match conn.read(&mut chunk).await {
            Ok(0) => match parser.finish() {
                Ok(Progress::Complete { .. }) => break,
                _ => return Err(TransportError::Reset),
            },
            Err(_) => return Err(TransportError::Reset),
            Ok(n) => n,
        };
        match parser.feed(chunk.get(..n).unwrap_or_default()) {
            Ok(Progress::Complete { .. }) => break,
            Ok(Progress::Partial) => {}
            Err(_) => return Err(TransportError::Invalid),
        }
    }
    let resp = parser.response().ok_or(TransportError::Invalid)?;
    Ok((read(&resp), resp.keep_alive))
}
