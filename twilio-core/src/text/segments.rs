//! SMS segment counting exactly as Twilio counts.
//!
//! A message goes out as GSM-7 when every character is in the GSM 03.38 basic or extension table,
//! otherwise as UCS-2. One segment carries 160 septets or 70 UTF-16 code units; once a message
//! needs more, every segment loses 6 bytes to the concatenation header and carries 153 septets or
//! 67 code units. An extension character (2 septets), a surrogate pair and a character with its
//! combining marks, skin tone or ZWJ sequence never straddle two segments.

use super::clusters::{Cluster, Clusters};
use super::gsm7;

/// Bits in one SMS payload.
pub const SEGMENT_BITS: usize = 1120;
/// Bits the concatenation user data header takes from every segment of a multi-part message.
pub const UDH_BITS: usize = 48;

/// How Twilio will encode a message body.
///
/// ```
/// use twilio_core::text::segments::Encoding;
///
/// assert_eq!(Encoding::Gsm7.single_segment_units(), 160);
/// assert_eq!(Encoding::Gsm7.concatenated_segment_units(), 153);
/// assert_eq!(Encoding::Ucs2.single_segment_units(), 70);
/// assert_eq!(Encoding::Ucs2.concatenated_segment_units(), 67);
/// assert_eq!(Encoding::Ucs2.name(), "UCS-2");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Encoding {
    /// The GSM 03.38 7-bit default alphabet (with its extension table).
    Gsm7,
    /// UTF-16 (UCS-2 on the wire), used as soon as one character is outside GSM-7.
    Ucs2,
}

impl Encoding {
    /// Bits one unit costs: a septet or a UTF-16 code unit.
    pub const fn unit_bits(self) -> usize {
        match self {
            Encoding::Gsm7 => 7,
            Encoding::Ucs2 => 16,
        }
    }

    /// Units that fit in a message of exactly one segment (160 or 70).
    pub const fn single_segment_units(self) -> usize {
        // One constant per arm: a runtime division costs a Cortex-M0 a library call.
        match self {
            Encoding::Gsm7 => SEGMENT_BITS / 7,
            Encoding::Ucs2 => SEGMENT_BITS / 16,
        }
    }

    /// Units that fit in each segment of a multi-part message (153 or 67).
    pub const fn concatenated_segment_units(self) -> usize {
        match self {
            Encoding::Gsm7 => (SEGMENT_BITS - UDH_BITS) / 7,
            Encoding::Ucs2 => (SEGMENT_BITS - UDH_BITS) / 16,
        }
    }

    /// The name Twilio's tools use: `"GSM-7"` or `"UCS-2"`.
    pub const fn name(self) -> &'static str {
        match self {
            Encoding::Gsm7 => "GSM-7",
            Encoding::Ucs2 => "UCS-2",
        }
    }
}

/// The result of [`count`]: encoding, number of segments and size of a message body.
///
/// ```
/// use twilio_core::text::segments::{count, Encoding};
///
/// let c = count(&"x".repeat(161));
/// assert_eq!((c.encoding(), c.segments()), (Encoding::Gsm7, 2));
/// assert_eq!(c.message_bits(), 161 * 7);
/// assert_eq!(c.total_bits(), 161 * 7 + 2 * 48);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct SegmentCount {
    /// GSM-7 or UCS-2.
    pub encoding: Encoding,
    /// Segments Twilio bills for (1 for an empty body).
    pub segments: usize,
    /// Septets (GSM-7, extension characters count 2) or UTF-16 code units (UCS-2).
    pub units: usize,
}

impl SegmentCount {
    /// GSM-7 or UCS-2.
    pub const fn encoding(&self) -> Encoding {
        self.encoding
    }

    /// Segments Twilio bills for.
    pub const fn segments(&self) -> usize {
        self.segments
    }

    /// Payload bits, without concatenation headers.
    pub const fn message_bits(&self) -> usize {
        self.units.saturating_mul(self.encoding.unit_bits())
    }

    /// Payload bits plus the 48-bit header of every segment of a multi-part message.
    pub const fn total_bits(&self) -> usize {
        if self.segments > 1 {
            self.message_bits()
                .saturating_add(self.segments.saturating_mul(UDH_BITS))
        } else {
            self.message_bits()
        }
    }
}

/// The encoding Twilio picks for `text`.
///
/// ```
/// use twilio_core::text::segments::{encoding, Encoding};
///
/// assert_eq!(encoding("Boiler 3: 92.5C > 90C"), Encoding::Gsm7);
/// assert_eq!(encoding("Boiler 3: 92.5°C"), Encoding::Ucs2);
/// ```
pub fn encoding(text: &str) -> Encoding {
    if text.chars().all(gsm7::is_gsm7) {
        Encoding::Gsm7
    } else {
        Encoding::Ucs2
    }
}

/// Counts the segments of a message body.
///
/// ```
/// use twilio_core::text::segments::{count, Encoding};
///
/// let c = count("Tank 2 level 12% below 15% at north site");
/// assert_eq!((c.encoding, c.segments, c.units), (Encoding::Gsm7, 1, 40));
///
/// // 161 GSM-7 characters need two segments of at most 153.
/// assert_eq!(count(&"x".repeat(161)).segments, 2);
/// // One curly quote makes the whole message UCS-2: 71 characters need two segments.
/// assert_eq!(count(&format!("“{}", "x".repeat(70))).segments, 2);
/// ```
pub fn count(text: &str) -> SegmentCount {
    // A pass as GSM-7 that stops at the first character GSM-7 cannot carry; only then a second
    // pass as UCS-2 (which always completes).
    let mut encoding = Encoding::Gsm7;
    'pass: loop {
        let per_segment = encoding.concatenated_segment_units();
        let mut units = 0;
        let mut segments = 1;
        let mut used = 0;
        for atom in atoms(text, encoding) {
            let cost = atom.units;
            // Only a character outside GSM-7 costs nothing (see `Clusters::septets`).
            if cost == 0 {
                encoding = Encoding::Ucs2;
                continue 'pass;
            }
            units += cost;
            if used + cost > per_segment {
                segments += 1;
                used = 0;
            }
            used += cost;
        }
        if units <= encoding.single_segment_units() {
            segments = 1;
        }
        return SegmentCount {
            encoding,
            segments,
            units,
        };
    }
}

/// One segment of a message: where it is in the text and what it costs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment<'a> {
    /// The segment's text.
    pub text: &'a str,
    /// Byte offset in the message where the segment starts.
    pub start: usize,
    /// Byte offset in the message where the segment ends (exclusive).
    pub end: usize,
    /// Septets or UTF-16 code units in this segment.
    pub units: usize,
    /// Characters in this segment, as Twilio's calculator counts them: an extension character
    /// or an accented, emoji or flag sequence is one.
    pub characters: usize,
}

/// Splits a message into the segments Twilio sends, in order.
///
/// ```
/// use twilio_core::text::segments::split;
///
/// let body = "€".repeat(81); // 162 septets: the 77th euro sign cannot split across segments
/// let ends: Vec<usize> = split(&body).map(|s| s.characters).collect();
/// assert_eq!(ends, [76, 5]);
/// ```
pub fn split(text: &str) -> Segments<'_> {
    let count = count(text);
    let capacity = if count.segments == 1 {
        usize::MAX
    } else {
        count.encoding.concatenated_segment_units()
    };
    Segments {
        text,
        atoms: atoms(text, count.encoding),
        pending: None,
        capacity,
        done: false,
    }
}

/// Iterator over the [`Segment`]s of a message; see [`split`].
#[derive(Debug, Clone)]
pub struct Segments<'a> {
    text: &'a str,
    atoms: Clusters<'a>,
    pending: Option<Cluster>,
    capacity: usize,
    done: bool,
}

impl<'a> Iterator for Segments<'a> {
    type Item = Segment<'a>;

    fn next(&mut self) -> Option<Segment<'a>> {
        if self.done {
            return None;
        }
        let first = self.pending.take().or_else(|| self.atoms.next());
        let Some(first) = first else {
            // The empty message is one empty segment; otherwise we are past the end.
            self.done = true;
            return self.text.is_empty().then_some(Segment {
                text: "",
                start: 0,
                end: 0,
                units: 0,
                characters: 0,
            });
        };
        let (start, mut end, mut units, mut characters) = (first.start, first.end, first.units, 1);
        for atom in self.atoms.by_ref() {
            if units + atom.units > self.capacity {
                self.pending = Some(atom);
                break;
            }
            end = atom.end;
            units += atom.units;
            characters += 1;
        }
        if self.pending.is_none() {
            self.done = true;
        }
        Some(Segment {
            text: self.text.get(start..end).unwrap_or_default(),
            start,
            end,
            units,
            characters,
        })
    }
}

/// The smallest pieces of text a segment boundary may not cut, with their cost: for GSM-7 one
/// character (1 or 2 septets), for UCS-2 one cluster (its UTF-16 length).
pub(crate) fn atoms(text: &str, encoding: Encoding) -> Clusters<'_> {
    match encoding {
        Encoding::Gsm7 => Clusters::septets(text),
        Encoding::Ucs2 => Clusters::new(text, Encoding::Ucs2.concatenated_segment_units()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::String;
    use std::vec::Vec;

    fn payload_chars(text: &str) -> Vec<usize> {
        split(text).map(|s| s.characters).collect()
    }

    #[test]
    fn gsm_boundaries() {
        for (n, segments) in [
            (0, 1),
            (1, 1),
            (160, 1),
            (161, 2),
            (306, 2),
            (307, 3),
            (459, 3),
        ] {
            let c = count(&"1".repeat(n));
            assert_eq!(
                (c.encoding, c.segments, c.units),
                (Encoding::Gsm7, segments, n),
                "{n}"
            );
        }
        assert_eq!(payload_chars(&"1".repeat(307)), [153, 153, 1]);
        assert_eq!(payload_chars(""), [0]);
    }

    #[test]
    fn ucs2_boundaries() {
        for (n, segments) in [(1, 1), (70, 1), (71, 2), (134, 2), (135, 3)] {
            let c = count(&"ú".repeat(n));
            assert_eq!((c.encoding, c.segments), (Encoding::Ucs2, segments), "{n}");
        }
        assert_eq!(payload_chars(&"ú".repeat(135)), [67, 67, 1]);
    }

    #[test]
    fn extension_pairs_never_split() {
        let mut body = "1".repeat(152);
        body.push('€');
        body.push_str("1234567890");
        assert_eq!(count(&body).units, 164);
        assert_eq!(payload_chars(&body), [152, 11]);
        assert_eq!(count(&"€".repeat(80)).segments, 1);
        assert_eq!(payload_chars(&"€".repeat(81)), [76, 5]);
    }

    #[test]
    fn surrogate_pairs_and_graphemes_never_split() {
        let body = String::from("😜") + &"2".repeat(69);
        assert_eq!(count(&body).units, 71);
        assert_eq!(payload_chars(&body), [66, 4]);
        let body = String::from("🏳️‍🌈") + &"2".repeat(65);
        assert_eq!(payload_chars(&body), [62, 4]);
        // An accent at the boundary moves with its letter.
        let body = "a".repeat(66) + "e\u{301}" + "aaaaa";
        assert_eq!(payload_chars(&body), [66, 6]);
    }

    #[test]
    fn crlf_counts_two() {
        let c = count("\rabcde\r\n123");
        assert_eq!((c.encoding, c.units), (Encoding::Gsm7, 11));
    }

    #[test]
    fn sizes_in_bits() {
        let c = count(&"1".repeat(161));
        assert_eq!((c.message_bits(), c.total_bits()), (1127, 1223));
        let c = count("Temp 31°C over threshold");
        assert_eq!((c.message_bits(), c.total_bits()), (384, 384));
    }

    #[test]
    fn segments_cover_the_text_in_order() {
        let body = "Sensor “boiler” ".repeat(20);
        let mut next = 0;
        for s in split(&body) {
            assert_eq!(s.start, next);
            assert_eq!(&body[s.start..s.end], s.text);
            assert!(s.units <= 67);
            next = s.end;
        }
        assert_eq!(next, body.len());
        assert_eq!(split(&body).count(), count(&body).segments);
    }

    #[test]
    fn oversized_cluster_is_cut_at_code_points() {
        let body = String::from("a") + &"\u{301}".repeat(100);
        let segments: Vec<_> = split(&body).collect();
        assert_eq!(segments.len(), count(&body).segments);
        assert!(segments.iter().all(|s| s.units <= 67));
    }
}
