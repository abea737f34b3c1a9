//! MQTT topic filters: `+` matches one level, `#` (last) matches the rest (MQTT 3.1.1 §4.7).

/// Whether `filter` is a well-formed MQTT topic filter.
///
/// ```
/// use alertd::domain::mqtt_topic::valid_filter;
/// assert!(valid_filter("sensors/+/temperature"));
/// assert!(valid_filter("sensors/#"));
/// assert!(!valid_filter("sensors/#/x"));
/// assert!(!valid_filter("sensors/a+"));
/// ```
pub fn valid_filter(filter: &str) -> bool {
    if filter.is_empty() {
        return false;
    }
    let levels: Vec<&str> = filter.split('/').collect();
    let last = levels.len().saturating_sub(1);
    levels.iter().enumerate().all(|(i, level)| {
        let wild_ok = !level.contains('+') || *level == "+";
        let hash_ok = !level.contains('#') || (*level == "#" && i == last);
        wild_ok && hash_ok
    })
}

/// Whether the concrete `topic` matches `filter`. Topics starting with `$` only match filters
/// that name them (as brokers do for `$SYS`).
///
/// ```
/// use alertd::domain::mqtt_topic::matches;
/// assert!(matches("sensors/boiler-3/temperature", "sensors/+/temperature"));
/// assert!(matches("sensors/a/b/c", "sensors/#"));
/// assert!(matches("sensors", "sensors/#"));
/// assert!(!matches("sensors/a/humidity", "sensors/+/temperature"));
/// assert!(!matches("$SYS/uptime", "#"));
/// ```
pub fn matches(topic: &str, filter: &str) -> bool {
    if topic.starts_with('$') && !filter.starts_with('$') {
        return false;
    }
    let mut t = topic.split('/');
    let mut f = filter.split('/');
    loop {
        match (f.next(), t.next()) {
            (Some("#"), _) | (None, None) => return true,
            (Some("+"), Some(_)) => {}
            (Some(fl), Some(tl)) if fl == tl => {}
            _ => return false,
        }
    }
}

/// The 1-based `level` of `topic`, if it has one.
///
/// ```
/// assert_eq!(alertd::domain::mqtt_topic::level("a/b/c", 2), Some("b"));
/// assert_eq!(alertd::domain::mqtt_topic::level("a/b/c", 4), None);
/// ```
pub fn level(topic: &str, level: usize) -> Option<&str> {
    topic.split('/').nth(level.checked_sub(1)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_and_wildcards() {
        assert!(matches("a/b", "a/b"));
        assert!(!matches("a/b", "a/c"));
        assert!(!matches("a/b/c", "a/+"));
        assert!(!matches("a", "a/+"));
        assert!(matches("a/", "a/+"), "an empty level is a level");
        assert!(matches("x/y", "#"));
        assert!(matches("$SYS/x", "$SYS/#"));
    }

    #[test]
    fn filters_validated() {
        assert!(!valid_filter(""));
        assert!(valid_filter("#"));
        assert!(valid_filter("+/+"));
        assert!(!valid_filter("a/#b"));
    }
}
