//! Certificate validity dates, checked once the firmware sets `CertificateClock`. Its own test
//! binary: the clock is process-wide.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    unreachable_pub
)]

#[path = "sim/common.rs"]
mod common;

use std::time::{SystemTime, UNIX_EPOCH};

use twilio_core::outcome::Outcome;
use twilio_embedded::Buffers;
use twilio_embedded::tls::CertificateClock;

use common::{RecordingSleeper, Setup, TO, TokioConnector, client, start_sim};

#[tokio::test]
async fn validity_dates_are_checked_once_the_time_is_known() {
    let sim = start_sim().await;
    let setup = Setup {
        retry: twilio_embedded::retry::RetryPolicy::NEVER,
        ..Setup::for_sim(&sim)
    };
    let anchors = setup.anchor_refs();
    let mut buffers = Buffers::new();
    let connector = TokioConnector::new(sim.local_addr());
    let mut client = client(
        &sim,
        &setup,
        &anchors,
        connector,
        RecordingSleeper::default(),
        &mut buffers,
    );

    // 1970-01-02: before the simulator's certificates were valid.
    CertificateClock::set_unix_time(86_400);
    let outcome = client.send_sms(TO, "too early").await.unwrap();
    assert_eq!(outcome, Outcome::Misconfigured { code: None });
    assert!(sim.requests().is_empty());

    // The real time: valid.
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    CertificateClock::set_unix_time(u32::try_from(now).unwrap());
    let outcome = client.send_sms(TO, "on time").await.unwrap();
    assert!(matches!(outcome, Outcome::Accepted { .. }), "{outcome:?}");

    // Unknown time: dates unchecked, chain and name still are.
    CertificateClock::forget();
    client.disconnect();
    let outcome = client.send_sms(TO, "no clock").await.unwrap();
    assert!(matches!(outcome, Outcome::Accepted { .. }), "{outcome:?}");
    assert_eq!(sim.messages().len(), 2);
}
