//! `twilio-sim`: run the simulator as a process for scripts, benchmarks and local development.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use twilio_sim::{LeafKey, SimConfig, Simulator, TlsVersions};

/// A Twilio API simulator over real TLS.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8443")]
    listen: SocketAddr,
    /// Write the test CA certificate (PEM) here so clients can trust it.
    #[arg(long)]
    ca_out: Option<PathBuf>,
    /// Account SID to accept (default: the documented test SID).
    #[arg(long, env = "TWILIO_SIM_ACCOUNT_SID")]
    account_sid: Option<String>,
    /// Auth token to accept (default: the documented test token).
    #[arg(long, env = "TWILIO_SIM_AUTH_TOKEN")]
    auth_token: Option<String>,
    /// Use an RSA 2048 server certificate instead of ECDSA P-256.
    #[arg(long)]
    rsa: bool,
    /// Serve plain HTTP instead of HTTPS.
    #[arg(long)]
    http: bool,
    /// Offer only this TLS version (1.2 or 1.3); both by default.
    #[arg(long, value_parser = ["1.2", "1.3"])]
    tls_version: Option<String>,
    /// Delay between lifecycle steps, in milliseconds.
    #[arg(long, default_value_t = 5)]
    step_ms: u64,
    /// How many requests, messages, calls and callbacks to keep.
    #[arg(long, default_value_t = 10_000)]
    history_cap: usize,
    /// Turn on per-sender rate limiting (1 MPS for long codes).
    #[arg(long)]
    rate_limit: bool,
    /// Default webhook URL for inbound SMS.
    #[arg(long)]
    inbound_webhook: Option<String>,
}

fn config(args: &Args) -> SimConfig {
    let mut config = SimConfig {
        listen: args.listen,
        plain_http: args.http,
        ..SimConfig::default()
    };
    if let Some(sid) = &args.account_sid {
        config.account_sid.clone_from(sid);
    }
    if let Some(token) = &args.auth_token {
        config.auth_token.clone_from(token);
    }
    if args.rsa {
        config.leaf_key = LeafKey::Rsa2048;
    }
    config.tls_versions = match args.tls_version.as_deref() {
        Some("1.2") => TlsVersions::Tls12Only,
        Some("1.3") => TlsVersions::Tls13Only,
        _ => TlsVersions::Both,
    };
    let step = std::time::Duration::from_millis(args.step_ms);
    config.timing = twilio_sim::LifecycleTiming {
        message_step: step,
        call_step: step,
    };
    config.history_cap = args.history_cap;
    if args.rate_limit {
        config.rate_limit = Some(twilio_sim::RateLimitConfig::default());
    }
    config.inbound_webhook.clone_from(&args.inbound_webhook);
    config
}

async fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let sim = Simulator::start(config(&args)).await?;
    if let Some(path) = &args.ca_out {
        std::fs::write(path, sim.ca_pem())
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        println!("CA certificate written to {}", path.display());
    }
    println!("twilio-sim listening on {}", sim.base_url());
    println!("account SID: {}", sim.account_sid());
    println!("auth token:  {}", sim.auth_token());
    println!(
        "API key:     {} / {}",
        twilio_sim::DEFAULT_API_KEY_SID,
        twilio_sim::DEFAULT_API_KEY_SECRET
    );
    println!("messages:    {}", sim.messages_url());
    println!("inspect:     {}/_sim/messages", sim.base_url());
    tokio::signal::ctrl_c().await?;
    sim.shutdown().await;
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
    match run(Args::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("twilio-sim: {e}");
            ExitCode::FAILURE
        }
    }
}
