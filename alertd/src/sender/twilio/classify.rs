//! Turns Twilio's answer into one of the four outcomes the outbox acts on, through
//! twilio-core's response parser and `Outcome` classification (the contract the devices use).

use serde::Deserialize;
use twilio_core::outcome::{Outcome, ResourceStatus};
use twilio_core::response::{
    Call, CallStatus, Message, MessageStatus, Progress, Response, ResponseParser,
};

use crate::domain::channel::Channel;
use crate::domain::outbox::Price;
use crate::outbox::{FetchedStatus, LookupError, SendOutcome};

#[derive(Deserialize)]
struct ErrorText {
    #[serde(default)]
    message: Option<String>,
}

/// The human-readable part of an error body (`message`), else the start of the body.
pub(super) fn reason(status: u16, body: &[u8]) -> String {
    let message = serde_json::from_slice::<ErrorText>(body)
        .ok()
        .and_then(|e| e.message);
    message.unwrap_or_else(|| {
        format!(
            "HTTP {status}: {}",
            String::from_utf8_lossy(body.get(..200).unwrap_or(body))
        )
    })
}

/// Classifies a complete parsed response.
pub(crate) fn from_response(resp: &Response<'_>) -> SendOutcome {
    let code = |c: Option<twilio_core::outcome::ErrorCode>| c.map(|c| i64::from(c.0));
    match Outcome::from_response(resp) {
        Outcome::Accepted { sid, status } => SendOutcome::Accepted {
            // A 2xx is never retried, even without a readable SID: a duplicate alert is avoided.
            sid: sid.map(|s| s.as_str().to_owned()).unwrap_or_default(),
            status: match status {
                ResourceStatus::Message(s) => s.as_str().to_owned(),
                ResourceStatus::Call(s) => s.as_str().to_owned(),
                _ => "unknown".to_owned(),
            },
        },
        Outcome::Retry { after, code: c } => SendOutcome::Retry {
            after: after.map(twilio_core::outcome::Delay::to_duration),
            code: code(c).or(Some(i64::from(resp.status))),
            reason: reason(resp.status, resp.body),
        },
        Outcome::Rejected { code: c } => SendOutcome::Rejected {
            code: code(c).or(Some(i64::from(resp.status))),
            reason: reason(resp.status, resp.body),
        },
        Outcome::Misconfigured { code: c } => SendOutcome::Misconfigured {
            code: code(c).or(Some(i64::from(resp.status))),
            reason: reason(resp.status, resp.body),
        },
        _ => SendOutcome::Retry {
            after: None,
            code: None,
            reason: "unclassified response".into(),
        },
    }
}

/// Reads the answer to fetching a message or call (`channel`): its status, or why there is
/// none. 404 is permanent (Twilio does not know the SID); refused credentials and everything
/// transient are worth another try.
pub(crate) fn fetched(channel: Channel, resp: &Response<'_>) -> Result<FetchedStatus, LookupError> {
    if resp.status == 404 {
        return Err(LookupError::Permanent(format!(
            "Twilio has no such {}: {}",
            resource(channel),
            reason(resp.status, resp.body)
        )));
    }
    if resp.is_success() {
        let unreadable = || {
            LookupError::Retry(format!(
                "Twilio's {} resource is unreadable or has a status alertd does not know",
                resource(channel)
            ))
        };
        return match channel {
            Channel::Sms => {
                let m = Message::from_json(resp.body).map_err(|_| unreadable())?;
                if m.status == MessageStatus::Unknown {
                    return Err(unreadable());
                }
                Ok(FetchedStatus {
                    status: m.status.as_str().to_owned(),
                    error_code: m.error_code.map(i64::from),
                    price: Price::from_twilio(m.price, m.price_unit),
                })
            }
            Channel::Voice => {
                let c = Call::from_json(resp.body).map_err(|_| unreadable())?;
                if c.status == CallStatus::Unknown {
                    return Err(unreadable());
                }
                Ok(FetchedStatus {
                    status: c.status.as_str().to_owned(),
                    error_code: None,
                    price: Price::from_twilio(c.price, c.price_unit),
                })
            }
        };
    }
    let why = reason(resp.status, resp.body);
    match Outcome::from_response(resp) {
        Outcome::Rejected { .. } => Err(LookupError::Permanent(why)),
        _ => Err(LookupError::Retry(why)),
    }
}

fn resource(channel: Channel) -> &'static str {
    match channel {
        Channel::Sms => "message",
        Channel::Voice => "call",
    }
}

/// Parses a whole raw HTTP response and reads it as the answer to fetching a message or call.
///
/// ```
/// use alertd::domain::channel::Channel;
/// use alertd::sender::twilio::classify::fetched_raw;
/// let ok = b"HTTP/1.1 200 OK\r\nContent-Length: 68\r\n\r\n{\"sid\": \"CA0123456789abcdef0123456789abcdef\", \"status\": \"completed\"}";
/// assert_eq!(fetched_raw(Channel::Voice, ok).unwrap().status, "completed");
/// let gone = b"HTTP/1.1 404 Not Found\r\nContent-Length: 15\r\n\r\n{\"code\": 20404}";
/// assert!(!fetched_raw(Channel::Voice, gone).unwrap_err().is_retry());
/// ```
pub fn fetched_raw(channel: Channel, raw: &[u8]) -> Result<FetchedStatus, LookupError> {
    parse_raw(raw, |resp| fetched(channel, resp))
        .unwrap_or_else(|| Err(LookupError::Retry("unreadable HTTP response".into())))
}

/// Parses a whole raw HTTP response and hands it to `read`; `None` if it is not one.
pub(super) fn parse_raw<R>(raw: &[u8], read: impl Fn(&Response<'_>) -> R) -> Option<R> {
    let mut buf = vec![0u8; raw.len().max(1024)];
    let mut parser = ResponseParser::new(&mut buf);
    let complete = match parser.feed(raw) {
        Ok(Progress::Complete { .. }) => true,
        Ok(Progress::Partial) => matches!(parser.finish(), Ok(Progress::Complete { .. })),
        Err(_) => false,
    };
    match parser.response() {
        Some(resp) if complete => Some(read(&resp)),
        _ => None,
    }
}

/// Parses and classifies a whole raw HTTP response.
///
/// ```
/// use alertd::outbox::SendOutcome;
/// use alertd::sender::twilio::classify::classify_raw;
/// let raw = b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 3\r\nContent-Length: 15\r\n\r\n{\"code\": 20429}";
/// assert!(matches!(classify_raw(raw), SendOutcome::Retry { after: Some(d), code: Some(20429), .. } if d.as_secs() == 3));
/// let ok = b"HTTP/1.1 201 Created\r\nContent-Length: 60\r\n\r\n{\"sid\": \"SM0123456789abcdef0123456789abcdef\", \"status\": \"queued\"}";
/// assert!(matches!(classify_raw(ok), SendOutcome::Accepted { .. }));
/// ```
pub fn classify_raw(raw: &[u8]) -> SendOutcome {
    parse_raw(raw, from_response).unwrap_or_else(|| SendOutcome::Retry {
        after: None,
        code: None,
        reason: "unreadable HTTP response".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(status: &str, body: &str) -> Vec<u8> {
        format!(
            "HTTP/1.1 {status}\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .into_bytes()
    }

    #[test]
    fn classes() {
        assert!(matches!(
            classify_raw(&raw("503 Service Unavailable", "oops")),
            SendOutcome::Retry {
                code: Some(503),
                ..
            }
        ));
        assert!(matches!(
            classify_raw(&raw(
                "401 Unauthorized",
                r#"{"code": 20003, "message": "Authenticate"}"#
            )),
            SendOutcome::Misconfigured {
                code: Some(20003),
                ..
            }
        ));
        let rejected = classify_raw(&raw(
            "400 Bad Request",
            r#"{"code": 21211, "message": "The 'To' number is not valid."}"#,
        ));
        assert_eq!(
            rejected,
            SendOutcome::Rejected {
                code: Some(21211),
                reason: "The 'To' number is not valid.".into()
            }
        );
        assert!(matches!(
            classify_raw(&raw("400 Bad Request", r#"{"code": 21610}"#)),
            SendOutcome::Rejected {
                code: Some(21610),
                ..
            }
        ));
        assert!(
            matches!(
                classify_raw(&raw("201 Created", "{}")),
                SendOutcome::Accepted { .. }
            ),
            "2xx is never retried"
        );
        assert!(matches!(
            classify_raw(b"garbage"),
            SendOutcome::Retry { .. }
        ));
    }

    #[test]
    fn fetched_statuses_and_why_there_is_none() {
        let message = r#"{"sid": "SM0123456789abcdef0123456789abcdef", "status": "undelivered",
            "error_code": 30003, "body": "Hot \"boiler\"", "subresource_uris": {"media": "/m"}}"#;
        assert_eq!(
            fetched_raw(Channel::Sms, &raw("200 OK", message)),
            Ok(FetchedStatus {
                status: "undelivered".into(),
                error_code: Some(30003),
                price: None,
            })
        );
        let call = r#"{"sid": "CA0123456789abcdef0123456789abcdef", "status": "completed",
            "price": "-0.01400", "price_unit": "USD"}"#;
        assert_eq!(
            fetched_raw(Channel::Voice, &raw("200 OK", call))
                .unwrap()
                .price,
            Some(Price {
                amount: "-0.01400".into(),
                unit: "USD".into()
            })
        );
        let call = r#"{"sid": "CA0123456789abcdef0123456789abcdef", "status": "no-answer",
            "price": null, "price_unit": "USD"}"#;
        assert_eq!(
            fetched_raw(Channel::Voice, &raw("200 OK", call))
                .unwrap()
                .price,
            None
        );
        assert_eq!(
            fetched_raw(Channel::Voice, &raw("200 OK", call))
                .unwrap()
                .status,
            "no-answer"
        );
        let new_status = r#"{"sid": "CA0123456789abcdef0123456789abcdef", "status": "teleported"}"#;
        assert!(
            fetched_raw(Channel::Voice, &raw("200 OK", new_status))
                .unwrap_err()
                .is_retry()
        );
        assert!(
            fetched_raw(Channel::Sms, &raw("200 OK", "<html>"))
                .unwrap_err()
                .is_retry()
        );
        let missing = r#"{"code": 20404, "message": "The requested resource was not found"}"#;
        let e = fetched_raw(Channel::Sms, &raw("404 Not Found", missing)).unwrap_err();
        assert!(
            !e.is_retry() && e.to_string().contains("no such message"),
            "{e}"
        );
        assert!(
            fetched_raw(Channel::Sms, &raw("503 Service Unavailable", ""))
                .unwrap_err()
                .is_retry()
        );
        assert!(
            fetched_raw(
                Channel::Sms,
                &raw("429 Too Many Requests", r#"{"code": 20429}"#)
            )
            .unwrap_err()
            .is_retry()
        );
        let auth = r#"{"code": 20003, "message": "Authenticate"}"#;
        assert!(
            fetched_raw(Channel::Sms, &raw("401 Unauthorized", auth))
                .unwrap_err()
                .is_retry(),
            "refused credentials fail every lookup until fixed, not this row for good"
        );
        assert!(
            fetched_raw(Channel::Sms, b"garbage")
                .unwrap_err()
                .is_retry()
        );
    }
}
