//! SMS opt-out end to end: the simulator texts STOP / START / HELP to alertd's signed
//! `/twilio/inbound` webhook; alertd records them, replies with TwiML, stops (and restarts)
//! SMS to that number while calls still go out; a forged webhook changes nothing; Twilio's
//! 21610 on a send opts the number out. A sender that is not a phone number cannot opt out, and
//! a malformed inbound SMS gets a 400 that says what is missing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common::eventually;
use crate::common::relay::{FROM, Rig, RigOptions, TO, WAIT, settle};
use alertd::domain::outbox::OutboxState;
use alertd::http::webhooks::WebhookAuth;
use alertd::store::OptOutStore;
use twilio_sim::Direction;

const SMS_AND_VOICE: &str =
    "[[receivers]]\nname = \"oncall\"\nsms = [\"+15551230001\"]\nvoice = [\"+15551230001\"]\n";

impl Rig {
    fn inbound_url(&self) -> String {
        format!("{}/twilio/inbound", self.public_url)
    }

    async fn text_alertd(&self, body: &str) -> twilio_sim::InboundDelivery {
        self.sim
            .send_inbound_sms(TO, FROM, body, &self.inbound_url())
            .await
            .unwrap()
    }

    /// Posts `form` to `/twilio/inbound` signed as Twilio would; the status and body.
    async fn post_inbound_signed(&self, form: &[(&str, &str)]) -> (u16, String) {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        let auth = WebhookAuth::new(&self.public_url, self.sim.auth_token());
        let resp = self
            .http
            .post(format!("{}/twilio/inbound", self.base))
            .header(
                "x-twilio-signature",
                auth.sign_at("/twilio/inbound", body.as_bytes()),
            )
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        (resp.status().as_u16(), resp.text().await.unwrap())
    }

    fn rows_to(&self, channel: &str) -> Vec<alertd::domain::outbox::OutboxMessage> {
        self.outbox()
            .into_iter()
            .filter(|m| m.channel.as_str() == channel)
            .collect()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_ends_sms_but_not_calls_start_resumes_help_replies() {
    let mut rig = Rig::start(RigOptions {
        receivers: SMS_AND_VOICE,
        ..RigOptions::default()
    })
    .await;

    let stop = rig.text_alertd("  Stop ").await;
    assert_eq!(stop.response_status, 200);
    assert!(
        stop.response_body
            .contains("<Message>You have successfully been unsubscribed."),
        "{}",
        stop.response_body
    );
    // The simulator turned the TwiML <Message> into a reply to the handset.
    let reply = rig.sim.message(&stop.reply_sids[0]).unwrap();
    assert_eq!(
        (reply.to.as_str(), reply.direction),
        (TO, Direction::OutboundReply)
    );
    assert!(rig.store().is_opted_out(TO).unwrap());

    rig.alert("FreezerWarm").await;
    eventually("the SMS row ends opted_out and the call is sent", || {
        let sms = rig.rows_to("sms");
        let voice = rig.rows_to("voice");
        sms.first()
            .is_some_and(|m| m.state == OutboxState::OptedOut)
            && voice.first().is_some_and(|m| m.state == OutboxState::Sent)
    })
    .await;
    let sms = rig.rows_to("sms").remove(0);
    assert_eq!((sms.sid, sms.error_code), (None, None), "never sent");
    assert!(sms.error.unwrap().contains("opted out"));
    assert!(rig.message_posts().is_empty(), "no SMS reached Twilio");
    assert_eq!(rig.sim.calls().len(), 1, "STOP does not stop calls");
    // Visible in the status API.
    let status = rig.get_json("/api/v1/status").await;
    assert_eq!(status["stats"]["outbox_opted_out"], 1);
    let recent = status["recent"].as_array().unwrap();
    let sms_row = recent.iter().find(|m| m["channel"] == "sms").unwrap();
    assert_eq!(sms_row["state"], "opted_out", "{status}");
    assert_eq!(status["opt_outs"][0]["number"], TO);
    assert_eq!(status["opt_outs"][0]["source"], "stop");

    let help = rig.text_alertd("help").await;
    assert!(
        help.response_body
            .contains("<Message>Reply STOP to unsubscribe.")
    );
    assert!(
        rig.store().is_opted_out(TO).unwrap(),
        "HELP changes nothing"
    );

    let start = rig.text_alertd("UNSTOP").await;
    assert!(
        start.response_body.contains("re-subscribed"),
        "{}",
        start.response_body
    );
    assert!(!rig.store().is_opted_out(TO).unwrap());

    rig.alert("BoilerHot").await;
    let msg = rig
        .sim
        .wait_for(WAIT, |v| {
            v.messages()
                .find(|m| m.direction == Direction::OutboundApi && m.to == TO)
                .cloned()
        })
        .await
        .expect("SMS flows again after START");
    assert!(msg.body.contains("BoilerHot"), "{}", msg.body);

    // Anything else is not an opt-out matter: empty TwiML, no change.
    let other = rig.text_alertd("stop please").await;
    assert!(
        other.response_body.ends_with("<Response />"),
        "{}",
        other.response_body
    );
    assert!(!rig.store().is_opted_out(TO).unwrap());
    rig.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_inbound_webhooks_get_403_and_change_nothing() {
    let mut rig = Rig::start(RigOptions::default()).await;
    let body = format!(
        "AccountSid={}&Body=STOP&From=%2B15551230001&MessageSid=SM0123456789abcdef0123456789abcdef&To=%2B15005550006",
        rig.sim.account_sid()
    );
    // Signed with the wrong token; signed for another URL; unsigned.
    let wrong_key =
        twilio_sim::signature::sign("not-the-auth-token", &rig.inbound_url(), &form_pairs(&body));
    let wrong_url = twilio_sim::signature::sign(
        rig.sim.auth_token(),
        &format!("{}/twilio/status", rig.public_url),
        &form_pairs(&body),
    );
    for signature in [Some(wrong_key), Some(wrong_url), Some(String::new()), None] {
        let mut req = rig
            .http
            .post(format!("{}/twilio/inbound", rig.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body.clone());
        if let Some(s) = &signature {
            req = req.header("x-twilio-signature", s);
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 403, "{signature:?}");
    }
    assert!(rig.store().opt_outs().unwrap().is_empty());
    // The same body, correctly signed, is honoured (so the 403s were about the signature).
    let good =
        twilio_sim::signature::sign(rig.sim.auth_token(), &rig.inbound_url(), &form_pairs(&body));
    let resp = rig
        .http
        .post(format!("{}/twilio/inbound", rig.base))
        .header("x-twilio-signature", good)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert!(rig.store().is_opted_out(TO).unwrap());
    rig.shutdown().await;
}

fn form_pairs(body: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twilio_21610_opts_the_number_out() {
    // The simulator (like Twilio's test credentials) answers 21610 for +15005550004.
    let unsubscribed = "+15005550004";
    let mut rig = Rig::start(RigOptions {
        receivers: "[[receivers]]\nname = \"oncall\"\nsms = [\"+15005550004\"]\nvoice = [\"+15005550004\"]\n",
        ..RigOptions::default()
    })
    .await;
    rig.alert("FreezerWarm").await;
    eventually("the SMS row ends opted_out with 21610", || {
        rig.rows_to("sms")
            .first()
            .is_some_and(|m| m.state == OutboxState::OptedOut)
    })
    .await;
    let row = rig.rows_to("sms").remove(0);
    assert_eq!((row.error_code, row.attempts), (Some(21610), 1));
    let opt_outs = rig.store().opt_outs().unwrap();
    assert_eq!(opt_outs.len(), 1);
    assert_eq!(
        (opt_outs[0].number.as_str(), opt_outs[0].source.as_str()),
        (unsubscribed, "twilio-21610")
    );
    assert_eq!(rig.message_posts().len(), 1);

    // Next alert: the SMS is not even tried; the call still goes out.
    rig.alert("BoilerHot").await;
    eventually("second SMS row opted out without a send", || {
        rig.rows_to("sms").len() == 2
            && rig.rows_to("sms")[0].state == OutboxState::OptedOut
            && rig.rows_to("voice").len() == 2
            && rig
                .rows_to("voice")
                .iter()
                .all(|m| m.state != OutboxState::Pending)
    })
    .await;
    settle().await;
    assert_eq!(rig.message_posts().len(), 1, "no second SMS to Twilio");
    let held = rig.rows_to("sms").remove(0);
    assert_eq!(held.attempts, 0);
    assert_eq!(
        held.error.as_deref(),
        Some(
            "recipient opted out of SMS (Twilio refused an earlier SMS with error 21610); not sent"
        )
    );
    rig.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reply_none_records_without_replying() {
    let mut rig = Rig::start(RigOptions {
        tail: "[opt_out]\nreply = \"none\"\n",
        ..RigOptions::default()
    })
    .await;
    let stop = rig.text_alertd("STOPALL").await;
    assert_eq!(stop.response_status, 200);
    assert!(
        stop.response_body.ends_with("<Response />"),
        "{}",
        stop.response_body
    );
    assert!(
        stop.reply_sids.is_empty(),
        "Twilio's own opt-out reply is left to Twilio"
    );
    assert!(rig.store().is_opted_out(TO).unwrap());
    rig.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_from_a_sender_that_is_not_a_phone_number_is_not_recorded() {
    let mut rig = Rig::start(RigOptions::default()).await;
    let account = rig.sim.account_sid().to_owned();
    let (status, body) = rig
        .post_inbound_signed(&[
            ("AccountSid", &account),
            ("MessageSid", "SM0123456789abcdef0123456789abcdef"),
            ("From", "alice"),
            ("To", FROM),
            ("Body", "STOP"),
        ])
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.ends_with("<Response />"), "no reply: {body}");
    assert!(rig.store().opt_outs().unwrap().is_empty());
    rig.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_inbound_sms_without_its_message_sid_gets_400_saying_so() {
    let mut rig = Rig::start(RigOptions::default()).await;
    let account = rig.sim.account_sid().to_owned();
    let (status, body) = rig
        .post_inbound_signed(&[
            ("AccountSid", &account),
            ("From", TO),
            ("To", FROM),
            ("Body", "STOP"),
        ])
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body.contains("not an inbound SMS: form field MessageSid is missing"),
        "{body}"
    );
    assert!(!body.contains("MissingField"), "no Rust debug text: {body}");
    assert!(rig.store().opt_outs().unwrap().is_empty());
    rig.shutdown().await;
}
