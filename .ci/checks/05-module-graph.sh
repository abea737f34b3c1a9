#!/usr/bin/env bash
# alertd's top-level modules form a DAG (layers depend one way): enforced. The other crates'
# graphs are reported, so their cycles stay visible until they are broken.
set -euo pipefail
cd "$ROOT"
python3 .ci/modgraph.py alertd/src --enforce
for crate in twilio-core/src twilio-embedded/src tests/twilio-sim/src; do
  python3 .ci/modgraph.py "$crate"
done
