//! `/api/v1/silences`: create, list and expire silences.

use std::time::Duration;

use serde::Deserialize;

use super::errors::{ApiError, from_json};
use crate::domain::matchers::{MatchOp, Matcher};
use crate::domain::silence::{MatcherRecord, SilenceRecord};
use crate::domain::time::Timestamp;

/// Longest silence accepted.
pub(crate) const MAX_SILENCE: Duration = Duration::from_secs(366 * 24 * 3600);

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, untagged)]
enum MatcherInput {
    Text(String),
    Parts {
        name: String,
        value: String,
        #[serde(default, rename = "isRegex")]
        is_regex: bool,
        #[serde(default = "yes", rename = "isEqual")]
        is_equal: bool,
    },
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct NewSilence {
    matchers: Vec<MatcherInput>,
    #[serde(default)]
    starts_at: Option<String>,
    #[serde(default)]
    ends_at: Option<String>,
    /// Alternative to endsAt: `"2h"`.
    #[serde(default)]
    duration: Option<String>,
    #[serde(default)]
    created_by: Option<String>,
    #[serde(default)]
    comment: Option<String>,
}

/// Parses and validates a new silence; `id` is assigned here.
///
/// ```
/// use alertd::http::silences::parse;
/// use alertd::domain::time::Timestamp;
/// let s = parse(br#"{"matchers": ["alertname=\"Hot\""], "duration": "2h", "createdBy": "ops"}"#, Timestamp(0)).unwrap();
/// assert_eq!(s.ends_at, Timestamp(7_200_000));
/// assert!(parse(br#"{"matchers": [], "duration": "2h"}"#, Timestamp(0)).is_err());
/// ```
pub fn parse(body: &[u8], now: Timestamp) -> Result<SilenceRecord, ApiError> {
    let input: NewSilence = from_json(body)?;
    if input.matchers.is_empty() {
        return Err(ApiError::Invalid(
            "a silence needs at least one matcher".into(),
        ));
    }
    let mut matchers = Vec::with_capacity(input.matchers.len());
    for m in input.matchers {
        let matcher = match m {
            MatcherInput::Text(t) => {
                Matcher::parse(&t).map_err(|e| ApiError::Invalid(format!("matcher {t:?}: {e}")))?
            }
            MatcherInput::Parts {
                name,
                value,
                is_regex,
                is_equal,
            } => {
                let op = match (is_regex, is_equal) {
                    (false, true) => MatchOp::Equal,
                    (false, false) => MatchOp::NotEqual,
                    (true, true) => MatchOp::Regex,
                    (true, false) => MatchOp::NotRegex,
                };
                Matcher::new(&name, op, &value)
                    .map_err(|e| ApiError::Invalid(format!("matcher {name:?}: {e}")))?
            }
        };
        matchers.push(MatcherRecord {
            name: matcher.name,
            op: matcher.op,
            value: matcher.value,
        });
    }
    let starts_at = super::alerts::parse_time(input.starts_at.as_deref(), "silence", "startsAt")?
        .unwrap_or(now);
    let ends_at = match (input.ends_at.as_deref(), input.duration.as_deref()) {
        (Some(_), Some(_)) => {
            return Err(ApiError::Invalid(
                "give endsAt or duration, not both".into(),
            ));
        }
        (Some(e), None) => super::alerts::parse_time(Some(e), "silence", "endsAt")?
            .ok_or_else(|| ApiError::Invalid("endsAt must be after 1970".into()))?,
        (None, Some(d)) => {
            let d = crate::config::duration::parse(d).map_err(ApiError::Invalid)?;
            starts_at.after(d)
        }
        (None, None) => {
            return Err(ApiError::Invalid(
                "a silence needs endsAt or duration".into(),
            ));
        }
    };
    if ends_at <= starts_at || ends_at <= now {
        return Err(ApiError::Invalid(
            "endsAt must be after startsAt and in the future".into(),
        ));
    }
    if ends_at.since(starts_at) > MAX_SILENCE {
        return Err(ApiError::Invalid(
            "a silence may last at most 366 days".into(),
        ));
    }
    Ok(SilenceRecord {
        id: format!("sil-{:016x}", rand::random::<u64>()),
        matchers,
        starts_at,
        ends_at,
        created_by: input.created_by.unwrap_or_default(),
        comment: input.comment.unwrap_or_default(),
        updated_at: Some(now),
        annotations: crate::domain::alert::LabelSet::new(),
    })
}
