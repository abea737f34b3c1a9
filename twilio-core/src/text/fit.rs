//! Capping what an alert costs: truncating a message to a segment budget.

use core::fmt;

use super::segments::{self, Encoding};
use crate::buf::SliceWriter;

/// Appended to a GSM-7 message that was cut (the `…` character would make it UCS-2).
pub const GSM7_ELLIPSIS: &str = "...";
/// Appended to a UCS-2 message that was cut.
pub const UCS2_ELLIPSIS: &str = "…";

/// Why a message could not be fitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum FitError {
    /// A budget of zero segments: every message, even an empty one, costs one.
    ZeroSegments,
    /// The caller's buffer cannot hold the truncated message.
    InsufficientSize {
        /// Bytes the truncated message needs.
        required: usize,
    },
}

impl fmt::Display for FitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FitError::ZeroSegments => f.write_str("a message needs a budget of at least 1 segment"),
            FitError::InsufficientSize { required } => {
                write!(f, "buffer too small: {required} bytes required")
            }
        }
    }
}

impl core::error::Error for FitError {}

/// Returns `text` unchanged when it costs at most `max_segments` segments; otherwise writes the
/// longest prefix that fits, followed by an ellipsis, into `buf` and returns that.
///
/// The cut is always at a character boundary as segmentation sees it: never inside a UTF-8
/// sequence, a GSM-7 extension pair, a surrogate pair, or a letter and its accents.
///
/// ```
/// use twilio_core::text::{fit::fit_to_segments, segments::count};
///
/// let mut buf = [0u8; 160];
/// let long = "Pump 4 pressure 9.1 bar above 8.0 bar at plant B. ".repeat(5);
/// let short = fit_to_segments(&long, 1, &mut buf).unwrap();
/// assert_eq!(count(short).segments, 1);
/// assert!(short.ends_with("..."));
/// assert_eq!(short.len(), 160);
///
/// let mut buf = [0u8; 0];
/// assert_eq!(fit_to_segments("fits as is", 1, &mut buf).unwrap(), "fits as is");
/// ```
pub fn fit_to_segments<'a>(
    text: &'a str,
    max_segments: usize,
    buf: &'a mut [u8],
) -> Result<&'a str, FitError> {
    if max_segments == 0 {
        return Err(FitError::ZeroSegments);
    }
    let full = segments::count(text);
    if full.segments <= max_segments {
        return Ok(text);
    }
    let mut cut = longest_prefix(text, full.encoding, max_segments);
    let len = loop {
        let prefix = text.get(..cut).unwrap_or_default();
        let ellipsis = match segments::encoding(prefix) {
            Encoding::Gsm7 => GSM7_ELLIPSIS,
            Encoding::Ucs2 => UCS2_ELLIPSIS,
        };
        let mut out = SliceWriter::new(buf);
        out.write_str(prefix);
        out.write_str(ellipsis);
        let len = out.finish().map_err(|e| FitError::InsufficientSize {
            required: e.required,
        })?;
        let fitted = as_str(buf, len);
        if cut == 0 || segments::count(fitted).segments <= max_segments {
            break len;
        }
        // The packing estimate was off (the prefix changed encoding): back off one character.
        cut = segments::atoms(text, full.encoding)
            .map(|a| a.start)
            .take_while(|&start| start < cut)
            .last()
            .unwrap_or(0);
    };
    debug!("cut message from {} to {} bytes", text.len(), len);
    Ok(as_str(buf, len))
}

/// The first `len` bytes of `buf`, which hold whole `&str`s.
fn as_str(buf: &[u8], len: usize) -> &str {
    core::str::from_utf8(buf.get(..len).unwrap_or_default()).unwrap_or_default()
}

/// Byte length of the longest prefix of `text` that, with an ellipsis, packs into `max_segments`
/// segments of `encoding`.
fn longest_prefix(text: &str, encoding: Encoding, max_segments: usize) -> usize {
    let capacity = if max_segments == 1 {
        encoding.single_segment_units()
    } else {
        encoding.concatenated_segment_units()
    };
    let ellipsis_units = match encoding {
        Encoding::Gsm7 => GSM7_ELLIPSIS.len(),
        Encoding::Ucs2 => 1,
    };
    let fits_ellipsis = |segment: usize, used: usize| {
        used + ellipsis_units <= capacity || segment + 1 < max_segments
    };
    let (mut segment, mut used, mut best) = (0, 0, 0);
    for atom in segments::atoms(text, encoding) {
        if used + atom.units > capacity {
            segment += 1;
            used = 0;
            if segment >= max_segments {
                break;
            }
        }
        used += atom.units;
        if fits_ellipsis(segment, used) {
            best = atom.end;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::segments::count;
    use std::string::String;

    #[test]
    fn gsm_cut_fills_the_budget() {
        let mut buf = [0u8; 400];
        let text = "a".repeat(400);
        let fitted = fit_to_segments(&text, 2, &mut buf).unwrap();
        assert_eq!(fitted.len(), 306);
        assert!(fitted.ends_with("..."));
        assert_eq!(count(fitted).segments, 2);
    }

    #[test]
    fn never_splits_an_extension_pair() {
        let mut buf = [0u8; 400];
        let text = "€".repeat(100);
        let fitted = fit_to_segments(&text, 1, &mut buf).unwrap();
        // 78 euro signs (156 septets) + "..." (3) = 159 septets.
        assert_eq!(fitted, String::from("€").repeat(78) + "...");
    }

    #[test]
    fn ucs2_uses_the_single_character_ellipsis() {
        let mut buf = [0u8; 400];
        let text = "😀".repeat(50);
        let fitted = fit_to_segments(&text, 1, &mut buf).unwrap();
        assert_eq!(fitted, String::from("😀").repeat(34) + "…");
        assert_eq!(count(fitted).units, 69);
    }

    #[test]
    fn keeps_accents_with_their_letter() {
        let mut buf = [0u8; 400];
        let text = "e\u{301}".repeat(40);
        let fitted = fit_to_segments(&text, 1, &mut buf).unwrap();
        assert_eq!(fitted, "e\u{301}".repeat(34) + "…");
    }

    #[test]
    fn errors() {
        let mut buf = [0u8; 10];
        assert_eq!(
            fit_to_segments("x", 0, &mut buf),
            Err(FitError::ZeroSegments)
        );
        assert_eq!(
            fit_to_segments(&"x".repeat(200), 1, &mut buf),
            Err(FitError::InsufficientSize { required: 160 })
        );
    }
}
