#!/usr/bin/env bash
# twilio-core's segment counting, GSM-7 tables and smart encoding agree with every case in the
# shared reference vectors (segments.json, gsm7_charset.json, smart_encoding_map.json).
set -euo pipefail
source "$ROOT/.ci/lib.sh"
cargo run -q --locked -p twilio-core --example check_shared_vectors -- "$SHARED_DIR/twilio/vectors"
