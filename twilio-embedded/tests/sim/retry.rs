//! Retries: backoff through the injected sleeper, Retry-After honoured, permanent errors final.

use std::time::Duration;

use twilio_core::outcome::{ErrorCode, Outcome};
use twilio_embedded::Buffers;
use twilio_embedded::retry::RetryPolicy;
use twilio_sim::{Endpoint, FaultKind, FaultRule};

use crate::common::sim_client;
use crate::common::{INVALID_TO, RecordingSleeper, Setup, TO, TokioConnector, client, start_sim};

#[tokio::test]
async fn too_many_requests_then_success_waits_as_the_server_asks() {
    let sim = start_sim().await;
    for secs in [1, 2] {
        sim.add_fault(FaultRule::next(
            1,
            Endpoint::CreateMessage,
            FaultKind::TooManyRequests {
                retry_after_secs: Some(secs),
            },
        ));
    }
    sim_client!(sim, sim.local_addr() => client, connector, sleeper);

    let outcome = client.send_sms(TO, "Pump 4 stalled").await.unwrap();
    assert!(matches!(outcome, Outcome::Accepted { .. }), "{outcome:?}");
    // Backoff would be 50-100 ms then 100-200 ms; Retry-After asks for longer, and wins.
    assert_eq!(
        sleeper.delays(),
        [Duration::from_secs(1), Duration::from_secs(2)]
    );
    let statuses: Vec<u16> = sim.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [429, 429, 201]);
    assert_eq!(sim.messages().len(), 1, "one message, not three");
    assert_eq!(connector.connects(), 1, "429s keep the connection");
}

#[tokio::test]
async fn server_errors_back_off_exponentially_with_jitter_then_give_up() {
    let sim = start_sim().await;
    sim.add_fault(FaultRule::next(
        10,
        Endpoint::CreateMessage,
        FaultKind::ServerError {
            status: 503,
            retry_after_secs: None,
        },
    ));
    sim_client!(sim, sim.local_addr() => client, connector, sleeper);

    let outcome = client.send_sms(TO, "Pump 4 stalled").await.unwrap();
    assert!(matches!(outcome, Outcome::Retry { .. }), "{outcome:?}");
    let delays = sleeper.delays();
    assert_eq!(delays.len(), 3, "4 attempts, 3 waits: {delays:?}");
    for (delay, full_ms) in delays.iter().zip([100u64, 200, 400]) {
        let ms = u64::try_from(delay.as_millis()).unwrap();
        assert!((full_ms / 2..=full_ms).contains(&ms), "{delays:?}");
    }
    assert_eq!(sim.requests().len(), 4);
    assert!(sim.messages().is_empty());
}

#[tokio::test]
async fn invalid_to_21211_is_not_retried() {
    let sim = start_sim().await;
    sim_client!(sim, sim.local_addr() => client, connector, sleeper);

    let outcome = client
        .send_sms(INVALID_TO, "nobody reads this")
        .await
        .unwrap();
    assert_eq!(
        outcome,
        Outcome::Rejected {
            code: Some(ErrorCode::INVALID_TO)
        }
    );
    assert!(sleeper.delays().is_empty());
    assert_eq!(sim.requests().len(), 1);
    assert!(client.is_connected(), "a 400 keeps the connection");
}

#[tokio::test]
async fn bad_credentials_are_misconfiguration_not_retried() {
    let sim = start_sim().await;
    let setup = Setup {
        retry: RetryPolicy::default(),
        ..Setup::for_sim(&sim)
    };
    let anchors = setup.anchor_refs();
    let mut buffers = Buffers::new();
    let connector = TokioConnector::new(sim.local_addr());
    let sleeper = RecordingSleeper::default();
    let credentials = twilio_core::auth::Credentials::auth_token(
        sim.account_sid(),
        "00000000000000000000000000000000",
    )
    .unwrap();
    let mut client = client(
        &sim,
        &setup,
        &anchors,
        connector,
        sleeper.clone(),
        &mut buffers,
    );
    client.config_mut().credentials = credentials;

    let outcome = client.send_sms(TO, "nobody reads this").await.unwrap();
    assert_eq!(
        outcome,
        Outcome::Misconfigured {
            code: Some(ErrorCode(20003))
        }
    );
    assert!(sleeper.delays().is_empty());
}

/// The server processes the request, then the connection dies mid-response: the client cannot
/// know it was sent, so it sends again (for alerts a duplicate is preferred to a loss).
#[tokio::test]
async fn connection_cut_mid_response_is_retried_on_a_new_connection() {
    let sim = start_sim().await;
    sim.add_fault(FaultRule::next(
        1,
        Endpoint::CreateMessage,
        FaultKind::ResetMidResponse,
    ));
    sim_client!(sim, sim.local_addr() => client, connector, sleeper);

    let outcome = client.send_sms(TO, "Valve 7 open").await.unwrap();
    assert!(matches!(outcome, Outcome::Accepted { .. }), "{outcome:?}");
    assert_eq!(sleeper.delays().len(), 1, "one backoff before the resend");
    assert_eq!(connector.connects(), 2);
    assert_eq!(
        sim.messages().len(),
        2,
        "sent twice: the first answer was lost"
    );
}
