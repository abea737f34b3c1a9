//! `POST /hooks/tradingview/{token}`: TradingView's webhook. TradingView posts the alert's
//! message as the body, typed `application/json` when the message is valid JSON and
//! `text/plain` otherwise, and can set no header: the secret is the path's token. It gives up
//! after 3 s, so the handler answers as soon as the alert is committed. It never sends a
//! resolution: each alert resolves `resolve_after` after it last fired.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{ConnectInfo, Path, Request, State};
use axum::http::header;
use axum::response::Response;
use serde_json::{Map, Value};

use super::alerts::check_alert;
use super::errors::ApiError;
use super::{ApiState, accept_alerts, read_body, refuse};
use crate::config::secrets::constant_time_eq;
use crate::domain::alert::{Alert, LabelSet};
use crate::domain::time::Timestamp;

/// The `alertname` of an alert that does not name one.
const DEFAULT_ALERTNAME: &str = "TradingView";

/// Keys of a JSON message that become labels (they tell one alert from another).
const LABEL_KEYS: [&str; 5] = ["alertname", "ticker", "exchange", "interval", "severity"];

/// What the route needs from `[sources.tradingview]`.
#[derive(Debug, Clone)]
pub(crate) struct TradingViewHook {
    /// The path token.
    pub(crate) token: Arc<str>,
    /// Peers allowed to post (empty: any).
    pub(crate) allowed_ips: Vec<IpAddr>,
    /// How long an alert fires after it was last posted.
    pub(crate) resolve_after: Duration,
}

/// The handler. A wrong token, or no `[sources.tradingview]`, answers 404 exactly as an unknown
/// path does, so the route's existence is no hint.
pub(crate) async fn post_tradingview(
    State(state): State<ApiState>,
    Path(token): Path<String>,
    request: Request,
) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_canonical());
    let (parts, body) = request.into_parts();
    let result = async {
        let hook = state
            .tradingview
            .as_ref()
            .filter(|h| constant_time_eq(token.as_bytes(), h.token.as_bytes()))
            .ok_or_else(|| ApiError::NotFound("no such endpoint".into()))?;
        if !hook.allowed_ips.is_empty() && !peer.is_some_and(|ip| hook.allowed_ips.contains(&ip)) {
            return Err(ApiError::Forbidden(format!(
                "{} is not in [sources.tradingview] allowed_ips",
                peer.map_or_else(|| "an unknown peer".to_owned(), |ip| ip.to_string())
            )));
        }
        let bytes = read_body(&state, &parts.headers, body).await?;
        let content_type = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok());
        let alert = parse(&bytes, content_type, state.clock.now())?
            .with_resolve_timeout(hook.resolve_after);
        accept_alerts(&state, vec![alert]).await
    }
    .await;
    result.unwrap_or_else(|e| refuse(&state, e))
}

/// Parses TradingView's body into one alert: a JSON object maps `ticker`, `exchange`,
/// `interval`, `severity` and `alertname` to labels, `message` (or `text`) to the summary and
/// keeps `price` and every other key as annotations; any other text is the summary itself.
///
/// ```
/// use alertd::http::tradingview::parse;
/// use alertd::domain::time::Timestamp;
/// let a = parse(b"BTCUSD crossed 100000", Some("text/plain"), Timestamp(0)).unwrap();
/// assert_eq!(a.annotations["summary"], "BTCUSD crossed 100000");
/// let j = parse(br#"{"ticker": "BTCUSD", "price": 100000.5, "message": "up", "strategy": "breakout"}"#,
///     Some("application/json"), Timestamp(0)).unwrap();
/// assert_eq!((j.labels["ticker"].as_str(), j.annotations["price"].as_str()), ("BTCUSD", "100000.5"));
/// assert_eq!(j.annotations["strategy"], "breakout");
/// assert!(parse(b"", Some("text/plain"), Timestamp(0)).is_err());
/// ```
pub fn parse(body: &[u8], content_type: Option<&str>, now: Timestamp) -> Result<Alert, ApiError> {
    let text = std::str::from_utf8(body)
        .map_err(|_| ApiError::BadRequest("the alert message is not UTF-8 text".into()))?
        .trim();
    if text.is_empty() {
        return Err(ApiError::BadRequest("the alert message is empty".into()));
    }
    let declared_json = content_type.is_some_and(super::guard::is_json);
    let (labels, annotations) = match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(map)) => from_object(map)?,
        Ok(_) | Err(_) if !declared_json => from_text(text),
        Ok(_) => {
            return Err(ApiError::BadRequest(
                "a JSON alert message must be an object such as {\"ticker\": \"{{ticker}}\", \"message\": \"...\"}".into(),
            ));
        }
        Err(e) => return Err(super::errors::json_error(&e)),
    };
    let alert = Alert {
        labels,
        annotations,
        starts_at: now,
        ends_at: None,
        generator_url: None,
        updated_at: now,
    };
    check_alert(&alert, "TradingView alert")?;
    Ok(alert)
}

fn base_labels() -> LabelSet {
    let mut labels = LabelSet::new();
    labels.insert("alertname".into(), DEFAULT_ALERTNAME.into());
    labels.insert("source".into(), "tradingview".into());
    labels
}

/// A plain message: alerts with different texts are different alerts (the text is a label);
/// the same text again within `resolve_after` is the same alert still firing.
fn from_text(text: &str) -> (LabelSet, LabelSet) {
    let mut labels = base_labels();
    labels.insert("message".into(), text.to_owned());
    let mut annotations = LabelSet::new();
    annotations.insert("summary".into(), text.to_owned());
    (labels, annotations)
}

fn from_object(map: Map<String, Value>) -> Result<(LabelSet, LabelSet), ApiError> {
    let mut labels = base_labels();
    let mut annotations = LabelSet::new();
    for (key, value) in map {
        let is_label = LABEL_KEYS.contains(&key.as_str());
        let text = match value {
            Value::Null => continue,
            Value::String(s) => s,
            v @ (Value::Number(_) | Value::Bool(_)) => v.to_string(),
            v if is_label => {
                return Err(ApiError::BadRequest(format!(
                    "{key:?} must be a string or a number, not {v}"
                )));
            }
            // Nested values are kept as their JSON text.
            v => v.to_string(),
        };
        if is_label {
            if !text.is_empty() {
                labels.insert(key, text);
            }
        } else if key == "message" || key == "text" {
            annotations.insert("summary".into(), text);
        } else {
            annotations.insert(key, text);
        }
    }
    Ok((labels, annotations))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_that_looks_like_json_but_is_not_an_object_is_text() {
        let a = parse(b"42", Some("text/plain"), Timestamp(0)).unwrap();
        assert_eq!(a.annotations["summary"], "42");
        assert!(parse(b"42", Some("application/json"), Timestamp(0)).is_err());
        assert!(parse(b"{not json", Some("application/json"), Timestamp(0)).is_err());
    }

    #[test]
    fn a_json_message_names_its_alert_and_keeps_the_rest() {
        let a = parse(
            br#"{"alertname": "BreakOut", "ticker": "ETHUSD", "exchange": "COINBASE", "interval": "15",
                 "severity": "critical", "text": "ETH up", "price": "3500.1", "plots": [1, 2]}"#,
            None,
            Timestamp(7),
        )
        .unwrap();
        assert_eq!(a.labels["alertname"], "BreakOut");
        assert_eq!(a.labels["severity"], "critical");
        assert_eq!(a.labels["interval"], "15");
        assert_eq!(a.annotations["summary"], "ETH up");
        assert_eq!(a.annotations["plots"], "[1,2]");
        assert_eq!(a.starts_at, Timestamp(7));
    }

    #[test]
    fn bad_messages_are_refused_with_the_reason() {
        for (body, needle) in [
            (&br#"{"ticker": ["BTC"]}"#[..], "ticker"),
            (b"   ", "empty"),
            (b"\xff\xfe", "UTF-8"),
        ] {
            let e = parse(body, None, Timestamp(0)).unwrap_err();
            assert!(e.to_string().contains(needle), "{e}");
        }
    }
}
