//! How the far end behaves, scripted per number by tests: how a message ends, how a callee
//! answers.

use serde::{Deserialize, Serialize};

/// How a message to a given number ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum MessageOutcome {
    /// queued -> sent -> delivered.
    #[default]
    Delivered,
    /// queued -> sent -> undelivered with an error code (e.g. 30003 unreachable handset).
    Undelivered {
        /// Twilio error code reported.
        error_code: u32,
    },
    /// queued -> failed with an error code (e.g. 30008 unknown error).
    Failed {
        /// Twilio error code reported.
        error_code: u32,
    },
    /// queued -> sent, and the carrier never reports back.
    StaysSent,
    /// Stays queued forever.
    StaysQueued,
}

/// How the callee at a given number behaves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum CallScript {
    /// A person answers; at each `<Gather>` they press the next entry of `digits` (nothing once
    /// the list is used up).
    Answer {
        /// Key presses, one entry per Gather.
        digits: Vec<String>,
    },
    /// The line is busy.
    Busy,
    /// It rings until the timeout.
    NoAnswer,
    /// The call cannot be connected.
    Failed,
    /// An answering machine picks up (`AnsweredBy` machine_start / machine_end_beep when
    /// machine detection is on); it presses nothing.
    Machine,
}

impl Default for CallScript {
    fn default() -> Self {
        Self::Answer { digits: Vec::new() }
    }
}

impl CallScript {
    /// A person answers and presses `digits` at the first Gather.
    ///
    /// ```
    /// use twilio_sim::CallScript;
    /// assert_eq!(
    ///     CallScript::answer_and_press("1"),
    ///     CallScript::Answer { digits: vec!["1".to_owned()] }
    /// );
    /// ```
    pub fn answer_and_press(digits: &str) -> Self {
        Self::Answer {
            digits: vec![digits.to_owned()],
        }
    }

    /// A person answers and presses nothing.
    ///
    /// ```
    /// assert_eq!(twilio_sim::CallScript::answer_silently(), twilio_sim::CallScript::default());
    /// ```
    pub fn answer_silently() -> Self {
        Self::Answer { digits: Vec::new() }
    }
}
