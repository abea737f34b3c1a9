//! Credentials for Twilio's REST API and their HTTP Basic `Authorization` value.
//!
//! Two kinds are accepted, both validated on construction:
//! - an Account SID (`AC...`) with its auth token;
//! - an API key (`SK...`) with its secret, acting for an account (subaccounts work the same way:
//!   their own `AC...` SID goes in the path).
//!
//! The `Authorization: Basic ...` value is encoded once, into a fixed buffer inside
//! [`Credentials`], so writing a request never re-encodes it.

pub(crate) mod base64;
mod error;

pub use error::AuthError;

use crate::sid::{AccountSid, ApiKeySid, SID_LEN};
use core::fmt;

/// Longest auth token or API key secret accepted, in bytes (Twilio issues 32-character ones).
pub const MAX_SECRET_LEN: usize = 64;

/// `Basic ` plus the base64 of `SID:secret` at its longest.
pub const MAX_AUTHORIZATION_LEN: usize = 6 + (SID_LEN + 1 + MAX_SECRET_LEN).div_ceil(3) * 4;

/// Validated credentials, holding the ready-to-send `Authorization` header value.
///
/// ```
/// use twilio_core::auth::Credentials;
///
/// let creds = Credentials::auth_token(
///     "AC0123456789abcdef0123456789abcdef",
///     "0123456789abcdef0123456789abcdef",
/// )?;
/// assert_eq!(creds.account_sid().as_str(), "AC0123456789abcdef0123456789abcdef");
/// assert!(creds.authorization().starts_with("Basic QUMwMTIz"));
/// # Ok::<(), twilio_core::auth::AuthError>(())
/// ```
#[derive(Clone)]
pub struct Credentials<'a> {
    account_sid: AccountSid<'a>,
    username: &'a str,
    authorization: [u8; MAX_AUTHORIZATION_LEN],
    authorization_len: usize,
}

impl<'a> Credentials<'a> {
    /// An account (or subaccount) authenticating with its own auth token.
    pub fn auth_token(account_sid: &'a str, auth_token: &str) -> Result<Self, AuthError> {
        let account_sid = AccountSid::parse(account_sid).map_err(AuthError::InvalidAccountSid)?;
        Self::new(account_sid, account_sid.as_str(), auth_token)
    }

    /// An API key and its secret, acting for `account_sid`.
    ///
    /// ```
    /// use twilio_core::auth::{AuthError, Credentials};
    ///
    /// let creds = Credentials::api_key(
    ///     "AC0123456789abcdef0123456789abcdef",
    ///     "SK0123456789abcdef0123456789abcdef",
    ///     "key-secret-from-the-console-32ch",
    /// )?;
    /// assert_eq!(creds.username(), "SK0123456789abcdef0123456789abcdef");
    ///
    /// let swapped = Credentials::api_key(
    ///     "SK0123456789abcdef0123456789abcdef",
    ///     "AC0123456789abcdef0123456789abcdef",
    ///     "secret",
    /// );
    /// assert!(matches!(swapped, Err(AuthError::InvalidAccountSid(_))));
    /// # Ok::<(), AuthError>(())
    /// ```
    pub fn api_key(
        account_sid: &'a str,
        api_key_sid: &'a str,
        api_key_secret: &str,
    ) -> Result<Self, AuthError> {
        let account_sid = AccountSid::parse(account_sid).map_err(AuthError::InvalidAccountSid)?;
        let key = ApiKeySid::parse(api_key_sid).map_err(AuthError::InvalidApiKeySid)?;
        Self::new(account_sid, key.as_str(), api_key_secret)
    }

    fn new(
        account_sid: AccountSid<'a>,
        username: &'a str,
        secret: &str,
    ) -> Result<Self, AuthError> {
        check_secret(secret)?;
        // `username:secret`, at most SID_LEN + 1 + MAX_SECRET_LEN bytes (checked above).
        let mut plain = [0u8; SID_LEN + 1 + MAX_SECRET_LEN];
        let plain_len = username.len() + 1 + secret.len();
        plain[..username.len()].copy_from_slice(username.as_bytes());
        plain[username.len()] = b':';
        plain[username.len() + 1..plain_len].copy_from_slice(secret.as_bytes());

        let mut authorization = [0u8; MAX_AUTHORIZATION_LEN];
        authorization[..6].copy_from_slice(b"Basic ");
        let encoded = base64::encode(&plain[..plain_len], &mut authorization[6..]);
        Ok(Self {
            account_sid,
            username,
            authorization,
            authorization_len: 6 + encoded,
        })
    }

    /// The account the requests act for (it goes in every request path).
    pub fn account_sid(&self) -> AccountSid<'a> {
        self.account_sid
    }

    /// The Basic-auth user name: the Account SID or the API key SID.
    pub fn username(&self) -> &'a str {
        self.username
    }

    /// The complete `Authorization` header value, `Basic <base64>`.
    pub fn authorization(&self) -> &str {
        // Only ASCII was written, so this never falls back.
        core::str::from_utf8(self.authorization_bytes()).unwrap_or("")
    }

    pub(crate) fn authorization_bytes(&self) -> &[u8] {
        self.authorization
            .get(..self.authorization_len)
            .unwrap_or_default()
    }
}

/// Secrets never appear in debug output or logs.
impl fmt::Debug for Credentials<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("account_sid", &self.account_sid.as_str())
            .field("username", &self.username)
            .field("secret", &"<redacted>")
            .finish()
    }
}

#[cfg(feature = "defmt")]
impl defmt::Format for Credentials<'_> {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(
            f,
            "Credentials {{ account_sid: {}, username: {}, secret: <redacted> }}",
            self.account_sid.as_str(),
            self.username
        );
    }
}

fn check_secret(secret: &str) -> Result<(), AuthError> {
    if secret.is_empty() {
        return Err(AuthError::EmptySecret);
    }
    if secret.len() > MAX_SECRET_LEN {
        return Err(AuthError::SecretTooLong {
            max: MAX_SECRET_LEN,
        });
    }
    // Tokens and secrets are printable ASCII; anything else is a copy-paste accident.
    match secret.bytes().position(|b| !b.is_ascii_graphic()) {
        Some(index) => Err(AuthError::InvalidSecretCharacter { index }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests;
