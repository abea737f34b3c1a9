//! The layer in front of every route, against web pages in a browser that can reach alertd:
//!
//! - **DNS rebinding.** A page on `evil.example` whose name is re-pointed at alertd's address is
//!   same-origin with alertd in the browser and could read `/api/v1/status`. Its requests name
//!   `Host: evil.example`, so a Host alertd does not answer to gets 421. Accepted: any IP address
//!   (a page cannot rebind an address: its origin is the address itself), `localhost` when
//!   listening on a loopback or wildcard address, `public_url`'s host and `[server]
//!   allowed_hosts`. The port is not compared: forwards and proxies change it, and rebinding
//!   works through the name. A request without any Host (HTTP/1.0) comes from no browser.
//! - **Cross-site requests.** Any page can make the browser send a POST to alertd, with an
//!   `Origin` header. A state-changing request whose Origin is not the origin it was sent to
//!   (scheme, host, port), nor `public_url`'s origin, gets 403, as does one marked
//!   `Sec-Fetch-Site: cross-site`. Tools (curl, Alertmanager, amtool, Twilio) send no Origin.
//! - **JSON declared.** Without a CORS preflight, which alertd never grants, a page can only send
//!   bodies typed `text/plain`, form-encoded, multipart, or untyped. A state-changing request with
//!   a body or a Content-Type must declare `application/json`, else 415; a bodyless one needs no
//!   type. Twilio's webhooks (`/twilio/*`: form-encoded, signed) are exempt, and so are the
//!   senders' hooks (`/hooks/*`): TradingView posts `text/plain` and cannot set a header, so
//!   those routes are authenticated by a secret in the path, which a page on another site
//!   cannot know; without it the request is refused like any unknown path. The web console's
//!   form posts (`/console/*`) are exempt too: each handler demands the session cookie and the
//!   session's CSRF token, which a page on another site can neither send nor read.

use std::collections::BTreeSet;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::body::HttpBody;
use axum::extract::{Request, State};
use axum::http::uri::{Authority, Scheme};
use axum::http::{HeaderMap, Method, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::config::ServerConfig;
use crate::http::errors::ApiError;
use crate::metrics::Metrics;

/// Where Twilio's webhooks live: form-encoded bodies, authenticated by signature.
const TWILIO_PREFIX: &str = "/twilio/";

/// Where other senders' webhooks live: any body type, authenticated by a token in the path.
const HOOKS_PREFIX: &str = "/hooks/";

/// Where the web console lives: its forms post form-encoded bodies.
const CONSOLE_PREFIX: &str = "/console/";

/// A host as a request names it: an address, or a DNS name lowercased without a trailing dot.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Host {
    Ip(IpAddr),
    Name(String),
}

impl Host {
    /// The host part of an authority: `127.0.0.1`, `[::1]`, `Alerts.Example.com.`.
    fn parse(host: &str) -> Option<Self> {
        let unbracketed = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        if let Ok(ip) = unbracketed.parse::<IpAddr>() {
            return Some(Self::Ip(ip.to_canonical()));
        }
        let name = host.strip_suffix('.').unwrap_or(host);
        (!name.is_empty() && !name.contains(['[', ']']))
            .then(|| Self::Name(name.to_ascii_lowercase()))
    }
}

/// A `Host` header (or request-target authority): the host and the port, if it names one.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Target {
    host: Host,
    port: Option<u16>,
}

impl Target {
    /// `host[:port]`; `None` for anything else (a user part, a path, garbage).
    fn parse(text: &str) -> Option<Self> {
        if text.contains('@') {
            return None;
        }
        let authority = text.parse::<Authority>().ok()?;
        Some(Self {
            host: Host::parse(authority.host())?,
            port: authority.port_u16(),
        })
    }
}

/// A web origin, `scheme://host[:port]`, with the scheme's port when none is given.
#[derive(Debug, Clone, PartialEq, Eq)]
struct WebOrigin {
    https: bool,
    host: Host,
    port: u16,
}

impl WebOrigin {
    /// An `Origin` header or a URL's origin; `None` for `null` and anything not http(s).
    fn parse(text: &str) -> Option<Self> {
        let uri = text.parse::<Uri>().ok()?;
        let https = match uri.scheme() {
            Some(s) if *s == Scheme::HTTPS => true,
            Some(s) if *s == Scheme::HTTP => false,
            _ => return None,
        };
        let target = Target::parse(uri.authority()?.as_str())?;
        Some(Self {
            https,
            host: target.host,
            port: target.port.unwrap_or(if https { 443 } else { 80 }),
        })
    }

    /// Whether this is the origin of a request sent to `target` (a Host without a port is
    /// taken to mean this scheme's port).
    fn is_origin_of(&self, target: &Target) -> bool {
        self.host == target.host && target.port.is_none_or(|port| port == self.port)
    }
}

/// Which requests reach the handlers: decided from `[server]` and the listen address, with no IO.
#[derive(Debug, Clone)]
pub(crate) struct RequestGuard {
    /// DNS names accepted in `Host` (addresses always are).
    names: BTreeSet<String>,
    /// `public_url`'s origin, accepted in `Origin` whatever the request's Host.
    public_origin: Option<WebOrigin>,
}

impl RequestGuard {
    /// The guard for an API listening on `listen` with this `[server]`.
    pub(crate) fn new(server: &ServerConfig, listen: SocketAddr) -> Self {
        let mut names = BTreeSet::new();
        let ip = listen.ip().to_canonical();
        if ip.is_loopback() || ip.is_unspecified() {
            names.insert("localhost".to_owned());
        }
        let public_origin = server.public_url.as_deref().and_then(WebOrigin::parse);
        let configured = server.allowed_hosts.iter().filter_map(|h| Host::parse(h));
        for host in public_origin
            .iter()
            .map(|o| o.host.clone())
            .chain(configured)
        {
            if let Host::Name(name) = host {
                names.insert(name);
            }
        }
        Self {
            names,
            public_origin,
        }
    }

    /// Whether alertd answers to a request naming `host`.
    fn answers_to(&self, host: &Host) -> bool {
        match host {
            Host::Ip(_) => true,
            Host::Name(name) => self.names.contains(name),
        }
    }

    /// Whether a `Host` header value names a host alertd answers to.
    pub(crate) fn host_allowed(&self, host: &str) -> bool {
        Target::parse(host).is_some_and(|t| self.answers_to(&t.host))
    }

    /// Whether a state-changing request sent to `target` may carry this `Origin`.
    pub(crate) fn origin_allowed(&self, origin: &str, target: Option<&str>) -> bool {
        let Some(origin) = WebOrigin::parse(origin) else {
            return false;
        };
        self.public_origin.as_ref() == Some(&origin)
            || target
                .and_then(Target::parse)
                .is_some_and(|t| self.answers_to(&t.host) && origin.is_origin_of(&t))
    }

    /// The decision for one request: `Ok` lets it through to its handler.
    pub(crate) fn check(
        &self,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        body_is_empty: bool,
    ) -> Result<(), ApiError> {
        let target = self.check_host(uri, headers)?;
        if method.is_safe() {
            return Ok(());
        }
        check_fetch_site(headers)?;
        if let Some(origin) = headers.get(header::ORIGIN) {
            let origin = origin.to_str().unwrap_or_default();
            if !self.origin_allowed(origin, target) {
                return Err(ApiError::Forbidden(format!(
                    "cross-site request refused: Origin {origin:?} is not the origin this request was sent to; tools other than browsers send no Origin"
                )));
            }
        }
        if uri.path().starts_with(TWILIO_PREFIX) || uri.path().starts_with(HOOKS_PREFIX) {
            return Ok(());
        }
        // The console's forms are form-encoded, which any page can post; its handlers accept
        // one only with the session cookie (SameSite=Strict) and the session's CSRF token.
        if uri.path().starts_with(CONSOLE_PREFIX) {
            return Ok(());
        }
        check_json(headers, body_is_empty)
    }

    /// Every host the request names (Host header, absolute or HTTP/2 target) must be one alertd
    /// answers to; returns the one it was sent to.
    fn check_host<'a>(
        &self,
        uri: &'a Uri,
        headers: &'a HeaderMap,
    ) -> Result<Option<&'a str>, ApiError> {
        let mut hosts = headers.get_all(header::HOST).iter();
        let header = hosts.next();
        if hosts.next().is_some() {
            return Err(ApiError::BadRequest("more than one Host header".into()));
        }
        let header = header
            .map(|h| h.to_str().unwrap_or("(not text)"))
            .map(str::trim);
        let target = uri.authority().map(Authority::as_str);
        for host in header.into_iter().chain(target) {
            if !self.host_allowed(host) {
                return Err(ApiError::MisdirectedRequest(format!(
                    "alertd does not answer to the host {host:?}: reach it by an IP address, or add the name to [server] allowed_hosts"
                )));
            }
        }
        Ok(target.or(header))
    }
}

/// `Sec-Fetch-Site: cross-site` is a browser saying another site made this request.
fn check_fetch_site(headers: &HeaderMap) -> Result<(), ApiError> {
    let cross_site = headers
        .get("sec-fetch-site")
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"cross-site"));
    if cross_site {
        return Err(ApiError::Forbidden(
            "cross-site request refused (Sec-Fetch-Site: cross-site)".into(),
        ));
    }
    Ok(())
}

/// A body, or any declared type, must be `application/json`.
fn check_json(headers: &HeaderMap, body_is_empty: bool) -> Result<(), ApiError> {
    match headers.get(header::CONTENT_TYPE) {
        Some(value) => {
            let text = value.to_str().unwrap_or_default();
            if is_json(text) {
                Ok(())
            } else {
                Err(ApiError::UnsupportedMediaType(format!(
                    "the body must be JSON sent with Content-Type: application/json, not {text:?}"
                )))
            }
        }
        None if body_is_empty => Ok(()),
        None => Err(ApiError::UnsupportedMediaType(
            "a request body needs Content-Type: application/json".into(),
        )),
    }
}

/// Whether a `Content-Type` value is `application/json`, with or without parameters.
pub(crate) fn is_json(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or_default().trim();
    essence.eq_ignore_ascii_case("application/json")
}

/// What the layer holds: the decisions and the refusal counter.
#[derive(Clone)]
pub(crate) struct GuardState {
    /// The decisions.
    pub(crate) guard: Arc<RequestGuard>,
    /// `alertd_ingest_rejected_total` counts the refusals.
    pub(crate) metrics: Arc<Metrics>,
}

/// The middleware: refuses what [`RequestGuard::check`] refuses, passes the rest on.
pub(crate) async fn enforce(
    State(state): State<GuardState>,
    request: Request,
    next: Next,
) -> Response {
    let body_is_empty = request.body().size_hint().exact() == Some(0);
    match state.guard.check(
        request.method(),
        request.uri(),
        request.headers(),
        body_is_empty,
    ) {
        Ok(()) => next.run(request).await,
        Err(e) => {
            let status = e.status().0.as_u16();
            tracing::info!(
                status,
                method = %request.method(),
                path = request.uri().path(),
                reason = %e,
                "request refused"
            );
            state.metrics.ingest_rejected(status);
            e.into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn server(extra: &str) -> ServerConfig {
        toml::from_str(extra).unwrap()
    }

    fn guard(listen: &str, extra: &str) -> RequestGuard {
        RequestGuard::new(&server(extra), listen.parse().unwrap())
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_static(value));
        }
        map
    }

    fn status(result: Result<(), ApiError>) -> u16 {
        result.map_or_else(|e| e.status().0.as_u16(), |()| 200)
    }

    #[test]
    fn addresses_are_always_accepted_names_only_when_known() {
        let g = guard("127.0.0.1:9870", "");
        for host in [
            "127.0.0.1:9870",
            "127.0.0.1",
            "[::1]:9870",
            "10.0.0.7:80",
            "localhost:9870",
            "LocalHost.",
            "localhost:1234",
        ] {
            assert!(g.host_allowed(host), "{host}");
        }
        for host in [
            "evil.example",
            "evil.example:9870",
            "127.0.0.1.nip.io",
            "localhost.evil.example",
            "evil@localhost",
            "localhost/x",
            "",
            "[::1",
            "2130706433",
        ] {
            assert!(!g.host_allowed(host), "{host}");
        }
    }

    #[test]
    fn localhost_only_on_a_loopback_or_wildcard_listen_address() {
        assert!(guard("[::1]:9870", "").host_allowed("localhost"));
        assert!(guard("0.0.0.0:9870", "").host_allowed("localhost"));
        assert!(guard("[::]:9870", "").host_allowed("localhost"));
        let lan = guard("192.168.1.5:9870", "");
        assert!(!lan.host_allowed("localhost:9870"));
        assert!(lan.host_allowed("192.168.1.5:9870"));
        assert!(lan.host_allowed("192.168.1.5"));
    }

    #[test]
    fn public_url_and_allowed_hosts_add_names() {
        let g = guard(
            "0.0.0.0:9870",
            "public_url = \"https://Alerts.Example.com/base\"\nallowed_hosts = [\"gw.plant-b.lan\", \"10.1.1.1\"]",
        );
        for host in [
            "alerts.example.com",
            "alerts.example.com:443",
            "gw.plant-b.lan:9870",
            "GW.PLANT-B.LAN.",
        ] {
            assert!(g.host_allowed(host), "{host}");
        }
        assert!(!g.host_allowed("example.com"));
        assert!(!g.host_allowed("plant-b.lan"));
    }

    #[test]
    fn an_origin_must_be_the_one_the_request_was_sent_to_or_public_urls() {
        let g = guard(
            "0.0.0.0:9870",
            "public_url = \"https://alerts.example.com\"\nallowed_hosts = [\"gw.lan\"]",
        );
        let cases = [
            ("http://127.0.0.1:9870", Some("127.0.0.1:9870"), true),
            ("http://gw.lan:9870", Some("gw.lan:9870"), true),
            ("http://GW.lan:9870", Some("gw.lan:9870"), true),
            (
                "https://alerts.example.com",
                Some("alerts.example.com"),
                true,
            ),
            ("https://alerts.example.com", Some("127.0.0.1:9870"), true),
            ("https://alerts.example.com:443", None, true),
            ("http://[::1]:9870", Some("[::1]:9870"), true),
            ("http://gw.lan", Some("gw.lan"), true),
            ("http://gw.lan:8080", Some("gw.lan:9870"), false),
            ("http://alerts.example.com", Some("127.0.0.1:9870"), false),
            ("http://192.168.1.66:9870", Some("192.168.1.5:9870"), false),
            ("http://evil.example", Some("127.0.0.1:9870"), false),
            ("http://evil.example", Some("evil.example"), false),
            ("http://localhost:9870", Some("127.0.0.1:9870"), false),
            ("null", Some("127.0.0.1:9870"), false),
            ("file://", Some("127.0.0.1:9870"), false),
            ("moz-extension://abc", Some("127.0.0.1:9870"), false),
            ("http://127.0.0.1:9870", None, false),
        ];
        for (origin, target, want) in cases {
            assert_eq!(
                g.origin_allowed(origin, target),
                want,
                "{origin} -> {target:?}"
            );
        }
    }

    #[test]
    fn json_content_types() {
        for t in [
            "application/json",
            "application/json; charset=utf-8",
            "Application/JSON;charset=UTF-8",
            " application/json ",
        ] {
            assert!(is_json(t), "{t}");
        }
        for t in [
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
            "application/jsonx",
            "application/json-seq",
            "text/json",
            "",
        ] {
            assert!(!is_json(t), "{t}");
        }
    }

    /// The status `check` gives a request to `/api/v1/silences` with these headers.
    fn decide(method: &Method, pairs: &[(&'static str, &'static str)], empty_body: bool) -> u16 {
        let g = guard("127.0.0.1:9870", "");
        let uri: Uri = "/api/v1/silences".parse().unwrap();
        status(g.check(method, &uri, &headers(pairs), empty_body))
    }

    const HERE: (&str, &str) = ("host", "127.0.0.1:9870");
    const JSON: (&str, &str) = ("content-type", "application/json");

    #[test]
    fn a_body_must_be_declared_json() {
        let text = ("content-type", "text/plain");
        assert_eq!(decide(&Method::POST, &[HERE, JSON], false), 200);
        assert_eq!(
            decide(&Method::POST, &[JSON], false),
            200,
            "no Host: no browser"
        );
        assert_eq!(decide(&Method::POST, &[HERE, text], false), 415);
        assert_eq!(decide(&Method::POST, &[HERE], false), 415, "untyped body");
        assert_eq!(
            decide(&Method::POST, &[HERE], true),
            200,
            "no body, no type"
        );
        assert_eq!(decide(&Method::POST, &[HERE, text], true), 415);
        assert_eq!(decide(&Method::DELETE, &[HERE], true), 200);
        assert_eq!(decide(&Method::GET, &[HERE, text], true), 200);
    }

    #[test]
    fn a_foreign_host_is_misdirected() {
        let evil = ("host", "evil.example");
        assert_eq!(decide(&Method::POST, &[evil, JSON], false), 421);
        assert_eq!(decide(&Method::GET, &[evil], true), 421);
        let twice = [HERE, ("host", "127.0.0.1")];
        assert_eq!(decide(&Method::GET, &twice, true), 400);
    }

    #[test]
    fn a_cross_site_change_is_forbidden_a_read_is_not() {
        let evil = ("origin", "http://evil.example");
        let own = ("origin", "http://127.0.0.1:9870");
        assert_eq!(decide(&Method::POST, &[HERE, JSON, evil], false), 403);
        assert_eq!(decide(&Method::POST, &[HERE, evil], true), 403);
        assert_eq!(decide(&Method::DELETE, &[HERE, evil], true), 403);
        assert_eq!(decide(&Method::POST, &[HERE, JSON, own], false), 200);
        let cross = ("sec-fetch-site", "cross-site");
        let same = ("sec-fetch-site", "same-origin");
        assert_eq!(decide(&Method::POST, &[HERE, JSON, cross], false), 403);
        assert_eq!(decide(&Method::POST, &[HERE, JSON, same], false), 200);
        assert_eq!(decide(&Method::GET, &[HERE, evil, cross], true), 200);
    }

    #[test]
    fn twilio_webhooks_need_a_known_host_but_no_json() {
        let g = guard(
            "127.0.0.1:9870",
            "public_url = \"https://alerts.example.com\"",
        );
        let status_path: Uri = "/twilio/status".parse().unwrap();
        let form = ("content-type", "application/x-www-form-urlencoded");
        let twilio = ("host", "alerts.example.com");
        let check = |pairs: &[(&'static str, &'static str)]| {
            status(g.check(&Method::POST, &status_path, &headers(pairs), false))
        };
        assert_eq!(check(&[twilio, form]), 200);
        assert_eq!(check(&[("host", "evil.example"), form]), 421);
        assert_eq!(
            check(&[twilio, form, ("origin", "http://evil.example")]),
            403
        );
    }

    #[test]
    fn console_forms_pass_to_their_handler_unless_cross_site() {
        let g = guard("127.0.0.1:9870", "");
        let console: Uri = "/console/silences".parse().unwrap();
        let form = ("content-type", "application/x-www-form-urlencoded");
        let own = ("origin", "http://127.0.0.1:9870");
        let check = |pairs: &[(&'static str, &'static str)]| {
            status(g.check(&Method::POST, &console, &headers(pairs), false))
        };
        assert_eq!(
            check(&[HERE, form, own]),
            200,
            "the handler checks cookie and CSRF"
        );
        assert_eq!(check(&[HERE, form, ("origin", "http://evil.example")]), 403);
        assert_eq!(check(&[HERE, form, ("sec-fetch-site", "cross-site")]), 403);
        assert_eq!(
            decide(&Method::POST, &[HERE, form, own], false),
            415,
            "not on the API"
        );
    }

    #[test]
    fn an_absolute_target_must_name_a_known_host_too() {
        let g = guard("127.0.0.1:9870", "");
        let absolute: Uri = "http://evil.example/api/v1/status".parse().unwrap();
        let h = headers(&[("host", "127.0.0.1:9870")]);
        assert_eq!(status(g.check(&Method::GET, &absolute, &h, true)), 421);
    }
}
