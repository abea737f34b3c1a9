use super::{AddressError, PhoneNumber};
use crate::sid::MessagingServiceSid;
use core::fmt;

const WHATSAPP: &str = "whatsapp:";
const CLIENT: &str = "client:";
const SIP: &str = "sip:";

/// A WhatsApp channel address, `whatsapp:+E164`.
///
/// ```
/// use twilio_core::address::WhatsAppAddress;
///
/// let to = WhatsAppAddress::parse("whatsapp:+15551234567")?;
/// assert_eq!(to.number().as_str(), "+15551234567");
/// # Ok::<(), twilio_core::address::AddressError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct WhatsAppAddress<'a> {
    address: &'a str,
    number: PhoneNumber<'a>,
}

impl<'a> WhatsAppAddress<'a> {
    /// Validates `whatsapp:` followed by an E.164 number.
    pub fn parse(s: &'a str) -> Result<Self, AddressError> {
        let number = s
            .strip_prefix(WHATSAPP)
            .ok_or(AddressError::MissingChannelPrefix { expected: WHATSAPP })?;
        let number = PhoneNumber::parse(number).map_err(|e| shift_index(e, WHATSAPP.len()))?;
        Ok(Self { address: s, number })
    }

    /// The whole address, prefix included.
    pub fn as_str(&self) -> &'a str {
        self.address
    }

    /// The phone number behind the address.
    pub fn number(&self) -> PhoneNumber<'a> {
        self.number
    }
}

fn shift_index(e: AddressError, by: usize) -> AddressError {
    match e {
        AddressError::InvalidCharacter { index } => {
            AddressError::InvalidCharacter { index: index + by }
        }
        other => other,
    }
}

/// An alphanumeric sender ID: 1 to 11 ASCII letters, digits and spaces, with at least one letter.
///
/// ```
/// use twilio_core::address::{AddressError, AlphanumericSenderId};
///
/// assert!(AlphanumericSenderId::parse("PlantAlarm").is_ok());
/// assert_eq!(
///     AlphanumericSenderId::parse("TooLongSenderId"),
///     Err(AddressError::SenderIdTooLong { max: 11 })
/// );
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct AlphanumericSenderId<'a>(&'a str);

impl<'a> AlphanumericSenderId<'a> {
    /// Longest alphanumeric sender ID.
    pub const MAX_LEN: usize = 11;

    /// Validates an alphanumeric sender ID.
    pub fn parse(s: &'a str) -> Result<Self, AddressError> {
        if s.is_empty() {
            return Err(AddressError::Empty);
        }
        if let Some(index) = s
            .bytes()
            .position(|b| !(b.is_ascii_alphanumeric() || b == b' '))
        {
            return Err(AddressError::InvalidCharacter { index });
        }
        if s.len() > Self::MAX_LEN {
            return Err(AddressError::SenderIdTooLong { max: Self::MAX_LEN });
        }
        if !s.bytes().any(|b| b.is_ascii_alphabetic()) {
            return Err(AddressError::SenderIdWithoutLetter);
        }
        Ok(Self(s))
    }

    /// The sender ID as given.
    pub fn as_str(&self) -> &'a str {
        self.0
    }
}

/// A short code: 3 to 8 digits, no `+`.
///
/// ```
/// use twilio_core::address::ShortCode;
///
/// assert_eq!(ShortCode::parse("89203")?.as_str(), "89203");
/// # Ok::<(), twilio_core::address::AddressError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ShortCode<'a>(&'a str);

impl<'a> ShortCode<'a> {
    /// Validates a short code.
    pub fn parse(s: &'a str) -> Result<Self, AddressError> {
        if s.is_empty() {
            return Err(AddressError::Empty);
        }
        if let Some(index) = s.bytes().position(|b| !b.is_ascii_digit()) {
            return Err(AddressError::InvalidCharacter { index });
        }
        if !(3..=8).contains(&s.len()) {
            return Err(AddressError::WrongShortCodeLength { actual: s.len() });
        }
        Ok(Self(s))
    }

    /// The short code as given.
    pub fn as_str(&self) -> &'a str {
        self.0
    }
}

/// Who a message goes to (`To`): an E.164 number or a WhatsApp address.
///
/// ```
/// use twilio_core::address::Recipient;
///
/// assert!(matches!(Recipient::parse("+15551234567")?, Recipient::Phone(_)));
/// assert!(matches!(Recipient::parse("whatsapp:+15551234567")?, Recipient::WhatsApp(_)));
/// # Ok::<(), twilio_core::address::AddressError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Recipient<'a> {
    /// An SMS/MMS recipient.
    Phone(PhoneNumber<'a>),
    /// A WhatsApp user.
    WhatsApp(WhatsAppAddress<'a>),
}

impl<'a> Recipient<'a> {
    /// Parses a number or a `whatsapp:` address.
    pub fn parse(s: &'a str) -> Result<Self, AddressError> {
        if s.starts_with(WHATSAPP) {
            WhatsAppAddress::parse(s).map(Self::WhatsApp)
        } else {
            PhoneNumber::parse(s).map(Self::Phone)
        }
    }

    /// The value sent as `To`.
    pub fn as_str(&self) -> &'a str {
        match self {
            Self::Phone(p) => p.as_str(),
            Self::WhatsApp(w) => w.as_str(),
        }
    }
}

/// Who a message comes from: `From` (a number, WhatsApp address, short code or alphanumeric
/// ID) or a Messaging Service (`MessagingServiceSid`) that picks a number from its pool.
///
/// ```
/// use twilio_core::address::Sender;
///
/// assert!(matches!(Sender::parse("+15005550006")?, Sender::Phone(_)));
/// assert!(matches!(
///     Sender::parse("MG0123456789abcdef0123456789abcdef")?,
///     Sender::MessagingService(_)
/// ));
/// assert!(matches!(Sender::parse("ALERTS")?, Sender::Alphanumeric(_)));
/// assert!(matches!(Sender::parse("89203")?, Sender::ShortCode(_)));
/// # Ok::<(), twilio_core::address::AddressError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Sender<'a> {
    /// A Twilio phone number.
    Phone(PhoneNumber<'a>),
    /// A WhatsApp sender.
    WhatsApp(WhatsAppAddress<'a>),
    /// A short code.
    ShortCode(ShortCode<'a>),
    /// An alphanumeric sender ID.
    Alphanumeric(AlphanumericSenderId<'a>),
    /// A Messaging Service, sent as `MessagingServiceSid`.
    MessagingService(MessagingServiceSid<'a>),
}

impl<'a> Sender<'a> {
    /// Parses any kind of sender, choosing the kind by its shape.
    pub fn parse(s: &'a str) -> Result<Self, AddressError> {
        let bytes = s.as_bytes();
        if s.starts_with(WHATSAPP) {
            WhatsAppAddress::parse(s).map(Self::WhatsApp)
        } else if bytes.first() == Some(&b'+') {
            PhoneNumber::parse(s).map(Self::Phone)
        } else if s.starts_with(MessagingServiceSid::PREFIX)
            && s.len() > AlphanumericSenderId::MAX_LEN
        {
            MessagingServiceSid::parse(s)
                .map(Self::MessagingService)
                .map_err(AddressError::InvalidMessagingServiceSid)
        } else if !bytes.is_empty() && bytes.iter().all(u8::is_ascii_digit) {
            // Long digit strings are phone numbers missing their `+`.
            if bytes.len() > 8 {
                Err(AddressError::MissingPlus)
            } else {
                ShortCode::parse(s).map(Self::ShortCode)
            }
        } else {
            AlphanumericSenderId::parse(s).map(Self::Alphanumeric)
        }
    }

    /// The sender as given.
    pub fn as_str(&self) -> &'a str {
        match self {
            Self::Phone(p) => p.as_str(),
            Self::WhatsApp(w) => w.as_str(),
            Self::ShortCode(c) => c.as_str(),
            Self::Alphanumeric(a) => a.as_str(),
            Self::MessagingService(m) => m.as_str(),
        }
    }
}

/// One end of a voice call (`To`, `From`, `CallerId`): an E.164 number, a `client:` identifier
/// or a `sip:` address.
///
/// ```
/// use twilio_core::address::CallEndpoint;
///
/// assert!(matches!(CallEndpoint::parse("+15551234567")?, CallEndpoint::Phone(_)));
/// assert!(matches!(CallEndpoint::parse("client:oncall")?, CallEndpoint::Client(_)));
/// assert!(matches!(CallEndpoint::parse("sip:ops@example.com")?, CallEndpoint::Sip(_)));
/// # Ok::<(), twilio_core::address::AddressError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum CallEndpoint<'a> {
    /// A phone number.
    Phone(PhoneNumber<'a>),
    /// A Twilio Client identifier, `client:` included.
    Client(&'a str),
    /// A SIP address, `sip:` included.
    Sip(&'a str),
}

impl<'a> CallEndpoint<'a> {
    /// Parses a number, `client:` identifier or `sip:` address.
    pub fn parse(s: &'a str) -> Result<Self, AddressError> {
        if let Some(rest) = s.strip_prefix(CLIENT) {
            check_identifier(rest, CLIENT.len()).map(|()| Self::Client(s))
        } else if let Some(rest) = s.strip_prefix(SIP) {
            check_identifier(rest, SIP.len()).map(|()| Self::Sip(s))
        } else {
            PhoneNumber::parse(s).map(Self::Phone)
        }
    }

    /// The endpoint as given.
    pub fn as_str(&self) -> &'a str {
        match self {
            Self::Phone(p) => p.as_str(),
            Self::Client(s) | Self::Sip(s) => s,
        }
    }
}

fn check_identifier(rest: &str, offset: usize) -> Result<(), AddressError> {
    if rest.is_empty() {
        return Err(AddressError::EmptyIdentifier);
    }
    match rest.bytes().position(|b| !b.is_ascii_graphic()) {
        Some(i) => Err(AddressError::InvalidCharacter { index: i + offset }),
        None => Ok(()),
    }
}

impl fmt::Display for Recipient<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Sender<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for CallEndpoint<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
