//! Shared helpers for the simulator's integration tests: a webhook receiver and form helpers.
#![allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::sync::Notify;
use twilio_sim::{SimConfig, Simulator};

/// One webhook request the receiver got.
#[derive(Debug, Clone)]
pub struct Hook {
    pub method: String,
    /// The full URL as requested (what Twilio signs).
    pub url: String,
    pub path: String,
    pub signature: Option<String>,
    pub content_type: Option<String>,
    pub body: String,
    pub form: Vec<(String, String)>,
}

impl Hook {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.form
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A plain-HTTP server standing in for the application's webhooks.
pub struct Receiver {
    addr: SocketAddr,
    hooks: Arc<Mutex<Vec<Hook>>>,
    answers: Arc<Mutex<HashMap<String, (u16, String)>>>,
    changed: Arc<Notify>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Receiver {
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let hooks = Arc::new(Mutex::new(Vec::new()));
        let answers: Arc<Mutex<HashMap<String, (u16, String)>>> = Arc::default();
        let changed = Arc::new(Notify::new());
        let (h, a, c) = (hooks.clone(), answers.clone(), changed.clone());
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let (h, a, c) = (h.clone(), a.clone(), c.clone());
                tokio::spawn(async move {
                    let service =
                        hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
                            let (h, a, c) = (h.clone(), a.clone(), c.clone());
                            async move {
                                let (parts, body) = req.into_parts();
                                let body = body
                                    .collect()
                                    .await
                                    .map(|b| b.to_bytes().to_vec())
                                    .unwrap_or_default();
                                let header = |n: &str| {
                                    parts
                                        .headers
                                        .get(n)
                                        .and_then(|v| v.to_str().ok())
                                        .map(str::to_owned)
                                };
                                let path = parts.uri.path().to_owned();
                                let path_and_query = parts
                                    .uri
                                    .path_and_query()
                                    .map_or("/", |p| p.as_str())
                                    .to_owned();
                                let hook = Hook {
                                    method: parts.method.to_string(),
                                    url: format!("http://{addr}{path_and_query}"),
                                    path: path.clone(),
                                    signature: header("x-twilio-signature"),
                                    content_type: header("content-type"),
                                    form: form_urlencoded::parse(&body).into_owned().collect(),
                                    body: String::from_utf8_lossy(&body).into_owned(),
                                };
                                h.lock().unwrap().push(hook);
                                c.notify_waiters();
                                let (status, text) = a
                                    .lock()
                                    .unwrap()
                                    .get(&path)
                                    .cloned()
                                    .unwrap_or((200, "<Response/>".to_owned()));
                                let mut response = Response::new(Full::new(Bytes::from(text)));
                                *response.status_mut() =
                                    hyper::StatusCode::from_u16(status).unwrap();
                                response
                                    .headers_mut()
                                    .insert("content-type", "text/xml".parse().unwrap());
                                Ok::<_, Infallible>(response)
                            }
                        });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Self {
            addr,
            hooks,
            answers,
            changed,
            task,
        }
    }

    /// `http://127.0.0.1:PORT{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Answer requests to `path` with `status` and `body`.
    pub fn answer(&self, path: &str, status: u16, body: &str) {
        self.answers
            .lock()
            .unwrap()
            .insert(path.to_owned(), (status, body.to_owned()));
    }

    pub fn hooks(&self) -> Vec<Hook> {
        self.hooks.lock().unwrap().clone()
    }

    /// Waits until `n` hooks have arrived.
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> Vec<Hook> {
        tokio::time::timeout(timeout, async {
            loop {
                let notified = self.changed.notified();
                tokio::pin!(notified);
                notified.as_mut().enable();
                let hooks = self.hooks();
                if hooks.len() >= n {
                    return hooks;
                }
                notified.await;
            }
        })
        .await
        .unwrap_or_else(|_| panic!("expected {n} webhooks, got {:?}", self.hooks()))
    }
}

pub const WAIT: Duration = Duration::from_secs(10);

pub async fn sim() -> Simulator {
    Simulator::start(SimConfig::default()).await.unwrap()
}

/// POSTs a form to `url` with the simulator's credentials; returns status and JSON.
pub async fn post_form(
    sim: &Simulator,
    url: &str,
    form: &[(&str, &str)],
) -> (u16, serde_json::Value) {
    let response = sim
        .client()
        .unwrap()
        .post(url)
        .basic_auth(sim.account_sid(), Some(sim.auth_token()))
        .form(form)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

pub async fn get_json(sim: &Simulator, url: &str) -> (u16, serde_json::Value) {
    let response = sim
        .client()
        .unwrap()
        .get(url)
        .basic_auth(sim.account_sid(), Some(sim.auth_token()))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

pub async fn send_sms(
    sim: &Simulator,
    to: &str,
    body: &str,
    callback: Option<&str>,
) -> (u16, serde_json::Value) {
    let mut form = vec![("To", to), ("From", "+15005550006"), ("Body", body)];
    if let Some(cb) = callback {
        form.push(("StatusCallback", cb));
    }
    post_form(sim, &sim.messages_url(), &form).await
}

/// Checks a hook's signature twice: with the simulator's own signer and with twilio-core's
/// validator (independent implementations checking each other). GET hooks carry their
/// parameters in the URL, POST hooks in the raw form body.
pub fn signature_ok(sim: &Simulator, hook: &Hook) -> bool {
    let Some(signature) = hook.signature.as_deref() else {
        return false;
    };
    let params: Vec<(&str, &str)> = hook
        .form
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let ours = twilio_sim::signature::sign(sim.auth_token(), &hook.url, &params) == signature;
    let core_params = if hook.method == "GET" {
        twilio_core::webhook::Params::None
    } else {
        twilio_core::webhook::Params::Form(twilio_core::webhook::FormBody::new(
            hook.body.as_bytes(),
        ))
    };
    let core = twilio_core::webhook::validate(
        sim.auth_token().as_bytes(),
        &hook.url,
        core_params,
        signature,
    );
    assert_eq!(
        ours,
        core.is_ok(),
        "the two signature implementations disagree on {hook:?}: {core:?}"
    );
    ours && core.is_ok()
}

/// A tampered copy of a hook (one parameter changed) must fail twilio-core's validation.
pub fn tampered_fails(sim: &Simulator, hook: &Hook) -> bool {
    let tampered = format!("{}&Injected=1", hook.body);
    let params = twilio_core::webhook::Params::Form(twilio_core::webhook::FormBody::new(
        tampered.as_bytes(),
    ));
    let signature = hook.signature.as_deref().unwrap_or_default();
    twilio_core::webhook::validate(sim.auth_token().as_bytes(), &hook.url, params, signature)
        .is_err()
}
