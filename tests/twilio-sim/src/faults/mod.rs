//! Fault injection: scripted or random 429s, 5xx, slow answers, and connections cut
//! mid-response or closed without one (after or before the request is acted on).

use std::sync::Mutex;

use serde::{Deserialize, Serialize};

/// Which API operation a fault applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Endpoint {
    /// `POST Messages.json`
    CreateMessage,
    /// `GET Messages/{Sid}.json`
    FetchMessage,
    /// `GET Messages.json`
    ListMessages,
    /// `POST Calls.json`
    CreateCall,
    /// `GET Calls/{Sid}.json`
    FetchCall,
    /// `GET Calls.json`
    ListCalls,
    /// `GET Accounts/{AccountSid}.json`
    FetchAccount,
    /// `POST /v2/Services/{ServiceSid}/Verifications` (Verify)
    CreateVerification,
    /// `POST /v2/Services/{ServiceSid}/VerificationCheck` (Verify)
    CheckVerification,
    /// `GET /v2/PhoneNumbers/{PhoneNumber}` (Lookup)
    FetchPhoneNumber,
}

/// What goes wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum FaultKind {
    /// 429 with error 20429; the request is not processed.
    TooManyRequests {
        /// `Retry-After` seconds, if the header should be sent.
        retry_after_secs: Option<u32>,
    },
    /// A 5xx (500, 502, 503 or 504) with a Twilio error body; the request is not processed.
    ServerError {
        /// HTTP status.
        status: u16,
        /// `Retry-After` seconds, if the header should be sent.
        retry_after_secs: Option<u32>,
    },
    /// The request is processed normally but answered only after a delay.
    Slow {
        /// Delay in milliseconds.
        delay_ms: u64,
    },
    /// The request IS processed (the message or call exists), then the connection is cut after
    /// part of the response: the client cannot know it succeeded.
    ResetMidResponse,
    /// The request IS processed (the message or call exists), then the connection is closed
    /// without a byte of response, as a keep-alive connection the server times out just as the
    /// request arrives: the client cannot know it succeeded.
    CloseWithoutResponse,
    /// The connection is closed without a byte of response BEFORE the request is processed
    /// (no message or call exists), though the whole request was read: the client cannot
    /// know it failed.
    CloseBeforeProcessing,
}

/// One fault rule. Rules are checked in the order they were added; the first that fires wins.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaultRule {
    /// What goes wrong.
    pub kind: FaultKind,
    /// Only this operation (None: every API request, never `/_sim/`).
    #[serde(default)]
    pub endpoint: Option<Endpoint>,
    /// Fire for this many matching requests, then disappear (None: forever).
    #[serde(default)]
    pub count: Option<u32>,
    /// Fire for this percentage of matching requests (None: 100).
    #[serde(default)]
    pub percent: Option<f64>,
}

impl FaultRule {
    /// A rule that fires on the next `count` requests to `endpoint`.
    ///
    /// ```
    /// use twilio_sim::faults::{Endpoint, FaultKind, FaultRule};
    /// let rule = FaultRule::next(
    ///     2,
    ///     Endpoint::CreateMessage,
    ///     FaultKind::TooManyRequests { retry_after_secs: Some(1) },
    /// );
    /// assert_eq!(rule.count, Some(2));
    /// ```
    pub fn next(count: u32, endpoint: Endpoint, kind: FaultKind) -> Self {
        Self {
            kind,
            endpoint: Some(endpoint),
            count: Some(count),
            percent: None,
        }
    }

    /// A rule that fires at random on `percent` of all API requests, forever.
    ///
    /// ```
    /// use twilio_sim::faults::{FaultKind, FaultRule};
    /// let rule = FaultRule::random(25.0, FaultKind::ServerError { status: 503, retry_after_secs: None });
    /// assert_eq!(rule.percent, Some(25.0));
    /// ```
    pub fn random(percent: f64, kind: FaultKind) -> Self {
        Self {
            kind,
            endpoint: None,
            count: None,
            percent: Some(percent),
        }
    }
}

/// The active fault rules.
#[derive(Debug, Default)]
pub(crate) struct Faults {
    rules: Mutex<Vec<FaultRule>>,
}

impl Faults {
    fn rules(&self) -> std::sync::MutexGuard<'_, Vec<FaultRule>> {
        self.rules
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(crate) fn add(&self, rule: FaultRule) {
        self.rules().push(rule);
    }

    pub(crate) fn clear(&self) {
        self.rules().clear();
    }

    pub(crate) fn list(&self) -> Vec<FaultRule> {
        self.rules().clone()
    }

    /// The fault to apply to a request for `endpoint`, consuming one use of its rule.
    pub(crate) fn take(&self, endpoint: Endpoint) -> Option<FaultKind> {
        let mut rules = self.rules();
        if rules.is_empty() {
            return None;
        }
        let index = rules.iter().position(|rule| {
            rule.endpoint.is_none_or(|e| e == endpoint)
                && rule.count != Some(0)
                && rule
                    .percent
                    .is_none_or(|p| rand::random::<f64>() * 100.0 < p)
        })?;
        let rule = &mut rules[index];
        let kind = rule.kind;
        if let Some(count) = rule.count.as_mut() {
            *count -= 1;
            if *count == 0 {
                rules.remove(index);
            }
        }
        Some(kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counted_rules_expire_and_match_only_their_endpoint() {
        let faults = Faults::default();
        let kind = FaultKind::ServerError {
            status: 500,
            retry_after_secs: None,
        };
        faults.add(FaultRule::next(2, Endpoint::CreateMessage, kind));
        assert_eq!(faults.take(Endpoint::CreateCall), None);
        assert_eq!(faults.take(Endpoint::CreateMessage), Some(kind));
        assert_eq!(faults.take(Endpoint::CreateMessage), Some(kind));
        assert_eq!(faults.take(Endpoint::CreateMessage), None);
        assert!(faults.list().is_empty());
    }

    #[test]
    fn percentages_fire_roughly_that_often() {
        let faults = Faults::default();
        faults.add(FaultRule::random(50.0, FaultKind::Slow { delay_ms: 1 }));
        let fired = (0..2000)
            .filter(|_| faults.take(Endpoint::FetchCall).is_some())
            .count();
        assert!((800..1200).contains(&fired), "{fired}");
        faults.clear();
        faults.add(FaultRule::random(0.0, FaultKind::Slow { delay_ms: 1 }));
        assert_eq!(faults.take(Endpoint::FetchCall), None);
    }
}
