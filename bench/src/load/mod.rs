//! The load generator: alerts POSTed to alertd's `/api/v1/alerts` or Alertmanager's
//! `/api/v2/alerts` (both take the same JSON array of `{labels, annotations}`), one alert per
//! request, either closed-loop (N clients as fast as answers come) or open-loop at a fixed rate.

pub mod webhook;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime};

use crate::error::{BenchError, Result};

/// The label value that identifies alert `index` (unique within a run).
pub fn alert_id(index: usize) -> String {
    format!("bench-{index}")
}

/// Finds the alert id in a notification text (`... bench-123 ...`).
///
/// ```
/// use alertd_bench::load::extract_id;
/// assert_eq!(extract_id("[FIRING:1] Bench\n- bench-42"), Some("bench-42"));
/// ```
pub fn extract_id(text: &str) -> Option<&str> {
    let start = text.find("bench-")?;
    let rest = &text[start + "bench-".len()..];
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    (digits > 0).then(|| &text[start..start + "bench-".len() + digits])
}

/// The request body for one alert: accepted as is by both alertd and Alertmanager.
pub fn alert_body(index: usize) -> String {
    let id = alert_id(index);
    format!(
        r#"[{{"labels":{{"alertname":"Bench","id":"{id}","severity":"warning"}},"annotations":{{"summary":"{id}"}}}}]"#
    )
}

/// One alert's POST.
#[derive(Debug, Clone)]
pub struct Posted {
    /// Which alert.
    pub index: usize,
    /// When its (last) attempt started.
    pub started: SystemTime,
    /// When the 2xx answer came, if one did.
    pub accepted_at: Option<SystemTime>,
    /// Attempts made.
    pub attempts: u32,
}

/// An HTTP client for loading a server on loopback.
pub fn client() -> Result<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .pool_idle_timeout(Duration::from_secs(30))
        .build()
        .map_err(BenchError::http("build the load client"))
}

/// Posts alert `index` to `url`; retries every 50 ms while `retry_for` allows.
async fn post_one(
    client: &reqwest::Client,
    url: &str,
    index: usize,
    retry_for: Duration,
) -> Posted {
    let first = Instant::now();
    let mut attempts = 0;
    loop {
        attempts += 1;
        let started = SystemTime::now();
        let ok = client
            .post(url)
            .header("content-type", "application/json")
            .body(alert_body(index))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success());
        if ok {
            return Posted {
                index,
                started,
                accepted_at: Some(SystemTime::now()),
                attempts,
            };
        }
        if first.elapsed() >= retry_for {
            return Posted {
                index,
                started,
                accepted_at: None,
                attempts,
            };
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// `clients` concurrent clients post alerts `0..n` as fast as they are answered; returns the
/// posts and the wall time the whole load took.
pub async fn closed_loop(url: &str, n: usize, clients: usize) -> Result<(Vec<Posted>, Duration)> {
    let client = client()?;
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let mut tasks = Vec::with_capacity(clients);
    for _ in 0..clients.max(1) {
        let (client, url, next) = (client.clone(), url.to_owned(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut done = Vec::new();
            loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                if index >= n {
                    return done;
                }
                done.push(post_one(&client, &url, index, Duration::ZERO).await);
            }
        }));
    }
    let mut posted = Vec::with_capacity(n);
    for t in tasks {
        posted.extend(
            t.await
                .map_err(|e| BenchError::Setup(format!("load task: {e}")))?,
        );
    }
    Ok((posted, start.elapsed()))
}

/// Posts alerts `first..first + n` at `rate` per second (open loop: a slow answer does not delay
/// the next alert). Each alert is retried until answered 2xx or `retry_for` has passed.
pub async fn open_loop(
    url: &str,
    first: usize,
    n: usize,
    rate: f64,
    retry_for: Duration,
) -> Result<Vec<Posted>> {
    let client = client()?;
    let interval = Duration::from_secs_f64(1.0 / rate.max(0.001));
    let start = tokio::time::Instant::now();
    let mut tasks = Vec::with_capacity(n);
    for (k, index) in (first..first + n).enumerate() {
        tokio::time::sleep_until(start + interval * u32::try_from(k).unwrap_or(u32::MAX)).await;
        let (client, url) = (client.clone(), url.to_owned());
        tasks.push(tokio::spawn(async move {
            post_one(&client, &url, index, retry_for).await
        }));
    }
    let mut posted = Vec::with_capacity(n);
    for t in tasks {
        posted.push(
            t.await
                .map_err(|e| BenchError::Setup(format!("load task: {e}")))?,
        );
    }
    Ok(posted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_through_notification_texts() {
        assert_eq!(extract_id("[FIRING:1] Bench\n- bench-42"), Some("bench-42"));
        assert_eq!(extract_id("bench-7 and bench-8"), Some("bench-7"));
        assert_eq!(extract_id("bench-"), None);
        assert_eq!(extract_id("nothing here"), None);
        let body: serde_json::Value = serde_json::from_str(&alert_body(9)).unwrap();
        assert_eq!(body[0]["labels"]["id"], "bench-9");
        assert_eq!(extract_id(body.to_string().as_str()), Some("bench-9"));
    }
}
