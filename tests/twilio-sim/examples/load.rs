//! Load generator: message creates per second against the simulator over keep-alive TLS.
//!
//! ```sh
//! # In-process simulator (shares the runtime with the load generator):
//! cargo run --release -p twilio-sim --example load -- --seconds 5 --connections 32
//! # Against a running simulator:
//! twilio-sim --listen 127.0.0.1:8443 --ca-out /tmp/sim-ca.pem &
//! cargo run --release -p twilio-sim --example load -- --url https://127.0.0.1:8443 --ca /tmp/sim-ca.pem
//! ```

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use base64::Engine as _;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use twilio_sim::{DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN, SimConfig, Simulator};

#[derive(Debug)]
struct Options {
    url: Option<String>,
    ca: Option<String>,
    connections: usize,
    pipeline: usize,
    seconds: u64,
}

fn options() -> Result<Options, String> {
    let mut o = Options {
        url: None,
        ca: None,
        connections: 32,
        pipeline: 1,
        seconds: 5,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--url" => o.url = Some(value()?),
            "--ca" => o.ca = Some(value()?),
            "--connections" => o.connections = value()?.parse().map_err(|e| format!("{e}"))?,
            "--pipeline" => o.pipeline = value()?.parse().map_err(|e| format!("{e}"))?,
            "--seconds" => o.seconds = value()?.parse().map_err(|e| format!("{e}"))?,
            other => return Err(format!("unknown option {other}")),
        }
    }
    Ok(o)
}

/// Index just past the header block and the body length, once the head is complete.
fn head(buf: &[u8]) -> Option<(usize, usize, u16)> {
    let end = buf.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let text = std::str::from_utf8(&buf[..end]).ok()?;
    let status = text.get(9..12)?.parse().ok()?;
    let length = text
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())?
        })
        .unwrap_or(0);
    Some((end, length, status))
}

struct Totals {
    created: AtomicU64,
    other: AtomicU64,
}

async fn connection(
    addr: std::net::SocketAddr,
    tls: tokio_rustls::TlsConnector,
    request: Arc<Vec<u8>>,
    pipeline: usize,
    deadline: Instant,
    totals: Arc<Totals>,
    latencies: Arc<std::sync::Mutex<Vec<u32>>>,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let tcp = tokio::net::TcpStream::connect(addr).await?;
    tcp.set_nodelay(true)?;
    let mut stream = tls.connect(ServerName::try_from("localhost")?, tcp).await?;
    let batch: Vec<u8> = request
        .iter()
        .copied()
        .cycle()
        .take(request.len() * pipeline)
        .collect();
    let mut buf = Vec::with_capacity(64 * 1024);
    let mut chunk = vec![0u8; 64 * 1024];
    let mut samples = Vec::new();
    while Instant::now() < deadline {
        let started = Instant::now();
        stream.write_all(&batch).await?;
        let mut answered = 0;
        while answered < pipeline {
            if let Some((head_len, body_len, status)) = head(&buf)
                && buf.len() >= head_len + body_len
            {
                buf.drain(..head_len + body_len);
                answered += 1;
                let counter = if status == 201 {
                    &totals.created
                } else {
                    &totals.other
                };
                counter.fetch_add(1, Ordering::Relaxed);
                continue;
            }
            let n = stream.read(&mut chunk).await?;
            if n == 0 {
                return Err("server closed the connection".into());
            }
            buf.extend_from_slice(&chunk[..n]);
        }
        samples.push(u32::try_from(started.elapsed().as_micros()).unwrap_or(u32::MAX));
    }
    latencies.lock().map_err(|_| "poisoned")?.extend(samples);
    Ok(())
}

async fn run(o: Options) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let (sim, base_url, ca_der) = match (&o.url, &o.ca) {
        (Some(url), Some(ca)) => {
            let pem = std::fs::read(ca)?;
            let der = rustls_pemfile_like(&pem).ok_or("no certificate in the CA file")?;
            (None, url.clone(), der)
        }
        (None, _) => {
            let sim = Simulator::start(SimConfig::default()).await?;
            let url = sim.base_url();
            let der = sim.ca_der().to_vec();
            (Some(sim), url, der)
        }
        (Some(_), None) => return Err("--url needs --ca".into()),
    };
    let addr: std::net::SocketAddr = base_url.trim_start_matches("https://").parse()?;
    let mut roots = rustls::RootCertStore::empty();
    roots.add(CertificateDer::from(ca_der))?;
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()?
    .with_root_certificates(roots)
    .with_no_client_auth();
    let tls = tokio_rustls::TlsConnector::from(Arc::new(config));

    let body = "To=%2B14155550100&From=%2B15005550006&Body=Boiler+3+over+90+C";
    let auth = base64::engine::general_purpose::STANDARD
        .encode(format!("{DEFAULT_ACCOUNT_SID}:{DEFAULT_AUTH_TOKEN}"));
    let request = Arc::new(
        format!(
            "POST /2010-04-01/Accounts/{DEFAULT_ACCOUNT_SID}/Messages.json HTTP/1.1\r\nHost: {addr}\r\n\
             Authorization: Basic {auth}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
             Content-Length: {}\r\nUser-Agent: twilio-sim-load\r\n\r\n{body}",
            body.len()
        )
        .into_bytes(),
    );

    let totals = Arc::new(Totals {
        created: AtomicU64::new(0),
        other: AtomicU64::new(0),
    });
    let latencies = Arc::new(std::sync::Mutex::new(Vec::new()));
    // Warm up connections before timing: handshakes are not what is measured.
    let started = Instant::now();
    let deadline = started + Duration::from_secs(o.seconds);
    let mut tasks = Vec::new();
    for _ in 0..o.connections {
        tasks.push(tokio::spawn(connection(
            addr,
            tls.clone(),
            request.clone(),
            o.pipeline.max(1),
            deadline,
            totals.clone(),
            latencies.clone(),
        )));
    }
    let mut failures = 0;
    for task in tasks {
        if !matches!(task.await, Ok(Ok(()))) {
            failures += 1;
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    let created = totals.created.load(Ordering::Relaxed);
    let other = totals.other.load(Ordering::Relaxed);
    let mut lat = latencies.lock().map_err(|_| "poisoned")?.clone();
    lat.sort_unstable();
    let pct = |per_mille: usize| {
        lat.get(lat.len().saturating_sub(1) * per_mille / 1000)
            .copied()
            .unwrap_or(0)
    };
    #[allow(clippy::cast_precision_loss)]
    let rate = created as f64 / elapsed;
    println!(
        "connections={} pipeline={} seconds={elapsed:.2} created={created} other={other} failed_connections={failures}",
        o.connections, o.pipeline
    );
    println!("message creates/s: {rate:.0}");
    println!(
        "round trip (us): p50={} p99={} max={}",
        pct(500),
        pct(990),
        lat.last().copied().unwrap_or(0)
    );
    if let Some(sim) = sim {
        println!(
            "store holds {} messages (history cap bounds memory)",
            sim.messages().len()
        );
    }
    Ok(())
}

/// The first certificate of a PEM file, as DER.
fn rustls_pemfile_like(pem: &[u8]) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(pem).ok()?;
    let start = text.find("-----BEGIN CERTIFICATE-----")? + "-----BEGIN CERTIFICATE-----".len();
    let end = text[start..].find("-----END CERTIFICATE-----")? + start;
    let b64: String = text[start..end]
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    base64::engine::general_purpose::STANDARD.decode(b64).ok()
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let o = match options() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("load: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    match run(o).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("load: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
