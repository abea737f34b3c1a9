//! What `alertd check-config` shows of the notification templates: each receiver's and each
//! escalation policy's texts (their own templates or the defaults) rendered against a sample
//! group, as they would be sent: the SMS fitted to the segment budget (a step SMS with its
//! ACK line), with its segments, encoding and cost; the call text.

use crate::config::templates::{Owner, TextKind};
use crate::config::{Config, ConfigError};
use crate::domain::alert::{Alert, LabelSet};
use crate::domain::channel::Channel;
use crate::domain::text_budget::{self, SegmentCount};
use crate::domain::time::Timestamp;
use crate::escalation::text;
use crate::pipeline::render::{AlertGroup, EscalationStep, Templates};

/// The escalation id the sample step SMS names.
const SAMPLE_SHORT_ID: &str = "4F7KQ";

/// One text rendered against the sample group.
#[derive(Debug, Clone, PartialEq)]
pub struct Preview {
    /// Whose text: `receiver "oncall"` or `escalation policy "critical"`.
    pub owner: String,
    /// SMS or call.
    pub channel: Channel,
    /// The key of its own template, or `default`.
    pub template: &'static str,
    /// The text as it would be sent, or where and why the template failed.
    pub text: Result<String, String>,
    /// An SMS's segments and encoding.
    pub segments: Option<SegmentCount>,
    /// An SMS's cost (USD) at `[twilio] sms_segment_price`.
    pub cost_usd: Option<f64>,
}

/// How the sample group is described in the output.
pub const SAMPLE: &str = "a sample group: BoilerOverTemp (critical) by alertname, 2 firing (boiler-3, boiler-4), 1 resolved (boiler-1)";

fn sample_alert(room: &str, summary: &str, resolved: bool) -> Alert {
    let labels: LabelSet = [
        ("alertname", "BoilerOverTemp"),
        ("severity", "critical"),
        ("site", "plant-1"),
        ("room", room),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    Alert {
        labels,
        annotations: [
            ("summary".to_owned(), summary.to_owned()),
            ("value".to_owned(), "92.5".to_owned()),
        ]
        .into(),
        starts_at: Timestamp(1_767_268_800_000),
        ends_at: resolved.then_some(Timestamp(1_767_269_400_000)),
        generator_url: Some("http://prometheus.example:9090/graph?g0.expr=boiler_temp".to_owned()),
        updated_at: Timestamp(1_767_268_800_000),
    }
}

/// Every receiver's and escalation policy's texts for [`SAMPLE`].
///
/// ```
/// use alertd::app::preview::previews;
/// use alertd::config::Config;
/// let cfg = Config::parse("[[receivers]]\nname = \"r\"\nsms_template = \"{{ firingCount }} firing\"\n[route]\nreceiver = \"r\"\n").unwrap();
/// let shown = previews(&cfg).unwrap();
/// assert_eq!(shown[0].text.as_deref(), Ok("2 firing"));
/// assert_eq!(shown[0].segments.unwrap().segments, 1);
/// assert_eq!(shown[1].template, "default");
/// ```
pub fn previews(cfg: &Config) -> Result<Vec<Preview>, ConfigError> {
    let templates = Templates::from_config(cfg, None)?;
    let firing = [
        sample_alert("boiler-3", "boiler-3 at 92.5C", false),
        sample_alert("boiler-4", "boiler-4 at 95.1C", false),
    ];
    let resolved = [sample_alert("boiler-1", "boiler-1 back at 80C", true)];
    let firing: Vec<&Alert> = firing.iter().collect();
    let resolved: Vec<&Alert> = resolved.iter().collect();
    let group_labels: LabelSet = [("alertname".to_owned(), "BoilerOverTemp".to_owned())].into();
    let budget = cfg.twilio.segment_budget;
    let price = cfg.twilio.sms_segment_price;
    let mut out = Vec::new();
    let mut push = |owner: Owner<'_>, kind: TextKind, text: Result<String, String>| {
        let channel = match kind {
            TextKind::Sms => Channel::Sms,
            TextKind::Voice => Channel::Voice,
        };
        let segments = match (&text, kind) {
            (Ok(t), TextKind::Sms) => Some(text_budget::count(t)),
            _ => None,
        };
        #[allow(clippy::cast_precision_loss)] // a handful of segments
        let cost_usd = segments.map(|s| s.segments as f64 * price);
        out.push(Preview {
            owner: owner.describe(),
            channel,
            template: templates.configured_key(owner, kind).unwrap_or("default"),
            text,
            segments,
            cost_usd,
        });
    };
    for r in &cfg.receivers {
        let owner = Owner::Receiver(&r.name);
        let group = AlertGroup {
            receiver: &r.name,
            group_key: "{}:{alertname=\"BoilerOverTemp\"}",
            group_labels: &group_labels,
            firing: &firing,
            resolved: if r.send_resolved { &resolved } else { &[] },
        };
        let sms = templates.render_strict(owner, TextKind::Sms, &group, None);
        push(
            owner,
            TextKind::Sms,
            sms.map(|t| text_budget::fit(&t, budget)),
        );
        let voice = templates.render_strict(owner, TextKind::Voice, &group, None);
        push(owner, TextKind::Voice, voice);
    }
    for p in &cfg.escalations {
        let owner = Owner::Escalation(&p.name);
        let group = AlertGroup {
            receiver: "",
            group_key: "{}:{alertname=\"BoilerOverTemp\"}",
            group_labels: &LabelSet::new(),
            firing: &firing,
            resolved: &[],
        };
        let step = EscalationStep {
            short_id: SAMPLE_SHORT_ID,
            policy: &p.name,
            step: 1,
            pass: 1,
        };
        let sms = templates.render_strict(owner, TextKind::Sms, &group, Some(&step));
        push(
            owner,
            TextKind::Sms,
            sms.map(|t| text::step_sms(SAMPLE_SHORT_ID, &t, budget)),
        );
        let voice = templates.render_strict(owner, TextKind::Voice, &group, Some(&step));
        push(owner, TextKind::Voice, voice.map(|t| text::speech(&t)));
    }
    Ok(out)
}
