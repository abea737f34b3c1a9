//! Turns Twilio's answer into one of the four outcomes the outbox acts on.

use std::time::Duration;

use serde::Deserialize;

use crate::sender::SendOutcome;

#[derive(Deserialize)]
struct Answer {
    #[serde(default)]
    sid: Option<String>,
    #[serde(default)]
    status: Option<serde_json::Value>,
    #[serde(default)]
    code: Option<i64>,
    #[serde(default)]
    message: Option<String>,
}

/// Errors caused by alertd's own configuration (credentials, sender identity).
const MISCONFIGURED: &[i64] = &[20003, 20005, 20404, 21212, 21603, 21606, 21659, 21608];
/// Errors worth retrying.
const RETRYABLE: &[i64] = &[20429, 21611];

/// Classifies a whole raw HTTP response.
///
/// ```
/// use alertd::sender::{SendOutcome, twilio::classify::classify_raw};
/// let raw = b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 3\r\nContent-Length: 15\r\n\r\n{\"code\": 20429}";
/// assert!(matches!(classify_raw(raw), SendOutcome::Retry { after: Some(d), code: Some(20429), .. } if d.as_secs() == 3));
/// ```
pub fn classify_raw(raw: &[u8]) -> SendOutcome {
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut resp = httparse::Response::new(&mut headers);
    let Ok(httparse::Status::Complete(head_len)) = resp.parse(raw) else {
        return SendOutcome::Retry {
            after: None,
            code: None,
            reason: "unreadable HTTP response".into(),
        };
    };
    let status = resp.code.unwrap_or(0);
    let header = |name: &str| {
        resp.headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| String::from_utf8_lossy(h.value).trim().to_owned())
    };
    let retry_after = header("retry-after")
        .and_then(|v| v.parse::<u64>().ok())
        .map(Duration::from_secs);
    let raw_body = raw.get(head_len..).unwrap_or_default();
    let body = if header("transfer-encoding")
        .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"))
    {
        dechunk(raw_body)
    } else {
        raw_body.to_vec()
    };
    classify(status, &body, retry_after)
}

fn dechunk(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(line_end) = body.windows(2).position(|w| w == b"\r\n") {
        let size = std::str::from_utf8(body.get(..line_end).unwrap_or_default())
            .ok()
            .and_then(|t| usize::from_str_radix(t.split(';').next().unwrap_or("").trim(), 16).ok())
            .unwrap_or(0);
        let rest = body.get(line_end + 2..).unwrap_or_default();
        if size == 0 || rest.len() < size {
            break;
        }
        out.extend_from_slice(rest.get(..size).unwrap_or_default());
        body = rest.get(size + 2..).unwrap_or_default();
    }
    out
}

/// Classifies an HTTP status and body.
///
/// ```
/// use alertd::sender::{SendOutcome, twilio::classify::classify};
/// let ok = classify(201, br#"{"sid": "SM0123", "status": "queued"}"#, None);
/// assert_eq!(ok, SendOutcome::Accepted { sid: "SM0123".into(), status: "queued".into() });
/// assert!(matches!(classify(400, br#"{"code": 21211, "message": "bad To", "status": 400}"#, None),
///     SendOutcome::Rejected { code: Some(21211), .. }));
/// assert!(matches!(classify(429, br#"{"code": 20429}"#, None), SendOutcome::Retry { .. }));
/// ```
pub fn classify(status: u16, body: &[u8], retry_after: Option<Duration>) -> SendOutcome {
    let answer: Option<Answer> = serde_json::from_slice(body).ok();
    let code = answer.as_ref().and_then(|a| a.code);
    let reason = answer
        .as_ref()
        .and_then(|a| a.message.clone())
        .unwrap_or_else(|| {
            format!(
                "HTTP {status}: {}",
                String::from_utf8_lossy(body.get(..200).unwrap_or(body))
            )
        });
    if (200..300).contains(&status) {
        let sid = answer.as_ref().and_then(|a| a.sid.clone());
        let state = answer
            .as_ref()
            .and_then(|a| a.status.as_ref())
            .and_then(|s| s.as_str().map(str::to_owned));
        return match sid {
            Some(sid) => SendOutcome::Accepted {
                sid,
                status: state.unwrap_or_else(|| "queued".into()),
            },
            // A success without a SID cannot be tracked; treat it as a transient fault.
            None => SendOutcome::Retry {
                after: retry_after,
                code: None,
                reason: format!("HTTP {status} without a sid"),
            },
        };
    }
    if status == 429 || status >= 500 || code.is_some_and(|c| RETRYABLE.contains(&c)) {
        return SendOutcome::Retry {
            after: retry_after,
            code: code.or(Some(i64::from(status))),
            reason,
        };
    }
    if status == 401 || status == 403 || code.is_some_and(|c| MISCONFIGURED.contains(&c)) {
        return SendOutcome::Misconfigured {
            code: code.or(Some(i64::from(status))),
            reason,
        };
    }
    SendOutcome::Rejected {
        code: code.or(Some(i64::from(status))),
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes() {
        assert!(matches!(
            classify(503, b"oops", Some(Duration::from_secs(3))),
            SendOutcome::Retry {
                after: Some(_),
                code: Some(503),
                ..
            }
        ));
        assert!(matches!(
            classify(401, br#"{"code": 20003, "message": "Authenticate"}"#, None),
            SendOutcome::Misconfigured {
                code: Some(20003),
                ..
            }
        ));
        assert!(matches!(
            classify(400, br#"{"code": 21606, "message": "not owned"}"#, None),
            SendOutcome::Misconfigured { .. }
        ));
        assert!(matches!(
            classify(400, br#"{"code": 21610}"#, None),
            SendOutcome::Rejected {
                code: Some(21610),
                ..
            }
        ));
        assert!(matches!(
            classify(201, b"{}", None),
            SendOutcome::Retry { .. }
        ));
        assert!(matches!(
            classify(404, b"", None),
            SendOutcome::Rejected {
                code: Some(404),
                ..
            }
        ));
    }
}
