//! Enrolled phone numbers: whether Twilio Verify proved each one reaches its person, and what
//! Lookup says its line is; and the rule for paging around unverified numbers.

use serde::Serialize;

use super::UnknownValue;
use super::outbox::NewMessage;
use super::time::Timestamp;

/// Where a number's enrolment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NumberState {
    /// Never verified, or its verification failed or lapsed.
    Unverified,
    /// A code was sent and not yet confirmed.
    Pending,
    /// The person read the code back.
    Verified,
}

impl NumberState {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unverified => "unverified",
            Self::Pending => "pending",
            Self::Verified => "verified",
        }
    }

    /// Reads the stored spelling.
    ///
    /// ```
    /// use alertd::domain::number::NumberState;
    /// assert_eq!(NumberState::parse("verified").unwrap(), NumberState::Verified);
    /// assert!(NumberState::parse("maybe").is_err());
    /// ```
    pub fn parse(s: &str) -> Result<Self, UnknownValue> {
        match s {
            "unverified" => Ok(Self::Unverified),
            "pending" => Ok(Self::Pending),
            "verified" => Ok(Self::Verified),
            other => Err(UnknownValue::new("number state", other)),
        }
    }
}

/// One enrolled number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EnrolledNumber {
    /// E.164.
    pub number: String,
    /// Where its enrolment stands.
    pub state: NumberState,
    /// How the latest code was sent (`sms` or `call`).
    pub channel: Option<String>,
    /// Lookup's line type (`mobile`, `landline`, `fixedVoip`, ...), when known.
    pub line_type: Option<String>,
    /// When the state last changed.
    pub updated_at: Timestamp,
    /// When it was verified.
    pub verified_at: Option<Timestamp>,
}

impl EnrolledNumber {
    /// True when Lookup found a line that cannot receive SMS.
    ///
    /// ```
    /// use alertd::domain::number::{EnrolledNumber, NumberState};
    /// use alertd::domain::time::Timestamp;
    /// let n = EnrolledNumber {
    ///     number: "+15550200001".into(),
    ///     state: NumberState::Pending,
    ///     channel: Some("call".into()),
    ///     line_type: Some("landline".into()),
    ///     updated_at: Timestamp(0),
    ///     verified_at: None,
    /// };
    /// assert!(n.is_landline());
    /// ```
    pub fn is_landline(&self) -> bool {
        self.line_type.as_deref() == Some("landline")
    }
}

/// The messages of one notification with unverified numbers left out, but only when some
/// message still goes to a verified number: a route never goes silent for want of
/// verification. Returns the messages to write and the numbers skipped.
pub(crate) fn skip_unverified(
    messages: Vec<NewMessage>,
    verified: impl Fn(&str) -> bool,
) -> (Vec<NewMessage>, Vec<String>) {
    if !messages.iter().any(|m| verified(&m.to)) {
        return (messages, Vec::new());
    }
    let (kept, skipped): (Vec<_>, Vec<_>) = messages.into_iter().partition(|m| verified(&m.to));
    let mut numbers: Vec<String> = skipped.into_iter().map(|m| m.to).collect();
    numbers.dedup();
    (kept, numbers)
}

/// Turns the SMS among `messages` that go to a landline (`is_landline`) into calls that speak
/// `speech`: a landline cannot receive the text. Returns the numbers called instead.
pub(crate) fn call_landlines(
    messages: &mut [NewMessage],
    speech: &str,
    is_landline: impl Fn(&str) -> bool,
) -> Vec<String> {
    let mut called = Vec::new();
    for m in messages
        .iter_mut()
        .filter(|m| m.channel == super::channel::Channel::Sms && is_landline(&m.to))
    {
        m.channel = super::channel::Channel::Voice;
        speech.clone_into(&mut m.body);
        called.push(m.to.clone());
    }
    called
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::channel::Channel;

    fn sms(to: &str) -> NewMessage {
        NewMessage {
            channel: Channel::Sms,
            to: to.into(),
            body: "ACK 7K2".into(),
        }
    }

    #[test]
    fn unverified_numbers_are_skipped_only_beside_a_verified_one() {
        let verified = |n: &str| n == "+15551230001";
        let (kept, skipped) =
            skip_unverified(vec![sms("+15551230001"), sms("+15551230002")], verified);
        assert_eq!(kept, vec![sms("+15551230001")]);
        assert_eq!(skipped, ["+15551230002"]);
        let (kept, skipped) = skip_unverified(vec![sms("+15551230002")], verified);
        assert_eq!((kept, skipped.len()), (vec![sms("+15551230002")], 0));
    }

    #[test]
    fn landlines_in_sms_are_called() {
        let mut msgs = vec![sms("+15550200001"), sms("+15551230001")];
        let called = call_landlines(&mut msgs, "Boiler 3 is hot", |n| n.starts_with("+1555020"));
        assert_eq!(called, ["+15550200001"]);
        assert_eq!(
            (msgs[0].channel, msgs[0].body.as_str()),
            (Channel::Voice, "Boiler 3 is hot")
        );
        assert_eq!(msgs[1], sms("+15551230001"));
    }
}
