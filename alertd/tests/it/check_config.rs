//! `alertd check-config`: the generated example passes; mistakes in escalation policies,
//! rosters, phone numbers, severities, durations and secrets, and an API open beyond loopback
//! without a token, are refused with the field and what was wrong.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::{Command, Output};

fn alertd(args: &[&str]) -> Output {
    alertd_with_env(args, &[])
}

fn alertd_with_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_alertd"))
        .args(args)
        .env_remove("ALERTD_BEARER_TOKEN")
        .envs(env.iter().copied())
        .env_remove("ALERTD_CONFIG")
        .env_remove("TWILIO_ACCOUNT_SID")
        .env_remove("TWILIO_AUTH_TOKEN")
        .env_remove("TWILIO_API_KEY")
        .env_remove("TWILIO_API_SECRET")
        .output()
        .unwrap()
}

fn check(text: &str) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("alertd.toml");
    std::fs::write(&path, text).unwrap();
    alertd(&["--config", path.to_str().unwrap(), "check-config"])
}

#[test]
fn the_generated_example_with_its_escalation_policy_checks_out() {
    let example = alertd(&["generate-config"]);
    assert!(example.status.success());
    let text = String::from_utf8(example.stdout).unwrap();
    assert!(text.contains("[[escalations]]"), "{text}");
    let out = check(&text);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("1 escalation policy(ies)"), "{stdout}");
    assert!(
        stdout.contains("need server.public_url"),
        "the example leaves public_url commented out: {stdout}"
    );
}

#[test]
fn escalation_mistakes_are_refused_with_the_field_and_the_reason() {
    let base = |escalations: &str, route: &str| {
        format!(
            "[[rosters]]\nname = \"ops\"\nnumbers = [\"+15551230001\"]\n{escalations}\n[[receivers]]\nname = \"r\"\n[route]\nreceiver = \"r\"\n{route}\n"
        )
    };
    let policy = |to: &str| {
        format!(
            "[[escalations]]\nname = \"p\"\nsteps = [{{ channel = \"voice\", to = \"{to}\", after = \"2m\" }}]\n"
        )
    };
    let cases = [
        (
            base(&policy("night-shift"), ""),
            "escalations.steps.to",
            "no [[rosters]] named \"night-shift\"",
        ),
        (
            base(&policy("+1 555 0100"), "escalation = \"p\""),
            "escalations.steps.to",
            "\"+1 555 0100\" is not an E.164 number",
        ),
        (
            base(&policy("ops"), "escalation = \"pager\""),
            "route.escalation",
            "no [[escalations]] policy named \"pager\"",
        ),
        (
            base(
                "[[escalations]]\nname = \"p\"\nsteps = [{ channel = \"voice\", to = \"ops\", after = \"2m\", retry = 3 }]\n",
                "",
            ),
            "unknown field",
            "retry",
        ),
    ];
    for (text, field, reason) in cases {
        let out = check(&text);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{text}");
        assert!(stderr.contains(field), "{field}: {stderr}");
        assert!(stderr.contains(reason), "{reason}: {stderr}");
    }
}

/// Runs `check-config` on `text`, expects a refusal and returns what it said.
fn refusal(text: &str) -> String {
    let out = check(text);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        !out.status.success(),
        "accepted: {text}\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
    stderr
}

/// A config around `body` with the receiver `r` at the root route, plus `route` keys.
fn with_receiver(body: &str, route: &str) -> String {
    format!("{body}\n[[receivers]]\nname = \"r\"\n[route]\nreceiver = \"r\"\n{route}\n")
}

#[test]
fn a_roster_without_numbers_is_refused() {
    let empty = "[[rosters]]\nname = \"night-shift\"\nnumbers = []\n";
    let policy = "[[escalations]]\nname = \"p\"\nsteps = [{ channel = \"voice\", to = \"night-shift\", after = \"2m\" }]\n";
    for text in [
        with_receiver(&format!("{empty}{policy}"), "escalation = \"p\""),
        format!(
            "{empty}[[receivers]]\nname = \"r\"\nroster = \"night-shift\"\n[route]\nreceiver = \"r\"\n"
        ),
    ] {
        let stderr = refusal(&text);
        assert!(stderr.contains("rosters.numbers"), "{stderr}");
        assert!(
            stderr.contains("roster \"night-shift\" has no numbers"),
            "{stderr}"
        );
    }
}

#[test]
fn every_phone_number_is_strict_e164() {
    let roster = |numbers: &str| format!("[[rosters]]\nname = \"ops\"\nnumbers = {numbers}\n");
    let relay = |device_keys: &str| {
        format!(
            "[relay]\nlisten = \"127.0.0.1:8443\"\nplain_http = true\n[[relay.devices]]\nname = \"freezer-2\"\naccount_sid = \"AC0123456789abcdef0123456789abcdef\"\nsecret_env = \"FREEZER2_SECRET\"\n{device_keys}\n"
        )
    };
    let short = "+1555";
    let cases = [
        (
            format!(
                "[twilio]\nfrom = \"{short}\"\n[[receivers]]\nname = \"r\"\n[route]\nreceiver = \"r\"\n"
            ),
            "twilio.from",
        ),
        (
            format!(
                "[[receivers]]\nname = \"r\"\nsms = [\"{short}\"]\n[route]\nreceiver = \"r\"\n"
            ),
            "receivers.sms/voice",
        ),
        (
            format!(
                "[[receivers]]\nname = \"r\"\nvoice = [\"{short}\"]\n[route]\nreceiver = \"r\"\n"
            ),
            "receivers.sms/voice",
        ),
        (
            with_receiver(&roster(&format!("[\"+15551230001\", \"{short}\"]")), ""),
            "rosters.numbers",
        ),
        (
            with_receiver(
                &format!(
                    "[[escalations]]\nname = \"p\"\nsteps = [{{ channel = \"sms\", to = \"{short}\", after = \"0s\" }}]\n"
                ),
                "escalation = \"p\"",
            ),
            "escalations.steps.to",
        ),
        (
            with_receiver(&relay(&format!("allowed_from = [\"{short}\"]")), ""),
            "relay.devices.allowed_from",
        ),
        (
            with_receiver(
                &relay(&format!(
                    "allowed_from = [\"+15005550006\"]\nallowed_to = [\"{short}\"]"
                )),
                "",
            ),
            "relay.devices.allowed_to",
        ),
    ];
    for (text, field) in cases {
        let stderr = refusal(&text);
        assert!(stderr.contains(field), "{field}: {stderr}");
        assert!(stderr.contains("\"+1555\""), "names the number: {stderr}");
    }
    // Twilio's magic test number and the shortest and longest E.164 numbers are fine.
    let fine = with_receiver(
        &roster("[\"+15005550006\", \"+4930901820\", \"+861234567890123\"]"),
        "",
    );
    let out = check(&fine);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn an_unknown_severity_is_refused_with_the_known_ones() {
    let stderr = refusal(&with_receiver("", "escalation_severities = [\"crit\"]"));
    assert!(stderr.contains("route.escalation_severities"), "{stderr}");
    assert!(stderr.contains("\"crit\" is not a severity"), "{stderr}");
    assert!(
        stderr.contains("\"critical\", \"warning\", \"info\""),
        "{stderr}"
    );
}

#[test]
fn an_absurd_duration_is_refused_with_the_field_and_the_maximum() {
    let policy = |after: &str, repeat_delay: &str| {
        format!(
            "[[rosters]]\nname = \"ops\"\nnumbers = [\"+15551230001\"]\n[[escalations]]\nname = \"p\"\nrepeat = 1\nrepeat_delay = \"{repeat_delay}\"\nsteps = [{{ channel = \"voice\", to = \"ops\", after = \"{after}\" }}]\n"
        )
    };
    let cases = [
        (
            with_receiver(&policy("300000000y", "5m"), "escalation = \"p\""),
            "escalations.steps.after",
            "at most 7days",
        ),
        (
            with_receiver(&policy("2m", "30d"), "escalation = \"p\""),
            "escalations.repeat_delay",
            "at most 7days",
        ),
        (
            with_receiver("", "group_wait = \"2d\""),
            "route.group_wait",
            "at most 1day",
        ),
        (
            with_receiver("", "repeat_interval = \"1year\""),
            "route.repeat_interval",
            "at most 30days",
        ),
        (
            with_receiver(
                "[relay]\nlisten = \"127.0.0.1:8443\"\nplain_http = true\ndedup_window = \"1week\"\n",
                "",
            ),
            "relay.dedup_window",
            "at most 1day",
        ),
        (
            with_receiver("[mqtt]\nkeep_alive = \"1day\"\ntopics = []\n", ""),
            "mqtt.keep_alive",
            "at most 1h",
        ),
    ];
    for (text, field, max) in cases {
        let stderr = refusal(&text);
        assert!(stderr.contains(field), "{field}: {stderr}");
        assert!(stderr.contains(max), "{max}: {stderr}");
    }
}

#[test]
fn an_empty_bearer_token_is_refused_wherever_it_comes_from() {
    let dir = tempfile::tempdir().unwrap();
    let empty_file = dir.path().join("token");
    std::fs::write(&empty_file, "\n").unwrap();
    let base = "[[receivers]]\nname = \"a\"\n[route]\nreceiver = \"a\"\n";
    let run = |server: &str, env: &[(&str, &str)]| {
        let path = dir.path().join("alertd.toml");
        std::fs::write(&path, format!("[server]\n{server}\n{base}")).unwrap();
        let out = alertd_with_env(&["--config", path.to_str().unwrap(), "check-config"], env);
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.success(), text)
    };
    let (ok, text) = run("", &[("ALERTD_BEARER_TOKEN", "")]);
    assert!(
        !ok && text.contains("ALERTD_BEARER_TOKEN is empty"),
        "{text}"
    );
    let file = format!("bearer_token_file = {:?}", empty_file.to_str().unwrap());
    let (ok, text) = run(&file, &[]);
    assert!(!ok && text.contains("server.bearer_token_file"), "{text}");
    let (ok, text) = run("bearer_token = \" \"", &[]);
    assert!(!ok && text.contains("server.bearer_token"), "{text}");
    let (ok, text) = run("bearer_token = \"s3cret-token\"", &[]);
    assert!(ok && text.contains("bearer token required"), "{text}");
    let (ok, text) = run("", &[]);
    assert!(ok && text.contains("no bearer token"), "{text}");
}

#[test]
fn an_api_beyond_loopback_without_a_token_is_refused_unless_allowed_explicitly() {
    let dir = tempfile::tempdir().unwrap();
    let base = "[[receivers]]\nname = \"a\"\n[route]\nreceiver = \"a\"\n";
    let run = |server: &str, env: &[(&str, &str)]| {
        let path = dir.path().join("alertd.toml");
        std::fs::write(&path, format!("[server]\n{server}\n{base}")).unwrap();
        let out = alertd_with_env(&["--config", path.to_str().unwrap(), "check-config"], env);
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    for listen in ["0.0.0.0:9870", "[::]:9870", "192.168.1.5:9870"] {
        let (ok, stdout, stderr) = run(&format!("listen = {listen:?}"), &[]);
        assert!(!ok, "{listen}: {stdout}");
        for needle in [
            "server.listen",
            "not a loopback address",
            "no bearer token",
            "ALERTD_BEARER_TOKEN",
            "allow_unauthenticated_remote = true",
        ] {
            assert!(stderr.contains(needle), "{listen}: {needle}: {stderr}");
        }
    }
    let (ok, stdout, stderr) = run(
        "listen = \"0.0.0.0:9870\"\nallow_unauthenticated_remote = true",
        &[],
    );
    assert!(ok, "{stdout}{stderr}");
    assert!(
        stdout.contains("warning: the API has no bearer token and listens on 0.0.0.0:9870"),
        "{stdout}"
    );
    for (server, env) in [
        (
            "listen = \"0.0.0.0:9870\"\nbearer_token = \"s3cret-token\"",
            &[][..],
        ),
        (
            "listen = \"0.0.0.0:9870\"",
            &[("ALERTD_BEARER_TOKEN", "s3cret-token")][..],
        ),
    ] {
        let (ok, stdout, stderr) = run(server, env);
        assert!(ok, "{server}: {stdout}{stderr}");
        assert!(stdout.contains("bearer token required"), "{stdout}");
        assert!(!stdout.contains("warning"), "{stdout}");
    }
    let (ok, stdout, stderr) = run("listen = \"127.0.0.1:9870\"", &[]);
    assert!(ok && !stdout.contains("warning"), "{stdout}{stderr}");
}

#[test]
fn a_template_that_does_not_compile_is_refused_with_the_key_line_and_reason() {
    let stderr = refusal(
        "[[receivers]]\nname = \"r\"\nsms_template = \"\"\"\n{{ status }}\n{% for a in firing %}\n- {{ a.labels.room }}\n\"\"\"\n[route]\nreceiver = \"r\"\n",
    );
    for needle in [
        "receivers.sms_template",
        "receiver \"r\"",
        "line 3: syntax error",
        "unexpected end of input",
    ] {
        assert!(stderr.contains(needle), "{needle}: {stderr}");
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("speech.j2"),
        "Alert {{ firing[0].labels.alertname }\n",
    )
    .unwrap();
    let path = dir.path().join("alertd.toml");
    std::fs::write(
        &path,
        "[[escalations]]\nname = \"p\"\nvoice_template_file = \"speech.j2\"\nsteps = [{ channel = \"voice\", to = \"+15551230001\", after = \"0s\" }]\n[[receivers]]\nname = \"r\"\n[route]\nreceiver = \"r\"\nescalation = \"p\"\n",
    )
    .unwrap();
    let out = alertd(&["--config", path.to_str().unwrap(), "check-config"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    for needle in [
        "escalations.voice_template_file",
        "escalation policy \"p\"",
        "line 1: syntax error",
    ] {
        assert!(stderr.contains(needle), "{needle}: {stderr}");
    }
}

#[test]
fn a_template_failing_on_the_sample_group_is_reported_with_line_and_reason() {
    let out = check(&with_receiver(
        "",
        "",
    ).replace(
        "name = \"r\"\n",
        "name = \"r\"\nvoice_template = \"\"\"\nAlert.\n{{ firing[0].labels.room | int }}\n\"\"\"\n",
    ));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stdout}");
    assert!(
        stdout.contains(
            "receiver \"r\" call (receivers.voice_template): FAILED: line 2: invalid operation"
        ),
        "{stdout}"
    );
    assert!(
        stderr.contains("1 template(s) fail on the sample group"),
        "{stderr}"
    );
    assert!(stderr.contains("line 2"), "{stderr}");
}

#[test]
fn good_templates_are_shown_with_segments_encoding_and_cost() {
    let text = "[twilio]\nsms_segment_price = 0.01\n[[rosters]]\nname = \"ops\"\nnumbers = [\"+15551230001\"]\n[[escalations]]\nname = \"p\"\nsms_template = \"{{ firingCount }} Котёл горячий: {{ commonLabels.alertname }}\"\nsteps = [{ channel = \"sms\", to = \"ops\", after = \"0s\" }]\n[[receivers]]\nname = \"r\"\nsms_template = \"{{ firingCount }} firing, {{ resolvedCount }} resolved\"\n[route]\nreceiver = \"r\"\nescalation = \"p\"\n";
    let out = check(text);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for needle in [
        "receiver \"r\" SMS (receivers.sms_template): 1 segment(s), GSM-7, 20 character(s), $0.0100",
        "  | 2 firing, 1 resolved\n",
        "receiver \"r\" call (default): ",
        "  | This is alertd. 2 alerts firing: BoilerOverTemp.",
        "escalation policy \"p\" SMS (escalations.sms_template): 1 segment(s), UCS-2, ",
        "  | 2 Котёл горячий: BoilerOverTemp\n  | Reply ACK 4F7KQ to acknowledge\n",
        "escalation policy \"p\" call (default): ",
    ] {
        assert!(stdout.contains(needle), "{needle}: {stdout}");
    }
}
