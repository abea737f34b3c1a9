//! What each page shows, read through the same store calls and API code the JSON endpoints
//! use, as plain serializable rows the templates render.

use std::collections::HashMap;

use serde::Serialize;
use serde_json::Value;
use twilio_core::outcome::{ErrorClass, ErrorCode};
use twilio_core::text::segments;

use crate::domain::channel::Channel;
use crate::domain::escalation::{Contact, Escalation};
use crate::domain::matchers::MatchOp;
use crate::domain::outbox::{BodyKind, OutboxMessage, Price};
use crate::domain::silence::SilenceRecord;
use crate::domain::time::Timestamp;
use crate::http::ApiState;
use crate::http::errors::ApiError;
use crate::store::{Store, StoreError, StoreStats};

/// Rows a page lists at most.
const ROWS: usize = 100;

async fn blocking<T: Send + 'static>(
    state: &ApiState,
    f: impl FnOnce(&dyn Store) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, ApiError> {
    crate::store::blocking(&state.store, f)
        .await
        .map_err(ApiError::from)
}

/// A matcher's text, `name="value"`, as the silence form takes it.
pub(super) fn matcher_text(name: &str, value: &str) -> String {
    let escaped = value.replace('\\', "\\\\").replace('"', "\\\"");
    format!("{name}=\"{escaped}\"")
}

/// `/console/silences?m=...` with these matchers prefilled.
fn silence_href<'a>(labels: impl Iterator<Item = (&'a String, &'a Value)>) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (name, value) in labels {
        query.append_pair("m", &matcher_text(name, value.as_str().unwrap_or_default()));
    }
    format!("/console/silences?{}", query.finish())
}

/// The alert groups as `GET /api/v2/alerts/groups` lists them, each group and alert with the
/// link that opens the silence form prefilled with its labels.
pub(super) async fn alert_groups(state: &ApiState) -> Result<Value, ApiError> {
    let mut groups = crate::http::v2::current_groups(state).await?;
    for group in groups.as_array_mut().into_iter().flatten() {
        if let Some(labels) = group.get("labels").and_then(Value::as_object) {
            let href = silence_href(labels.iter());
            group["silence_href"] = Value::String(href);
        }
        for alert in group
            .get_mut("alerts")
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
        {
            if let Some(labels) = alert.get("labels").and_then(Value::as_object) {
                let href = silence_href(labels.iter());
                alert["silence_href"] = Value::String(href);
            }
        }
    }
    Ok(groups)
}

/// What a Twilio error code means: its class (from twilio-core) and, for the common ones, in words.
#[derive(Debug, Clone, Serialize)]
pub(super) struct ErrorMeaning {
    pub(super) code: i64,
    pub(super) class: &'static str,
    pub(super) text: &'static str,
}

/// The meaning of `code`.
pub(super) fn error_meaning(code: i64) -> ErrorMeaning {
    let class = u32::try_from(code)
        .ok()
        .and_then(|c| ErrorCode(c).class())
        .map_or("unclassified", |c| match c {
            ErrorClass::Retryable => "transient: retried",
            ErrorClass::Recipient => "this recipient cannot get it: not retried",
            ErrorClass::Configuration => "configuration: fix alertd or the Twilio account",
            _ => "unclassified",
        });
    let text = match code {
        20003 => "authentication failed (Account SID or auth token)",
        20005 => "account not active",
        20404 => "resource not found",
        20429 => "too many requests",
        20500 | 20503 => "Twilio internal error or service unavailable",
        21211 => "invalid To number",
        21212 => "invalid From number",
        21408 => "no permission to send to this region",
        21610 => "the recipient replied STOP",
        21611 => "the sender's queue is full",
        21612 => "cannot route to this number",
        21614 => "To is not a mobile number",
        21617 => "body too long",
        21635 => "To is a landline",
        30001 => "queue overflow",
        30003 => "handset unreachable (off or out of coverage)",
        30004 => "message blocked",
        30005 => "unknown destination handset",
        30006 => "landline or unreachable carrier",
        30007 => "filtered by the carrier",
        30008 => "unknown error",
        _ => "see twilio.com/docs/api/errors",
    };
    ErrorMeaning { code, class, text }
}

/// One outbox row as the deliveries page shows it.
#[derive(Debug, Serialize)]
pub(super) struct Delivery {
    id: i64,
    receiver: String,
    channel: Channel,
    to: String,
    state: &'static str,
    attempts: u32,
    sid: Option<String>,
    twilio_status: Option<String>,
    /// SMS only: segments and encoding as Twilio counts them.
    segments: Option<usize>,
    encoding: Option<&'static str>,
    /// What Twilio charged, as a positive cost with its currency (`0.0079 USD`).
    price: Option<String>,
    error: Option<String>,
    error_code: Option<ErrorMeaning>,
    escalation: Option<String>,
    relayed: bool,
    updated_at: Timestamp,
    created_at: Timestamp,
}

impl From<&OutboxMessage> for Delivery {
    fn from(m: &OutboxMessage) -> Self {
        let count = (m.channel == Channel::Sms && m.body_kind == BodyKind::Text)
            .then(|| segments::count(&m.body));
        Self {
            id: m.id,
            receiver: m.receiver.clone(),
            channel: m.channel,
            to: m.to.clone(),
            state: m.state.as_str(),
            attempts: m.attempts,
            sid: m.sid.clone(),
            twilio_status: m.twilio_status.clone(),
            segments: count.map(|c| c.segments),
            encoding: count.map(|c| c.encoding.name()),
            price: m.price.as_ref().map(Price::cost),
            error: m.error.clone(),
            error_code: m.error_code.map(error_meaning),
            escalation: m.escalation.clone(),
            relayed: m.relay_sid.is_some(),
            updated_at: m.updated_at,
            created_at: m.created_at,
        }
    }
}

/// The newest deliveries, newest first.
pub(super) async fn deliveries(state: &ApiState) -> Result<Vec<Delivery>, ApiError> {
    let rows = blocking(state, |s| s.recent_outbox(ROWS)).await?;
    Ok(rows.iter().map(Delivery::from).collect())
}

/// One number an escalation reached and what became of the message.
#[derive(Debug, Serialize)]
struct Reached {
    number: String,
    channel: Channel,
    step: u32,
    pass: u32,
    due_at: Timestamp,
    result: Option<Delivery>,
}

/// One escalation as its page shows it.
#[derive(Debug, Serialize)]
pub(super) struct EscalationRow {
    #[serde(flatten)]
    escalation: Escalation,
    state_name: &'static str,
    ackable: bool,
    created_at: Timestamp,
    acked_at: Option<Timestamp>,
    contacts: Vec<Reached>,
}

/// Escalations listed on the page.
const ESCALATIONS: usize = 50;

/// The newest escalations with the numbers they reached and each message's result.
pub(super) async fn escalations(state: &ApiState) -> Result<Vec<EscalationRow>, ApiError> {
    let (list, contacts, messages) = blocking(state, |s| {
        let list = s.recent_escalations(ESCALATIONS)?;
        let contacts: Vec<Vec<Contact>> = list
            .iter()
            .map(|e| s.escalation_contacts(e.id))
            .collect::<Result<_, _>>()?;
        let mut messages: HashMap<i64, OutboxMessage> = s
            .recent_outbox(ROWS * 5)?
            .into_iter()
            .map(|m| (m.id, m))
            .collect();
        for id in contacts.iter().flatten().filter_map(|c| c.outbox_id) {
            if let std::collections::hash_map::Entry::Vacant(slot) = messages.entry(id)
                && let Some(m) = s.outbox_message(id)?
            {
                slot.insert(m);
            }
        }
        Ok((list, contacts, messages))
    })
    .await?;
    Ok(list
        .into_iter()
        .zip(contacts)
        .map(|(e, contacts)| EscalationRow {
            state_name: e.state.as_str(),
            ackable: e.state.ackable(),
            created_at: e.created_at,
            acked_at: e.acked_at,
            contacts: contacts
                .iter()
                .map(|c| Reached {
                    number: c.number.clone(),
                    channel: c.channel,
                    step: c.step + 1,
                    pass: c.loop_count + 1,
                    due_at: c.due_at,
                    result: c
                        .outbox_id
                        .and_then(|id| messages.get(&id))
                        .map(Delivery::from),
                })
                .collect(),
            escalation: e,
        })
        .collect())
}

/// One silence and whether it is pending, active or expired now.
#[derive(Debug, Serialize)]
pub(super) struct SilenceRow {
    #[serde(flatten)]
    record: SilenceRecord,
    state: &'static str,
    matchers_text: Vec<String>,
}

/// Silences not yet expired, and those that expired in the last day.
pub(super) async fn silences(state: &ApiState) -> Result<Vec<SilenceRow>, ApiError> {
    let now = state.clock.now();
    let since = now.before(std::time::Duration::from_secs(24 * 3600));
    let mut list = blocking(state, move |s| s.silences(since)).await?;
    list.sort_by_key(|s| std::cmp::Reverse(s.ends_at));
    Ok(list
        .into_iter()
        .map(|record| SilenceRow {
            state: if record.ends_at <= now {
                "expired"
            } else if record.starts_at > now {
                "pending"
            } else {
                "active"
            },
            matchers_text: record
                .matchers
                .iter()
                .map(|m| {
                    let op = match m.op {
                        MatchOp::Equal => "=",
                        MatchOp::NotEqual => "!=",
                        MatchOp::Regex => "=~",
                        MatchOp::NotRegex => "!~",
                    };
                    let quoted = matcher_text("", &m.value);
                    format!("{}{op}{}", m.name, &quoted[1..])
                })
                .collect(),
            record,
        })
        .collect())
}

/// One opted-out number.
#[derive(Debug, Serialize)]
pub(super) struct OptOutRow {
    number: String,
    since: Timestamp,
    how: String,
}

/// Every number opted out of SMS, newest first.
pub(super) async fn opt_outs(state: &ApiState) -> Result<Vec<OptOutRow>, ApiError> {
    let list = blocking(state, crate::store::OptOutStore::opt_outs).await?;
    Ok(list
        .into_iter()
        .map(|o| OptOutRow {
            how: o.how(),
            number: o.number,
            since: o.since,
        })
        .collect())
}

/// One component's health.
#[derive(Debug, Serialize)]
pub(super) struct Check {
    name: &'static str,
    ok: Option<bool>,
    summary: String,
    /// When the summary's event happened.
    at: Option<Timestamp>,
    details: Vec<(String, String)>,
}

/// The health page: the store answers, the sender's results, MQTT and relay counters, and
/// the outbox queue.
pub(super) async fn health(state: &ApiState) -> Vec<Check> {
    let now = state.clock.now();
    let started = std::time::Instant::now();
    let read = blocking(state, move |s| Ok((s.stats(now)?, s.recent_outbox(ROWS)?))).await;
    let took = started.elapsed();
    let (stats, recent) = match read {
        Ok(ok) => ok,
        Err(e) => {
            return vec![Check {
                name: "Store",
                ok: Some(false),
                summary: e.to_string(),
                at: None,
                details: Vec::new(),
            }];
        }
    };
    let metrics = metric_lines(&state.metrics.render(&stats));
    vec![
        Check {
            name: "Store",
            ok: Some(true),
            summary: format!("answers in {} ms", took.as_millis()),
            at: None,
            details: vec![
                ("active alerts".into(), stats.active_alerts.to_string()),
                ("silences".into(), stats.silences.to_string()),
            ],
        },
        queue(&stats),
        sender(&recent, &metrics),
        family_check("MQTT", "alertd_mqtt_", &metrics),
        relay(&recent, &metrics),
    ]
}

fn queue(stats: &StoreStats) -> Check {
    Check {
        name: "Queue",
        ok: Some(stats.outbox_pending < 1000),
        summary: format!("{} messages waiting", stats.outbox_pending),
        at: None,
        details: vec![
            ("pending".into(), stats.outbox_pending.to_string()),
            ("sent".into(), stats.outbox_sent.to_string()),
            ("failed".into(), stats.outbox_failed.to_string()),
            ("opted out".into(), stats.outbox_opted_out.to_string()),
            (
                "opted-out numbers".into(),
                stats.opted_out_numbers.to_string(),
            ),
        ],
    }
}

fn sender(recent: &[OutboxMessage], metrics: &[(String, String)]) -> Check {
    let last_sent = recent.iter().find(|m| m.sid.is_some());
    let last_failed = recent
        .iter()
        .find(|m| m.state == crate::domain::outbox::OutboxState::Failed);
    let ok = match (last_sent, last_failed) {
        (_, None) => true,
        (Some(s), Some(f)) => s.updated_at >= f.updated_at,
        (None, Some(_)) => false,
    };
    let mut details: Vec<(String, String)> = metrics
        .iter()
        .filter(|(k, _)| k.starts_with("alertd_notifications_") || k.starts_with("alertd_twilio_"))
        .filter(|(k, _)| !k.contains("_bucket"))
        .cloned()
        .collect();
    if let Some(f) = last_failed {
        details.push((
            "last failure".into(),
            f.error.clone().unwrap_or_else(|| "failed".into()),
        ));
    }
    Check {
        name: "Sender",
        ok: Some(ok),
        summary: if last_sent.is_some() {
            "last accepted by Twilio".into()
        } else {
            "nothing sent yet".into()
        },
        at: last_sent.map(|m| m.updated_at),
        details,
    }
}

fn relay(recent: &[OutboxMessage], metrics: &[(String, String)]) -> Check {
    let relayed = recent.iter().filter(|m| m.relay_sid.is_some()).count();
    let details: Vec<(String, String)> = metrics
        .iter()
        .filter(|(k, _)| k.starts_with("alertd_relay_"))
        .cloned()
        .collect();
    Check {
        name: "Relay",
        ok: None,
        summary: format!("{relayed} of the newest {} messages relayed", recent.len()),
        at: None,
        details,
    }
}

/// A check from the metrics whose names start with `prefix`; not configured when there are none.
fn family_check(name: &'static str, prefix: &str, metrics: &[(String, String)]) -> Check {
    let details: Vec<(String, String)> = metrics
        .iter()
        .filter(|(k, _)| k.starts_with(prefix))
        .cloned()
        .collect();
    let errors = details
        .iter()
        .find(|(k, _)| k.contains("connection_errors"))
        .map_or("0", |(_, v)| v.as_str());
    Check {
        name,
        ok: (!details.is_empty()).then_some(errors == "0"),
        summary: if details.is_empty() {
            "not configured".into()
        } else {
            format!("{errors} connection errors")
        },
        at: None,
        details,
    }
}

/// `(series, value)` for each sample in Prometheus text.
fn metric_lines(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let (k, v) = l.rsplit_once(' ')?;
            Some((k.to_owned(), v.to_owned()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matcher_text_round_trips_through_the_parser() {
        let text = matcher_text("msg", r#"a "quoted" \ value"#);
        let m = crate::domain::matchers::Matcher::parse(&text).unwrap();
        assert_eq!(m.value, r#"a "quoted" \ value"#);
    }

    #[test]
    fn error_codes_have_a_class_and_words() {
        let m = error_meaning(30006);
        assert!(m.class.starts_with("this recipient"), "{m:?}");
        assert!(m.text.contains("landline"));
        assert_eq!(error_meaning(12345).class, "unclassified");
    }

    #[test]
    fn metric_lines_skip_comments() {
        let lines = metric_lines("# HELP x y\nx_total{a=\"b c\"} 3\ny 1\n");
        assert_eq!(
            lines,
            [
                ("x_total{a=\"b c\"}".to_owned(), "3".to_owned()),
                ("y".to_owned(), "1".to_owned())
            ]
        );
    }
}
