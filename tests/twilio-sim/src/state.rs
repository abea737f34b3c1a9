//! State shared by the server, the lifecycle tasks and the [`crate::Simulator`] handle.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::auth::Credentials;
use crate::config::{LifecycleTiming, SimConfig};
use crate::faults::Faults;
use crate::ratelimit::RateLimiter;
use crate::script::{CallScript, MessageOutcome};
use crate::store::Store;
use crate::verify::Verifications;

/// Per-number behaviour set by tests.
#[derive(Debug, Default)]
pub(crate) struct Scripts {
    pub(crate) calls: HashMap<String, CallScript>,
    pub(crate) messages: HashMap<String, MessageOutcome>,
}

#[derive(Debug)]
pub(crate) struct SimState {
    pub(crate) account_sid: String,
    pub(crate) auth_token: String,
    pub(crate) credentials: Credentials,
    pub(crate) store: Store,
    pub(crate) verifications: Verifications,
    pub(crate) faults: Faults,
    pub(crate) rate_limiter: RateLimiter,
    scripts: Mutex<Scripts>,
    pub(crate) timing: LifecycleTiming,
    pub(crate) owned_numbers: Option<Vec<String>>,
    pub(crate) max_body_bytes: usize,
    pub(crate) inbound_webhook: Option<String>,
    pub(crate) webhook_client: reqwest::Client,
    /// Status callbacks are recorded but not sent, as if the application were unreachable.
    status_callbacks_lost: AtomicBool,
}

impl SimState {
    pub(crate) fn new(config: &SimConfig, webhook_client: reqwest::Client) -> Self {
        Self {
            account_sid: config.account_sid.clone(),
            auth_token: config.auth_token.clone(),
            credentials: Credentials::new(
                &config.account_sid,
                &config.auth_token,
                &config.api_keys,
            ),
            store: Store::new(config.history_cap),
            verifications: Verifications::default(),
            faults: Faults::default(),
            rate_limiter: RateLimiter::new(config.rate_limit.clone()),
            scripts: Mutex::new(Scripts::default()),
            timing: config.timing,
            owned_numbers: config.owned_numbers.clone(),
            max_body_bytes: config.max_body_bytes,
            inbound_webhook: config.inbound_webhook.clone(),
            webhook_client,
            status_callbacks_lost: AtomicBool::new(false),
        }
    }

    pub(crate) fn status_callbacks_lost(&self) -> bool {
        self.status_callbacks_lost.load(Ordering::Relaxed)
    }

    pub(crate) fn set_status_callbacks_lost(&self, lost: bool) {
        self.status_callbacks_lost.store(lost, Ordering::Relaxed);
    }

    pub(crate) fn scripts(&self) -> MutexGuard<'_, Scripts> {
        self.scripts.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn call_script(&self, to: &str) -> CallScript {
        self.scripts().calls.get(to).cloned().unwrap_or_default()
    }

    pub(crate) fn message_outcome(&self, to: &str) -> MessageOutcome {
        self.scripts().messages.get(to).copied().unwrap_or_default()
    }

    /// Forgets everything recorded and every script, fault and rate-limit bucket, and
    /// delivers status callbacks again.
    pub(crate) fn reset(&self) {
        self.store.reset();
        self.verifications.reset();
        self.faults.clear();
        self.set_status_callbacks_lost(false);
        let mut scripts = self.scripts();
        scripts.calls.clear();
        scripts.messages.clear();
        drop(scripts);
        self.rate_limiter.set(self.rate_limiter.get());
    }
}
