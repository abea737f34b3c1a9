//! The device relay: a Twilio-compatible endpoint boards point at instead of
//! api.twilio.com. `POST /2010-04-01/Accounts/{sid}/Messages.json` and `.../Calls.json`
//! accept exactly what twilio-embedded or any Twilio client sends, authenticated per device
//! ([`auth`]; an address that keeps failing is locked out for a while, [`auth_throttle`]),
//! checked as Twilio checks them and against the device's own rules ([`request`]: senders,
//! destinations, segments, the TwiML verbs of [`twiml`]), held to the device's daily spend
//! ([`spend`]), rate-limited per device ([`rate_limit`]; a refused request costs no token),
//! deduplicated (same device, channel, To and Body within
//! `dedup_window`: the first request's SID is returned, nothing is sent twice) and committed
//! to the outbox before the answer: a 201 means the message is on disk and the sender will
//! forward it. The answer is Twilio's resource JSON ([`response`]) with a SID alertd issues
//! and status `queued`; `GET .../Messages/{sid}.json` reports its progress, and the row maps
//! that SID to Twilio's once sent (`alertd status`, `/api/v1/status`).

pub mod auth;
pub mod auth_throttle;
pub mod listener;
pub mod rate_limit;
pub mod request;
pub mod response;
pub mod spend;
pub mod twiml;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Extension;
use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use rand::Rng as _;
use tokio::sync::Notify;

use self::auth_throttle::AuthThrottle;
use self::rate_limit::DeviceLimiter;
use self::request::DeviceRules;
use self::response::TwilioError;
use self::spend::{Prices, SpendLedger};
use crate::clock::SharedClock;
use crate::config::relay::Device;
use crate::domain::channel::Channel;
use crate::domain::outbox::RelayedMessage;
use crate::domain::text_budget::count;
use crate::domain::time::Timestamp;
use crate::metrics::Metrics;
use crate::store::group_commit::StoreWriter;
use crate::store::{Store, WriteOp};

/// Why the relay could not start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RelayError {
    /// The certificate or key file is unreadable or unusable.
    #[error("relay TLS {path}: {reason}")]
    Tls {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// The listen address is taken or not ours.
    #[error("relay cannot listen on {addr}: {reason}")]
    Listen {
        /// Address.
        addr: SocketAddr,
        /// OS error.
        reason: String,
    },
    /// Bad `[relay]` config (secrets, address).
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
}

/// What the relay's handlers share.
#[derive(Clone)]
pub(crate) struct RelayState {
    /// Devices with their secrets.
    pub(crate) devices: Arc<[Device]>,
    /// The outbox (reads).
    pub(crate) store: Arc<dyn Store>,
    /// The app's one writer: relayed rows share commits with the other stages.
    pub(crate) writer: StoreWriter,
    /// Time (rate limits, dedup window, row times).
    pub(crate) clock: SharedClock,
    /// Wakes the outbox worker once a row is committed.
    pub(crate) wake: Arc<Notify>,
    /// Per-device rate limits.
    pub(crate) limiter: Arc<DeviceLimiter>,
    /// Failed authentications per client address and claimed device.
    pub(crate) auth_failures: Arc<AuthThrottle>,
    /// What each device spent in the last 24 hours.
    pub(crate) spend: Arc<SpendLedger>,
    /// What relayed messages cost.
    pub(crate) prices: Prices,
    /// Counters (refusals by device and reason).
    pub(crate) metrics: Arc<Metrics>,
    /// Identical requests within this window are answered with the first one's SID.
    pub(crate) dedup_window: Duration,
    /// Largest request body accepted.
    pub(crate) max_body_bytes: usize,
    /// Longest a request body may take to arrive (`[server] body_read_timeout`).
    pub(crate) body_read_timeout: Duration,
    /// Heartbeats devices name (`heartbeat`): any authenticated request pings its own.
    pub(crate) heartbeats: Option<crate::heartbeat::Heartbeats>,
}

/// The relay's routes.
pub(crate) fn router(state: RelayState) -> Router {
    Router::new()
        .route("/2010-04-01/Accounts/{account}/{resource}", post(create))
        .route(
            "/2010-04-01/Accounts/{account}/{collection}/{file}",
            get(fetch),
        )
        .fallback(not_found)
        .with_state(state)
}

fn twilio_error(e: &TwilioError) -> Response {
    let mut resp = (
        StatusCode::from_u16(e.status).unwrap_or(StatusCode::BAD_REQUEST),
        [(header::CONTENT_TYPE, "application/json")],
        e.to_json(),
    )
        .into_response();
    if let Some(secs) = e.retry_after_secs {
        resp.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    resp
}

fn json(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

async fn not_found(uri: Uri) -> Response {
    twilio_error(&TwilioError::not_found(uri.path()))
}

/// The client's address, which the listener attaches to every request, as the handlers take
/// it: absent only when the router is served some other way (nothing is throttled then).
type Peer = Option<Extension<ConnectInfo<SocketAddr>>>;

fn authenticated<'s>(
    state: &'s RelayState,
    peer: Peer,
    headers: &HeaderMap,
    account: &str,
) -> Result<&'s Device, TwilioError> {
    let peer = peer.map(|Extension(ConnectInfo(addr))| addr.ip());
    let now = state.clock.now();
    let credentials = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(auth::basic_credentials);
    // Failures count against the device the request claims, so strangers' guesses cannot lock
    // a real device out of an address it shares with them.
    let claimed = credentials
        .as_ref()
        .map(|(user, _)| user.as_str())
        .filter(|user| state.devices.iter().any(|d| d.username == *user));
    if let Some(ip) = peer
        && let Err(wait) = state.auth_failures.check(ip, claimed, now)
    {
        return Err(TwilioError::too_many_requests(wait));
    }
    credentials
        .as_ref()
        .and_then(|(user, password)| auth::device_for(&state.devices, user, password, account))
        .ok_or_else(|| {
            tracing::warn!(
                account,
                ?peer,
                "relay: request with wrong or missing device credentials refused"
            );
            if let Some(ip) = peer {
                state.auth_failures.failed(ip, claimed, now);
            }
            TwilioError::authenticate()
        })
        .inspect(|device| ping_heartbeat(state, device))
}

/// Pings the device's heartbeat without holding up its request.
fn ping_heartbeat(state: &RelayState, device: &Device) {
    if let (Some(heartbeats), Some(name)) = (&state.heartbeats, &device.config.heartbeat) {
        let (heartbeats, name) = (heartbeats.clone(), name.clone());
        tokio::spawn(async move {
            if let Err(e) = heartbeats.ping(&name).await {
                tracing::error!(heartbeat = %name, "relay: {e}");
            }
        });
    }
}

/// A new SID: `prefix` and 32 random hex digits, the shape Twilio's are.
fn new_sid(prefix: &str) -> String {
    let mut rng = rand::rng();
    let mut sid = String::with_capacity(34);
    sid.push_str(prefix);
    for _ in 0..32 {
        let digit = rng.random_range(0..16u32);
        sid.push(char::from_digit(digit, 16).unwrap_or('0'));
    }
    sid
}

async fn blocking<T: Send + 'static>(
    state: &RelayState,
    f: impl FnOnce(&dyn Store) -> Result<T, crate::store::StoreError> + Send + 'static,
) -> Result<T, TwilioError> {
    let store = state.store.clone();
    tokio::task::spawn_blocking(move || f(store.as_ref()))
        .await
        .map_err(|e| TwilioError::unavailable(format!("relay store task failed: {e}")))?
        .map_err(|e| {
            tracing::error!("relay: store failed: {e}");
            TwilioError::unavailable(format!("not accepted, the gateway cannot store it: {e}"))
        })
}

async fn create(
    State(state): State<RelayState>,
    peer: Peer,
    Path((account, resource)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    match create_inner(&state, peer, &account, &resource, &headers, body).await {
        Ok(r) => r,
        Err(e) => twilio_error(&e),
    }
}

async fn create_inner(
    state: &RelayState,
    peer: Peer,
    account: &str,
    resource: &str,
    headers: &HeaderMap,
    body: Body,
) -> Result<Response, TwilioError> {
    let channel = match resource {
        "Messages.json" => Channel::Sms,
        "Calls.json" => Channel::Voice,
        _ => {
            return Err(TwilioError::not_found(&format!(
                "/2010-04-01/Accounts/{account}/{resource}"
            )));
        }
    };
    let device = authenticated(state, peer, headers, account)?;
    let name = device.config.name.clone();
    match relay_request(state, device, channel, account, body).await {
        Ok(response) => {
            state.metrics.relay_accepted(&name);
            Ok(response)
        }
        Err((reason, e)) => {
            state.metrics.relay_refused(&name, reason);
            tracing::warn!(device = %name, reason, status = e.status, code = e.code, "relay: refused: {}", e.message);
            Err(e)
        }
    }
}

/// Why a device's request was refused, for the metric.
fn refusal_reason(e: &TwilioError) -> &'static str {
    match e.code {
        21408 | 21215 => "destination",
        12100 | 12200 => "twiml",
        20001 => "parameter",
        21617 => "segments",
        21610 => "opted_out",
        _ if e.status == 413 => "too_large",
        _ if e.status >= 500 => "unavailable",
        _ => "invalid",
    }
}

/// Checks, prices, rate-limits and stores one authenticated request. Nothing is counted
/// against the device's rate or spend unless the request is stored.
async fn relay_request(
    state: &RelayState,
    device: &Device,
    channel: Channel,
    account: &str,
    body: Body,
) -> Result<Response, (&'static str, TwilioError)> {
    let refused = |e: TwilioError| (refusal_reason(&e), e);
    let name = device.config.name.clone();
    let request = checked_request(state, device, channel, body)
        .await
        .map_err(refused)?;
    let now = state.clock.now();
    let reservation = reserve_spend(
        state,
        device,
        state.prices.cost(channel, request.segments),
        now,
    )
    .await?;
    if let Err(wait) = state.limiter.take(
        &name,
        device.config.rate_per_minute,
        device.config.burst,
        now,
    ) {
        state.spend.refund(&reservation);
        return Err(("rate_limit", TwilioError::too_many_requests(wait)));
    }
    let relayed = RelayedMessage {
        device: name.clone(),
        relay_sid: new_sid(if channel == Channel::Sms { "SM" } else { "CA" }),
        channel,
        to: request.to,
        from: request.from,
        body: request.body,
        body_kind: request.body_kind,
    };
    let dedup_since = if state.dedup_window.is_zero() {
        Timestamp(i64::MAX) // matches nothing: dedup off
    } else {
        now.before(state.dedup_window)
    };
    let issued = relayed.relay_sid.clone();
    // The writer checks for a duplicate and inserts in one transaction (shared with whatever
    // else is being committed): a 201 below means the row is on disk.
    let stored = state
        .writer
        .submit(WriteOp::Relay(Box::new(relayed), dedup_since, now))
        .await
        .map_err(|e| {
            tracing::error!("relay: store failed: {e}");
            TwilioError::unavailable(format!("not accepted, the gateway cannot store it: {e}"))
        });
    let id = match stored {
        Ok(id) => i64::try_from(id).unwrap_or(0),
        Err(e) => {
            state.spend.refund(&reservation);
            return Err(refused(e));
        }
    };
    let message = blocking(state, move |s| s.outbox_message(id))
        .await
        .and_then(|m| {
            m.ok_or_else(|| TwilioError::unavailable(format!("outbox row {id} not found")))
        })
        .map_err(refused)?;
    let sid = message.relay_sid.clone().unwrap_or_default();
    if sid == issued {
        state.wake.notify_one();
        tracing::info!(device = %name, %sid, to = %message.to, channel = channel.as_str(), "relay: accepted");
    } else {
        state.spend.refund(&reservation);
        tracing::info!(device = %name, %sid, "relay: duplicate request answered with the first SID");
    }
    Ok(json(
        StatusCode::CREATED,
        response::resource_json(account, &message),
    ))
}

/// Reads and checks an authenticated device's request against Twilio's rules and its own.
async fn checked_request(
    state: &RelayState,
    device: &Device,
    channel: Channel,
    body: Body,
) -> Result<request::RelayRequest, TwilioError> {
    let timeout = state.body_read_timeout;
    // A device that sends its body slowly holds a connection; it gets a bounded time.
    let bytes = tokio::time::timeout(timeout, axum::body::to_bytes(body, state.max_body_bytes))
        .await
        .map_err(|_| TwilioError::request_timeout(timeout))?
        .map_err(|e| {
            if e.into_inner().is::<http_body_util::LengthLimitError>() {
                TwilioError::too_large(state.max_body_bytes)
            } else {
                TwilioError::bad_request(21620, "the request body could not be read")
            }
        })?;
    let form: Vec<(String, String)> = form_urlencoded::parse(&bytes).into_owned().collect();
    let rules = DeviceRules {
        allowed_from: &device.config.allowed_from,
        allowed_to: &device.allowed_to,
        max_segments: device.config.max_segments,
    };
    let request = match channel {
        Channel::Sms => request::parse_message(&form, rules),
        Channel::Voice => request::parse_call(&form, rules),
    }?;
    // As Twilio does: an SMS to a number that texted STOP is refused with 21610.
    let to = request.to.clone();
    if channel == Channel::Sms && blocking(state, move |s| s.is_opted_out(&to)).await? {
        return Err(TwilioError::bad_request(
            twilio_core::outcome::ErrorCode::UNSUBSCRIBED.0,
            "Attempt to send to unsubscribed recipient",
        ));
    }
    Ok(request)
}

/// Reserves `cost` against `device`'s daily spend limit (seeding its ledger from the outbox
/// on its first request since the start).
async fn reserve_spend(
    state: &RelayState,
    device: &Device,
    cost: u64,
    now: Timestamp,
) -> Result<spend::Reservation, (&'static str, TwilioError)> {
    let name = device.config.name.clone();
    if !state.spend.is_seeded(&name) {
        let since = now.before(spend::SPEND_WINDOW);
        let lookup = name.clone();
        let rows = blocking(state, move |s| s.relayed_since(&lookup, since))
            .await
            .map_err(|e| (refusal_reason(&e), e))?;
        let prices = state.prices;
        state.spend.seed(
            &name,
            rows.iter().map(|m| {
                let segments = u16::try_from(count(&m.body).segments).unwrap_or(u16::MAX);
                let segments = if m.channel == Channel::Sms {
                    segments
                } else {
                    1
                };
                (m.created_at, prices.cost(m.channel, segments))
            }),
        );
    }
    let limit = spend::micros(device.config.daily_spend_limit);
    state.spend.reserve(&name, cost, limit, now).map_err(|over| {
        #[allow(clippy::cast_precision_loss)] // micro-dollars to dollars, for the message
        let (spent, limit_usd) = (over.spent as f64 / 1e6, limit as f64 / 1e6);
        tracing::warn!(
            device = %name,
            spent_usd = spent,
            limit_usd,
            retry_after_secs = over.wait.as_secs(),
            "relay: device reached its daily spend limit; requests are refused until earlier spend is 24 hours old"
        );
        (
            "spend_limit",
            TwilioError::limited(
                format!(
                    "Device {name} reached its daily spend limit: ${spent:.4} of ${limit_usd:.2} in the last 24 hours"
                ),
                over.wait,
            ),
        )
    })
}

async fn fetch(
    State(state): State<RelayState>,
    peer: Peer,
    Path((account, collection, file)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Response {
    let result = async {
        let device = authenticated(&state, peer, &headers, &account)?;
        let path = format!("/2010-04-01/Accounts/{account}/{collection}/{file}");
        let Some(sid) = file.strip_suffix(".json") else {
            return Err(TwilioError::not_found(&path));
        };
        let channel = match collection.as_str() {
            "Messages" => Channel::Sms,
            "Calls" => Channel::Voice,
            _ => return Err(TwilioError::not_found(&path)),
        };
        let lookup = sid.to_owned();
        let row = blocking(&state, move |s| s.outbox_by_relay_sid(&lookup)).await?;
        // Only the device that sent it may read it.
        let receiver = RelayedMessage::receiver_of(&device.config.name);
        match row {
            Some(m) if m.receiver == receiver && m.channel == channel => {
                Ok(json(StatusCode::OK, response::resource_json(&account, &m)))
            }
            _ => Err(TwilioError::not_found(&path)),
        }
    };
    match result.await {
        Ok(r) => r,
        Err(e) => twilio_error(&e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sids_have_twilios_shape() {
        let a = new_sid("SM");
        assert!(twilio_core::sid::MessageSid::parse(&a).is_ok(), "{a}");
        assert_ne!(a, new_sid("SM"));
    }
}
