//! The device relay end to end: requests built by twilio-core, sent by twilio-embedded's
//! client, and replayed byte for byte from the official `twilio` Python package reach the
//! relay over TLS 1.3 (a test CA made here), are committed to the outbox before the 201,
//! forwarded to tests/twilio-sim, and map to Twilio's SID in alertd's status. Bad
//! credentials, bad forms, duplicates, rate limits and opted-out numbers get Twilio's answers.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::SocketAddr;
use std::time::Duration;

use crate::common::eventually;
use crate::common::relay::{
    BOILER_KEY, BOILER_SECRET, DEVICE_ACCOUNT, FREEZER_TOKEN, FROM, Rig, RigOptions, TO, WAIT,
    basic, settle,
};
use alertd::domain::outbox::OutboxState;
use alertd::store::{OptOutStore, RelayStore};
use embedded_io_adapters::tokio_1::FromTokio;
use twilio_core::auth::Credentials;
use twilio_core::request::{ApiRequest, CallRequest, HttpConfig, MessageRequest};
use twilio_sim::Direction;

const AUTH_ERROR: &str = r#"{"code":20003,"message":"Authenticate","more_info":"https://www.twilio.com/docs/errors/20003","status":401}"#;

fn messages_path() -> String {
    format!("/2010-04-01/Accounts/{DEVICE_ACCOUNT}/Messages.json")
}

fn freezer_auth() -> String {
    basic(DEVICE_ACCOUNT, FREEZER_TOKEN)
}

fn request_bytes<R: ApiRequest>(request: &R, creds: &Credentials<'_>, host: &str) -> Vec<u8> {
    let http = HttpConfig::default().with_host(host).unwrap();
    let mut buf = vec![0u8; 4096];
    let n = request.write_http(creds, &http, &mut buf).unwrap();
    buf.truncate(n);
    buf
}

/// Waits for the simulator to hold an API message with `body`; returns its (Twilio) SID.
async fn twilio_sid_of(rig: &Rig, body: &str) -> String {
    rig.sim
        .wait_for(WAIT, |v| {
            v.messages()
                .find(|m| m.direction == Direction::OutboundApi && m.body == body)
                .map(|m| m.sid.clone())
        })
        .await
        .unwrap_or_else(|_| panic!("the simulator never got {body:?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twilio_core_request_over_tls13_is_committed_forwarded_and_mapped() {
    let mut rig = Rig::start(RigOptions::default()).await;
    let creds = Credentials::auth_token(DEVICE_ACCOUNT, FREEZER_TOKEN).unwrap();
    let sms = MessageRequest::sms(TO, FROM, "Freezer 2 at -4 C").unwrap();
    let answer = rig
        .relay_exchange(&request_bytes(&sms, &creds, &rig.relay_host()))
        .await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    assert!(answer.tls13, "the relay negotiated TLS 1.3");
    let sid = answer.accepted_sid.clone().expect(&answer.outcome);
    assert!(answer.outcome.contains("Queued"), "{}", answer.outcome);
    let json = answer.json();
    assert_eq!(json["sid"], sid.as_str());
    assert_eq!(json["status"], "queued");
    assert_eq!(json["to"], TO);
    assert_eq!(json["from"], FROM);
    assert_eq!(json["body"], "Freezer 2 at -4 C");
    assert_eq!(json["account_sid"], DEVICE_ACCOUNT);
    assert_eq!(json["num_segments"], "1");
    assert_eq!(
        json["uri"],
        format!("/2010-04-01/Accounts/{DEVICE_ACCOUNT}/Messages/{sid}.json")
    );
    // Accepted means committed: the row is on disk when the 201 arrives.
    let row = rig.store().outbox_by_relay_sid(&sid).unwrap().unwrap();
    assert_eq!(
        (row.receiver.as_str(), row.from.as_deref(), row.to.as_str()),
        ("relay:freezer", Some(FROM), TO)
    );

    let twilio_sid = twilio_sid_of(&rig, "Freezer 2 at -4 C").await;
    assert_ne!(twilio_sid, sid, "alertd issues its own SID");
    eventually("the simulator logged the POST", || {
        !rig.message_posts().is_empty()
    })
    .await;
    let post = rig.message_posts().remove(0);
    assert_eq!(
        post.form_value("From"),
        Some(FROM),
        "the device's From is used"
    );
    eventually("the relay SID maps to Twilio's", || {
        rig.store()
            .outbox_by_relay_sid(&sid)
            .unwrap()
            .is_some_and(|m| m.sid.as_deref() == Some(twilio_sid.as_str()))
    })
    .await;

    // `alertd status` (the CLI, on the same database) shows the mapping.
    let cfg_file = rig.dir.path().join("status.toml");
    std::fs::write(
        &cfg_file,
        format!(
            "[store]\npath = \"{}\"\n[[receivers]]\nname = \"a\"\n[route]\nreceiver = \"a\"\n",
            rig.dir.path().join("alertd.db").display()
        ),
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_alertd"))
        .args(["--config", cfg_file.to_str().unwrap(), "status"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains(&format!("relay {sid} -> twilio {twilio_sid}")),
        "{text}"
    );

    // The device can poll it as it would poll Twilio; another device cannot see it.
    let fetch = format!(
        "GET /2010-04-01/Accounts/{DEVICE_ACCOUNT}/Messages/{sid}.json HTTP/1.1\r\nHost: x\r\nAuthorization: {}\r\n\r\n",
        freezer_auth()
    );
    let polled = rig.relay_exchange(fetch.as_bytes()).await;
    assert_eq!(polled.status, 200, "{}", polled.body);
    assert_eq!(polled.json()["sid"], sid.as_str());
    let other = fetch.replace(&freezer_auth(), &basic(BOILER_KEY, BOILER_SECRET));
    assert_eq!(rig.relay_exchange(other.as_bytes()).await.status, 404);
    rig.shutdown().await;
}

/// tokio TCP to the relay for twilio-embedded's client.
struct RelayConnector(SocketAddr);

impl twilio_embedded::transport::Connect for RelayConnector {
    type Connection = FromTokio<tokio::net::TcpStream>;

    async fn connect(
        &mut self,
    ) -> Result<Self::Connection, twilio_embedded::transport::ConnectError> {
        let stream = tokio::net::TcpStream::connect(self.0)
            .await
            .map_err(|_| twilio_embedded::transport::ConnectError::Refused)?;
        Ok(FromTokio::new(stream))
    }
}

/// Never sleeps (a retry would show up as a failed test, not a wait).
struct NoSleep;

impl twilio_embedded::retry::Sleeper for NoSleep {
    async fn sleep(&mut self, _: Duration) {}
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twilio_embedded_client_sends_through_the_relay_with_an_api_key() {
    use twilio_embedded::tls::{ServerVerification, TlsSettings, TrustAnchors};
    use twilio_embedded::{Buffers, Client, ClientConfig, Outcome, Recipient};

    let mut rig = Rig::start(RigOptions::default()).await;
    let host = rig.relay_host();
    let anchors: [&[u8]; 1] = [&rig.ca.ca_der];
    let recipients = [Recipient::sms_only(TO)];
    let config = ClientConfig {
        credentials: Credentials::api_key(DEVICE_ACCOUNT, BOILER_KEY, BOILER_SECRET).unwrap(),
        http: HttpConfig::default().with_host(&host).unwrap(),
        tls: TlsSettings::new(
            "localhost",
            ServerVerification::anchors(TrustAnchors::new(&anchors)),
        ),
        from: FROM,
        recipients: &recipients,
        retry: twilio_embedded::retry::RetryPolicy::default(),
    };
    let mut buffers = Box::new(Buffers::new());
    let mut client: Client<'_, _, _, _> = Client::new(
        config,
        RelayConnector(rig.relay_addr),
        rand_core_06::OsRng,
        NoSleep,
        &mut buffers,
    );
    let first = client.send_sms(TO, "Boiler 3 at 92 C").await.unwrap();
    let second = client.send_sms(TO, "Boiler 3 at 95 C").await.unwrap();
    drop(client);
    let sids: Vec<String> = [first, second]
        .iter()
        .map(|o| match o {
            Outcome::Accepted { sid: Some(sid), .. } => sid.as_str().to_owned(),
            other => panic!("not accepted: {other:?}"),
        })
        .collect();
    assert_ne!(sids[0], sids[1]);
    for (sid, body) in sids.iter().zip(["Boiler 3 at 92 C", "Boiler 3 at 95 C"]) {
        let row = rig.store().outbox_by_relay_sid(sid).unwrap().unwrap();
        assert_eq!(row.receiver, "relay:boiler");
        twilio_sid_of(&rig, body).await;
    }
    rig.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stock_python_client_requests_replayed_byte_for_byte() {
    // Recorded from the official `twilio` package by tests/data/relay/record_python_twilio.py.
    let message = include_bytes!("../data/relay/messages_create.http");
    let call = include_bytes!("../data/relay/calls_create.http");
    let mut rig = Rig::start(RigOptions::default()).await;

    let answer = rig.relay_exchange(message).await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    let sid = answer.accepted_sid.clone().expect(&answer.outcome);
    assert!(sid.starts_with("SM"));
    let body = "Freezer 2 at -4 C & rising: check door";
    assert_eq!(answer.json()["body"], body);
    twilio_sid_of(&rig, body).await;

    let answer = rig.relay_exchange(call).await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    let call_sid = answer.accepted_sid.clone().expect(&answer.outcome);
    assert!(call_sid.starts_with("CA"), "{call_sid}");
    assert_eq!(answer.json()["status"], "queued");
    let placed = rig
        .sim
        .wait_for(WAIT, |v| v.calls().next().cloned())
        .await
        .unwrap();
    assert_eq!(
        placed.twiml.as_deref(),
        Some("<Response><Say>Freezer 2 is warm</Say></Response>"),
        "the device's own TwiML is forwarded as given"
    );
    assert_eq!((placed.to.as_str(), placed.from.as_str()), (TO, FROM));
    eventually("the call's relay SID maps to Twilio's", || {
        rig.store()
            .outbox_by_relay_sid(&call_sid)
            .unwrap()
            .is_some_and(|m| m.sid.as_deref() == Some(placed.sid.as_str()))
    })
    .await;
    rig.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_device_credentials_get_twilios_401() {
    let mut rig = Rig::start(RigOptions::default()).await;
    let form = "To=%2B15551230001&From=%2B15005550006&Body=hi";
    let other_account = "/2010-04-01/Accounts/AC00000000000000000000000000000001/Messages.json";
    let cases = [
        (messages_path(), Some(basic(DEVICE_ACCOUNT, "wrong-token"))),
        (messages_path(), Some(basic(BOILER_KEY, FREEZER_TOKEN))),
        (messages_path(), Some(basic("AC_nobody", FREEZER_TOKEN))),
        (messages_path(), Some("Basic !!!not base64".to_owned())),
        (messages_path(), Some(format!("Bearer {FREEZER_TOKEN}"))),
        (messages_path(), None),
        (other_account.to_owned(), Some(freezer_auth())),
    ];
    for (path, auth) in cases {
        let answer = rig.relay_post(&path, auth.as_deref(), form).await;
        assert_eq!(answer.status, 401, "{path} {auth:?}");
        assert_eq!(answer.body, AUTH_ERROR);
        assert!(
            answer.outcome.contains("Misconfigured"),
            "{}",
            answer.outcome
        );
    }
    assert!(rig.outbox().is_empty(), "nothing was accepted");
    rig.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_requests_get_twilio_codes_and_store_nothing() {
    let mut rig = Rig::start(RigOptions::default()).await;
    let calls = format!("/2010-04-01/Accounts/{DEVICE_ACCOUNT}/Calls.json");
    let cases = [
        (messages_path(), "From=%2B15005550006&Body=hi", 400, 21604),
        (
            messages_path(),
            "To=%2B15551230001&From=%2B15005550006",
            400,
            21602,
        ),
        (messages_path(), "To=%2B15551230001&Body=hi", 400, 21603),
        (
            messages_path(),
            "To=%2B15551230001&From=%2B15005550007&Body=hi",
            400,
            21606,
        ),
        (
            messages_path(),
            "To=nobody&From=%2B15005550006&Body=hi",
            400,
            21211,
        ),
        (
            messages_path(),
            "To=%2B15551230001&From=%2B15005550006&Body=hi&MediaUrl=https%3A%2F%2Fx%2Fa.png",
            400,
            20001,
        ),
        (
            calls.clone(),
            "To=%2B15551230001&From=%2B15005550006",
            400,
            21205,
        ),
        (
            calls,
            "To=%2B15551230001&From=%2B15005550007&Twiml=%3CResponse%2F%3E",
            400,
            21210,
        ),
        (
            format!("/2010-04-01/Accounts/{DEVICE_ACCOUNT}/Queues.json"),
            "",
            404,
            20404,
        ),
        // Not valid form encoding or UTF-8 at all: still a clear Twilio error.
        (messages_path(), "%FF%FE=%00&\u{7f}", 400, 21604),
    ];
    for (path, form, status, code) in cases {
        let answer = rig.relay_post(&path, Some(&freezer_auth()), form).await;
        assert_eq!(
            (answer.status, answer.json()["code"].as_u64()),
            (status, Some(code)),
            "{form}: {}",
            answer.body
        );
        assert_eq!(
            answer.json()["more_info"],
            format!("https://www.twilio.com/docs/errors/{code}")
        );
    }
    // Over server.max_body_bytes (1 MiB by default): 413 in Twilio's shape.
    let huge = format!(
        "To=%2B15551230001&From=%2B15005550006&Body={}",
        "x".repeat(1 << 20)
    );
    let answer = rig
        .relay_post(&messages_path(), Some(&freezer_auth()), &huge)
        .await;
    assert_eq!(
        (answer.status, answer.json()["code"].as_u64()),
        (413, Some(20413))
    );
    assert!(rig.outbox().is_empty());
    rig.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicates_within_the_window_get_the_first_sid_and_are_sent_once() {
    let mut rig = Rig::start(RigOptions {
        relay: "dedup_window = \"1m\"",
        manual_clock: true,
        ..RigOptions::default()
    })
    .await;
    let hot = "To=%2B15551230001&From=%2B15005550006&Body=Freezer+hot";
    let first = rig
        .relay_post(&messages_path(), Some(&freezer_auth()), hot)
        .await;
    let again = rig
        .relay_post(&messages_path(), Some(&freezer_auth()), hot)
        .await;
    assert_eq!((first.status, again.status), (201, 201));
    let sid = first.accepted_sid.clone().unwrap();
    assert_eq!(
        again.accepted_sid.as_deref(),
        Some(sid.as_str()),
        "first request's SID"
    );
    // Another device sending the same text is not a duplicate of this one.
    let boiler = rig
        .relay_post(
            &messages_path(),
            Some(&basic(BOILER_KEY, BOILER_SECRET)),
            hot,
        )
        .await;
    assert_ne!(boiler.accepted_sid.as_deref(), Some(sid.as_str()));
    assert_eq!(rig.outbox().len(), 2);

    rig.advance(Duration::from_secs(61));
    let later = rig
        .relay_post(&messages_path(), Some(&freezer_auth()), hot)
        .await;
    assert_ne!(
        later.accepted_sid.as_deref(),
        Some(sid.as_str()),
        "window over"
    );
    eventually("three rows sent", || {
        // Sends from one number are paced on the (manual) clock: keep it moving.
        rig.advance(Duration::from_millis(50));
        rig.outbox()
            .iter()
            .filter(|m| m.state == OutboxState::Sent)
            .count()
            == 3
    })
    .await;
    settle().await;
    assert_eq!(
        rig.message_posts().len(),
        3,
        "the duplicate was not sent twice"
    );
    rig.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeated_bad_credentials_lock_the_address_out_for_the_window() {
    let mut rig = Rig::start(RigOptions {
        relay: "dedup_window = \"0s\"",
        manual_clock: true,
        ..RigOptions::default()
    })
    .await;
    let form = "To=%2B15551230001&From=%2B15005550006&Body=hi";
    let wrong = basic(DEVICE_ACCOUNT, "guess");
    for i in 0..alertd::relay::auth_throttle::MAX_FAILURES {
        let answer = rig.relay_post(&messages_path(), Some(&wrong), form).await;
        assert_eq!(answer.status, 401, "guess {i}");
    }
    // Locked out: not even the right secret is checked, so guessing gains nothing.
    let locked = rig
        .relay_post(&messages_path(), Some(&freezer_auth()), form)
        .await;
    assert_eq!(locked.status, 429, "{}", locked.body);
    assert_eq!(locked.json()["code"], 20429);
    assert_eq!(locked.retry_after.as_deref(), Some("600"));
    assert!(rig.outbox().is_empty());
    rig.advance(Duration::from_secs(599));
    let still = rig
        .relay_post(&messages_path(), Some(&freezer_auth()), form)
        .await;
    assert_eq!(still.status, 429);
    assert_eq!(still.retry_after.as_deref(), Some("1"));
    rig.advance(Duration::from_secs(1));
    let open = rig
        .relay_post(&messages_path(), Some(&freezer_auth()), form)
        .await;
    assert_eq!(open.status, 201, "the window ended: {}", open.body);
    assert_eq!(rig.outbox().len(), 1);
    rig.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limit_per_device_is_twilios_429() {
    let mut rig = Rig::start(RigOptions {
        freezer: "rate_per_minute = 1\nburst = 2",
        relay: "dedup_window = \"0s\"",
        manual_clock: true,
        ..RigOptions::default()
    })
    .await;
    let form = "To=%2B15551230001&From=%2B15005550006&Body=hi";
    for _ in 0..2 {
        let ok = rig
            .relay_post(&messages_path(), Some(&freezer_auth()), form)
            .await;
        assert_eq!(ok.status, 201, "{}", ok.body);
    }
    let limited = rig
        .relay_post(&messages_path(), Some(&freezer_auth()), form)
        .await;
    assert_eq!(limited.status, 429);
    assert_eq!(limited.json()["code"], 20429);
    assert_eq!(limited.retry_after.as_deref(), Some("60"));
    assert!(limited.outcome.contains("Retry"), "{}", limited.outcome);
    let other = rig
        .relay_post(
            &messages_path(),
            Some(&basic(BOILER_KEY, BOILER_SECRET)),
            form,
        )
        .await;
    assert_eq!(other.status, 201, "limits are per device: {}", other.body);
    // Half a second short of 30 s later, 29.5 s are left: Retry-After rounds up.
    rig.advance(Duration::from_millis(30_500));
    let early = rig
        .relay_post(&messages_path(), Some(&freezer_auth()), form)
        .await;
    assert_eq!(early.retry_after.as_deref(), Some("30"));
    rig.advance(Duration::from_millis(29_500));
    // A refused request costs no token: the next valid one still gets the refilled one.
    let invalid = rig
        .relay_post(
            &messages_path(),
            Some(&freezer_auth()),
            "To=%2B15551230001&From=%2B15005550006",
        )
        .await;
    assert_eq!(invalid.status, 400);
    let refilled = rig
        .relay_post(&messages_path(), Some(&freezer_auth()), form)
        .await;
    assert_eq!(refilled.status, 201);
    assert_eq!(
        rig.outbox().len(),
        4,
        "the refused request left nothing behind"
    );
    rig.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sms_to_an_opted_out_number_is_refused_with_21610() {
    let mut rig = Rig::start(RigOptions::default()).await;
    rig.store().opt_out(TO, "stop", crate::common::T0).unwrap();
    let form = "To=%2B15551230001&From=%2B15005550006&Body=hi";
    let answer = rig
        .relay_post(&messages_path(), Some(&freezer_auth()), form)
        .await;
    assert_eq!(
        (answer.status, answer.json()["code"].as_u64()),
        (400, Some(21610))
    );
    assert!(answer.outcome.contains("Rejected"), "{}", answer.outcome);
    assert!(rig.outbox().is_empty());
    // Calls are not SMS: still relayed.
    let call = CallRequest::twiml(TO, FROM, "<Response><Say>wake up</Say></Response>").unwrap();
    let creds = Credentials::auth_token(DEVICE_ACCOUNT, FREEZER_TOKEN).unwrap();
    let answer = rig
        .relay_exchange(&request_bytes(&call, &creds, &rig.relay_host()))
        .await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    rig.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_accepted_request_survives_a_restart_and_is_sent_once() {
    let opts = || RigOptions {
        manual_clock: true,
        ..RigOptions::default()
    };
    let sim = twilio_sim::Simulator::start(twilio_sim::SimConfig::default())
        .await
        .unwrap();
    // Twilio is down: every CreateMessage gets a 503, so the row stays in the outbox.
    sim.add_fault(twilio_sim::FaultRule {
        kind: twilio_sim::FaultKind::ServerError {
            status: 503,
            retry_after_secs: None,
        },
        endpoint: Some(twilio_sim::Endpoint::CreateMessage),
        count: None,
        percent: None,
    });
    let rig = Rig::start_on(opts(), sim, tempfile::tempdir().unwrap()).await;
    let form = "To=%2B15551230001&From=%2B15005550006&Body=Freezer+door+open";
    let answer = rig
        .relay_post(&messages_path(), Some(&freezer_auth()), form)
        .await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    let sid = answer.accepted_sid.unwrap();
    eventually("a failed attempt is recorded", || {
        rig.store()
            .outbox_by_relay_sid(&sid)
            .unwrap()
            .is_some_and(|m| m.attempts == 1 && m.state == OutboxState::Pending)
    })
    .await;
    let (sim, dir) = rig.stop().await;
    sim.clear_faults();

    let mut rig = Rig::start_on(opts(), sim, dir).await;
    rig.advance(Duration::from_secs(11)); // past the retry delay (retry_max 10s)
    let twilio_sid = twilio_sid_of(&rig, "Freezer door open").await;
    eventually("the relay SID maps to Twilio's after the restart", || {
        rig.store()
            .outbox_by_relay_sid(&sid)
            .unwrap()
            .is_some_and(|m| m.sid.as_deref() == Some(twilio_sid.as_str()))
    })
    .await;
    settle().await;
    let accepted = rig
        .sim
        .messages()
        .iter()
        .filter(|m| m.body == "Freezer door open")
        .count();
    assert_eq!(accepted, 1, "sent exactly once");
    rig.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_http_relay_on_loopback_answers_the_same() {
    let mut rig = Rig::start(RigOptions {
        relay: "plain_http = true",
        ..RigOptions::default()
    })
    .await;
    let resp = rig
        .http
        .post(format!("http://{}{}", rig.relay_addr, messages_path()))
        .header("authorization", freezer_auth())
        .form(&[("To", TO), ("From", FROM), ("Body", "plain relay")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 201);
    let json: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(json["status"], "queued");
    twilio_sid_of(&rig, "plain relay").await;
    rig.shutdown().await;
}

/// `(status, code)` of an answer.
fn refusal(answer: &crate::common::relay::Answer) -> (u16, Option<u64>) {
    (answer.status, answer.json()["code"].as_u64())
}

/// What a thief with a device's secret would try: `(path, form, Twilio code refused with)`.
fn fraud_attempts() -> Vec<(String, String, u64)> {
    let calls = format!("/2010-04-01/Accounts/{DEVICE_ACCOUNT}/Calls.json");
    let twiml = twiml_form;
    let emoji =
        form_urlencoded::byte_serialize("\u{1F525}".repeat(1600).as_bytes()).collect::<String>();
    vec![
        // Premium and foreign destinations alertd itself never notifies.
        (
            messages_path(),
            "To=%2B19005550123&From=%2B15005550006&Body=hi".to_owned(),
            21408,
        ),
        (
            calls.clone(),
            "To=%2B19005550123&From=%2B15005550006&Twiml=%3CResponse%2F%3E".to_owned(),
            21215,
        ),
        // Calls that hand the line to someone else.
        (
            calls.clone(),
            twiml("<Response><Dial>+88213200001</Dial></Response>"),
            12200,
        ),
        (
            calls.clone(),
            twiml("<Response><Dial><Sip>sip:a@premium.example</Sip></Dial></Response>"),
            12200,
        ),
        (
            calls.clone(),
            twiml("<Response><Redirect>https://evil.example/t.xml</Redirect></Response>"),
            12200,
        ),
        (
            calls.clone(),
            "To=%2B15551230001&From=%2B15005550006&Url=https%3A%2F%2Fevil.example%2Ft.xml"
                .to_owned(),
            21205,
        ),
        (calls.clone(), twiml("<Response><Say>x</Say>"), 12100),
        (
            calls.clone(),
            twiml(&format!(
                "<Response><Say>{}</Say></Response>",
                "x".repeat(4000)
            )),
            12100,
        ),
        (
            calls.clone(),
            format!("{}&Record=true", twiml("<Response><Say>x</Say></Response>")),
            20001,
        ),
        (
            calls,
            format!(
                "{}&SendDigits=1234",
                twiml("<Response><Say>x</Say></Response>")
            ),
            20001,
        ),
        // 1,600 emoji: 49 segments.
        (
            messages_path(),
            format!("To=%2B15551230001&From=%2B15005550006&Body={emoji}"),
            21617,
        ),
    ]
}

fn twiml_form(twiml: &str) -> String {
    format!(
        "To=%2B15551230001&From=%2B15005550006&Twiml={}",
        form_urlencoded::byte_serialize(twiml.as_bytes()).collect::<String>()
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn toll_fraud_through_a_stolen_device_secret_is_refused_and_nothing_is_sent() {
    let mut rig = Rig::start(RigOptions::default()).await;
    let cases = fraud_attempts();
    for (path, form, code) in &cases {
        let answer = rig.relay_post(path, Some(&freezer_auth()), form).await;
        assert_eq!(
            refusal(&answer),
            (400, Some(*code)),
            "{form}: {}",
            answer.body
        );
        assert!(
            answer.outcome.contains("Rejected") || answer.outcome.contains("Misconfigured"),
            "a device does not retry it: {}",
            answer.outcome
        );
    }
    // A legitimate call to an alertd number still goes through.
    let ok = rig
        .relay_post(
            &format!("/2010-04-01/Accounts/{DEVICE_ACCOUNT}/Calls.json"),
            Some(&freezer_auth()),
            &twiml_form("<Response><Say>Freezer 2 is warm</Say><Hangup/></Response>"),
        )
        .await;
    assert_eq!(ok.status, 201, "{}", ok.body);
    assert_eq!(rig.outbox().len(), 1, "only the legitimate call was stored");
    settle().await;
    assert!(
        rig.message_posts().is_empty(),
        "no refused message reached Twilio"
    );
    let metrics = rig.metrics().await;
    for line in [
        r#"alertd_relay_refused_total{device="freezer",reason="destination"} 2"#,
        r#"alertd_relay_refused_total{device="freezer",reason="twiml"} 5"#,
        r#"alertd_relay_refused_total{device="freezer",reason="parameter"} 2"#,
        r#"alertd_relay_refused_total{device="freezer",reason="segments"} 1"#,
        r#"alertd_relay_requests_total{device="freezer",outcome="refused"} 11"#,
        r#"alertd_relay_requests_total{device="freezer",outcome="accepted"} 1"#,
    ] {
        assert!(metrics.contains(line), "{line} in\n{metrics}");
    }
    rig.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_may_reach_only_its_allowed_to_numbers() {
    let mut rig = Rig::start(RigOptions {
        freezer: "allowed_to = [\"+4420*\"]",
        relay: "dedup_window = \"0s\"",
        ..RigOptions::default()
    })
    .await;
    let sms = |to: &str| format!("To={}&From=%2B15005550006&Body=hi", to.replace('+', "%2B"));
    let london = rig
        .relay_post(
            &messages_path(),
            Some(&freezer_auth()),
            &sms("+442079460000"),
        )
        .await;
    assert_eq!(london.status, 201, "{}", london.body);
    let oncall = rig
        .relay_post(&messages_path(), Some(&freezer_auth()), &sms(TO))
        .await;
    assert_eq!(
        refusal(&oncall),
        (400, Some(21408)),
        "its own list replaces alertd's numbers: {}",
        oncall.body
    );
    let boiler = rig
        .relay_post(
            &messages_path(),
            Some(&basic(BOILER_KEY, BOILER_SECRET)),
            &sms(TO),
        )
        .await;
    assert_eq!(
        boiler.status, 201,
        "the other device reaches alertd's numbers"
    );
    rig.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_over_its_daily_spend_limit_waits_and_a_restart_does_not_reset_it() {
    let opts = || RigOptions {
        relay: "dedup_window = \"0s\"\nsms_segment_price = 0.01\ncall_price = 0.05",
        freezer: "daily_spend_limit = 0.10",
        manual_clock: true,
        ..RigOptions::default()
    };
    let rig = Rig::start(opts()).await;
    let one_segment = "To=%2B15551230001&From=%2B15005550006&Body=hi";
    let call = "To=%2B15551230001&From=%2B15005550006&Twiml=%3CResponse%3E%3CSay%3Ehot%3C%2FSay%3E%3C%2FResponse%3E";
    let calls = format!("/2010-04-01/Accounts/{DEVICE_ACCOUNT}/Calls.json");
    // $0.05 for the call, then five one-segment texts at $0.01: $0.10.
    assert_eq!(
        rig.relay_post(&calls, Some(&freezer_auth()), call)
            .await
            .status,
        201
    );
    for _ in 0..5 {
        rig.advance(Duration::from_secs(60));
        let ok = rig
            .relay_post(&messages_path(), Some(&freezer_auth()), one_segment)
            .await;
        assert_eq!(ok.status, 201, "{}", ok.body);
    }
    let over = rig
        .relay_post(&messages_path(), Some(&freezer_auth()), one_segment)
        .await;
    assert_eq!(refusal(&over), (429, Some(20429)), "{}", over.body);
    assert!(over.body.contains("daily spend limit"), "{}", over.body);
    // The call (5 minutes ago) leaves the window first: 24 h after it.
    assert_eq!(over.retry_after.as_deref(), Some("86100"));
    let other = rig
        .relay_post(
            &messages_path(),
            Some(&basic(BOILER_KEY, BOILER_SECRET)),
            one_segment,
        )
        .await;
    assert_eq!(other.status, 201, "limits are per device");
    assert!(
        rig.metrics()
            .await
            .contains(r#"alertd_relay_refused_total{device="freezer",reason="spend_limit"} 1"#)
    );

    // After a restart the outbox still says what was spent.
    let (sim, dir) = rig.stop().await;
    let mut rig = Rig::start_on(opts(), sim, dir).await;
    rig.advance(Duration::from_secs(5 * 60));
    let still = rig
        .relay_post(&messages_path(), Some(&freezer_auth()), one_segment)
        .await;
    assert_eq!(still.status, 429, "{}", still.body);
    rig.advance(Duration::from_secs(24 * 60 * 60));
    let fresh = rig
        .relay_post(&messages_path(), Some(&freezer_auth()), one_segment)
        .await;
    assert_eq!(fresh.status, 201, "24 hours later: {}", fresh.body);
    rig.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn strangers_cannot_lock_a_device_out_of_the_address_it_shares_with_them() {
    let mut rig = Rig::start(RigOptions {
        relay: "dedup_window = \"0s\"",
        manual_clock: true,
        ..RigOptions::default()
    })
    .await;
    let form = "To=%2B15551230001&From=%2B15005550006&Body=hi";
    let unknown_account = "AC00000000000000000000000000000000";
    let unknown_path = format!("/2010-04-01/Accounts/{unknown_account}/Messages.json");
    for i in 0..(alertd::relay::auth_throttle::MAX_FAILURES * 2) {
        let stranger = if i % 2 == 0 {
            rig.relay_post(&unknown_path, None, form).await
        } else {
            rig.relay_post(&unknown_path, Some(&basic(unknown_account, "guess")), form)
                .await
        };
        assert!(matches!(stranger.status, 401 | 429), "{}", stranger.body);
    }
    let device = rig
        .relay_post(&messages_path(), Some(&freezer_auth()), form)
        .await;
    assert_eq!(
        device.status, 201,
        "the device is not locked out: {}",
        device.body
    );
    // Guesses at the freezer's own account lock the freezer (from this address), not the boiler.
    for _ in 0..alertd::relay::auth_throttle::MAX_FAILURES {
        rig.relay_post(
            &messages_path(),
            Some(&basic(DEVICE_ACCOUNT, "guess")),
            form,
        )
        .await;
    }
    let freezer = rig
        .relay_post(&messages_path(), Some(&freezer_auth()), form)
        .await;
    assert_eq!(freezer.status, 429);
    let boiler = rig
        .relay_post(
            &messages_path(),
            Some(&basic(BOILER_KEY, BOILER_SECRET)),
            form,
        )
        .await;
    assert_eq!(boiler.status, 201, "{}", boiler.body);
    rig.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_is_relayed_while_idle_and_half_sent_connections_fill_the_table() {
    use tokio::io::AsyncWriteExt;

    let rig = Rig::start(RigOptions {
        server: "max_connections = 32",
        ..RigOptions::default()
    })
    .await;
    let mut held = Vec::new();
    // Connections that never start their handshake, or stop halfway through its first record.
    for i in 0..150 {
        let mut c = tokio::net::TcpStream::connect(rig.relay_addr)
            .await
            .unwrap();
        if i % 2 == 0 {
            c.write_all(b"\x16\x03\x01\x02\x00\x01").await.unwrap();
        }
        held.push(Box::new(c) as Box<dyn std::any::Any + Send>);
    }
    // And TLS connections whose request head stops halfway.
    let connector = tokio_rustls::TlsConnector::from(rig.ca.client_config());
    for _ in 0..50 {
        let tcp = tokio::net::TcpStream::connect(rig.relay_addr)
            .await
            .unwrap();
        let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
        let Ok(mut tls) = connector.connect(name, tcp).await else {
            continue; // Closed to make room already: the table is doing its work.
        };
        let head = format!(
            "POST {} HTTP/1.1\r\nHost: localhost\r\nContent-",
            messages_path()
        );
        let _ = tls.write_all(head.as_bytes()).await;
        held.push(Box::new(tls));
    }
    let connections = rig.app().relay_connections.clone().unwrap();
    eventually("the relay's table is full and closing the oldest", || {
        connections.evicted() > 0
    })
    .await;

    let creds = Credentials::auth_token(DEVICE_ACCOUNT, FREEZER_TOKEN).unwrap();
    let sms = MessageRequest::sms(TO, FROM, "Freezer 2 at -4 C").unwrap();
    let answer = tokio::time::timeout(
        Duration::from_secs(10),
        rig.relay_exchange(&request_bytes(&sms, &creds, &rig.relay_host())),
    )
    .await
    .expect("the relay answered");
    assert_eq!(answer.status, 201, "{}", answer.body);
    assert!(connections.open() <= 32, "{}", connections.open());
    twilio_sid_of(&rig, "Freezer 2 at -4 C").await;
    let metrics = rig.metrics().await;
    assert!(
        metrics.contains("alertd_relay_connections_max 32"),
        "{metrics}"
    );
    let evicted = metrics
        .lines()
        .find_map(|l| l.strip_prefix("alertd_relay_connections_evicted_total "))
        .and_then(|v| v.parse::<u64>().ok())
        .expect("the relay's evictions are exported");
    assert!(evicted > 0, "{metrics}");
    drop(held);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_does_not_arrive_in_time_gets_408_and_nothing_is_stored() {
    let rig = Rig::start(RigOptions {
        server: "body_read_timeout = \"300ms\"",
        ..RigOptions::default()
    })
    .await;
    // The head promises more body than is sent: the relay waits for it, then answers.
    let form = "To=%2B15551230001&From=%2B15005550006&Body=Freezer";
    let request = format!(
        "POST {} HTTP/1.1\r\nHost: {}\r\nAuthorization: {}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{form}",
        messages_path(),
        rig.relay_host(),
        freezer_auth(),
        form.len() + 100
    );
    let answer = rig.relay_exchange(request.as_bytes()).await;
    assert_eq!(answer.status, 408, "{}", answer.body);
    assert_eq!(answer.json()["code"], 20408);
    assert!(rig.outbox().is_empty(), "nothing stored");
}
