//! A price stream's rules applied to one tick: the evaluators' events as alerts. No IO; the
//! time comes in with each tick.

use twilio_core::alerting::{AlertEvent, Instant};

use crate::config::streams::{PriceStreamConfig, Rules};
use crate::domain::alert::{Alert, LabelSet};
use crate::domain::time::Timestamp;

/// The rules of one stream and the labels of its alerts.
#[derive(Debug, Clone)]
pub(crate) struct PriceRules {
    rules: Rules,
    labels: LabelSet,
    above: Option<f64>,
    below: Option<f64>,
    window: String,
}

impl PriceRules {
    /// The rules `cfg` describes (validated with the config).
    pub(crate) fn new(cfg: &PriceStreamConfig) -> Result<Self, twilio_core::alerting::ConfigError> {
        let mut labels: LabelSet = cfg.labels.clone().into_iter().collect();
        labels.insert("ticker".into(), cfg.name.clone());
        labels.insert("source".into(), "price_stream".into());
        labels.insert("severity".into(), cfg.severity.clone());
        Ok(Self {
            rules: cfg.rules()?,
            labels,
            above: cfg.above,
            below: cfg.below,
            window: humantime::format_duration(cfg.window).to_string(),
        })
    }

    /// Applies every rule to `price` at `now`: an alert per rule that fired or cleared.
    pub(crate) fn observe(&mut self, price: f64, now: Timestamp) -> Vec<Alert> {
        let at = Instant(u64::try_from(now.0).unwrap_or(0));
        let mut out = Vec::new();
        let ticker = &self.labels["ticker"];
        // Summaries are written only for the rare tick that fires or clears.
        if let (Some(e), Some(level)) = (self.rules.above.as_mut(), self.above)
            && let Some(event) = e.observe(price, at)
        {
            let summary = format!("{ticker} at {price}, above {level}");
            out.push(self.alert(event, "PriceAbove", summary, now));
        }
        if let (Some(e), Some(level)) = (self.rules.below.as_mut(), self.below)
            && let Some(event) = e.observe(price, at)
        {
            let summary = format!("{ticker} at {price}, below {level}");
            out.push(self.alert(event, "PriceBelow", summary, now));
        }
        if let Some(m) = self.rules.moves.as_mut()
            && let Some(event) = m.observe(price, at)
        {
            let summary = format!(
                "{ticker} moved {:+.2}% within {} (to {price})",
                m.last_move(),
                self.window
            );
            out.push(self.alert(event, "PriceMove", summary, now));
        }
        out
    }

    fn alert(
        &self,
        event: AlertEvent<f64>,
        alertname: &str,
        summary: String,
        now: Timestamp,
    ) -> Alert {
        let mut labels = self.labels.clone();
        labels.insert("alertname".into(), alertname.into());
        let mut annotations = LabelSet::new();
        let ends_at = match event {
            AlertEvent::Raised { .. } => {
                annotations.insert("summary".into(), summary);
                None
            }
            AlertEvent::Cleared { .. } => Some(now),
        };
        Alert {
            labels,
            annotations,
            starts_at: now,
            ends_at,
            generator_url: None,
            updated_at: now,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(extra: &str) -> PriceRules {
        let cfg: PriceStreamConfig = toml::from_str(&format!(
            "name = \"BTCUSD\"\nurl = \"wss://feed.example/ws\"\nprice_pointer = \"/c\"\n{extra}"
        ))
        .unwrap();
        PriceRules::new(&cfg).unwrap()
    }

    #[test]
    fn one_alert_per_crossing_and_one_resolution_with_hysteresis() {
        let mut r = rules("above = 100.0\nhysteresis = 1.0\n");
        assert!(r.observe(99.0, Timestamp(0)).is_empty());
        let fired = r.observe(100.5, Timestamp(1_000));
        assert_eq!(fired.len(), 1);
        assert_eq!(fired[0].labels["alertname"], "PriceAbove");
        assert_eq!(
            fired[0].annotations["summary"],
            "BTCUSD at 100.5, above 100"
        );
        assert!(r.observe(101.0, Timestamp(2_000)).is_empty(), "still above");
        assert!(
            r.observe(99.5, Timestamp(3_000)).is_empty(),
            "within hysteresis"
        );
        let cleared = r.observe(98.9, Timestamp(4_000));
        assert_eq!(cleared[0].ends_at, Some(Timestamp(4_000)));
    }

    #[test]
    fn a_move_within_the_window_fires_with_its_sign() {
        let mut r = rules("percent = 2.0\nwindow = \"1m\"\nbelow = 50.0\n");
        assert!(r.observe(100.0, Timestamp(0)).is_empty());
        let fired = r.observe(97.5, Timestamp(30_000));
        assert_eq!(fired.len(), 1);
        assert_eq!(fired[0].labels["alertname"], "PriceMove");
        assert_eq!(
            fired[0].annotations["summary"],
            "BTCUSD moved -2.50% within 1m (to 97.5)"
        );
    }
}
