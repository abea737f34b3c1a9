#!/usr/bin/env bash
# Runs every fuzz target for a bounded time; any crash fails CI.
# - twilio-core (response parser, Verify and Lookup responses, form body, signature input,
#   TwiML escaping): FUZZ_SECONDS
#   each (default 30);
# - alertd's JSON ingest (/api/v1/alerts bodies, Alertmanager webhook bodies):
#   ALERTD_FUZZ_SECONDS each (default 15, so 30 s for alertd).
# The longer documented run is in the README ("Fuzzing").
set -euo pipefail
source "$ROOT/.ci/lib.sh"
seconds="${FUZZ_SECONDS:-30}"
alertd_seconds="${ALERTD_FUZZ_SECONDS:-15}"
rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
total=0

# fuzz_run TARGET SECONDS CORPUS: one bounded run in the current fuzz crate's parent dir.
fuzz_run() {
  local target="$1" secs="$2" corpus="$3" log
  log="$corpus.log"
  section "fuzz $target (${secs}s)"
  if ! cargo +nightly fuzz run "$target" "$corpus" -- \
      -max_total_time="$secs" -print_final_stats=1 >"$log" 2>&1; then
    tail -n 60 "$log" >&2
    echo "fuzz target $target failed" >&2
    exit 1
  fi
  runs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' || echo 0)
  echo "$target: $runs executions, no crash"
  total=$((total + runs))
  rm -rf "$corpus" "$log"
}

cd "$ROOT/twilio-core"
for target in response verify_response form_body signature_input twiml; do
  corpus="$(mktemp -d)"
  # Seed the response target with the recorded responses so it starts deep in the parser.
  if [ "$target" = response ] || [ "$target" = verify_response ]; then
    for f in tests/data/responses/*.http; do
      { printf '\x40'; cat "$f"; } > "$corpus/$(basename "$f")"
    done
  fi
  fuzz_run "$target" "$seconds" "$corpus"
done

cd "$ROOT/alertd"
for target in alerts_json alertmanager_webhook; do
  corpus="$(mktemp -d)"
  cp fuzz/seeds/"$target"/* "$corpus/"
  fuzz_run "$target" "$alertd_seconds" "$corpus"
done
echo "fuzz smoke: $total executions in total"
