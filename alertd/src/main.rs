//! `alertd`: the command line. All the work is in the library.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use alertd::app::{self, StartOptions};
use alertd::clock::{Clock, SystemClock};
use alertd::config::secrets::{self, EnvLookup};
use alertd::config::{ApiExposure, Config, LogFormat, example};
use alertd::domain::channel::Channel;
use alertd::outbox::{Outbound, SendOutcome};
use alertd::store::sqlite::SqliteStore;
use alertd::store::{EscalationStore, OptOutStore, OutboxStore, Store};
use clap::{Parser, Subcommand};

/// Alert gateway: ingest, dedup, group and route alerts to Twilio SMS and voice calls.
#[derive(Debug, Parser)]
#[command(name = "alertd", version, about)]
struct Cli {
    /// Config file (default: ./alertd.toml if present, else the embedded defaults).
    #[arg(long, short, global = true, env = "ALERTD_CONFIG")]
    config: Option<PathBuf>,
    /// Log line format: `text` or `json` (default: `[server] log_format`, else text).
    #[arg(long, global = true, value_parser = ["text", "json"])]
    log_format: Option<String>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the daemon (the default).
    Run,
    /// Validate the config and say which sender would be used.
    CheckConfig,
    /// Print a commented example config.
    GenerateConfig,
    /// Send one test message through the configured sender.
    Send {
        /// Destination (E.164).
        #[arg(long)]
        to: String,
        /// Place a call that speaks the text instead of sending an SMS.
        #[arg(long)]
        voice: bool,
        /// The text.
        text: String,
    },
    /// Enrol on-call numbers: send a Twilio Verify code, confirm it, list where each stands.
    Numbers {
        #[command(subcommand)]
        action: NumbersAction,
    },
    /// Queue depth and recent deliveries, from the store.
    Status {
        /// How many recent deliveries to list.
        #[arg(long, default_value_t = 10)]
        recent: usize,
    },
    /// Write shell completions (bash, zsh, fish) and man pages into a directory, for packages.
    #[command(hide = true)]
    GenerateAssets {
        /// The directory (created if missing).
        dir: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
enum NumbersAction {
    /// Look the number up and send it a code (a landline always gets a call).
    Verify {
        /// The number (E.164).
        number: String,
        /// How the code is sent.
        #[arg(long, default_value = "sms", value_parser = ["sms", "call"])]
        channel: String,
    },
    /// Check the code the number received.
    Confirm {
        /// The number (E.164).
        number: String,
        /// The code.
        code: String,
    },
    /// Every enrolled number, and the configured numbers not verified.
    List,
}

/// How the embedded defaults are named in logs.
const EMBEDDED: &str = "embedded defaults";

fn load_config(path: Option<&Path>) -> Result<(Config, String), String> {
    match path {
        Some(p) => Config::load(p)
            .map(|c| (c, p.display().to_string()))
            .map_err(|e| e.to_string()),
        None if Path::new("alertd.toml").exists() => Config::load(Path::new("alertd.toml"))
            .map(|c| (c, "alertd.toml".into()))
            .map_err(|e| e.to_string()),
        None => Ok((Config::embedded_default(), EMBEDDED.into())),
    }
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Json => builder.json().flatten_event(true).init(),
        _ => builder
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .init(),
    }
}

/// Raises the soft open-files limit to the hard one, as Go's runtime does: systemd's default
/// soft limit (1024) is too low for a server, and the hard limit is what the admin allows.
fn raise_open_files_limit() {
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(n) => tracing::debug!(open_files = n, "open-files limit"),
        Err(e) => tracing::warn!("cannot raise the open-files limit: {e}"),
    }
}

/// Tells systemd (`Type=notify`) where alertd stands; nothing without `NOTIFY_SOCKET`.
fn notify_systemd(state: &[sd_notify::NotifyState<'_>]) {
    let _ = sd_notify::notify(false, state);
}

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .max_blocking_threads(8)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))
}

fn run(cfg: &Config, source: &str, path: Option<PathBuf>) -> Result<(), String> {
    raise_open_files_limit();
    runtime()?.block_on(async {
        // Handled from before the start: a stop during it is a drain too, not a kill.
        let signals = Signals::new().map_err(|e| format!("cannot handle signals: {e}"))?;
        let running = app::start(cfg, StartOptions::default()).await.map_err(|e| e.to_string())?;
        if let Some(path) = path {
            running.set_config_path(path);
        }
        tracing::info!(
            config = source,
            store = %cfg.store.path.display(),
            sender = running.sender_kind,
            "alertd started on {}://{}",
            if cfg.server.tls_cert_file.is_some() { "https" } else { "http" },
            running.addr
        );
        if running.sender_kind == "dry-run" {
            tracing::info!(
                "dry run: messages are logged, not sent (no Twilio credentials, twilio.dry_run, or no config file: see alertd generate-config)"
            );
        }
        notify_systemd(&[sd_notify::NotifyState::Ready]);
        serve_until_stopped(running, signals, cfg.server.shutdown_grace).await
    })
}

/// SIGTERM, SIGINT and SIGHUP.
struct Signals {
    term: tokio::signal::unix::Signal,
    int: tokio::signal::unix::Signal,
    hup: tokio::signal::unix::Signal,
}

impl Signals {
    fn new() -> std::io::Result<Self> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Self {
            term: signal(SignalKind::terminate())?,
            int: signal(SignalKind::interrupt())?,
            hup: signal(SignalKind::hangup())?,
        })
    }
}

/// Reloads on SIGHUP; on SIGTERM or SIGINT drains within `grace` and returns.
async fn serve_until_stopped(
    running: app::RunningApp,
    mut signals: Signals,
    grace: std::time::Duration,
) -> Result<(), String> {
    loop {
        let name = tokio::select! {
            _ = signals.hup.recv() => {
                tracing::info!("SIGHUP: reloading the config");
                running.reload().await;
                continue;
            }
            _ = signals.term.recv() => "SIGTERM",
            _ = signals.int.recv() => "SIGINT",
        };
        notify_systemd(&[sd_notify::NotifyState::Stopping]);
        tracing::info!(
            signal = name,
            grace = %humantime::format_duration(grace),
            "stopping: no new work; finishing sends in flight"
        );
        let drained = running.drain(grace).await;
        if drained.complete {
            tracing::info!(
                took_ms = u64::try_from(drained.took.as_millis()).unwrap_or(u64::MAX),
                "stopped; undelivered notifications stay in the outbox"
            );
        } else {
            tracing::warn!(
                took_ms = u64::try_from(drained.took.as_millis()).unwrap_or(u64::MAX),
                "stopped at the end of the grace period; unfinished sends stay in the outbox and go out after the restart"
            );
        }
        return Ok(());
    }
}

fn check_config(cfg: &Config, source: &str) -> Result<(), String> {
    let env: EnvLookup = Arc::new(|n| std::env::var(n).ok());
    let (_, _, kind) = app::build_sender(cfg, &env).map_err(|e| e.to_string())?;
    let token = secrets::bearer_token(&cfg.server, |n| env(n)).map_err(|e| e.to_string())?;
    let listen = cfg.listen_addr().map_err(|e| e.to_string())?;
    let exposure = cfg
        .server
        .api_exposure(listen, token.is_some())
        .map_err(|e| e.to_string())?;
    let api_auth = match exposure {
        ApiExposure::TokenRequired => "bearer token required",
        ApiExposure::LoopbackOnly => "no bearer token; loopback only",
        ApiExposure::OpenBeyondLoopback => "no bearer token; open to whoever reaches it",
    };
    if let Some(relay) = &cfg.relay {
        // Device secrets and the relay's certificate are read now, not at the first request.
        let devices = relay
            .devices(|n| env(n), &cfg.own_numbers())
            .map_err(|e| e.to_string())?;
        if let (Some(cert), Some(key)) = (&relay.tls_cert_file, &relay.tls_key_file) {
            alertd::tls::server_config(cert, key).map_err(|e| e.to_string())?;
        }
        println!(
            "relay OK: listen {} ({}), {} device(s)",
            relay.listen,
            if relay.plain_http {
                "plain HTTP"
            } else {
                "TLS"
            },
            devices.len()
        );
    }
    println!(
        "config OK ({source}): listen {} ({api_auth}), store {}, sender {kind}, {} receiver(s), {} escalation policy(ies)",
        cfg.server.listen,
        cfg.store.path.display(),
        cfg.receivers.len(),
        cfg.escalations.len()
    );
    if let Some(warning) = exposure.warning(listen) {
        println!("warning: {warning}");
    }
    if !cfg.escalations.is_empty() && cfg.server.public_url.is_none() {
        println!(
            "warning: escalation calls need server.public_url to take keypresses (1 = acknowledge); without it they only speak the alert"
        );
    }
    check_numbers(cfg);
    check_templates(cfg)
}

/// With a Verify Service: lists the configured numbers not verified, and landlines in `sms`
/// lists (from the store, when it exists).
fn check_numbers(cfg: &Config) {
    use alertd::store::NumberStore;
    if cfg.twilio.verify_service_sid().is_none() {
        return;
    }
    let enrolled = if cfg.store.path.exists() {
        SqliteStore::open(&cfg.store.path)
            .and_then(|s| s.enrolled_numbers())
            .unwrap_or_else(|e| {
                println!("warning: cannot read enrolled numbers: {e}");
                Vec::new()
            })
    } else {
        Vec::new()
    };
    let report = alertd::numbers::report(cfg, &enrolled);
    if report.unverified.is_empty() {
        println!("numbers: every configured number is verified");
    }
    for n in &report.unverified {
        println!("number not verified: {n} (alertd numbers verify {n})");
    }
    if cfg.twilio.require_verified() && !report.unverified.is_empty() {
        println!(
            "require_verified: unverified numbers are skipped where their route pages a verified one"
        );
    }
    for (receiver, n) in &report.landlines_in_sms {
        println!(
            "warning: receiver {receiver}: {n} is a landline in its sms list; it cannot receive texts"
        );
    }
}

/// Prints every receiver's and escalation policy's texts for a sample group; a template that
/// fails on it is an error.
fn check_templates(cfg: &Config) -> Result<(), String> {
    let previews = alertd::app::preview::previews(cfg).map_err(|e| e.to_string())?;
    println!("templates, rendered for {}:", alertd::app::preview::SAMPLE);
    let mut failed = Vec::new();
    for p in previews {
        let what = match p.channel {
            Channel::Sms => "SMS",
            Channel::Voice => "call",
        };
        let text = match &p.text {
            Ok(text) => text,
            Err(why) => {
                println!("{} {what} ({}): FAILED: {why}", p.owner, p.template);
                failed.push(format!(
                    "{} {what} template ({}): {why}",
                    p.owner, p.template
                ));
                continue;
            }
        };
        match (p.segments, p.cost_usd) {
            (Some(s), Some(cost)) => println!(
                "{} {what} ({}): {} segment(s), {}, {} character(s), ${cost:.4}",
                p.owner,
                p.template,
                s.segments,
                match s.encoding {
                    alertd::domain::text_budget::Encoding::Gsm7 => "GSM-7",
                    alertd::domain::text_budget::Encoding::Ucs2 => "UCS-2",
                },
                text.chars().count()
            ),
            _ => println!(
                "{} {what} ({}): {} character(s)",
                p.owner,
                p.template,
                text.chars().count()
            ),
        }
        for line in text.lines() {
            println!("  | {line}");
        }
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} template(s) fail on the sample group:\n  {}",
            failed.len(),
            failed.join("\n  ")
        ))
    }
}

fn send(cfg: &Config, to: &str, voice: bool, text: &str) -> Result<(), String> {
    if !alertd::domain::phone::is_e164(to) {
        return Err(format!(
            "--to {to:?} is not an E.164 number like +15551230001"
        ));
    }
    runtime()?.block_on(async {
        let env: EnvLookup = Arc::new(|n| std::env::var(n).ok());
        let (sender, _, kind) = app::build_sender(cfg, &env).map_err(|e| e.to_string())?;
        let channel = if voice { Channel::Voice } else { Channel::Sms };
        let body = alertd::domain::text_budget::fit(text, cfg.twilio.segment_budget);
        let outcome = sender.send(&Outbound::text(0, channel, to, &body)).await;
        match outcome {
            SendOutcome::Accepted { sid, status } => {
                println!("{kind}: accepted, sid {sid}, status {status}");
                Ok(())
            }
            other => Err(format!("{kind}: not sent: {other:?}")),
        }
    })
}

fn numbers(cfg: &Config, action: NumbersAction) -> Result<(), String> {
    use alertd::numbers::{CheckAnswer, CodeChannel, Confirmed, Enrolment};
    use alertd::store::NumberStore;
    let store = SqliteStore::open(&cfg.store.path).map_err(|e| e.to_string())?;
    if let NumbersAction::List = action {
        let enrolled = store.enrolled_numbers().map_err(|e| e.to_string())?;
        for n in &enrolled {
            println!(
                "{} {}{}{}",
                n.number,
                n.state.as_str(),
                n.line_type
                    .as_deref()
                    .map(|t| format!(", {t}"))
                    .unwrap_or_default(),
                n.verified_at.map_or_else(
                    || format!(", since {}", n.updated_at),
                    |t| format!(", verified {t}")
                )
            );
        }
        for n in alertd::numbers::report(cfg, &enrolled).unverified {
            if !enrolled.iter().any(|e| e.number == n) {
                println!("{n} unverified (in the config, never enrolled)");
            }
        }
        return Ok(());
    }
    let env: EnvLookup = Arc::new(|n| std::env::var(n).ok());
    let verifier = app::build_verifier(cfg, &env)
        .map_err(|e| e.to_string())?
        .ok_or("number enrolment needs [twilio] verify_service_sid and Twilio credentials")?;
    let enrolment = Enrolment {
        verifier: verifier.as_ref(),
        store: Arc::new(store),
    };
    let now = SystemClock.now();
    runtime()?.block_on(async {
        match action {
            NumbersAction::Verify { number, channel } => {
                let channel = CodeChannel::parse(&channel).unwrap_or(CodeChannel::Sms);
                let n = enrolment
                    .verify(&number, channel, now)
                    .await
                    .map_err(|e| e.to_string())?;
                let sent_by = n.channel.as_deref().unwrap_or("sms");
                if n.is_landline() && channel == CodeChannel::Sms {
                    println!("{number} is a landline: it cannot receive SMS, so the code is coming by call");
                }
                println!(
                    "code sent to {number} by {sent_by}; then: alertd numbers confirm {number} CODE"
                );
                Ok(())
            }
            NumbersAction::Confirm { number, code } => {
                match enrolment
                    .confirm(&number, &code, now)
                    .await
                    .map_err(|e| e.to_string())?
                {
                    Confirmed::Verified(_) => {
                        println!("{number} verified");
                        Ok(())
                    }
                    Confirmed::NotVerified(why, _) => Err(match why {
                        CheckAnswer::WrongCode => format!("{number}: wrong code; try again"),
                        CheckAnswer::Expired => format!(
                            "{number}: no pending code (expired after 10 minutes?): alertd numbers verify {number}"
                        ),
                        CheckAnswer::TooManyAttempts => format!(
                            "{number}: too many wrong codes: alertd numbers verify {number} for a new one"
                        ),
                        CheckAnswer::Approved => format!("{number} verified"),
                    }),
                }
            }
            NumbersAction::List => Ok(()),
        }
    })
}

fn status(cfg: &Config, recent: usize) -> Result<(), String> {
    let store = SqliteStore::open(&cfg.store.path).map_err(|e| e.to_string())?;
    let stats = store.stats(SystemClock.now()).map_err(|e| e.to_string())?;
    println!(
        "store {}: {} active alert(s), outbox: {} pending, {} sent, {} failed, {} opted out; {} silence(s); {} number(s) opted out of SMS",
        cfg.store.path.display(),
        stats.active_alerts,
        stats.outbox_pending,
        stats.outbox_sent,
        stats.outbox_failed,
        stats.outbox_opted_out,
        stats.silences,
        stats.opted_out_numbers
    );
    for o in store.opt_outs().map_err(|e| e.to_string())? {
        println!(
            "opted out of SMS: {} since {} ({})",
            o.number, o.since, o.source
        );
    }
    for m in store.recent_outbox(recent).map_err(|e| e.to_string())? {
        println!(
            "{} #{} {} {} -> {} [{}{}]{}{}",
            m.updated_at,
            m.id,
            m.channel.as_str(),
            m.receiver,
            m.to,
            m.state.as_str(),
            m.twilio_status
                .map(|s| format!(", {s}"))
                .unwrap_or_default(),
            m.error.map(|e| format!(" {e}")).unwrap_or_default(),
            // A relayed row: the SID the device was given, and Twilio's once sent.
            m.relay_sid
                .map(|r| format!(
                    " relay {r} -> twilio {}",
                    m.sid.as_deref().unwrap_or("(not yet sent)")
                ))
                .unwrap_or_default()
        );
    }
    for e in store
        .recent_escalations(recent)
        .map_err(|e| e.to_string())?
    {
        let last = match (e.last_step, e.last_step_at) {
            (Some(step), Some(at)) => format!("; step {} sent {at}", step + 1),
            _ => String::new(),
        };
        let detail = match (&e.acked_by, &e.acked_via, e.next_step, e.next_at) {
            (Some(by), Some(via), ..) => format!("acked by {by} via {via}{last}"),
            (_, _, Some(step), Some(next)) => {
                format!("pass {}{last}; next step {} due {next}", e.pass, step + 1)
            }
            _ => format!("pass {}{last}", e.pass),
        };
        println!(
            "escalation {} [{}] {} ({}) {detail}",
            e.short_id,
            e.state.as_str(),
            e.alert_name,
            e.policy
        );
    }
    Ok(())
}

/// `cmd` without `help` subcommands, which would only add man pages repeating the others.
fn without_help(cmd: clap::Command) -> clap::Command {
    cmd.disable_help_subcommand(true)
        .mut_subcommands(without_help)
}

/// Completions and man pages from the clap definition, so they never drift from the CLI.
fn generate_assets(dir: &Path) -> Result<(), String> {
    use clap::CommandFactory;
    use clap_complete::Shell;
    let failed = |e: std::io::Error| format!("cannot write into {}: {e}", dir.display());
    std::fs::create_dir_all(dir).map_err(failed)?;
    let mut cmd = Cli::command();
    for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
        clap_complete::generate_to(shell, &mut cmd, "alertd", dir).map_err(failed)?;
    }
    // A fresh definition: generating completions has built `cmd`, help subcommands included.
    clap_mangen::generate_to(without_help(Cli::command()), dir).map_err(failed)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match &cli.command {
        Some(Command::GenerateConfig) => {
            print!("{}", example::EXAMPLE);
            return ExitCode::SUCCESS;
        }
        Some(Command::GenerateAssets { dir }) => {
            return match generate_assets(dir) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("alertd: {e}");
                    ExitCode::FAILURE
                }
            };
        }
        _ => {}
    }
    let loaded = load_config(cli.config.as_deref());
    let format = match cli.log_format.as_deref() {
        Some("json") => LogFormat::Json,
        Some(_) => LogFormat::Text,
        None => loaded
            .as_ref()
            .map_or(LogFormat::Text, |(cfg, _)| cfg.server.log_format),
    };
    init_logging(format);
    let result = loaded.and_then(|(cfg, source)| match cli.command {
        None | Some(Command::Run) => {
            let mut cfg = cfg;
            let path = (source != EMBEDDED).then(|| PathBuf::from(&source));
            if source == EMBEDDED {
                // The embedded receiver is a placeholder number: never text it for real.
                cfg.twilio.dry_run = true;
            }
            run(&cfg, &source, path)
        }
        Some(Command::CheckConfig) => check_config(&cfg, &source),
        Some(Command::Send { to, voice, text }) => send(&cfg, &to, voice, &text),
        Some(Command::Status { recent }) => status(&cfg, recent),
        Some(Command::Numbers { action }) => numbers(&cfg, action),
        Some(Command::GenerateConfig | Command::GenerateAssets { .. }) => Ok(()),
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("alertd: {e}");
            ExitCode::FAILURE
        }
    }
}
