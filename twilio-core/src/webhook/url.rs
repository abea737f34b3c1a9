//! The URL forms Twilio's helper libraries try when validating a signature.
//!
//! Twilio's back end does not always sign the URL as configured, so the official validators
//! accept a signature over the URL with its explicit port removed or with the scheme's default
//! port added (twilio-python, -ruby, -java ...). twilio-node also tries each with the query
//! re-serialised the way the WHATWG URL parser does it (`'` becomes `%27`, ...).

/// A URL split where a port is removed or added.
#[derive(Debug, Clone, Copy)]
pub(crate) struct UrlParts<'a> {
    url: &'a str,
    /// Index of the `:` before an explicit port, if any.
    port_colon: Option<usize>,
    /// Index just past the authority (host and port).
    authority_end: usize,
    default_port: &'static str,
}

/// One URL form as up to three pieces fed in order.
#[derive(Debug, Clone, Copy)]
pub(crate) struct UrlForm<'a> {
    pub(crate) pieces: [&'a [u8]; 3],
    /// Percent-encode the query the way a WHATWG URL serialiser does.
    pub(crate) whatwg_query: bool,
}

impl<'a> UrlParts<'a> {
    /// Splits an absolute URL; `None` when it has no `scheme://`.
    pub(crate) fn parse(url: &'a str) -> Option<Self> {
        // A byte search: `str::find` with a string pattern links a 300-byte Two-Way searcher.
        let scheme_end = url.as_bytes().windows(3).position(|w| w == b"://")?;
        let scheme = &url[..scheme_end];
        let authority_start = scheme_end + 3;
        let authority_len = url[authority_start..]
            .find(['/', '?', '#'])
            .unwrap_or(url.len() - authority_start);
        let authority_end = authority_start + authority_len;
        let authority = &url[authority_start..authority_end];
        // The host starts after any user:password@.
        let host_start = authority.rfind('@').map_or(0, |i| i + 1);
        let host_port = &authority[host_start..];
        let port_colon = match host_port.rfind(':') {
            // An IPv6 literal's colons are inside the brackets.
            Some(i) if !host_port[i..].contains(']') => Some(authority_start + host_start + i),
            _ => None,
        };
        let default_port = if scheme.eq_ignore_ascii_case("https") {
            ":443"
        } else {
            ":80"
        };
        Some(UrlParts {
            url,
            port_colon,
            authority_end,
            default_port,
        })
    }

    /// The URL without its explicit port (unchanged when it has none).
    pub(crate) fn without_port(&self) -> UrlForm<'a> {
        let b = self.url.as_bytes();
        match self.port_colon {
            Some(colon) => UrlForm::new([&b[..colon], &[], &b[self.authority_end..]]),
            None => UrlForm::new([b, &[], &[]]),
        }
    }

    /// The URL with the scheme's default port added (unchanged when it has a port).
    pub(crate) fn with_port(&self) -> UrlForm<'a> {
        let b = self.url.as_bytes();
        match self.port_colon {
            Some(_) => UrlForm::new([b, &[], &[]]),
            None => UrlForm::new([
                &b[..self.authority_end],
                self.default_port.as_bytes(),
                &b[self.authority_end..],
            ]),
        }
    }

    /// True when WHATWG serialisation would change the query.
    pub(crate) fn query_needs_whatwg(&self) -> bool {
        let Some(q) = self.url.find('?') else {
            return false;
        };
        let end = self.url[q..].find('#').map_or(self.url.len(), |i| q + i);
        self.url.as_bytes()[q + 1..end]
            .iter()
            .any(|&b| whatwg_query_escape(b))
    }
}

impl<'a> UrlForm<'a> {
    fn new(pieces: [&'a [u8]; 3]) -> Self {
        UrlForm {
            pieces,
            whatwg_query: false,
        }
    }

    /// The same form with the query re-encoded as WHATWG URL serialisation does.
    pub(crate) fn whatwg(self) -> Self {
        UrlForm {
            whatwg_query: true,
            ..self
        }
    }
}

/// The special-query percent-encode set of the WHATWG URL standard (for http and https).
pub(crate) fn whatwg_query_escape(b: u8) -> bool {
    b <= b' ' || matches!(b, b'"' | b'#' | b'<' | b'>' | b'\'') || b >= 0x7F
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::String;
    use std::vec::Vec;

    fn join(f: UrlForm<'_>) -> String {
        let v: Vec<u8> = f.pieces.concat();
        String::from_utf8(v).unwrap()
    }

    #[test]
    fn port_forms() {
        let p = UrlParts::parse("https://user:pass@h.com:1234/a?b=c:d").unwrap();
        assert_eq!(join(p.without_port()), "https://user:pass@h.com/a?b=c:d");
        assert_eq!(join(p.with_port()), "https://user:pass@h.com:1234/a?b=c:d");
        let p = UrlParts::parse("http://user@h.com?x=1").unwrap();
        assert_eq!(join(p.with_port()), "http://user@h.com:80?x=1");
        assert_eq!(join(p.without_port()), "http://user@h.com?x=1");
        let p = UrlParts::parse("https://[::1]/x").unwrap();
        assert_eq!(join(p.with_port()), "https://[::1]:443/x");
        let p = UrlParts::parse("https://[::1]:8443").unwrap();
        assert_eq!(join(p.without_port()), "https://[::1]");
        assert!(UrlParts::parse("no-scheme").is_none());
    }

    #[test]
    fn whatwg_detection() {
        assert!(
            UrlParts::parse("https://h/?a=It's")
                .unwrap()
                .query_needs_whatwg()
        );
        assert!(
            !UrlParts::parse("https://h/it's?a=1")
                .unwrap()
                .query_needs_whatwg()
        );
        assert!(
            !UrlParts::parse("https://h/?a=1#it's")
                .unwrap()
                .query_needs_whatwg()
        );
    }
}
