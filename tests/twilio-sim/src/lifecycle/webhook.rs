//! Signed webhook requests from the simulator to the application, each recorded.

use std::time::SystemTime;

use crate::signature;
use crate::state::SimState;
use crate::store::records::{CallbackKind, CallbackRecord};

/// The application's answer to a webhook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WebhookAnswer {
    pub(crate) status: u16,
    pub(crate) body: String,
}

/// One webhook to send.
#[derive(Debug, Clone)]
pub(crate) struct Webhook<'a> {
    pub(crate) kind: CallbackKind,
    pub(crate) resource_sid: &'a str,
    pub(crate) url: &'a str,
    pub(crate) method: &'a str,
    pub(crate) params: Vec<(String, String)>,
}

/// Appends `params` to `url`'s query string (GET webhooks carry their parameters there).
fn with_query(url: &str, params: &[(String, String)]) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut parsed) => {
            parsed.query_pairs_mut().extend_pairs(params.iter());
            parsed.to_string()
        }
        Err(_) => url.to_owned(),
    }
}

/// Why a status callback was not sent while they are switched off.
pub(crate) const LOST: &str = "not sent: status callbacks are lost (set_status_callbacks_lost)";

/// Sends a signed webhook, records it, and returns the answer (None on transport failure, or
/// for a status callback while they are lost).
pub(crate) async fn send(state: &SimState, hook: Webhook<'_>) -> Option<WebhookAnswer> {
    let is_get = hook.method.eq_ignore_ascii_case("GET");
    let (url, signed_params) = if is_get {
        (with_query(hook.url, &hook.params), Vec::new())
    } else {
        (hook.url.to_owned(), hook.params.clone())
    };
    let sig = signature::sign(&state.auth_token, &url, &signed_params);
    let is_status = matches!(
        hook.kind,
        CallbackKind::MessageStatus | CallbackKind::CallStatus
    );
    if is_status && state.status_callbacks_lost() {
        state.store.record_callback(CallbackRecord {
            kind: hook.kind,
            resource_sid: hook.resource_sid.to_owned(),
            url,
            method: if is_get { "GET" } else { "POST" }.to_owned(),
            params: hook.params,
            signature: sig,
            sent_at: SystemTime::now(),
            response_status: None,
            error: Some(LOST.to_owned()),
        });
        return None;
    }
    let request = if is_get {
        state.webhook_client.get(&url)
    } else {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(hook.params.iter())
            .finish();
        state
            .webhook_client
            .post(&url)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body)
    };
    let request = request
        .header(signature::HEADER, &sig)
        .header("User-Agent", "TwilioProxy/1.1")
        .header("I-Twilio-Idempotency-Token", crate::ids::new_sid("ID"));
    let sent_at = SystemTime::now();
    let result = async {
        let response = request.send().await?;
        let status = response.status().as_u16();
        let body = response.text().await?;
        Ok::<_, reqwest::Error>(WebhookAnswer { status, body })
    }
    .await;
    let (response_status, error, answer) = match result {
        Ok(answer) => (Some(answer.status), None, Some(answer)),
        Err(e) => {
            tracing::debug!(url = %url, error = %e, "webhook failed");
            (e.status().map(|s| s.as_u16()), Some(e.to_string()), None)
        }
    };
    state.store.record_callback(CallbackRecord {
        kind: hook.kind,
        resource_sid: hook.resource_sid.to_owned(),
        url,
        method: if is_get { "GET" } else { "POST" }.to_owned(),
        params: hook.params,
        signature: sig,
        sent_at,
        response_status,
        error,
    });
    answer
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn get_parameters_go_in_the_query() {
        let url = with_query("https://h/p?a=1", &[("B".into(), "x y".into())]);
        assert_eq!(url, "https://h/p?a=1&B=x+y");
        assert_eq!(with_query("not a url", &[]), "not a url");
    }
}
