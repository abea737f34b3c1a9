//! Fault injection and rate limiting: 429, 5xx, slow answers, cut connections.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // Test helpers fail loudly.

mod common;

use std::time::{Duration, Instant};

use common::{post_form, send_sms, sim};
use twilio_sim::{Endpoint, FaultKind, FaultRule, RateLimitConfig};

/// A CreateMessage request, not yet sent.
fn create_request(sim: &twilio_sim::Simulator) -> reqwest::RequestBuilder {
    sim.client()
        .unwrap()
        .post(sim.messages_url())
        .basic_auth(sim.account_sid(), Some(sim.auth_token()))
        .form(&[
            ("To", "+14155550100"),
            ("From", "+15005550006"),
            ("Body", "hi"),
        ])
}

async fn create(sim: &twilio_sim::Simulator) -> reqwest::Response {
    create_request(sim).send().await.unwrap()
}

#[tokio::test]
async fn too_many_requests_for_n_requests_then_normal() {
    let sim = sim().await;
    sim.add_fault(FaultRule::next(
        2,
        Endpoint::CreateMessage,
        FaultKind::TooManyRequests {
            retry_after_secs: Some(3),
        },
    ));
    for _ in 0..2 {
        let response = create(&sim).await;
        assert_eq!(response.status(), 429);
        assert_eq!(response.headers()["retry-after"], "3");
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["code"], 20429);
        assert_eq!(body["status"], 429);
    }
    assert!(sim.messages().is_empty(), "a 429 is never processed");
    assert_eq!(create(&sim).await.status(), 201);
    let statuses: Vec<u16> = sim.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [429, 429, 201]);
}

#[tokio::test]
async fn server_errors_with_and_without_retry_after() {
    let sim = sim().await;
    sim.add_fault(FaultRule::next(
        1,
        Endpoint::CreateMessage,
        FaultKind::ServerError {
            status: 503,
            retry_after_secs: Some(5),
        },
    ));
    sim.add_fault(FaultRule::next(
        1,
        Endpoint::CreateMessage,
        FaultKind::ServerError {
            status: 500,
            retry_after_secs: None,
        },
    ));
    let first = create(&sim).await;
    assert_eq!(first.status(), 503);
    assert_eq!(first.headers()["retry-after"], "5");
    let body: serde_json::Value = first.json().await.unwrap();
    assert_eq!(body["code"], 20503);
    let second = create(&sim).await;
    assert_eq!(second.status(), 500);
    assert!(second.headers().get("retry-after").is_none());
    assert_eq!(create(&sim).await.status(), 201);
}

#[tokio::test]
async fn faults_only_hit_their_endpoint() {
    let sim = sim().await;
    sim.add_fault(FaultRule::next(
        1,
        Endpoint::CreateCall,
        FaultKind::ServerError {
            status: 500,
            retry_after_secs: None,
        },
    ));
    assert_eq!(create(&sim).await.status(), 201);
    let (status, _) = post_form(
        &sim,
        &sim.calls_url(),
        &[
            ("To", "+14155550100"),
            ("From", "+15005550006"),
            ("Twiml", "<Response/>"),
        ],
    )
    .await;
    assert_eq!(status, 500);
}

#[tokio::test]
async fn slow_responses_are_delayed() {
    let sim = sim().await;
    sim.add_fault(FaultRule::next(
        1,
        Endpoint::CreateMessage,
        FaultKind::Slow { delay_ms: 300 },
    ));
    let started = Instant::now();
    assert_eq!(create(&sim).await.status(), 201);
    assert!(started.elapsed() >= Duration::from_millis(300));
    // A client timeout shorter than the delay fails; the simulator still processed the request.
    sim.add_fault(FaultRule::next(
        1,
        Endpoint::CreateMessage,
        FaultKind::Slow { delay_ms: 2_000 },
    ));
    let result = create_request(&sim)
        .timeout(Duration::from_millis(100))
        .send()
        .await;
    assert!(result.unwrap_err().is_timeout());
}

#[tokio::test]
async fn reset_mid_response_after_processing() {
    let sim = sim().await;
    sim.add_fault(FaultRule::next(
        1,
        Endpoint::CreateMessage,
        FaultKind::ResetMidResponse,
    ));
    let result = create_request(&sim).send().await;
    let failed = match result {
        Err(_) => true,
        Ok(response) => response.bytes().await.is_err(),
    };
    assert!(failed, "the client must see a broken response");
    // The message exists: a naive retry would send it twice.
    assert_eq!(sim.messages().len(), 1);
    assert_eq!(create(&sim).await.status(), 201);
}

#[tokio::test]
async fn closed_without_response_after_or_before_processing() {
    let sim = sim().await;
    for (kind, created) in [
        (FaultKind::CloseWithoutResponse, 1),
        (FaultKind::CloseBeforeProcessing, 0),
    ] {
        sim.reset();
        sim.add_fault(FaultRule::next(1, Endpoint::CreateMessage, kind));
        let result = create_request(&sim).send().await;
        assert!(result.is_err(), "{kind:?}: no answer at all");
        assert_eq!(sim.messages().len(), created, "{kind:?}");
        assert_eq!(sim.requests().len(), 1, "{kind:?}: the request was read");
    }
}

#[tokio::test]
async fn random_faults_hit_about_their_percentage() {
    let sim = sim().await;
    sim.add_fault(FaultRule::random(
        50.0,
        FaultKind::TooManyRequests {
            retry_after_secs: None,
        },
    ));
    let mut limited = 0;
    for _ in 0..200 {
        if create(&sim).await.status() == 429 {
            limited += 1;
        }
    }
    assert!((60..140).contains(&limited), "{limited} of 200");
    sim.clear_faults();
    assert_eq!(create(&sim).await.status(), 201);
}

#[tokio::test]
async fn rate_limit_answers_429_per_sender() {
    let sim = sim().await;
    sim.set_rate_limit(Some(RateLimitConfig::default()));
    assert_eq!(send_sms(&sim, "+14155550100", "1", None).await.0, 201);
    let (status, body) = send_sms(&sim, "+14155550100", "2", None).await;
    assert_eq!((status, body["code"].as_u64()), (429, Some(20429)));
    // A short code has 100 MPS.
    for _ in 0..20 {
        let (status, _) = post_form(
            &sim,
            &sim.messages_url(),
            &[("To", "+14155550100"), ("From", "12345"), ("Body", "x")],
        )
        .await;
        assert_eq!(status, 201);
    }
    sim.set_rate_limit(None);
    assert_eq!(send_sms(&sim, "+14155550100", "3", None).await.0, 201);
}
