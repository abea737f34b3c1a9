//! `HTTPS_PROXY` / `NO_PROXY`: gateways often reach the internet only through an HTTP proxy.
//! Requests then go through a `CONNECT` tunnel, so TLS still runs end to end with Twilio and
//! its certificate is verified exactly as without a proxy.

use base64::Engine as _;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use super::connection::Endpoint;

/// Longest proxy answer to a `CONNECT` read (a status line and a few headers).
const MAX_ANSWER: usize = 8 * 1024;

/// A proxy setting that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProxyError {
    /// The proxy URL is not `http://[user:password@]host[:port]`.
    #[error("proxy {0:?} must be http://[user:password@]host[:port]")]
    Url(String),
}

/// The HTTP proxy requests to one endpoint go through.
#[derive(Clone, PartialEq, Eq)]
pub struct Proxy {
    /// Proxy host name or address.
    pub host: String,
    /// Proxy port.
    pub port: u16,
    /// `Proxy-Authorization` value, from the URL's user and password.
    authorization: Option<String>,
}

impl std::fmt::Debug for Proxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The credentials stay out of logs.
        f.debug_struct("Proxy")
            .field("host", &self.host)
            .field("port", &self.port)
            .finish_non_exhaustive()
    }
}

impl Proxy {
    /// The proxy for `endpoint` from the environment: `HTTPS_PROXY` (`HTTP_PROXY` for an
    /// `http://` endpoint), lowercase names too, unless `NO_PROXY` names the host.
    ///
    /// ```
    /// use alertd::sender::twilio::connection::Endpoint;
    /// use alertd::sender::twilio::proxy::Proxy;
    /// let twilio = Endpoint::parse("https://api.twilio.com").unwrap();
    /// let env = |n: &str| match n {
    ///     "HTTPS_PROXY" => Some("http://proxy.lan:3128".to_owned()),
    ///     "NO_PROXY" => Some("localhost,.lan".to_owned()),
    ///     _ => None,
    /// };
    /// let proxy = Proxy::from_env(&twilio, env).unwrap().unwrap();
    /// assert_eq!((proxy.host.as_str(), proxy.port), ("proxy.lan", 3128));
    /// let local = Endpoint::parse("https://sim.lan:8443").unwrap();
    /// assert!(Proxy::from_env(&local, env).unwrap().is_none());
    /// ```
    pub fn from_env(
        endpoint: &Endpoint,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<Self>, ProxyError> {
        let var = |names: [&str; 2]| {
            names
                .into_iter()
                .find_map(|n| env(n).filter(|v| !v.trim().is_empty()))
        };
        let url = if endpoint.tls {
            var(["HTTPS_PROXY", "https_proxy"])
        } else {
            var(["HTTP_PROXY", "http_proxy"])
        };
        let Some(url) = url else {
            return Ok(None);
        };
        if var(["NO_PROXY", "no_proxy"]).is_some_and(|list| bypasses(&list, endpoint)) {
            return Ok(None);
        }
        Self::parse(url.trim()).map(Some)
    }

    /// Parses `http://[user:password@]host[:port]` (the scheme may be left out; port 80 by
    /// default, as curl does).
    fn parse(url: &str) -> Result<Self, ProxyError> {
        let bad = || ProxyError::Url(redacted(url));
        let rest = match url.split_once("://") {
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("http") => rest,
            Some(_) => return Err(bad()),
            None => url,
        };
        let rest = rest.trim_end_matches('/');
        let (userinfo, hostport) = match rest.rsplit_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, rest),
        };
        let endpoint = Endpoint::parse(&format!("http://{hostport}")).ok_or_else(bad)?;
        let authorization = userinfo.map(|u| {
            let (user, password) = u.split_once(':').unwrap_or((u, ""));
            let pair = format!("{}:{}", percent_decoded(user), percent_decoded(password));
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(pair)
            )
        });
        Ok(Self {
            host: endpoint.host,
            port: endpoint.port,
            authorization,
        })
    }

    /// Asks the proxy (on `stream`) for a tunnel to `target`; on success the stream carries
    /// bytes to and from `target`.
    pub(crate) async fn tunnel<S: AsyncRead + AsyncWrite + Unpin>(
        &self,
        stream: &mut S,
        target: &Endpoint,
    ) -> Result<(), String> {
        let authority = if target.host.contains(':') {
            format!("[{}]:{}", target.host, target.port)
        } else {
            format!("{}:{}", target.host, target.port)
        };
        let auth = self
            .authorization
            .as_ref()
            .map(|a| format!("Proxy-Authorization: {a}\r\n"))
            .unwrap_or_default();
        let head = format!("CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n{auth}\r\n");
        stream
            .write_all(head.as_bytes())
            .await
            .map_err(|e| format!("cannot write to the proxy: {e}"))?;
        // Nothing comes after the answer's head until we speak (TLS or HTTP), so reading in
        // chunks never swallows the tunnel's first bytes.
        let mut answer = Vec::new();
        let mut chunk = [0u8; 1024];
        while !answer.ends_with(b"\r\n\r\n") {
            let n = stream
                .read(&mut chunk)
                .await
                .map_err(|e| format!("cannot read from the proxy: {e}"))?;
            if n == 0 {
                return Err("the proxy closed the connection".into());
            }
            answer.extend_from_slice(chunk.get(..n).unwrap_or_default());
            if answer.len() > MAX_ANSWER {
                return Err("the proxy's answer is too long".into());
            }
        }
        let status_line = String::from_utf8_lossy(&answer);
        let status_line = status_line.lines().next().unwrap_or_default();
        match status_line.split_whitespace().nth(1) {
            Some(code) if code.starts_with('2') && status_line.starts_with("HTTP/1.") => Ok(()),
            _ => Err(format!("the proxy refused the tunnel: {status_line}")),
        }
    }
}

/// Whether `NO_PROXY`'s `list` names `endpoint`: `*`, the host itself, or a domain it is in
/// (`example.com` and `.example.com` both cover `api.example.com`); `host:port` matches that
/// port only.
fn bypasses(list: &str, endpoint: &Endpoint) -> bool {
    let host = endpoint.host.to_ascii_lowercase();
    list.split([',', ' '])
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .any(|entry| {
            if entry == "*" {
                return true;
            }
            let entry = entry.to_ascii_lowercase();
            let (name, port) = match entry.rsplit_once(':') {
                Some((n, p)) if !n.contains(':') || n.ends_with(']') => (n, p.parse().ok()),
                _ => (entry.as_str(), None),
            };
            if port.is_some_and(|p: u16| p != endpoint.port) {
                return false;
            }
            let name = name
                .trim_start_matches('[')
                .trim_end_matches(']')
                .trim_start_matches('.');
            host == name || host.ends_with(&format!(".{name}"))
        })
}

/// `%XX` escapes decoded (as URLs write `@` or `:` in a user name or password).
fn percent_decoded(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The URL with any password replaced, for error messages.
fn redacted(url: &str) -> String {
    match url.rsplit_once('@') {
        Some((_, host)) => format!("***@{host}"),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn endpoint(url: &str) -> Endpoint {
        Endpoint::parse(url).unwrap()
    }

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |n| {
            vars.iter()
                .find(|(k, _)| *k == n)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn no_proxy_matches_hosts_domains_ports_and_star() {
        let twilio = endpoint("https://api.twilio.com");
        assert!(bypasses("api.twilio.com", &twilio));
        assert!(bypasses("twilio.com", &twilio));
        assert!(bypasses(".twilio.com", &twilio));
        assert!(bypasses("localhost, *", &twilio));
        assert!(bypasses("TWILIO.COM:443", &twilio));
        assert!(!bypasses("twilio.com:8443", &twilio));
        assert!(!bypasses("notwilio.com,api.twilio.co", &twilio));
        assert!(!bypasses("", &twilio));
        let ip = endpoint("https://127.0.0.1:8443");
        assert!(bypasses("127.0.0.1", &ip));
        assert!(!bypasses("27.0.0.1", &ip));
        assert!(bypasses("[::1],127.0.0.1:8443", &ip));
        assert!(bypasses("[::1]", &endpoint("https://[::1]:8443")));
    }

    #[test]
    fn the_proxy_follows_the_endpoints_scheme_and_no_proxy() {
        let vars = [
            ("https_proxy", "http://secure.proxy:3128"),
            ("HTTP_PROXY", "plain.proxy"),
        ];
        let https = Proxy::from_env(&endpoint("https://api.twilio.com"), env(&vars))
            .unwrap()
            .unwrap();
        assert_eq!((https.host.as_str(), https.port), ("secure.proxy", 3128));
        let http = Proxy::from_env(&endpoint("http://127.0.0.1:9"), env(&vars))
            .unwrap()
            .unwrap();
        assert_eq!((http.host.as_str(), http.port), ("plain.proxy", 80));
        let none = [("NO_PROXY", "*"), vars[0]];
        assert_eq!(
            Proxy::from_env(&endpoint("https://api.twilio.com"), env(&none)).unwrap(),
            None
        );
        assert_eq!(
            Proxy::from_env(&endpoint("https://api.twilio.com"), env(&[])).unwrap(),
            None
        );
    }

    #[test]
    fn proxy_credentials_become_basic_auth_and_stay_out_of_errors() {
        let p = Proxy::parse("http://us%40er:p%3Ass@proxy:8080/").unwrap();
        // base64("us@er:p:ss")
        assert_eq!(p.authorization.as_deref(), Some("Basic dXNAZXI6cDpzcw=="));
        assert!(!format!("{p:?}").contains("Basic"));
        let err = Proxy::parse("https://user:secret@proxy:8080").unwrap_err();
        assert!(!err.to_string().contains("secret"), "{err}");
        assert!(Proxy::parse("http://").is_err());
        assert!(Proxy::parse("http://proxy:notaport").is_err());
    }
}
