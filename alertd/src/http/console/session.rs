//! The console's session cookie and CSRF tokens, with no session table: a cookie is
//! `<id>.<kind>.<issued>.<mac>`, its MAC keyed by a key derived from the bearer token, so it
//! stays valid across restarts and cluster peers and dies when the token changes. Without a
//! token the key is random per process; the cookie then only anchors the CSRF token.
//!
//! A form's CSRF token is the MAC of the session id: a page on another site can make the
//! browser post a form, but cannot read the token (it is only in alertd's own pages).

use std::sync::OnceLock;
use std::time::Duration;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::config::secrets::constant_time_eq;
use crate::domain::time::Timestamp;

/// The cookie's name.
pub(super) const COOKIE: &str = "alertd_console";

/// How long a sign-in lasts.
pub(super) const LIFETIME: Duration = Duration::from_secs(12 * 3600);

type HmacSha256 = Hmac<Sha256>;

/// A session as its cookie proves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Session {
    /// 128 random bits, hex.
    pub(super) id: String,
    /// Signed in with the bearer token (always false when none is configured).
    pub(super) signed_in: bool,
    /// When the cookie was issued.
    pub(super) issued: Timestamp,
}

/// Signs and checks cookies and CSRF tokens.
pub(super) struct Keys {
    key: [u8; 32],
}

/// The key for sessions when no bearer token is configured.
fn process_key() -> [u8; 32] {
    static KEY: OnceLock<[u8; 32]> = OnceLock::new();
    *KEY.get_or_init(rand::random)
}

impl Keys {
    /// The keys for this bearer token (or for none).
    pub(super) fn new(token: Option<&str>) -> Self {
        let key = match token {
            Some(token) => {
                let mut mac = mac_with(token.as_bytes());
                mac.update(b"alertd console sessions v1");
                mac.finalize().into_bytes().into()
            }
            None => process_key(),
        };
        Self { key }
    }

    fn mac(&self, parts: &[&str]) -> String {
        let mut mac = mac_with(&self.key);
        for part in parts {
            mac.update(part.as_bytes());
            mac.update(b"\0");
        }
        hex(&mac.finalize().into_bytes())
    }

    /// A new session's cookie value.
    pub(super) fn issue(&self, signed_in: bool, now: Timestamp) -> (Session, String) {
        let session = Session {
            id: hex(&rand::random::<[u8; 16]>()),
            signed_in,
            issued: now,
        };
        let kind = if signed_in { "u" } else { "g" };
        let issued = now.0.to_string();
        let mac = self.mac(&["session", &session.id, kind, &issued]);
        let value = format!("{}.{kind}.{issued}.{mac}", session.id);
        (session, value)
    }

    /// The session a cookie value proves, if its MAC holds and it has not expired at `now`.
    pub(super) fn verify(&self, value: &str, now: Timestamp) -> Option<Session> {
        let mut parts = value.split('.');
        let (id, kind, issued, mac) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        let expected = self.mac(&["session", id, kind, issued]);
        if !constant_time_eq(expected.as_bytes(), mac.as_bytes()) {
            return None;
        }
        let issued = Timestamp(issued.parse().ok()?);
        if issued > now.after(Duration::from_secs(300)) || now.since(issued) > LIFETIME {
            return None;
        }
        Some(Session {
            id: id.to_owned(),
            signed_in: kind == "u",
            issued,
        })
    }

    /// The CSRF token of a session's forms.
    pub(super) fn csrf(&self, session: &Session) -> String {
        self.mac(&["csrf", &session.id])
    }

    /// Whether `given` is the session's CSRF token (constant time).
    pub(super) fn csrf_ok(&self, session: &Session, given: &str) -> bool {
        constant_time_eq(self.csrf(session).as_bytes(), given.as_bytes())
    }
}

fn mac_with(key: &[u8]) -> HmacSha256 {
    // HMAC takes a key of any length.
    <HmacSha256 as hmac::digest::KeyInit>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"))
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// The value of cookie `name` in a `Cookie` header.
pub(super) fn cookie<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header.split(';').find_map(|pair| {
        let (k, v) = pair.trim().split_once('=')?;
        (k == name).then_some(v)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: Timestamp = Timestamp(1_767_268_800_000);

    #[test]
    fn a_cookie_verifies_only_unaltered_unexpired_and_under_its_token() {
        let keys = Keys::new(Some("s3cret"));
        let (session, value) = keys.issue(true, NOW);
        assert_eq!(keys.verify(&value, NOW), Some(session.clone()));
        assert!(keys.verify(&value.replace(".u.", ".g."), NOW).is_none());
        assert!(keys.verify(&format!("{value}0"), NOW).is_none());
        assert!(keys.verify("", NOW).is_none());
        assert!(keys.verify("a.u.1.2.3", NOW).is_none());
        assert!(Keys::new(Some("other")).verify(&value, NOW).is_none());
        assert!(
            keys.verify(&value, NOW.after(LIFETIME + Duration::from_secs(1)))
                .is_none()
        );
        // Another instance with the same token accepts it.
        assert!(Keys::new(Some("s3cret")).verify(&value, NOW).is_some());
    }

    #[test]
    fn csrf_tokens_belong_to_one_session() {
        let keys = Keys::new(None);
        let (a, _) = keys.issue(false, NOW);
        let (b, _) = keys.issue(false, NOW);
        let token = keys.csrf(&a);
        assert!(keys.csrf_ok(&a, &token));
        assert!(!keys.csrf_ok(&b, &token));
        assert!(!keys.csrf_ok(&a, ""));
    }

    #[test]
    fn cookies_are_found_by_exact_name() {
        let h = "x_alertd_console=1; alertd_console=abc.g.1.f; other=2";
        assert_eq!(cookie(h, COOKIE), Some("abc.g.1.f"));
        assert_eq!(cookie("other=2", COOKIE), None);
    }
}
