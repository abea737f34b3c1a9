//! JSON renderings of message and call resources in Twilio's v2010 shape.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::store::records::{CallRecord, CallStatus, Direction, MessageRecord, MessageStatus};
use crate::time::rfc2822;

const API_VERSION: &str = "2010-04-01";

/// Twilio's description of the delivery error codes the simulator scripts.
fn error_message(code: u32) -> &'static str {
    match code {
        30001 => "Queue overflow",
        30002 => "Account suspended",
        30003 => "Unreachable destination handset",
        30004 => "Message blocked",
        30005 => "Unknown destination handset",
        30006 => "Landline or unreachable carrier",
        30007 => "Message filtered",
        30008 => "Unknown error",
        _ => "Message delivery failed",
    }
}

/// What the simulator charges an SMS segment, in hundred-thousandths of a USD.
const SEGMENT_PRICE: u64 = 790;
/// What the simulator charges each started minute of a completed call, likewise.
const MINUTE_PRICE: u64 = 1400;

/// A charge in hundred-thousandths of a USD as Twilio writes it: negative, five decimals.
fn charge(units: u64) -> String {
    format!("-{}.{:05}", units / 100_000, units % 100_000)
}

/// An outgoing message's price once the carrier has it (sent, delivered or undelivered):
/// per segment; none while queued, for a failed one (Twilio does not charge it) or an
/// inbound one.
fn message_price(m: &MessageRecord) -> Option<String> {
    let charged = matches!(
        m.status,
        MessageStatus::Sent | MessageStatus::Delivered | MessageStatus::Undelivered
    ) && m.direction != Direction::Inbound;
    charged.then(|| charge(SEGMENT_PRICE * u64::from(m.num_segments.max(1))))
}

/// A call's price once completed: per started minute, at least one; none otherwise.
fn call_price(c: &CallRecord) -> Option<String> {
    (c.status == CallStatus::Completed).then(|| {
        let minutes = u64::from(c.duration_secs.unwrap_or(0)).div_ceil(60).max(1);
        charge(MINUTE_PRICE * minutes)
    })
}

#[derive(Serialize)]
pub(crate) struct MessageResource<'a> {
    account_sid: &'a str,
    api_version: &'static str,
    body: &'a str,
    date_created: String,
    date_sent: Option<String>,
    date_updated: String,
    direction: &'static str,
    error_code: Option<u32>,
    error_message: Option<&'static str>,
    from: &'a str,
    messaging_service_sid: Option<&'a str>,
    num_media: String,
    num_segments: String,
    price: Option<String>,
    price_unit: &'static str,
    sid: &'a str,
    status: &'static str,
    subresource_uris: BTreeMap<&'static str, String>,
    to: &'a str,
    uri: String,
}

impl<'a> MessageResource<'a> {
    pub(crate) fn new(m: &'a MessageRecord) -> Self {
        let base = format!(
            "/{API_VERSION}/Accounts/{}/Messages/{}",
            m.account_sid, m.sid
        );
        let mut subresource_uris = BTreeMap::new();
        subresource_uris.insert("media", format!("{base}/Media.json"));
        subresource_uris.insert("feedback", format!("{base}/Feedback.json"));
        Self {
            account_sid: &m.account_sid,
            api_version: API_VERSION,
            body: &m.body,
            date_created: rfc2822(m.date_created),
            date_sent: m.date_sent.map(rfc2822),
            date_updated: rfc2822(m.date_updated),
            direction: m.direction.as_str(),
            error_code: m.error_code,
            error_message: m.error_code.map(error_message),
            from: &m.from,
            messaging_service_sid: m.messaging_service_sid.as_deref(),
            num_media: m.media_urls.len().to_string(),
            // Twilio reports 0 until a Messaging Service picks a sender.
            num_segments: if m.messaging_service_sid.is_some() {
                0
            } else {
                m.num_segments
            }
            .to_string(),
            price: message_price(m),
            price_unit: "USD",
            sid: &m.sid,
            status: m.status.as_str(),
            subresource_uris,
            to: &m.to,
            uri: format!("{base}.json"),
        }
    }
}

/// The account resource (`GET Accounts/{AccountSid}.json`), which clients use to check
/// credentials.
pub(crate) fn account(sid: &str) -> Vec<u8> {
    let base = format!("/{API_VERSION}/Accounts/{sid}");
    serde_json::to_vec(&serde_json::json!({
        "auth_token": null,
        "date_created": "Thu, 01 Jan 2026 00:00:00 +0000",
        "date_updated": "Thu, 01 Jan 2026 00:00:00 +0000",
        "friendly_name": "twilio-sim",
        "owner_account_sid": sid,
        "sid": sid,
        "status": "active",
        "subresource_uris": {
            "calls": format!("{base}/Calls.json"),
            "messages": format!("{base}/Messages.json"),
        },
        "type": "Full",
        "uri": format!("{base}.json"),
    }))
    .unwrap_or_default()
}

/// `(305) 141-6799` for North American numbers, the number itself otherwise.
fn formatted(number: &str) -> String {
    match number.strip_prefix("+1") {
        Some(d) if d.len() == 10 && d.bytes().all(|b| b.is_ascii_digit()) => {
            format!("({}) {}-{}", &d[..3], &d[3..6], &d[6..])
        }
        _ => number.to_owned(),
    }
}

#[derive(Serialize)]
pub(crate) struct CallResource<'a> {
    account_sid: &'a str,
    annotation: Option<&'static str>,
    answered_by: Option<&'a str>,
    api_version: &'static str,
    caller_name: Option<&'static str>,
    date_created: String,
    date_updated: String,
    direction: &'static str,
    duration: Option<String>,
    end_time: Option<String>,
    forwarded_from: Option<&'static str>,
    from: &'a str,
    from_formatted: String,
    group_sid: Option<&'static str>,
    parent_call_sid: Option<&'static str>,
    phone_number_sid: Option<&'static str>,
    price: Option<String>,
    price_unit: &'static str,
    queue_time: &'static str,
    sid: &'a str,
    start_time: Option<String>,
    status: &'static str,
    subresource_uris: BTreeMap<&'static str, String>,
    to: &'a str,
    to_formatted: String,
    trunk_sid: Option<&'static str>,
    uri: String,
}

impl<'a> CallResource<'a> {
    pub(crate) fn new(c: &'a CallRecord) -> Self {
        let base = format!("/{API_VERSION}/Accounts/{}/Calls/{}", c.account_sid, c.sid);
        let subresource_uris = [
            "notifications",
            "recordings",
            "payments",
            "events",
            "siprec",
            "streams",
            "transcriptions",
        ]
        .into_iter()
        .map(|name| {
            let file = match name {
                "notifications" => "Notifications",
                "recordings" => "Recordings",
                "payments" => "Payments",
                "events" => "Events",
                "siprec" => "Siprec",
                "streams" => "Streams",
                _ => "Transcriptions",
            };
            (name, format!("{base}/{file}.json"))
        })
        .collect();
        Self {
            account_sid: &c.account_sid,
            annotation: None,
            answered_by: c.answered_by.as_deref(),
            api_version: API_VERSION,
            caller_name: None,
            date_created: rfc2822(c.date_created),
            date_updated: rfc2822(c.date_updated),
            direction: "outbound-api",
            duration: c.duration_secs.map(|d| d.to_string()),
            end_time: c.end_time.map(rfc2822),
            forwarded_from: None,
            from: &c.from,
            from_formatted: formatted(&c.from),
            group_sid: None,
            parent_call_sid: None,
            phone_number_sid: None,
            price: call_price(c),
            price_unit: "USD",
            queue_time: "0",
            sid: &c.sid,
            start_time: c.start_time.map(rfc2822),
            status: c.status.as_str(),
            subresource_uris,
            to: &c.to,
            to_formatted: formatted(&c.to),
            trunk_sid: None,
            uri: format!("{base}.json"),
        }
    }
}

/// A page of a list endpoint: `{"messages"|"calls": [...], "next_page_uri": ..., ...}`.
pub(crate) struct Page<'a, T> {
    pub(crate) key: &'static str,
    pub(crate) items: Vec<T>,
    pub(crate) path: &'a str,
    pub(crate) filters: Vec<(&'static str, String)>,
    pub(crate) index: usize,
    pub(crate) size: usize,
    pub(crate) has_more: bool,
}

impl<T: Serialize> Page<'_, T> {
    fn page_uri(&self, page: usize) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        for (k, v) in &self.filters {
            query.append_pair(k, v);
        }
        query.append_pair("PageSize", &self.size.to_string());
        query.append_pair("Page", &page.to_string());
        if page > 0 {
            query.append_pair("PageToken", &format!("PA{page}"));
        }
        format!("{}?{}", self.path, query.finish())
    }

    pub(crate) fn to_json(&self) -> Vec<u8> {
        let start = self.index * self.size;
        let mut map = serde_json::Map::new();
        map.insert(
            self.key.to_owned(),
            serde_json::to_value(&self.items).unwrap_or_default(),
        );
        map.insert(
            "end".into(),
            (start + self.items.len().saturating_sub(1)).into(),
        );
        map.insert("first_page_uri".into(), self.page_uri(0).into());
        map.insert(
            "next_page_uri".into(),
            if self.has_more {
                self.page_uri(self.index + 1).into()
            } else {
                serde_json::Value::Null
            },
        );
        map.insert("page".into(), self.index.into());
        map.insert("page_size".into(), self.size.into());
        map.insert(
            "previous_page_uri".into(),
            if self.index > 0 {
                self.page_uri(self.index - 1).into()
            } else {
                serde_json::Value::Null
            },
        );
        map.insert("start".into(), start.into());
        map.insert("uri".into(), self.page_uri(self.index).into());
        serde_json::to_vec(&map).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charges_are_written_as_twilio_does() {
        assert_eq!(charge(SEGMENT_PRICE), "-0.00790");
        assert_eq!(charge(SEGMENT_PRICE * 3), "-0.02370");
        assert_eq!(charge(MINUTE_PRICE * 100), "-1.40000");
    }

    #[test]
    fn north_american_numbers_are_formatted() {
        assert_eq!(formatted("+13051416799"), "(305) 141-6799");
        assert_eq!(formatted("+447700900123"), "+447700900123");
    }
}
