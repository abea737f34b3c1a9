#!/usr/bin/env bash
# Builds what the drivers run: the release alertd and twilio-sim binaries and alertd-bench.
# Prints the path of alertd-bench. CARGO_TARGET_DIR is honoured.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cargo build -q --release --locked --manifest-path "$root/Cargo.toml" \
  -p alertd -p twilio-sim -p alertd-bench >&2
echo "${CARGO_TARGET_DIR:-$root/target}/release/alertd-bench"
