#!/usr/bin/env bash
# twilio-core on the host and on a Cortex-M0: runs its criterion benches (request, response,
# text) and prints them as one table, then the flash table (bench/size.sh).
# BENCH_QUICK=1 shortens each measurement (1 s warm-up, 2 s measurement) for a quick look.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
quick=()
[ -n "${BENCH_QUICK:-}" ] && quick=(--warm-up-time 1 --measurement-time 2)
cargo bench -q --locked -p twilio-core --bench request --bench response --bench text -- \
  "${quick[@]}" >"${TMPDIR:-/tmp}/twilio-core-bench.log" 2>&1 \
  || { tail -n 40 "${TMPDIR:-/tmp}/twilio-core-bench.log" >&2; exit 1; }
bench="$(bash "$root/bench/build.sh")"
echo "== twilio-core on the host (criterion; full output in ${TMPDIR:-/tmp}/twilio-core-bench.log)"
"$bench" core-report
echo
bash "$root/bench/size.sh"
