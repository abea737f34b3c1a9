//! Text that reaches a phone: values from labels, annotations, topics and devices must not
//! forge lines or reorder what a person reads. Control characters (CR, LF, NUL, ...) in a value
//! would start a fake line such as "`[RESOLVED] all clear`"; bidi formatting characters
//! (U+202E and friends) would show text in another order than it is sent.

use std::borrow::Cow;

/// Whether `c` changes the direction text is shown in (and so what a reader sees).
fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
    )
}

/// A value as one line: control characters become spaces, bidi controls are dropped.
///
/// ```
/// use alertd::domain::text_safety::one_line;
/// assert_eq!(one_line("pump 3"), "pump 3");
/// assert_eq!(one_line("ok\n[RESOLVED] all clear"), "ok [RESOLVED] all clear");
/// assert_eq!(one_line("abc\u{202E}fed"), "abcfed");
/// ```
pub fn one_line(value: &str) -> Cow<'_, str> {
    if !value.chars().any(|c| c.is_control() || is_bidi_control(c)) {
        return Cow::Borrowed(value);
    }
    Cow::Owned(
        value
            .chars()
            .filter(|c| !is_bidi_control(*c))
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect(),
    )
}

/// A message a sender wrote whole (a relayed SMS): line breaks stay, every other control
/// character and every bidi control is dropped.
///
/// ```
/// use alertd::domain::text_safety::message_text;
/// assert_eq!(message_text("line 1\r\nline 2"), "line 1\nline 2");
/// assert_eq!(message_text("a\u{0}b\u{202E}c"), "abc");
/// ```
pub fn message_text(text: &str) -> Cow<'_, str> {
    if !text
        .chars()
        .any(|c| (c.is_control() && c != '\n') || is_bidi_control(c))
    {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .filter(|c| !(is_bidi_control(*c) || (c.is_control() && *c != '\n')))
            .collect(),
    )
}
