//! SMS segment counting and fitting text into a segment budget.
//!
//! Counting follows Twilio: GSM-7 text is 160 septets in one segment, 153 per segment when
//! split, extension characters cost two septets and are never split; anything else is UCS-2,
//! 70 / 67 UTF-16 units per segment, surrogate pairs never split.

/// The GSM-7 basic character set.
const GSM7_BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
/// The GSM-7 extension table (two septets each).
const GSM7_EXTENSION: &str = "\u{c}^{}\\[~]|€";

/// How a text is encoded on the air.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// GSM 03.38 7-bit.
    Gsm7,
    /// UCS-2 / UTF-16.
    Ucs2,
}

fn encoding(text: &str) -> Encoding {
    if text
        .chars()
        .all(|c| GSM7_BASIC.contains(c) || GSM7_EXTENSION.contains(c))
    {
        Encoding::Gsm7
    } else {
        Encoding::Ucs2
    }
}

fn unit_cost(c: char, enc: Encoding) -> usize {
    match enc {
        Encoding::Gsm7 if GSM7_EXTENSION.contains(c) => 2,
        Encoding::Gsm7 => 1,
        Encoding::Ucs2 => c.len_utf16(),
    }
}

/// Encoding and segments of `text`.
///
/// ```
/// use alertd::pipeline::text_budget::{count, Encoding};
/// assert_eq!(count(&"a".repeat(160)), (Encoding::Gsm7, 1));
/// assert_eq!(count(&"a".repeat(161)), (Encoding::Gsm7, 2));
/// assert_eq!(count("🔥 hot"), (Encoding::Ucs2, 1));
/// ```
pub fn count(text: &str) -> (Encoding, u32) {
    let enc = encoding(text);
    let (single, multi) = match enc {
        Encoding::Gsm7 => (160, 153),
        Encoding::Ucs2 => (70, 67),
    };
    let total: usize = text.chars().map(|c| unit_cost(c, enc)).sum();
    if total <= single {
        return (enc, u32::from(!text.is_empty()));
    }
    let mut segments = 1u32;
    let mut used = 0;
    for c in text.chars() {
        let cost = unit_cost(c, enc);
        if used + cost > multi {
            segments += 1;
            used = 0;
        }
        used += cost;
    }
    (enc, segments)
}

/// `text` shortened (ending in `…`) so it fits `max_segments`; unchanged when it already fits.
///
/// ```
/// use alertd::pipeline::text_budget::{count, fit};
/// let long = "x".repeat(1000);
/// let fitted = fit(&long, 2);
/// assert_eq!(count(&fitted).1, 2);
/// assert!(fitted.ends_with("..."));
/// ```
pub fn fit(text: &str, max_segments: u16) -> String {
    if count(text).1 <= u32::from(max_segments) {
        return text.to_owned();
    }
    let ellipsis = "...";
    let mut chars: Vec<char> = text.chars().collect();
    // Cut by halves, then char by char; at most a few hundred counts for a 1600-char text.
    let mut lo = 0;
    let mut hi = chars.len();
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        let candidate: String = chars[..mid].iter().collect::<String>() + ellipsis;
        if count(&candidate).1 <= u32::from(max_segments) {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    chars.truncate(lo);
    chars.into_iter().collect::<String>() + ellipsis
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_like_twilio() {
        assert_eq!(count(""), (Encoding::Gsm7, 0));
        assert_eq!(count(&"a".repeat(306)), (Encoding::Gsm7, 2));
        assert_eq!(count(&"a".repeat(307)), (Encoding::Gsm7, 3));
        assert_eq!(count(&"€".repeat(80)), (Encoding::Gsm7, 1));
        assert_eq!(count(&"€".repeat(81)), (Encoding::Gsm7, 2));
        assert_eq!(count(&"é".repeat(160)), (Encoding::Gsm7, 1));
        assert_eq!(count(&"ж".repeat(70)), (Encoding::Ucs2, 1));
        assert_eq!(count(&"ж".repeat(71)), (Encoding::Ucs2, 2));
    }

    #[test]
    fn fit_never_exceeds_the_budget() {
        for text in [
            "a".repeat(2000),
            "ж".repeat(500),
            "🔥".repeat(300),
            "a€".repeat(400),
        ] {
            for budget in 1..=4 {
                let f = fit(&text, budget);
                assert!(count(&f).1 <= u32::from(budget), "{budget}");
                assert!(f.len() < text.len());
            }
        }
    }
}
