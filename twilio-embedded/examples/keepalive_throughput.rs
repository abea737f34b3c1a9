//! Requests per second over ONE keep-alive TLS 1.3 connection to twilio-sim, on the host.
//!
//! `cargo run --release -p twilio-embedded --example keepalive_throughput -- [requests]`
//!
//! Exits non-zero if any request is not accepted or if more than one connection was opened.
#![allow(clippy::print_stdout)]

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use embedded_io_adapters::tokio_1::FromTokio;
use rand_core_06::OsRng;
use tokio::net::TcpStream;
use twilio_core::auth::Credentials;
use twilio_core::outcome::Outcome;
use twilio_core::request::HttpConfig;
use twilio_embedded::retry::{RetryPolicy, Sleeper};
use twilio_embedded::tls::{ServerVerification, TlsSettings, TrustAnchors};
use twilio_embedded::transport::{Connect, ConnectError};
use twilio_embedded::{Buffers, Client, ClientConfig};
use twilio_sim::{LifecycleTiming, SimConfig, Simulator, TlsVersions};

struct Tcp {
    addr: std::net::SocketAddr,
    connects: Arc<AtomicUsize>,
}

impl Connect for Tcp {
    type Connection = FromTokio<TcpStream>;

    async fn connect(&mut self) -> Result<Self::Connection, ConnectError> {
        self.connects.fetch_add(1, Ordering::SeqCst);
        let stream = TcpStream::connect(self.addr)
            .await
            .map_err(|_| ConnectError::Refused)?;
        stream
            .set_nodelay(true)
            .map_err(|_| ConnectError::Refused)?;
        Ok(FromTokio::new(stream))
    }
}

struct NoSleep;

impl Sleeper for NoSleep {
    async fn sleep(&mut self, _: Duration) {}
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<ExitCode, Box<dyn std::error::Error>> {
    let requests: u32 = std::env::args()
        .nth(1)
        .map(|n| n.parse())
        .transpose()?
        .unwrap_or(500);
    let sim = Simulator::start(SimConfig {
        tls_versions: TlsVersions::Tls13Only,
        // Lifecycles far beyond the run: only the API path is measured.
        timing: LifecycleTiming {
            message_step: Duration::from_secs(3600),
            call_step: Duration::from_secs(3600),
        },
        ..SimConfig::default()
    })
    .await?;
    let host = format!("localhost:{}", sim.local_addr().port());
    let anchors = [sim.ca_der()];
    let config = ClientConfig {
        credentials: Credentials::auth_token(sim.account_sid(), sim.auth_token())?,
        http: HttpConfig::default().with_host(&host)?,
        tls: TlsSettings::new(
            "localhost",
            ServerVerification::anchors(TrustAnchors::new(&anchors)),
        ),
        from: "+15005550006",
        recipients: &[],
        retry: RetryPolicy::NEVER,
    };
    let connects = Arc::new(AtomicUsize::new(0));
    let tcp = Tcp {
        addr: sim.local_addr(),
        connects: connects.clone(),
    };
    let mut buffers = Box::new(Buffers::new());
    let mut client: Client<'_, _, _, _> = Client::new(config, tcp, OsRng, NoSleep, &mut buffers);

    // The handshake is not part of the figure.
    let first = client.send_sms("+14155550100", "warm-up").await?;
    if !matches!(first, Outcome::Accepted { .. }) {
        println!("warm-up not accepted: {first:?}");
        return Ok(ExitCode::FAILURE);
    }
    let start = Instant::now();
    for i in 0..requests {
        let outcome = client
            .send_sms("+14155550100", &format!("Tank 3 level {i}"))
            .await?;
        if !matches!(outcome, Outcome::Accepted { .. }) {
            println!("request {i} not accepted: {outcome:?}");
            return Ok(ExitCode::FAILURE);
        }
    }
    let elapsed = start.elapsed();
    let connections = connects.load(Ordering::SeqCst);
    println!(
        "{requests} SMS requests over {connections} TLS 1.3 connection(s) in {:.3} s: {:.0} requests/s ({:.2} ms each)",
        elapsed.as_secs_f64(),
        f64::from(requests) / elapsed.as_secs_f64(),
        elapsed.as_secs_f64() * 1000.0 / f64::from(requests),
    );
    Ok(if connections == 1 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
