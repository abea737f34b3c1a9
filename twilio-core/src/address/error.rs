use core::fmt;

/// Why a phone number, channel address or sender ID was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum AddressError {
    /// Nothing was given.
    Empty,
    /// An E.164 number starts with `+` and its country code; local numbers are ambiguous.
    MissingPlus,
    /// A character that cannot appear here.
    InvalidCharacter {
        /// Byte offset of the character in the input.
        index: usize,
    },
    /// E.164 numbers have 8 to 15 digits after the `+`.
    WrongDigitCount {
        /// Digits found.
        actual: usize,
    },
    /// No country code starts with 0.
    LeadingZero,
    /// A channel address lacks its prefix, such as `whatsapp:`.
    MissingChannelPrefix {
        /// The prefix expected.
        expected: &'static str,
    },
    /// An alphanumeric sender ID is 1 to 11 characters.
    SenderIdTooLong {
        /// Longest sender ID accepted.
        max: usize,
    },
    /// An alphanumeric sender ID must contain at least one letter.
    SenderIdWithoutLetter,
    /// A short code is 3 to 8 digits.
    WrongShortCodeLength {
        /// Digits found.
        actual: usize,
    },
    /// A `client:` or `sip:` address names nobody after its prefix.
    EmptyIdentifier,
    /// The caller's buffer cannot hold the normalized number.
    OutputTooSmall {
        /// Bytes the number needs.
        required: usize,
    },
    /// A Messaging Service SID used as sender is malformed.
    InvalidMessagingServiceSid(crate::sid::SidError),
}

impl fmt::Display for AddressError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("empty address"),
            Self::MissingPlus => f.write_str("E.164 numbers start with + and a country code"),
            Self::InvalidCharacter { index } => write!(f, "invalid character at {index}"),
            Self::WrongDigitCount { actual } => {
                write!(f, "E.164 numbers have 8 to 15 digits, got {actual}")
            }
            Self::LeadingZero => f.write_str("country codes never start with 0"),
            Self::MissingChannelPrefix { expected } => write!(f, "missing {expected} prefix"),
            Self::SenderIdTooLong { max } => {
                write!(f, "alphanumeric sender IDs are at most {max} characters")
            }
            Self::SenderIdWithoutLetter => {
                f.write_str("alphanumeric sender IDs need at least one letter")
            }
            Self::WrongShortCodeLength { actual } => {
                write!(f, "short codes have 3 to 8 digits, got {actual}")
            }
            Self::EmptyIdentifier => f.write_str("nothing after the address prefix"),
            Self::OutputTooSmall { required } => {
                write!(f, "buffer too small: {required} bytes required")
            }
            Self::InvalidMessagingServiceSid(e) => write!(f, "invalid Messaging Service SID: {e}"),
        }
    }
}

impl core::error::Error for AddressError {}
