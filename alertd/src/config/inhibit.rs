//! `[[inhibit_rules]]`: Alertmanager's inhibition rules (`source_matchers`,
//! `target_matchers`, `equal`), their validation, and the compiled rules.

use serde::Deserialize;

use super::{Config, ConfigError, invalid};
use crate::domain::inhibit::InhibitRule;
use crate::domain::matchers::Matcher;

/// `[[inhibit_rules]]`: while a firing alert matches `source_matchers`, alerts matching
/// `target_matchers` with the same values of the `equal` labels are muted.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InhibitRuleConfig {
    /// Matchers (Alertmanager syntax) an inhibiting alert satisfies.
    pub(crate) source_matchers: Vec<String>,
    /// Matchers an inhibited alert satisfies.
    pub(crate) target_matchers: Vec<String>,
    /// Labels whose values the two must share.
    #[serde(default)]
    pub(crate) equal: Vec<String>,
}

fn matchers(list: &[String], field: &'static str) -> Result<Vec<Matcher>, ConfigError> {
    if list.is_empty() {
        return Err(invalid(
            field,
            "is empty: it would match every alert; give at least one matcher".into(),
        ));
    }
    list.iter()
        .map(|m| Matcher::parse(m).map_err(|e| invalid(field, format!("{m:?}: {e}"))))
        .collect()
}

/// The compiled `[[inhibit_rules]]` of `cfg`; a bad matcher or label name is an error naming
/// the key.
pub(crate) fn build(cfg: &Config) -> Result<Vec<InhibitRule>, ConfigError> {
    cfg.inhibit_rules
        .iter()
        .map(|r| {
            let source = matchers(&r.source_matchers, "inhibit_rules.source_matchers")?;
            let target = matchers(&r.target_matchers, "inhibit_rules.target_matchers")?;
            if let Some(bad) = r.equal.iter().find(|n| {
                n.is_empty()
                    || n.starts_with(|c: char| c.is_ascii_digit())
                    || !n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
            }) {
                return Err(invalid(
                    "inhibit_rules.equal",
                    format!("{bad:?} is not a label name ([a-zA-Z_][a-zA-Z0-9_]*)"),
                ));
            }
            Ok(InhibitRule::new(source, target, r.equal.clone()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(rule: &str) -> Result<Config, ConfigError> {
        Config::parse(&format!(
            "[[inhibit_rules]]\n{rule}\n[[receivers]]\nname=\"a\"\n[route]\nreceiver=\"a\"\n"
        ))
    }

    #[test]
    fn rules_parse() {
        let cfg = with(
            "source_matchers = ['alertname=\"SiteDown\"']\ntarget_matchers = ['kind=~\"sensor|meter\"']\nequal = [\"site\"]",
        )
        .unwrap();
        let rules = build(&cfg).unwrap();
        assert_eq!(rules[0].equal, ["site"]);
    }

    #[test]
    fn mistakes_are_refused_naming_the_key() {
        for (rule, field) in [
            (
                "source_matchers = []\ntarget_matchers = ['a=\"b\"']",
                "inhibit_rules.source_matchers",
            ),
            (
                "source_matchers = ['a=\"b\"']\ntarget_matchers = ['a=~\"(\"']",
                "inhibit_rules.target_matchers",
            ),
            (
                "source_matchers = ['a=\"b\"']\ntarget_matchers = ['c=\"d\"']\nequal = [\"si-te\"]",
                "inhibit_rules.equal",
            ),
        ] {
            match with(rule) {
                Err(ConfigError::Invalid { field: f, .. }) => assert_eq!(f, field, "{rule}"),
                other => panic!("{rule}: {other:?}"),
            }
        }
        assert!(matches!(
            with("source_matchers = ['a=\"b\"']\ntarget_matchers = ['c=\"d\"']\nsource_match = {}"),
            Err(ConfigError::Parse { .. })
        ));
    }
}
