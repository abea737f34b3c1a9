//! twilio-embedded's client as firmware uses it: multi-anchor TLS, keep-alive, retries with
//! backoff, the outbox, and `send(alert)` texting a warning and calling for a critical alert.
//! Compare with `embedded-tls-baseline`, which writes the same two requests by hand.
#![no_std]
#![no_main]

use core::time::Duration;

use size_report::embedded::{Replay, Rng, block_on};
use size_report::opaque;
use twilio_core::alerting::Severity;
use twilio_core::auth::Credentials;
use twilio_embedded::retry::Sleeper;
use twilio_embedded::tls::{ServerVerification, TrustAnchors};
use twilio_embedded::transport::{Connect, ConnectError};
use twilio_embedded::{Alert, Buffers, Client, ClientConfig, Recipient};

struct Link;

impl Connect for Link {
    type Connection = Replay;
    async fn connect(&mut self) -> Result<Replay, ConnectError> {
        Ok(Replay(opaque(b"\x16\x03\x03")))
    }
}

struct Spin;

impl Sleeper for Spin {
    async fn sleep(&mut self, duration: Duration) {
        opaque(duration);
    }
}

static ANCHORS: [&[u8]; 2] = [&[0x30, 0x82, 0x01], &[0x30, 0x82, 0x02]];
static RECIPIENTS: [Recipient<'static>; 1] = [Recipient::sms_and_voice("+15551234567")];

size_report::entry!(|| {
    let mut buffers = Buffers::new();
    let Ok(credentials) = Credentials::auth_token(
        opaque("AC0123456789abcdef0123456789abcdef"),
        opaque("fedcba9876543210fedcba9876543210"),
    ) else {
        return;
    };
    let config = ClientConfig::twilio(
        credentials,
        opaque("+15005550006"),
        opaque(&RECIPIENTS),
        ServerVerification::anchors(TrustAnchors::new(opaque(&ANCHORS))),
    );
    let mut client: Client<'_, _, _, _, 4> =
        Client::new(config, Link, Rng(opaque(7)), Spin, opaque(&mut buffers));
    block_on(async {
        opaque(client.send(Alert::new(opaque(Severity::Warning), opaque("Freezer 2 at -4 C"))).await.ok());
        opaque(client.send(Alert::new(opaque(Severity::Critical), opaque("Freezer 2 at +8 C"))).await.ok());
    });
});
