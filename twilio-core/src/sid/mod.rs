//! Twilio resource identifiers (SIDs): two letters naming the resource type, then 32 hex digits.
//!
//! Each kind is its own type, so an Account SID cannot be passed where a Messaging Service SID is
//! expected. Parsing checks the prefix, the length and the hex digits.

use core::fmt;

/// Total length of every SID: two prefix letters and 32 hex digits.
pub const SID_LEN: usize = 34;

/// Why a string is not a SID of the expected kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum SidError {
    /// The SID must be exactly [`SID_LEN`] bytes long.
    WrongLength {
        /// Length of the rejected value in bytes.
        actual: usize,
    },
    /// The SID does not start with the two letters its kind requires.
    WrongPrefix {
        /// The prefix this kind of SID needs, such as `"AC"`.
        expected: &'static str,
    },
    /// After the prefix, a SID holds hex digits only.
    NotHex {
        /// Byte offset of the first character that is not a hex digit.
        index: usize,
    },
}

impl fmt::Display for SidError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::WrongLength { actual } => {
                write!(f, "a SID is {SID_LEN} characters long, got {actual}")
            }
            Self::WrongPrefix { expected } => write!(f, "SID must start with {expected}"),
            Self::NotHex { index } => write!(f, "SID has a non-hex character at {index}"),
        }
    }
}

impl core::error::Error for SidError {}

/// Checks that `s` is `prefix` followed by 32 hex digits (either case, as the spec allows).
pub(crate) fn check(s: &str, prefix: &'static str) -> Result<(), SidError> {
    let bytes = s.as_bytes();
    if bytes.len() != SID_LEN {
        return Err(SidError::WrongLength {
            actual: bytes.len(),
        });
    }
    if !bytes.starts_with(prefix.as_bytes()) {
        return Err(SidError::WrongPrefix { expected: prefix });
    }
    match bytes
        .iter()
        .skip(prefix.len())
        .position(|b| !b.is_ascii_hexdigit())
    {
        Some(i) => Err(SidError::NotHex {
            index: i + prefix.len(),
        }),
        None => Ok(()),
    }
}

macro_rules! sid_type {
    ($(#[$doc:meta])* $name:ident, $prefix:literal, $example:literal) => {
        $(#[$doc])*
        ///
        /// ```
        #[doc = concat!("use twilio_core::sid::", stringify!($name), ";")]
        ///
        #[doc = concat!("let sid = ", stringify!($name), "::parse(\"", $example, "\").unwrap();")]
        #[doc = concat!("assert_eq!(sid.as_str(), \"", $example, "\");")]
        #[doc = concat!("assert!(", stringify!($name), "::parse(\"XX", "0123456789abcdef0123456789abcdef\").is_err());")]
        /// ```
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[cfg_attr(feature = "defmt", derive(defmt::Format))]
        pub struct $name<'a>(&'a str);

        impl<'a> $name<'a> {
            /// The two letters every SID of this kind starts with.
            pub const PREFIX: &'static str = $prefix;

            /// Validates `s` as a SID of this kind.
            pub fn parse(s: &'a str) -> Result<Self, SidError> {
                check(s, $prefix).map(|()| Self(s))
            }

            /// The SID as given.
            pub fn as_str(&self) -> &'a str {
                self.0
            }
        }

        impl fmt::Display for $name<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.0)
            }
        }
    };
}

sid_type!(
    /// An Account SID (`AC...`): a main account or a subaccount.
    AccountSid, "AC", "AC0123456789abcdef0123456789abcdef"
);
sid_type!(
    /// An API key SID (`SK...`).
    ApiKeySid, "SK", "SK0123456789abcdef0123456789abcdef"
);
sid_type!(
    /// A Messaging Service SID (`MG...`), usable as the sender of a message.
    MessagingServiceSid, "MG", "MG0123456789abcdef0123456789abcdef"
);
sid_type!(
    /// A TwiML Application SID (`AP...`) that handles a call.
    ApplicationSid, "AP", "AP0123456789abcdef0123456789abcdef"
);
sid_type!(
    /// A Content Template SID (`HX...`), used for WhatsApp templates.
    ContentSid, "HX", "HX0123456789abcdef0123456789abcdef"
);
sid_type!(
    /// A Call SID (`CA...`).
    CallSid, "CA", "CA0123456789abcdef0123456789abcdef"
);
sid_type!(
    /// A Verify Service SID (`VA...`): the service whose settings (code length, expiry, name)
    /// a verification uses.
    VerifyServiceSid, "VA", "VA0123456789abcdef0123456789abcdef"
);
sid_type!(
    /// A Verification SID (`VE...`).
    VerificationSid, "VE", "VE0123456789abcdef0123456789abcdef"
);

/// A Message SID: `SM...` for SMS and `MM...` for MMS.
///
/// ```
/// use twilio_core::sid::MessageSid;
///
/// assert!(MessageSid::parse("SM0123456789abcdef0123456789abcdef").is_ok());
/// assert!(MessageSid::parse("MM0123456789abcdef0123456789abcdef").is_ok());
/// assert!(MessageSid::parse("CA0123456789abcdef0123456789abcdef").is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct MessageSid<'a>(&'a str);

impl<'a> MessageSid<'a> {
    /// Validates `s` as an `SM` or `MM` SID.
    pub fn parse(s: &'a str) -> Result<Self, SidError> {
        match check(s, "SM") {
            Err(SidError::WrongPrefix { .. }) => check(s, "MM")
                .map_err(|e| match e {
                    SidError::WrongPrefix { .. } => SidError::WrongPrefix { expected: "SM" },
                    other => other,
                })
                .map(|()| Self(s)),
            other => other.map(|()| Self(s)),
        }
    }

    /// The SID as given.
    pub fn as_str(&self) -> &'a str {
        self.0
    }
}

impl fmt::Display for MessageSid<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX32: &str = "0123456789abcdefABCDEF0123456789";

    #[test]
    fn accepts_both_hex_cases() {
        let s = std::format!("AC{HEX32}");
        assert_eq!(AccountSid::parse(&s).unwrap().as_str(), s);
    }

    #[test]
    fn precise_errors() {
        assert_eq!(
            AccountSid::parse("AC123"),
            Err(SidError::WrongLength { actual: 5 })
        );
        assert_eq!(
            AccountSid::parse(&std::format!("SK{HEX32}")),
            Err(SidError::WrongPrefix { expected: "AC" })
        );
        assert_eq!(
            AccountSid::parse("AC0123456789abcdef0123456789abcdeg"),
            Err(SidError::NotHex { index: 33 })
        );
        // A multi-byte character never panics the check.
        assert_eq!(
            AccountSid::parse("AC0123456789abcdef0123456789abcdé"),
            Err(SidError::NotHex { index: 32 })
        );
        assert_eq!(
            MessagingServiceSid::parse(""),
            Err(SidError::WrongLength { actual: 0 })
        );
    }

    #[test]
    fn message_sids_take_two_prefixes() {
        assert!(MessageSid::parse(&std::format!("SM{HEX32}")).is_ok());
        assert!(MessageSid::parse(&std::format!("MM{HEX32}")).is_ok());
        assert_eq!(
            MessageSid::parse(&std::format!("CA{HEX32}")),
            Err(SidError::WrongPrefix { expected: "SM" })
        );
        assert_eq!(
            MessageSid::parse("MM0123456789abcdef0123456789abcdex"),
            Err(SidError::NotHex { index: 33 })
        );
    }
}
