//! The runs: `compare` (alertd vs Alertmanager), `crash` (kill -9 under load), `fault` (an
//! unreliable Twilio), `core-report` (criterion results as one table).

pub mod compare;
pub mod core_report;
pub mod crash;
pub mod fault;
pub mod memory;
pub mod wrk;

use std::collections::{HashMap, HashSet};
use std::time::SystemTime;

use crate::error::Result;
use crate::load::{Posted, alert_id, extract_id};
use crate::procs::sim::Sim;
use crate::stats::arrivals_by_id;

/// The ids of the alerts the server answered 2xx for.
pub fn accepted_ids(posted: &[Posted]) -> HashSet<String> {
    posted
        .iter()
        .filter(|p| p.accepted_at.is_some())
        .map(|p| alert_id(p.index))
        .collect()
}

/// Arrival times at the simulator of every accepted (201) CreateMessage, per alert id.
pub async fn notifications_by_id(sim: &Sim) -> Result<HashMap<String, Vec<SystemTime>>> {
    let requests = sim.requests().await?;
    Ok(arrivals_by_id(
        requests
            .iter()
            .filter(|r| r.is_create_message() && r.status == 201)
            .filter_map(|r| Some((extract_id(r.form_value("Body")?)?, r.received_at))),
    ))
}

/// Waits (polling the simulator) until every id in `ids` has a notification or `timeout`
/// passes; returns the notifications seen.
#[allow(clippy::implicit_hasher)]
pub async fn wait_for_ids(
    sim: &Sim,
    ids: &HashSet<String>,
    timeout: std::time::Duration,
) -> Result<HashMap<String, Vec<SystemTime>>> {
    let start = std::time::Instant::now();
    loop {
        // Counting messages is cheap; the full request log is read once they are all there.
        let messages = sim.messages().await?;
        let seen: HashSet<&str> = messages
            .iter()
            .filter_map(|m| extract_id(&m.body))
            .collect();
        if ids.iter().all(|id| seen.contains(id.as_str())) || start.elapsed() > timeout {
            return notifications_by_id(sim).await;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
}
