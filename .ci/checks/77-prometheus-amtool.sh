#!/usr/bin/env bash
# alertd as Prometheus's Alertmanager, checked with the real clients (Debian's `prometheus` and
# `prometheus-alertmanager`, which ships amtool): Prometheus, with a rule that fires at once and
# `alerting.alertmanagers` (api_version: v2, bearer token) pointed at alertd, gets an SMS to
# twilio-sim; then amtool drives alertd's API v2: alert query, silence add, query (also -o json),
# import of an exported file (in place, and as a new silence for an unknown id), expire, and
# config show (secrets hidden). Every wait is bounded; everything started is stopped on exit.
# KEEP_WORK=1 keeps the work folder (configs and logs) to look at after a failure.
set -euo pipefail
source "$ROOT/.ci/lib.sh"
apt_install prometheus prometheus-alertmanager
command -v curl > /dev/null || apt_install curl ca-certificates
command -v python3 > /dev/null || apt_install python3
cd "$ROOT"
cargo build -p alertd -p twilio-sim --locked
target="${CARGO_TARGET_DIR:-$ROOT/target}"
work=$(mktemp -d)
if [ -n "${KEEP_WORK:-}" ]; then echo "work dir (kept): $work"; fi
# Whether any of the given processes still runs (a zombie has stopped).
cleanup() {
  local pids=(${prom_pid:-} ${alertd_pid:-} ${sim_pid:-}) pid
  [ ${#pids[@]} -eq 0 ] || kill "${pids[@]}" 2> /dev/null || true
  # Five seconds to stop on SIGTERM, then SIGKILL.
  for _ in $(seq 1 50); do
    running "${pids[@]}" || break
    sleep 0.1
  done
  for pid in "${pids[@]}"; do kill -9 "$pid" 2> /dev/null || true; done
  [ -n "${KEEP_WORK:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAILED: $*"
  for log in alertd.log prometheus.log sim.log; do
    [ -f "$work/$log" ] && { echo "--- $log (tail)"; tail -n 30 "$work/$log"; }
  done
  exit 1
}


api_port=$(free_port)
prom_port=$(free_port)
api="http://127.0.0.1:$api_port"
token="ci-prometheus-token-$RANDOM$RANDOM"
account=AC0123456789abcdef0123456789abcdef

start_sim "$target/debug/twilio-sim" "$work"

cat > "$work/alertd.toml" << TOML
[server]
listen = "127.0.0.1:$api_port"
public_url = "http://127.0.0.1:$api_port"
bearer_token = "$token"
[store]
path = "alertd.db"
[twilio]
from = "+15005550006"
api_base = "$sim"
ca_file = "sim-ca.pem"
[[receivers]]
name = "oncall"
sms = ["+15551230001"]
[route]
receiver = "oncall"
group_by = ["alertname"]
group_wait = "0s"
TOML
(cd "$work" && exec env TWILIO_ACCOUNT_SID="$account" TWILIO_AUTH_TOKEN=fedcba9876543210fedcba9876543210 \
  "$target/debug/alertd" run --config alertd.toml > alertd.log 2>&1) &
alertd_pid=$!
wait_for 20 "alertd's /healthz" curl -sf "$api/healthz"

# Prometheus: a rule that fires at once, sent to alertd's API v2 with the bearer token.
cat > "$work/rules.yml" << 'YAML'
groups:
  - name: ci
    interval: 1s
    rules:
      - alert: CiPrometheusAlert
        expr: vector(1)
        labels:
          severity: critical
          site: ci
        annotations:
          summary: raised by Prometheus in CI
YAML
cat > "$work/prometheus.yml" << YAML
global:
  evaluation_interval: 1s
rule_files:
  - rules.yml
alerting:
  alertmanagers:
    - api_version: v2
      authorization:
        credentials: "$token"
      static_configs:
        - targets: ["127.0.0.1:$api_port"]
YAML
promtool check config "$work/prometheus.yml"
# It re-sends firing alerts every resend delay (1m by default); the first one goes nowhere when
# the rule fires before the Alertmanager is discovered, so a short delay keeps the check short.
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/prom-data" \
  --web.listen-address="127.0.0.1:$prom_port" --rules.alert.resend-delay=1s > "$work/prometheus.log" 2>&1 &
prom_pid=$!

sms_arrived() {
  curl -sf --cacert "$work/sim-ca.pem" "$sim/_sim/messages" | grep -q 'CiPrometheusAlert'
}
wait_for 60 "the SMS about Prometheus's alert at twilio-sim" sms_arrived
curl -sf --cacert "$work/sim-ca.pem" "$sim/_sim/messages" | python3 -c '
import json, sys
msgs = [m for m in json.load(sys.stdin) if "CiPrometheusAlert" in m["body"]]
assert len(msgs) == 1, msgs
m = msgs[0]
assert m["to"] == "+15551230001" and m["body"].startswith("[FIRING:1] CiPrometheusAlert"), m
print("SMS at twilio-sim:", json.dumps(m["body"]))'
curl -sf "http://127.0.0.1:$prom_port/api/v1/alertmanagers" | grep -q "127.0.0.1:$api_port/api/v2/alerts" ||
  fail "Prometheus does not list alertd's /api/v2/alerts as its Alertmanager"

# amtool, with no config but ours: the bearer token comes from its HTTP config file.
cat > "$work/amtool-http.yml" << YAML
authorization:
  credentials: "$token"
YAML
am() { HOME="$work" amtool --alertmanager.url="$api" --http.config.file="$work/amtool-http.yml" "$@"; }
json_check() { python3 -c "import json, sys; data = json.load(sys.stdin); $1"; }

am alert query | tee "$work/alerts.txt"
grep -q CiPrometheusAlert "$work/alerts.txt" || fail "amtool alert query does not list the alert"
am -o json alert query alertname=CiPrometheusAlert | json_check '
a = data[0]
assert len(data) == 1 and a["receivers"] == [{"name": "oncall"}], data
assert a["status"]["state"] == "active" and a["labels"]["site"] == "ci", a
assert len(a["fingerprint"]) == 16, a'

id1=$(am silence add alertname=CiPrometheusAlert site=ci --duration=1h --author=ci --comment="CI silence")
echo "silence added: $id1"
[[ "$id1" =~ ^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$ ]] || fail "silence id $id1 is not a UUID"
am silence query | tee "$work/silences.txt"
grep -q "$id1" "$work/silences.txt" || fail "amtool silence query does not list $id1"
am -o json silence query alertname=CiPrometheusAlert > "$work/export.json"
ID="$id1" json_check '
import os
assert [s["id"] for s in data] == [os.environ["ID"]], data
s = data[0]
assert s["status"]["state"] == "active" and s["createdBy"] == "ci" and s["comment"] == "CI silence", s
assert {"name": "site", "value": "ci", "isRegex": False, "isEqual": True} in s["matchers"], s' < "$work/export.json"

# The silence mutes the alert: alert query shows it only when asked for silenced alerts.
am alert query | grep -q CiPrometheusAlert && fail "a silenced alert is listed as active"
am alert query --silenced | grep -q CiPrometheusAlert || fail "amtool alert query --silenced misses the alert"
am -o json alert query --silenced | ID="$id1" json_check '
import os
a = data[0]
assert a["status"]["state"] == "suppressed" and a["status"]["silencedBy"] == [os.environ["ID"]], a'

# Import: an id alertd holds is updated in place; an unknown id is refused with 404, which amtool
# retries as a new silence.
[ "$(am silence import "$work/export.json")" = "$id1" ] || fail "re-importing $id1 did not update it in place"
sed "s/$id1/00000000-0000-4000-8000-000000000000/" "$work/export.json" > "$work/unknown.json"
id2=$(am silence import "$work/unknown.json")
echo "imported as: $id2"
[ -n "$id2" ] && [ "$id2" != "$id1" ] && [ "$id2" != 00000000-0000-4000-8000-000000000000 ] ||
  fail "an unknown id was not imported as a new silence ($id2)"
[ "$(am silence query -q | sort | tr '\n' ' ')" = "$(printf '%s\n' "$id1" "$id2" | sort | tr '\n' ' ')" ] ||
  fail "silence query -q does not list exactly $id1 and $id2"

am silence expire "$id1" "$id2"
[ -z "$(am silence query -q)" ] || fail "expired silences are still listed as active"
[ "$(am silence query --expired -q | sort | tr '\n' ' ')" = "$(printf '%s\n' "$id1" "$id2" | sort | tr '\n' ' ')" ] ||
  fail "silence query --expired does not list both expired silences"
am alert query | grep -q CiPrometheusAlert || fail "the alert is not active again after the silences expired"

# The status amtool reads: no clustering, the config without its secrets.
am config show > "$work/config.txt"
grep -q '<secret>' "$work/config.txt" || fail "config show does not show the hidden token"
grep -q "$token" "$work/config.txt" && fail "config show reveals the bearer token"

# Without the token: 401; a bad silence: 400 with the reason as a JSON string.
code=$(curl -s -o /dev/null -w '%{http_code}' "$api/api/v2/alerts")
[ "$code" = 401 ] || fail "GET /api/v2/alerts without the token answered $code"
code=$(curl -s -o "$work/bad.json" -w '%{http_code}' -H "Authorization: Bearer $token" \
  -H 'Content-Type: application/json' -X POST "$api/api/v2/silences" \
  -d '{"matchers": [], "startsAt": "2030-01-01T00:00:00Z", "endsAt": "2030-01-01T01:00:00Z", "createdBy": "ci", "comment": "x"}')
[ "$code" = 400 ] && json_check 'assert "matcher" in data, data' < "$work/bad.json" ||
  fail "a silence without matchers answered $code: $(cat "$work/bad.json")"

echo "Prometheus and amtool against alertd's API v2 passed"
