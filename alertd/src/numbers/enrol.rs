//! `alertd numbers verify|confirm|list` and the API's enrolment, and the report of what is
//! not verified.

use std::sync::Arc;

use super::{CheckAnswer, CodeChannel, Verifier, VerifyError};
use crate::config::Config;
use crate::domain::number::{EnrolledNumber, NumberState};
use crate::domain::phone::is_e164;
use crate::domain::time::Timestamp;
use crate::store::{NumberStore, StoreError};

/// Why an enrolment step failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NumbersError {
    /// Not an E.164 number.
    #[error("{0:?} is not an E.164 number like +15551230001")]
    NotE164(String),
    /// The code is not 4 to 10 letters or digits.
    #[error("{0:?} is not a verification code (4 to 10 digits)")]
    BadCode(String),
    /// Twilio's answer.
    #[error(transparent)]
    Verify(#[from] VerifyError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The result of confirming a code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Confirmed {
    /// Verified; the stored enrolment.
    Verified(EnrolledNumber),
    /// Not verified, and why (the stored enrolment says where it stands now).
    NotVerified(CheckAnswer, EnrolledNumber),
}

/// Enrols numbers through a [`Verifier`] into a [`NumberStore`].
pub struct Enrolment<'a> {
    /// Twilio Verify and Lookup.
    pub verifier: &'a dyn Verifier,
    /// Where enrolments are kept.
    pub store: Arc<dyn NumberStore + Send + Sync>,
}

fn check_number(number: &str) -> Result<(), NumbersError> {
    if is_e164(number) {
        Ok(())
    } else {
        Err(NumbersError::NotE164(number.to_owned()))
    }
}

impl Enrolment<'_> {
    /// Runs `f` on the store off the async task (SQLite blocks on the disk).
    async fn on_store<T: Send + 'static>(
        &self,
        f: impl FnOnce(&dyn NumberStore) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, NumbersError> {
        let store = self.store.clone();
        let result = tokio::task::spawn_blocking(move || f(store.as_ref()))
            .await
            .map_err(|_| StoreError::Closed)?;
        Ok(result?)
    }

    async fn enrolled(&self, number: &str) -> Result<Option<EnrolledNumber>, NumbersError> {
        let number = number.to_owned();
        self.on_store(move |s| s.enrolled(&number)).await
    }

    async fn save(&self, enrolled: &EnrolledNumber) -> Result<(), NumbersError> {
        let enrolled = enrolled.clone();
        self.on_store(move |s| s.save_enrolled(&enrolled)).await
    }

    /// Looks the line up, then sends a code by `channel`; a landline gets a call whatever
    /// was asked, since it cannot receive the SMS. Stores the number as pending.
    pub async fn verify(
        &self,
        number: &str,
        channel: CodeChannel,
        now: Timestamp,
    ) -> Result<EnrolledNumber, NumbersError> {
        check_number(number)?;
        // Lookup is advice: without it the code is still sent as asked.
        let line_type = match self.verifier.line_type(number).await {
            Ok(t) => t,
            Err(e) => {
                tracing::warn!(number, "line type lookup failed: {e}");
                None
            }
        };
        let channel = if line_type.as_deref() == Some("landline") {
            CodeChannel::Call
        } else {
            channel
        };
        self.verifier.start(number, channel).await?;
        let previous = self.enrolled(number).await?;
        let enrolled = EnrolledNumber {
            number: number.to_owned(),
            // A verified number stays verified while it is re-verified.
            state: match previous.as_ref().map(|p| p.state) {
                Some(NumberState::Verified) => NumberState::Verified,
                _ => NumberState::Pending,
            },
            channel: Some(channel.as_str().to_owned()),
            line_type,
            updated_at: now,
            verified_at: previous.and_then(|p| p.verified_at),
        };
        self.save(&enrolled).await?;
        Ok(enrolled)
    }

    /// Checks `code` for `number`; approved marks it verified.
    pub async fn confirm(
        &self,
        number: &str,
        code: &str,
        now: Timestamp,
    ) -> Result<Confirmed, NumbersError> {
        check_number(number)?;
        let code_ok =
            (4..=10).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_alphanumeric());
        if !code_ok {
            return Err(NumbersError::BadCode(code.to_owned()));
        }
        let answer = self.verifier.check(number, code).await?;
        let mut enrolled = self.enrolled(number).await?.unwrap_or(EnrolledNumber {
            number: number.to_owned(),
            state: NumberState::Unverified,
            channel: None,
            line_type: None,
            updated_at: now,
            verified_at: None,
        });
        let state = match (answer, enrolled.state) {
            // A dead verification leaves a pending number unverified; a verified one stays.
            (CheckAnswer::Approved, _) | (_, NumberState::Verified) => NumberState::Verified,
            (CheckAnswer::WrongCode, s) => s,
            (_, _) => NumberState::Unverified,
        };
        if state != enrolled.state || answer == CheckAnswer::Approved {
            enrolled.state = state;
            enrolled.updated_at = now;
            if answer == CheckAnswer::Approved {
                enrolled.verified_at = Some(now);
            }
            self.save(&enrolled).await?;
        }
        Ok(if answer == CheckAnswer::Approved {
            Confirmed::Verified(enrolled)
        } else {
            Confirmed::NotVerified(answer, enrolled)
        })
    }
}

/// What `check-config` and the start-up log say about enrolment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Configured numbers (receivers, rosters, escalation steps) not verified.
    pub unverified: Vec<String>,
    /// `(receiver, number)`: a number in a receiver's `sms` list that Lookup found to be a
    /// landline.
    pub landlines_in_sms: Vec<(String, String)>,
}

/// Compares the configured numbers with the stored enrolments.
///
/// ```
/// use alertd::config::Config;
/// use alertd::numbers::report;
/// let cfg = Config::parse("[[receivers]]\nname = \"a\"\nsms = [\"+15551230001\"]\n[route]\nreceiver = \"a\"\n").unwrap();
/// let r = report(&cfg, &[]);
/// assert_eq!(r.unverified, ["+15551230001"]);
/// ```
pub fn report(cfg: &Config, enrolled: &[EnrolledNumber]) -> Report {
    let find = |n: &str| enrolled.iter().find(|e| e.number == n);
    let unverified = cfg
        .own_numbers()
        .into_iter()
        .filter(|n| find(n).is_none_or(|e| e.state != NumberState::Verified))
        .collect();
    let mut landlines_in_sms = Vec::new();
    for r in &cfg.receivers {
        for n in cfg.receiver_numbers(r, false) {
            if find(&n).is_some_and(EnrolledNumber::is_landline) {
                landlines_in_sms.push((r.name.clone(), n));
            }
        }
    }
    Report {
        unverified,
        landlines_in_sms,
    }
}
