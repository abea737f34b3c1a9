//! Notification text: one SMS per group (batched), one spoken text per call.

use crate::domain::alert::Alert;
use crate::domain::text_safety::one_line;

fn detail(alert: &Alert, group_labels: &crate::domain::alert::LabelSet) -> String {
    let ids: Vec<String> = alert
        .labels
        .iter()
        .filter(|(k, _)| {
            k.as_str() != "alertname" && k.as_str() != "severity" && !group_labels.contains_key(*k)
        })
        .map(|(k, v)| format!("{}={}", one_line(k), one_line(v)))
        .collect();
    let text = ["summary", "message", "description"]
        .iter()
        .find_map(|k| alert.annotations.get(*k))
        .map(|t| one_line(t).into_owned())
        .or_else(|| {
            alert
                .annotations
                .get("value")
                .map(|v| format!("value {}", one_line(v)))
        })
        .unwrap_or_default();
    match (ids.is_empty(), text.is_empty()) {
        (true, true) => one_line(alert.name()).into_owned(),
        (true, false) => text,
        (false, true) => ids.join(" "),
        (false, false) => format!("{}: {text}", ids.join(" ")),
    }
}

fn title(firing: &[&Alert], resolved: &[&Alert]) -> String {
    let name = one_line(
        firing
            .first()
            .or(resolved.first())
            .map_or("alert", |a| a.name()),
    );
    let severity = firing
        .first()
        .and_then(|a| a.labels.get("severity"))
        .map(|s| one_line(s));
    let status = match (firing.len(), resolved.len()) {
        (0, _) => "[RESOLVED]".to_owned(),
        (f, 0) => format!("[FIRING:{f}]"),
        (f, r) => format!("[FIRING:{f}, RESOLVED:{r}]"),
    };
    match severity {
        Some(s) => format!("{status} {name} ({s})"),
        None => format!("{status} {name}"),
    }
}

/// The SMS text for a group: a title line, then one line per alert.
///
/// ```
/// use alertd::domain::alert::Alert;
/// use alertd::pipeline::render::sms_text;
/// use alertd::domain::time::Timestamp;
/// let a = Alert { labels: [("alertname".into(), "Hot".into()), ("room".into(), "2".into())].into(),
///     annotations: [("summary".into(), "31C".into())].into(), starts_at: Timestamp(0), ends_at: None,
///     generator_url: None, updated_at: Timestamp(0) };
/// assert_eq!(sms_text(&[&a], &[], &Default::default()), "[FIRING:1] Hot\n- room=2: 31C");
/// ```
pub fn sms_text(
    firing: &[&Alert],
    resolved: &[&Alert],
    group_labels: &crate::domain::alert::LabelSet,
) -> String {
    let mut text = title(firing, resolved);
    for a in firing {
        text.push_str("\n- ");
        text.push_str(&detail(a, group_labels));
    }
    if !firing.is_empty() && !resolved.is_empty() {
        text.push_str("\nResolved:");
    }
    for a in resolved {
        text.push_str("\n- ");
        text.push_str(&detail(a, group_labels));
    }
    text
}

/// What a call says: short sentences, no symbols a speech engine would read out.
pub fn voice_text(firing: &[&Alert], group_labels: &crate::domain::alert::LabelSet) -> String {
    let name = one_line(firing.first().map_or("alert", |a| a.name()));
    let mut text = format!(
        "This is alertd. {} alert{} firing: {name}.",
        firing.len(),
        if firing.len() == 1 { "" } else { "s" }
    );
    for a in firing.iter().take(3) {
        text.push(' ');
        text.push_str(&detail(a, group_labels).replace('=', " "));
        text.push('.');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::alert::LabelSet;
    use crate::domain::time::Timestamp;

    #[test]
    fn label_values_cannot_forge_a_line_or_reorder_the_text() {
        let a = Alert {
            labels: [
                ("alertname".into(), "Hot\u{202E}".into()),
                ("room".into(), "2\n[RESOLVED] all clear".into()),
            ]
            .into(),
            annotations: [("summary".into(), "31C\r\n\u{0}ok".into())].into(),
            starts_at: Timestamp(0),
            ends_at: None,
            generator_url: None,
            updated_at: Timestamp(0),
        };
        let sms = sms_text(&[&a], &[], &LabelSet::default());
        assert_eq!(
            sms.lines().count(),
            2,
            "a title and one line per alert: {sms:?}"
        );
        assert!(!sms.contains('\u{202E}') && !sms.contains('\r') && !sms.contains('\0'));
        assert!(sms.starts_with("[FIRING:1] Hot\n"), "{sms:?}");
        let voice = voice_text(&[&a], &LabelSet::default());
        assert!(!voice.chars().any(char::is_control), "{voice:?}");
    }
}

#[cfg(test)]
mod corpus;
