//! [`Simulator`]: start one, point a client at it, script it, inspect what it saw.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::CertificateDer;
use tokio::task::JoinHandle;

use crate::config::SimConfig;
use crate::faults::FaultRule;
use crate::inbound::{self, InboundDelivery, InboundError, InboundSms};
use crate::ratelimit::RateLimitConfig;
use crate::script::{CallScript, MessageOutcome};
use crate::server;
use crate::state::SimState;
use crate::store::records::{
    CallRecord, CallStatus, CallbackRecord, MessageRecord, MessageStatus, RecordedRequest,
};
use crate::store::{StoreView, WaitTimeout};
use crate::tls::{self, Identity, TlsError};

/// Why the simulator could not start.
#[derive(Debug)]
#[non_exhaustive]
pub enum StartError {
    /// The listen address could not be bound.
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The OS error.
        source: std::io::Error,
    },
    /// Certificates or TLS configuration failed.
    Tls(TlsError),
    /// The webhook HTTP client could not be built.
    WebhookClient {
        /// reqwest's explanation.
        reason: String,
    },
}

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Bind { addr, source } => write!(f, "could not listen on {addr}: {source}"),
            Self::Tls(e) => write!(f, "{e}"),
            Self::WebhookClient { reason } => {
                write!(f, "could not build the webhook client: {reason}")
            }
        }
    }
}

impl std::error::Error for StartError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Bind { source, .. } => Some(source),
            Self::Tls(e) => Some(e),
            Self::WebhookClient { .. } => None,
        }
    }
}

impl From<TlsError> for StartError {
    fn from(e: TlsError) -> Self {
        Self::Tls(e)
    }
}

/// A CA certificate the simulator's server chain leads to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaCertificate {
    /// PEM encoding.
    pub pem: String,
    /// DER encoding.
    pub der: Vec<u8>,
}

/// A running simulator. Dropping it stops the server (lifecycle tasks finish on their own).
pub struct Simulator {
    state: Arc<SimState>,
    identity: Identity,
    acceptor: Option<server::SharedAcceptor>,
    config: SimConfig,
    local_addr: SocketAddr,
    plain_http: bool,
    accept_task: JoinHandle<()>,
}

impl std::fmt::Debug for Simulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Simulator")
            .field("base_url", &self.base_url())
            .field("account_sid", &self.state.account_sid)
            .finish_non_exhaustive()
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        self.accept_task.abort();
    }
}

fn webhook_client(config: &SimConfig, identity: &Identity) -> Result<reqwest::Client, StartError> {
    let mut builder =
        reqwest::Client::builder()
            .use_rustls_tls()
            .timeout(config.callback_timeout)
            .add_root_certificate(reqwest::Certificate::from_der(&identity.ca_der).map_err(
                |e| StartError::WebhookClient {
                    reason: e.to_string(),
                },
            )?);
    for der in &config.callback_root_certs {
        let cert = reqwest::Certificate::from_der(der).map_err(|e| StartError::WebhookClient {
            reason: e.to_string(),
        })?;
        builder = builder.add_root_certificate(cert);
    }
    builder.build().map_err(|e| StartError::WebhookClient {
        reason: e.to_string(),
    })
}

impl Simulator {
    /// Generates the CA and server certificate, binds `config.listen` and starts serving.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), twilio_sim::StartError> {
    /// let sim = twilio_sim::Simulator::start(twilio_sim::SimConfig::default()).await?;
    /// assert!(sim.base_url().starts_with("https://127.0.0.1:"));
    /// # Ok(()) }
    /// ```
    pub async fn start(config: SimConfig) -> Result<Self, StartError> {
        let identity = Identity::generate(
            config.leaf_key,
            &config.extra_hostnames,
            config.leaf_validity,
        )?;
        let acceptor = if config.plain_http {
            None
        } else {
            Some(Arc::new(std::sync::RwLock::new(
                tokio_rustls::TlsAcceptor::from(identity.server_config(config.tls_versions)?),
            )))
        };
        let state = Arc::new(SimState::new(&config, webhook_client(&config, &identity)?));
        let (listener, local_addr) =
            server::bind(config.listen)
                .await
                .map_err(|source| StartError::Bind {
                    addr: config.listen,
                    source,
                })?;
        let accept_task = tokio::spawn(server::accept_loop(
            listener,
            acceptor.clone(),
            state.clone(),
        ));
        Ok(Self {
            state,
            identity,
            acceptor,
            local_addr,
            plain_http: config.plain_http,
            config,
            accept_task,
        })
    }

    /// Replaces the CA and server certificate while serving, as when Twilio moves its
    /// certificates to a new authority: new connections get a chain from a fresh CA, returned
    /// here; open connections keep theirs. [`Self::ca_pem`] and [`Self::ca_der`] keep returning
    /// the CA the simulator started with.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let sim = twilio_sim::Simulator::start(twilio_sim::SimConfig::default()).await?;
    /// let new_ca = sim.rotate_certificate()?;
    /// assert_ne!(new_ca.pem, sim.ca_pem());
    /// # Ok(()) }
    /// ```
    pub fn rotate_certificate(&self) -> Result<CaCertificate, TlsError> {
        let Some(acceptor) = &self.acceptor else {
            return Err(TlsError::Config {
                reason: "plain HTTP serves no certificate".to_owned(),
            });
        };
        let identity = Identity::generate(
            self.config.leaf_key,
            &self.config.extra_hostnames,
            self.config.leaf_validity,
        )?;
        let server = identity.server_config(self.config.tls_versions)?;
        *acceptor
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) =
            tokio_rustls::TlsAcceptor::from(server);
        Ok(CaCertificate {
            pem: identity.ca_pem,
            der: identity.ca_der.to_vec(),
        })
    }

    /// Stops accepting connections and closes open ones.
    pub async fn shutdown(self) {
        self.accept_task.abort();
        // Waiting for the aborted task lets its connections drop before we return.
        let task = &self.accept_task;
        let _ = tokio::time::timeout(Duration::from_secs(1), async {
            while !task.is_finished() {
                tokio::task::yield_now().await;
            }
        })
        .await;
    }

    /// `https://127.0.0.1:PORT` (or `http://` with `plain_http`).
    pub fn base_url(&self) -> String {
        let scheme = if self.plain_http { "http" } else { "https" };
        format!("{scheme}://{}", self.local_addr)
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// `.../2010-04-01/Accounts/{AccountSid}/Messages.json`.
    pub fn messages_url(&self) -> String {
        format!(
            "{}/2010-04-01/Accounts/{}/Messages.json",
            self.base_url(),
            self.state.account_sid
        )
    }

    /// `.../2010-04-01/Accounts/{AccountSid}/Calls.json`.
    pub fn calls_url(&self) -> String {
        format!(
            "{}/2010-04-01/Accounts/{}/Calls.json",
            self.base_url(),
            self.state.account_sid
        )
    }

    /// The test CA certificate (PEM) clients must trust.
    pub fn ca_pem(&self) -> &str {
        &self.identity.ca_pem
    }

    /// Writes the CA certificate (PEM) to `path`, for clients configured with a CA file.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let sim = twilio_sim::Simulator::start(twilio_sim::SimConfig::default()).await?;
    /// let path = std::env::temp_dir().join(format!("sim-ca-{}.pem", std::process::id()));
    /// sim.write_ca_pem(&path)?;
    /// assert_eq!(std::fs::read_to_string(&path)?, sim.ca_pem());
    /// # std::fs::remove_file(&path)?;
    /// # Ok(()) }
    /// ```
    pub fn write_ca_pem(&self, path: impl AsRef<std::path::Path>) -> std::io::Result<()> {
        std::fs::write(path, &self.identity.ca_pem)
    }

    /// The test CA certificate (DER).
    pub fn ca_der(&self) -> &[u8] {
        &self.identity.ca_der
    }

    /// The accepted account SID.
    pub fn account_sid(&self) -> &str {
        &self.state.account_sid
    }

    /// The accepted auth token (also the webhook signing key).
    pub fn auth_token(&self) -> &str {
        &self.state.auth_token
    }

    /// A rustls client configuration trusting only the simulator's CA.
    pub fn rustls_client_config(&self) -> Result<Arc<rustls::ClientConfig>, TlsError> {
        tls::client_config(&[CertificateDer::from(self.identity.ca_der.to_vec())])
    }

    /// A reqwest client trusting only the simulator's CA (no credentials set).
    pub fn client(&self) -> Result<reqwest::Client, reqwest::Error> {
        reqwest::Client::builder()
            .use_rustls_tls()
            .tls_built_in_root_certs(false)
            .add_root_certificate(reqwest::Certificate::from_der(&self.identity.ca_der)?)
            .build()
    }

    /// Every API request received (oldest first; bounded by `history_cap`).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.state.store.requests()
    }

    /// Every message (oldest first).
    pub fn messages(&self) -> Vec<MessageRecord> {
        self.state.store.messages()
    }

    /// One message by SID.
    pub fn message(&self, sid: &str) -> Option<MessageRecord> {
        self.state.store.message(sid)
    }

    /// Every call (oldest first).
    pub fn calls(&self) -> Vec<CallRecord> {
        self.state.store.calls()
    }

    /// One call by SID.
    pub fn call(&self, sid: &str) -> Option<CallRecord> {
        self.state.store.call(sid)
    }

    /// Every webhook request the simulator made (oldest first).
    pub fn callbacks(&self) -> Vec<CallbackRecord> {
        self.state.store.callbacks()
    }

    /// Every Verify verification issued (oldest first), codes included.
    pub fn verifications(&self) -> Vec<crate::VerificationRecord> {
        self.state.verifications.list()
    }

    /// The code of the latest verification of `to`, if any.
    pub fn verification_code(&self, to: &str) -> Option<String> {
        self.verifications()
            .into_iter()
            .rev()
            .find(|v| v.to == to)
            .map(|v| v.code)
    }

    /// Ages the pending verifications of `to` past their 10-minute lifetime; returns how many.
    pub fn expire_verifications(&self, to: &str) -> usize {
        self.state.verifications.expire(Some(to))
    }

    /// Forgets all records, scripts and faults, and delivers status callbacks again.
    pub fn reset(&self) {
        self.state.reset();
    }

    /// Adds a fault rule.
    pub fn add_fault(&self, rule: FaultRule) {
        self.state.faults.add(rule);
    }

    /// Removes every fault rule.
    pub fn clear_faults(&self) {
        self.state.faults.clear();
    }

    /// Scripts how the callee at `number` behaves.
    pub fn set_call_script(&self, number: &str, script: CallScript) {
        self.state.scripts().calls.insert(number.to_owned(), script);
    }

    /// Scripts how messages to `number` end.
    pub fn set_message_outcome(&self, number: &str, outcome: MessageOutcome) {
        self.state
            .scripts()
            .messages
            .insert(number.to_owned(), outcome);
    }

    /// While `lost` is true, message and call status callbacks are not sent, as if the
    /// application were down or the network dropped them: each is recorded in
    /// [`Self::callbacks`] with an error and no answer. Statuses still change, and fetching a
    /// message or call (`GET .../Messages/{Sid}.json`, `.../Calls/{Sid}.json`) shows them.
    /// TwiML fetches and Gather actions still go through.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let sim = twilio_sim::Simulator::start(twilio_sim::SimConfig::default()).await?;
    /// sim.set_status_callbacks_lost(true);
    /// sim.reset(); // delivers them again
    /// # Ok(()) }
    /// ```
    pub fn set_status_callbacks_lost(&self, lost: bool) {
        self.state.set_status_callbacks_lost(lost);
    }

    /// Turns per-sender rate limiting on (Some) or off (None).
    pub fn set_rate_limit(&self, config: Option<RateLimitConfig>) {
        self.state.rate_limiter.set(config);
    }

    /// Texts `body` from `from` to the Twilio number `to`, delivering the signed webhook to
    /// `webhook_url`; replies in the TwiML answer become outbound-reply messages.
    pub async fn send_inbound_sms(
        &self,
        from: &str,
        to: &str,
        body: &str,
        webhook_url: &str,
    ) -> Result<InboundDelivery, InboundError> {
        let sms = InboundSms {
            from: from.to_owned(),
            to: to.to_owned(),
            body: body.to_owned(),
            webhook_url: Some(webhook_url.to_owned()),
        };
        inbound::deliver(&self.state, sms).await
    }

    /// Waits until `check` returns `Some`, re-evaluated after every change in the store.
    pub async fn wait_for<T>(
        &self,
        timeout: Duration,
        check: impl FnMut(StoreView<'_>) -> Option<T>,
    ) -> Result<T, WaitTimeout> {
        self.state.store.wait_for(timeout, check).await
    }

    /// Waits until message `sid` has reached `status`.
    pub async fn wait_for_message_status(
        &self,
        sid: &str,
        status: MessageStatus,
        timeout: Duration,
    ) -> Result<MessageRecord, WaitTimeout> {
        self.wait_for(timeout, |v| {
            v.message(sid).filter(|m| m.status == status).cloned()
        })
        .await
    }

    /// Waits until call `sid` has reached `status`.
    pub async fn wait_for_call_status(
        &self,
        sid: &str,
        status: CallStatus,
        timeout: Duration,
    ) -> Result<CallRecord, WaitTimeout> {
        self.wait_for(timeout, |v| {
            v.call(sid).filter(|c| c.status == status).cloned()
        })
        .await
    }

    /// Waits until at least `n` webhook requests have been made; returns all of them.
    pub async fn wait_for_callbacks(
        &self,
        n: usize,
        timeout: Duration,
    ) -> Result<Vec<CallbackRecord>, WaitTimeout> {
        self.wait_for(timeout, |v| {
            (v.callbacks().count() >= n).then(|| v.callbacks().cloned().collect())
        })
        .await
    }
}
