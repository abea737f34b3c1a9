//! Escalations: where each one stands, who it reached, how it was acknowledged, and the
//! writes that start, advance, acknowledge and close them. The policy that decides the steps
//! is in `crate::escalation`; the SQL is in the store.

use serde::Serialize;

use super::UnknownValue;
use super::alert::Fingerprint;
use super::channel::Channel;
use super::outbox::NewMessage;
use super::time::Timestamp;

/// Where an escalation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EscalationState {
    /// Steps still to run.
    Open,
    /// Someone acknowledged it.
    Acked,
    /// Its alerts resolved before anyone acknowledged.
    Resolved,
    /// Its alerts were silenced before anyone acknowledged (they may still fire).
    Silenced,
    /// Every step of every pass ran and nobody acknowledged.
    Exhausted,
}

impl EscalationState {
    /// `"open"`, `"acked"`, `"resolved"`, `"silenced"` or `"exhausted"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Acked => "acked",
            Self::Resolved => "resolved",
            Self::Silenced => "silenced",
            Self::Exhausted => "exhausted",
        }
    }

    /// Reads a stored state; an unknown one is an error, never a default.
    ///
    /// ```
    /// use alertd::domain::escalation::EscalationState;
    /// assert_eq!(EscalationState::parse("acked"), Ok(EscalationState::Acked));
    /// assert!(EscalationState::parse("snoozed").is_err());
    /// ```
    pub fn parse(s: &str) -> Result<Self, UnknownValue> {
        match s {
            "open" => Ok(Self::Open),
            "acked" => Ok(Self::Acked),
            "resolved" => Ok(Self::Resolved),
            "silenced" => Ok(Self::Silenced),
            "exhausted" => Ok(Self::Exhausted),
            _ => Err(UnknownValue::new("escalation state", s)),
        }
    }

    /// Whether an acknowledgement still means something (open, or exhausted but not resolved).
    pub(crate) fn ackable(self) -> bool {
        matches!(self, Self::Open | Self::Exhausted)
    }
}

/// How an escalation was acknowledged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AckVia {
    /// Digit 1 in the call.
    Voice,
    /// An "ACK" SMS reply.
    Sms,
    /// `POST /api/v1/alerts/{id}/ack`.
    Api,
}

impl AckVia {
    /// `"voice"`, `"sms"` or `"api"`.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Voice => "voice",
            Self::Sms => "sms",
            Self::Api => "api",
        }
    }
}

/// One escalation row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Escalation {
    /// Row id.
    pub id: i64,
    /// What people type: `ACK 4F7KQ`.
    pub short_id: String,
    /// The group it escalates.
    pub(crate) group_key: String,
    /// Alert name, for confirmations.
    pub alert_name: String,
    /// The alert text when it started (what the steps say if its alerts are no longer stored).
    #[serde(skip)]
    pub(crate) sms_text: String,
    /// The speech when it started (likewise).
    #[serde(skip)]
    pub(crate) speech: String,
    /// Policy name.
    pub policy: String,
    /// The alerts it pages about (each step speaks of those still firing and not silenced).
    #[serde(skip)]
    pub(crate) fingerprints: Vec<Fingerprint>,
    /// Alerts of the group someone already acknowledged in an earlier escalation: they are
    /// left out of what this one says.
    #[serde(skip)]
    pub(crate) acked_fingerprints: Vec<Fingerprint>,
    /// The next step, pass and pass start.
    #[serde(skip)]
    pub(crate) position: Position,
    /// Pass through the steps, from 1.
    pub pass: u32,
    /// Index (from 0) of the last step sent, if any.
    pub last_step: Option<u32>,
    /// When it was sent.
    pub last_step_at: Option<Timestamp>,
    /// Index of the step to send next (open escalations only).
    pub next_step: Option<u32>,
    /// When it is due (open escalations only).
    pub next_at: Option<Timestamp>,
    /// Where it is.
    pub state: EscalationState,
    /// Who acknowledged (a number, or `api:<name>`).
    pub acked_by: Option<String>,
    /// How (`voice`, `sms`, `api`).
    pub acked_via: Option<String>,
    /// When.
    pub(crate) acked_at: Option<Timestamp>,
    /// When its group stopped firing, was silenced, or a new alert superseded it.
    pub(crate) closed_at: Option<Timestamp>,
    /// Start.
    pub(crate) created_at: Timestamp,
}

/// A number an escalation step reached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Contact {
    /// The escalation.
    pub(crate) escalation_id: i64,
    /// Who.
    pub number: String,
    /// How.
    pub channel: Channel,
    /// Step index.
    pub(crate) step: u32,
    /// Pass.
    pub(crate) loop_count: u32,
    /// Its outbox row.
    pub(crate) outbox_id: Option<i64>,
    /// When the step was due.
    pub due_at: Timestamp,
    /// When the outbox row was written.
    pub(crate) created_at: Timestamp,
}

/// An escalation to start (unless its group is already escalating or was acknowledged while
/// it still fires).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEscalation {
    /// The group.
    pub(crate) group_key: String,
    /// The firing alerts that started it.
    pub(crate) fingerprints: Vec<Fingerprint>,
    /// Alert name.
    pub(crate) alert_name: String,
    /// SMS text.
    pub(crate) sms_text: String,
    /// Spoken text.
    pub(crate) speech: String,
    /// Policy name.
    pub(crate) policy: String,
    /// First position.
    pub(crate) position: Position,
    /// When the first step is due.
    pub(crate) first_at: Timestamp,
}

/// The escalation writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EscalationWrite {
    /// Start escalations at a time; result: how many started.
    Start(Vec<NewEscalation>, Timestamp),
    /// These groups stopped firing: close their escalations; result: rows closed.
    Resolve(Vec<String>, Timestamp),
    /// Every firing alert of these groups is silenced: close their escalations (an open one
    /// as `silenced`, not `resolved`); result: rows closed.
    Silence(Vec<String>, Timestamp),
    /// Record due steps the policy planned; result: outbox rows written. A step whose
    /// escalation is no longer open at the position it was planned from is skipped.
    RunSteps(Vec<StepRun>, Timestamp),
    /// Acknowledge; result 1 when this write acknowledged it, 0 when it no longer could be.
    Ack {
        /// Escalation id.
        id: i64,
        /// Who.
        by: String,
        /// How.
        via: AckVia,
        /// Confirmation SMS rows to write when the ack lands: (to, body).
        confirmations: Vec<(String, String)>,
        /// Now.
        now: Timestamp,
    },
    /// Make the next step due now; result 1 when the escalation was open.
    EscalateNow {
        /// Escalation id.
        id: i64,
        /// Now.
        now: Timestamp,
    },
}

impl EscalationWrite {
    /// Rows it writes, roughly (bounds a group commit).
    pub(crate) fn len(&self) -> usize {
        match self {
            Self::Start(v, _) => v.len(),
            Self::Resolve(v, _) | Self::Silence(v, _) => v.len(),
            Self::RunSteps(v, _) => v.iter().map(|s| s.messages.len() + 1).sum(),
            Self::Ack { confirmations, .. } => 1 + confirmations.len(),
            Self::EscalateNow { .. } => 1,
        }
    }

    /// True when it writes nothing.
    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Where an escalation stands: the step to run next, in which pass, and when that pass began.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// Index of the next step to run.
    pub step: u32,
    /// Passes completed before this one.
    pub(crate) loop_count: u32,
    /// When this pass started (step `after`s count from here).
    pub(crate) loop_started_at: Timestamp,
}

/// One due step as the policy planned it: the messages it sends and where the escalation
/// stands afterwards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepRun {
    /// The escalation.
    pub(crate) escalation_id: i64,
    /// Its group (the outbox rows carry it).
    pub(crate) group_key: String,
    /// Its policy (the outbox rows' receiver is `escalation:<policy>`).
    pub(crate) policy: String,
    /// The position the step was planned from; the step is recorded only if the escalation
    /// is still open there.
    pub(crate) from: Position,
    /// When the step was due.
    pub(crate) due_at: Timestamp,
    /// What the step sends (nothing when its policy or step is no longer configured).
    pub(crate) messages: Vec<NewMessage>,
    /// Where the escalation stands after the step.
    pub(crate) next: Position,
    /// When the next step is due (`None` once closed or exhausted).
    pub(crate) next_at: Option<Timestamp>,
    /// Open; exhausted when nobody is left to try; resolved or silenced (and closed) when
    /// nothing it pages about still fires unsilenced.
    pub(crate) state: EscalationState,
}
