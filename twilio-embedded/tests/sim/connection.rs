//! Keep-alive reuse, a server closing the kept-alive connection, and the outbox.

use twilio_core::alerting::{AlertEvent, Instant, Severity};
use twilio_core::outcome::Outcome;
use twilio_embedded::{Alert, Buffers};

use crate::common::sim_client;
use crate::common::{Proxy, RecordingSleeper, Setup, TO, TokioConnector, client, start_sim};

#[tokio::test]
async fn requests_share_one_kept_alive_connection() {
    let sim = start_sim().await;
    let proxy = Proxy::start(sim.local_addr()).await;
    sim_client!(sim, proxy.addr => client, connector, sleeper);

    for i in 0..5 {
        let outcome = client.send_sms(TO, &format!("reading {i}")).await.unwrap();
        assert!(matches!(outcome, Outcome::Accepted { .. }), "{outcome:?}");
    }
    assert_eq!(proxy.accepted(), 1);
    assert_eq!(sim.messages().len(), 5);
}

#[tokio::test]
async fn server_closing_the_kept_alive_connection_is_handled() {
    let sim = start_sim().await;
    let proxy = Proxy::start(sim.local_addr()).await;
    sim_client!(sim, proxy.addr => client, connector, sleeper);

    let first = client.send_sms(TO, "first").await.unwrap();
    assert!(matches!(first, Outcome::Accepted { .. }));
    assert!(client.is_connected());

    // The server drops the idle connection.
    proxy.close_all().await;

    let second = client.send_sms(TO, "second").await.unwrap();
    assert!(matches!(second, Outcome::Accepted { .. }), "{second:?}");
    assert_eq!(proxy.accepted(), 2, "reconnected once");
    assert!(
        sleeper.delays().is_empty(),
        "an idle close is not a failure to back off from"
    );
    let bodies: Vec<String> = sim.messages().into_iter().map(|m| m.body).collect();
    assert_eq!(bodies, ["first", "second"], "each sent exactly once");
}

#[tokio::test]
async fn outbox_drains_oldest_first_after_the_link_comes_back() {
    let sim = start_sim().await;
    sim_client!(sim, sim.local_addr() => client, connector, sleeper);

    connector.set_up(false);
    let warm = AlertEvent::Raised {
        severity: Severity::Warning,
        value: 71,
        level: 70,
        at: Instant(1_000),
    };
    let delivery = client
        .send(Alert::from_event("Freezer 2", &warm))
        .await
        .unwrap();
    assert_eq!((delivery.completed, delivery.queued), (0, 1));
    assert!(delivery.outcomes.iter().all(|o| o.outcome.is_retry()));
    let hot = AlertEvent::Raised {
        severity: Severity::Critical,
        value: 95,
        level: 90,
        at: Instant(2_000),
    };
    let delivery = client
        .send(Alert::from_event("Freezer 2", &hot))
        .await
        .unwrap();
    assert_eq!((delivery.completed, delivery.queued), (0, 2));
    assert_eq!(client.outbox().len(), 2);
    assert!(sim.requests().is_empty());
    assert!(
        !sleeper.delays().is_empty(),
        "retries waited through the sleeper"
    );

    connector.set_up(true);
    let delivery = client.flush_outbox().await.unwrap();
    assert_eq!((delivery.completed, delivery.queued), (2, 0));
    assert!(client.outbox().is_empty());

    let requests = sim.requests();
    let paths: Vec<&str> = requests
        .iter()
        .map(|r| r.path.rsplit('/').next().unwrap())
        .collect();
    assert_eq!(paths, ["Messages.json", "Calls.json"], "oldest first");
    assert_eq!(
        sim.messages()[0].body,
        "Freezer 2: 71 reached the warning level 70"
    );
    let twiml = requests[1].form_value("Twiml").unwrap();
    assert!(
        twiml.contains("<Say>Freezer 2: 95 reached the critical level 90</Say>"),
        "{twiml}"
    );
}

#[tokio::test]
async fn a_new_alert_goes_after_the_queued_ones() {
    let sim = start_sim().await;
    sim_client!(sim, sim.local_addr() => client, connector, sleeper);

    assert_eq!(
        client
            .enqueue(Alert::new(Severity::Warning, "older"))
            .unwrap(),
        None
    );
    let delivery = client
        .send(Alert::new(Severity::Warning, "newer"))
        .await
        .unwrap();
    assert_eq!((delivery.completed, delivery.queued), (2, 0));
    let bodies: Vec<String> = sim.messages().into_iter().map(|m| m.body).collect();
    assert_eq!(bodies, ["older", "newer"]);
}

#[tokio::test]
async fn more_recipients_than_the_limit_is_an_error_not_a_send() {
    let sim = start_sim().await;
    let mut setup = Setup::for_sim(&sim);
    setup.recipients = vec![twilio_embedded::Recipient::sms_only(TO); 17];
    let anchors = setup.anchor_refs();
    let mut buffers = Buffers::new();
    let connector = TokioConnector::new(sim.local_addr());
    let mut client = client(
        &sim,
        &setup,
        &anchors,
        connector.clone(),
        RecordingSleeper::default(),
        &mut buffers,
    );

    let result = client.send(Alert::new(Severity::Warning, "too many")).await;
    assert_eq!(
        result,
        Err(twilio_embedded::ClientError::TooManyRecipients { max: 16 })
    );
    assert_eq!(connector.connects(), 0);
    assert!(client.outbox().is_empty());
}

/// Wrong credentials keep the alert (Misconfigured is not the recipient's fault); once the
/// firmware fixes its configuration the outbox delivers it.
#[tokio::test]
async fn alerts_wait_out_a_misconfiguration() {
    let sim = start_sim().await;
    sim_client!(sim, sim.local_addr() => client, connector, sleeper);
    let good = client.config().credentials.clone();
    client.config_mut().credentials = twilio_core::auth::Credentials::auth_token(
        sim.account_sid(),
        "00000000000000000000000000000000",
    )
    .unwrap();

    let delivery = client
        .send(Alert::new(Severity::Warning, "Door open"))
        .await
        .unwrap();
    assert!(matches!(
        delivery.outcomes[0].outcome,
        Outcome::Misconfigured { .. }
    ));
    assert_eq!((delivery.completed, delivery.queued), (0, 1));
    assert!(
        sleeper.delays().is_empty(),
        "misconfiguration is not retried"
    );

    client.config_mut().credentials = good;
    let delivery = client.flush_outbox().await.unwrap();
    assert_eq!((delivery.completed, delivery.queued), (1, 0));
    assert_eq!(sim.messages()[0].body, "Door open");
}

/// A permanently bad number is final: the alert leaves the outbox.
#[tokio::test]
async fn rejected_recipients_do_not_hold_the_outbox() {
    let sim = start_sim().await;
    let mut setup = Setup::for_sim(&sim);
    setup.recipients = vec![
        twilio_embedded::Recipient::sms_only(crate::common::INVALID_TO),
        twilio_embedded::Recipient::sms_only(TO),
    ];
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

    let delivery = client
        .send(Alert::new(Severity::Warning, "Door open"))
        .await
        .unwrap();
    assert!(matches!(
        delivery.outcomes[0].outcome,
        Outcome::Rejected { .. }
    ));
    assert!(matches!(
        delivery.outcomes[1].outcome,
        Outcome::Accepted { .. }
    ));
    assert_eq!((delivery.completed, delivery.queued), (1, 0));
}
