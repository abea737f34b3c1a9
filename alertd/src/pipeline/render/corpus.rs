//! The default texts over a recorded corpus of groups (firing/resolved mixes, group labels,
//! missing and value annotations, control and bidi characters, many alerts): every text must
//! stay byte for byte what it was when the corpus was recorded. (Escalations' texts over the
//! same corpus are tested beside them, in `escalation::text`.)

use serde::Deserialize;

use super::{sms_text, voice_text};
use crate::domain::alert::{Alert, LabelSet};
use crate::domain::text_budget;
use crate::domain::time::Timestamp;

const CORPUS: &str = include_str!("testdata/corpus.json");

#[derive(Deserialize)]
struct CorpusAlert {
    labels: LabelSet,
    annotations: LabelSet,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct Case {
    pub(crate) name: String,
    pub(crate) group_labels: LabelSet,
    firing: Vec<CorpusAlert>,
    resolved: Vec<CorpusAlert>,
    /// The group's SMS text.
    pub(crate) sms: String,
    /// The group's call text.
    pub(crate) voice: String,
    /// The SMS body the notify stage sends (fitted to 3 segments).
    pub(crate) notify_sms: String,
    /// An escalation step's SMS body (id 4F7KQ, 3 segments).
    pub(crate) step_sms: String,
    /// An escalation call's speech.
    pub(crate) step_speech: String,
}

impl Case {
    fn alerts(list: &[CorpusAlert], ends_at: Option<Timestamp>) -> Vec<Alert> {
        list.iter()
            .map(|a| Alert {
                labels: a.labels.clone(),
                annotations: a.annotations.clone(),
                starts_at: Timestamp(0),
                ends_at,
                generator_url: None,
                updated_at: Timestamp(0),
            })
            .collect()
    }

    /// The firing alerts.
    pub(crate) fn firing(&self) -> Vec<Alert> {
        Self::alerts(&self.firing, None)
    }

    /// The resolved alerts.
    pub(crate) fn resolved(&self) -> Vec<Alert> {
        Self::alerts(&self.resolved, Some(Timestamp(1)))
    }
}

pub(crate) fn cases() -> Vec<Case> {
    serde_json::from_str(CORPUS).unwrap()
}

#[test]
fn the_default_texts_match_the_corpus_byte_for_byte() {
    let cases = cases();
    assert!(cases.len() >= 25, "{}", cases.len());
    for case in cases {
        let (firing, resolved) = (case.firing(), case.resolved());
        let f: Vec<&Alert> = firing.iter().collect();
        let r: Vec<&Alert> = resolved.iter().collect();
        let sms = sms_text(&f, &r, &case.group_labels);
        assert_eq!(sms, case.sms, "{}", case.name);
        assert_eq!(text_budget::fit(&sms, 3), case.notify_sms, "{}", case.name);
        assert_eq!(
            voice_text(&f, &case.group_labels),
            case.voice,
            "{}",
            case.name
        );
    }
}

#[test]
fn receivers_without_templates_say_the_corpus_texts() {
    use super::{AlertGroup, Templates};
    use crate::config::templates::{Owner, TextKind};
    let templates = Templates::default();
    for case in cases() {
        let (firing, resolved) = (case.firing(), case.resolved());
        let f: Vec<&Alert> = firing.iter().collect();
        let r: Vec<&Alert> = resolved.iter().collect();
        let group = AlertGroup {
            receiver: "oncall",
            group_key: "{}",
            group_labels: &case.group_labels,
            firing: &f,
            resolved: &r,
        };
        let owner = Owner::Receiver("oncall");
        let sms = templates.render(owner, TextKind::Sms, &group, None);
        assert_eq!(text_budget::fit(&sms, 3), case.notify_sms, "{}", case.name);
        let voice_group = AlertGroup {
            resolved: &[],
            ..group
        };
        let voice = templates.render(owner, TextKind::Voice, &voice_group, None);
        assert_eq!(voice, case.voice, "{}", case.name);
    }
}
