//! The response side: an HTTP/1.1 push parser and Twilio's JSON resources.
//!
//! Feed received bytes to a [`ResponseParser`] over a caller-owned buffer until it reports
//! [`Progress::Complete`], then read the [`Response`] and either parse its body as a [`Message`],
//! [`Call`], a list [`Page`], [`Verification`], [`PhoneNumberLookup`] or [`TwilioError`], or hand it to [`crate::outcome::Outcome::from_response`].
//!
//! ```
//! use twilio_core::response::{Message, MessageStatus, Progress, ResponseParser};
//!
//! let wire = b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n\
//!     Transfer-Encoding: chunked\r\n\r\n\
//!     1c\r\n{\"sid\": \"SM00000000000000000\r\n\
//!     25\r\n000000000000000\", \"status\": \"queued\"}\r\n0\r\n\r\n";
//! let mut buf = [0u8; 1024];
//! let mut parser = ResponseParser::new(&mut buf);
//! assert!(matches!(parser.feed(wire), Ok(Progress::Complete { .. })));
//! let response = parser.response().unwrap();
//! let message = Message::from_json(response.body).unwrap();
//! assert_eq!(message.status, MessageStatus::Queued);
//! ```

mod chunked;
pub(crate) mod decimal;
mod delay;
mod head;
mod http_date;
mod json_str;
mod list;
mod parser;
mod resource;
mod status;
mod verify;

pub use delay::Delay;
pub use http_date::RETRY_AFTER_DATE_DELAY;
pub use json_str::{JsonStr, UnescapeError};
pub use list::{CallPage, MessagePage, Page};
pub use parser::{MAX_HEADERS, Progress, Response, ResponseError, ResponseParser};
pub use resource::{Call, Message, ResourceError, TwilioError};
pub use status::{AnsweredBy, CallStatus, LineType, MessageStatus, VerificationStatus};
pub use verify::{LineTypeIntelligence, PhoneNumberLookup, Verification};
