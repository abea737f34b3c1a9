//! What every parsed alert must satisfy, shared by the ingest targets: it passes the API's own
//! checks, its fingerprint is stable, and the notification texts built from it (SMS fitted to a
//! segment budget, the spoken text) can be made without panicking.

use alertd::http::alerts::check_alert;
use alertd::http::errors::ApiError;
use alertd::domain::alert::{Alert, LabelSet};
use alertd::domain::text_budget;
use alertd::pipeline::render;
use alertd::domain::time::Timestamp;

/// A fixed "now" from the input's first bytes, so time parsing sees past and future alike.
pub fn now(seed: &[u8]) -> Timestamp {
    let mut ms = [0u8; 8];
    for (d, s) in ms.iter_mut().zip(seed) {
        *d = *s;
    }
    Timestamp(i64::from_le_bytes(ms).rem_euclid(4_102_444_800_000))
}

pub fn outcome(parsed: Result<Vec<Alert>, ApiError>, now: Timestamp) {
    match parsed {
        Ok(alerts) => {
            for (i, alert) in alerts.iter().enumerate() {
                check_alert(alert, &format!("alert {i}")).expect("parse returns only valid alerts");
                assert_eq!(alert.fingerprint(), alert.clone().fingerprint());
                let _ = alert.is_resolved_at(now);
            }
            let refs: Vec<&Alert> = alerts.iter().take(16).collect();
            let group = LabelSet::new();
            let sms = render::sms_text(&refs, &[], &group);
            let budget = 1 + u16::try_from(alerts.len() % 4).unwrap_or(0);
            let fitted = text_budget::fit(&sms, budget);
            assert!(
                text_budget::count(&fitted).segments <= usize::from(budget),
                "the SMS text fits its segment budget"
            );
            let _ = render::voice_text(&refs, &group);
        }
        Err(e) => {
            // Every refusal maps to an HTTP status and a message.
            let (status, _) = e.status();
            assert!(status.is_client_error() || status.is_server_error());
            assert!(!e.to_string().is_empty());
        }
    }
}
