//! The `/_sim/` API: what the simulator received and did, and controls for tests and scripts
//! (reset, faults, per-number scripts, rate limit, inbound SMS). Unauthenticated by design: it
//! only ever listens on a developer's machine or a CI runner.

use std::sync::Arc;

use serde::Serialize;

use crate::api::{Reply, percent_decode};
use crate::faults::FaultRule;
use crate::inbound::{self, InboundSms};
use crate::ratelimit::RateLimitConfig;
use crate::script::{CallScript, MessageOutcome};
use crate::state::SimState;

fn json<T: Serialize + ?Sized>(status: u16, value: &T) -> Reply {
    Reply::json(status, serde_json::to_vec(value).unwrap_or_default())
}

fn problem(status: u16, message: &str) -> Reply {
    json(status, &serde_json::json!({ "error": message }))
}

fn parse<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, Reply> {
    serde_json::from_slice(body).map_err(|e| problem(400, &format!("invalid JSON body: {e}")))
}

#[derive(Serialize)]
struct Scripts {
    calls: std::collections::BTreeMap<String, CallScript>,
    messages: std::collections::BTreeMap<String, MessageOutcome>,
}

/// `PUT /_sim/status_callbacks`: whether status callbacks are lost.
#[derive(serde::Deserialize)]
struct StatusCallbacks {
    lost: bool,
}

/// `GET /_sim/verifications` (codes included) and `POST /_sim/verifications[/{To}]/expire`
/// (ages pending verifications past their lifetime).
fn verifications(state: &SimState, method: &str, segments: &[&str]) -> Option<Reply> {
    let expired = |n: usize| json(200, &serde_json::json!({ "expired": n }));
    match (method, segments) {
        ("GET", ["verifications"]) => Some(json(200, &state.verifications.list())),
        ("POST", ["verifications", "expire"]) => Some(expired(state.verifications.expire(None))),
        ("POST", ["verifications", number, "expire"]) => Some(expired(
            state.verifications.expire(Some(&percent_decode(number))),
        )),
        _ => None,
    }
}

/// Handles a request under `/_sim/`.
pub(crate) async fn handle(state: &Arc<SimState>, method: &str, path: &str, body: &[u8]) -> Reply {
    let rest = path.trim_start_matches("/_sim/").trim_end_matches('/');
    let segments: Vec<&str> = rest.split('/').collect();
    if let Some(reply) = verifications(state, method, &segments) {
        return reply;
    }
    let result = match (method, segments.as_slice()) {
        ("GET", ["info"]) => Ok(json(
            200,
            &serde_json::json!({ "account_sid": state.account_sid, "auth_token": state.auth_token }),
        )),
        ("GET", ["requests"]) => Ok(json(200, &state.store.requests())),
        ("GET", ["messages"]) => Ok(json(200, &state.store.messages())),
        ("GET", ["messages", sid]) => Ok(state
            .store
            .message(sid)
            .map_or_else(|| problem(404, "no such message"), |m| json(200, &m))),
        ("GET", ["calls"]) => Ok(json(200, &state.store.calls())),
        ("GET", ["calls", sid]) => Ok(state
            .store
            .call(sid)
            .map_or_else(|| problem(404, "no such call"), |c| json(200, &c))),
        ("GET", ["callbacks"]) => Ok(json(200, &state.store.callbacks())),
        ("POST", ["reset"]) => {
            state.reset();
            Ok(json(200, &serde_json::json!({ "reset": true })))
        }
        ("GET", ["faults"]) => Ok(json(200, &state.faults.list())),
        ("POST", ["faults"]) => parse::<FaultRule>(body).map(|rule| {
            state.faults.add(rule);
            json(201, &state.faults.list())
        }),
        ("DELETE", ["faults"]) => {
            state.faults.clear();
            Ok(json(200, &state.faults.list()))
        }
        ("GET", ["scripts"]) => {
            let scripts = state.scripts();
            let view = Scripts {
                calls: scripts
                    .calls
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
                messages: scripts
                    .messages
                    .iter()
                    .map(|(k, v)| (k.clone(), *v))
                    .collect(),
            };
            Ok(json(200, &view))
        }
        ("PUT" | "POST", ["scripts", "calls", number]) => parse::<CallScript>(body).map(|script| {
            state.scripts().calls.insert(percent_decode(number), script);
            json(200, &serde_json::json!({ "ok": true }))
        }),
        ("DELETE", ["scripts", "calls", number]) => {
            state.scripts().calls.remove(&percent_decode(number));
            Ok(json(200, &serde_json::json!({ "ok": true })))
        }
        ("PUT" | "POST", ["scripts", "messages", number]) => {
            parse::<MessageOutcome>(body).map(|outcome| {
                state
                    .scripts()
                    .messages
                    .insert(percent_decode(number), outcome);
                json(200, &serde_json::json!({ "ok": true }))
            })
        }
        ("DELETE", ["scripts", "messages", number]) => {
            state.scripts().messages.remove(&percent_decode(number));
            Ok(json(200, &serde_json::json!({ "ok": true })))
        }
        ("GET", ["status_callbacks"]) => Ok(json(
            200,
            &serde_json::json!({ "lost": state.status_callbacks_lost() }),
        )),
        ("PUT" | "POST", ["status_callbacks"]) => parse::<StatusCallbacks>(body).map(|switch| {
            state.set_status_callbacks_lost(switch.lost);
            json(200, &serde_json::json!({ "lost": switch.lost }))
        }),
        ("GET", ["ratelimit"]) => Ok(json(200, &state.rate_limiter.get())),
        ("PUT" | "POST", ["ratelimit"]) => parse::<Option<RateLimitConfig>>(body).map(|config| {
            state.rate_limiter.set(config);
            json(200, &state.rate_limiter.get())
        }),
        ("POST", ["inbound"]) => match parse::<InboundSms>(body) {
            Ok(sms) => Ok(match inbound::deliver(state, sms).await {
                Ok(delivery) => json(200, &delivery),
                Err(e) => json(502, &e),
            }),
            Err(reply) => Err(reply),
        },
        _ => Err(problem(404, "unknown /_sim/ endpoint")),
    };
    result.unwrap_or_else(|reply| reply)
}
