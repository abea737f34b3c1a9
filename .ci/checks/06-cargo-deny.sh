#!/usr/bin/env bash
# cargo deny: RustSec advisories (vulnerable or unmaintained crates), the licence allow-list,
# duplicate versions (warnings) and crate sources, for the workspace's dependency graph.
set -euo pipefail
source "$ROOT/.ci/lib.sh"
cd "$ROOT"
command -v cargo-deny >/dev/null || cargo install cargo-deny --locked
cargo deny --version
cargo deny --locked check
