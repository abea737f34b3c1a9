//! Prints the RAM the client needs: `Buffers`, the `Client` value, and the futures of its send
//! methods (what an executor task stores while a request is in flight, handshake included).
//!
//! `cargo run -p twilio-embedded --example ram_figures` (host layout; on a 32-bit MCU pointers and
//! `usize` are half as wide, so the client value is a little smaller).
#![allow(clippy::print_stdout)]

use core::mem::{size_of, size_of_val};
use core::time::Duration;

use twilio_core::alerting::Severity;
use twilio_core::auth::Credentials;
use twilio_embedded::retry::Sleeper;
use twilio_embedded::tls::{ServerVerification, TrustAnchors};
use twilio_embedded::transport::{Connect, ConnectError};
use twilio_embedded::{Alert, Buffers, Client, ClientConfig, Recipient};

/// A stand-in stream the size of an embassy-net `TcpConnection` handle (a socket handle, a
/// pool reference and a buffer pointer).
#[allow(dead_code)] // only its size matters
struct Stream([usize; 4]);

impl embedded_io_async::ErrorType for Stream {
    type Error = core::convert::Infallible;
}
impl embedded_io_async::Read for Stream {
    async fn read(&mut self, _: &mut [u8]) -> Result<usize, Self::Error> {
        Ok(0)
    }
}
impl embedded_io_async::Write for Stream {
    async fn write(&mut self, buf: &[u8]) -> Result<usize, Self::Error> {
        Ok(buf.len())
    }
    async fn flush(&mut self) -> Result<(), Self::Error> {
        Ok(())
    }
}

struct Link;
impl Connect for Link {
    type Connection = Stream;
    async fn connect(&mut self) -> Result<Stream, ConnectError> {
        Ok(Stream([0; 4]))
    }
}

struct NoSleep;
impl Sleeper for NoSleep {
    async fn sleep(&mut self, _: Duration) {}
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let anchors: [&[u8]; 2] = [&[0x30], &[0x30]];
    let recipients = [Recipient::sms_and_voice("+14155550100")];
    let config = ClientConfig::twilio(
        Credentials::auth_token(
            "AC0123456789abcdef0123456789abcdef",
            "fedcba9876543210fedcba9876543210",
        )?,
        "+15005550006",
        &recipients,
        ServerVerification::anchors(TrustAnchors::new(&anchors)),
    );
    let mut buffers = Box::new(Buffers::new());
    let mut client: Client<'_, Link, rand_core_06::OsRng, NoSleep> =
        Client::new(config, Link, rand_core_06::OsRng, NoSleep, &mut buffers);
    println!("Buffers: {} bytes", size_of::<Buffers>());
    println!(
        "Client (outbox of 8 alerts included): {} bytes",
        size_of_val(&client)
    );
    println!(
        "  of which the outbox: {} bytes",
        size_of_val(client.outbox())
    );
    let sms = client.send_sms("+14155550100", "Freezer 2 at -4 C");
    println!(
        "send_sms future (in flight, handshake included): {} bytes",
        size_of_val(&sms)
    );
    drop(sms);
    let alert = client.send(Alert::new(Severity::Critical, "Freezer 2 at +8 C"));
    println!("send(alert) future: {} bytes", size_of_val(&alert));
    Ok(())
}
