//! Texts an escalation sends: the step SMS (with the id to reply with), the speech a call
//! says, and the acknowledgement confirmation.

use crate::domain::text_budget;

/// Longest speech a call says (the call's inline TwiML, which says it twice, must stay under
/// Twilio's 4000 characters).
pub const MAX_SPEECH_CHARS: usize = crate::pipeline::render::MAX_SPEECH_CHARS;

/// The SMS a step sends: the alert text fitted to the segment budget, then how to ack.
///
/// ```
/// use alertd::escalation::text::step_sms;
/// use alertd::domain::text_budget::count;
/// let sms = step_sms("4F7KQ", "[FIRING:1] Hot (critical)", 1);
/// assert_eq!(sms, "[FIRING:1] Hot (critical)\nReply ACK 4F7KQ to acknowledge");
/// let long = step_sms("4F7KQ", &"x".repeat(500), 2);
/// assert!(long.ends_with("\nReply ACK 4F7KQ to acknowledge"));
/// assert!(count(&long).segments <= 2);
/// ```
pub fn step_sms(short_id: &str, alert_text: &str, segment_budget: u16) -> String {
    let suffix = format!("\nReply ACK {short_id} to acknowledge");
    let whole = format!("{alert_text}{suffix}");
    if text_budget::count(&whole).segments <= usize::from(segment_budget.max(1)) {
        return whole;
    }
    // Shorten the alert text, never the instructions: fit the text into the budget minus the
    // suffix's room, then check the whole again (encodings may differ).
    let mut room = alert_text.chars().count();
    while room > 0 {
        room = room.saturating_sub((room / 8).max(1));
        let cut: String = alert_text.chars().take(room).collect();
        let candidate = format!("{}...{suffix}", cut.trim_end());
        if text_budget::count(&candidate).segments <= usize::from(segment_budget.max(1)) {
            return candidate;
        }
    }
    suffix.trim_start().to_owned()
}

/// Speech cut to [`MAX_SPEECH_CHARS`] at a word boundary.
///
/// ```
/// let s = alertd::escalation::text::speech(&"word ".repeat(1000));
/// assert!(s.chars().count() <= alertd::escalation::text::MAX_SPEECH_CHARS);
/// assert_eq!(alertd::escalation::text::speech("pump_3 <down> & cold"), "pump 3  down   and  cold");
/// ```
pub fn speech(text: &str) -> String {
    // Symbols a speech engine reads out, or XML escapes several times over, go.
    let text = text
        .replace('&', " and ")
        .replace(['<', '>', '"', '_', '|'], " ");
    crate::pipeline::render::cut_speech(&text)
}

/// The confirmation SMS: `Acked 4F7KQ: BoilerOverTemp`.
///
/// ```
/// assert_eq!(alertd::escalation::text::confirmation("4F7KQ", "Hot", None), "Acked 4F7KQ: Hot");
/// assert_eq!(alertd::escalation::text::confirmation("4F7KQ", "Hot", Some("api:ops-bot")), "Acked 4F7KQ: Hot (by api:ops-bot)");
/// ```
pub fn confirmation(short_id: &str, alert_name: &str, by: Option<&str>) -> String {
    match by {
        Some(by) => format!("Acked {short_id}: {alert_name} (by {by})"),
        None => format!("Acked {short_id}: {alert_name}"),
    }
}

/// The SMS `on_exhausted` numbers get when an escalation runs out.
///
/// ```
/// assert_eq!(
///     alertd::escalation::text::exhausted_sms("4F7KQ", "Hot", 2),
///     "Nobody acknowledged 4F7KQ: Hot (2 passes of its escalation).\nReply ACK 4F7KQ to acknowledge"
/// );
/// ```
pub fn exhausted_sms(short_id: &str, alert_name: &str, passes: u32) -> String {
    format!(
        "Nobody acknowledged {short_id}: {} ({passes} pass{} of its escalation).\nReply ACK {short_id} to acknowledge",
        crate::domain::text_safety::one_line(alert_name),
        if passes == 1 { "" } else { "es" }
    )
}

#[cfg(test)]
mod corpus {
    use super::{speech, step_sms};
    use crate::config::templates::{Owner, TextKind};
    use crate::domain::alert::{Alert, LabelSet};
    use crate::pipeline::render::corpus::cases;
    use crate::pipeline::render::{AlertGroup, EscalationStep, Templates, sms_text, voice_text};

    /// Escalations' step SMS and speech over the default texts' corpus, byte for byte, both
    /// from the plain renderers and through the escalation templates.
    #[test]
    fn escalation_texts_match_the_corpus_byte_for_byte() {
        let templates = Templates::default();
        let no_labels = LabelSet::new();
        for case in cases() {
            let firing = case.firing();
            let f: Vec<&Alert> = firing.iter().collect();
            let plain = step_sms("4F7KQ", &sms_text(&f, &[], &no_labels), 3);
            assert_eq!(plain, case.step_sms, "{}", case.name);
            assert_eq!(
                speech(&voice_text(&f, &no_labels)),
                case.step_speech,
                "{}",
                case.name
            );
            let group = AlertGroup {
                receiver: "",
                group_key: "{}",
                group_labels: &no_labels,
                firing: &f,
                resolved: &[],
            };
            let step = EscalationStep {
                short_id: "4F7KQ",
                policy: "critical",
                step: 2,
                pass: 1,
            };
            let owner = Owner::Escalation("critical");
            let sms = templates.render(owner, TextKind::Sms, &group, Some(&step));
            assert_eq!(step_sms("4F7KQ", &sms, 3), case.step_sms, "{}", case.name);
            let said = templates.render(owner, TextKind::Voice, &group, Some(&step));
            assert_eq!(speech(&said), case.step_speech, "{}", case.name);
        }
    }
}
