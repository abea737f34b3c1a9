//! The HTTP(S) front: accept loop, TLS, HTTP/1.1 keep-alive, body limits, fault application and
//! request recording around the API and `/_sim/` handlers.

mod body;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderValue};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::task::JoinSet;

pub(crate) use body::SimBody;

use crate::api::{self, ApiRequest, Reply, error::ApiError};
use crate::faults::FaultKind;
use crate::inspect;
use crate::state::SimState;
use crate::store::records::RecordedRequest;

/// The TLS acceptor, replaceable while serving (certificate rotation).
pub(crate) type SharedAcceptor = Arc<std::sync::RwLock<tokio_rustls::TlsAcceptor>>;

/// Runs the accept loop until the task is aborted; connections die with it.
pub(crate) async fn accept_loop(
    listener: TcpListener,
    tls: Option<SharedAcceptor>,
    state: Arc<SimState>,
) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _peer)) = accepted else {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                };
                let _ = stream.set_nodelay(true);
                let state = state.clone();
                let tls = tls
                    .as_ref()
                    .map(|t| t.read().unwrap_or_else(std::sync::PoisonError::into_inner).clone());
                connections.spawn(async move {
                    match tls {
                        Some(acceptor) => match acceptor.accept(stream).await {
                            Ok(stream) => serve_connection(stream, state).await,
                            Err(e) => tracing::debug!(error = %e, "TLS handshake failed"),
                        },
                        None => serve_connection(stream, state).await,
                    }
                });
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

async fn serve_connection<S>(stream: S, state: Arc<SimState>)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(move |req| {
        let state = state.clone();
        async move { handle(&state, req).await }
    });
    let result = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .keep_alive(true)
        .pipeline_flush(true)
        .serve_connection(TokioIo::new(stream), service)
        .await;
    if let Err(e) = result {
        tracing::debug!(error = %e, "connection ended with an error");
    }
}

fn response(reply: &Reply, truncate: bool) -> Response<SimBody> {
    let body = if truncate {
        SimBody::truncated(reply.body.clone())
    } else {
        SimBody::full(reply.body.clone())
    };
    let mut response = Response::new(body);
    *response.status_mut() =
        StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(reply.content_type));
    if truncate {
        headers.insert(CONTENT_LENGTH, HeaderValue::from(reply.body.len()));
    }
    if let Ok(id) = HeaderValue::from_str(&crate::ids::new_sid("RQ")) {
        headers.insert("twilio-request-id", id);
    }
    if let Some(secs) = reply.retry_after_secs {
        headers.insert("retry-after", HeaderValue::from(secs));
    }
    if reply.status == 401 {
        headers.insert(
            "www-authenticate",
            HeaderValue::from_static("Basic realm=\"Twilio API\""),
        );
    }
    response
}

fn is_form(content_type: Option<&HeaderValue>) -> bool {
    content_type.and_then(|v| v.to_str().ok()).is_some_and(|v| {
        v.split(';').next().is_some_and(|m| {
            m.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
    })
}

/// The answer for a fault that refuses the request (429 and 5xx); None for the others.
fn refusal(kind: FaultKind) -> Option<Reply> {
    match kind {
        FaultKind::TooManyRequests { retry_after_secs } => {
            Some(Reply::error(&ApiError::too_many_requests(retry_after_secs)))
        }
        FaultKind::ServerError {
            status,
            retry_after_secs,
        } => {
            let status = if (500..600).contains(&status) {
                status
            } else {
                500
            };
            let message = if status == 503 {
                "Service Unavailable"
            } else {
                "Internal Server Error"
            };
            let mut e = ApiError::new(status, 20000 + u32::from(status), message);
            e.retry_after_secs = retry_after_secs;
            Some(Reply::error(&e))
        }
        FaultKind::Slow { .. }
        | FaultKind::ResetMidResponse
        | FaultKind::CloseWithoutResponse
        | FaultKind::CloseBeforeProcessing => None,
    }
}

/// What the inspection API shows of a request.
fn recorded(
    parts: &hyper::http::request::Parts,
    form: Vec<(String, String)>,
    reply: &Reply,
) -> RecordedRequest {
    RecordedRequest {
        id: 0,
        received_at: SystemTime::now(),
        method: parts.method.as_str().to_owned(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().map(str::to_owned),
        headers: parts
            .headers
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        form,
        status: reply.status,
        error_code: reply.error_code,
    }
}

/// A service error: hyper then closes the connection without answering.
#[derive(Debug)]
struct ClosedWithoutResponse;

impl std::fmt::Display for ClosedWithoutResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection closed without a response (fault)")
    }
}

impl std::error::Error for ClosedWithoutResponse {}

async fn handle(
    state: &Arc<SimState>,
    req: Request<Incoming>,
) -> Result<Response<SimBody>, ClosedWithoutResponse> {
    let (parts, body) = req.into_parts();
    let path = parts.uri.path();
    let limit = state.max_body_bytes;
    let announced = parts
        .headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let body = if announced.is_some_and(|n| n > limit as u64) {
        Err(ApiError::body_too_large(limit))
    } else {
        match Limited::new(body, limit).collect().await {
            Ok(collected) => Ok(collected.to_bytes()),
            Err(e) if e.is::<http_body_util::LengthLimitError>() => {
                Err(ApiError::body_too_large(limit))
            }
            Err(_) => Err(ApiError::new(
                400,
                20400,
                "The request body could not be read",
            )),
        }
    };
    if path == "/_sim" || path.starts_with("/_sim/") {
        let reply = match &body {
            Ok(bytes) => inspect::handle(state, parts.method.as_str(), path, bytes).await,
            Err(e) => Reply::error(e),
        };
        return Ok(response(&reply, false));
    }

    let received_at = SystemTime::now();
    let form: Vec<(String, String)> = match &body {
        Ok(bytes) if is_form(parts.headers.get(CONTENT_TYPE)) => {
            form_urlencoded::parse(bytes).into_owned().collect()
        }
        _ => Vec::new(),
    };
    let mut truncate = false;
    let mut close = false;
    let reply = match (&body, &api::route(parts.method.as_str(), path)) {
        (Err(e), _) | (_, Err(e)) => Reply::error(e),
        (Ok(_), Ok(route)) => {
            let fault = state.faults.take(route.endpoint);
            if let Some(refused) = fault.and_then(refusal) {
                refused
            } else if fault == Some(FaultKind::CloseBeforeProcessing) {
                close = true;
                Reply::error(&ApiError::new(
                    500,
                    20500,
                    "connection closed before the request was processed (fault)",
                ))
            } else {
                if let Some(FaultKind::Slow { delay_ms }) = fault {
                    tokio::time::sleep(Duration::from_millis(delay_ms)).await;
                }
                truncate = fault == Some(FaultKind::ResetMidResponse);
                close = fault == Some(FaultKind::CloseWithoutResponse);
                let request = ApiRequest {
                    path,
                    query: parts.uri.query(),
                    authorization: parts
                        .headers
                        .get(hyper::header::AUTHORIZATION)
                        .map(HeaderValue::as_bytes),
                    form: &form,
                };
                api::handle(state, &request, route)
            }
        }
    };
    let mut record = recorded(&parts, form, &reply);
    record.received_at = received_at;
    state.store.record_request(record);
    if close {
        return Err(ClosedWithoutResponse);
    }
    Ok(response(&reply, truncate))
}

/// Binds the listener (so the port is known before the loop starts).
pub(crate) async fn bind(addr: SocketAddr) -> std::io::Result<(TcpListener, SocketAddr)> {
    let listener = TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    Ok((listener, local))
}
