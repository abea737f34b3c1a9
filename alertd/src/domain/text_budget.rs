//! SMS segment counting and fitting text into a segment budget: twilio-core's counter (exactly
//! as Twilio counts) and truncation, with owned strings for the daemon.

use twilio_core::text::fit::{FitError, fit_to_segments};
pub use twilio_core::text::segments::{Encoding, SegmentCount, count};

/// `text` shortened (ending in an ellipsis) so it costs at most `max_segments` SMS segments;
/// unchanged when it already fits. A budget of 0 is treated as 1.
///
/// ```
/// use alertd::domain::text_budget::{count, fit};
/// let long = "x".repeat(1000);
/// let fitted = fit(&long, 2);
/// assert_eq!(count(&fitted).segments, 2);
/// assert!(fitted.ends_with("..."));
/// assert_eq!(fit("short", 1), "short");
/// ```
pub fn fit(text: &str, max_segments: u16) -> String {
    let budget = usize::from(max_segments.max(1));
    let mut buf = vec![0u8; text.len() + 8];
    match fit_to_segments(text, budget, &mut buf) {
        Ok(fitted) => fitted.to_owned(),
        Err(FitError::InsufficientSize { required }) => {
            let mut bigger = vec![0u8; required];
            fit_to_segments(text, budget, &mut bigger)
                .map_or_else(|_| text.to_owned(), str::to_owned)
        }
        Err(_) => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
                assert!(count(&f).segments <= usize::from(budget), "{budget}");
                assert!(f.len() < text.len());
            }
        }
    }
}
