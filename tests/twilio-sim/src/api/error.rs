//! Twilio's legacy 2010 error body: `{"code", "message", "more_info", "status"}`.

use serde::Serialize;

/// An API error answer: HTTP status plus Twilio error code and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ApiError {
    pub(crate) status: u16,
    pub(crate) code: u32,
    pub(crate) message: String,
    pub(crate) retry_after_secs: Option<u32>,
}

#[derive(Serialize)]
struct Body<'a> {
    code: u32,
    message: &'a str,
    more_info: String,
    status: u16,
}

impl ApiError {
    pub(crate) fn new(status: u16, code: u32, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            retry_after_secs: None,
        }
    }

    pub(crate) fn bad_request(code: u32, message: impl Into<String>) -> Self {
        Self::new(400, code, message)
    }

    pub(crate) fn unauthorized() -> Self {
        Self::new(401, 20003, "Authenticate")
    }

    pub(crate) fn not_found(path: &str) -> Self {
        Self::new(
            404,
            20404,
            format!("The requested resource {path} was not found"),
        )
    }

    pub(crate) fn method_not_allowed(method: &str) -> Self {
        Self::new(405, 20004, format!("Method not allowed: {method}"))
    }

    pub(crate) fn too_many_requests(retry_after_secs: Option<u32>) -> Self {
        Self {
            retry_after_secs,
            ..Self::new(429, 20429, "Too Many Requests")
        }
    }

    pub(crate) fn body_too_large(limit: usize) -> Self {
        // Twilio has no documented code for this; 20413 follows its 20xxx-per-HTTP-status pattern.
        Self::new(
            413,
            20413,
            format!("Request body exceeds the {limit} byte limit"),
        )
    }

    /// The JSON body.
    pub(crate) fn to_json(&self) -> Vec<u8> {
        let body = Body {
            code: self.code,
            message: &self.message,
            more_info: format!("https://www.twilio.com/docs/errors/{}", self.code),
            status: self.status,
        };
        serde_json::to_vec(&body).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_has_twilio_shape() {
        let v: serde_json::Value = serde_json::from_slice(
            &ApiError::bad_request(21602, "Message body is required.").to_json(),
        )
        .unwrap();
        assert_eq!(v["code"], 21602);
        assert_eq!(v["status"], 400);
        assert_eq!(v["message"], "Message body is required.");
        assert_eq!(v["more_info"], "https://www.twilio.com/docs/errors/21602");
    }
}
