//! An owned, fixed-size resource SID.

use core::fmt;

use crate::sid::{CallSid, MessageSid};

/// The SID of the resource a request created (`SM...`, `CA...`), stored inline so an
/// [`Outcome`](super::Outcome) is `Copy` and outlives the response buffer. Any kind is kept;
/// [`ResourceSid::message_sid`] and [`ResourceSid::call_sid`] give the validated, typed
/// [`crate::sid`] views.
///
/// ```
/// use twilio_core::outcome::ResourceSid;
///
/// let sid = ResourceSid::new("SM0123456789abcdef0123456789abcdef").unwrap();
/// assert_eq!(sid.as_str(), "SM0123456789abcdef0123456789abcdef");
/// assert_eq!(sid.prefix(), "SM");
/// assert!(sid.message_sid().is_some());
/// assert!(sid.call_sid().is_none());
/// assert!(ResourceSid::new("SM 'quoted'").is_none());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ResourceSid {
    bytes: [u8; ResourceSid::MAX_LEN],
    len: u8,
}

impl ResourceSid {
    /// Longest SID accepted; Twilio's are exactly this long.
    pub const MAX_LEN: usize = 34;

    /// Copies `text` if it is 1 to 34 ASCII letters and digits.
    pub fn new(text: &str) -> Option<Self> {
        Self::from_bytes(text.as_bytes())
    }

    /// Copies `src` if it is 1 to 34 ASCII letters and digits.
    pub fn from_bytes(src: &[u8]) -> Option<Self> {
        if src.is_empty() || src.len() > Self::MAX_LEN || !src.iter().all(u8::is_ascii_alphanumeric)
        {
            return None;
        }
        let mut bytes = [0u8; Self::MAX_LEN];
        bytes[..src.len()].copy_from_slice(src);
        Some(ResourceSid {
            bytes,
            len: u8::try_from(src.len()).ok()?,
        })
    }

    /// The SID text.
    pub fn as_str(&self) -> &str {
        // Only ASCII alphanumerics are ever stored.
        core::str::from_utf8(&self.bytes[..usize::from(self.len)]).unwrap_or_default()
    }

    /// The SID as a validated Message SID, when it is one.
    pub fn message_sid(&self) -> Option<MessageSid<'_>> {
        MessageSid::parse(self.as_str()).ok()
    }

    /// The SID as a validated Call SID, when it is one.
    pub fn call_sid(&self) -> Option<CallSid<'_>> {
        CallSid::parse(self.as_str()).ok()
    }

    /// The first two bytes (fewer for a shorter SID), without UTF-8 validation.
    pub(crate) fn prefix_bytes(&self) -> &[u8] {
        self.bytes
            .get(..usize::from(self.len).min(2))
            .unwrap_or_default()
    }

    /// The two-letter type prefix (`SM`, `MM`, `CA`, ...), or less for a shorter SID.
    pub fn prefix(&self) -> &str {
        self.as_str().get(..2).unwrap_or_default()
    }
}

impl fmt::Debug for ResourceSid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ResourceSid").field(&self.as_str()).finish()
    }
}

impl fmt::Display for ResourceSid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(feature = "defmt")]
impl defmt::Format for ResourceSid {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "{=str}", self.as_str());
    }
}
