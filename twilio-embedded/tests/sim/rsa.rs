//! RSA server certificates (api.twilio.com serves RSA today): verified with the `rsa` feature,
//! refused without it (the client then offers only ECDSA signature schemes).

use twilio_core::outcome::Outcome;
use twilio_embedded::Buffers;
use twilio_sim::{LeafKey, SimConfig};

use crate::common::{RecordingSleeper, Setup, TO, TokioConnector, client, start_sim_with};

#[tokio::test]
async fn rsa_server_certificate() {
    let sim = start_sim_with(SimConfig {
        leaf_key: LeafKey::Rsa2048,
        ..SimConfig::default()
    })
    .await;
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

    let outcome = client.send_sms(TO, "RSA leaf").await.unwrap();
    if cfg!(feature = "rsa") {
        assert!(matches!(outcome, Outcome::Accepted { .. }), "{outcome:?}");
        assert_eq!(sim.messages().len(), 1);
    } else {
        assert!(!matches!(outcome, Outcome::Accepted { .. }), "{outcome:?}");
        assert!(sim.requests().is_empty());
    }
}
