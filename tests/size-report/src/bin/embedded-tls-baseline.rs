//! What a hand-written device client needs without twilio-embedded: an embedded-tls handshake
//! with one CA (rustpki), an SMS and a call with TwiML written by twilio-core (as `AlertRequest`s, as the client does), the responses
//! parsed and classified. `embedded-client` minus this is the flash twilio-embedded adds.
#![no_std]
#![no_main]

use embedded_io_async::Write;
use embedded_tls::pki::CertVerifier;
use embedded_tls::{
    Aes128GcmSha256, Certificate, CryptoProvider, CryptoRngCore, NoClock, TlsConfig,
    TlsConnection, TlsContext, TlsError, TlsVerifier,
};
use size_report::embedded::{Replay, Rng, block_on};
use size_report::opaque;
use twilio_core::auth::Credentials;
use twilio_core::outcome::Outcome;
use twilio_core::buf::Encode;
use twilio_core::request::{AlertRequest, ApiRequest, HttpConfig};
use twilio_core::twiml::{Pause, Response, Say, Verb};
use twilio_core::response::{Progress, ResponseParser};

struct Provider {
    rng: Rng,
    verifier: CertVerifier<'static, Aes128GcmSha256, NoClock, 4096>,
}

impl CryptoProvider for Provider {
    type CipherSuite = Aes128GcmSha256;
    type Signature = [u8; 0];
    fn rng(&mut self) -> impl CryptoRngCore {
        &mut self.rng
    }
    fn verifier(&mut self) -> Result<&mut impl TlsVerifier<Self::CipherSuite>, TlsError> {
        Ok(&mut self.verifier)
    }
}

async fn send(
    read: &mut [u8],
    write: &mut [u8],
    http: &mut [u8],
    call: bool,
) -> Option<Outcome> {
    let creds = Credentials::auth_token(
        opaque("AC0123456789abcdef0123456789abcdef"),
        opaque("fedcba9876543210fedcba9876543210"),
    )
    .ok()?;
    let sms = AlertRequest::sms(
        opaque("+15551234567"),
        opaque("+15005550006"),
        opaque("Freezer 2 at -4 C"),
    )
    .ok()?;
    let mut tls = TlsConnection::new(Replay(opaque(b"\x16\x03\x03")), read, write);
    let config = TlsConfig::new().with_server_name(opaque("api.twilio.com"));
    let provider = Provider {
        rng: Rng(opaque(7)),
        verifier: CertVerifier::new(Certificate::X509(opaque(&[0x30u8, 0x82][..]))),
    };
    tls.open(TlsContext::new(&config, provider)).await.ok()?;
    let n = if call {
        let text = opaque("Freezer 2 at +8 C");
        let verbs = [
            Verb::Say(Say::new(text)),
            Verb::Pause(Pause::seconds(1)),
            Verb::Say(Say::new(text)),
        ];
        let mut twiml = [0u8; 1024];
        let len = Response::new(&verbs)
            .without_declaration()
            .encode_to_slice(&mut twiml)
            .ok()?;
        let twiml = core::str::from_utf8(&twiml[..len]).ok()?;
        let call = AlertRequest::call(opaque("+15551234567"), opaque("+15005550006"), twiml).ok()?;
        call.write_http(&creds, &HttpConfig::default(), http).ok()?
    } else {
        sms.write_http(&creds, &HttpConfig::default(), http).ok()?
    };
    tls.write_all(&http[..n]).await.ok()?;
    tls.flush().await.ok()?;
    let mut chunk = [0u8; 512];
    let mut parser = ResponseParser::new(http);
    loop {
        let got = tls.read(&mut chunk).await.ok()?;
        if let Progress::Complete { .. } = parser.feed(&chunk[..got]).ok()? {
            break;
        }
    }
    Some(Outcome::from_response(&parser.response()?))
}

size_report::entry!(|| {
    let mut read = [0u8; 16_640];
    let mut write = [0u8; 4_096];
    let mut http = [0u8; 4_096];
    opaque(block_on(send(
        opaque(&mut read),
        opaque(&mut write),
        opaque(&mut http),
        opaque(true),
    )));
});
