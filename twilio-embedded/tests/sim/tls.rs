//! Accepted requests, and what the TLS verifier accepts and rejects.

use twilio_core::outcome::{Outcome, ResourceStatus};
use twilio_core::response::{CallStatus, MessageStatus};
use twilio_embedded::Buffers;

use crate::common::sim_client;
use crate::common::{
    RecordingSleeper, Setup, TO, TokioConnector, client, start_sim, unrelated_ca_der,
};

#[tokio::test]
async fn sms_accepted_over_tls13() {
    let sim = start_sim().await;
    sim_client!(sim, sim.local_addr() => client, connector, sleeper);

    let outcome = client.send_sms(TO, "Freezer 2 at -4 C").await.unwrap();
    let Outcome::Accepted { sid, status } = outcome else {
        panic!("not accepted: {outcome:?}");
    };
    assert_eq!(status, ResourceStatus::Message(MessageStatus::Queued));
    let messages = sim.messages();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].body, "Freezer 2 at -4 C");
    assert_eq!(messages[0].to, TO);
    assert_eq!(sid.unwrap().as_str(), messages[0].sid);
    assert!(
        client.is_connected(),
        "the connection is kept for the next request"
    );
}

#[tokio::test]
async fn call_accepted_with_inline_twiml() {
    let sim = start_sim().await;
    sim_client!(sim, sim.local_addr() => client, connector, sleeper);

    let twiml = "<Response><Say>Boiler 3 is over 90 degrees.</Say></Response>";
    let outcome = client.call(TO, twiml).await.unwrap();
    assert!(
        matches!(
            outcome,
            Outcome::Accepted {
                sid: Some(_),
                status: ResourceStatus::Call(CallStatus::Queued)
            }
        ),
        "{outcome:?}"
    );
    let calls = sim.calls();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].to, TO);
    let request = sim.requests().pop().unwrap();
    assert_eq!(request.form_value("Twiml"), Some(twiml));
}

#[tokio::test]
async fn wrong_hostname_rejected() {
    let sim = start_sim().await;
    let mut setup = Setup::for_sim(&sim);
    setup.server_name = "api.example.com".to_owned();
    let anchors = setup.anchor_refs();
    let mut buffers = Buffers::new();
    let connector = TokioConnector::new(sim.local_addr());
    let sleeper = RecordingSleeper::default();
    let mut client = client(
        &sim,
        &setup,
        &anchors,
        connector.clone(),
        sleeper.clone(),
        &mut buffers,
    );

    let outcome = client.send_sms(TO, "never sent").await.unwrap();
    assert_eq!(outcome, Outcome::Misconfigured { code: None });
    assert!(
        sim.requests().is_empty(),
        "no HTTP request reached the server"
    );
    assert!(
        sleeper.delays().is_empty(),
        "a rejected certificate is not retried"
    );
    assert_eq!(connector.connects(), 1);
    assert!(!client.is_connected());
}

#[tokio::test]
async fn unknown_ca_rejected() {
    let sim = start_sim().await;
    let mut setup = Setup::for_sim(&sim);
    setup.anchors = vec![unrelated_ca_der()];
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

    let outcome = client.send_sms(TO, "never sent").await.unwrap();
    assert_eq!(outcome, Outcome::Misconfigured { code: None });
    assert!(sim.requests().is_empty());
}

#[tokio::test]
async fn no_anchors_rejects_everything() {
    let sim = start_sim().await;
    let mut setup = Setup::for_sim(&sim);
    setup.anchors.clear();
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

    let outcome = client.send_sms(TO, "never sent").await.unwrap();
    assert_eq!(outcome, Outcome::Misconfigured { code: None });
    assert!(sim.requests().is_empty());
}

/// The DigiCert -> Amazon move: the device trusts both; whichever the server uses verifies.
#[tokio::test]
async fn either_of_two_anchors_accepted() {
    let sim = start_sim().await;
    let other = unrelated_ca_der();
    for anchors_in_order in [
        vec![other.clone(), sim.ca_der().to_vec()],
        vec![sim.ca_der().to_vec(), other.clone()],
    ] {
        let mut setup = Setup::for_sim(&sim);
        setup.anchors = anchors_in_order;
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
        let outcome = client.send_sms(TO, "two anchors").await.unwrap();
        assert!(matches!(outcome, Outcome::Accepted { .. }), "{outcome:?}");
    }
    assert_eq!(sim.messages().len(), 2);
}

/// The server moves to a new CA (as api.twilio.com moves from DigiCert to Amazon): a device that
/// only trusts the old one keeps its alert, and delivers it once new anchors arrive as data
/// (here through `config_mut`, on a board from flash or an OTA payload), with no code change.
#[tokio::test]
async fn new_anchors_delivered_as_data_after_the_server_changes_ca() {
    use twilio_core::alerting::Severity;
    use twilio_embedded::Alert;
    use twilio_embedded::tls::{ServerVerification, TrustAnchors};

    let sim = start_sim().await;
    sim_client!(sim, sim.local_addr() => client, connector, sleeper);
    let before = client.send_sms(TO, "before the move").await.unwrap();
    assert!(matches!(before, Outcome::Accepted { .. }), "{before:?}");

    let new_ca = sim.rotate_certificate().unwrap();
    client.disconnect();
    let delivery = client
        .send(Alert::new(Severity::Warning, "during the move"))
        .await
        .unwrap();
    assert_eq!(
        delivery.outcomes[0].outcome,
        Outcome::Misconfigured { code: None }
    );
    assert_eq!(delivery.queued, 1, "the alert waits for new anchors");

    // The update: both roots, old first (it may still be in use elsewhere).
    let new_der: &'static [u8] = Box::leak(new_ca.der.into_boxed_slice());
    let old_der: &'static [u8] = Box::leak(sim.ca_der().to_vec().into_boxed_slice());
    let both: &'static [&'static [u8]] = Box::leak(Box::new([old_der, new_der]));
    client.config_mut().tls.verification = ServerVerification::anchors(TrustAnchors::new(both));
    let delivery = client.flush_outbox().await.unwrap();
    assert_eq!((delivery.completed, delivery.queued), (1, 0));
    let bodies: Vec<String> = sim.messages().into_iter().map(|m| m.body).collect();
    assert_eq!(bodies, ["before the move", "during the move"]);
}
