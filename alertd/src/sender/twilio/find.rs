//! Finding, in Twilio's list, the message or call a send whose answer was lost may have
//! created: the request (twilio-core's `ListRequest`, filtered by `To` and `From`) and the
//! reading of the page.
//!
//! The list is not filtered by date: Twilio sets `date_sent` (messages) and `start_time`
//! (calls) only once a message leaves or a call is dialled, so a date filter would hide the
//! very resource still queued. Twilio lists newest first; [`PAGE`] of them are read, and
//! `date_created` is compared here.

use twilio_core::auth::Credentials;
use twilio_core::outcome::Outcome;
use twilio_core::request::{ApiRequest, HttpConfig, ListRequest, RequestError};
use twilio_core::response::{CallPage, MessagePage, Response};

use crate::domain::channel::Channel;
use crate::domain::time::Timestamp;
use crate::outbox::{Created, LookupError};

/// Resources read from the newest page (Twilio's `PageSize`).
pub const PAGE: usize = 20;

/// What to look for.
#[derive(Debug, Clone, Copy)]
pub struct Sought<'a> {
    /// SMS or call.
    pub channel: Channel,
    /// Destination.
    pub to: &'a str,
    /// The sender number, when the send named one (not a messaging service, whose pool picks).
    pub from: Option<&'a str>,
    /// The SMS text (calls are not compared by content).
    pub body: Option<&'a str>,
    /// Created at or after this.
    pub since: Timestamp,
}

/// The HTTP request listing the newest messages or calls to `s.to` from `s.from`.
///
/// ```
/// use alertd::domain::channel::Channel;
/// use alertd::domain::time::Timestamp;
/// use alertd::sender::twilio::find::{list_http, Sought};
/// use twilio_core::auth::Credentials;
/// use twilio_core::request::HttpConfig;
/// let creds = Credentials::auth_token("AC0123456789abcdef0123456789abcdef", "0123456789abcdef0123456789abcdef").unwrap();
/// let s = Sought { channel: Channel::Voice, to: "+15551230001", from: Some("+15005550006"), body: None, since: Timestamp(0) };
/// let bytes = list_http(&s, &creds, &HttpConfig::default()).unwrap();
/// assert!(bytes.starts_with(b"GET /2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Calls.json?To=%2B15551230001&From=%2B15005550006&PageSize=20 HTTP/1.1\r\n"));
/// ```
pub fn list_http(
    s: &Sought<'_>,
    creds: &Credentials<'_>,
    http: &HttpConfig<'_>,
) -> Result<Vec<u8>, RequestError> {
    let request = match s.channel {
        Channel::Sms => ListRequest::messages(s.to, s.from)?,
        Channel::Voice => ListRequest::calls(s.to, s.from)?,
    };
    #[allow(clippy::cast_possible_truncation)] // PAGE is 20
    let request = request.page_size(PAGE as u16)?;
    let mut buf = vec![0u8; request.http_len(creds, http)];
    match request.write_http(creds, http, &mut buf) {
        Ok(n) => buf.truncate(n),
        Err(e) => buf.resize(e.required, 0),
    }
    Ok(buf)
}

/// Milliseconds since the epoch of Twilio's RFC 2822 `date_created`.
fn created_at(date: Option<&str>) -> Option<Timestamp> {
    let zoned = jiff::fmt::rfc2822::parse(date?).ok()?;
    Some(Timestamp(zoned.timestamp().as_millisecond()))
}

/// Whether Twilio's copy of an SMS text is `ours`: the same, or ours behind the prefix a trial
/// account adds.
fn same_text(listed: &str, ours: &str) -> bool {
    listed == ours || listed.ends_with(ours)
}

/// Reads the answer to [`list_http`]: every resource created since `s.since` with the same
/// parties (and text, for an SMS), oldest first (the caller skips those already known as
/// another send's).
pub(crate) fn listed(s: &Sought<'_>, resp: &Response<'_>) -> Result<Vec<Created>, LookupError> {
    if !resp.is_success() {
        let why = super::classify::reason(resp.status, resp.body);
        return match Outcome::from_response(resp) {
            Outcome::Rejected { .. } => Err(LookupError::Permanent(why)),
            _ => Err(LookupError::Retry(why)),
        };
    }
    let unreadable = || LookupError::Retry("Twilio's list is unreadable".into());
    let recent = |date: Option<&str>| created_at(date).is_some_and(|t| t >= s.since);
    let parties = |to: Option<&str>, from: Option<&str>| {
        to == Some(s.to) && s.from.is_none_or(|f| from == Some(f))
    };
    // Twilio lists newest first; read from the end, the oldest match comes first.
    let found: Vec<(&str, &str)> = match s.channel {
        Channel::Sms => {
            let page = MessagePage::<PAGE>::from_json(resp.body).map_err(|_| unreadable())?;
            let mut text = vec![0u8; resp.body.len()];
            page.items()
                .iter()
                .rev()
                .filter(|m| recent(m.date_created) && parties(m.to, m.from))
                .filter(|m| {
                    let listed = m.body.and_then(|b| b.unescape_into(&mut text).ok());
                    match (listed, s.body) {
                        (Some(listed), Some(ours)) => same_text(listed, ours),
                        (_, None) => true,
                        (None, Some(_)) => false,
                    }
                })
                .filter_map(|m| Some((m.sid?, m.status.as_str())))
                .collect()
        }
        Channel::Voice => {
            let page = CallPage::<PAGE>::from_json(resp.body).map_err(|_| unreadable())?;
            page.items()
                .iter()
                .rev()
                .filter(|c| recent(c.date_created) && parties(c.to, c.from))
                .filter_map(|c| Some((c.sid?, c.status.as_str())))
                .collect()
        }
    };
    Ok(found
        .into_iter()
        .map(|(sid, status)| Created {
            sid: sid.to_owned(),
            status: status.to_owned(),
        })
        .collect())
}

/// Parses a whole raw HTTP response and reads it as the answer to [`list_http`].
///
/// ```
/// use alertd::domain::channel::Channel;
/// use alertd::domain::time::Timestamp;
/// use alertd::sender::twilio::find::{listed_raw, Sought};
/// let s = Sought { channel: Channel::Voice, to: "+15551230001", from: None, body: None, since: Timestamp(1_767_268_800_000) };
/// let body = r#"{"calls": [{"sid": "CA0123456789abcdef0123456789abcdef", "status": "ringing", "to": "+15551230001", "date_created": "Thu, 01 Jan 2026 12:00:05 +0000"}]}"#;
/// let raw = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{body}", body.len());
/// assert_eq!(listed_raw(&s, raw.as_bytes()).unwrap()[0].status, "ringing");
/// ```
pub fn listed_raw(s: &Sought<'_>, raw: &[u8]) -> Result<Vec<Created>, LookupError> {
    super::classify::parse_raw(raw, |resp| listed(s, resp))
        .unwrap_or_else(|| Err(LookupError::Retry("unreadable HTTP response".into())))
}

#[cfg(test)]
mod tests {
    use super::*;

    const AT: Timestamp = Timestamp(1_767_268_800_000); // Thu, 01 Jan 2026 12:00:00 +0000

    fn sms(body: &str) -> Sought<'_> {
        Sought {
            channel: Channel::Sms,
            to: "+15551230001",
            from: Some("+15005550006"),
            body: Some(body),
            since: AT,
        }
    }

    fn page(key: &str, items: &[serde_json::Value]) -> Vec<u8> {
        let body = serde_json::json!({ key: items, "next_page_uri": null }).to_string();
        format!(
            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .into_bytes()
    }

    fn message(sid: u8, body: &str, created: &str, from: &str) -> serde_json::Value {
        serde_json::json!({
            "sid": format!("SM{sid:032}"), "status": "queued", "to": "+15551230001",
            "from": from, "body": body, "date_created": created,
        })
    }

    #[test]
    fn the_oldest_match_since_the_attempt_with_the_same_text_and_parties() {
        let raw = page(
            "messages",
            &[
                message(
                    4,
                    "other text",
                    "Thu, 01 Jan 2026 12:00:09 +0000",
                    "+15005550006",
                ),
                message(
                    3,
                    "Hot \"1\"",
                    "Thu, 01 Jan 2026 12:00:08 +0000",
                    "+15005550099",
                ),
                message(
                    2,
                    "Hot \"1\"",
                    "Thu, 01 Jan 2026 12:00:02 +0000",
                    "+15005550006",
                ),
                message(
                    1,
                    "Hot \"1\"",
                    "Thu, 01 Jan 2026 11:59:59 +0000",
                    "+15005550006",
                ),
            ],
        );
        let all = listed_raw(&sms("Hot \"1\""), &raw).unwrap();
        let found = &all[0];
        assert_eq!(found.sid, format!("SM{:032}", 2));
        assert_eq!(found.status, "queued");
        assert!(listed_raw(&sms("Cold"), &raw).unwrap().is_empty());
        let trial = page(
            "messages",
            &[message(
                5,
                "Sent from your Twilio trial account - Hot",
                "Thu, 01 Jan 2026 12:00:01 +0000",
                "+15005550006",
            )],
        );
        assert_eq!(listed_raw(&sms("Hot"), &trial).unwrap().len(), 1);
    }

    #[test]
    fn calls_match_on_parties_and_time_and_errors_say_whether_to_retry() {
        let s = Sought {
            channel: Channel::Voice,
            to: "+15551230001",
            from: None,
            body: None,
            since: AT,
        };
        let call = serde_json::json!({"sid": "CA0123456789abcdef0123456789abcdef", "status": "in-progress",
            "to": "+15551230001", "from": "+15005550006", "date_created": "Thu, 01 Jan 2026 12:00:00 +0000"});
        let all = listed_raw(&s, &page("calls", &[call])).unwrap();
        let found = &all[0];
        assert_eq!(found.status, "in-progress");
        assert!(listed_raw(&s, &page("calls", &[])).unwrap().is_empty());
        let busy =
            b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 15\r\n\r\n{\"code\": 20503}";
        assert!(listed_raw(&s, busy).unwrap_err().is_retry());
        let html = b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\n<html>";
        assert!(listed_raw(&s, html).unwrap_err().is_retry());
    }
}
