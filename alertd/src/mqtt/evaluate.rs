//! The evaluation stage: topic -> evaluator (one per concrete topic, so one per device) ->
//! firing/resolved alerts. No IO; time comes in with each reading.
//!
//! Topics are whatever publishers make up, so the evaluators are bounded: at most
//! `max_topics`, and a new topic beyond that takes the place of the least recently seen one.

use std::collections::{BTreeMap, HashMap};
use std::num::NonZeroUsize;
use std::sync::Arc;

use twilio_core::alerting::{AlertEvent, Evaluator, Instant, PercentMove, Severity};

use super::payload::{self, PayloadError};
use crate::config::mqtt::{
    DEFAULT_MAX_TOPICS, MAX_READING_BYTES, TopicConfig, TopicConfigError, TopicRules,
};
use crate::config::streams::MOVE_BUCKETS;
use crate::domain::alert::{Alert, LabelSet};
use crate::domain::mqtt_topic as topic;
use crate::domain::time::Timestamp;

/// Why a message produced no evaluation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReadingError {
    /// No configured filter matches the topic.
    #[error("no [[mqtt.topics]] filter matches topic {topic:?}")]
    UnknownTopic {
        /// The topic.
        topic: String,
    },
    /// The payload is not a reading.
    #[error("topic {topic:?}: {error}")]
    Payload {
        /// The topic.
        topic: String,
        /// Why.
        error: PayloadError,
    },
    /// Topic and payload together are bigger than any reading ([`MAX_READING_BYTES`]).
    #[error(
        "message of {bytes} bytes (topic and payload) on the topic starting {topic_start:?} is \
         not a reading: a reading's message is at most {MAX_READING_BYTES} bytes"
    )]
    Oversized {
        /// The topic's first characters (the whole topic may be most of the message).
        topic_start: String,
        /// Topic and payload bytes.
        bytes: usize,
    },
}

/// How much of an oversized message's topic its error shows.
const TOPIC_START_BYTES: usize = 64;

/// `text` cut to at most `max` bytes, on a character boundary.
fn truncated(text: &str, max: usize) -> &str {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

struct TopicState {
    topic: usize,
    levels: Option<Evaluator<f64>>,
    /// Boxed: most topics have no move rule, and its window is most of the state's size.
    moves: Option<Box<PercentMove<MOVE_BUCKETS>>>,
    /// When it was last seen, as a key of `Readings::by_recency`.
    seen: u64,
}

/// Every topic's evaluators, at most `max_topics` of them.
pub struct Readings {
    topics: Vec<(TopicConfig, TopicRules)>,
    states: HashMap<Arc<str>, TopicState>,
    /// The tracked topics, least recently seen first.
    by_recency: BTreeMap<u64, Arc<str>>,
    /// The next `TopicState::seen`: it ticks with every reading.
    next_seen: u64,
    max_topics: NonZeroUsize,
    evicted: u64,
}

impl Readings {
    /// Validates the topic configs; at most [`DEFAULT_MAX_TOPICS`] concrete topics will have an
    /// evaluator unless [`Readings::with_max_topics`] says otherwise.
    ///
    /// ```
    /// use alertd::config::mqtt::TopicConfig;
    /// use alertd::mqtt::evaluate::Readings;
    /// use alertd::domain::time::Timestamp;
    /// let topic: TopicConfig = toml::from_str(
    ///     "filter = \"boiler/+/temp\"\nalertname = \"BoilerHot\"\nwarning = 90.0\ndevice_level = 2\n",
    /// ).unwrap();
    /// let mut readings = Readings::new(vec![topic]).unwrap();
    /// assert!(readings.observe("boiler/b3/temp", b"80", Timestamp(0)).unwrap().is_empty());
    /// let alerts = readings.observe("boiler/b3/temp", b"91", Timestamp(1_000)).unwrap();
    /// assert_eq!(alerts[0].labels["device"], "b3");
    /// assert_eq!(alerts[0].labels["severity"], "warning");
    /// ```
    pub fn new(topics: Vec<TopicConfig>) -> Result<Self, TopicConfigError> {
        let topics = topics
            .into_iter()
            .map(|t| {
                let rules = t.rules()?;
                Ok((t, rules))
            })
            .collect::<Result<Vec<_>, TopicConfigError>>()?;
        Ok(Self {
            topics,
            states: HashMap::new(),
            by_recency: BTreeMap::new(),
            next_seen: 0,
            max_topics: DEFAULT_MAX_TOPICS,
            evicted: 0,
        })
    }

    /// Keeps at most `max` topics' evaluators.
    #[must_use]
    pub fn with_max_topics(mut self, max: NonZeroUsize) -> Self {
        self.max_topics = max;
        self
    }

    /// The topic filters to subscribe to.
    pub(crate) fn filters(&self) -> impl Iterator<Item = &str> {
        self.topics.iter().map(|(t, _)| t.filter.as_str())
    }

    /// How many concrete topics have an evaluator.
    pub fn tracked(&self) -> usize {
        self.states.len()
    }

    /// How many topics' evaluators were dropped to make room for new topics.
    pub fn evicted(&self) -> u64 {
        self.evicted
    }

    /// The most topics kept.
    pub fn max_topics(&self) -> NonZeroUsize {
        self.max_topics
    }

    /// Evaluates one message; returns the alerts it fires or resolves (usually none). The
    /// evaluator runs on the reading's own timestamp when it has one, else on `now`; the alerts
    /// carry `now` (the gateway's time, which the pipeline's timers use) and the device's time
    /// as the `observed_at` annotation.
    ///
    /// A topic seen for the first time when `max_topics` are tracked takes the place of the
    /// least recently seen one, whose evaluator state (debounce, the alert it raised) is
    /// dropped: its next reading starts afresh.
    pub fn observe(
        &mut self,
        topic_name: &str,
        payload: &[u8],
        now: Timestamp,
    ) -> Result<Vec<Alert>, ReadingError> {
        let bytes = topic_name.len().saturating_add(payload.len());
        if bytes > MAX_READING_BYTES {
            return Err(ReadingError::Oversized {
                topic_start: truncated(topic_name, TOPIC_START_BYTES).to_owned(),
                bytes,
            });
        }
        let reading = payload::parse(payload).map_err(|error| ReadingError::Payload {
            topic: topic_name.into(),
            error,
        })?;
        let at = reading.at.unwrap_or(now);
        let seen = self.next_seen;
        self.next_seen += 1;
        if let Some(state) = self.states.get_mut(topic_name) {
            if let Some(name) = self.by_recency.remove(&state.seen) {
                self.by_recency.insert(seen, name);
            }
            state.seen = seen;
        } else {
            let Some((index, (_, rules))) = self
                .topics
                .iter()
                .enumerate()
                .find(|(_, (t, _))| topic::matches(topic_name, &t.filter))
            else {
                return Err(ReadingError::UnknownTopic {
                    topic: topic_name.into(),
                });
            };
            let (levels, moves) = (rules.levels.clone(), rules.moves.clone().map(Box::new));
            if self.states.len() >= self.max_topics.get() {
                self.evict_least_recently_seen();
            }
            let name: Arc<str> = topic_name.into();
            self.by_recency.insert(seen, name.clone());
            self.states.insert(
                name,
                TopicState {
                    topic: index,
                    levels,
                    moves,
                    seen,
                },
            );
        }
        let Some(state) = self.states.get_mut(topic_name) else {
            return Ok(Vec::new());
        };
        let Some((cfg, _)) = self.topics.get(state.topic) else {
            return Ok(Vec::new());
        };
        let instant = Instant(u64::try_from(at.0).unwrap_or(0));
        let mut alerts = Vec::new();
        if let Some(levels) = state.levels.as_mut() {
            let before = levels.notified();
            if let Some(event) = levels.observe(reading.value, instant) {
                alerts = alerts_for(cfg, topic_name, before, event, now);
            }
        }
        if let Some(moves) = state.moves.as_mut()
            && let Some(event) = moves.observe(reading.value, instant)
        {
            let change = moves.last_move();
            alerts.push(move_alert(
                cfg,
                topic_name,
                event,
                change,
                reading.value,
                now,
            ));
        }
        if reading.at.is_some() {
            for a in &mut alerts {
                a.annotations.insert("observed_at".into(), at.to_rfc3339());
            }
        }
        Ok(alerts)
    }

    fn evict_least_recently_seen(&mut self) {
        if let Some((_, name)) = self.by_recency.pop_first() {
            self.states.remove(&name);
            self.evicted += 1;
        }
    }
}

fn severity_name(s: Severity) -> &'static str {
    match s {
        Severity::Warning => "warning",
        Severity::Critical => "critical",
    }
}

fn labels(cfg: &TopicConfig, topic_name: &str, severity: Severity) -> LabelSet {
    let mut labels = cfg.labels.clone();
    labels.insert("alertname".into(), cfg.alertname.clone());
    labels.insert("severity".into(), severity_name(severity).into());
    labels.insert("topic".into(), topic_name.into());
    if let Some(device) = cfg.device_level.and_then(|l| topic::level(topic_name, l)) {
        labels.insert("device".into(), device.into());
    }
    labels
}

fn alert(
    cfg: &TopicConfig,
    topic_name: &str,
    severity: Severity,
    summary: String,
    value: f64,
    at: Timestamp,
    resolved: bool,
) -> Alert {
    let mut annotations = LabelSet::new();
    annotations.insert("summary".into(), summary);
    annotations.insert("value".into(), value.to_string());
    Alert {
        labels: labels(cfg, topic_name, severity),
        annotations,
        starts_at: at,
        ends_at: resolved.then_some(at),
        generator_url: None,
        updated_at: at,
    }
}

/// The alert of a topic's percent-move rule: labelled `rule = "move"`, so it is not the level
/// alert of the same severity.
fn move_alert(
    cfg: &TopicConfig,
    topic_name: &str,
    event: AlertEvent<f64>,
    change: f64,
    value: f64,
    at: Timestamp,
) -> Alert {
    let unit = cfg.unit.as_deref().unwrap_or("");
    let (severity, text, resolved) = match event {
        AlertEvent::Raised { severity, .. } => {
            let window = humantime::format_duration(cfg.window);
            let text =
                format!("{topic_name} moved {change:+.2}% within {window} (to {value}{unit})");
            (severity, text, false)
        }
        AlertEvent::Cleared { severity, .. } => {
            let text = format!("{topic_name} steady again at {value}{unit}");
            (severity, text, true)
        }
    };
    let mut a = alert(cfg, topic_name, severity, text, value, at, resolved);
    a.labels.insert("rule".into(), "move".into());
    a
}

/// The severity labels are part of an alert's identity, so an escalation from warning to
/// critical resolves the warning alert as it fires the critical one.
fn alerts_for(
    cfg: &TopicConfig,
    topic_name: &str,
    before: Option<Severity>,
    event: AlertEvent<f64>,
    at: Timestamp,
) -> Vec<Alert> {
    let unit = cfg.unit.as_deref().unwrap_or("");
    match event {
        AlertEvent::Raised {
            severity,
            value,
            level,
            ..
        } => {
            let mut out = Vec::with_capacity(2);
            if let Some(previous) = before.filter(|p| *p != severity) {
                let text = format!(
                    "{topic_name} went from {} to {}",
                    severity_name(previous),
                    severity_name(severity)
                );
                out.push(alert(cfg, topic_name, previous, text, value, at, true));
            }
            let text = format!(
                "{topic_name} at {value}{unit} (level {level}{unit}, {})",
                severity_name(severity)
            );
            out.push(alert(cfg, topic_name, severity, text, value, at, false));
            out
        }
        AlertEvent::Cleared {
            severity, value, ..
        } => {
            let text = format!("{topic_name} back to normal at {value}{unit}");
            vec![alert(cfg, topic_name, severity, text, value, at, true)]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn readings(extra: &str) -> Readings {
        let topic: TopicConfig = toml::from_str(&format!(
            "filter = \"sensors/+/temp\"\nalertname = \"Hot\"\nunit = \"C\"\ndevice_level = 2\nwarning = 30.0\ncritical = 40.0\nhysteresis = 2.0\n{extra}"
        ))
        .unwrap();
        Readings::new(vec![topic]).unwrap()
    }

    fn feed(r: &mut Readings, topic: &str, values: &[f64]) -> Vec<Alert> {
        let mut out = Vec::new();
        for (i, v) in values.iter().enumerate() {
            let t = Timestamp(i64::try_from(i).unwrap() * 1000);
            out.extend(r.observe(topic, v.to_string().as_bytes(), t).unwrap());
        }
        out
    }

    #[test]
    fn flapping_is_one_alert_and_one_clear() {
        let mut r = readings("debounce_samples = 2");
        let alerts = feed(
            &mut r,
            "sensors/a/temp",
            &[
                25.0, 30.5, 29.0, 31.0, 32.0, 29.5, 30.2, 29.1, 31.0, 28.5, 30.1, 27.9, 27.0, 25.0,
            ],
        );
        assert_eq!(alerts.len(), 2, "{alerts:?}");
        assert_eq!(alerts[0].ends_at, None);
        assert_eq!(alerts[0].labels["severity"], "warning");
        assert_eq!(
            alerts[0].annotations["summary"],
            "sensors/a/temp at 32C (level 30C, warning)"
        );
        assert!(alerts[1].ends_at.is_some());
        assert_eq!(alerts[0].fingerprint(), alerts[1].fingerprint());
    }

    #[test]
    fn escalation_resolves_the_warning() {
        let mut r = readings("");
        let alerts = feed(&mut r, "sensors/a/temp", &[20.0, 31.0, 41.0, 20.0]);
        let summary: Vec<_> = alerts
            .iter()
            .map(|a| (a.labels["severity"].as_str(), a.ends_at.is_some()))
            .collect();
        assert_eq!(
            summary,
            [
                ("warning", false),
                ("warning", true),
                ("critical", false),
                ("critical", true)
            ]
        );
    }

    #[test]
    fn a_move_within_the_window_fires_once_beside_the_level_alert_and_clears() {
        let mut r = readings("percent = 5.0\nwindow = \"1m\"\npercent_hysteresis = 1.0");
        // 20 -> 21 is a 5% move: the move rule fires; the level (30) is far.
        let alerts = feed(&mut r, "sensors/a/temp", &[20.0, 20.5, 21.0, 21.0]);
        assert_eq!(alerts.len(), 1, "{alerts:?}");
        let moved = &alerts[0];
        assert_eq!(moved.labels["rule"], "move");
        assert_eq!(moved.labels["severity"], "warning");
        assert_eq!(moved.labels["device"], "a");
        assert_eq!(
            moved.annotations["summary"],
            "sensors/a/temp moved +5.00% within 1m (to 21C)"
        );
        // A crossing of the warning level is its own alert, not the move's.
        let level = r
            .observe("sensors/a/temp", b"31", Timestamp(4_000))
            .unwrap();
        assert_eq!(level.len(), 1, "the move alert is still firing: {level:?}");
        assert_eq!(level[0].labels.get("rule"), None);
        assert_ne!(level[0].fingerprint(), moved.fingerprint());
        // Once the window has moved past the low and the price holds, the move alert clears.
        let steady = r
            .observe("sensors/a/temp", b"31", Timestamp(70_000))
            .unwrap();
        assert_eq!(steady.len(), 1, "{steady:?}");
        assert_eq!(steady[0].fingerprint(), moved.fingerprint());
        assert!(steady[0].ends_at.is_some());
    }

    #[test]
    fn a_topic_with_only_a_move_rule_raises_no_level_alerts() {
        let topic: TopicConfig = toml::from_str(
            "filter = \"prices/+\"\nalertname = \"PriceMove\"\npercent = 2.0\nwindow = \"5m\"\n",
        )
        .unwrap();
        let mut r = Readings::new(vec![topic]).unwrap();
        assert!(feed(&mut r, "prices/BTC", &[100.0, 101.0, 100.5]).is_empty());
        let fired = r.observe("prices/BTC", b"97.9", Timestamp(3_000)).unwrap();
        assert_eq!(fired.len(), 1);
        assert_eq!(
            fired[0].annotations["summary"],
            "prices/BTC moved -3.07% within 5m (to 97.9)"
        );
    }

    #[test]
    fn one_evaluator_per_device() {
        let mut r = readings("");
        assert_eq!(feed(&mut r, "sensors/a/temp", &[31.0]).len(), 1);
        let b = feed(&mut r, "sensors/b/temp", &[31.0]);
        assert_eq!(b[0].labels["device"], "b");
        assert_eq!(r.tracked(), 2);
    }

    #[test]
    fn unknown_topics_and_bad_payloads_are_errors() {
        let mut r = readings("");
        assert_eq!(
            r.observe("other/x", b"1", Timestamp(0)),
            Err(ReadingError::UnknownTopic {
                topic: "other/x".into()
            })
        );
        assert!(matches!(
            r.observe("sensors/a/temp", b"warm", Timestamp(0)),
            Err(ReadingError::Payload { .. })
        ));
        assert_eq!(r.tracked(), 0, "a bad payload creates no state");
    }

    #[test]
    fn least_recently_seen_topic_is_evicted_at_the_cap() {
        let mut r = readings("debounce_samples = 2").with_max_topics(NonZeroUsize::new(2).unwrap());
        let mut t = 0;
        let mut observe = |r: &mut Readings, device: &str, value: f64| {
            t += 1000;
            let topic = format!("sensors/{device}/temp");
            r.observe(&topic, value.to_string().as_bytes(), Timestamp(t))
                .unwrap()
        };
        // a and b each have one sample of the two their alert needs; a's second one fires it
        // and makes b the least recently seen.
        assert!(observe(&mut r, "a", 31.0).is_empty());
        assert!(observe(&mut r, "b", 31.0).is_empty());
        assert_eq!(observe(&mut r, "a", 31.0).len(), 1);
        assert_eq!((r.tracked(), r.evicted()), (2, 0));

        // c takes b's place.
        assert!(observe(&mut r, "c", 31.0).is_empty());
        assert_eq!((r.tracked(), r.evicted()), (2, 1));

        // a kept its state: two readings back at normal resolve its alert.
        assert!(observe(&mut r, "a", 20.0).is_empty());
        let cleared = observe(&mut r, "a", 20.0);
        assert_eq!(cleared.len(), 1);
        assert!(cleared[0].ends_at.is_some());

        // b takes the place of c, the least recently seen now, and starts afresh: had it kept
        // its earlier sample, this reading would fire.
        assert!(observe(&mut r, "b", 31.0).is_empty());
        assert_eq!((r.tracked(), r.evicted()), (2, 2));
        assert_eq!(observe(&mut r, "b", 31.0).len(), 1);
        // c too lost its sample when it was evicted.
        assert!(observe(&mut r, "c", 31.0).is_empty());
        assert_eq!((r.tracked(), r.evicted()), (2, 3));
    }

    #[test]
    fn bad_and_oversized_messages_create_no_state() {
        let mut r = readings("").with_max_topics(NonZeroUsize::MIN);
        assert_eq!(feed(&mut r, "sensors/a/temp", &[31.0]).len(), 1);
        let long_topic = format!("sensors/{}/temp", "x".repeat(MAX_READING_BYTES));
        assert!(matches!(
            r.observe(&long_topic, b"31", Timestamp(0)),
            Err(ReadingError::Oversized { .. })
        ));
        let big_payload = " ".repeat(MAX_READING_BYTES) + "31";
        let err = r
            .observe("sensors/b/temp", big_payload.as_bytes(), Timestamp(0))
            .unwrap_err();
        assert_eq!(
            err,
            ReadingError::Oversized {
                topic_start: "sensors/b/temp".into(),
                bytes: MAX_READING_BYTES + 16
            }
        );
        assert!(r.observe("sensors/c/temp", b"hot", Timestamp(0)).is_err());
        assert_eq!(
            (r.tracked(), r.evicted()),
            (1, 0),
            "a is still the one topic"
        );
        // The largest message that can be a reading still is one.
        let padded = format!("{:>1$}", 31, MAX_READING_BYTES - "sensors/d/temp".len());
        assert!(
            r.observe("sensors/d/temp", padded.as_bytes(), Timestamp(0))
                .is_ok()
        );
        assert_eq!((r.tracked(), r.evicted()), (1, 1));
    }

    #[test]
    fn oversized_error_shows_the_start_of_the_topic() {
        let topic = format!("sensors/{}/temp", "é".repeat(600));
        let err = readings("")
            .observe(&topic, b"1", Timestamp(0))
            .unwrap_err()
            .to_string();
        let start = format!("starting \"sensors/{}\" is", "é".repeat(28));
        assert!(err.contains(&start), "{err}");
        assert!(err.len() < 200, "{err}");
    }

    #[test]
    fn bad_topic_configs_refused() {
        let bad = |extra: &str| {
            let t: TopicConfig =
                toml::from_str(&format!("filter = \"a/b\"\nalertname = \"X\"\n{extra}")).unwrap();
            Readings::new(vec![t]).err()
        };
        assert!(matches!(
            bad("warning = 1.0\ndirection = \"up\""),
            Some(TopicConfigError::Direction { .. })
        ));
        assert!(matches!(bad(""), Some(TopicConfigError::NoRule { .. })));
        for percent in ["0.0", "-3.0", "nan"] {
            assert!(matches!(
                bad(&format!("percent = {percent}")),
                Some(TopicConfigError::Percent { .. })
            ));
        }
        assert!(matches!(
            bad("percent = 2.0\nwindow = \"0s\""),
            Some(TopicConfigError::Thresholds { .. })
        ));
        assert!(matches!(
            bad("warning = 1.0\ndevice_level = 0"),
            Some(TopicConfigError::DeviceLevel { .. })
        ));
        assert!(matches!(
            bad("warning = 5.0\ncritical = 1.0"),
            Some(TopicConfigError::Thresholds { .. })
        ));
    }
}
