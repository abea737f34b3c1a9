//! Call progress and the TwiML runner: queued -> initiated -> ringing -> answered (or busy,
//! no-answer, failed), then the TwiML runs (Say and Pause recorded, Gather posting scripted
//! digits, Redirect, Hangup) and the call completes. Requested progress events are reported to
//! `StatusCallback`, every request signed.

use std::sync::Arc;
use std::time::SystemTime;

use super::webhook::{self, Webhook};
use crate::script::CallScript;
use crate::state::SimState;
use crate::store::records::{CallEvent, CallRecord, CallStatus, CallbackKind};
use crate::time;
use crate::twiml::{self, Gather, Verb};

/// Documents fetched per call before the runner gives up (stops Redirect loops).
const MAX_DOCUMENTS: usize = 50;

/// Per-call runner state.
struct Run {
    state: Arc<SimState>,
    sid: String,
    script: CallScript,
    next_gather: usize,
    sequence: u32,
    seconds: u32,
}

/// Runs a freshly queued call in the background.
pub(crate) fn start(state: Arc<SimState>, sid: String, script: CallScript) {
    tokio::spawn(async move {
        let mut run = Run {
            state,
            sid,
            script,
            next_gather: 0,
            sequence: 0,
            seconds: 0,
        };
        run.progress().await;
    });
}

/// The parameters of every voice request about this call.
fn call_params(c: &CallRecord, status: &str) -> Vec<(String, String)> {
    let mut p = vec![
        ("AccountSid".to_owned(), c.account_sid.clone()),
        ("ApiVersion".to_owned(), "2010-04-01".to_owned()),
        ("CallSid".to_owned(), c.sid.clone()),
        ("CallStatus".to_owned(), status.to_owned()),
        ("Called".to_owned(), c.to.clone()),
        ("Caller".to_owned(), c.from.clone()),
        ("Direction".to_owned(), "outbound-api".to_owned()),
        ("From".to_owned(), c.from.clone()),
        ("To".to_owned(), c.to.clone()),
    ];
    if let Some(by) = &c.answered_by {
        p.push(("AnsweredBy".to_owned(), by.clone()));
    }
    p
}

/// Resolves `target` against the URL of the current document.
fn resolve(base: Option<&str>, target: &str) -> Option<String> {
    if let Ok(url) = reqwest::Url::parse(target) {
        return Some(url.to_string());
    }
    let base = reqwest::Url::parse(base?).ok()?;
    base.join(target).ok().map(|u| u.to_string())
}

/// Digits a scripted press sends to a Gather: cut at `finishOnKey` and at `numDigits`.
fn gathered(press: &str, gather: &Gather) -> String {
    let mut digits: String = match gather.finish_on_key.chars().next() {
        Some(key) => press.split(key).next().unwrap_or("").to_owned(),
        None => press.to_owned(),
    };
    if let Some(n) = gather.num_digits {
        digits = digits.chars().take(n).collect();
    }
    digits
}

fn say_seconds(text: &str) -> u32 {
    1 + u32::try_from(text.split_whitespace().count() / 3).unwrap_or(u32::MAX)
}

impl Run {
    fn record(&self, event: CallEvent) {
        self.state.store.update_call(&self.sid, |c| {
            match &event {
                CallEvent::Say { text } => c.heard.push(text.clone()),
                CallEvent::Gather {
                    digits: Some(d), ..
                } => c.digits_sent.push(d.clone()),
                _ => {}
            }
            c.events.push(event);
        });
    }

    fn wants(call: &CallRecord, event: &str) -> bool {
        if call.status_callback_events.is_empty() {
            event == "completed"
        } else {
            call.status_callback_events.iter().any(|e| e == event)
        }
    }

    /// Sends the status callback for `event` if the call asked for it.
    async fn report(&mut self, call: &CallRecord, event: &str, status: &str) {
        let Some(url) = call.status_callback.as_deref() else {
            return;
        };
        if !Self::wants(call, event) {
            return;
        }
        let mut params = call_params(call, status);
        params.push((
            "CallbackSource".to_owned(),
            "call-progress-events".to_owned(),
        ));
        params.push(("SequenceNumber".to_owned(), self.sequence.to_string()));
        params.push(("Timestamp".to_owned(), time::rfc2822(SystemTime::now())));
        if let Some(duration) = call.duration_secs {
            params.push(("CallDuration".to_owned(), duration.to_string()));
        }
        self.sequence += 1;
        let hook = Webhook {
            kind: CallbackKind::CallStatus,
            resource_sid: &self.sid,
            url,
            method: &call.status_callback_method,
            params,
        };
        webhook::send(&self.state, hook).await;
    }

    async fn pause(&self) {
        tokio::time::sleep(self.state.timing.call_step).await;
    }

    async fn progress(&mut self) {
        self.pause().await;
        let Some(call) = self.state.store.call(&self.sid) else {
            return;
        };
        self.report(&call, "initiated", "initiated").await;

        self.pause().await;
        let Some(call) = self
            .state
            .store
            .set_call_status(&self.sid, CallStatus::Ringing)
        else {
            return;
        };
        self.report(&call, "ringing", "ringing").await;

        self.pause().await;
        let ended = match self.script {
            CallScript::Busy => Some(CallStatus::Busy),
            CallScript::NoAnswer => Some(CallStatus::NoAnswer),
            CallScript::Failed => Some(CallStatus::Failed),
            CallScript::Answer { .. } | CallScript::Machine => None,
        };
        if let Some(status) = ended {
            if let Some(call) = self.state.store.set_call_status(&self.sid, status) {
                self.report(&call, "completed", status.as_str()).await;
            }
            return;
        }
        let answered_by = match (&self.script, call.machine_detection.as_deref()) {
            (_, None) => None,
            (CallScript::Machine, Some("DetectMessageEnd")) => Some("machine_end_beep"),
            (CallScript::Machine, Some(_)) => Some("machine_start"),
            (_, Some(_)) => Some("human"),
        };
        self.state.store.update_call(&self.sid, |c| {
            c.answered_by = answered_by.map(str::to_owned);
        });
        let Some(call) = self
            .state
            .store
            .set_call_status(&self.sid, CallStatus::InProgress)
        else {
            return;
        };
        self.report(&call, "answered", "in-progress").await;

        self.run_twiml(&call).await;

        let seconds = self.seconds.max(1);
        self.state
            .store
            .update_call(&self.sid, |c| c.duration_secs = Some(seconds));
        if let Some(call) = self
            .state
            .store
            .set_call_status(&self.sid, CallStatus::Completed)
        {
            self.report(&call, "completed", "completed").await;
        }
    }

    /// Fetches and parses a document; records failures as an application error.
    async fn fetch(
        &self,
        call: &CallRecord,
        kind: CallbackKind,
        url: &str,
        method: &str,
        extra: Vec<(String, String)>,
    ) -> Option<Vec<Verb>> {
        let mut params = call_params(call, "in-progress");
        params.extend(extra);
        let hook = Webhook {
            kind,
            resource_sid: &self.sid,
            url,
            method,
            params,
        };
        let answer = webhook::send(&self.state, hook).await;
        self.record(CallEvent::TwimlFetched {
            url: url.to_owned(),
            status: answer.as_ref().map(|a| a.status),
        });
        let reason = match answer {
            None => "the TwiML URL could not be reached".to_owned(),
            Some(a) if !(200..300).contains(&a.status) => {
                format!("the TwiML URL answered {}", a.status)
            }
            Some(a) => match twiml::parse(&a.body) {
                Ok(verbs) => return Some(verbs),
                Err(e) => e.to_string(),
            },
        };
        self.record(CallEvent::ApplicationError { reason });
        None
    }

    async fn run_twiml(&mut self, call: &CallRecord) {
        let mut document_url = call.url.clone();
        let mut verbs = match (&call.url, &call.twiml) {
            (Some(url), _) => {
                let method = call.method.clone();
                match self
                    .fetch(call, CallbackKind::TwimlFetch, url, &method, Vec::new())
                    .await
                {
                    Some(v) => v,
                    None => return,
                }
            }
            (None, Some(inline)) => match twiml::parse(inline) {
                Ok(v) => v,
                Err(e) => {
                    self.record(CallEvent::ApplicationError {
                        reason: e.to_string(),
                    });
                    return;
                }
            },
            (None, None) => return,
        };
        for _ in 0..MAX_DOCUMENTS {
            match self.run_document(&verbs, document_url.as_deref()) {
                Next::End => return,
                Next::Fetch {
                    url,
                    method,
                    kind,
                    extra,
                } => {
                    match self.fetch(call, kind, &url, &method, extra).await {
                        Some(v) => verbs = v,
                        None => return,
                    }
                    document_url = Some(url);
                }
            }
        }
        self.record(CallEvent::ApplicationError {
            reason: format!("more than {MAX_DOCUMENTS} TwiML documents"),
        });
    }

    /// Runs simple verbs; returns what to do after the document.
    fn run_document(&mut self, verbs: &[Verb], base: Option<&str>) -> Next {
        for verb in verbs {
            match verb {
                Verb::Gather(gather) => {
                    for child in &gather.children {
                        self.run_simple(child);
                    }
                    if let Some(next) = self.gather(gather, base) {
                        return next;
                    }
                }
                Verb::Redirect { url, method } => {
                    let Some(url) = resolve(base, url) else {
                        self.record(CallEvent::ApplicationError {
                            reason: format!("cannot resolve Redirect URL {url}"),
                        });
                        return Next::End;
                    };
                    self.record(CallEvent::Redirect { url: url.clone() });
                    return Next::Fetch {
                        url,
                        method: method.clone(),
                        kind: CallbackKind::TwimlFetch,
                        extra: Vec::new(),
                    };
                }
                Verb::Hangup => {
                    self.record(CallEvent::Hangup);
                    return Next::End;
                }
                Verb::Reject => {
                    self.record(CallEvent::Reject);
                    return Next::End;
                }
                other => self.run_simple(other),
            }
        }
        Next::End
    }

    fn run_simple(&mut self, verb: &Verb) {
        match verb {
            Verb::Say { text, repeat } => {
                for _ in 0..*repeat {
                    self.seconds += say_seconds(text);
                    self.record(CallEvent::Say { text: text.clone() });
                }
            }
            Verb::Play { url } => {
                self.seconds += 5;
                self.record(CallEvent::Play { url: url.clone() });
            }
            Verb::Pause { seconds } => {
                self.seconds += seconds;
                self.record(CallEvent::Pause { seconds: *seconds });
            }
            Verb::Dial { number } => self.record(CallEvent::Dial {
                number: number.clone(),
            }),
            Verb::Message { .. } => self.record(CallEvent::Unsupported {
                verb: "Message".to_owned(),
            }),
            Verb::Unsupported { verb } => {
                self.record(CallEvent::Unsupported { verb: verb.clone() });
            }
            // Only reached for verbs nested in Gather, where Twilio does not allow them.
            Verb::Gather(_) | Verb::Redirect { .. } | Verb::Hangup | Verb::Reject => {
                self.record(CallEvent::Unsupported {
                    verb: "nested".to_owned(),
                });
            }
        }
    }

    /// The callee's answer to a Gather: `Some(next)` when the call moves to the action URL.
    fn gather(&mut self, gather: &Gather, base: Option<&str>) -> Option<Next> {
        let press = match &self.script {
            CallScript::Answer { digits } => digits.get(self.next_gather).cloned(),
            _ => None,
        };
        self.next_gather += 1;
        let digits = press
            .map(|p| gathered(&p, gather))
            .filter(|d| !d.is_empty());
        let action = gather
            .action
            .as_deref()
            .map_or_else(|| base.map(str::to_owned), |a| resolve(base, a));
        if digits.is_none() {
            self.seconds += gather.timeout_secs;
        }
        let post = digits.is_some() || gather.action_on_empty_result;
        let posted_to = action.filter(|_| post);
        self.record(CallEvent::Gather {
            digits: digits.clone(),
            action: posted_to.clone(),
        });
        let url = posted_to?;
        let extra = vec![
            ("Digits".to_owned(), digits.unwrap_or_default()),
            ("FinishedOnKey".to_owned(), String::new()),
        ];
        Some(Next::Fetch {
            url,
            method: gather.method.clone(),
            kind: CallbackKind::GatherAction,
            extra,
        })
    }
}

/// What follows a document.
enum Next {
    End,
    Fetch {
        url: String,
        method: String,
        kind: CallbackKind,
        extra: Vec<(String, String)>,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gather(num_digits: Option<usize>, finish: &str) -> Gather {
        Gather {
            action: None,
            method: "POST".into(),
            num_digits,
            finish_on_key: finish.into(),
            timeout_secs: 5,
            action_on_empty_result: false,
            children: vec![],
        }
    }

    #[test]
    fn digits_stop_at_finish_key_and_num_digits() {
        assert_eq!(gathered("12#3", &gather(None, "#")), "12");
        assert_eq!(gathered("1234", &gather(Some(1), "#")), "1");
        assert_eq!(gathered("12#", &gather(None, "")), "12#");
    }

    #[test]
    fn relative_urls_resolve_against_the_document() {
        assert_eq!(
            resolve(Some("https://h/a/b?x=1"), "c").as_deref(),
            Some("https://h/a/c")
        );
        assert_eq!(
            resolve(Some("https://h/a/b"), "/ack").as_deref(),
            Some("https://h/ack")
        );
        assert_eq!(resolve(None, "https://o/p").as_deref(), Some("https://o/p"));
        assert_eq!(resolve(None, "/ack"), None);
    }
}
