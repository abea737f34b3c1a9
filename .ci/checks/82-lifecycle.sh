#!/usr/bin/env bash
# alertd's lifecycle against twilio-sim over TLS: (1) SIGTERM with a send in flight drains it
# (recorded, exit 0) and the message exists exactly once after a restart; (2) SIGHUP applies a
# new roster, a broken file is refused (POST /-/reload answers 400, the reload gauge says 0)
# and the old config keeps paging; (3) /-/ready is 503 while a small tmpfs holding the store is
# full and 200 once there is room; (4) under `prlimit --nofile=1024:<hard>` (and 1024:1024)
# thousands of half-sent requests are held open while an alert POST still gets its 202.
# Prints the drain time, reload latency, ingest latency under load and connections held.
set -euo pipefail
source "$ROOT/.ci/lib.sh"
command -v curl > /dev/null || apt_install curl ca-certificates
command -v python3 > /dev/null || apt_install python3
command -v prlimit > /dev/null || apt_install util-linux
cd "$ROOT"
cargo build -q -p alertd -p twilio-sim --locked
target="${CARGO_TARGET_DIR:-$ROOT/target}/debug"
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  umount "$work/state" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

now_ms() { date +%s%3N; }

start_sim "$target/twilio-sim" "$work"
pids+=("$sim_pid")
disown # killed by the cleanup; not a job to report
simcurl() { curl -sf --cacert "$work/sim-ca.pem" "$@"; }
wait_for 20 "twilio-sim's API" simcurl "$sim/_sim/info"
count_is() { [ "$(messages_to "$1")" = "$2" ]; }
messages_to() { simcurl "$sim/_sim/messages" | python3 -c "import json,sys; print(sum(1 for m in json.load(sys.stdin) if m.get('to') == sys.argv[1]))" "$1"; }

api_port=$(free_port)
api="http://127.0.0.1:$api_port"
write_config() { # write_config NUMBER STORE_PATH [EXTRA_SERVER_LINES]
  cat > "$work/alertd.toml" <<TOML
[server]
listen = "127.0.0.1:$api_port"
${3:-}
[store]
path = "$2"
[alerts]
resolve_timeout = "7d"
[twilio]
from = "+15005550006"
api_base = "$sim"
ca_file = "$work/sim-ca.pem"
mps = 100.0
[[rosters]]
name = "week"
numbers = ["$1"]
[[receivers]]
name = "oncall"
roster = "week"
[route]
receiver = "oncall"
group_by = ["alertname"]
group_wait = "0s"
TOML
}
start_alertd() { # start_alertd [prlimit args...]
  "$@" env TWILIO_ACCOUNT_SID=AC0123456789abcdef0123456789abcdef \
    TWILIO_AUTH_TOKEN=fedcba9876543210fedcba9876543210 \
    "$target/alertd" run --config "$work/alertd.toml" >> "$work/alertd.log" 2>&1 &
  alertd=$!
  pids+=("$alertd")
  wait_for 20 "alertd's /-/ready" curl -sf "$api/-/ready"
}
post_alert() { curl -s -o /dev/null -w '%{http_code}' -X POST "$api/api/v1/alerts" \
  -H 'Content-Type: application/json' -d "[{\"name\": \"$1\", \"severity\": \"critical\", \"message\": \"ci\"}]"; }
stop_alertd() {
  kill -TERM "$alertd"
  local rc=0
  wait "$alertd" || rc=$?
  [ "$rc" = 0 ] || { echo "alertd exited $rc after SIGTERM"; tail -20 "$work/alertd.log"; exit 1; }
}

section "drain: SIGTERM with a send in flight"
write_config +15551230001 "$work/alertd.db"
start_alertd
# Twilio answers the next message create after 3 s: it is in flight when SIGTERM comes.
simcurl -X POST "$sim/_sim/faults" -d '{"kind": {"type": "slow", "delay_ms": 3000}, "endpoint": "create_message", "count": 1}' > /dev/null
[ "$(post_alert DrainMe)" = 202 ]
sleep 1
t0=$(now_ms)
stop_alertd
drain_ms=$(( $(now_ms) - t0 ))
grep -q "stopped; undelivered" "$work/alertd.log" || { echo "drain did not complete"; tail -20 "$work/alertd.log"; exit 1; }
start_alertd
sleep 2
sent=$(messages_to +15551230001)
[ "$sent" = 1 ] || { echo "message sent $sent times, expected exactly once"; exit 1; }
status=$("$target/alertd" status --config "$work/alertd.toml")
grep -q "0 pending, 1 sent" <<< "$status" || { echo "$status"; exit 1; }
echo "drain: SIGTERM to exit 0 in ${drain_ms} ms with a 3000 ms send in flight; sent exactly once after the restart"

section "reload: SIGHUP applies a new roster; a broken file is refused"
write_config +15551230002 "$work/alertd.db"
t0=$(now_ms)
kill -HUP "$alertd"
wait_for 10 "the reload in the log" grep -q "config reloaded" "$work/alertd.log"
hup_ms=$(( $(now_ms) - t0 ))
[ "$(post_alert AfterReload)" = 202 ]
wait_for 10 "a page to the new roster" count_is +15551230002 1
echo 'oops = ' >> "$work/alertd.toml"
reload_status=$(curl -s -o "$work/reload.json" -w '%{http_code}' -X POST "$api/-/reload")
[ "$reload_status" = 400 ] || { echo "broken reload answered $reload_status"; cat "$work/reload.json"; exit 1; }
grep -q "TOML parse error" "$work/reload.json"
grep -qx "alertd_config_last_reload_successful 0" <<< "$(curl -sf "$api/metrics")"
kill -HUP "$alertd"
wait_for 10 "the refusal in the log" grep -q "config reload refused" "$work/alertd.log"
[ "$(post_alert StillRouted)" = 202 ]
wait_for 10 "a page under the kept config" count_is +15551230002 2
write_config +15551230002 "$work/alertd.db"
reload_ms=$(curl -s -o /dev/null -w '%{time_total}' -X POST "$api/-/reload" | python3 -c 'import sys; print(round(float(sys.stdin.read())*1000, 1))')
grep -qx "alertd_config_last_reload_successful 1" <<< "$(curl -sf "$api/metrics")"
echo "reload: SIGHUP applied in ${hup_ms} ms (to the log line); POST /-/reload answered in ${reload_ms} ms; broken file refused with 400, old roster kept paging"
stop_alertd

section "readiness: 503 while the store's tmpfs is full, 200 after"
mkdir -p "$work/state"
mount -t tmpfs -o size=4m tmpfs "$work/state"
write_config +15551230001 "$work/state/alertd.db"
start_alertd
[ "$(curl -s -o /dev/null -w '%{http_code}' "$api/-/ready")" = 200 ]
dd if=/dev/zero of="$work/state/fill" bs=64k 2> /dev/null || true
sleep 1.2 # readiness answers are reused for 1 s
ready_full=$(curl -s -o /dev/null -w '%{http_code}' "$api/-/ready")
healthz_full=$(curl -s -o /dev/null -w '%{http_code}' "$api/healthz")
rm -f "$work/state/fill"
sleep 1.2
ready_after=$(curl -s -o /dev/null -w '%{http_code}' "$api/-/ready")
echo "readiness: disk full -> /-/ready $ready_full, /healthz $healthz_full; room again -> /-/ready $ready_after"
[ "$ready_full" = 503 ] && [ "$healthz_full" = 503 ] && [ "$ready_after" = 200 ]
stop_alertd
umount "$work/state"

section "slow clients: half-sent requests at a 1024 soft open-files limit"
cat > "$work/halfsent.py" <<'PY'
import json, resource, socket, sys, time, urllib.request
port, n = int(sys.argv[1]), int(sys.argv[2])
_, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
conns = []
for i in range(n):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"POST /api/v1/alerts HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: appl")
    conns.append(s)
time.sleep(0.5)
held = 0
for s in conns:
    s.setblocking(False)
    try:
        held += s.recv(1) != b""
    except BlockingIOError:
        held += 1  # still open, nothing said
    except OSError:
        pass
body = json.dumps([{"name": "UnderLoad", "severity": "critical", "message": "ci"}]).encode()
req = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/alerts", body, {"Content-Type": "application/json"})
t0 = time.monotonic()
status = urllib.request.urlopen(req, timeout=10).status
ms = (time.monotonic() - t0) * 1000
metrics = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()
m = {l.split()[0]: l.split()[1] for l in metrics.splitlines() if l.startswith("alertd_http_connections")}
print(f"opened {n}, held open by alertd {held}, ingest {status} in {ms:.1f} ms; "
      f"alertd_http_connections {m.get('alertd_http_connections')} "
      f"max {m.get('alertd_http_connections_max')} evicted {m.get('alertd_http_connections_evicted_total')}")
sys.exit(0 if status == 202 else 1)
PY
hard=$(ulimit -Hn)
write_config +15551230001 "$work/alertd.db"
for limit in "1024:$hard" "1024:1024"; do
  start_alertd prlimit "--nofile=$limit"
  echo -n "nofile $limit: "
  timeout 60 python3 "$work/halfsent.py" "$api_port" 5000
  stop_alertd
done
section "timeouts: a slow head is closed, a slow body gets 408"
write_config +15551230001 "$work/alertd.db" 'header_read_timeout = "1s"
body_read_timeout = "1s"'
start_alertd
python3 - "$api_port" <<'PY'
import socket, sys, time
port = int(sys.argv[1])
head = socket.create_connection(("127.0.0.1", port))
head.sendall(b"POST /api/v1/alerts HTTP/1.1\r\nHost: 127.0.0.1\r\n")
body = socket.create_connection(("127.0.0.1", port))
body.sendall(b"POST /api/v1/alerts HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n[{")
t0 = time.monotonic()
head.settimeout(10); body.settimeout(10)
head_answer = head.recv(4096)
head_s = time.monotonic() - t0
status = body.recv(4096).split(b"\r\n", 1)[0].decode()
body_s = time.monotonic() - t0
print(f"slow head closed after {head_s:.1f} s ({head_answer[:12]!r}); slow body answered '{status}' after {body_s:.1f} s")
sys.exit(0 if head_s < 5 and " 408 " in status else 1)
PY
stop_alertd
echo "alertd lifecycle checks passed"
