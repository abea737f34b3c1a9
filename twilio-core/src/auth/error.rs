use crate::sid::SidError;
use core::fmt;

/// Why credentials were rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum AuthError {
    /// The account SID is not `AC` followed by 32 hex digits.
    InvalidAccountSid(SidError),
    /// The API key SID is not `SK` followed by 32 hex digits.
    InvalidApiKeySid(SidError),
    /// The auth token or API key secret is empty.
    EmptySecret,
    /// The auth token or API key secret is longer than `max` bytes.
    SecretTooLong {
        /// Longest secret accepted, in bytes.
        max: usize,
    },
    /// The secret holds a space, control or non-ASCII character.
    InvalidSecretCharacter {
        /// Byte offset of the first such character.
        index: usize,
    },
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidAccountSid(e) => write!(f, "invalid account SID: {e}"),
            Self::InvalidApiKeySid(e) => write!(f, "invalid API key SID: {e}"),
            Self::EmptySecret => f.write_str("the auth token or API key secret is empty"),
            Self::SecretTooLong { max } => write!(f, "the secret is longer than {max} bytes"),
            Self::InvalidSecretCharacter { index } => {
                write!(f, "the secret has a non-printable character at {index}")
            }
        }
    }
}

impl core::error::Error for AuthError {}
