//! SMS text: segment counting as Twilio counts, smart encoding, fitting a message into a segment
//! budget, and alert text templates.
//!
//! - [`segments`]: GSM-7 / UCS-2 detection, segment count and where each segment ends.
//! - [`smart_encoding`]: look-alike Unicode replaced with GSM-7 text.
//! - [`fit`]: truncate to N segments at a character boundary, with an ellipsis.
//! - [`template`]: `"{name} {value}{unit} above {limit} at {site}"` with fixed-point numbers.
//! - [`gsm7`]: the GSM 03.38 character tables.

mod clusters;
pub mod fit;
pub mod gsm7;
pub mod segments;
pub mod smart_encoding;
mod smart_encoding_table;
pub mod template;
