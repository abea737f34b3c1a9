//! Who a message or call goes to and comes from.
//!
//! - [`PhoneNumber`]: strict E.164 (`+` and 8 to 15 digits), and [`normalize_e164`] for numbers
//!   written for humans.
//! - [`WhatsAppAddress`]: the `whatsapp:+E164` channel address.
//! - [`AlphanumericSenderId`] and [`ShortCode`]: senders that are not phone numbers.
//! - [`Recipient`], [`Sender`] and [`CallEndpoint`]: what each request field accepts, parsed
//!   from one string so callers can pass what their configuration holds.

mod e164;
mod error;
mod sender;

pub use e164::{
    E164_MAX_DIGITS, E164_MAX_LEN, E164_MIN_DIGITS, E164String, PhoneNumber, normalize_e164,
    normalize_e164_into,
};
pub use error::AddressError;
pub use sender::{
    AlphanumericSenderId, CallEndpoint, Recipient, Sender, ShortCode, WhatsAppAddress,
};

#[cfg(test)]
mod tests;
