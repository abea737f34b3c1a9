//! HTTP Basic auth with the account SID and auth token, or an API key SID and secret.

use base64::Engine as _;

use crate::config::ApiKey;

/// The credentials the simulator accepts.
#[derive(Debug, Clone)]
pub(crate) struct Credentials {
    pairs: Vec<(String, String)>,
    /// `Basic <base64>` for every pair: the common case is one byte comparison.
    precomputed: Vec<String>,
}

impl Credentials {
    pub(crate) fn new(account_sid: &str, auth_token: &str, api_keys: &[ApiKey]) -> Self {
        let pairs: Vec<(String, String)> =
            std::iter::once((account_sid.to_owned(), auth_token.to_owned()))
                .chain(api_keys.iter().map(|k| (k.sid.clone(), k.secret.clone())))
                .collect();
        let precomputed = pairs
            .iter()
            .map(|(u, p)| {
                format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD.encode(format!("{u}:{p}"))
                )
            })
            .collect();
        Self { pairs, precomputed }
    }

    /// Whether an `Authorization` header value carries accepted credentials.
    pub(crate) fn accepts(&self, header: Option<&[u8]>) -> bool {
        let Some(header) = header else { return false };
        if self.precomputed.iter().any(|p| p.as_bytes() == header) {
            return true;
        }
        let Ok(text) = std::str::from_utf8(header) else {
            return false;
        };
        let Some((scheme, encoded)) = text.trim().split_once(' ') else {
            return false;
        };
        if !scheme.eq_ignore_ascii_case("basic") {
            return false;
        }
        let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(encoded.trim()) else {
            return false;
        };
        let Ok(decoded) = String::from_utf8(decoded) else {
            return false;
        };
        let Some((user, pass)) = decoded.split_once(':') else {
            return false;
        };
        self.pairs.iter().any(|(u, p)| u == user && p == pass)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn basic(user: &str, pass: &str) -> Vec<u8> {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"))
        )
        .into_bytes()
    }

    #[test]
    fn accepts_token_and_api_key_rejects_the_rest() {
        let key = ApiKey {
            sid: "SK1".into(),
            secret: "s".into(),
        };
        let creds = Credentials::new("AC1", "tok", &[key]);
        assert!(creds.accepts(Some(&basic("AC1", "tok"))));
        assert!(creds.accepts(Some(&basic("SK1", "s"))));
        assert!(creds.accepts(Some(b"basic QUMxOnRvaw==")));
        assert!(!creds.accepts(Some(&basic("AC1", "wrong"))));
        assert!(!creds.accepts(Some(&basic("SK1", "tok"))));
        assert!(!creds.accepts(None));
        assert!(!creds.accepts(Some(b"Bearer abc")));
        assert!(!creds.accepts(Some(b"Basic !!!notbase64")));
        assert!(!creds.accepts(Some(&[0xff, 0xfe])));
    }
}
