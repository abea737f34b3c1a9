//! Number enrolment against tests/twilio-sim over TLS: verify and confirm through the API,
//! a wrong code, an expired code, too many wrong codes, a landline found by Lookup (its code
//! comes by call, and it is reported in an `sms` list), and `require_verified` paging around
//! an unverified number with a log line and a metric.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use crate::common::sim_app::{Launch, SimApp, start_sim};
use crate::common::{KEEP_FIRING, T0};
use alertd::domain::number::NumberState;
use alertd::store::NumberStore;
use serde_json::json;

const SERVICE: &str = "VA0123456789abcdef0123456789abcdef";
const ALICE: &str = "+15551230001";
const BOB: &str = "+15551230002";
const LANDLINE: &str = "+15550200001";
const WAIT: Duration = Duration::from_secs(10);

async fn launch(receivers: &str, require_verified: bool) -> SimApp {
    let launch = Launch {
        manual_clock_at: Some(T0),
        extra_env: &[],
    };
    SimApp::launch(
        start_sim().await,
        tempfile::tempdir().unwrap(),
        &launch,
        |w| {
            format!(
                r#"
{server}
{twilio}from = "+15005550006"
verify_service_sid = "{SERVICE}"
require_verified = {require_verified}

{receivers}

{KEEP_FIRING}
[route]
receiver = "oncall"
group_by = ["alertname"]
group_wait = "0s"
"#,
                server = w.server,
                twilio = w.twilio,
            )
        },
    )
    .await
}

impl SimApp {
    async fn verify(&self, number: &str, channel: &str) -> (u16, serde_json::Value) {
        let (status, text) = self
            .post_json(
                &format!("/api/v1/numbers/{number}/verify"),
                &json!({ "channel": channel }),
            )
            .await;
        (status, serde_json::from_str(&text).unwrap())
    }

    async fn confirm(&self, number: &str, code: &str) -> (u16, serde_json::Value) {
        let (status, text) = self
            .post_json(
                &format!("/api/v1/numbers/{number}/confirm"),
                &json!({ "code": code }),
            )
            .await;
        (status, serde_json::from_str(&text).unwrap())
    }

    fn state_of(&self, number: &str) -> Option<NumberState> {
        self.store().enrolled(number).unwrap().map(|n| n.state)
    }
}

fn wrong(code: &str) -> &'static str {
    if code == "000000" { "111111" } else { "000000" }
}

const ONE_SMS: &str = "[[receivers]]\nname = \"oncall\"\nsms = [\"+15551230001\"]\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_then_confirm_after_a_wrong_code() {
    let rig = launch(ONE_SMS, false).await;
    let listed = rig.get_json("/api/v1/numbers").await;
    assert_eq!(listed["unverified"], json!([ALICE]));

    let (status, body) = rig.verify(ALICE, "sms").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["number"]["state"], "pending");
    assert_eq!(body["number"]["line_type"], "mobile");
    assert_eq!(rig.state_of(ALICE), Some(NumberState::Pending));
    let code = rig.sim.verification_code(ALICE).unwrap();
    // The simulator got the Verify request and the Lookup, both over TLS.
    let sent = rig.sim.verifications();
    assert_eq!(
        (sent[0].to.as_str(), sent[0].channel.as_str()),
        (ALICE, "sms")
    );

    let (status, body) = rig.confirm(ALICE, wrong(&code)).await;
    assert_eq!((status, body["result"].as_str()), (200, Some("wrong_code")));
    assert_eq!(rig.state_of(ALICE), Some(NumberState::Pending));

    let (status, body) = rig.confirm(ALICE, &code).await;
    assert_eq!((status, body["result"].as_str()), (200, Some("verified")));
    let n = rig.store().enrolled(ALICE).unwrap().unwrap();
    assert_eq!((n.state, n.verified_at), (NumberState::Verified, Some(T0)));
    let listed = rig.get_json("/api/v1/numbers").await;
    assert_eq!(listed["unverified"], json!([]));
    assert_eq!(listed["numbers"][0]["state"], "verified");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_codes_and_too_many_wrong_codes_leave_the_number_unverified() {
    let rig = launch(ONE_SMS, false).await;
    rig.verify(ALICE, "sms").await;
    let code = rig.sim.verification_code(ALICE).unwrap();
    assert_eq!(rig.sim.expire_verifications(ALICE), 1);
    let (status, body) = rig.confirm(ALICE, &code).await;
    assert_eq!((status, body["result"].as_str()), (200, Some("expired")));
    assert_eq!(rig.state_of(ALICE), Some(NumberState::Unverified));

    rig.verify(BOB, "call").await;
    let code = rig.sim.verification_code(BOB).unwrap();
    for _ in 0..5 {
        assert_eq!(
            rig.confirm(BOB, wrong(&code)).await.1["result"],
            "wrong_code"
        );
    }
    let (status, body) = rig.confirm(BOB, &code).await;
    assert_eq!(
        (status, body["result"].as_str()),
        (200, Some("too_many_attempts"))
    );
    assert_eq!(rig.state_of(BOB), Some(NumberState::Unverified));

    // Bad input is refused before Twilio is asked.
    let (status, _) = rig.confirm(ALICE, "12").await;
    assert_eq!(status, 422);
    let (status, _) = rig.verify("555-0100", "sms").await;
    assert_eq!(status, 422);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_landline_gets_its_code_by_call_and_is_reported_in_an_sms_list() {
    let receivers = format!("[[receivers]]\nname = \"oncall\"\nsms = [\"{LANDLINE}\"]\n");
    let rig = launch(&receivers, false).await;
    let (status, body) = rig.verify(LANDLINE, "sms").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["number"]["line_type"], "landline");
    assert_eq!(body["number"]["channel"], "call");
    assert_eq!(rig.sim.verifications()[0].channel, "call");
    let enrolled = rig.store().enrolled_numbers().unwrap();
    let cfg =
        alertd::config::Config::parse(&format!("{receivers}[route]\nreceiver = \"oncall\"\n"))
            .unwrap();
    let report = alertd::numbers::report(&cfg, &enrolled);
    assert_eq!(
        report.landlines_in_sms,
        [("oncall".to_owned(), LANDLINE.to_owned())]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn require_verified_skips_an_unverified_number_only_beside_a_verified_one() {
    let receivers = format!(
        "[[receivers]]\nname = \"oncall\"\nsms = [\"{ALICE}\", \"{BOB}\"]\n\
         [[receivers]]\nname = \"nobody-verified\"\nsms = [\"+15551230003\"]\n"
    );
    let rig = launch(&receivers, true).await;
    rig.verify(ALICE, "sms").await;
    let code = rig.sim.verification_code(ALICE).unwrap();
    assert_eq!(rig.confirm(ALICE, &code).await.1["result"], "verified");

    rig.post_alerts(&json!([{"name": "BoilerOverTemp", "severity": "critical"}]))
        .await;
    let sms = rig
        .sim
        .wait_for(WAIT, |v| v.messages().next().cloned())
        .await
        .unwrap();
    assert_eq!(sms.to, ALICE);
    crate::common::settle().await;
    assert_eq!(rig.sim.messages().len(), 1, "Bob is unverified and skipped");
    let metrics = rig.metrics().await;
    assert!(
        metrics.contains(&format!(
            "alertd_unverified_skipped_total{{receiver=\"oncall\",number=\"{BOB}\"}} 1"
        )),
        "{metrics}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn require_verified_still_pages_a_route_with_no_verified_number() {
    let rig = launch(ONE_SMS, true).await;
    rig.post_alerts(&json!([{"name": "BoilerOverTemp", "severity": "critical"}]))
        .await;
    let sms = rig
        .sim
        .wait_for(WAIT, |v| v.messages().next().cloned())
        .await
        .unwrap();
    assert_eq!(sms.to, ALICE);
    assert!(
        !rig.metrics()
            .await
            .contains("alertd_unverified_skipped_total{")
    );
}

/// Runs the `alertd` binary with the simulator's credentials; stdout and stderr together.
async fn alertd_cli(
    sim: &twilio_sim::Simulator,
    config: &std::path::Path,
    args: &[&str],
) -> (bool, String) {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_alertd"));
    cmd.arg("--config")
        .arg(config)
        .args(args)
        .env_remove("ALERTD_CONFIG")
        .env_remove("TWILIO_API_BASE")
        .env("TWILIO_ACCOUNT_SID", sim.account_sid())
        .env("TWILIO_AUTH_TOKEN", sim.auth_token());
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_verifies_confirms_lists_and_check_config_reports() {
    let sim = start_sim().await;
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("sim-ca.pem");
    sim.write_ca_pem(&ca).unwrap();
    let config = dir.path().join("alertd.toml");
    std::fs::write(
        &config,
        format!(
            "[store]\npath = \"{db}\"\n[twilio]\nfrom = \"+15005550006\"\napi_base = \"{base}\"\nca_file = \"{ca}\"\n\
             verify_service_sid = \"{SERVICE}\"\nrequire_verified = true\n\
             [[receivers]]\nname = \"oncall\"\nsms = [\"{ALICE}\", \"{LANDLINE}\"]\n[route]\nreceiver = \"oncall\"\n",
            db = dir.path().join("alertd.db").display(),
            base = sim.base_url(),
            ca = ca.display(),
        ),
    )
    .unwrap();

    let (ok, out) = alertd_cli(&sim, &config, &["numbers", "verify", ALICE]).await;
    assert!(ok, "{out}");
    assert!(
        out.contains(&format!("code sent to {ALICE} by sms")),
        "{out}"
    );
    let code = sim.verification_code(ALICE).unwrap();
    let (ok, out) = alertd_cli(&sim, &config, &["numbers", "confirm", ALICE, wrong(&code)]).await;
    assert!(!ok && out.contains("wrong code"), "{out}");
    let (ok, out) = alertd_cli(&sim, &config, &["numbers", "confirm", ALICE, &code]).await;
    assert!(ok && out.contains(&format!("{ALICE} verified")), "{out}");

    let (ok, out) = alertd_cli(&sim, &config, &["numbers", "verify", LANDLINE]).await;
    assert!(ok && out.contains("is a landline"), "{out}");
    assert!(out.contains("by call"), "{out}");

    let (ok, out) = alertd_cli(&sim, &config, &["numbers", "list"]).await;
    assert!(ok, "{out}");
    assert!(out.contains(&format!("{ALICE} verified")), "{out}");
    assert!(
        out.contains(&format!("{LANDLINE} pending, landline")),
        "{out}"
    );

    let (ok, out) = alertd_cli(&sim, &config, &["check-config"]).await;
    assert!(ok, "{out}");
    assert!(
        out.contains(&format!("number not verified: {LANDLINE}")),
        "{out}"
    );
    assert!(
        !out.contains(&format!("number not verified: {ALICE}")),
        "{out}"
    );
    assert!(out.contains("is a landline in its sms list"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_escalation_sms_step_calls_a_landline_instead() {
    let launch = Launch {
        manual_clock_at: Some(T0),
        extra_env: &[],
    };
    let rig = SimApp::launch(
        start_sim().await,
        tempfile::tempdir().unwrap(),
        &launch,
        |w| {
            format!(
                r#"
{server}
{twilio}from = "+15005550006"
mps = 1000.0
verify_service_sid = "{SERVICE}"

[[escalations]]
name = "critical"
steps = [{{ channel = "sms", to = "{LANDLINE}", after = "0s" }}]

{KEEP_FIRING}
[[receivers]]
name = "log-only"

[route]
receiver = "log-only"
group_by = ["alertname"]
group_wait = "0s"
escalation = "critical"
"#,
                server = w.server,
                twilio = w.twilio,
            )
        },
    )
    .await;
    // Enrolment's Lookup finds the landline.
    assert_eq!(rig.verify(LANDLINE, "sms").await.0, 200);
    rig.post_alerts(&json!([{"name": "BoilerOverTemp", "severity": "critical",
        "message": "boiler-3 at 92.5C"}]))
        .await;
    let call = rig
        .sim
        .wait_for(WAIT, |v| v.calls().find(|c| c.to == LANDLINE).cloned())
        .await
        .unwrap_or_else(|_| {
            panic!(
                "no call; messages {:?}, calls {:?}, outbox {:?}",
                rig.sim.messages(),
                rig.sim.calls(),
                rig.outbox()
            )
        });
    assert_eq!(call.to, LANDLINE);
    crate::common::settle().await;
    assert!(rig.sim.messages().is_empty(), "{:?}", rig.sim.messages());
    assert_eq!(rig.outbox()[0].channel.as_str(), "voice");
}
