#!/usr/bin/env bash
# twilio-core's request encoders emit only parameter names and enum values that Twilio's
# OpenAPI extracts in ../shared list; Verify v2 and Lookup v2 are extracted from their YAML specs.
set -euo pipefail
source "$ROOT/.ci/lib.sh"
command -v python3 > /dev/null || apt_install python3
python3 -c 'import yaml' 2> /dev/null || apt_install python3-yaml
extracts=$(mktemp -d)
trap 'rm -rf "$extracts"' EXIT
python3 "$ROOT/twilio-core/tools/extract_verify_lookup_params.py" "$SHARED_DIR/twilio/openapi" "$extracts"
cargo run -q -p twilio-core --locked --example check_request_spec -- "$SHARED_DIR/twilio/openapi" "$extracts"
