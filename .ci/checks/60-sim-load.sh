#!/usr/bin/env bash
# twilio-sim smoke and load: the release binary starts, writes its CA and serves a message
# create over TLS (curl), then the load example reports message creates/s on loopback over
# keep-alive TLS. The figure is reported, not gated (CI machines vary); a run with no creates or
# any non-201 answer fails.
set -euo pipefail
source "$ROOT/.ci/lib.sh"
apt_install curl ca-certificates
cargo build --release --locked -p twilio-sim --bin twilio-sim --example load
target_dir="${CARGO_TARGET_DIR:-$ROOT/target}"
work=$(mktemp -d)
"$target_dir/release/twilio-sim" --listen 127.0.0.1:18443 --ca-out "$work/ca.pem" >"$work/sim.log" 2>&1 &
sim_pid=$!
trap 'kill "$sim_pid" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 50); do [ -s "$work/ca.pem" ] && break; sleep 0.1; done
ac=AC0123456789abcdef0123456789abcdef
status=$(curl -sS -o "$work/created.json" -w '%{http_code}' --cacert "$work/ca.pem" \
  -u "$ac:fedcba9876543210fedcba9876543210" \
  "https://127.0.0.1:18443/2010-04-01/Accounts/$ac/Messages.json" \
  --data-urlencode To=+14155550100 --data-urlencode From=+15005550006 --data-urlencode Body=ci)
[ "$status" = 201 ] || { echo "twilio-sim answered $status: $(cat "$work/created.json")" >&2; exit 1; }
echo "twilio-sim binary: 201 over TLS with its CA"
out=$("$target_dir/release/examples/load" --url https://127.0.0.1:18443 --ca "$work/ca.pem" --seconds 3 --connections 32)
echo "$out"
echo "$out" | grep -q ' other=0 failed_connections=0' || { echo "load run had errors" >&2; exit 1; }
echo "$out" | grep -Eq 'created=[1-9]' || { echo "load run created nothing" >&2; exit 1; }
