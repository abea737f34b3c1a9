//! The commented example config (`alertd generate-config`) and the embedded defaults.

/// What `alertd generate-config` prints: every key, commented.
pub const EXAMPLE: &str = r#"# alertd configuration. Every key is optional unless marked required.
# Durations are text: "0s", "30s", "5m", "4h".

[server]
listen = "127.0.0.1:9870"              # address of the HTTP API
# public_url = "https://alerts.example.com"  # what Twilio calls back; signatures are checked against it
# allowed_hosts = ["gateway.plant-b.lan"]    # DNS names the API answers to besides localhost and public_url's (IPs always)
# bearer_token_file = "/etc/alertd/token"    # require `Authorization: Bearer <token>` on the API
# allow_unauthenticated_remote = false      # true: no token needed on a non-loopback listen address
max_body_bytes = 1048576               # larger request bodies get 413
# shutdown_grace = "10s"               # SIGTERM/SIGINT: how long sends in flight may take to finish
# header_read_timeout = "10s"          # a request head slower than this closes the connection
# body_read_timeout = "30s"            # a request body slower than this gets 408
# idle_timeout = "60s"                 # keep-alive connections idle this long are closed
# max_connections = 4096               # at most, and never more than the open-files limit allows
# log_format = "text"                  # or "json" (one object per line); --log-format wins
# tls_cert_file = "/etc/alertd/tls/fullchain.pem"   # serve the API over HTTPS (with tls_key_file)
# tls_key_file = "/etc/alertd/tls/privkey.pem"

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
sms_segment_price = 0.0083             # USD per SMS segment, for the costs check-config prints

# Alerts posted to /api/v1/alerts without endsAt resolve this long after they were last posted,
# unless posted again (Alertmanager's resolve_timeout). Alertmanager's webhook and MQTT alerts
# fire until they are resolved.
[alerts]
resolve_timeout = "5m"

[[rosters]]
name = "ops-week"
numbers = ["+15551230002", "+15551230003"]

[[receivers]]
name = "oncall"
sms = ["+15551230001"]
voice = ["+15551230001"]               # called as well as texted
# roster = "ops-week"                  # texts every number of the roster (roster_voice = true calls too)
send_resolved = true
# quiet_hours = { start = "22:00", end = "07:00", location = "Europe/Berlin", allow_severities = ["critical"] }
#   (location is an IANA zone and follows daylight saving; a fixed utc_offset = "+01:00" does not)
# Texts are minijinja templates; without these keys alertd's defaults are used. See the
# configuration reference for the variables (status, alerts, firing, groupLabels, ...).
# sms_template = "{{ firingCount }} firing: {{ groupLabels.alertname }}"
# sms_template_file = "templates/oncall-sms.j2"   # or the template in a file (not both)
# voice_template = "{{ firingCount }} alerts firing at {{ commonLabels.site | default('the plant') }}."
# voice_template_file = "templates/oncall-call.j2"

[[receivers]]
name = "sms-only"
roster = "ops-week"

# Escalation policies: steps go out in order until someone acknowledges: digit 1 in the call,
# an "ACK <id>" (or just "ACK") SMS reply, or POST /api/v1/alerts/<id>/ack. Digit 2 skips to the
# next step at once. `to` is a [[rosters]] name or an E.164 number; `after` counts from the start
# of a pass; `repeat` runs the whole list again that many times, `repeat_delay` after the last
# step; `repeat_delay` after the last pass's last step it has run out and `on_exhausted` (a roster
# or a number) is texted. Calls need server.public_url (Twilio posts the keypress there) and
# detect answering machines: a voicemail never acknowledges. Point Twilio's inbound SMS webhook
# for your number at public_url + /twilio/inbound for SMS acknowledgements.
[[escalations]]
name = "critical"
repeat = 2
repeat_delay = "5m"
# on_exhausted = "+15551230010"         # told when nobody acknowledged
# sms_template = "{{ firing[0].labels.alertname }}: {{ firing[0].annotations.summary }}"  # the step SMS's alert text; "Reply ACK <id> ..." is added after it
# sms_template_file = "templates/page-sms.j2"
# voice_template = "Page {{ shortId }}. {{ firingCount }} alerts firing."            # what its calls say
# voice_template_file = "templates/page-call.j2"
steps = [
  { channel = "sms", to = "ops-week", after = "0s" },       # text the on-call now
  { channel = "voice", to = "ops-week", after = "2m" },     # call them after 2 min if unacknowledged
  { channel = "voice", to = "+15551230009", after = "5m" }, # then call the backup
]

# The routing tree, with Alertmanager's semantics: the first matching child wins
# (unless `continue = true`); unset values inherit from the parent.
[route]
receiver = "oncall"                    # required at the root
group_by = ["alertname"]               # ["..."] groups by every label; [] puts all in one group
group_wait = "30s"                     # Alertmanager's defaults
group_interval = "5m"
repeat_interval = "4h"
escalation = "critical"                # an [[escalations]] policy (inherited by child routes)
escalation_severities = ["critical"]   # the default; [] escalates every alert

[[route.routes]]
matchers = ['severity!="critical"']
receiver = "sms-only"
# mute_time_intervals = ["offhours"]   # no notifications while a [[time_intervals]] name holds
# active_time_intervals = ["offhours"] # notifications only while one holds (neither is inherited)

# Time intervals (Alertmanager's): named recurring periods routes mute or activate with. A
# period holds when every part it lists holds; times end exclusive ("24:00" is midnight);
# negative days count from the end of the month. A muted route's groups notify at their first
# flush after the period, and start no escalation while muted.
# [[time_intervals]]
# name = "offhours"
# [[time_intervals.time_intervals]]
# times = [{ start_time = "18:00", end_time = "24:00" }, { start_time = "00:00", end_time = "08:00" }]
# weekdays = ["monday:friday"]         # "saturday", "monday:friday"
# days_of_month = ["1:-1"]             # "1", "1:15", "-1" (the last day), "-7:-1"
# months = ["january:december"]        # names or numbers, "6:8"
# years = ["2026:2030"]
# location = "Europe/Berlin"           # IANA zone of the parts; default UTC

# Inhibition (Alertmanager's): while a firing alert matches source_matchers, alerts matching
# target_matchers that have the same value of every `equal` label are muted, in texts and
# escalations, as silenced ones are.
# [[inhibit_rules]]
# source_matchers = ['alertname="SiteDown"']
# target_matchers = ['kind="sensor"']
# equal = ["site"]

# MQTT readings (optional, MQTT 5): each reading is evaluated with twilio-core's threshold
# evaluator, one evaluator per concrete topic (per device); crossings become firing/resolved
# alerts. A message over 1 KiB (topic and payload) is no reading: counted, not evaluated.
# [mqtt]
# host = "127.0.0.1"
# port = 1883                          # 8883 with tls
# tls = true                           # MQTTS; the broker's certificate is always verified
# ca_file = "/etc/alertd/mqtt-ca.pem"  # the CA of the broker's certificate (else Mozilla's roots)
# client_cert_file = "/etc/alertd/mqtt-client.pem"   # mutual TLS, with client_key_file
# client_key_file = "/etc/alertd/mqtt-client-key.pem"
# reconnect_min = "500ms"              # backoff doubles up to reconnect_max while the broker is away
# reconnect_max = "30s"
# max_packet_bytes = 65536             # MQTT 5 Maximum Packet Size: the broker drops bigger messages
# max_topics = 10000                   # evaluators kept; a new topic beyond takes the least recent's place
#
# [[mqtt.topics]]
# filter = "sensors/+/temperature"     # payload: 21.5, or {"value": 21.5, "timestamp": 1767268800}
# alertname = "BoilerHot"
# device_level = 2                     # topic level 2 becomes the `device` label
# labels = { site = "plant-1" }
# unit = "C"
# direction = "rising"                 # or "falling"
# warning = 90.0
# critical = 100.0
# hysteresis = 2.0
# debounce_samples = 2
# debounce_hold = "0s"
# cooldown = "0s"

# SMS opt-out: STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT, OPTOUT, REVOKE texted to your
# number (its messaging webhook: public_url + /twilio/inbound) stop SMS to the sender; START,
# YES, UNSTOP resume them; HELP, INFO get the help text. Calls still go out. Twilio error 21610
# on a send opts the number out too. `reply = "twiml"` answers with a TwiML <Message> (numbers
# without Advanced Opt-Out); use "none" where Twilio already replies (Advanced Opt-Out).
[opt_out]
reply = "twiml"
# stop_reply = "You have successfully been unsubscribed. ..."   # Twilio's default texts
# start_reply = "You have successfully been re-subscribed to messages from this number. ..."
# help_reply = "Reply STOP to unsubscribe. Msg&Data Rates May Apply."

# TradingView's webhook (optional): point an alert's Webhook URL at
# https://<your host>/hooks/tradingview/<token>. TradingView cannot set headers, so the token in
# the path is the credential (a wrong one gets 404). It posts only to ports 80 and 443.
# [sources.tradingview]
# token_file = "/etc/alertd/tradingview-token"   # or token = "...", or env ALERTD_TRADINGVIEW_TOKEN
# allowed_ips = ["52.89.214.238", "34.212.75.30", "54.218.53.128", "52.32.178.7"]  # peers allowed; empty: any
# resolve_after = "1h"                 # TradingView never resolves: an alert ends this long after it last fired

# Heartbeats (dead-man's switches): POST /api/v1/heartbeats/<name>, a message on mqtt_topic, or
# any request from a relay device naming it pings; silence for `timeout` fires HeartbeatMissing
# (label heartbeat = name), the next ping resolves it. After a restart each gets a whole timeout.
# [[heartbeats]]
# name = "boiler-3"
# timeout = "5m"
# severity = "critical"
# mqtt_topic = "devices/boiler-3/status"   # needs [mqtt]

# Price streams: a WebSocket JSON feed (an exchange's public ticker stream) and rules on its
# price, each one alert per crossing (PriceAbove, PriceBelow, PriceMove; label ticker = name)
# with hysteresis and cooldown, resolved when the price is back, evaluated by twilio-core.
# [[price_streams]]
# name = "BTCUSDT"
# url = "wss://stream.example-exchange.com/ws"
# price_pointer = "/c"                 # JSON pointer to the price (a number or a numeric string)
# subscribe = '{"method": "SUBSCRIBE", "params": ["btcusdt@ticker"], "id": 1}'   # sent after each connect
# above = 100000.0
# below = 90000.0
# hysteresis = 500.0                   # price units back past the level before it clears
# percent = 2.0                        # a move up or down of 2% within window
# window = "5m"
# percent_hysteresis = 0.5             # the move must fall under percent - this to clear
# cooldown = "0s"                      # least time between two alerts of one rule
# severity = "warning"
# labels = { desk = "crypto" }
# reconnect_min = "1s"                 # backoff doubles up to reconnect_max
# reconnect_max = "60s"

# Device relay (optional): boards send Twilio's own requests (POST .../Messages.json or
# .../Calls.json) here instead of api.twilio.com; alertd authenticates each device, rate-limits,
# deduplicates, stores them in the outbox (201 = on disk) and forwards them.
# [relay]
# listen = "0.0.0.0:8443"
# tls_cert_file = "relay-cert.pem"     # the gateway's certificate chain (PEM)
# tls_key_file = "relay-key.pem"
# plain_http = false                   # true only on a loopback listen address
# dedup_window = "5m"                  # same device, To and Body within this: the first SID, sent once
# sms_segment_price = 0.0083           # USD per relayed SMS segment, for daily_spend_limit
# call_price = 0.03                    # USD per relayed call
#
# [[relay.devices]]
# name = "freezer-2"
# account_sid = "AC0123456789abcdef0123456789abcdef"   # in the device's URLs (and its user, with a token)
# # api_key = "SK0123456789abcdef0123456789abcdef"     # the device authenticates with an API key instead
# secret_env = "FREEZER2_SECRET"       # or secret_file = "...": the device's auth token / key secret
# allowed_from = ["+15005550006"]      # From numbers (or MG services) this device may use
# # allowed_to = ["+15551230001", "+4420*"]   # default: alertd's own receiver, roster and escalation numbers
# max_segments = 3                     # longer SMS are refused
# daily_spend_limit = 2.0              # USD in any 24 hours; then 429 until spend ages out
# rate_per_minute = 30
# burst = 10
# # heartbeat = "freezer-2"            # every authenticated request pings this [[heartbeats]] entry
"#;

/// The configuration alertd runs on when started without `--config` and no `alertd.toml`.
pub(crate) const EMBEDDED_DEFAULT: &str = r#"
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
