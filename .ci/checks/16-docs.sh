#!/usr/bin/env bash
# API docs of every workspace crate build without a warning: no broken intra-doc links, no
# public docs linking to private items, READMEs included as crate docs render.
set -euo pipefail
cd "$ROOT"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked
echo "API docs build clean"
