#!/usr/bin/env bash
# Runs each twilio-core fuzz target (response parser, form body, signature input) for a bounded
# time; any crash fails CI. FUZZ_SECONDS overrides the per-target time (default 60).
set -euo pipefail
source "$ROOT/.ci/lib.sh"
seconds="${FUZZ_SECONDS:-60}"
rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
cd "$ROOT/twilio-core"
total=0
for target in response form_body signature_input; do
  section "fuzz $target (${seconds}s)"
  corpus="$(mktemp -d)"
  log="$corpus.log"
  # Seed the response target with the recorded responses so it starts deep in the parser.
  if [ "$target" = response ]; then
    for f in tests/data/responses/*.http; do
      { printf '\x40'; cat "$f"; } > "$corpus/$(basename "$f")"
    done
  fi
  if ! cargo +nightly fuzz run "$target" "$corpus" -- \
      -max_total_time="$seconds" -print_final_stats=1 >"$log" 2>&1; then
    tail -n 60 "$log" >&2
    echo "fuzz target $target failed" >&2
    exit 1
  fi
  runs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' || echo 0)
  echo "$target: $runs executions, no crash"
  total=$((total + runs))
  rm -rf "$corpus" "$log"
done
echo "fuzz smoke: $total executions in total"
