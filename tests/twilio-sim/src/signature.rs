//! `X-Twilio-Signature`, computed the way Twilio signs webhooks: HMAC-SHA1 keyed with the auth
//! token over the full URL followed by every POST parameter (sorted by name, then value, each
//! distinct pair once), base64-encoded.

use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha1::Sha1;

/// The header name Twilio uses.
pub const HEADER: &str = "X-Twilio-Signature";

/// Signs a webhook request: `url` exactly as requested (with query), `params` the form body
/// (empty for GET requests, whose parameters are already in the URL).
///
/// ```
/// // A vector from Twilio's helper-library tests.
/// let params = [("CallSid", "CA1234567890ABCDE"), ("Caller", "+14158675309"),
///     ("Digits", "1234"), ("From", "+14158675309"), ("To", "+18005551212")];
/// let sig = twilio_sim::signature::sign("12345",
///     "https://mycompany.com/myapp.php?foo=1&bar=2", &params);
/// assert_eq!(sig, "RSOYDt4T1cUTdK1PDd93/VVr8B8=");
/// ```
pub fn sign<K: AsRef<str>, V: AsRef<str>>(
    auth_token: &str,
    url: &str,
    params: &[(K, V)],
) -> String {
    let mut pairs: Vec<(&str, &str)> = params
        .iter()
        .map(|(k, v)| (k.as_ref(), v.as_ref()))
        .collect();
    pairs.sort_unstable();
    pairs.dedup();
    // HMAC accepts keys of any length, so this never fails; fall back to an empty tag anyway.
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(auth_token.as_bytes()) else {
        return String::new();
    };
    mac.update(url.as_bytes());
    for (k, v) in pairs {
        mac.update(k.as_bytes());
        mac.update(v.as_bytes());
    }
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_pairs_are_signed_once_and_values_sorted() {
        let with_dups = [
            ("Digits", "5678"),
            ("Digits", "1234"),
            ("Digits", "1234"),
            ("Sid", "CA1"),
        ];
        let without = [("Digits", "1234"), ("Digits", "5678"), ("Sid", "CA1")];
        assert_eq!(
            sign("t", "https://a/b", &with_dups),
            sign("t", "https://a/b", &without)
        );
    }

    #[test]
    fn url_and_token_change_the_signature() {
        let p = [("A", "1")];
        assert_ne!(sign("t", "https://a/b", &p), sign("t", "https://a/c", &p));
        assert_ne!(sign("t", "https://a/b", &p), sign("u", "https://a/b", &p));
    }
}
