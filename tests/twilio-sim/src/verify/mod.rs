//! Verify v2 and Lookup v2 as Twilio answers them: codes issued, checked, expired and
//! rate limited per verification, and line types by documented test-number prefixes.
//!
//! Limits, as Twilio documents them: a verification lives 10 minutes; it may be sent 5 times
//! (the 6th send is refused with 60203) and checked 5 times (the 6th check is refused with
//! 60202, and the verification is spent). A wrong code is a 200 with `status: pending`; a check
//! with no pending verification is a 404 with 20404.

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

/// How long a verification stays pending.
pub const VERIFICATION_TTL: Duration = Duration::from_secs(600);
/// Sends allowed per verification (the first included).
pub const MAX_SEND_ATTEMPTS: u32 = 5;
/// Checks allowed per verification.
pub const MAX_CHECK_ATTEMPTS: u32 = 5;

/// A line type as Lookup's line type intelligence names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum LineType {
    /// `mobile`: the default.
    Mobile,
    /// `landline`: numbers starting `+1555020`.
    Landline,
    /// `fixedVoip`: numbers starting `+1555030`.
    FixedVoip,
    /// `nonFixedVoip`: numbers starting `+1555040`.
    NonFixedVoip,
    /// `tollFree`: numbers starting `+1800`.
    TollFree,
}

impl LineType {
    /// The line type the simulator gives `number` (see the README's Lookup table).
    pub fn of(number: &str) -> Self {
        if number.starts_with("+1555020") {
            Self::Landline
        } else if number.starts_with("+1555030") {
            Self::FixedVoip
        } else if number.starts_with("+1555040") {
            Self::NonFixedVoip
        } else if number.starts_with("+1800") {
            Self::TollFree
        } else {
            Self::Mobile
        }
    }

    /// Twilio's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Mobile => "mobile",
            Self::Landline => "landline",
            Self::FixedVoip => "fixedVoip",
            Self::NonFixedVoip => "nonFixedVoip",
            Self::TollFree => "tollFree",
        }
    }
}

/// One verification, as `GET /_sim/verifications` shows it (code included, so tests can
/// complete it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerificationRecord {
    /// `VE...`.
    pub sid: String,
    /// `VA...`.
    pub service_sid: String,
    /// The number verified.
    pub to: String,
    /// `sms`, `call` or `whatsapp` (the latest send's).
    pub channel: String,
    /// The code sent (6 digits).
    pub code: String,
    /// `pending`, `approved`, `canceled`, `expired` or `max_attempts_reached`.
    pub status: String,
    /// Sends so far.
    pub send_attempts: u32,
    /// Checks so far.
    pub check_attempts: u32,
    /// When it was created.
    pub created_at: SystemTime,
}

impl VerificationRecord {
    fn expired(&self, now: SystemTime) -> bool {
        now.duration_since(self.created_at)
            .is_ok_and(|age| age >= VERIFICATION_TTL)
    }
}

/// Why a Verify request was refused: HTTP status, Twilio code, message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refusal {
    pub(crate) status: u16,
    pub(crate) code: u32,
    pub(crate) message: String,
}

impl Refusal {
    fn new(status: u16, code: u32, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }
}

/// Which verification a check names.
pub(crate) enum CheckTarget<'a> {
    To(&'a str),
    Sid(&'a str),
}

/// Every verification the simulator issued, oldest first.
#[derive(Debug, Default)]
pub(crate) struct Verifications {
    all: Mutex<Vec<VerificationRecord>>,
}

impl Verifications {
    fn lock(&self) -> MutexGuard<'_, Vec<VerificationRecord>> {
        self.all.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// All verifications, oldest first.
    pub(crate) fn list(&self) -> Vec<VerificationRecord> {
        self.lock().clone()
    }

    pub(crate) fn reset(&self) {
        self.lock().clear();
    }

    /// Ages every pending verification of `to` (all numbers when `None`) past its lifetime.
    pub(crate) fn expire(&self, to: Option<&str>) -> usize {
        let mut all = self.lock();
        let mut n = 0;
        for v in all.iter_mut() {
            if v.status == "pending" && to.is_none_or(|t| t == v.to) {
                v.created_at = v
                    .created_at
                    .checked_sub(VERIFICATION_TTL)
                    .unwrap_or(SystemTime::UNIX_EPOCH);
                n += 1;
            }
        }
        n
    }

    /// Starts a verification of `to`, or sends the pending one's code again.
    pub(crate) fn start(
        &self,
        service_sid: &str,
        to: &str,
        channel: &str,
        now: SystemTime,
    ) -> Result<VerificationRecord, Refusal> {
        if channel == "sms" && LineType::of(to) == LineType::Landline {
            return Err(Refusal::new(
                400,
                60205,
                "SMS is not supported by landline phone number",
            ));
        }
        let mut all = self.lock();
        settle(&mut all, now);
        if let Some(v) = all
            .iter_mut()
            .find(|v| v.service_sid == service_sid && v.to == to && v.status == "pending")
        {
            if v.send_attempts >= MAX_SEND_ATTEMPTS {
                return Err(Refusal::new(429, 60203, "Max send attempts reached"));
            }
            v.send_attempts += 1;
            channel.clone_into(&mut v.channel);
            return Ok(v.clone());
        }
        let record = VerificationRecord {
            sid: crate::ids::new_sid("VE"),
            service_sid: service_sid.to_owned(),
            to: to.to_owned(),
            channel: channel.to_owned(),
            code: format!("{:06}", rand::random::<u32>() % 1_000_000),
            status: "pending".to_owned(),
            send_attempts: 1,
            check_attempts: 0,
            created_at: now,
        };
        all.push(record.clone());
        Ok(record)
    }

    /// Checks `code`; a wrong code leaves the verification pending.
    pub(crate) fn check(
        &self,
        service_sid: &str,
        target: &CheckTarget<'_>,
        code: &str,
        now: SystemTime,
    ) -> Result<VerificationRecord, Refusal> {
        let mut all = self.lock();
        settle(&mut all, now);
        let found = all.iter_mut().rev().find(|v| {
            v.service_sid == service_sid
                && match target {
                    CheckTarget::To(to) => v.to == *to,
                    CheckTarget::Sid(sid) => v.sid == *sid,
                }
        });
        let not_found = || {
            Refusal::new(
                404,
                20404,
                format!(
                    "The requested resource /Services/{service_sid}/VerificationCheck was not found"
                ),
            )
        };
        let Some(v) = found else {
            return Err(not_found());
        };
        match v.status.as_str() {
            "pending" => {}
            "max_attempts_reached" => {
                return Err(Refusal::new(429, 60202, "Max check attempts reached"));
            }
            _ => return Err(not_found()),
        }
        if v.check_attempts >= MAX_CHECK_ATTEMPTS {
            "max_attempts_reached".clone_into(&mut v.status);
            return Err(Refusal::new(429, 60202, "Max check attempts reached"));
        }
        v.check_attempts += 1;
        if v.code == code {
            "approved".clone_into(&mut v.status);
        }
        Ok(v.clone())
    }
}

/// Marks verifications past their lifetime as expired.
fn settle(all: &mut [VerificationRecord], now: SystemTime) {
    for v in all.iter_mut().filter(|v| v.status == "pending") {
        if v.expired(now) {
            "expired".clone_into(&mut v.status);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VA: &str = "VA0123456789abcdef0123456789abcdef";

    #[test]
    fn approve_after_a_wrong_code() {
        let v = Verifications::default();
        let now = SystemTime::now();
        let started = v.start(VA, "+15551230001", "sms", now).unwrap();
        let wrong = if started.code == "000000" {
            "111111"
        } else {
            "000000"
        };
        let checked = v
            .check(VA, &CheckTarget::To("+15551230001"), wrong, now)
            .unwrap();
        assert_eq!(checked.status, "pending");
        let ok = v
            .check(VA, &CheckTarget::Sid(&started.sid), &started.code, now)
            .unwrap();
        assert_eq!(ok.status, "approved");
        // Approved: no pending verification any more.
        let again = v.check(VA, &CheckTarget::To("+15551230001"), &started.code, now);
        assert_eq!(again.unwrap_err().code, 20404);
    }

    #[test]
    fn limits_and_expiry() {
        let v = Verifications::default();
        let now = SystemTime::now();
        let first = v.start(VA, "+15551230001", "sms", now).unwrap();
        for _ in 1..MAX_SEND_ATTEMPTS {
            assert_eq!(
                v.start(VA, "+15551230001", "call", now).unwrap().sid,
                first.sid
            );
        }
        assert_eq!(
            v.start(VA, "+15551230001", "sms", now).unwrap_err().code,
            60203
        );
        let wrong = if first.code == "000000" {
            "111111"
        } else {
            "000000"
        };
        for _ in 0..MAX_CHECK_ATTEMPTS {
            let target = CheckTarget::To("+15551230001");
            assert_eq!(v.check(VA, &target, wrong, now).unwrap().status, "pending");
        }
        let target = CheckTarget::To("+15551230001");
        assert_eq!(
            v.check(VA, &target, &first.code, now).unwrap_err().code,
            60202
        );
        assert_eq!(
            v.check(VA, &target, &first.code, now).unwrap_err().code,
            60202
        );

        let second = v.start(VA, "+15551230002", "sms", now).unwrap();
        let later = now + VERIFICATION_TTL;
        let target = CheckTarget::To("+15551230002");
        assert_eq!(
            v.check(VA, &target, &second.code, later).unwrap_err().code,
            20404
        );
        assert_eq!(v.list().last().unwrap().status, "expired");
        // Expired: a new send starts a new verification.
        assert_ne!(
            v.start(VA, "+15551230002", "sms", later).unwrap().sid,
            second.sid
        );
        assert_eq!(v.expire(Some("+15551230002")), 1);
    }

    #[test]
    fn landlines_get_no_sms_code_and_line_types_follow_prefixes() {
        let v = Verifications::default();
        let now = SystemTime::now();
        assert_eq!(
            v.start(VA, "+15550200001", "sms", now).unwrap_err().code,
            60205
        );
        assert!(v.start(VA, "+15550200001", "call", now).is_ok());
        assert_eq!(LineType::of("+15550200001"), LineType::Landline);
        assert_eq!(LineType::of("+15550300001"), LineType::FixedVoip);
        assert_eq!(LineType::of("+15550400001"), LineType::NonFixedVoip);
        assert_eq!(LineType::of("+18005550100"), LineType::TollFree);
        assert_eq!(LineType::of("+447700900123"), LineType::Mobile);
    }
}
