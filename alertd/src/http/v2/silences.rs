//! Silences in Alertmanager's shapes: `GET /api/v2/silences` (`filter`), `POST
//! /api/v2/silences` (postableSilence; with the `id` of a stored one it changes that one as
//! Alertmanager does, see [`plan_set`]), `GET` and `DELETE /api/v2/silence/{id}`.
//!
//! New silences get a random UUID for an id, as in Alertmanager. Expired silences are listed
//! as `expired` for [`EXPIRED_RETENTION`] after they end (Alertmanager's default
//! `--data.retention`); the store keeps them longer, but they are no longer shown.

use std::time::Duration;

use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::error::AmError;
use super::query::Query;
use crate::domain::alert::LabelSet;
use crate::domain::matchers::{MatchOp, Matcher};
use crate::domain::silence::{MatcherRecord, SetPlan, SilenceRecord, SilenceState, plan_set};
use crate::domain::time::Timestamp;
use crate::http::alerts::parse_time;
use crate::http::errors::{ApiError, from_json};
use crate::http::silences::MAX_SILENCE;
use crate::http::{ApiState, check_bearer, read_body};

/// How long an expired silence is still listed.
pub(crate) const EXPIRED_RETENTION: Duration = Duration::from_secs(120 * 3600);

/// A matcher as the API writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ApiMatcher {
    name: String,
    value: String,
    is_regex: bool,
    #[serde(default = "yes")]
    is_equal: bool,
}

fn yes() -> bool {
    true
}

impl ApiMatcher {
    fn op(&self) -> MatchOp {
        match (self.is_regex, self.is_equal) {
            (false, true) => MatchOp::Equal,
            (false, false) => MatchOp::NotEqual,
            (true, true) => MatchOp::Regex,
            (true, false) => MatchOp::NotRegex,
        }
    }

    fn of(m: &MatcherRecord) -> Self {
        Self {
            name: m.name.clone(),
            value: m.value.clone(),
            is_regex: matches!(m.op, MatchOp::Regex | MatchOp::NotRegex),
            is_equal: matches!(m.op, MatchOp::Equal | MatchOp::Regex),
        }
    }
}

/// postableSilence. Other fields (a gettableSilence's `status`, `updatedAt`) are ignored, so
/// a listed silence can be posted back.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PostableSilence {
    #[serde(default)]
    id: Option<String>,
    matchers: Vec<ApiMatcher>,
    #[serde(default)]
    starts_at: Option<String>,
    ends_at: String,
    created_by: String,
    comment: String,
    #[serde(default)]
    annotations: LabelSet,
}

/// gettableSilence.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct GettableSilence {
    id: String,
    status: SilenceStatus,
    updated_at: Timestamp,
    matchers: Vec<ApiMatcher>,
    starts_at: Timestamp,
    ends_at: Timestamp,
    created_by: String,
    comment: String,
    annotations: LabelSet,
}

#[derive(Debug, Serialize)]
struct SilenceStatus {
    state: SilenceState,
}

fn gettable(s: SilenceRecord, now: Timestamp) -> GettableSilence {
    GettableSilence {
        status: SilenceStatus {
            state: s.state(now),
        },
        updated_at: s.updated_at.unwrap_or(s.starts_at),
        matchers: s.matchers.iter().map(ApiMatcher::of).collect(),
        id: s.id,
        starts_at: s.starts_at,
        ends_at: s.ends_at,
        created_by: s.created_by,
        comment: s.comment,
        annotations: s.annotations,
    }
}

/// A posted silence, checked as Alertmanager checks one (`validateSilence` and its API), and
/// the id it names, if any. Its start is `now` when missing.
fn parse(body: &[u8], now: Timestamp) -> Result<(SilenceRecord, Option<String>), ApiError> {
    let input: PostableSilence = from_json(body)?;
    if input.matchers.is_empty() {
        return Err(ApiError::Invalid(
            "a silence needs at least one matcher".into(),
        ));
    }
    let nothing = LabelSet::new();
    let mut any_not_empty = false;
    let mut matchers = Vec::with_capacity(input.matchers.len());
    for (i, m) in input.matchers.iter().enumerate() {
        let compiled = Matcher::new(&m.name, m.op(), &m.value)
            .map_err(|e| ApiError::Invalid(format!("matcher {i} ({:?}): {e}", m.name)))?;
        any_not_empty |= !compiled.matches(&nothing);
        matchers.push(MatcherRecord {
            name: m.name.clone(),
            op: m.op(),
            value: m.value.clone(),
        });
    }
    if !any_not_empty {
        return Err(ApiError::Invalid(
            "at least one matcher must not match the empty string".into(),
        ));
    }
    let starts_at = parse_time(input.starts_at.as_deref(), "silence", "startsAt")?.unwrap_or(now);
    let ends_at = parse_time(Some(&input.ends_at), "silence", "endsAt")?
        .ok_or_else(|| ApiError::Invalid("silence: endsAt is missing".into()))?;
    if starts_at >= ends_at {
        return Err(ApiError::Invalid(
            "start time must be before end time".into(),
        ));
    }
    if ends_at < now {
        return Err(ApiError::Invalid("end time can't be in the past".into()));
    }
    if ends_at.since(starts_at.max(now)) > MAX_SILENCE {
        return Err(ApiError::Invalid(
            "a silence may last at most 366 days".into(),
        ));
    }
    let record = SilenceRecord {
        id: String::new(),
        matchers,
        starts_at,
        ends_at,
        created_by: input.created_by,
        comment: input.comment,
        updated_at: Some(now),
        annotations: input.annotations,
    };
    Ok((record, input.id.filter(|id| !id.is_empty())))
}

/// A random (version 4) UUID, as Alertmanager names its silences.
fn new_id() -> String {
    let bits = (rand::random::<u128>() & !(0xf000_u128 << 64) & !(0xc000_u128 << 48))
        | (0x4000_u128 << 64)
        | (0x8000_u128 << 48);
    let hex = format!("{bits:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// Whether every `filter` matcher is one of the silence's matchers (name, kind and value), as
/// Alertmanager filters silences.
fn matches_filter(silence: &SilenceRecord, filter: &[Matcher]) -> bool {
    filter.iter().all(|f| {
        silence
            .matchers
            .iter()
            .any(|m| m.name == f.name && m.op == f.op && m.value == f.value)
    })
}

/// Whether a silence is still shown at `now`.
fn shown(s: &SilenceRecord, now: Timestamp) -> bool {
    s.ends_at >= now.before(EXPIRED_RETENTION)
}

/// `GET /api/v2/silences`: active ones first (soonest end first), then pending ones (soonest
/// start first), then expired ones (latest end first), as Alertmanager sorts them.
pub(crate) async fn get_silences(
    State(state): State<ApiState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, AmError> {
    check_bearer(&state, &headers)?;
    let q = Query::parse(raw.as_deref());
    let filter = q.filter()?;
    let wanted = [
        (SilenceState::Active, q.flag("active", true)?),
        (SilenceState::Pending, q.flag("pending", true)?),
        (SilenceState::Expired, q.flag("expired", true)?),
    ];
    let now = state.clock.now();
    let since = now.before(EXPIRED_RETENTION);
    let all = super::blocking(&state, move |s| s.silences(since)).await?;
    let mut list: Vec<GettableSilence> = all
        .into_iter()
        .filter(|s| shown(s, now) && matches_filter(s, &filter))
        .filter(|s| wanted.iter().any(|(st, on)| *on && *st == s.state(now)))
        .map(|s| gettable(s, now))
        .collect();
    list.sort_by(|a, b| {
        let order = a.status.state.cmp(&b.status.state);
        order.then_with(|| match a.status.state {
            SilenceState::Active => a.ends_at.cmp(&b.ends_at),
            SilenceState::Pending => a.starts_at.cmp(&b.starts_at),
            SilenceState::Expired => b.ends_at.cmp(&a.ends_at),
        })
    });
    Ok(axum::Json(list).into_response())
}

/// `GET /api/v2/silence/{id}`.
pub(crate) async fn get_silence(
    State(state): State<ApiState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, AmError> {
    check_bearer(&state, &headers)?;
    let now = state.clock.now();
    let lookup = id.clone();
    let found = super::blocking(&state, move |s| s.silence(&lookup)).await?;
    match found.filter(|s| shown(s, now)) {
        Some(s) => Ok(axum::Json(gettable(s, now)).into_response()),
        None => Err(not_found(&id)),
    }
}

fn not_found(id: &str) -> AmError {
    // amtool's `silence import` retries a 404 as a new silence; Alertmanager says "not found".
    AmError(ApiError::NotFound(format!("silence {id:?} not found")))
}

/// `DELETE /api/v2/silence/{id}`: expires it (an expired one stays as it is).
pub(crate) async fn delete_silence(
    State(state): State<ApiState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, AmError> {
    check_bearer(&state, &headers)?;
    let now = state.clock.now();
    let lookup = id.clone();
    let _one_writer = state.v2.silence_writes.lock().await;
    if super::blocking(&state, move |s| s.expire_silence(&lookup, now)).await? {
        tracing::info!(%id, "silence expired");
        Ok(StatusCode::OK.into_response())
    } else {
        Err(not_found(&id))
    }
}

/// `POST /api/v2/silences`: `{"silenceID": ...}`.
pub(crate) async fn post_silence(
    State(state): State<ApiState>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let result = async {
        check_bearer(&state, &headers)?;
        let bytes = read_body(&state, &headers, body).await?;
        let now = state.clock.now();
        let (mut silence, id) = parse(&bytes, now)?;
        let _one_writer = state.v2.silence_writes.lock().await;
        let prev = match id {
            Some(id) => {
                let lookup = id.clone();
                let prev = super::blocking(&state, move |s| s.silence(&lookup)).await?;
                Some(prev.ok_or_else(|| not_found(&id))?)
            }
            None => None,
        };
        let plan = prev.as_ref().map(|p| plan_set(p, &silence, now));
        // The id of a stored silence that ends now, replaced by this one.
        let replaced = match (prev, plan) {
            (Some(prev), Some(SetPlan::Update)) => {
                silence.id = prev.id;
                None
            }
            (prev, plan) => {
                silence.id = new_id();
                // A new silence mutes from now on; it cannot have muted anything in the past.
                silence.starts_at = silence.starts_at.max(now);
                let expire = matches!(
                    plan,
                    Some(SetPlan::Create {
                        expire_previous: true
                    })
                );
                prev.filter(|_| expire).map(|p| p.id)
            }
        };
        let stored = silence.clone();
        super::blocking(&state, move |s| {
            if let Some(old) = &replaced {
                s.expire_silence(old, now)?;
            }
            s.put_silence(&stored)
        })
        .await?;
        tracing::info!(id = %silence.id, "silence stored");
        Ok::<_, AmError>(axum::Json(json!({"silenceID": silence.id})).into_response())
    }
    .await;
    result.unwrap_or_else(|e| {
        state.metrics.ingest_rejected(e.status().as_u16());
        e.into_response()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: Timestamp = Timestamp(1_767_268_800_000);

    fn body(matchers: &str, starts: &str, ends: &str) -> String {
        format!(
            r#"{{"matchers": {matchers}, "startsAt": "{starts}", "endsAt": "{ends}", "createdBy": "amtool", "comment": "c"}}"#
        )
    }

    const HOT: &str =
        r#"[{"name": "alertname", "value": "Hot", "isRegex": false, "isEqual": true}]"#;

    #[test]
    fn amtools_silence_parses() {
        let b = body(HOT, "2026-01-01T12:00:00Z", "2026-01-01T13:00:00Z");
        let (s, id) = parse(b.as_bytes(), NOW).unwrap();
        assert_eq!(id, None);
        assert_eq!(s.matchers[0].op, MatchOp::Equal);
        assert_eq!(s.ends_at, NOW.after(Duration::from_secs(3600)));
        let regex = r#"[{"name": "alertname", "value": "Hot", "isRegex": false},
            {"name": "room", "value": "1|2", "isRegex": true, "isEqual": false}]"#;
        let (s, _) = parse(body(regex, "", "2026-01-01T13:00:00Z").as_bytes(), NOW).unwrap();
        assert_eq!((s.matchers[1].op, s.starts_at), (MatchOp::NotRegex, NOW));
        let back = ApiMatcher::of(&s.matchers[1]);
        assert!(back.is_regex && !back.is_equal);
    }

    #[test]
    fn bad_silences_say_why() {
        let empty = r#"[{"name": "a", "value": "", "isRegex": false},
            {"name": "b", "value": "x", "isRegex": true, "isEqual": false}]"#;
        let cases = [
            (
                body("[]", "", "2026-01-01T13:00:00Z"),
                "at least one matcher",
            ),
            (body(empty, "", "2026-01-01T13:00:00Z"), "empty string"),
            (
                body(HOT, "2026-01-01T13:00:00Z", "2026-01-01T12:30:00Z"),
                "start time must be before end time",
            ),
            (
                body(HOT, "2026-01-01T10:00:00Z", "2026-01-01T11:00:00Z"),
                "in the past",
            ),
            (body(HOT, "", "2028-01-01T11:00:00Z"), "366 days"),
            (
                body(
                    r#"[{"name": "a b", "value": "x", "isRegex": false}]"#,
                    "",
                    "2026-01-01T13:00:00Z",
                ),
                "label name",
            ),
            (r#"{"matchers": []}"#.to_owned(), "missing field"),
        ];
        for (b, needle) in cases {
            let e = parse(b.as_bytes(), NOW).unwrap_err();
            assert!(e.to_string().contains(needle), "{b}: {e}");
        }
    }

    #[test]
    fn ids_are_version_4_uuids() {
        let id = new_id();
        let parts: Vec<&str> = id.split('-').collect();
        assert_eq!(
            parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
            [8, 4, 4, 4, 12]
        );
        assert!(parts[2].starts_with('4'), "{id}");
        assert!(matches!(&parts[3][..1], "8" | "9" | "a" | "b"), "{id}");
        assert_ne!(new_id(), id);
    }

    #[test]
    fn filters_name_matchers_of_the_silence() {
        let (s, _) = parse(body(HOT, "", "2026-01-01T13:00:00Z").as_bytes(), NOW).unwrap();
        let f = |t: &str| crate::domain::matchers::parse_set(t).unwrap();
        assert!(matches_filter(&s, &f(r#"alertname="Hot""#)));
        assert!(!matches_filter(&s, &f(r#"alertname=~"Hot""#)));
        assert!(!matches_filter(&s, &f(r#"{alertname="Hot", room="1"}"#)));
        assert!(matches_filter(&s, &[]));
    }
}
