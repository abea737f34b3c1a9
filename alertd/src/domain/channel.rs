//! The two ways alertd reaches a person.

/// SMS or voice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    /// A text message.
    Sms,
    /// A phone call that speaks the alert.
    Voice,
}

impl Channel {
    /// `"sms"` or `"voice"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sms => "sms",
            Self::Voice => "voice",
        }
    }

    /// Parses `"sms"` / `"voice"`.
    ///
    /// ```
    /// use alertd::domain::channel::Channel;
    /// assert_eq!(Channel::parse("voice"), Some(Channel::Voice));
    /// assert_eq!(Channel::parse("fax"), None);
    /// ```
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "sms" => Some(Self::Sms),
            "voice" => Some(Self::Voice),
            _ => None,
        }
    }
}
