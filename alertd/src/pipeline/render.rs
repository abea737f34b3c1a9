//! Notification text: one SMS per group (batched), one spoken text per call, written by
//! minijinja templates: alertd's defaults (the files in `render/templates/`, built into the
//! binary), or a receiver's or an escalation policy's own (`sms_template`, `voice_template`).
//! Every template is compiled once, when alertd starts. One that fails while rendering (a
//! filter refusing a label value, an empty text) is logged and counted
//! (`alertd_template_failures_total`), and the default text goes out instead: a template never
//! drops a notification.

mod context;
#[cfg(test)]
pub(crate) mod corpus;
mod filters;

use std::collections::BTreeMap;
use std::sync::{Arc, LazyLock};

use minijinja::{Environment, ErrorKind};

pub(crate) use self::context::{AlertGroup, EscalationStep};
use crate::config::templates::{self, Owner, TextKind};
use crate::config::{Config, ConfigError};
use crate::domain::alert::{Alert, LabelSet};
use crate::domain::text_safety;
use crate::metrics::Metrics;

/// The default templates, by the names they are compiled under.
const DEFAULTS: [(&str, &str); 3] = [
    ("default/macros", include_str!("render/templates/macros.j2")),
    ("default/sms", include_str!("render/templates/sms.j2")),
    ("default/voice", include_str!("render/templates/voice.j2")),
];

/// Longest text a call says (its inline TwiML says it twice and must stay under Twilio's
/// 4000 characters).
pub(crate) const MAX_SPEECH_CHARS: usize = 900;

/// `text` cut to [`MAX_SPEECH_CHARS`] at a word boundary.
pub(crate) fn cut_speech(text: &str) -> String {
    if text.chars().count() <= MAX_SPEECH_CHARS {
        return text.to_owned();
    }
    let cut: String = text.chars().take(MAX_SPEECH_CHARS).collect();
    match cut.rfind(' ') {
        Some(i) => cut.get(..i).unwrap_or(&cut).to_owned(),
        None => cut,
    }
}

/// The compiled templates: the defaults and every configured one.
pub(crate) struct Templates {
    env: Environment<'static>,
    /// The configured templates' names (`receiver/<name>/sms`, ...) and config keys.
    configured: BTreeMap<String, &'static str>,
    /// `externalURL` in the context (`[server] public_url`).
    external_url: String,
    /// Where failures are counted (none for previews and the doc functions).
    metrics: Option<Arc<Metrics>>,
}

impl std::fmt::Debug for Templates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Templates")
            .field("configured", &self.configured)
            .field("external_url", &self.external_url)
            .finish_non_exhaustive()
    }
}

impl PartialEq for Templates {
    fn eq(&self, other: &Self) -> bool {
        self.configured == other.configured && self.external_url == other.external_url
    }
}

impl Eq for Templates {}

impl Default for Templates {
    /// The defaults alone.
    fn default() -> Self {
        Self {
            env: default_environment(),
            configured: BTreeMap::new(),
            external_url: String::new(),
            metrics: None,
        }
    }
}

/// The environment with the filters and the default templates.
fn default_environment() -> Environment<'static> {
    let mut env = templates::environment();
    filters::register(&mut env);
    for (name, source) in DEFAULTS {
        if let Err(e) = env.add_template(name, source) {
            // The corpus test renders every default: this is unreachable in a tested build.
            tracing::error!(template = name, "default template does not compile: {e}");
        }
    }
    env
}

/// The defaults, compiled once for [`sms_text`] and [`voice_text`].
static DEFAULT_TEMPLATES: LazyLock<Templates> = LazyLock::new(Templates::default);

impl Templates {
    /// The defaults and `cfg`'s templates (files read), compiled; failures are counted in
    /// `metrics`.
    pub(crate) fn from_config(
        cfg: &Config,
        metrics: Option<Arc<Metrics>>,
    ) -> Result<Self, ConfigError> {
        let mut env = default_environment();
        let mut configured = BTreeMap::new();
        for (owner, template) in templates::sources(cfg)? {
            templates::compile(&mut env, owner, &template)?;
            configured.insert(template.name, template.key);
        }
        Ok(Self {
            env,
            configured,
            external_url: cfg.server.public_url.clone().unwrap_or_default(),
            metrics,
        })
    }

    /// The key `owner`'s own `kind` template was configured with, if it has one.
    pub(crate) fn configured_key(&self, owner: Owner<'_>, kind: TextKind) -> Option<&'static str> {
        self.configured.get(&owner.template_name(kind)).copied()
    }

    /// Renders the template `name`: trailing line breaks dropped, control characters other
    /// than line breaks and bidi controls removed; an empty text is a failure.
    fn try_render(&self, name: &str, ctx: &minijinja::Value) -> Result<String, minijinja::Error> {
        let text = self.env.get_template(name)?.render(ctx)?;
        let text = text.trim_end_matches(['\n', '\r']);
        if text.trim().is_empty() {
            return Err(minijinja::Error::new(
                ErrorKind::InvalidOperation,
                "the template rendered an empty text",
            ));
        }
        Ok(text_safety::message_text(text).into_owned())
    }

    /// Renders `owner`'s `kind` template strictly: its text, or where and why it failed.
    pub(crate) fn render_strict(
        &self,
        owner: Owner<'_>,
        kind: TextKind,
        group: &AlertGroup<'_>,
        step: Option<&EscalationStep<'_>>,
    ) -> Result<String, String> {
        let ctx = context::context(group, step, &self.external_url);
        let name = self.name_for(owner, kind);
        self.try_render(&name, &ctx)
            .map(|text| self.finish(owner, kind, text))
            .map_err(|e| templates::describe_error(&e))
    }

    fn name_for(&self, owner: Owner<'_>, kind: TextKind) -> String {
        let own = owner.template_name(kind);
        if self.configured.contains_key(&own) {
            own
        } else {
            format!("default/{}", kind.as_str())
        }
    }

    /// A configured call text is cut to what a call may say.
    fn finish(&self, owner: Owner<'_>, kind: TextKind, text: String) -> String {
        if kind == TextKind::Voice && self.configured_key(owner, kind).is_some() {
            cut_speech(&text)
        } else {
            text
        }
    }

    /// Renders `owner`'s `kind` text; a configured template that fails is logged and counted
    /// and the default text is rendered instead.
    pub(crate) fn render(
        &self,
        owner: Owner<'_>,
        kind: TextKind,
        group: &AlertGroup<'_>,
        step: Option<&EscalationStep<'_>>,
    ) -> String {
        let ctx = context::context(group, step, &self.external_url);
        let own = owner.template_name(kind);
        if self.configured.contains_key(&own) {
            match self.try_render(&own, &ctx) {
                Ok(text) => return self.finish(owner, kind, text),
                Err(e) => self.failed(&own, &e),
            }
        }
        let default = format!("default/{}", kind.as_str());
        self.try_render(&default, &ctx).unwrap_or_else(|e| {
            self.failed(&default, &e);
            format!(
                "alertd: {} firing, {} resolved",
                group.firing.len(),
                group.resolved.len()
            )
        })
    }

    fn failed(&self, name: &str, e: &minijinja::Error) {
        tracing::warn!(
            template = name,
            "template failed, sending the default text instead: {}",
            templates::describe_error(e)
        );
        if let Some(m) = &self.metrics {
            m.template_failed(name);
        }
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
    default_text(TextKind::Sms, firing, resolved, group_labels)
}

/// What a call says: short sentences, no symbols a speech engine would read out.
pub fn voice_text(firing: &[&Alert], group_labels: &crate::domain::alert::LabelSet) -> String {
    default_text(TextKind::Voice, firing, &[], group_labels)
}

/// The default template's text for a group.
fn default_text(
    kind: TextKind,
    firing: &[&Alert],
    resolved: &[&Alert],
    group_labels: &LabelSet,
) -> String {
    let group = AlertGroup {
        receiver: "",
        group_key: "",
        group_labels,
        firing,
        resolved,
    };
    DEFAULT_TEMPLATES.render(Owner::Receiver(""), kind, &group, None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::alert::LabelSet;
    use crate::domain::time::Timestamp;
    use crate::store::StoreStats;

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

    fn templates(receiver_keys: &str) -> (Templates, Arc<Metrics>) {
        let cfg = Config::parse(&format!(
            "[server]\npublic_url = \"https://alerts.example.com\"\n[[receivers]]\nname = \"oncall\"\n{receiver_keys}\n[route]\nreceiver = \"oncall\"\n"
        ))
        .unwrap();
        let metrics = Arc::new(Metrics::default());
        (
            Templates::from_config(&cfg, Some(metrics.clone())).unwrap(),
            metrics,
        )
    }

    fn hot(room: &str, ends_at: Option<i64>) -> Alert {
        Alert {
            labels: [
                ("alertname".into(), "Hot".into()),
                ("room".into(), room.into()),
                ("severity".into(), "critical".into()),
            ]
            .into(),
            annotations: [("summary".into(), format!("room {room} at 31C"))].into(),
            starts_at: Timestamp(0),
            ends_at: ends_at.map(Timestamp),
            generator_url: Some("http://prometheus:9090/graph".into()),
            updated_at: Timestamp(0),
        }
    }

    #[test]
    fn templates_see_the_group_its_alerts_and_the_escalation() {
        let (t, metrics) = templates(concat!(
            "sms_template = \"\"\"\n",
            "{{ status }} {{ receiver }} {{ groupKey }} {{ externalURL }}\n",
            "{{ groupLabels }} {{ commonLabels }} {{ commonAnnotations }}\n",
            "{{ alerts | length }} {{ firingCount }} {{ resolvedCount }} {{ firing | length }} {{ resolved | length }}\n",
            "{% for a in alerts %}\n",
            "{{ a.status }} {{ a.labels.room }} {{ a.annotations.summary }} {{ a.startsAt }} {{ a.endsAt }} {{ a.generatorURL }} {{ a.fingerprint | length }}\n",
            "{% endfor %}\n",
            "{{ shortId is defined }}\n",
            "\"\"\"\n"
        ));
        let (a, b) = (hot("1", None), hot("2", Some(5)));
        let group_labels: LabelSet = [("alertname".into(), "Hot".into())].into();
        let group = AlertGroup {
            receiver: "oncall",
            group_key: "{}:{alertname=\"Hot\"}",
            group_labels: &group_labels,
            firing: &[&a],
            resolved: &[&b],
        };
        let text = t.render(Owner::Receiver("oncall"), TextKind::Sms, &group, None);
        assert_eq!(
            text,
            "firing oncall {}:{alertname=\"Hot\"} https://alerts.example.com\n\
             {\"alertname\": \"Hot\"} {\"alertname\": \"Hot\", \"severity\": \"critical\"} {}\n\
             2 1 1 1 1\n\
             firing 1 room 1 at 31C 1970-01-01T00:00:00.000Z  http://prometheus:9090/graph 16\n\
             resolved 2 room 2 at 31C 1970-01-01T00:00:00.000Z 1970-01-01T00:00:00.005Z http://prometheus:9090/graph 16\n\
             False"
        );
        assert!(
            !metrics
                .render(&StoreStats::default())
                .contains("alertd_template_failures_total{")
        );
        let step = EscalationStep {
            short_id: "4F7KQ",
            policy: "critical",
            step: 2,
            pass: 3,
        };
        let (t, _) =
            templates("voice_template = \"{{ shortId }} {{ policy }} {{ step }} {{ pass }}\"");
        let said = t.render(
            Owner::Receiver("oncall"),
            TextKind::Voice,
            &group,
            Some(&step),
        );
        assert_eq!(said, "4F7KQ critical 2 3");
    }

    #[test]
    fn a_template_that_fails_sends_the_default_text_and_is_counted() {
        let (t, metrics) = templates(
            "sms_template = \"Room {{ firing[0].labels.room | int + 1 }}\"\nvoice_template = \"{% if false %}x{% endif %}\"",
        );
        let a = hot("1", None);
        let group = AlertGroup {
            receiver: "oncall",
            group_key: "{}",
            group_labels: &LabelSet::new(),
            firing: &[&a],
            resolved: &[],
        };
        let owner = Owner::Receiver("oncall");
        assert_eq!(t.render(owner, TextKind::Sms, &group, None), "Room 2");
        let b = hot("two", None);
        let failing = AlertGroup {
            firing: &[&b],
            ..group
        };
        assert_eq!(
            t.render(owner, TextKind::Sms, &failing, None),
            sms_text(&[&b], &[], &LabelSet::new()),
            "the default text instead"
        );
        assert_eq!(
            t.render(owner, TextKind::Voice, &group, None),
            voice_text(&[&a], &LabelSet::new()),
            "an empty text is a failure too"
        );
        let text = metrics.render(&StoreStats::default());
        assert!(
            text.contains("alertd_template_failures_total{template=\"receiver/oncall/sms\"} 1"),
            "{text}"
        );
        assert!(
            text.contains("alertd_template_failures_total{template=\"receiver/oncall/voice\"} 1"),
            "{text}"
        );
        let strict = t.render_strict(owner, TextKind::Sms, &failing, None);
        assert!(
            strict
                .as_ref()
                .is_err_and(|e| e.starts_with("line 1: invalid operation")),
            "{strict:?}"
        );
    }

    #[test]
    fn template_text_cannot_carry_control_characters_and_calls_stay_short() {
        let (t, _) = templates(
            "sms_template = \"{{ firing[0].labels.room }}\\n\\n\"\nvoice_template = \"{% for i in range(400) %}word {% endfor %}\"",
        );
        let a = hot("2\u{0}\u{202E}x\r\ny", None);
        let group = AlertGroup {
            receiver: "oncall",
            group_key: "{}",
            group_labels: &LabelSet::new(),
            firing: &[&a],
            resolved: &[],
        };
        let owner = Owner::Receiver("oncall");
        assert_eq!(t.render(owner, TextKind::Sms, &group, None), "2x\ny");
        let said = t.render(owner, TextKind::Voice, &group, None);
        assert!(said.chars().count() <= MAX_SPEECH_CHARS, "{}", said.len());
        assert!(said.ends_with("word"), "cut at a word: {said:?}");
    }
}
