#!/usr/bin/env bash
# alertd: the generated example config validates; the binary starts (scratch port, dry run),
# accepts an alert, logs the dry-run send, refuses malformed JSON with a JSON 400, and `send`
# and `status` work.
set -euo pipefail
source "$ROOT/.ci/lib.sh"
command -v curl > /dev/null || apt_install curl ca-certificates
cd "$ROOT"
cargo build -p alertd --locked
bin="${CARGO_TARGET_DIR:-$ROOT/target}/debug/alertd"
work=$(mktemp -d)
trap 'kill "${pid:-}" 2>/dev/null || true; rm -rf "$work"' EXIT

"$bin" generate-config > "$work/alertd.toml"
"$bin" check-config --config "$work/alertd.toml"

# Embedded defaults, in a scratch directory, on a free port via a config override.
cat > "$work/smoke.toml" <<'TOML'
[server]
listen = "127.0.0.1:19870"
[store]
path = "smoke.db"
[twilio]
from = "+15005550006"
[[receivers]]
name = "default"
sms = ["+15551230001"]
[route]
receiver = "default"
group_wait = "0s"
TOML
(cd "$work" && exec env -u TWILIO_ACCOUNT_SID -u TWILIO_AUTH_TOKEN "$bin" run --config smoke.toml > log.txt 2>&1) &
pid=$!
for _ in $(seq 1 50); do
  curl -sf http://127.0.0.1:19870/healthz > /dev/null 2>&1 && break
  sleep 0.2
done
curl -sf -X POST http://127.0.0.1:19870/api/v1/alerts -H 'Content-Type: application/json' \
  -d '[{"name": "CiSmoke", "value": 1, "severity": "critical", "message": "smoke test"}]'
echo
code=$(curl -s -o "$work/err.json" -w '%{http_code}' -X POST http://127.0.0.1:19870/api/v1/alerts \
  -H 'Content-Type: application/json' -d '{oops')
grep -q '"error":"bad_request"' "$work/err.json" && [ "$code" = 400 ] || { echo "malformed JSON not refused with 400 JSON: $code"; exit 1; }
for _ in $(seq 1 50); do
  grep -q "DRY RUN would send SMS" "$work/log.txt" && break
  sleep 0.2
done
grep "DRY RUN would send SMS" "$work/log.txt" || { cat "$work/log.txt"; exit 1; }
(cd "$work" && env -u TWILIO_ACCOUNT_SID -u TWILIO_AUTH_TOKEN "$bin" send --config smoke.toml --to +15551230001 "one-off test") | tee "$work/send.txt"
grep -q "dry-run: accepted" "$work/send.txt"
(cd "$work" && "$bin" status --config smoke.toml)
echo "alertd smoke test passed"
