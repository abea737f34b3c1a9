//! Interim SMS segment counter (GSM-7 / UCS-2 as Twilio counts), used until
//! `twilio_core::text::segments::count` lands on main.

/// GSM 03.38 basic character set (one septet each).
const GSM7_BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?\
¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
/// GSM 03.38 extension table (escape + one septet each).
const GSM7_EXTENSION: &str = "\u{c}^{}\\[~]|€";

/// Septets a character costs in GSM-7, or None if it needs UCS-2.
fn gsm7_cost(c: char) -> Option<usize> {
    if GSM7_BASIC.contains(c) {
        Some(1)
    } else if GSM7_EXTENSION.contains(c) {
        Some(2)
    } else {
        None
    }
}

/// Fills segments of `single`/`multi` units; an item never splits across segments.
fn pack(costs: impl Iterator<Item = usize> + Clone, single: usize, multi: usize) -> u32 {
    let total: usize = costs.clone().sum();
    if total <= single {
        return u32::from(total > 0);
    }
    let mut segments = 1u32;
    let mut used = 0usize;
    for cost in costs {
        if used + cost > multi {
            segments += 1;
            used = 0;
        }
        used += cost;
    }
    segments
}

/// Number of segments Twilio bills for `body` (0 for an empty body).
pub(crate) fn count(body: &str) -> u32 {
    let gsm: Option<Vec<usize>> = body.chars().map(gsm7_cost).collect();
    match gsm {
        Some(costs) => pack(costs.into_iter(), 160, 153),
        None => pack(body.chars().map(char::len_utf16), 70, 67),
    }
}

#[cfg(test)]
mod tests {
    use super::count;

    #[test]
    fn gsm7_boundaries() {
        assert_eq!(count(""), 0);
        assert_eq!(count(&"a".repeat(160)), 1);
        assert_eq!(count(&"a".repeat(161)), 2);
        assert_eq!(count(&"a".repeat(306)), 2);
        assert_eq!(count(&"a".repeat(307)), 3);
        // Extension characters cost two septets.
        assert_eq!(count(&"€".repeat(80)), 1);
        assert_eq!(count(&"€".repeat(81)), 2);
    }

    #[test]
    fn ucs2_boundaries() {
        assert_eq!(count(&"é✓".repeat(35)), 1);
        assert_eq!(count(&"✓".repeat(71)), 2);
        assert_eq!(count(&"✓".repeat(134)), 2);
        assert_eq!(count(&"✓".repeat(135)), 3);
        // A surrogate pair is never split: 134 units would fit in 2 segments, but the emoji at
        // units 67-68 moves to the second segment and pushes the last character into a third.
        let body = format!("{}😀{}", "✓".repeat(66), "✓".repeat(66));
        assert_eq!(count(&body), 3);
    }
}
