//! Query parameters as Alertmanager's API takes them: `filter` repeated (each one matcher or a
//! `{...}` set), booleans `true`/`false`, a `receiver` regular expression. An empty value is
//! the same as none, as go-swagger binds it; unknown parameters are ignored.

use regex::Regex;

use crate::domain::matchers::{Matcher, parse_set};
use crate::http::errors::ApiError;

/// The parameters of one request.
#[derive(Debug, Default)]
pub(super) struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    /// Reads `a=1&b=2` (percent-decoded).
    pub(super) fn parse(raw: Option<&str>) -> Self {
        let pairs = raw
            .map(|q| {
                form_urlencoded::parse(q.as_bytes())
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect()
            })
            .unwrap_or_default();
        Self { pairs }
    }

    fn values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.pairs
            .iter()
            .filter(move |(k, v)| k == name && !v.is_empty())
            .map(|(_, v)| v.as_str())
    }

    /// A boolean parameter, `default` when absent.
    pub(super) fn flag(&self, name: &str, default: bool) -> Result<bool, ApiError> {
        match self.values(name).last() {
            None => Ok(default),
            Some("true" | "1") => Ok(true),
            Some("false" | "0") => Ok(false),
            Some(other) => Err(ApiError::BadRequest(format!(
                "{name}={other:?}: expected true or false"
            ))),
        }
    }

    /// Every `filter` matcher.
    pub(super) fn filter(&self) -> Result<Vec<Matcher>, ApiError> {
        let mut out = Vec::new();
        for text in self.values("filter") {
            out.extend(
                parse_set(text)
                    .map_err(|e| ApiError::BadRequest(format!("bad matcher {text:?}: {e}")))?,
            );
        }
        Ok(out)
    }

    /// `receiver`, anchored as Alertmanager anchors it.
    pub(super) fn receiver(&self) -> Result<Option<Regex>, ApiError> {
        self.values("receiver")
            .last()
            .map(|re| {
                Regex::new(&format!("^(?:{re})$")).map_err(|e| {
                    ApiError::BadRequest(format!("failed to parse receiver param: {e}"))
                })
            })
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_filters_braces_flags_and_empty_values() {
        let q = Query::parse(Some(
            "filter=alertname%3D%22Hot%22&filter=%7Broom%3D~%221%7C2%22%2Csite%3D%22a%22%7D&silenced=false&receiver=&x=y",
        ));
        assert_eq!(q.filter().unwrap().len(), 3);
        assert!(!q.flag("silenced", true).unwrap());
        assert!(q.flag("active", true).unwrap());
        assert!(q.receiver().unwrap().is_none(), "empty is none");
        assert!(
            Query::parse(Some("active=maybe"))
                .flag("active", true)
                .is_err()
        );
        assert!(Query::parse(Some("filter=oops")).filter().is_err());
        assert!(Query::parse(Some("receiver=(")).receiver().is_err());
        let re = Query::parse(Some("receiver=on.*"))
            .receiver()
            .unwrap()
            .unwrap();
        assert!(re.is_match("oncall") && !re.is_match("xoncall"));
    }
}
