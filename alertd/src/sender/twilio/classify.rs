//! Turns Twilio's answer into one of the four outcomes the outbox acts on, through
//! twilio-core's response parser and `Outcome` classification (the contract the devices use).

use serde::Deserialize;
use twilio_core::outcome::{Outcome, ResourceStatus};
use twilio_core::response::{Progress, Response, ResponseParser};

use crate::outbox::SendOutcome;

#[derive(Deserialize)]
struct ErrorText {
    #[serde(default)]
    message: Option<String>,
}

/// The human-readable part of an error body (`message`), else the start of the body.
fn reason(status: u16, body: &[u8]) -> String {
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
    let mut buf = vec![0u8; raw.len().max(1024)];
    let mut parser = ResponseParser::new(&mut buf);
    let complete = match parser.feed(raw) {
        Ok(Progress::Complete { .. }) => true,
        Ok(Progress::Partial) => matches!(parser.finish(), Ok(Progress::Complete { .. })),
        Err(_) => false,
    };
    match parser.response() {
        Some(resp) if complete => from_response(&resp),
        _ => SendOutcome::Retry {
            after: None,
            code: None,
            reason: "unreadable HTTP response".into(),
        },
    }
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
}
