#!/usr/bin/env bash
# alertd's device relay with a stock Twilio client: the official `twilio` Python package
# (pip, in a venv, installed once) sends a message and a call to a running alertd relay over
# TLS (REQUESTS_CA_BUNDLE = a test CA made for this run), fetches the message, and gets
# Twilio's errors for bad credentials, a missing Body, premium destinations, refused TwiML
# verbs, a Url, oversized messages and a device over its daily spend limit; alertd forwards
# the two valid requests to twilio-sim,
# and `alertd status` maps the relay SIDs to the simulator's.
set -euo pipefail
source "$ROOT/.ci/lib.sh"
cd "$ROOT"
command -v python3 > /dev/null || apt_install python3
command -v curl > /dev/null || apt_install curl ca-certificates
python3 -m venv --help > /dev/null 2>&1 || apt_install python3-venv
target="${CARGO_TARGET_DIR:-$ROOT/target}"
venv="$target/ci-relay-venv"
if ! "$venv/bin/python" -c 'import twilio' 2> /dev/null; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet 'twilio>=9,<10'
fi
"$venv/bin/python" -c 'import twilio; print("twilio", twilio.__version__)'

cargo build -p alertd -p twilio-sim --locked
cargo build -p alertd --example relay_test_cert --locked
work=$(mktemp -d)
trap 'kill "${alertd_pid:-}" "${sim_pid:-}" 2> /dev/null || true; rm -rf "$work"' EXIT
"$target/debug/examples/relay_test_cert" "$work"

sim_port=$(free_port)
api_port=$(free_port)
relay_port=$(free_port)
account=AC0123456789abcdef0123456789abcdef
"$target/debug/twilio-sim" --listen "127.0.0.1:$sim_port" --ca-out "$work/sim-ca.pem" > "$work/sim.log" 2>&1 &
sim_pid=$!
for _ in $(seq 1 100); do [ -s "$work/sim-ca.pem" ] && break; sleep 0.1; done

cat > "$work/alertd.toml" <<TOML
[server]
listen = "127.0.0.1:$api_port"
public_url = "http://127.0.0.1:$api_port"
[store]
path = "alertd.db"
[twilio]
from = "+15005550006"
api_base = "https://127.0.0.1:$sim_port"
ca_file = "sim-ca.pem"
[[receivers]]
name = "oncall"
sms = ["+15551230001"]
[route]
receiver = "oncall"
[relay]
listen = "127.0.0.1:$relay_port"
tls_cert_file = "relay-cert.pem"
tls_key_file = "relay-key.pem"
[[relay.devices]]
name = "ci-device"
account_sid = "$account"
secret_env = "RELAY_CI_DEVICE_TOKEN"
allowed_from = ["+15005550006"]
[[relay.devices]]
name = "ci-thrifty"
account_sid = "$account"
api_key = "SK0123456789abcdef0123456789abcdef"
secret_env = "RELAY_CI_THRIFTY_SECRET"
allowed_from = ["+15005550006"]
daily_spend_limit = 0.02
TOML
thrifty_secret=ci-thrifty-secret-000000000000001
(cd "$work" && env RELAY_CI_DEVICE_TOKEN=ci-device-token-0000000000000001 RELAY_CI_THRIFTY_SECRET=$thrifty_secret \
  "$target/debug/alertd" check-config --config alertd.toml)
(cd "$work" && exec env TWILIO_ACCOUNT_SID="$account" TWILIO_AUTH_TOKEN=fedcba9876543210fedcba9876543210 \
  RELAY_CI_DEVICE_TOKEN=ci-device-token-0000000000000001 RELAY_CI_THRIFTY_SECRET=$thrifty_secret \
  "$target/debug/alertd" run --config alertd.toml > alertd.log 2>&1) &
alertd_pid=$!
for _ in $(seq 1 100); do
  curl -sf "http://127.0.0.1:$api_port/healthz" > /dev/null 2>&1 && break
  sleep 0.1
done

REQUESTS_CA_BUNDLE="$work/relay-ca.pem" "$venv/bin/python" alertd/tests/data/relay/stock_client_check.py \
  "https://localhost:$relay_port" "$account" ci-device-token-0000000000000001 \
  SK0123456789abcdef0123456789abcdef "$thrifty_secret" | tee "$work/sids.txt"
message_sid=$(awk '/^message /{print $2}' "$work/sids.txt")
call_sid=$(awk '/^call /{print $2}' "$work/sids.txt")

# The sender forwards both; the status maps each relay SID to the simulator's (Twilio's) SID.
for _ in $(seq 1 100); do
  (cd "$work" && "$target/debug/alertd" status --config alertd.toml) > "$work/status.txt"
  grep -q "relay $message_sid -> twilio SM" "$work/status.txt" \
    && grep -q "relay $call_sid -> twilio CA" "$work/status.txt" && break
  sleep 0.1
done
cat "$work/status.txt"
grep -q "relay $message_sid -> twilio SM" "$work/status.txt" || { cat "$work/alertd.log"; exit 1; }
grep -q "relay $call_sid -> twilio CA" "$work/status.txt" || { cat "$work/alertd.log"; exit 1; }
echo "relay stock-client check passed"
