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

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use twilio_core::alerting::Severity;
use twilio_core::outcome::Outcome;
use twilio_embedded::client::RaisedAt;
use twilio_embedded::tls::CertificateClock;
use twilio_embedded::{Alert, Buffers};
use twilio_sim::{LeafValidity, SimConfig};

use common::{RecordingSleeper, Setup, TO, TokioConnector, client, start_sim, start_sim_with};

/// The tests of this binary take turns: they set the one process-wide clock.
async fn clock_lock() -> tokio::sync::MutexGuard<'static, ()> {
    static LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    LOCK.lock().await
}

fn unix_now() -> u32 {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    u32::try_from(now.as_secs()).unwrap()
}

/// A simulator whose server certificate is valid from `not_before` to `not_after` (relative to
/// now, in days).
async fn sim_valid_between(not_before: i64, not_after: i64) -> twilio_sim::Simulator {
    let at = |days: i64| {
        let offset = Duration::from_secs(days.unsigned_abs() * 86_400);
        if days < 0 {
            SystemTime::now() - offset
        } else {
            SystemTime::now() + offset
        }
    };
    start_sim_with(SimConfig {
        leaf_validity: Some(LeafValidity {
            not_before: at(not_before),
            not_after: at(not_after),
        }),
        ..SimConfig::default()
    })
    .await
}

#[tokio::test]
async fn expired_and_not_yet_valid_certificates_refused_once_the_time_is_known() {
    let _turn = clock_lock().await;
    for (not_before, not_after, what) in [(-60, -1, "expired"), (1, 60, "not valid yet")] {
        let sim = sim_valid_between(not_before, not_after).await;
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

        CertificateClock::set_unix_time(unix_now());
        let outcome = client.send_sms(TO, "refused").await.unwrap();
        assert_eq!(outcome, Outcome::Misconfigured { code: None }, "{what}");
        assert!(sim.requests().is_empty(), "{what}");

        // Without the time only chain and name are checked: the same server is accepted.
        CertificateClock::forget();
        let outcome = client.send_sms(TO, "dates unchecked").await.unwrap();
        assert!(
            matches!(outcome, Outcome::Accepted { .. }),
            "{what}: {outcome:?}"
        );
    }

    let sim = sim_valid_between(-1, 1).await;
    let setup = Setup::for_sim(&sim);
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
    CertificateClock::set_unix_time(unix_now());
    let outcome = client.send_sms(TO, "valid today").await.unwrap();
    assert!(matches!(outcome, Outcome::Accepted { .. }), "{outcome:?}");
    CertificateClock::forget();
}

#[tokio::test]
async fn a_late_text_says_when_its_alert_was_raised() {
    let _turn = clock_lock().await;
    let sim = start_sim().await;
    let setup = Setup::for_sim(&sim);
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
    // 14:02:30 UTC on the day of 1_796_565_750; sent 20 minutes later.
    let raised = 1_796_565_750;
    CertificateClock::set_unix_time(raised + 1_200);
    let on_time = Alert::new(
        Severity::Warning,
        "Pico W: 46.0 C reached the warning level 45.0 C",
    )
    .with_raised_at(RaisedAt::Unix(raised + 1_190));
    let late = on_time.clone().with_raised_at(RaisedAt::Unix(raised));
    // The dates of the simulator's default certificate hold in 2026 too.
    client.send(on_time).await.unwrap();
    client.send(late).await.unwrap();
    CertificateClock::forget();
    let bodies: Vec<String> = sim.messages().into_iter().map(|m| m.body).collect();
    assert_eq!(
        bodies,
        [
            "Pico W: 46.0 C reached the warning level 45.0 C",
            "Pico W: 46.0 C reached the warning level 45.0 C at 14:02Z",
        ]
    );
}

#[tokio::test]
async fn validity_dates_are_checked_once_the_time_is_known() {
    let _turn = clock_lock().await;
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
    CertificateClock::set_unix_time(unix_now());
    let outcome = client.send_sms(TO, "on time").await.unwrap();
    assert!(matches!(outcome, Outcome::Accepted { .. }), "{outcome:?}");

    // Unknown time: dates unchecked, chain and name still are.
    CertificateClock::forget();
    client.disconnect();
    let outcome = client.send_sms(TO, "no clock").await.unwrap();
    assert!(matches!(outcome, Outcome::Accepted { .. }), "{outcome:?}");
    assert_eq!(sim.messages().len(), 2);
}
