//! alertd in this process with tests/twilio-sim as its Twilio over real TLS: the simulator's
//! CA written to a file, its credentials in the env lookup, a SQLite store in `dir`.

use std::path::Path;
use std::sync::Arc;

use alertd::app::{self, RunningApp, StartOptions};
use alertd::config::Config;
use alertd::config::secrets::EnvLookup;
use alertd::store::sqlite::SqliteStore;
use twilio_sim::Simulator;

/// Starts alertd (system clock) with the config `config(twilio_head)` returns, listening
/// where its `[server] listen` says. `twilio_head` is the `[twilio]` header with the
/// simulator's `api_base` and `ca_file`; keys written right after it belong to that table.
pub(crate) async fn start_against_sim(
    sim: &Simulator,
    dir: &Path,
    config: impl FnOnce(&str) -> String,
) -> RunningApp {
    let sim_ca = dir.join("sim-ca.pem");
    std::fs::write(&sim_ca, sim.ca_pem()).unwrap();
    let twilio_head = format!(
        "[twilio]\napi_base = \"{}\"\nca_file = \"{}\"\n",
        sim.base_url(),
        sim_ca.display()
    );
    let cfg = Config::parse(&config(&twilio_head)).unwrap();
    let (account, token) = (sim.account_sid().to_owned(), sim.auth_token().to_owned());
    let env: EnvLookup = Arc::new(move |name| match name {
        "TWILIO_ACCOUNT_SID" => Some(account.clone()),
        "TWILIO_AUTH_TOKEN" => Some(token.clone()),
        _ => None,
    });
    let store = Arc::new(SqliteStore::open(&dir.join("alertd.db")).unwrap());
    app::start_with_store(
        &cfg,
        StartOptions {
            env,
            ..StartOptions::default()
        },
        store,
        cfg.listen_addr().unwrap(),
    )
    .await
    .unwrap()
}
