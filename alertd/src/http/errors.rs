//! Every refusal is a JSON body `{"error": <kind>, "message": <what was wrong>}` with a 4xx.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// An API refusal.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ApiError {
    /// The body is not JSON, or not the expected shape.
    #[error("{0}")]
    BadRequest(String),
    /// Well-formed but not acceptable (empty labels, bad label name, ...).
    #[error("{0}")]
    Invalid(String),
    /// The body exceeds `server.max_body_bytes`.
    #[error("request body exceeds {limit} bytes")]
    TooLarge {
        /// The limit.
        limit: usize,
    },
    /// Missing or wrong bearer token.
    #[error("missing or wrong bearer token")]
    Unauthorized,
    /// Bad Twilio signature; a cross-site request.
    #[error("{0}")]
    Forbidden(String),
    /// No such thing.
    #[error("{0}")]
    NotFound(String),
    /// It was done already (an escalation acknowledged or resolved).
    #[error("{0}")]
    Conflict(String),
    /// The store failed; nothing was accepted.
    #[error("{0}")]
    Unavailable(String),
    /// The request names a host (`Host`) that alertd does not answer to.
    #[error("{0}")]
    MisdirectedRequest(String),
    /// A body that is not declared `application/json` where JSON is expected.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// The body did not arrive within `server.body_read_timeout`.
    #[error("{0}")]
    RequestTimeout(String),
}

#[derive(Serialize)]
struct Body<'a> {
    error: &'a str,
    message: String,
}

/// A failing store is a 503: nothing was accepted.
impl From<crate::store::StoreError> for ApiError {
    fn from(e: crate::store::StoreError) -> Self {
        Self::Unavailable(e.to_string())
    }
}

/// A store call's blocking task that died (panicked or was cancelled at shutdown).
impl From<tokio::task::JoinError> for ApiError {
    fn from(e: tokio::task::JoinError) -> Self {
        Self::Unavailable(format!("the store call did not finish: {e}"))
    }
}

impl ApiError {
    /// HTTP status and error kind.
    pub fn status(&self) -> (StatusCode, &'static str) {
        match self {
            Self::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
            Self::Invalid(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid"),
            Self::TooLarge { .. } => (StatusCode::PAYLOAD_TOO_LARGE, "too_large"),
            Self::Unauthorized => (StatusCode::UNAUTHORIZED, "unauthorized"),
            Self::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            Self::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            Self::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            Self::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
            Self::MisdirectedRequest(_) => (StatusCode::MISDIRECTED_REQUEST, "misdirected_request"),
            Self::UnsupportedMediaType(_) => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
            }
            Self::RequestTimeout(_) => (StatusCode::REQUEST_TIMEOUT, "request_timeout"),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, kind) = self.status();
        let mut resp = (
            status,
            Json(Body {
                error: kind,
                message: self.to_string(),
            }),
        )
            .into_response();
        if status == StatusCode::UNAUTHORIZED {
            resp.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer"),
            );
        }
        resp
    }
}

/// Parses JSON, naming the field path in errors (`alerts[0].labels.x: invalid type ...`).
pub(crate) fn from_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        match json_error(&inner) {
            ApiError::BadRequest(m) if path != "." => {
                ApiError::BadRequest(format!("{m} (at {path})"))
            }
            other => other,
        }
    })?;
    de.end().map_err(|e| json_error(&e))?;
    Ok(value)
}

/// Turns a serde_json error into a message that names the place and the problem.
pub(crate) fn json_error(e: &serde_json::Error) -> ApiError {
    use serde_json::error::Category;
    let what = match e.classify() {
        Category::Syntax | Category::Eof => "malformed JSON",
        Category::Data => "unexpected JSON shape",
        Category::Io => "unreadable body",
    };
    ApiError::BadRequest(format!("{what}: {e}"))
}
