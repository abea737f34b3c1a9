#!/usr/bin/env bash
# twilio-core's webhook validator agrees with every signature vector from the official helper
# libraries (../shared/twilio/vectors/signature.json).
set -euo pipefail
source "$ROOT/.ci/lib.sh"
cargo run -q -p twilio-core --locked --example check_signature_vectors -- "$SHARED_DIR/twilio/vectors"
