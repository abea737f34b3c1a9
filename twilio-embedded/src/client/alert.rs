//! Alerts as the client sends them, and who receives them.

use core::fmt::{self, Write as _};

use twilio_core::alerting::{AlertEvent, Channel, Severity};

/// Longest alert text kept, in bytes: one GSM-7 SMS segment. Longer texts are cut at a character
/// boundary.
pub const ALERT_TEXT_LEN: usize = 160;

/// Whether an alert announces a problem or its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum AlertKind {
    /// A level was reached.
    Raised,
    /// The value is back to normal.
    Cleared,
}

/// One alert: its severity, kind and text, owned so it can wait in the outbox.
///
/// ```
/// use twilio_core::alerting::{AlertEvent, Channel, Instant, Severity};
/// use twilio_embedded::Alert;
///
/// let event = AlertEvent::Raised { severity: Severity::Critical, value: 95, level: 90, at: Instant(0) };
/// let alert = Alert::from_event("Boiler 3", &event);
/// assert_eq!(alert.text(), "Boiler 3: 95 reached the critical level 90");
/// assert_eq!(alert.channel(), Channel::VoiceCall);
///
/// let note = Alert::new(Severity::Warning, "Door open");
/// assert_eq!(note.channel(), Channel::Sms);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    severity: Severity,
    kind: AlertKind,
    text: heapless::String<ALERT_TEXT_LEN>,
}

impl Alert {
    /// A raised alert with `text` (cut to [`ALERT_TEXT_LEN`] bytes at a character boundary).
    pub fn new(severity: Severity, text: &str) -> Self {
        Self::with_kind(severity, AlertKind::Raised, text)
    }

    /// An alert of `kind` with `text`.
    pub fn with_kind(severity: Severity, kind: AlertKind, text: &str) -> Self {
        let mut alert = Self {
            severity,
            kind,
            text: heapless::String::new(),
        };
        let _ = Truncating(&mut alert.text).write_str(text);
        alert
    }

    /// The alert for an evaluator event: "Boiler 3: 95 reached the critical level 90" or
    /// "Boiler 3: back to normal (71)".
    pub fn from_event<T: fmt::Display>(subject: &str, event: &AlertEvent<T>) -> Self {
        let (severity, kind) = match event {
            AlertEvent::Raised { severity, .. } => (*severity, AlertKind::Raised),
            AlertEvent::Cleared { severity, .. } => (*severity, AlertKind::Cleared),
        };
        let mut alert = Self::with_kind(severity, kind, "");
        let mut out = Truncating(&mut alert.text);
        // Truncating never fails; the results are ignored only to keep the text cut short.
        let _ = match event {
            AlertEvent::Raised {
                severity,
                value,
                level,
                ..
            } => {
                let name = match severity {
                    Severity::Warning => "warning",
                    Severity::Critical => "critical",
                };
                write!(out, "{subject}: {value} reached the {name} level {level}")
            }
            AlertEvent::Cleared { value, .. } => write!(out, "{subject}: back to normal ({value})"),
        };
        alert
    }

    /// Warning or critical.
    pub fn severity(&self) -> Severity {
        self.severity
    }

    /// Raised or cleared.
    pub fn kind(&self) -> AlertKind {
        self.kind
    }

    /// The text sent (SMS body, or spoken in a call).
    pub fn text(&self) -> &str {
        &self.text
    }

    /// A raised critical alert (a call); everything else goes by SMS.
    pub fn channel(&self) -> Channel {
        if self.is_critical() {
            Channel::VoiceCall
        } else {
            Channel::Sms
        }
    }

    /// True for a raised critical alert: the outbox drops these last.
    pub fn is_critical(&self) -> bool {
        self.kind == AlertKind::Raised && self.severity == Severity::Critical
    }
}

/// Writes into a heapless string, dropping whatever does not fit (at a character boundary).
struct Truncating<'s, const N: usize>(&'s mut heapless::String<N>);

impl<const N: usize> fmt::Write for Truncating<'_, N> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for c in s.chars() {
            if self.0.push(c).is_err() {
                break;
            }
        }
        Ok(())
    }
}

/// Most recipients a client can have (each alert tracks who still needs it in a 16-bit set).
pub const MAX_RECIPIENTS: usize = 16;

/// A person alerts go to, and how.
///
/// ```
/// use twilio_embedded::Recipient;
/// let on_call = Recipient::sms_and_voice("+14155550100");
/// let manager = Recipient::sms_only("+14155550101");
/// assert!(on_call.voice && !manager.voice);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Recipient<'a> {
    /// E.164 number.
    pub number: &'a str,
    /// Receives SMS (warnings, clears; critical alerts too when `voice` is off).
    pub sms: bool,
    /// Receives voice calls for critical alerts.
    pub voice: bool,
}

impl<'a> Recipient<'a> {
    /// Texts only.
    pub const fn sms_only(number: &'a str) -> Self {
        Self {
            number,
            sms: true,
            voice: false,
        }
    }

    /// Texts, and calls for critical alerts.
    pub const fn sms_and_voice(number: &'a str) -> Self {
        Self {
            number,
            sms: true,
            voice: true,
        }
    }

    /// How this recipient gets `alert`, or `None` when it is not for them.
    pub fn channel_for(&self, alert: &Alert) -> Option<Channel> {
        match alert.channel() {
            Channel::VoiceCall if self.voice => Some(Channel::VoiceCall),
            // A critical alert still reaches someone who only takes texts.
            Channel::VoiceCall | Channel::Sms if self.sms => Some(Channel::Sms),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use twilio_core::alerting::Instant;

    #[test]
    fn long_texts_are_cut_at_a_character_boundary() {
        let long = "é".repeat(200);
        let alert = Alert::new(Severity::Warning, &long);
        assert_eq!(alert.text().len(), 160);
        assert_eq!(alert.text().chars().count(), 80);
        let event = AlertEvent::Cleared {
            severity: Severity::Warning,
            value: 3,
            at: Instant(5),
        };
        let long_subject = "x".repeat(300);
        let cleared = Alert::from_event(&long_subject, &event);
        assert_eq!(cleared.text().len(), 160);
        assert_eq!(cleared.kind(), AlertKind::Cleared);
        assert_eq!(cleared.channel(), Channel::Sms);
    }

    #[test]
    fn channels_per_recipient() {
        let critical = Alert::new(Severity::Critical, "hot");
        let warning = Alert::new(Severity::Warning, "warm");
        let both = Recipient::sms_and_voice("+14155550100");
        let sms = Recipient::sms_only("+14155550101");
        let voice = Recipient { sms: false, ..both };
        assert_eq!(both.channel_for(&critical), Some(Channel::VoiceCall));
        assert_eq!(sms.channel_for(&critical), Some(Channel::Sms));
        assert_eq!(voice.channel_for(&warning), None);
        assert_eq!(voice.channel_for(&critical), Some(Channel::VoiceCall));
    }
}
