//! The client: texts, calls and alerts, over one kept-alive TLS connection.
//!
//! ```no_run
//! # async fn demo<C: twilio_embedded::transport::Connect>(
//! #     connector: C,
//! #     rng: impl embedded_tls::CryptoRngCore,
//! #     sleeper: impl twilio_embedded::retry::Sleeper,
//! #     anchors: &[&[u8]],
//! # ) -> Result<(), Box<dyn std::error::Error>> {
//! use twilio_core::alerting::Severity;
//! use twilio_core::auth::Credentials;
//! use twilio_embedded::tls::{ServerVerification, TrustAnchors};
//! use twilio_embedded::{Alert, Buffers, Client, ClientConfig, Outcome, Recipient};
//!
//! let credentials = Credentials::auth_token("AC0123456789abcdef0123456789abcdef", "your_auth_token_32_characters_xx")?;
//! let recipients = [Recipient::sms_and_voice("+14155550100")];
//! let config = ClientConfig::twilio(
//!     credentials,
//!     "+15005550006",
//!     &recipients,
//!     ServerVerification::anchors(TrustAnchors::new(anchors)),
//! );
//! let mut buffers = Buffers::new();
//! let mut client: Client<'_, _, _, _> = Client::new(config, connector, rng, sleeper, &mut buffers);
//!
//! let outcome = client.send_sms("+14155550100", "Freezer 2 at -4 C").await?;
//! assert!(matches!(outcome, Outcome::Accepted { .. }));
//! client.send(Alert::new(Severity::Critical, "Freezer 2 at +8 C")).await?;
//! # Ok(()) }
//! ```

mod exchange;

pub use crate::alert::{
    ALERT_TEXT_LEN, Alert, AlertKind, AlertValue, LATE_AFTER_SECS, MAX_RECIPIENTS, RaisedAt,
    Recipient, SMS_BODY_LEN,
};

use core::fmt;

use embedded_tls::{CryptoRngCore, TlsError};
use twilio_core::alerting::Channel;
use twilio_core::auth::Credentials;
use twilio_core::buf::{Encode, SliceWriter};
use twilio_core::outcome::{Outcome, TransportFailure};
use twilio_core::request::{
    AlertRequest, ApiRequest, CallRequest, HttpConfig, MessageRequest, RequestError,
    TWILIO_API_HOST,
};
use twilio_core::twiml::{Pause, Say};

use crate::buffers::Buffers;
use crate::outbox::Outbox;
use crate::retry::{RetryPolicy, Sleeper};
use crate::tls::{CertificateClock, ServerVerification, TlsSession, TlsSettings};
use crate::transport::Connect;
use exchange::{ExchangeFailure, Exchanged, exchange};

/// Longest TwiML document a call alert produces (the text is spoken twice).
const ALERT_TWIML_LEN: usize = 1_024;

/// What the client needs to know: who it is, where it sends, to whom, and how hard to try.
#[derive(Debug, Clone)]
pub struct ClientConfig<'a> {
    /// Account SID and token (or API key).
    pub credentials: Credentials<'a>,
    /// The `Host` header and user agent: api.twilio.com, or an alertd relay.
    pub http: HttpConfig<'a>,
    /// TLS server name and certificate verification.
    pub tls: TlsSettings<'a>,
    /// The Twilio number texts and calls come from (E.164).
    pub from: &'a str,
    /// Who [`Client::send`] alerts (at most [`MAX_RECIPIENTS`]).
    pub recipients: &'a [Recipient<'a>],
    /// Retries of `Retry` outcomes.
    pub retry: RetryPolicy,
}

impl<'a> ClientConfig<'a> {
    /// Sends to api.twilio.com, verified by `verification`, with the default retry policy.
    ///
    /// For a simulator or an alertd relay, change `http` (`HttpConfig::with_host`) and
    /// `tls.server_name` to match.
    pub fn twilio(
        credentials: Credentials<'a>,
        from: &'a str,
        recipients: &'a [Recipient<'a>],
        verification: ServerVerification<'a>,
    ) -> Self {
        Self {
            credentials,
            http: HttpConfig::TWILIO,
            tls: TlsSettings::new(TWILIO_API_HOST, verification),
            from,
            recipients,
            retry: RetryPolicy::default(),
        }
    }
}

/// A request could not be sent at all (nothing went on the wire).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum ClientError {
    /// The request is invalid (a number, the body, the TwiML): see the core's error.
    InvalidRequest(RequestError),
    /// The request does not fit in the HTTP buffer ([`crate::HTTP_BUFFER_LEN`]).
    RequestTooLarge {
        /// Bytes it needs.
        required: usize,
    },
    /// More recipients are configured than [`MAX_RECIPIENTS`].
    TooManyRecipients {
        /// The limit.
        max: usize,
    },
}

impl ClientError {
    /// What went wrong in a fixed sentence, without the details: for firmware logs, where
    /// formatting the nested errors would link every variant name of `RequestError` and
    /// `AddressError` (2.3 KB of an ESP32-C3's flash, 0.5 KB of a Pico W's with defmt).
    ///
    /// ```
    /// use twilio_embedded::ClientError;
    /// let e = ClientError::RequestTooLarge { required: 2_000 };
    /// assert_eq!(e.reason(), "the request does not fit in the HTTP buffer");
    /// ```
    pub fn reason(&self) -> &'static str {
        match self {
            Self::InvalidRequest(_) => "the request is invalid (a number, the text or the TwiML)",
            Self::RequestTooLarge { .. } => "the request does not fit in the HTTP buffer",
            Self::TooManyRecipients { .. } => "more recipients than MAX_RECIPIENTS",
        }
    }
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidRequest(e) => write!(f, "invalid request: {e:?}"),
            Self::RequestTooLarge { required } => {
                write!(f, "request needs {required} bytes of HTTP buffer")
            }
            Self::TooManyRecipients { max } => write!(f, "more than {max} recipients"),
        }
    }
}

impl core::error::Error for ClientError {}

impl From<RequestError> for ClientError {
    fn from(e: RequestError) -> Self {
        Self::InvalidRequest(e)
    }
}

/// What happened to one alert for one recipient.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct RecipientOutcome {
    /// Index into [`ClientConfig::recipients`].
    pub recipient: usize,
    /// SMS or call.
    pub channel: Channel,
    /// The final outcome after retries.
    pub outcome: Outcome,
}

/// What [`Client::send`] and [`Client::flush_outbox`] did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Delivery {
    /// One entry per request made (the last attempt's outcome), in order; the first
    /// [`MAX_RECIPIENTS`] when a flush makes more.
    pub outcomes: heapless::Vec<RecipientOutcome, MAX_RECIPIENTS>,
    /// Alerts that reached every recipient they were for (accepted, or rejected for good).
    pub completed: usize,
    /// Alerts now waiting in the outbox.
    pub queued: usize,
    /// An alert dropped because the outbox was full.
    pub dropped: Option<Alert>,
}

/// An async Twilio client over `C`'s streams, with TLS, retries and an outbox of `OUTBOX` alerts.
///
/// Holds one TLS connection open between requests (HTTP keep-alive) and reconnects when the
/// server closes it or a request fails. `R` is the TLS random source (also used for backoff
/// jitter); `S` waits between retries.
pub struct Client<'b, C: Connect, R, S, const OUTBOX: usize = 8>
where
    C::Connection: 'b,
{
    config: ClientConfig<'b>,
    connector: C,
    rng: R,
    sleeper: S,
    session: TlsSession<'b, C::Connection>,
    http: &'b mut [u8],
    outbox: Outbox<OUTBOX>,
}

impl<'b, C, R, S, const OUTBOX: usize> Client<'b, C, R, S, OUTBOX>
where
    C: Connect,
    C::Connection: 'b,
    R: CryptoRngCore,
    S: Sleeper,
{
    /// A client that will connect through `connector` when it first sends.
    pub fn new(
        config: ClientConfig<'b>,
        connector: C,
        rng: R,
        sleeper: S,
        buffers: &'b mut Buffers,
    ) -> Self {
        let Buffers {
            tls_read,
            tls_write,
            http,
        } = buffers;
        Self {
            config,
            connector,
            rng,
            sleeper,
            session: TlsSession::new(tls_read, tls_write),
            http,
            outbox: Outbox::new(),
        }
    }

    /// Texts `body` to `to` from the configured number, retrying `Retry` outcomes.
    pub async fn send_sms(&mut self, to: &str, body: &str) -> Result<Outcome, ClientError> {
        let request = MessageRequest::sms(to, self.config.from, body)?;
        self.send_request(&request).await
    }

    /// Calls `to` from the configured number with inline `twiml`, retrying `Retry` outcomes.
    pub async fn call(&mut self, to: &str, twiml: &str) -> Result<Outcome, ClientError> {
        let request = CallRequest::twiml(to, self.config.from, twiml)?;
        self.send_request(&request).await
    }

    /// Sends any request (message, call, fetch) with retries.
    pub async fn send_request(&mut self, request: &dyn ApiRequest) -> Result<Outcome, ClientError> {
        self.send_with_retries(request).await
    }

    /// [`Client::send_request`] for one request type: firmware that only sends
    /// [`AlertRequest`]s gets that type's methods inlined instead of called through a vtable.
    async fn send_with_retries<Q: ApiRequest + ?Sized>(
        &mut self,
        request: &Q,
    ) -> Result<Outcome, ClientError> {
        let mut attempt: u8 = 1;
        loop {
            // A kept-alive connection the server closed while idle is reopened and the request
            // sent again at once (not counted as a retry). The failed attempt closed the session,
            // so this happens at most once in a row.
            let reused = self.session.is_open();
            let outcome = match self.attempt_once(request).await? {
                Ok(outcome) => outcome,
                Err(ExchangeFailure::NothingReceived) if reused => {
                    debug!("kept-alive connection was closed by the server; reconnecting");
                    continue;
                }
                Err(failure) => Outcome::from_transport(failure.into()),
            };
            let Outcome::Retry { after, .. } = outcome else {
                return Ok(outcome);
            };
            let Some(delay) = self.config.retry.delay(attempt, after, self.rng.next_u32()) else {
                debug!("giving up after {} attempts", attempt);
                return Ok(outcome);
            };
            debug!("retry {} in {} ms", attempt, delay.as_millis());
            self.sleeper.sleep(delay).await;
            attempt = attempt.saturating_add(1);
        }
    }

    /// Sends `alert` to every configured recipient on their channel for it. Older alerts in the
    /// outbox go first. A text sent [`LATE_AFTER_SECS`] or more after its alert was raised
    /// says when (see [`Alert::sms_body`]; the time now is [`CertificateClock`]'s). Recipients whose last outcome is `Retry` (network or Twilio down) or
    /// `Misconfigured` (credentials, sender, trust anchors) keep the alert in the outbox for
    /// [`Client::flush_outbox`]; `Accepted` and `Rejected` (bad number, opted out) are final.
    pub async fn send(&mut self, alert: Alert) -> Result<Delivery, ClientError> {
        let pending = self.recipients_for(&alert)?;
        let mut delivery = Delivery {
            dropped: self.outbox.push(alert, pending),
            ..Delivery::default()
        };
        self.drain(&mut delivery).await?;
        Ok(delivery)
    }

    /// Queues `alert` without sending (for example while the firmware knows the link is down);
    /// returns the alert dropped to make room, if any.
    pub fn enqueue(&mut self, alert: Alert) -> Result<Option<Alert>, ClientError> {
        let pending = self.recipients_for(&alert)?;
        Ok(self.outbox.push(alert, pending))
    }

    /// Sends what waits in the outbox, oldest first, stopping at the first alert that still
    /// cannot go out.
    pub async fn flush_outbox(&mut self) -> Result<Delivery, ClientError> {
        let mut delivery = Delivery::default();
        self.drain(&mut delivery).await?;
        Ok(delivery)
    }

    /// The alerts waiting to be sent.
    pub fn outbox(&self) -> &Outbox<OUTBOX> {
        &self.outbox
    }

    /// The alerts waiting to be sent, to inspect or drop (an alert stays queued while its
    /// outcome is `Retry` or `Misconfigured`, and blocks the ones behind it until then).
    pub fn outbox_mut(&mut self) -> &mut Outbox<OUTBOX> {
        &mut self.outbox
    }

    /// True while a connection is held open for the next request.
    pub fn is_connected(&self) -> bool {
        self.session.is_open()
    }

    /// Closes the kept-alive connection (for example before a deep sleep).
    pub fn disconnect(&mut self) {
        self.session.close();
    }

    /// The configuration.
    pub fn config(&self) -> &ClientConfig<'b> {
        &self.config
    }

    /// The configuration, to change (rotated credentials, new recipients, new anchors). A new
    /// host or TLS setting applies from the next connection: call [`Client::disconnect`].
    pub fn config_mut(&mut self) -> &mut ClientConfig<'b> {
        &mut self.config
    }

    /// Recipients (as a bit set) that `alert` is for.
    fn recipients_for(&self, alert: &Alert) -> Result<u16, ClientError> {
        if self.config.recipients.len() > MAX_RECIPIENTS {
            return Err(ClientError::TooManyRecipients {
                max: MAX_RECIPIENTS,
            });
        }
        Ok(self
            .config
            .recipients
            .iter()
            .enumerate()
            .take(MAX_RECIPIENTS)
            .filter(|(_, r)| r.channel_for(alert).is_some())
            .fold(0u16, |set, (i, _)| set | (1 << i)))
    }

    async fn drain(&mut self, delivery: &mut Delivery) -> Result<(), ClientError> {
        while let Some(queued) = self.outbox.front() {
            let alert = queued.alert.clone();
            let mut pending = queued.pending;
            let recipients = self.config.recipients;
            // `take` keeps the shifts in range even if `config_mut` grew the list since.
            for (index, recipient) in recipients.iter().enumerate().take(MAX_RECIPIENTS) {
                if pending & (1 << index) == 0 {
                    continue;
                }
                let Some(channel) = recipient.channel_for(&alert) else {
                    pending &= !(1 << index);
                    continue;
                };
                let outcome = self.deliver(&alert, recipient.number, channel).await?;
                let _ = delivery.outcomes.push(RecipientOutcome {
                    recipient: index,
                    channel,
                    outcome,
                });
                match outcome {
                    // Done for this recipient: delivered, or refused for good (bad number,
                    // opted out): resending cannot help.
                    Outcome::Accepted { .. } | Outcome::Rejected { .. } => {
                        pending &= !(1 << index);
                    }
                    // Retry: the link or Twilio is down. Misconfigured: credentials, sender or
                    // trust anchors are wrong; the alert waits until `config_mut` fixes them.
                    _ => {}
                }
            }
            if pending != 0 {
                if let Some(front) = self.outbox.front_mut() {
                    front.pending = pending;
                }
                info!("alert kept in the outbox ({} waiting)", self.outbox.len());
                break;
            }
            self.outbox.pop_front();
            delivery.completed += 1;
        }
        delivery.queued = self.outbox.len();
        Ok(())
    }

    /// One request for `alert` to `to` on `channel`, as an [`AlertRequest`]: the same bytes as
    /// `send_sms`/`call` would send, without linking the full message and call types (about
    /// 3.7 KB of a Pico W's flash), and one future state machine instead of two more.
    async fn deliver(
        &mut self,
        alert: &Alert,
        to: &str,
        channel: Channel,
    ) -> Result<Outcome, ClientError> {
        // Outside the match: a request borrows its body or TwiML until it has been sent.
        let mut twiml = [0u8; ALERT_TWIML_LEN];
        let body;
        let request = match channel {
            // A late text says when it was raised, by the clock the firmware keeps for TLS.
            Channel::Sms => {
                body = alert.sms_body(CertificateClock::unix_time());
                AlertRequest::sms(to, self.config.from, &body)?
            }
            Channel::VoiceCall => {
                let len = SpokenTwice(alert.text())
                    .encode_to_slice(&mut twiml)
                    .map_err(|e| ClientError::RequestTooLarge {
                        required: e.required,
                    })?;
                // The writer only emits UTF-8; an empty document would be refused by the core.
                let twiml =
                    core::str::from_utf8(twiml.get(..len).unwrap_or_default()).unwrap_or_default();
                AlertRequest::call(to, self.config.from, twiml)?
            }
        };
        self.send_with_retries(&request).await
    }

    /// One attempt: (re)connect when needed, send, classify. `Err` when the exchange failed
    /// (the session is closed then).
    async fn attempt_once<Q: ApiRequest + ?Sized>(
        &mut self,
        request: &Q,
    ) -> Result<Result<Outcome, ExchangeFailure>, ClientError> {
        let len = request
            .write_http(&self.config.credentials, &self.config.http, self.http)
            .map_err(|e| ClientError::RequestTooLarge {
                required: e.required,
            })?;
        // Connect and handshake written out here rather than in an `async fn open`: one future
        // state machine fewer in the firmware.
        if !self.session.is_open() {
            let stream = match self.connector.connect().await {
                Ok(stream) => stream,
                Err(e) => {
                    warn!("connect failed: {}", e);
                    return Ok(Ok(Outcome::from_transport(TransportFailure::from(e))));
                }
            };
            if let Err(e) = self
                .session
                .open(stream, &self.config.tls, &mut self.rng)
                .await
            {
                // embedded-tls's error only at debug level: with `log`, its `Debug` (every
                // variant's name) is 1 KB of firmware; the failure's kind is logged either way.
                debug!("TLS handshake failed: {:?}", e);
                let failure = tls_failure(e);
                let why = if failure == TransportFailure::CertificateRejected {
                    "server certificate rejected"
                } else {
                    "handshake error"
                };
                warn!("TLS handshake failed: {}", why);
                return Ok(Ok(Outcome::from_transport(failure)));
            }
        }
        let Some(connection) = self.session.connection() else {
            return Ok(Ok(Outcome::from_transport(
                TransportFailure::ConnectionReset,
            )));
        };
        match exchange(connection, self.http, len).await {
            Ok(Exchanged {
                outcome,
                keep_alive,
            }) => {
                if !keep_alive {
                    self.session.close();
                }
                Ok(Ok(outcome))
            }
            Err(failure) => {
                self.session.close();
                Ok(Err(failure))
            }
        }
    }
}

/// A call alert's TwiML: the text said twice with a pause between, so a person who picks up late
/// still hears it whole. The same document as `twiml::Response` of `[Say, Pause, Say]` without the
/// XML declaration, written verb by verb: the `Verb` enum would link the encoders of every verb
/// (Gather, Dial, Play, Redirect) into the firmware.
struct SpokenTwice<'t>(&'t str);

impl Encode for SpokenTwice<'_> {
    fn encode(&self, out: &mut SliceWriter<'_>) {
        let say = Say::new(self.0);
        out.write_str("<Response>");
        say.encode(out);
        Pause::seconds(1).encode(out);
        say.encode(out);
        out.write_str("</Response>");
    }
}

/// Certificate problems are configuration (anchors to update); anything else may pass.
fn tls_failure(e: TlsError) -> TransportFailure {
    match e {
        TlsError::InvalidCertificate
        | TlsError::InvalidSignature
        | TlsError::InvalidSignatureScheme
        | TlsError::InvalidCertificateEntry => TransportFailure::CertificateRejected,
        _ => TransportFailure::TlsHandshake,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use twilio_core::twiml::{Response, Verb};

    #[test]
    fn spoken_twice_is_the_documented_twiml() {
        let text = "Pump <2> & \"tank\" at 95 C";
        let verbs = [
            Verb::Say(Say::new(text)),
            Verb::Pause(Pause::seconds(1)),
            Verb::Say(Say::new(text)),
        ];
        let mut expected = [0u8; ALERT_TWIML_LEN];
        let expected_len = Response::new(&verbs)
            .without_declaration()
            .encode_to_slice(&mut expected)
            .unwrap();
        let mut written = [0u8; ALERT_TWIML_LEN];
        let len = SpokenTwice(text).encode_to_slice(&mut written).unwrap();
        assert_eq!(&written[..len], &expected[..expected_len]);
        assert!(
            core::str::from_utf8(&written[..len])
                .unwrap()
                .contains("&lt;2&gt; &amp;")
        );
        let mut small = [0u8; 16];
        assert_eq!(
            SpokenTwice(text)
                .encode_to_slice(&mut small)
                .unwrap_err()
                .required,
            len
        );
    }
}
