#!/usr/bin/env bash
# Flash of twilio-core's public paths and of twilio-embedded's client on a Cortex-M0
# (thumbv6m-none-eabi, opt-level "z"), as one table. The measurement is tests/size-report's,
# run through .ci/checks/20-size-report.sh (which also enforces the budgets); the client row is
# computed as .ci/checks/60-embedded-bare-metal.sh computes it (embedded-client minus
# embedded-tls-baseline).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
export ROOT
export SHARED_DIR="${SHARED_DIR:-$ROOT/../shared}"
# shellcheck source=../.ci/lib.sh
source "$ROOT/.ci/lib.sh"
ensure_targets
report="$(bash "$ROOT/.ci/checks/20-size-report.sh")"
echo "== flash on thumbv6m-none-eabi, opt-level z (bytes)"
echo "$report"
client=$(echo "$report" | awk '$1 == "embedded-client" { print $2 + $3 }')
baseline=$(echo "$report" | awk '$1 == "embedded-tls-baseline" { print $2 + $3 }')
if [ -n "$client" ] && [ -n "$baseline" ]; then
  printf '%-14s %8s %8s %12s %14d\n' "client-adds" "" "" "" $((client - baseline))
  echo "(client-adds: twilio-embedded's client over twilio-core + embedded-tls alone, .text + .rodata)"
fi
