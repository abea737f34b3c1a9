//! The filters templates get besides minijinja's built-in ones.

use minijinja::Value;

use crate::domain::text_safety;

/// `{{ value | one_line }}`: the value as one line (control characters become spaces, bidi
/// controls are dropped), so a label cannot forge a line or reorder the text; nothing for an
/// undefined value or none.
pub(super) fn one_line(value: &Value) -> String {
    if value.is_undefined() || value.is_none() {
        return String::new();
    }
    match value.as_str() {
        Some(text) => text_safety::one_line(text).into_owned(),
        None => text_safety::one_line(&value.to_string()).into_owned(),
    }
}

/// Adds the filters to `env`.
pub(super) fn register(env: &mut minijinja::Environment<'static>) {
    env.add_filter("one_line", one_line);
}
