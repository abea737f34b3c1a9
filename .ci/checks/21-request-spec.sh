#!/usr/bin/env bash
# twilio-core's request encoders emit only parameter names and enum values that Twilio's
# OpenAPI extracts in ../shared list.
set -euo pipefail
cargo run -q -p twilio-core --locked --example check_request_spec -- "$SHARED_DIR/twilio/openapi"
