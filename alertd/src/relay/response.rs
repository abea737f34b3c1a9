//! Twilio-shaped answers: the v2010 message and call resources (what `POST Messages.json` /
//! `Calls.json` return with 201) and the error body `{code, message, more_info, status}`, so
//! twilio-core's `ResponseParser` and the official clients read the relay as they read Twilio.

use std::time::Duration;

use serde::Serialize;
use serde_json::json;

use crate::domain::channel::Channel;
use crate::domain::outbox::{OutboxMessage, OutboxState};
use crate::domain::time::Timestamp;

/// The API version in every path and resource.
pub(crate) const API_VERSION: &str = "2010-04-01";

/// A Twilio API error: HTTP status, Twilio code, message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("HTTP {status}, Twilio error {code}: {message}")]
pub struct TwilioError {
    /// HTTP status.
    pub status: u16,
    /// Twilio error code.
    pub code: u32,
    /// What was wrong.
    pub(crate) message: String,
    /// Seconds to wait (429 only).
    pub(crate) retry_after_secs: Option<u64>,
}

impl TwilioError {
    /// A 400 with `code`.
    pub(crate) fn bad_request(code: u32, message: impl Into<String>) -> Self {
        Self {
            status: 400,
            code,
            message: message.into(),
            retry_after_secs: None,
        }
    }

    /// 401 / 20003, exactly Twilio's answer to bad credentials.
    pub fn authenticate() -> Self {
        Self {
            status: 401,
            code: 20003,
            message: "Authenticate".into(),
            retry_after_secs: None,
        }
    }

    /// 429 / 20429 with a `Retry-After` of `wait` in whole seconds, rounded up: a device that
    /// waits that long finds the capacity there.
    ///
    /// ```
    /// use alertd::relay::response::TwilioError;
    /// use std::time::Duration;
    /// let e = TwilioError::too_many_requests(Duration::from_millis(1_999));
    /// assert_eq!((e.status, e.code, e.retry_after()), (429, 20429, Some(2)));
    /// ```
    pub fn too_many_requests(wait: Duration) -> Self {
        Self::limited("Too Many Requests", wait)
    }

    /// 429 / 20429 saying which limit was reached.
    pub(crate) fn limited(message: impl Into<String>, wait: Duration) -> Self {
        let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        Self {
            status: 429,
            code: 20429,
            message: message.into(),
            retry_after_secs: Some(secs.max(1)),
        }
    }

    /// Seconds in the `Retry-After` header, if any.
    pub fn retry_after(&self) -> Option<u64> {
        self.retry_after_secs
    }

    /// 404 / 20404 for a path the relay does not serve.
    pub(crate) fn not_found(path: &str) -> Self {
        Self {
            status: 404,
            code: 20404,
            message: format!("The requested resource {path} was not found"),
            retry_after_secs: None,
        }
    }

    /// 413 / 20413 for a body over the size limit (Twilio documents no code; 20413 follows
    /// its 20xxx-per-HTTP-status pattern, as twilio-sim does).
    pub(crate) fn too_large(limit: usize) -> Self {
        Self {
            status: 413,
            code: 20413,
            message: format!("Request body exceeds the {limit} byte limit"),
            retry_after_secs: None,
        }
    }

    /// 408 / 20408 for a body that did not arrive in time.
    pub(crate) fn request_timeout(timeout: Duration) -> Self {
        Self {
            status: 408,
            code: 20408,
            message: format!("The request body did not arrive within {timeout:?}"),
            retry_after_secs: None,
        }
    }

    /// 503 / 20503 when the relay cannot store the request (nothing was accepted).
    pub(crate) fn unavailable(message: impl Into<String>) -> Self {
        Self {
            status: 503,
            code: 20503,
            message: message.into(),
            retry_after_secs: Some(1),
        }
    }

    /// The JSON body.
    ///
    /// ```
    /// let body = alertd::relay::response::TwilioError::authenticate().to_json();
    /// assert_eq!(body, r#"{"code":20003,"message":"Authenticate","more_info":"https://www.twilio.com/docs/errors/20003","status":401}"#);
    /// ```
    pub fn to_json(&self) -> String {
        json!({
            "code": self.code,
            "message": self.message,
            "more_info": format!("https://www.twilio.com/docs/errors/{}", self.code),
            "status": self.status,
        })
        .to_string()
    }
}

/// RFC 2822 date as Twilio writes it: `Thu, 01 Jan 2026 12:00:00 +0000`.
///
/// ```
/// use alertd::domain::time::Timestamp;
/// assert_eq!(alertd::relay::response::rfc2822(Timestamp(1_767_268_800_000)), "Thu, 01 Jan 2026 12:00:00 +0000");
/// ```
pub fn rfc2822(t: Timestamp) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    // "YYYY-MM-DDTHH:MM:SS.mmmZ"
    let iso = t.to_rfc3339();
    let field = |a: usize, b: usize| iso.get(a..b).unwrap_or("00");
    let month = field(5, 7)
        .parse::<usize>()
        .ok()
        .and_then(|m| MONTHS.get(m.wrapping_sub(1)))
        .copied()
        .unwrap_or("Jan");
    let days = t.0.div_euclid(86_400_000);
    let weekday = usize::try_from(days.rem_euclid(7)).unwrap_or(0);
    format!(
        "{}, {} {month} {} {} +0000",
        DAYS.get(weekday).copied().unwrap_or("Thu"),
        field(8, 10),
        field(0, 4),
        field(11, 19)
    )
}

/// Twilio's status for a relayed row: its latest Twilio status once sent, `queued` while
/// alertd holds it, `failed` when given up or opted out.
pub(crate) fn status_of(m: &OutboxMessage) -> String {
    match (m.state, &m.twilio_status) {
        (OutboxState::Sent, Some(s)) => s.clone(),
        (OutboxState::Pending | OutboxState::Sent | OutboxState::Unconfirmed, _) => "queued".into(),
        (OutboxState::Failed | OutboxState::OptedOut, _) => "failed".into(),
    }
}

#[derive(Serialize)]
struct SubresourceUris {
    media: String,
}

/// A v2010 message resource for a relayed row, as `POST Messages.json` returns it.
#[derive(Serialize)]
pub(crate) struct MessageResource {
    account_sid: String,
    api_version: &'static str,
    body: String,
    date_created: String,
    date_sent: Option<String>,
    date_updated: String,
    direction: &'static str,
    error_code: Option<i64>,
    error_message: Option<String>,
    from: Option<String>,
    messaging_service_sid: Option<String>,
    num_media: &'static str,
    num_segments: String,
    price: Option<String>,
    price_unit: &'static str,
    sid: String,
    status: String,
    subresource_uris: SubresourceUris,
    to: String,
    uri: String,
}

/// A v2010 call resource for a relayed row, as `POST Calls.json` returns it.
#[derive(Serialize)]
pub(crate) struct CallResource {
    account_sid: String,
    annotation: Option<String>,
    answered_by: Option<String>,
    api_version: &'static str,
    caller_name: Option<String>,
    date_created: String,
    date_updated: String,
    direction: &'static str,
    duration: Option<String>,
    end_time: Option<String>,
    forwarded_from: Option<String>,
    from: String,
    from_formatted: String,
    group_sid: Option<String>,
    parent_call_sid: Option<String>,
    phone_number_sid: Option<String>,
    price: Option<String>,
    price_unit: &'static str,
    queue_time: &'static str,
    sid: String,
    start_time: Option<String>,
    status: String,
    to: String,
    to_formatted: String,
    trunk_sid: Option<String>,
    uri: String,
}

/// The resource JSON for a relayed row under `account_sid`.
pub(crate) fn resource_json(account_sid: &str, m: &OutboxMessage) -> String {
    let sid = m.relay_sid.clone().unwrap_or_default();
    let status = status_of(m);
    let created = rfc2822(m.created_at);
    let updated = rfc2822(m.updated_at);
    let from = m.from.clone().unwrap_or_default();
    let rendered = match m.channel {
        Channel::Sms => {
            let base = format!("/{API_VERSION}/Accounts/{account_sid}/Messages/{sid}");
            let (from, service) = if from.starts_with("MG") {
                (None, Some(from))
            } else {
                (Some(from), None)
            };
            serde_json::to_string(&MessageResource {
                account_sid: account_sid.to_owned(),
                api_version: API_VERSION,
                body: m.body.clone(),
                date_created: created,
                date_sent: None,
                date_updated: updated,
                direction: "outbound-api",
                error_code: m.error_code.filter(|_| status == "failed"),
                error_message: m.error.clone().filter(|_| status == "failed"),
                num_segments: if service.is_some() {
                    "0".into()
                } else {
                    crate::domain::text_budget::count(&m.body)
                        .segments
                        .to_string()
                },
                from,
                messaging_service_sid: service,
                num_media: "0",
                price: None,
                price_unit: "USD",
                sid,
                status,
                subresource_uris: SubresourceUris {
                    media: format!("{base}/Media.json"),
                },
                to: m.to.clone(),
                uri: format!("{base}.json"),
            })
        }
        Channel::Voice => serde_json::to_string(&CallResource {
            account_sid: account_sid.to_owned(),
            annotation: None,
            answered_by: None,
            api_version: API_VERSION,
            caller_name: None,
            date_created: created,
            date_updated: updated,
            direction: "outbound-api",
            duration: None,
            end_time: None,
            forwarded_from: None,
            from_formatted: from.clone(),
            from,
            group_sid: None,
            parent_call_sid: None,
            phone_number_sid: None,
            price: None,
            price_unit: "USD",
            queue_time: "0",
            uri: format!("/{API_VERSION}/Accounts/{account_sid}/Calls/{sid}.json"),
            sid,
            start_time: None,
            status,
            to_formatted: m.to.clone(),
            to: m.to.clone(),
            trunk_sid: None,
        }),
    };
    rendered.unwrap_or_default()
}
