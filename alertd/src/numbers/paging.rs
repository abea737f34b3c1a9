//! Which numbers paging treats as verified.

use std::collections::HashSet;

use crate::domain::number::{EnrolledNumber, NumberState};

/// The verified numbers, read from the store before each notify pass (a roster-sized set);
/// `None` when `require_verified` is off and every number is paged.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VerifiedNumbers(Option<HashSet<String>>);

impl VerifiedNumbers {
    /// Every number counts as verified.
    pub fn everyone() -> Self {
        Self(None)
    }

    /// Only the verified ones among `enrolled` count.
    ///
    /// ```
    /// use alertd::numbers::VerifiedNumbers;
    /// let v = VerifiedNumbers::from_enrolled(&[]);
    /// assert!(!v.is_verified("+15551230001"));
    /// assert!(VerifiedNumbers::everyone().is_verified("+15551230001"));
    /// ```
    pub fn from_enrolled(enrolled: &[EnrolledNumber]) -> Self {
        Self(Some(
            enrolled
                .iter()
                .filter(|e| e.state == NumberState::Verified)
                .map(|e| e.number.clone())
                .collect(),
        ))
    }

    /// Whether paging treats `number` as verified.
    pub fn is_verified(&self, number: &str) -> bool {
        self.0.as_ref().is_none_or(|set| set.contains(number))
    }

    /// Whether any number can be unverified (so paging has to check).
    pub fn applies(&self) -> bool {
        self.0.is_some()
    }
}
