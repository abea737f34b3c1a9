//! Refusals as Alertmanager's API v2 answers them: the status and the reason as a JSON string
//! (`"start time must be before end time"`). Its generated clients read the body into a string
//! and print it (amtool), and `silence import` tells a 404 from other errors by its status.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::http::errors::ApiError;

/// An [`ApiError`] in Alertmanager's shape.
#[derive(Debug)]
pub(crate) struct AmError(pub(super) ApiError);

impl From<ApiError> for AmError {
    fn from(e: ApiError) -> Self {
        Self(e)
    }
}

impl AmError {
    /// Alertmanager answers every malformed or unacceptable request with 400.
    pub(super) fn status(&self) -> StatusCode {
        match &self.0 {
            ApiError::BadRequest(_) | ApiError::Invalid(_) => StatusCode::BAD_REQUEST,
            other => other.status().0,
        }
    }
}

impl IntoResponse for AmError {
    fn into_response(self) -> Response {
        let status = self.status();
        let mut resp = (status, Json(self.0.to_string())).into_response();
        if status == StatusCode::UNAUTHORIZED {
            resp.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        resp
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_body_is_the_reason_as_a_json_string() {
        let resp = AmError(ApiError::Invalid("endsAt is in the past".into())).into_response();
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
        let body = axum::body::to_bytes(resp.into_body(), 1024).await.unwrap();
        assert_eq!(&body[..], br#""endsAt is in the past""#);
        let resp = AmError(ApiError::Unauthorized).into_response();
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(resp.headers()[header::WWW_AUTHENTICATE], "Bearer");
    }
}
