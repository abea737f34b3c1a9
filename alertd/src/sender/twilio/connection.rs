//! A small HTTP/1.1 keep-alive client over TCP + rustls: it writes request bytes as the core
//! built them and reads one response. Idle connections are kept for the next request.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::pki_types::ServerName;
use twilio_core::response::{Progress, Response, ResponseParser};

/// Largest response accepted (Twilio's are a few KiB).
const MAX_RESPONSE: usize = 64 * 1024;
/// Idle connections kept.
const MAX_IDLE: usize = 32;

trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

/// What went wrong below HTTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub(crate) enum TransportError {
    /// TCP connect failed or timed out.
    #[error("cannot connect")]
    Connect,
    /// TLS handshake failed (including an untrusted certificate).
    #[error("TLS handshake failed")]
    Tls,
    /// The connection broke before a whole response arrived.
    #[error("connection reset before a complete response")]
    Reset,
    /// No whole response in time.
    #[error("timed out waiting for the response")]
    Timeout,
    /// The response is not HTTP/1.1 we can read, or is too large.
    #[error("malformed or oversized response")]
    Invalid,
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

/// Keep-alive connections to one endpoint.
pub(crate) struct Pool {
    endpoint: Endpoint,
    tls: TlsConnector,
    timeout: Duration,
    idle: Mutex<Vec<Box<dyn Stream>>>,
}

impl std::fmt::Debug for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pool")
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

impl Pool {
    /// A pool for `endpoint` using `tls` for https.
    pub(crate) fn new(
        endpoint: Endpoint,
        tls: Arc<rustls::ClientConfig>,
        timeout: Duration,
    ) -> Self {
        Self {
            endpoint,
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
        let addr = (self.endpoint.host.as_str(), self.endpoint.port);
        let tcp = tokio::time::timeout(self.timeout, TcpStream::connect(addr))
            .await
            .map_err(|_| TransportError::Connect)?
            .map_err(|_| TransportError::Connect)?;
        let _ = tcp.set_nodelay(true);
        if !self.endpoint.tls {
            return Ok(Box::new(tcp));
        }
        let name =
            ServerName::try_from(self.endpoint.host.clone()).map_err(|_| TransportError::Tls)?;
        let tls = tokio::time::timeout(self.timeout, self.tls.connect(name, tcp))
            .await
            .map_err(|_| TransportError::Timeout)?
            .map_err(|e| {
                tracing::warn!(
                    "TLS handshake with {} failed: {e}",
                    self.endpoint.host_header
                );
                TransportError::Tls
            })?;
        Ok(Box::new(tls))
    }

    /// Sends `request`, reads one response with twilio-core's parser and hands it to `read`,
    /// on an idle connection if there is one.
    pub(crate) async fn exchange<R>(
        &self,
        request: &[u8],
        read: impl Fn(&Response<'_>) -> R,
    ) -> Result<R, TransportError> {
        let mut buf = vec![0u8; MAX_RESPONSE];
        let reused = self
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        if let Some(mut conn) = reused {
            match tokio::time::timeout(
                self.timeout,
                exchange_on(&mut conn, request, &mut buf, &read),
            )
            .await
            {
                Ok(Ok((r, keep_alive))) => {
                    self.keep(conn, keep_alive);
                    return Ok(r);
                }
                // The server closed the idle connection before answering: nothing was
                // processed, so the request goes again on a fresh connection.
                Ok(Err(Attempt::ClosedBeforeResponse)) => {}
                Ok(Err(Attempt::Failed(e))) => return Err(e),
                Err(_) => return Err(TransportError::Timeout),
            }
        }
        let mut conn = self.connect().await?;
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
            Ok(Err(Attempt::ClosedBeforeResponse)) => Err(TransportError::Reset),
            Ok(Err(Attempt::Failed(e))) => Err(e),
            Err(_) => Err(TransportError::Timeout),
        }
    }

    fn keep(&self, conn: Box<dyn Stream>, keep_alive: bool) {
        if keep_alive {
            let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
            if idle.len() < MAX_IDLE {
                idle.push(conn);
            }
        }
    }
}

enum Attempt {
    ClosedBeforeResponse,
    Failed(TransportError),
}

async fn exchange_on<R>(
    conn: &mut Box<dyn Stream>,
    request: &[u8],
    buf: &mut [u8],
    read: &impl Fn(&Response<'_>) -> R,
) -> Result<(R, bool), Attempt> {
    if conn.write_all(request).await.is_err() || conn.flush().await.is_err() {
        return Err(Attempt::ClosedBeforeResponse);
    }
    let mut parser = ResponseParser::new(buf);
    let mut chunk = [0u8; 8192];
    let mut received = 0usize;
    loop {
        let n = match conn.read(&mut chunk).await {
            Ok(0) | Err(_) if received == 0 => return Err(Attempt::ClosedBeforeResponse),
            Ok(0) => match parser.finish() {
                Ok(Progress::Complete { .. }) => break,
                _ => return Err(Attempt::Failed(TransportError::Reset)),
            },
            Err(_) => return Err(Attempt::Failed(TransportError::Reset)),
            Ok(n) => n,
        };
        received += n;
        match parser.feed(chunk.get(..n).unwrap_or_default()) {
            Ok(Progress::Complete { .. }) => break,
            Ok(Progress::Partial) => {}
            Err(_) => return Err(Attempt::Failed(TransportError::Invalid)),
        }
    }
    let resp = parser
        .response()
        .ok_or(Attempt::Failed(TransportError::Invalid))?;
    Ok((read(&resp), resp.keep_alive))
}
