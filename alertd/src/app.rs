//! Wires the components together: store, group commit, engine, outbox worker, status
//! reconciler, HTTP server.

pub mod preview;
mod reload;

use std::net::SocketAddr;
use std::sync::Arc;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use tokio::sync::{Notify, mpsc, oneshot, watch};
use tokio::task::JoinHandle;

use crate::clock::{SharedClock, SystemClock};
use crate::config::secrets::{self, EnvLookup};
use crate::config::{ApiExposure, Config, ConfigError};
use crate::engine::Engine;
use crate::escalation::ack::Escalations;
use crate::escalation::timer::EscalationTimer;
use crate::heartbeat::Heartbeats;
use crate::http::guard::RequestGuard;
use crate::http::lifecycle::{Lifecycle, ReloadReport};
use crate::http::webhooks::WebhookAuth;
use crate::http::{ApiState, router};
use crate::metrics::Metrics;
use crate::outbox::OutboxWorker;
use crate::outbox::Sender;
use crate::outbox::backoff::RetryPolicy;
use crate::outbox::rate_limit::RateLimiter;
use crate::sender::dry_run::DryRunSender;
use crate::serve::{ConnStats, ServerTls};
use crate::store::group_commit::{GroupCommitter, StoreWriter};
use crate::store::sqlite::SqliteStore;
use crate::store::{Store, StoreError};

/// Why alertd could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// Bad configuration.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The store could not be opened.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The listen address is taken or not ours.
    #[error("cannot listen on {addr}: {reason}")]
    Listen {
        /// Address.
        addr: SocketAddr,
        /// OS error.
        reason: String,
    },
    /// The Twilio client could not be built (CA file, URL).
    #[error("cannot set up the Twilio client: {0}")]
    Twilio(String),
    /// The MQTT ingest could not start (CA, certificate or key files).
    #[error(transparent)]
    Mqtt(#[from] crate::mqtt::MqttError),
    /// The device relay could not start (certificate, address, device secrets).
    #[error(transparent)]
    Relay(#[from] crate::relay::RelayError),
    /// The API's certificate or key is unusable.
    #[error("API {0}")]
    Tls(#[from] crate::tls::TlsFileError),
}

/// What `start` can be given besides the config.
#[derive(Clone)]
pub struct StartOptions {
    /// Time source for every timer.
    pub clock: SharedClock,
    /// Environment lookup for credentials and `TWILIO_API_BASE`.
    pub env: EnvLookup,
    /// Use this sender instead of the one the config selects.
    pub sender: Option<Arc<dyn Sender>>,
}

impl Default for StartOptions {
    fn default() -> Self {
        Self {
            clock: Arc::new(SystemClock),
            env: Arc::new(|name| std::env::var(name).ok()),
            sender: None,
        }
    }
}

/// A running alertd.
pub struct RunningApp {
    /// Where the HTTP API listens.
    pub addr: SocketAddr,
    /// The store (for status and tests).
    pub store: Arc<SqliteStore>,
    /// Which sender was chosen (`"twilio"` or `"dry-run"`), for the startup log.
    pub sender_kind: &'static str,
    /// The dry-run sender, when that is the one in use.
    pub dry_run: Option<Arc<DryRunSender>>,
    /// MQTT ingest counters, when `[mqtt]` is configured.
    pub mqtt: Option<Arc<crate::mqtt::MqttStats>>,
    /// The MQTT broker connection's state, when `[mqtt]` is configured.
    pub mqtt_status: Option<Arc<crate::mqtt::MqttStatus>>,
    /// Price stream counters, when `[[price_streams]]` are configured.
    pub price_streams: Option<Arc<crate::metrics::StreamStats>>,
    /// Where the device relay listens, when `[relay]` is configured.
    pub relay_addr: Option<SocketAddr>,
    /// Open API connections and how many were closed to make room.
    pub connections: ConnStats,
    /// The same for the device relay, when `[relay]` is configured.
    pub relay_connections: Option<ConnStats>,
    /// Draining, readiness, reload.
    lifecycle: Arc<Lifecycle>,
    /// Turns true to stop: the API stops accepting, the outbox finishes its sends in flight.
    stop: watch::Sender<bool>,
    reloader: Arc<reload::Reloader>,
    outbox: Option<JoinHandle<()>>,
    tasks: Vec<JoinHandle<()>>,
}

/// How a drain ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Drained {
    /// Every send in flight finished and was recorded, and every request being answered was
    /// answered, within the grace period.
    pub complete: bool,
    /// How long it took.
    pub took: Duration,
}

impl RunningApp {
    /// Stops the server and workers at once (pending outbox rows stay for the next start).
    pub async fn shutdown(mut self) {
        self.lifecycle.start_draining();
        let _ = self.stop.send(true);
        for t in self.tasks.drain(..).chain(self.outbox.take()) {
            t.abort();
            let _ = t.await;
        }
    }

    /// Stops taking work and lets the work in progress finish, for at most `grace`: ingest
    /// answers 503, the listeners stop accepting, requests being answered are answered, and
    /// sends already handed to Twilio finish and are recorded. Then everything stops; rows not
    /// sent stay in the store for the next start.
    pub async fn drain(mut self, grace: Duration) -> Drained {
        let started = Instant::now();
        self.lifecycle.start_draining();
        let _ = self.stop.send(true);
        // The HTTP server is the last task, the outbox worker has its own handle.
        let server = self.tasks.pop();
        let outbox = self.outbox.take();
        let finish = async {
            if let Some(server) = server {
                let _ = server.await;
            }
            if let Some(outbox) = outbox {
                let _ = outbox.await;
            }
        };
        let complete = tokio::time::timeout(grace, finish).await.is_ok();
        for t in self.tasks.drain(..) {
            t.abort();
            let _ = t.await;
        }
        Drained {
            complete,
            took: started.elapsed(),
        }
    }

    /// Names the config file that reloads re-read (without one, reloads are refused).
    pub fn set_config_path(&self, path: PathBuf) {
        *self
            .reloader
            .path
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(path);
    }

    /// Re-reads the config file and applies it (as SIGHUP and `POST /-/reload` do).
    pub async fn reload(&self) -> ReloadReport {
        self.reloader.reload().await
    }

    /// Waits until the HTTP server stops (never, unless it fails).
    pub async fn wait(mut self) {
        if let Some(server) = self.tasks.pop() {
            let _ = server.await;
        }
    }
}

/// A chosen sender: the trait object, the dry-run handle when it is one, and its kind name.
pub(crate) type ChosenSender = (Arc<dyn Sender>, Option<Arc<DryRunSender>>, &'static str);

/// The sender the config and environment call for, and its name.
pub fn build_sender(cfg: &Config, env: &EnvLookup) -> Result<ChosenSender, StartError> {
    let creds = secrets::resolve(&cfg.twilio, |n| env(n))?;
    let from = cfg
        .twilio
        .from
        .clone()
        .or_else(|| cfg.twilio.messaging_service_sid.clone())
        .unwrap_or_else(|| "+15005550006".into());
    match creds {
        Some(creds) if !cfg.twilio.dry_run => {
            let sender = crate::sender::twilio::TwilioSender::new(cfg, creds, env)
                .map_err(|e| StartError::Twilio(e.to_string()))?;
            Ok((Arc::new(sender), None, "twilio"))
        }
        _ => {
            let dry = Arc::new(DryRunSender::new(from));
            Ok((dry.clone(), Some(dry), "dry-run"))
        }
    }
}

/// Twilio Verify and Lookup for number enrolment, when `[twilio] verify_service_sid` is set
/// and there are credentials (not in a dry run).
///
/// # Errors
/// Malformed credentials or API base, or an unreadable `ca_file`.
pub fn build_verifier(
    cfg: &Config,
    env: &EnvLookup,
) -> Result<Option<Arc<dyn crate::numbers::Verifier>>, StartError> {
    let creds = secrets::resolve(&cfg.twilio, |n| env(n))?;
    match creds {
        Some(creds) if !cfg.twilio.dry_run => {
            let verifier = crate::sender::twilio::verify::TwilioVerifier::new(cfg, creds, env)
                .map_err(|e| StartError::Twilio(e.to_string()))?;
            Ok(verifier.map(|v| Arc::new(v) as Arc<dyn crate::numbers::Verifier>))
        }
        _ => Ok(None),
    }
}

/// The enrolment endpoints' state; logs what is not verified.
fn numbers_state(
    cfg: &Config,
    env: &EnvLookup,
    store: &SqliteStore,
) -> Result<Arc<crate::http::numbers::NumbersState>, StartError> {
    log_enrolment(cfg, store);
    Ok(Arc::new(crate::http::numbers::NumbersState {
        verifier: build_verifier(cfg, env)?,
        configured: cfg.own_numbers(),
    }))
}

/// Logs the configured numbers that are not verified, and landlines in `sms` lists, when a
/// Verify Service is configured.
fn log_enrolment(cfg: &Config, store: &SqliteStore) {
    if cfg.twilio.verify_service_sid().is_none() {
        return;
    }
    let enrolled = match crate::store::NumberStore::enrolled_numbers(store) {
        Ok(e) => e,
        Err(e) => {
            tracing::error!("cannot read enrolled numbers: {e}");
            return;
        }
    };
    let report = crate::numbers::report(cfg, &enrolled);
    for number in &report.unverified {
        tracing::warn!(
            number = %number,
            require_verified = cfg.twilio.require_verified(),
            "number not verified: alertd numbers verify {number}"
        );
    }
    for (receiver, number) in &report.landlines_in_sms {
        tracing::warn!(receiver = %receiver, number = %number, "landline in an sms list: it cannot receive texts; list it under voice");
    }
}

/// Opens the store, restores state, and starts the HTTP server and workers.
pub async fn start(cfg: &Config, options: StartOptions) -> Result<RunningApp, StartError> {
    let addr = cfg.listen_addr()?;
    // Refused before the store is created.
    api_access(cfg, &options.env, addr)?;
    let path = cfg.store.path.clone();
    let store = Arc::new(
        tokio::task::spawn_blocking(move || SqliteStore::open(&path))
            .await
            .map_err(|_| StoreError::Closed)??,
    );
    start_with_store(cfg, options, store, addr).await
}

/// Like [`start`] with an already open store and an explicit address (port 0 picks one).
pub async fn start_with_store(
    cfg: &Config,
    options: StartOptions,
    store: Arc<SqliteStore>,
    addr: SocketAddr,
) -> Result<RunningApp, StartError> {
    let (bearer, exposure) = api_access(cfg, &options.env, addr)?;
    let (sender, dry_run, sender_kind) = match options.sender.clone() {
        Some(s) => (s, None, "custom"),
        None => build_sender(cfg, &options.env)?,
    };
    let metrics = Arc::new(Metrics::default());
    let outbox_wake = Arc::new(Notify::new());
    let dyn_store: Arc<dyn Store> = store.clone();
    // One writer for every stage: their writes share commits (one fsync each).
    let writer = StoreWriter::start(dyn_store.clone());

    let mut engine = Engine::new(
        cfg,
        dyn_store.clone(),
        writer.clone(),
        options.clock.clone(),
        metrics.clone(),
        outbox_wake.clone(),
    )?;
    let restored = engine.restore()?;
    tracing::info!(restored, "alerts restored from the store");
    let (pipeline_tx, pipeline_rx) = mpsc::channel(4096);
    let heartbeats =
        load_heartbeats(cfg, &dyn_store, &writer, &pipeline_tx, &options.clock).await?;
    // The device relay writes to the same outbox and wakes the same worker; it
    // is bound here (bad certificates fail the start) and serves once the API listens.
    let relay = bind_relay(
        cfg,
        &options,
        &dyn_store,
        &writer,
        &outbox_wake,
        &metrics,
        heartbeats.as_ref(),
    )
    .await?;

    let worker = outbox_worker(cfg, &engine, sender, &options.clock, &writer, &outbox_wake);
    let (stop, stopped) = watch::channel(false);
    let webhook = webhook_auth(cfg, &options.env)?;
    let (escalation_timer, escalations) =
        escalation_parts(&engine, &writer, &options.clock, &outbox_wake);
    let (reloader, rules_rx, lifecycle) = reload_parts(cfg, &escalation_timer, &worker)?;
    let committer = GroupCommitter::with_writer(writer);
    let feeds = start_feeds(
        cfg,
        &committer,
        &pipeline_tx,
        &options.clock,
        &metrics,
        heartbeats.as_ref(),
    )?;
    let state = ApiState {
        committer,
        store: dyn_store,
        pipeline: pipeline_tx,
        metrics: metrics.clone(),
        clock: options.clock.clone(),
        bearer_token: bearer,
        max_body_bytes: cfg.server.max_body_bytes,
        body_read_timeout: cfg.server.body_read_timeout,
        lifecycle: lifecycle.clone(),
        webhook,
        escalations,
        opt_out: Arc::new(cfg.opt_out.clone()),
        resolve_timeout: cfg.alerts.resolve_timeout,
        v2: Arc::new(crate::http::v2::V2State::new(cfg, options.clock.now())?),
        numbers: numbers_state(cfg, &options.env, &store)?,
        tradingview: tradingview_hook(cfg, &options.env)?,
        heartbeats: heartbeats.clone(),
    };
    let api = (addr, reloader.api_tls.clone());
    let (server, connections, addr) =
        serve_api(cfg, api, state, stopped.clone(), sender_kind).await?;
    let mut tasks = pipeline_tasks(engine, (pipeline_rx, rules_rx), &worker, escalation_timer);
    tasks.extend(feeds.tasks);
    let (relay_addr, relay_conns) =
        serve_relay(cfg, relay, (stopped.clone(), &metrics), &mut tasks);
    let outbox = tokio::spawn(worker.run_until(stopped));
    tasks.push(server); // last: `wait` awaits it
    if let Some(warning) = exposure.warning(addr) {
        tracing::warn!("{warning}");
    }
    Ok(RunningApp {
        addr,
        store,
        sender_kind,
        dry_run,
        mqtt: feeds.mqtt,
        mqtt_status: feeds.mqtt_status,
        price_streams: feeds.price_streams,
        relay_addr,
        connections,
        lifecycle,
        stop,
        relay_connections: relay_conns,
        reloader,
        outbox: Some(outbox),
        tasks,
    })
}

/// Binds the API and serves the router over `state` until `stop`: the server task, its
/// connection counts and the bound address. `sender_kind` is for the log line.
async fn serve_api(
    cfg: &Config,
    (addr, tls): (SocketAddr, Option<ServerTls>),
    state: ApiState,
    stop: watch::Receiver<bool>,
    sender_kind: &str,
) -> Result<(JoinHandle<()>, ConnStats, SocketAddr), StartError> {
    let (listener, addr) = bind_api(addr).await?;
    let metrics = state.metrics.clone();
    let app = router(state, RequestGuard::new(&cfg.server, addr));
    let limits = crate::serve::Limits::new(&cfg.server, crate::serve::open_files_limit());
    let https = tls.is_some();
    let site = crate::serve::Site {
        name: "API",
        app,
        tls,
    };
    let (server, connections) = crate::serve::serve(listener, site, limits, stop);
    metrics.export_connections(Arc::new(connections.clone()));
    tracing::info!(
        %addr,
        https,
        sender = sender_kind,
        max_connections = limits.max_connections,
        "alertd listening"
    );
    Ok((server, connections, addr))
}

/// Reloaded rules for the engine, each with the sender it says "applied" through.
type RulesInbox = mpsc::Receiver<(crate::engine::EngineRules, oneshot::Sender<()>)>;

/// What reloads need: the reloader (its rules go to the engine through the receiver) and the
/// lifecycle state that `POST /-/reload` runs it from.
fn reload_parts(
    cfg: &Config,
    escalation_timer: &EscalationTimer,
    worker: &OutboxWorker,
) -> Result<(Arc<reload::Reloader>, RulesInbox, Arc<Lifecycle>), StartError> {
    let (rules_tx, rules_rx) = mpsc::channel(1);
    let api_tls = match (&cfg.server.tls_cert_file, &cfg.server.tls_key_file) {
        (Some(cert), Some(key)) => Some(ServerTls::new(crate::tls::server_config(cert, key)?)),
        _ => None,
    };
    let reloader = Arc::new(reload::Reloader {
        api_tls,
        path: std::sync::Mutex::new(None),
        running: std::sync::Mutex::new(cfg.clone()),
        engine: rules_tx,
        escalation: escalation_timer.rules.clone(),
        limiter: worker.limiter.clone(),
        metrics: worker.metrics.clone(),
        clock: worker.clock.clone(),
        serial: tokio::sync::Mutex::new(()),
    });
    let lifecycle = Arc::new(Lifecycle::default());
    let hook = reloader.clone();
    lifecycle.set_reload(Arc::new(move || {
        let hook = hook.clone();
        Box::pin(async move { hook.reload().await })
    }));
    // The start is the first successful load.
    let now = worker.clock.now();
    worker
        .metrics
        .config_reloaded(true, u64::try_from(now.0 / 1000).unwrap_or(0));
    Ok((reloader, rules_rx, lifecycle))
}

/// The outbox sender over the engine's store and counters and the shared writer.
fn outbox_worker(
    cfg: &Config,
    engine: &Engine,
    sender: Arc<dyn Sender>,
    clock: &SharedClock,
    writer: &StoreWriter,
    wake: &Arc<Notify>,
) -> OutboxWorker {
    OutboxWorker {
        store: engine.store.clone(),
        sender,
        clock: clock.clone(),
        limiter: Arc::new(RateLimiter::new(cfg.twilio.mps)),
        policy: RetryPolicy {
            max_attempts: cfg.twilio.max_attempts,
            base: cfg.twilio.retry_base,
            max: cfg.twilio.retry_max,
        },
        metrics: engine.metrics.clone(),
        wake: wake.clone(),
        attempts: writer.clone(),
    }
}

/// Binds the API's listener: it and the address it got (port 0 picks one).
async fn bind_api(addr: SocketAddr) -> Result<(tokio::net::TcpListener, SocketAddr), StartError> {
    let refused = |e: std::io::Error| StartError::Listen {
        addr,
        reason: e.to_string(),
    };
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(refused)?;
    let bound = listener.local_addr().map_err(refused)?;
    Ok((listener, bound))
}

/// Escalations: the timer that writes due steps, and the ack service for the webhooks, over
/// the engine's policies and the shared writer.
fn escalation_parts(
    engine: &Engine,
    writer: &StoreWriter,
    clock: &SharedClock,
    outbox_wake: &Arc<Notify>,
) -> (EscalationTimer, Escalations) {
    let timer = EscalationTimer {
        rules: Arc::new(std::sync::RwLock::new(
            crate::escalation::timer::EscalationRules {
                policies: engine.policies.clone(),
                inhibit_rules: engine.inhibit_rules.clone(),
            },
        )),
        store: engine.store.clone(),
        writer: writer.clone(),
        clock: clock.clone(),
        wake: engine.escalation_wake.clone(),
        outbox_wake: outbox_wake.clone(),
        metrics: engine.metrics.clone(),
    };
    let service = Escalations {
        store: engine.store.clone(),
        writer: writer.clone(),
        clock: clock.clone(),
        outbox_wake: outbox_wake.clone(),
        timer_wake: engine.escalation_wake.clone(),
        metrics: engine.metrics.clone(),
    };
    (timer, service)
}

/// A bound relay listener and the routes it will serve.
/// The engine, the reconciler and the escalation timer, running.
fn pipeline_tasks(
    engine: Engine,
    (alerts, rules): (mpsc::Receiver<Vec<crate::domain::alert::Alert>>, RulesInbox),
    worker: &OutboxWorker,
    escalation_timer: EscalationTimer,
) -> Vec<JoinHandle<()>> {
    vec![
        tokio::spawn(engine.run_with_reloads(alerts, rules)),
        tokio::spawn(worker.reconciler().run()),
        tokio::spawn(escalation_timer.run()),
    ]
}

type BoundRelay = (crate::relay::listener::Bound, axum::Router);

/// Starts serving a bound relay until `stop`, with `[server]`'s limits on clients: its
/// address and connection counts.
fn serve_relay(
    cfg: &Config,
    relay: Option<BoundRelay>,
    (stop, metrics): (watch::Receiver<bool>, &Metrics),
    tasks: &mut Vec<JoinHandle<()>>,
) -> (Option<SocketAddr>, Option<ConnStats>) {
    let Some((bound, router)) = relay else {
        return (None, None);
    };
    let addr = bound.addr;
    let limits = crate::serve::Limits::new(&cfg.server, crate::serve::open_files_limit());
    let (task, connections) = bound.serve(router, limits, stop);
    tracing::info!(
        %addr,
        max_connections = connections.max(),
        "device relay listening"
    );
    tasks.push(task);
    metrics.export_relay_connections(Arc::new(connections.clone()));
    (Some(addr), Some(connections))
}

/// Binds the device relay when `[relay]` is configured.
async fn bind_relay(
    cfg: &Config,
    options: &StartOptions,
    store: &Arc<dyn Store>,
    writer: &StoreWriter,
    wake: &Arc<Notify>,
    metrics: &Arc<Metrics>,
    heartbeats: Option<&Heartbeats>,
) -> Result<Option<BoundRelay>, StartError> {
    use crate::relay;
    let Some(relay_cfg) = &cfg.relay else {
        return Ok(None);
    };
    let env = options.env.clone();
    let devices = relay_cfg
        .devices(|n| env(n), &cfg.own_numbers())
        .map_err(relay::RelayError::from)?;
    let bound = relay::listener::bind(relay_cfg, None).await?;
    let state = relay::RelayState {
        devices: devices.into(),
        store: store.clone(),
        writer: writer.clone(),
        clock: options.clock.clone(),
        wake: wake.clone(),
        limiter: Arc::new(relay::rate_limit::DeviceLimiter::default()),
        auth_failures: Arc::new(relay::auth_throttle::AuthThrottle::default()),
        spend: Arc::new(relay::spend::SpendLedger::default()),
        prices: relay::spend::Prices {
            segment_micros: relay::spend::micros(relay_cfg.sms_segment_price),
            call_micros: relay::spend::micros(relay_cfg.call_price),
        },
        metrics: metrics.clone(),
        dedup_window: relay_cfg.dedup_window,
        max_body_bytes: cfg.server.max_body_bytes,
        body_read_timeout: cfg.server.body_read_timeout,
        heartbeats: heartbeats.cloned(),
    };
    Ok(Some((bound, relay::router(state))))
}

/// A started MQTT ingest: its task, counters and connection state.
type MqttTask = (
    JoinHandle<()>,
    Arc<crate::mqtt::MqttStats>,
    Arc<crate::mqtt::MqttStatus>,
);

/// Starts the MQTT ingest when `[mqtt]` is configured.
fn start_mqtt(
    cfg: &Config,
    committer: &GroupCommitter,
    pipeline: &mpsc::Sender<Vec<crate::domain::alert::Alert>>,
    clock: &SharedClock,
    metrics: &Metrics,
    heartbeats: Option<&Heartbeats>,
) -> Result<Option<MqttTask>, StartError> {
    use crate::mqtt;
    let Some(mqtt_cfg) = &cfg.mqtt else {
        return Ok(None);
    };
    let readings = mqtt::evaluate::Readings::new(mqtt_cfg.topics.clone())
        .map_err(|e| ConfigError::Invalid {
            field: "mqtt.topics",
            reason: e.to_string(),
        })?
        .with_max_topics(mqtt_cfg.max_topics);
    let stats = Arc::new(mqtt::MqttStats::default());
    metrics.export_mqtt(stats.clone());
    let sink = mqtt::AlertSink {
        committer: committer.clone(),
        pipeline: pipeline.clone(),
    };
    let pings = mqtt::HeartbeatPings::new(&cfg.heartbeats, heartbeats);
    let link = mqtt::Link::new(mqtt_cfg)?;
    let status = link.status();
    let task = tokio::spawn(mqtt::run(
        mqtt_cfg.clone(),
        link,
        readings,
        sink,
        clock.clone(),
        stats.clone(),
        pings,
    ));
    Ok(Some((task, stats, status)))
}

/// What feeds alerts in besides the API: their tasks and counters.
struct Feeds {
    tasks: Vec<JoinHandle<()>>,
    mqtt: Option<Arc<crate::mqtt::MqttStats>>,
    mqtt_status: Option<Arc<crate::mqtt::MqttStatus>>,
    price_streams: Option<Arc<crate::metrics::StreamStats>>,
}

/// Starts MQTT ingest, the price streams and the heartbeat timer, as configured.
fn start_feeds(
    cfg: &Config,
    committer: &GroupCommitter,
    pipeline: &mpsc::Sender<Vec<crate::domain::alert::Alert>>,
    clock: &SharedClock,
    metrics: &Metrics,
    heartbeats: Option<&Heartbeats>,
) -> Result<Feeds, StartError> {
    let mqtt = start_mqtt(cfg, committer, pipeline, clock, metrics, heartbeats)?;
    let (mut tasks, price_streams) = start_streams(cfg, committer, pipeline, clock, metrics);
    tasks.extend(heartbeats.map(|h| tokio::spawn(h.clone().run())));
    if let Some(h) = heartbeats.filter(|_| !cfg.heartbeats.is_empty()) {
        metrics.export_heartbeats(h.stats());
    }
    let (mqtt, mqtt_status) = mqtt
        .map(|(task, stats, status)| {
            tasks.push(task);
            (stats, status)
        })
        .unzip();
    Ok(Feeds {
        tasks,
        mqtt,
        mqtt_status,
        price_streams,
    })
}

/// Starts a task per `[[price_streams]]` feed: the tasks and their shared counters.
fn start_streams(
    cfg: &Config,
    committer: &GroupCommitter,
    pipeline: &mpsc::Sender<Vec<crate::domain::alert::Alert>>,
    clock: &SharedClock,
    metrics: &Metrics,
) -> (
    Vec<JoinHandle<()>>,
    Option<Arc<crate::metrics::StreamStats>>,
) {
    use crate::stream;
    if cfg.price_streams.is_empty() {
        return (Vec::new(), None);
    }
    let stats = Arc::new(crate::metrics::StreamStats::default());
    metrics.export_price_streams(stats.clone());
    let sink = stream::StreamSink {
        committer: committer.clone(),
        pipeline: pipeline.clone(),
    };
    let tasks = cfg
        .price_streams
        .iter()
        .filter_map(|s| {
            // Validated with the config; a stream whose rules fail here is logged, not run.
            let rules = stream::rules::PriceRules::new(s)
                .inspect_err(|e| tracing::error!(stream = %s.name, "not started: {e}"))
                .ok()?;
            let run = stream::run(s.clone(), rules, sink.clone(), clock.clone(), stats.clone());
            Some(tokio::spawn(run))
        })
        .collect();
    (tasks, Some(stats))
}

/// The heartbeats with their stored state, when `[[heartbeats]]` are configured or the store
/// holds heartbeats no longer configured (whose alerts are to be resolved).
async fn load_heartbeats(
    cfg: &Config,
    store: &Arc<dyn Store>,
    writer: &StoreWriter,
    pipeline: &mpsc::Sender<Vec<crate::domain::alert::Alert>>,
    clock: &SharedClock,
) -> Result<Option<Heartbeats>, StartError> {
    Heartbeats::load(
        &cfg.heartbeats,
        store.clone(),
        GroupCommitter::with_writer(writer.clone()),
        pipeline.clone(),
        clock.clone(),
    )
    .await
    .map_err(|crate::heartbeat::HeartbeatError::Store(e)| StartError::Store(e))
}

/// TradingView's webhook settings, with the token resolved, when `[sources.tradingview]` is set.
fn tradingview_hook(
    cfg: &Config,
    env: &EnvLookup,
) -> Result<Option<Arc<crate::http::tradingview::TradingViewHook>>, StartError> {
    let Some(tv) = &cfg.sources.tradingview else {
        return Ok(None);
    };
    Ok(Some(Arc::new(crate::http::tradingview::TradingViewHook {
        token: tv.token(|n| env(n))?.into(),
        allowed_ips: tv
            .allowed_ips
            .iter()
            .map(std::net::IpAddr::to_canonical)
            .collect(),
        resolve_after: tv.resolve_after,
    })))
}

/// How status callbacks are verified: the account's auth token and `public_url`.
fn webhook_auth(cfg: &Config, env: &EnvLookup) -> Result<Option<Arc<WebhookAuth>>, StartError> {
    let Some(url) = &cfg.server.public_url else {
        return Ok(None);
    };
    let creds = secrets::resolve(&cfg.twilio, |n| env(n))?;
    if let Some(c) = creds.filter(|c| c.username == c.account_sid) {
        return Ok(Some(Arc::new(WebhookAuth::new(url, &c.password))));
    }
    // With an API key the signing key is still the account's auth token.
    if let Some(token) = env("TWILIO_AUTH_TOKEN") {
        Ok(Some(Arc::new(WebhookAuth::new(url, &token))))
    } else {
        tracing::warn!(
            "status callbacks will be refused: they are verified with TWILIO_AUTH_TOKEN, which is not set"
        );
        Ok(None)
    }
}

/// The API's bearer token (see [`secrets::bearer_token`]) and how open the API is on `addr`:
/// an API without a token beyond loopback is refused unless the config allows it.
fn api_access(
    cfg: &Config,
    env: &EnvLookup,
    addr: SocketAddr,
) -> Result<(Option<Arc<str>>, ApiExposure), StartError> {
    let token = secrets::bearer_token(&cfg.server, |n| env(n))?.map(Arc::<str>::from);
    let exposure = cfg.server.api_exposure(addr, token.is_some())?;
    Ok((token, exposure))
}
