//! The commented example config (`alertd generate-config`) and the embedded defaults.

/// What `alertd generate-config` prints: every key, commented.
pub const EXAMPLE: &str = r#"# alertd configuration. Every key is optional unless marked required.
# Durations are text: "0s", "30s", "5m", "4h".

[server]
listen = "127.0.0.1:9870"              # address of the HTTP API
# public_url = "https://alerts.example.com"  # what Twilio calls back; signatures are checked against it
# bearer_token_file = "/etc/alertd/token"    # require `Authorization: Bearer <token>` on the API
max_body_bytes = 1048576               # larger request bodies get 413

[store]
path = "./alertd-data/alertd.db"       # SQLite (WAL); alerts are stored before the API answers 202

[twilio]
from = "+15005550006"                  # sender number, or:
# messaging_service_sid = "MG00000000000000000000000000000000"
# api_base = "https://api.twilio.com"  # env TWILIO_API_BASE overrides
# ca_file = "sim-ca.pem"               # extra trust anchor (simulator, proxy)
# Credentials come from the environment: TWILIO_ACCOUNT_SID + TWILIO_AUTH_TOKEN,
# or TWILIO_API_KEY + TWILIO_API_SECRET with the account SID; or auth_token_file.
# Without any credentials alertd logs what it would send instead (dry run).
dry_run = false
mps = 1.0                              # messages per second per From (1 for long codes)
segment_budget = 3                     # SMS text is shortened to fit this many segments
max_attempts = 8                       # retries (429, 5xx, timeouts) before giving up
retry_base = "1s"                      # first retry delay; doubles, with jitter
retry_max = "5m"
request_timeout = "10s"

[[rosters]]
name = "ops-week"
numbers = ["+15551230002", "+15551230003"]

[[receivers]]
name = "oncall"
sms = ["+15551230001"]
voice = ["+15551230001"]               # called as well as texted
# roster = "ops-week"                  # texts every number of the roster (roster_voice = true calls too)
send_resolved = true
# quiet_hours = { start = "22:00", end = "07:00", utc_offset = "+01:00", allow_severities = ["critical"] }

[[receivers]]
name = "sms-only"
roster = "ops-week"

# The routing tree, with Alertmanager's semantics: the first matching child wins
# (unless `continue = true`); unset values inherit from the parent.
[route]
receiver = "oncall"                    # required at the root
group_by = ["alertname"]               # ["..."] groups by every label; [] puts all in one group
group_wait = "30s"                     # Alertmanager's defaults
group_interval = "5m"
repeat_interval = "4h"

[[route.routes]]
matchers = ['severity!="critical"']
receiver = "sms-only"
"#;

/// The configuration alertd runs on when started without `--config` and no `alertd.toml`.
pub const EMBEDDED_DEFAULT: &str = r#"
[twilio]
from = "+15005550006"

[[receivers]]
name = "default"
sms = ["+15551230001"]

[route]
receiver = "default"
group_by = ["alertname"]
group_wait = "0s"
"#;
