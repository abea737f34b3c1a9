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
    /// When it was created or last changed (absent in records written before it was kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<Timestamp>,
    /// Free-form annotations (Alertmanager's API v2 takes them).
    #[serde(default, skip_serializing_if = "LabelSet::is_empty")]
    pub annotations: LabelSet,
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
    ///     updated_at: None, annotations: Default::default(),
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

/// Where a silence stands at an instant (Alertmanager's states), in the order its API lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SilenceState {
    /// In force.
    Active,
    /// Starts later.
    Pending,
    /// Ended (or expired by hand).
    Expired,
}

impl SilenceRecord {
    /// Its state at `now`: pending before `starts_at`, expired from `ends_at` on (when it stops
    /// muting), active between.
    ///
    /// ```
    /// use alertd::domain::silence::{SilenceRecord, SilenceState};
    /// use alertd::domain::time::Timestamp;
    /// let s = SilenceRecord { id: "s".into(), matchers: vec![], starts_at: Timestamp(10), ends_at: Timestamp(20),
    ///     created_by: String::new(), comment: String::new(), updated_at: None, annotations: Default::default() };
    /// assert_eq!(s.state(Timestamp(5)), SilenceState::Pending);
    /// assert_eq!(s.state(Timestamp(10)), SilenceState::Active);
    /// assert_eq!(s.state(Timestamp(20)), SilenceState::Expired);
    /// ```
    pub fn state(&self, now: Timestamp) -> SilenceState {
        if now < self.starts_at {
            SilenceState::Pending
        } else if now < self.ends_at {
            SilenceState::Active
        } else {
            SilenceState::Expired
        }
    }

    /// Ends it at `now` as Alertmanager expires a silence: an active one ends now, a pending
    /// one starts and ends now; an expired one stays as it is. True when it changed.
    pub(crate) fn expire(&mut self, now: Timestamp) -> bool {
        match self.state(now) {
            SilenceState::Expired => return false,
            SilenceState::Active => self.ends_at = now,
            SilenceState::Pending => {
                self.starts_at = now;
                self.ends_at = now;
            }
        }
        self.updated_at = Some(now);
        true
    }
}

/// What posting a silence under the id of a stored one does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetPlan {
    /// Replace the stored silence in place, keeping its id.
    Update,
    /// Store the posted one as a new silence with a new id; `expire_previous`: end the stored
    /// one now, so its history stays as it was.
    Create {
        /// Whether the stored one is still pending or active and must be ended.
        expire_previous: bool,
    },
}

/// Alertmanager's rule (`Silences.Set` and `canUpdate`): a silence is changed in place only
/// when that does not rewrite what it muted in the past: the same matchers, and for an active
/// one the same start (to the second) and an end not already past; for a pending one a start
/// not in the past. Any other change, and any change to an expired one, makes a new silence.
///
/// ```
/// use alertd::domain::silence::{plan_set, SetPlan, SilenceRecord};
/// use alertd::domain::time::Timestamp;
/// let old = SilenceRecord { id: "s".into(), matchers: vec![], starts_at: Timestamp(0), ends_at: Timestamp(10_000),
///     created_by: String::new(), comment: String::new(), updated_at: None, annotations: Default::default() };
/// let longer = SilenceRecord { ends_at: Timestamp(20_000), ..old.clone() };
/// assert_eq!(plan_set(&old, &longer, Timestamp(5_000)), SetPlan::Update);
/// let moved = SilenceRecord { starts_at: Timestamp(4_000), ..old.clone() };
/// assert_eq!(plan_set(&old, &moved, Timestamp(5_000)), SetPlan::Create { expire_previous: true });
/// assert_eq!(plan_set(&old, &longer, Timestamp(10_000)), SetPlan::Create { expire_previous: false });
/// ```
pub fn plan_set(prev: &SilenceRecord, new: &SilenceRecord, now: Timestamp) -> SetPlan {
    let state = prev.state(now);
    let same_second = |a: Timestamp, b: Timestamp| a.0.div_euclid(1000) == b.0.div_euclid(1000);
    let updatable = prev.matchers == new.matchers
        && match state {
            SilenceState::Active => {
                same_second(prev.starts_at, new.starts_at) && new.ends_at >= now
            }
            SilenceState::Pending => new.starts_at >= now,
            SilenceState::Expired => false,
        };
    if updatable {
        SetPlan::Update
    } else {
        SetPlan::Create {
            expire_previous: state != SilenceState::Expired,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn silence(starts_at: i64, ends_at: i64, value: &str) -> SilenceRecord {
        SilenceRecord {
            id: "s".into(),
            matchers: vec![MatcherRecord {
                name: "alertname".into(),
                op: MatchOp::Equal,
                value: value.into(),
            }],
            starts_at: Timestamp(starts_at),
            ends_at: Timestamp(ends_at),
            created_by: "t".into(),
            comment: String::new(),
            updated_at: None,
            annotations: LabelSet::new(),
        }
    }

    #[test]
    fn an_active_silence_changes_in_place_only_without_rewriting_its_past() {
        let prev = silence(0, 10_000, "Hot");
        let now = Timestamp(5_000);
        let mut comment = prev.clone();
        comment.comment = "still hot".into();
        assert_eq!(plan_set(&prev, &comment, now), SetPlan::Update);
        assert_eq!(
            plan_set(&prev, &silence(900, 10_000, "Hot"), now),
            SetPlan::Update,
            "the same second"
        );
        assert_eq!(
            plan_set(&prev, &silence(0, 5_000, "Hot"), now),
            SetPlan::Update,
            "ends now"
        );
        let replaced = SetPlan::Create {
            expire_previous: true,
        };
        assert_eq!(
            plan_set(&prev, &silence(0, 4_999, "Hot"), now),
            replaced,
            "an end in the past"
        );
        assert_eq!(
            plan_set(&prev, &silence(0, 10_000, "Cold"), now),
            replaced,
            "other matchers"
        );
        assert_eq!(
            plan_set(&prev, &silence(1_000, 10_000, "Hot"), now),
            replaced
        );
    }

    #[test]
    fn a_pending_silence_may_move_its_start_but_not_into_the_past() {
        let prev = silence(10_000, 20_000, "Hot");
        let now = Timestamp(5_000);
        assert_eq!(
            plan_set(&prev, &silence(6_000, 30_000, "Hot"), now),
            SetPlan::Update
        );
        assert_eq!(
            plan_set(&prev, &silence(4_000, 30_000, "Hot"), now),
            SetPlan::Create {
                expire_previous: true
            }
        );
    }

    #[test]
    fn an_expired_silence_is_never_changed() {
        let prev = silence(0, 1_000, "Hot");
        assert_eq!(
            plan_set(&prev, &silence(0, 90_000, "Hot"), Timestamp(5_000)),
            SetPlan::Create {
                expire_previous: false
            }
        );
    }

    #[test]
    fn expiring_ends_an_active_silence_now_and_a_pending_one_before_it_starts() {
        let mut active = silence(0, 10_000, "Hot");
        assert!(active.expire(Timestamp(4_000)));
        assert_eq!(
            (active.starts_at, active.ends_at, active.updated_at),
            (Timestamp(0), Timestamp(4_000), Some(Timestamp(4_000)))
        );
        assert_eq!(active.state(Timestamp(4_000)), SilenceState::Expired);
        assert!(!active.expire(Timestamp(6_000)), "already expired");
        assert_eq!(active.ends_at, Timestamp(4_000));
        let mut pending = silence(10_000, 20_000, "Hot");
        assert!(pending.expire(Timestamp(4_000)));
        assert_eq!(
            (pending.starts_at, pending.ends_at),
            (Timestamp(4_000), Timestamp(4_000))
        );
    }
}
