//! `[twilio] verify_service_sid` and `require_verified`: number enrolment settings.

use super::{ConfigError, TwilioConfig, invalid};

impl TwilioConfig {
    /// A Verify Service SID is `VA` + 32 hex digits; `require_verified` needs one, since
    /// without Verify no number can become verified.
    pub(crate) fn check_verify(&self) -> Result<(), ConfigError> {
        if let Some(va) = &self.verify_service_sid
            && twilio_core::sid::VerifyServiceSid::parse(va).is_err()
        {
            return Err(invalid(
                "twilio.verify_service_sid",
                format!("{va:?} is not VA + 32 hex digits"),
            ));
        }
        if self.require_verified && self.verify_service_sid.is_none() {
            return Err(invalid(
                "twilio.require_verified",
                "needs twilio.verify_service_sid: numbers are verified through Twilio Verify"
                    .into(),
            ));
        }
        Ok(())
    }

    /// The Verify Service enrolment codes go through, if configured.
    ///
    /// ```
    /// let text = "[twilio]\nverify_service_sid = \"VA0123456789abcdef0123456789abcdef\"\n\
    ///     [[receivers]]\nname = \"a\"\n[route]\nreceiver = \"a\"\n";
    /// let cfg = alertd::config::Config::parse(text).unwrap();
    /// assert_eq!(cfg.twilio.verify_service_sid(), Some("VA0123456789abcdef0123456789abcdef"));
    /// assert!(!cfg.twilio.require_verified());
    /// assert!(alertd::config::Config::parse(&text.replace("VA01", "MG01")).is_err());
    /// ```
    pub fn verify_service_sid(&self) -> Option<&str> {
        self.verify_service_sid.as_deref()
    }

    /// Whether paging leaves out unverified numbers where a route has a verified one.
    pub fn require_verified(&self) -> bool {
        self.require_verified && self.verify_service_sid.is_some()
    }
}

#[cfg(test)]
mod tests {
    use crate::config::Config;

    const BASE: &str = "[[receivers]]\nname = \"a\"\n[route]\nreceiver = \"a\"\n";

    #[test]
    fn require_verified_needs_a_service() {
        let err = Config::parse(&format!("[twilio]\nrequire_verified = true\n{BASE}"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("verify_service_sid"), "{err}");
        let ok = Config::parse(&format!(
            "[twilio]\nrequire_verified = true\nverify_service_sid = \"VA0123456789abcdef0123456789abcdef\"\n{BASE}"
        ))
        .unwrap();
        assert!(ok.twilio.require_verified());
    }
}
