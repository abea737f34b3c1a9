//! A small HTTP/1.1 keep-alive client over TCP + rustls: it writes request bytes as the core
//! built them and reads one response. Idle connections are kept for the next request.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::pki_types::ServerName;

/// Largest response accepted (Twilio's are a few KiB).
const MAX_RESPONSE: usize = 256 * 1024;
/// Idle connections kept.
const MAX_IDLE: usize = 32;

trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

/// What went wrong below HTTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
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

/// A complete response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawResponse {
    /// The whole response as received (head and body, body possibly chunked).
    pub bytes: Vec<u8>,
    /// Whether the server allows reusing the connection.
    pub keep_alive: bool,
}

/// Where requests go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// `https` or `http`.
    pub tls: bool,
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
pub struct Pool {
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
    pub fn new(endpoint: Endpoint, tls: Arc<rustls::ClientConfig>, timeout: Duration) -> Self {
        Self {
            endpoint,
            tls: TlsConnector::from(tls),
            timeout,
            idle: Mutex::new(Vec::new()),
        }
    }

    /// The endpoint.
    pub fn endpoint(&self) -> &Endpoint {
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

    /// Sends `request` and reads one response, on an idle connection if there is one.
    pub async fn exchange(&self, request: &[u8]) -> Result<RawResponse, TransportError> {
        let reused = self
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        if let Some(mut conn) = reused {
            match tokio::time::timeout(self.timeout, exchange_on(&mut conn, request)).await {
                Ok(Ok(resp)) => return Ok(self.keep(conn, resp)),
                // The server closed the idle connection before answering: nothing was
                // processed, so the request goes again on a fresh connection.
                Ok(Err(Attempt::ClosedBeforeResponse)) => {}
                Ok(Err(Attempt::Failed(e))) => return Err(e),
                Err(_) => return Err(TransportError::Timeout),
            }
        }
        let mut conn = self.connect().await?;
        match tokio::time::timeout(self.timeout, exchange_on(&mut conn, request)).await {
            Ok(Ok(resp)) => Ok(self.keep(conn, resp)),
            Ok(Err(Attempt::ClosedBeforeResponse)) => Err(TransportError::Reset),
            Ok(Err(Attempt::Failed(e))) => Err(e),
            Err(_) => Err(TransportError::Timeout),
        }
    }

    fn keep(&self, conn: Box<dyn Stream>, resp: RawResponse) -> RawResponse {
        if resp.keep_alive {
            let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
            if idle.len() < MAX_IDLE {
                idle.push(conn);
            }
        }
        resp
    }
}

enum Attempt {
    ClosedBeforeResponse,
    Failed(TransportError),
}

async fn exchange_on(conn: &mut Box<dyn Stream>, request: &[u8]) -> Result<RawResponse, Attempt> {
    if conn.write_all(request).await.is_err() || conn.flush().await.is_err() {
        return Err(Attempt::ClosedBeforeResponse);
    }
    let mut buf = Vec::with_capacity(4096);
    let mut chunk = [0u8; 8192];
    loop {
        let n = match conn.read(&mut chunk).await {
            Ok(0) | Err(_) if buf.is_empty() => return Err(Attempt::ClosedBeforeResponse),
            Ok(0) | Err(_) => return Err(Attempt::Failed(TransportError::Reset)),
            Ok(n) => n,
        };
        buf.extend_from_slice(chunk.get(..n).unwrap_or_default());
        if buf.len() > MAX_RESPONSE {
            return Err(Attempt::Failed(TransportError::Invalid));
        }
        match response_complete(&buf) {
            Ok(Some(keep_alive)) => {
                return Ok(RawResponse {
                    bytes: buf,
                    keep_alive,
                });
            }
            Ok(None) => {}
            Err(()) => return Err(Attempt::Failed(TransportError::Invalid)),
        }
    }
}

/// `Some(keep_alive)` once `buf` holds a whole response.
fn response_complete(buf: &[u8]) -> Result<Option<bool>, ()> {
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut resp = httparse::Response::new(&mut headers);
    let head_len = match resp.parse(buf).map_err(|_| ())? {
        httparse::Status::Complete(n) => n,
        httparse::Status::Partial => return Ok(None),
    };
    let header = |name: &str| {
        resp.headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| String::from_utf8_lossy(h.value).trim().to_ascii_lowercase())
    };
    let keep_alive = header("connection").is_none_or(|v| v != "close");
    let body = buf.get(head_len..).unwrap_or_default();
    if header("transfer-encoding").is_some_and(|v| v.contains("chunked")) {
        return Ok(chunked_complete(body)?.then_some(keep_alive));
    }
    match header("content-length") {
        Some(len) => {
            let len: usize = len.parse().map_err(|_| ())?;
            Ok((body.len() >= len).then_some(keep_alive))
        }
        // No length: the body ends when the server closes; we never get here with Twilio.
        None => Err(()),
    }
}

fn chunked_complete(mut body: &[u8]) -> Result<bool, ()> {
    loop {
        let Some(line_end) = body.windows(2).position(|w| w == b"\r\n") else {
            return Ok(false);
        };
        let size_text = std::str::from_utf8(body.get(..line_end).ok_or(())?).map_err(|_| ())?;
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
            .map_err(|_| ())?;
        let rest = body.get(line_end + 2..).ok_or(())?;
        if size == 0 {
            // Trailers end with an empty line.
            return Ok(rest.windows(2).any(|w| w == b"\r\n"));
        }
        if rest.len() < size + 2 {
            return Ok(false);
        }
        body = rest.get(size + 2..).ok_or(())?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completeness() {
        assert_eq!(
            response_complete(b"HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n{"),
            Ok(None)
        );
        assert_eq!(
            response_complete(b"HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n{}"),
            Ok(Some(true))
        );
        assert_eq!(
            response_complete(
                b"HTTP/1.1 201 Created\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
            ),
            Ok(Some(false))
        );
        let chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n";
        assert_eq!(response_complete(chunked), Ok(Some(true)));
        assert_eq!(response_complete(&chunked[..chunked.len() - 2]), Ok(None));
        assert!(response_complete(b"garbage\r\n\r\n").is_err());
    }
}
