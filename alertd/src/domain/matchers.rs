//! Label matchers in Alertmanager's syntax: `name="value"`, `name!="v"`, `name=~"re"`, `name!~"re"`.

use regex::Regex;
use serde::{Deserialize, Serialize};

use super::alert::LabelSet;

/// A matcher that could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MatcherError {
    /// No `=`, `!=`, `=~` or `!~` between a label name and a value.
    #[error("expected name=\"value\", name!=\"value\", name=~\"regex\" or name!~\"regex\"")]
    NoOperator,
    /// The label name is empty or has characters other than `[a-zA-Z0-9_]`.
    #[error("label name {0:?} must match [a-zA-Z_][a-zA-Z0-9_]*")]
    BadName(String),
    /// The regular expression does not compile.
    #[error("bad regular expression: {0}")]
    BadRegex(String),
    /// A `{` without its `}`, or a quote without its closing quote.
    #[error("unbalanced braces or quotes")]
    Unbalanced,
}

/// How a matcher compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchOp {
    /// `=`
    Equal,
    /// `!=`
    NotEqual,
    /// `=~` (anchored, as in Alertmanager)
    Regex,
    /// `!~`
    NotRegex,
}

/// One label matcher.
#[derive(Debug, Clone)]
pub struct Matcher {
    /// Label name.
    pub(crate) name: String,
    /// Comparison.
    pub(crate) op: MatchOp,
    /// Value or pattern as written.
    pub(crate) value: String,
    regex: Option<Regex>,
}

impl PartialEq for Matcher {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name && self.op == other.op && self.value == other.value
    }
}

impl Matcher {
    /// Builds a matcher from parts.
    pub(crate) fn new(name: &str, op: MatchOp, value: &str) -> Result<Self, MatcherError> {
        let valid_name = !name.is_empty()
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
            && !name.starts_with(|c: char| c.is_ascii_digit());
        if !valid_name {
            return Err(MatcherError::BadName(name.to_owned()));
        }
        let regex = match op {
            MatchOp::Regex | MatchOp::NotRegex => Some(
                Regex::new(&format!("^(?:{value})$"))
                    .map_err(|e| MatcherError::BadRegex(e.to_string()))?,
            ),
            MatchOp::Equal | MatchOp::NotEqual => None,
        };
        Ok(Self {
            name: name.to_owned(),
            op,
            value: value.to_owned(),
            regex,
        })
    }

    /// Parses `severity="critical"` (quotes optional).
    ///
    /// ```
    /// use alertd::domain::matchers::Matcher;
    /// let m = Matcher::parse(r#"env=~"prod|staging""#).unwrap();
    /// let mut labels = alertd::domain::alert::LabelSet::new();
    /// labels.insert("env".into(), "prod".into());
    /// assert!(m.matches(&labels));
    /// ```
    pub fn parse(text: &str) -> Result<Self, MatcherError> {
        let text = text.trim();
        let (pos, op, len) = ["!=", "=~", "!~", "="]
            .iter()
            .filter_map(|op| text.find(op).map(|p| (p, *op)))
            .min_by_key(|(p, op)| (*p, std::cmp::Reverse(op.len())))
            .map(|(p, op)| {
                let kind = match op {
                    "!=" => MatchOp::NotEqual,
                    "=~" => MatchOp::Regex,
                    "!~" => MatchOp::NotRegex,
                    _ => MatchOp::Equal,
                };
                (p, kind, op.len())
            })
            .ok_or(MatcherError::NoOperator)?;
        let name = text[..pos].trim();
        let raw = text[pos + len..].trim();
        let value = raw
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .map_or_else(
                || raw.to_owned(),
                |v| v.replace("\\\"", "\"").replace("\\\\", "\\"),
            );
        Self::new(name, op, &value)
    }

    /// Whether `labels` satisfy this matcher (a missing label is the empty string).
    pub fn matches(&self, labels: &LabelSet) -> bool {
        let v = labels.get(&self.name).map_or("", String::as_str);
        match (self.op, &self.regex) {
            (MatchOp::Equal, _) => v == self.value,
            (MatchOp::NotEqual, _) => v != self.value,
            (MatchOp::Regex, Some(re)) => re.is_match(v),
            (MatchOp::NotRegex, Some(re)) => !re.is_match(v),
            (MatchOp::Regex | MatchOp::NotRegex, None) => false,
        }
    }
}

/// Parses one matcher or a set in braces, comma-separated, as Alertmanager's API and amtool
/// take them: `alertname="Hot"`, `{alertname="Hot", room=~"1|2"}`. Commas and braces inside
/// quoted values are part of the value.
///
/// ```
/// use alertd::domain::matchers::parse_set;
/// assert_eq!(parse_set(r#"{alertname="Hot", msg="a,b"}"#).unwrap().len(), 2);
/// assert_eq!(parse_set("severity=critical").unwrap().len(), 1);
/// assert!(parse_set("{}").unwrap().is_empty());
/// assert!(parse_set(r#"{alertname="Hot""#).is_err());
/// ```
pub fn parse_set(text: &str) -> Result<Vec<Matcher>, MatcherError> {
    let text = text.trim();
    let inner = match text.strip_prefix('{') {
        Some(rest) => rest.strip_suffix('}').ok_or(MatcherError::Unbalanced)?,
        None => return Matcher::parse(text).map(|m| vec![m]),
    };
    let mut out = Vec::new();
    let (mut start, mut quoted, mut escaped) = (0, false, false);
    for (i, c) in inner.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            ',' if !quoted => {
                push_part(&inner[start..i], &mut out)?;
                start = i + 1;
            }
            _ => {}
        }
    }
    if quoted {
        return Err(MatcherError::Unbalanced);
    }
    push_part(&inner[start..], &mut out)?;
    Ok(out)
}

fn push_part(part: &str, out: &mut Vec<Matcher>) -> Result<(), MatcherError> {
    // A trailing comma leaves an empty part, as in PromQL.
    if !part.trim().is_empty() {
        out.push(Matcher::parse(part)?);
    }
    Ok(())
}

/// Whether every matcher matches.
pub(crate) fn all_match(matchers: &[Matcher], labels: &LabelSet) -> bool {
    matchers.iter().all(|m| m.matches(labels))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> LabelSet {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn parses_every_operator() {
        let l = labels(&[("severity", "critical"), ("env", "prod-eu")]);
        assert!(
            Matcher::parse(r#"severity="critical""#)
                .unwrap()
                .matches(&l)
        );
        assert!(
            !Matcher::parse(r#"severity!="critical""#)
                .unwrap()
                .matches(&l)
        );
        assert!(Matcher::parse(r#"env=~"prod-.*""#).unwrap().matches(&l));
        assert!(
            !Matcher::parse(r#"env=~"prod""#).unwrap().matches(&l),
            "regex is anchored"
        );
        assert!(Matcher::parse(r#"env!~"dev.*""#).unwrap().matches(&l));
        assert!(
            Matcher::parse("team=").unwrap().matches(&l),
            "missing label is empty"
        );
        assert!(Matcher::parse("severity = critical").unwrap().matches(&l));
    }

    #[test]
    fn rejects_bad_matchers() {
        assert!(matches!(
            Matcher::parse("severity"),
            Err(MatcherError::NoOperator)
        ));
        assert!(matches!(
            Matcher::parse("=x"),
            Err(MatcherError::BadName(_))
        ));
        assert!(matches!(
            Matcher::parse("a b=x"),
            Err(MatcherError::BadName(_))
        ));
        assert!(matches!(
            Matcher::parse("a=~\"(\""),
            Err(MatcherError::BadRegex(_))
        ));
    }
}
