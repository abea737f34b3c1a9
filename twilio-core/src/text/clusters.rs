//! User-perceived characters, as far as SMS segmentation needs them.
//!
//! Twilio's segment calculator never splits a grapheme across segments. A full Unicode grapheme
//! segmenter costs tens of KiB of tables, too much for a Cortex-M0, so this follows the rules
//! that matter for alert text: combining marks, variation selectors, emoji modifiers (skin tones),
//! tag sequences, zero-width-joiner sequences, keycaps and regional-indicator pairs (flags) stay
//! with the character before them. CR LF is two characters, as in the calculator.

/// Code point ranges that never start a new character (`Extend`-like).
const EXTENDERS: [(u32, u32); 14] = [
    (0x0300, 0x036F),   // combining diacritical marks
    (0x0483, 0x0489),   // Cyrillic combining marks
    (0x0591, 0x05BD),   // Hebrew points
    (0x0610, 0x061A),   // Arabic marks
    (0x064B, 0x065F),   // Arabic harakat
    (0x1AB0, 0x1AFF),   // combining diacritical marks extended
    (0x1DC0, 0x1DFF),   // combining diacritical marks supplement
    (0x200D, 0x200D),   // zero width joiner
    (0x20D0, 0x20FF),   // combining marks for symbols (keycap U+20E3)
    (0xFE00, 0xFE0F),   // variation selectors
    (0xFE20, 0xFE2F),   // combining half marks
    (0x1F3FB, 0x1F3FF), // emoji modifiers (skin tones)
    (0xE0020, 0xE007F), // tags (subdivision flags)
    (0xE0100, 0xE01EF), // variation selectors supplement
];

const ZWJ: char = '\u{200D}';

fn is_extender(c: char) -> bool {
    let code = u32::from(c);
    // Most text is below the first range: one compare instead of fourteen.
    if code < 0x0300 {
        return false;
    }
    EXTENDERS.iter().any(|&(lo, hi)| (lo..=hi).contains(&code))
}

fn is_regional_indicator(c: char) -> bool {
    ('\u{1F1E6}'..='\u{1F1FF}').contains(&c)
}

/// One character as segmentation counts it: a byte range of the text and its cost in units
/// (UTF-16 code units, or septets for [`Clusters::septets`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cluster {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) units: usize,
}

/// Splits text into [`Cluster`]s no longer than `max_units` UTF-16 units (a cluster that would
/// exceed a whole segment is cut at a code point boundary, never inside a surrogate pair), or,
/// with `max_units` 0, into GSM-7 characters (see [`Clusters::septets`]).
#[derive(Debug, Clone)]
pub(crate) struct Clusters<'a> {
    text: &'a str,
    pos: usize,
    /// 0 for [`Clusters::septets`].
    max_units: usize,
}

impl<'a> Clusters<'a> {
    pub(crate) fn new(text: &'a str, max_units: usize) -> Self {
        Self {
            text,
            pos: 0,
            max_units,
        }
    }

    /// The characters of GSM-7 text, each costing its septets (0 for a character GSM-7 cannot
    /// carry). GSM-7 has no combining marks, joiners or regional indicators, so each of its
    /// clusters is one character: segmentation needs one iterator for both encodings.
    pub(crate) fn septets(text: &'a str) -> Self {
        // A budget of 0 units: nothing joins, so a mark after a GSM-7 letter is a character of
        // its own, which costs 0 and so shows that the text is not GSM-7.
        Self::new(text, 0)
    }
}

impl Iterator for Clusters<'_> {
    type Item = Cluster;

    fn next(&mut self) -> Option<Cluster> {
        let rest = self.text.get(self.pos..)?;
        let mut chars = rest.chars();
        let first = chars.next()?;
        let start = self.pos;
        let mut end = start + first.len_utf8();
        let mut units = if self.max_units == 0 {
            // 0 marks a character GSM-7 cannot carry.
            super::gsm7::septets(first).map_or(0, usize::from)
        } else {
            first.len_utf16()
        };
        let mut prev = first;
        // An unpaired regional indicator so far: the next one completes its flag.
        let mut flag_open = is_regional_indicator(first);
        // A full cluster takes nothing more: this ends every GSM-7 cluster (see `septets`)
        // without decoding the next character.
        while units < self.max_units {
            let Some(c) = chars.next() else {
                break;
            };
            if units + c.len_utf16() > self.max_units {
                break;
            }
            let joins = is_extender(c) || prev == ZWJ || (is_regional_indicator(c) && flag_open);
            if !joins {
                break;
            }
            flag_open = is_regional_indicator(c) && !flag_open;
            units += c.len_utf16();
            end += c.len_utf8();
            prev = c;
        }
        self.pos = end;
        Some(Cluster { start, end, units })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec::Vec;

    fn split(text: &str) -> Vec<&str> {
        Clusters::new(text, usize::MAX)
            .map(|c| &text[c.start..c.end])
            .collect()
    }

    #[test]
    fn keeps_accents_flags_and_zwj_sequences() {
        assert_eq!(split("e\u{301}\u{301}a"), ["e\u{301}\u{301}", "a"]);
        assert_eq!(split("🇮🇹🇫🇷x"), ["🇮🇹", "🇫🇷", "x"]);
        assert_eq!(split("🏳️‍🌈!"), ["🏳️‍🌈", "!"]);
        assert_eq!(split("👍🏽a"), ["👍🏽", "a"]);
        assert_eq!(split("1\u{FE0F}\u{20E3}"), ["1\u{FE0F}\u{20E3}"]);
        assert_eq!(split("\r\n"), ["\r", "\n"]);
        assert_eq!(split(""), Vec::<&str>::new());
    }

    #[test]
    fn caps_a_cluster_at_max_units_without_splitting_surrogates() {
        let text = "a\u{301}\u{301}\u{301}";
        let parts: Vec<_> = Clusters::new(text, 2).collect();
        assert_eq!(parts.len(), 2);
        assert!(parts.iter().all(|c| c.units <= 2));
        let emoji = "😀\u{1F3FB}";
        let parts: Vec<_> = Clusters::new(emoji, 3).collect();
        assert_eq!(parts.iter().map(|c| c.units).collect::<Vec<_>>(), [2, 2]);
    }

    #[test]
    fn septets_mark_what_gsm7_cannot_carry() {
        let units: Vec<usize> = Clusters::septets("e\u{301}€“").map(|c| c.units).collect();
        assert_eq!(units, [1, 0, 2, 0]);
    }

    #[test]
    fn gsm7_text_is_one_character_per_cluster() {
        let all: std::string::String = (0..=0xFFFF_u32)
            .filter_map(char::from_u32)
            .filter(|&c| super::super::gsm7::is_gsm7(c))
            .collect();
        let clusters: Vec<_> = Clusters::septets(&all).collect();
        assert_eq!(clusters.len(), all.chars().count());
        for (cluster, c) in clusters.iter().zip(all.chars()) {
            assert_eq!(&all[cluster.start..cluster.end], c.encode_utf8(&mut [0; 4]));
            assert_eq!(
                Some(cluster.units),
                super::super::gsm7::septets(c).map(usize::from)
            );
        }
    }
}
