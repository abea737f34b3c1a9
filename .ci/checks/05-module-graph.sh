#!/usr/bin/env bash
# Every crate's top-level modules form a DAG (layers depend one way).
set -euo pipefail
cd "$ROOT"
for crate in alertd/src twilio-core/src twilio-embedded/src tests/twilio-sim/src boards/alert-loop/src \
  boards/pico-w/src; do
  python3 .ci/modgraph.py "$crate" --enforce
done
