//! Alerts as the client sends them, and who receives them.

use core::fmt::{self, Write as _};

use twilio_core::alerting::{AlertEvent, Channel, Severity};
use twilio_core::buf::Encode;
use twilio_core::text::segments;
use twilio_core::text::template::{Fixed, Value};

/// Longest alert text kept, in bytes: one GSM-7 SMS segment. Longer texts are cut at a character
/// boundary.
pub const ALERT_TEXT_LEN: usize = 160;

/// An SMS that goes out this long or longer after its alert was raised says when that was.
pub const LATE_AFTER_SECS: u32 = 60;

/// Longest " at 2026-12-05 14:02Z".
const STAMP_LEN: usize = 21;

/// Longest SMS body of an alert: its text and when it was raised.
pub const SMS_BODY_LEN: usize = ALERT_TEXT_LEN + STAMP_LEN;

/// When an alert was raised, as the device knew it then.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum RaisedAt {
    /// Not recorded.
    #[default]
    Unknown,
    /// Seconds since the device started: it did not know the time of day yet.
    Uptime(u32),
    /// Seconds since 1970-01-01 UTC.
    Unix(u32),
}

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
    raised_at: RaisedAt,
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
            raised_at: RaisedAt::Unknown,
        };
        Truncating(&mut alert.text).push_str(text);
        alert
    }

    /// The alert for an evaluator event: "Boiler 3: 95 reached the critical level 90" or
    /// "Boiler 3: back to normal (71)".
    ///
    /// The values go through `core::fmt`; on a device prefer [`Alert::from_reading`], which
    /// writes the same text without it (`{}` on an `f32` alone links several KiB of float
    /// formatting code).
    pub fn from_event<T: fmt::Display>(subject: &str, event: &AlertEvent<T>) -> Self {
        Self::compose(subject, event, &|value, out| {
            // Truncating never fails; it only stops taking characters.
            let _ = write!(out, "{value}");
        })
    }

    /// The alert for an evaluator event whose values write themselves ([`AlertValue`]): the
    /// same text as [`Alert::from_event`], with no `core::fmt` code.
    ///
    /// ```
    /// use twilio_core::alerting::{AlertEvent, Instant, Severity};
    /// use twilio_core::text::template::{Fixed, Value};
    /// use twilio_embedded::Alert;
    ///
    /// let event = AlertEvent::Raised {
    ///     severity: Severity::Warning,
    ///     value: Value::Number(Fixed::new(462, 1)),
    ///     level: Value::Number(Fixed::new(45, 0)),
    ///     at: Instant(0),
    /// };
    /// assert_eq!(Alert::from_reading("Pico W", &event).text(), "Pico W: 46.2 reached the warning level 45");
    /// ```
    pub fn from_reading<T: AlertValue>(subject: &str, event: &AlertEvent<T>) -> Self {
        Self::compose(subject, event, &|value, out| {
            value.write_value(&mut |s| out.push_str(s));
        })
    }

    /// The text layout of both constructors; `value` appends one value.
    fn compose<T>(
        subject: &str,
        event: &AlertEvent<T>,
        value: &dyn Fn(&T, &mut Truncating<'_, ALERT_TEXT_LEN>),
    ) -> Self {
        let (severity, kind) = match event {
            AlertEvent::Raised { severity, .. } => (*severity, AlertKind::Raised),
            AlertEvent::Cleared { severity, .. } => (*severity, AlertKind::Cleared),
        };
        let mut alert = Self::with_kind(severity, kind, "");
        let mut out = Truncating(&mut alert.text);
        out.push_str(subject);
        match event {
            AlertEvent::Raised {
                severity,
                value: reading,
                level,
                ..
            } => {
                out.push_str(": ");
                value(reading, &mut out);
                out.push_str(match severity {
                    Severity::Warning => " reached the warning level ",
                    Severity::Critical => " reached the critical level ",
                });
                value(level, &mut out);
            }
            AlertEvent::Cleared { value: reading, .. } => {
                out.push_str(": back to normal (");
                value(reading, &mut out);
                out.push_str(")");
            }
        }
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

    /// When the alert was raised ([`RaisedAt::Unknown`] unless set).
    pub fn raised_at(&self) -> RaisedAt {
        self.raised_at
    }

    /// The alert, raised at `at`.
    #[must_use]
    pub fn with_raised_at(mut self, at: RaisedAt) -> Self {
        self.raised_at = at;
        self
    }

    /// Records when the alert was raised (once the device knows the time of day of an alert
    /// that has waited since before).
    pub fn set_raised_at(&mut self, at: RaisedAt) {
        self.raised_at = at;
    }

    /// The SMS body when sent at `now` (seconds since 1970, if known): the text, followed by
    /// when the alert was raised (" at 14:02Z", or " at 2026-12-05 14:02Z" on an earlier UTC
    /// day) if that was [`LATE_AFTER_SECS`] or more before `now` and the time adds no segment to
    /// the message. Otherwise the text alone: the phone shows when it arrived.
    ///
    /// ```
    /// use twilio_core::alerting::Severity;
    /// use twilio_embedded::client::RaisedAt;
    /// use twilio_embedded::Alert;
    ///
    /// // Raised 2026-12-06 14:02:30 UTC.
    /// let alert = Alert::new(Severity::Warning, "Pico W: 46.0 C reached the warning level 45.0 C")
    ///     .with_raised_at(RaisedAt::Unix(1_796_565_750));
    /// assert_eq!(alert.sms_body(Some(1_796_565_770)), alert.text()); // 20 s later: on time
    /// assert_eq!(
    ///     alert.sms_body(Some(1_796_567_000)), // 21 minutes later
    ///     "Pico W: 46.0 C reached the warning level 45.0 C at 14:02Z"
    /// );
    /// assert_eq!(
    ///     alert.sms_body(Some(1_796_652_000)).as_str(), // the next day
    ///     "Pico W: 46.0 C reached the warning level 45.0 C at 2026-12-06 14:02Z"
    /// );
    /// ```
    pub fn sms_body(&self, now: Option<u32>) -> heapless::String<SMS_BODY_LEN> {
        let mut body = heapless::String::new();
        Truncating(&mut body).push_str(&self.text);
        let (RaisedAt::Unix(raised), Some(now)) = (self.raised_at, now) else {
            return body;
        };
        if now.saturating_sub(raised) < LATE_AFTER_SECS {
            return body;
        }
        let before = segments::count(&body).segments;
        let mut out = Truncating(&mut body);
        out.push_str(" at ");
        if raised / 86_400 != now / 86_400 {
            let (year, month, day) = civil_date(raised / 86_400);
            push_digits(&mut out, year, 4);
            out.push_str("-");
            push_digits(&mut out, month, 2);
            out.push_str("-");
            push_digits(&mut out, day, 2);
            out.push_str(" ");
        }
        let second_of_day = raised % 86_400;
        push_digits(&mut out, second_of_day / 3_600, 2);
        out.push_str(":");
        push_digits(&mut out, second_of_day % 3_600 / 60, 2);
        out.push_str("Z");
        if segments::count(&body).segments > before {
            body.truncate(self.text.len());
        }
        body
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

/// A value in an alert text that writes itself without `core::fmt`: digits from twilio-core's
/// fixed-point writer, a unit, or a word.
///
/// ```
/// use twilio_core::text::template::{Fixed, Value};
/// use twilio_embedded::client::AlertValue;
///
/// let mut text = String::new();
/// Value::Number(Fixed::new(-43, 1)).write_value(&mut |s| text.push_str(s));
/// assert_eq!(text, "-4.3");
/// ```
pub trait AlertValue {
    /// Appends the value's text, in one or more pieces, through `push`.
    fn write_value(&self, push: &mut dyn FnMut(&str));
}

impl AlertValue for Fixed {
    fn write_value(&self, push: &mut dyn FnMut(&str)) {
        // Sign, 19 digits of an i64 and the point: 21 bytes at most.
        let mut digits = [0u8; 24];
        let len = self.encode_to_slice(&mut digits).unwrap_or_default();
        // The encoder writes ASCII only.
        push(core::str::from_utf8(digits.get(..len).unwrap_or_default()).unwrap_or_default());
    }
}

impl AlertValue for Value<'_> {
    fn write_value(&self, push: &mut dyn FnMut(&str)) {
        match self {
            Value::Text(text) => push(text),
            Value::Number(number) => number.write_value(push),
        }
    }
}

impl AlertValue for i32 {
    fn write_value(&self, push: &mut dyn FnMut(&str)) {
        Fixed::new(i64::from(*self), 0).write_value(push);
    }
}

/// Year, month and day of the `days`-th day after 1970-01-01 (the proleptic Gregorian calendar,
/// in unsigned arithmetic: no 64-bit division on a Cortex-M0).
fn civil_date(days: u32) -> (u32, u32, u32) {
    // Days since 0000-03-01, so that leap days end each 400-, 100- and 4-year cycle.
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let march_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * march_month + 2) / 5 + 1;
    let month = if march_month < 10 {
        march_month + 3
    } else {
        march_month - 9
    };
    let year = era * 400 + year_of_era + u32::from(month <= 2);
    (year, month, day)
}

/// Appends `value` as at least `width` decimal digits (zero-padded; at most 10).
fn push_digits<const N: usize>(out: &mut Truncating<'_, N>, value: u32, width: usize) {
    let mut digits = [b'0'; 10];
    let mut rest = value;
    let mut len = 0;
    while len < digits.len() && (rest > 0 || len < width) {
        digits[digits.len() - 1 - len] = b'0' + (rest % 10) as u8;
        rest /= 10;
        len += 1;
    }
    let start = digits.len() - len;
    // ASCII digits only.
    out.push_str(core::str::from_utf8(&digits[start..]).unwrap_or_default());
}

/// Writes into a heapless string, dropping whatever does not fit (at a character boundary).
struct Truncating<'s, const N: usize>(&'s mut heapless::String<N>);

impl<const N: usize> Truncating<'_, N> {
    /// Appends what fits of `s`, whole characters only.
    // Not inlined: one copy serves every piece of every text.
    #[inline(never)]
    fn push_str(&mut self, s: &str) {
        for c in s.chars() {
            if self.0.push(c).is_err() {
                break;
            }
        }
    }
}

impl<const N: usize> fmt::Write for Truncating<'_, N> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.push_str(s);
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
    fn from_reading_writes_the_text_from_event_writes() {
        let raised = AlertEvent::Raised {
            severity: Severity::Critical,
            value: 95,
            level: 90,
            at: Instant(0),
        };
        let cleared = AlertEvent::Cleared {
            severity: Severity::Warning,
            value: -7,
            at: Instant(9),
        };
        for event in [raised, cleared] {
            let by_fmt = Alert::from_event("Boiler 3", &event);
            let by_reading = Alert::from_reading("Boiler 3", &event);
            assert_eq!(by_fmt, by_reading);
        }
        assert_eq!(
            Alert::from_reading("Boiler 3", &cleared).text(),
            "Boiler 3: back to normal (-7)"
        );
        let fixed = AlertEvent::Raised {
            severity: Severity::Warning,
            value: Value::Number(Fixed::new(-5, 2)),
            level: Value::Text("none"),
            at: Instant(0),
        };
        assert_eq!(
            Alert::from_reading("x", &fixed).text(),
            "x: -0.05 reached the warning level none"
        );
        // A long subject is cut at a character boundary; the values are dropped, never split.
        let long = "é".repeat(79) + "a";
        let cut = Alert::from_reading(&long, &raised);
        assert_eq!(cut.text(), long + ":");
    }

    #[test]
    fn civil_dates_match_known_days() {
        assert_eq!(civil_date(0), (1970, 1, 1));
        assert_eq!(civil_date(59), (1970, 3, 1));
        assert_eq!(civil_date(11_016), (2000, 2, 29));
        assert_eq!(civil_date(20_793), (2026, 12, 6));
        assert_eq!(civil_date(49_710), (2106, 2, 7)); // u32 seconds end here
    }

    #[test]
    fn late_sms_says_when_within_the_segment_count() {
        // 2026-12-06 09:05:59 UTC
        let raised = 1_796_547_959;
        let alert =
            Alert::new(Severity::Warning, "Door open").with_raised_at(RaisedAt::Unix(raised));
        assert_eq!(alert.sms_body(Some(raised + 59)), "Door open");
        assert_eq!(alert.sms_body(Some(raised + 60)), "Door open at 09:05Z");
        assert_eq!(alert.sms_body(None), "Door open");
        // A clock set back since: not late.
        assert_eq!(alert.sms_body(Some(raised - 600)), "Door open");
        // Without a time of day, nothing to say.
        let uptime = alert.clone().with_raised_at(RaisedAt::Uptime(30));
        assert_eq!(uptime.sms_body(Some(raised + 3_600)), "Door open");

        // 151 GSM-7 characters: the stamp would make two segments, so it is left out...
        let full =
            Alert::new(Severity::Warning, &"x".repeat(151)).with_raised_at(RaisedAt::Unix(raised));
        assert_eq!(full.sms_body(Some(raised + 600)).as_str(), full.text());
        // ...and kept where it fits: 150 + 10.
        let room =
            Alert::new(Severity::Warning, &"x".repeat(150)).with_raised_at(RaisedAt::Unix(raised));
        let body = room.sms_body(Some(raised + 600));
        assert!(body.ends_with(" at 09:05Z"), "{body}");
        assert_eq!(segments::count(&body).segments, 1);
        // UCS-2: 60 characters and the stamp stay within one 70-character segment.
        let ucs2 =
            Alert::new(Severity::Warning, &"ж".repeat(60)).with_raised_at(RaisedAt::Unix(raised));
        assert!(ucs2.sms_body(Some(raised + 600)).ends_with(" at 09:05Z"));
        let long_ucs2 =
            Alert::new(Severity::Warning, &"ж".repeat(65)).with_raised_at(RaisedAt::Unix(raised));
        assert_eq!(
            long_ucs2.sms_body(Some(raised + 600)).as_str(),
            long_ucs2.text()
        );
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
