//! Silences: matchers with a time window; a silenced alert is muted in every notification.

use serde::{Deserialize, Serialize};

use super::alert::LabelSet;
use super::matchers::{MatchOp, Matcher, all_match};
use crate::domain::time::Timestamp;

/// A silence as stored and served by the API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SilenceRecord {
    /// Identifier (`sil-` + 16 hex digits).
    pub id: String,
    /// Matchers, each `{name, op, value}`.
    pub matchers: Vec<MatcherRecord>,
    /// Start of the silence.
    pub starts_at: Timestamp,
    /// End of the silence (expiry).
    pub ends_at: Timestamp,
    /// Who created it.
    pub created_by: String,
    /// Why.
    pub comment: String,
}

/// A matcher in stored form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatcherRecord {
    /// Label name.
    pub name: String,
    /// Comparison.
    pub op: MatchOp,
    /// Value or pattern.
    pub value: String,
}

/// A silence ready to match labels.
#[derive(Debug, Clone)]
pub struct Silence {
    /// The stored form.
    pub(crate) record: SilenceRecord,
    matchers: Vec<Matcher>,
}

impl Silence {
    /// Compiles a stored silence.
    pub fn new(record: SilenceRecord) -> Result<Self, super::matchers::MatcherError> {
        let matchers = record
            .matchers
            .iter()
            .map(|m| Matcher::new(&m.name, m.op, &m.value))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self { record, matchers })
    }

    /// Whether the silence is in force at `now`.
    pub(crate) fn is_active(&self, now: Timestamp) -> bool {
        self.record.starts_at <= now && now < self.record.ends_at
    }

    /// Whether it mutes an alert with `labels` at `now`.
    ///
    /// ```
    /// use alertd::domain::silence::{Silence, SilenceRecord, MatcherRecord};
    /// use alertd::domain::matchers::MatchOp;
    /// use alertd::domain::time::Timestamp;
    /// let s = Silence::new(SilenceRecord {
    ///     id: "sil-1".into(),
    ///     matchers: vec![MatcherRecord { name: "alertname".into(), op: MatchOp::Equal, value: "Hot".into() }],
    ///     starts_at: Timestamp(0), ends_at: Timestamp(1_000), created_by: "me".into(), comment: String::new(),
    /// }).unwrap();
    /// let labels = [("alertname".to_owned(), "Hot".to_owned())].into();
    /// assert!(s.mutes(&labels, Timestamp(10)));
    /// assert!(!s.mutes(&labels, Timestamp(1_000)), "expired");
    /// ```
    pub fn mutes(&self, labels: &LabelSet, now: Timestamp) -> bool {
        self.is_active(now) && !self.matchers.is_empty() && all_match(&self.matchers, labels)
    }
}

/// Whether any silence mutes `labels` at `now`.
pub(crate) fn is_muted(silences: &[Silence], labels: &LabelSet, now: Timestamp) -> bool {
    silences.iter().any(|s| s.mutes(labels, now))
}
