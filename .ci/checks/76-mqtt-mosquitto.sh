#!/usr/bin/env bash
# alertd's MQTT tests against a real mosquitto (they run against an in-process rumqttd
# otherwise): ALERTD_TEST_MOSQUITTO names the binary; fails unless some MQTT test ran and passed.
# Then one reading over TLS: mosquitto's own TLS listener with a CA and server certificate made
# by openssl here, alertd (a dry run) subscribed with `tls = true` and that CA as `ca_file`, a
# reading published on the plain listener: alertd connects, raises the alert, and a broker
# certificate from another CA is refused with the reason in alertd's log.
set -euo pipefail
source "$ROOT/.ci/lib.sh"
apt_install mosquitto mosquitto-clients openssl curl
cd "$ROOT"
mosquitto_bin=$(command -v mosquitto || echo /usr/sbin/mosquitto)
[ -x "$mosquitto_bin" ] || { echo "no mosquitto binary at $mosquitto_bin"; exit 1; }
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
log="$work/test.log"
ALERTD_TEST_MOSQUITTO="$mosquitto_bin" cargo test -p alertd --locked --test it mqtt 2>&1 | tee "$log"
grep -Eq '^test result: ok\. [1-9][0-9]* passed' "$log" || { echo "no MQTT test ran against mosquitto"; exit 1; }
echo "MQTT tests against mosquitto passed"

section "MQTT over TLS against mosquitto's TLS listener"
cargo build -q -p alertd --locked
alertd_bin="${CARGO_TARGET_DIR:-$ROOT/target}/debug/alertd"
fail() { echo "FAIL: $*"; tail -n 30 "$work"/alertd*.log "$work/mosquitto.log" 2>/dev/null || true; exit 1; }

# A CA, and a server certificate for localhost it signed; another CA alertd must not accept.
ca() { openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
  -subj "/CN=$2" -keyout "$work/$1-key.pem" -out "$work/$1.pem" 2>/dev/null; }
ca ca "alertd check CA"
ca other-ca "alertd check other CA"
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
  -keyout "$work/server-key.pem" -out "$work/server.csr" 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' > "$work/ext.cnf"
openssl x509 -req -in "$work/server.csr" -CA "$work/ca.pem" -CAkey "$work/ca-key.pem" \
  -CAcreateserial -days 2 -extfile "$work/ext.cnf" -out "$work/server.pem" 2>/dev/null
# mosquitto started as root drops to its own user, which must read these test-only files.
chmod 755 "$work"
chmod 644 "$work"/*.pem

plain=$(free_port)
tls=$(free_port)
cat > "$work/mosquitto.conf" <<CONF
per_listener_settings false
allow_anonymous true
persistence false
listener $plain 127.0.0.1
listener $tls 127.0.0.1
cafile $work/ca.pem
certfile $work/server.pem
keyfile $work/server-key.pem
CONF
"$mosquitto_bin" -c "$work/mosquitto.conf" > "$work/mosquitto.log" 2>&1 &
pids+=($!)
disown # killed by the cleanup; not a job to report
wait_for 10 "mosquitto's TLS listener" bash -c "exec 3<>/dev/tcp/127.0.0.1/$tls"

start_alertd() { # start_alertd NAME CA_FILE: alertd subscribed over TLS; sets $api to its API port
  api=$(free_port)
  cat > "$work/$1.toml" <<TOML
[server]
listen = "127.0.0.1:$api"
[store]
path = "$work/$1.db"
[mqtt]
host = "localhost"
port = $tls
tls = true
ca_file = "$2"
client_id = "alertd-$1"
reconnect_min = "100ms"
reconnect_max = "500ms"
[[mqtt.topics]]
filter = "sensors/+/temperature"
alertname = "BoilerHot"
device_level = 2
warning = 90.0
[[receivers]]
name = "oncall"
sms = ["+15551230001"]
[route]
receiver = "oncall"
group_wait = "0s"
TOML
  # TMPDIR: alertd's private socket directory goes in $work, which the cleanup removes.
  TMPDIR="$work" "$alertd_bin" run --config "$work/$1.toml" > "$work/alertd-$1.log" 2>&1 &
  pids+=($!)
  disown
}
metric() { curl -sf "http://127.0.0.1:$1/metrics" | awk -v m="$2" '$1 == m { print $2 }'; }
at_least() { local v; v=$(metric "$1" "$2"); [ -n "$v" ] && [ "${v%.*}" -ge "$3" ]; }

started=$(date +%s%3N)
start_alertd trusted "$work/ca.pem"
wait_for 20 "alertd connected over TLS" at_least "$api" alertd_mqtt_connections_total 1
connected_ms=$(( $(date +%s%3N) - started ))
mosquitto_pub -h 127.0.0.1 -p "$plain" -q 1 -r -t sensors/boiler-1/temperature -m 95.5
wait_for 20 "the reading's alert" at_least "$api" alertd_mqtt_alerts_total 1
echo "over TLS: connected in ${connected_ms} ms, reading alerted"

start_alertd untrusted "$work/other-ca.pem"
wait_for 20 "the untrusted broker refused" grep -q "invalid peer certificate" "$work/alertd-untrusted.log"
[ "$(metric "$api" alertd_mqtt_connections_total)" = "0" ] || fail "connected to an untrusted broker"
grep -o "MQTT broker unreachable ([^)]*)" "$work/alertd-untrusted.log" | head -n 1
echo "MQTT over TLS against mosquitto passed"
