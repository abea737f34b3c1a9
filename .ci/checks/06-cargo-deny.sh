#!/usr/bin/env bash
# cargo deny: RustSec advisories (vulnerable or unmaintained crates), the licence allow-list,
# duplicate versions (warnings) and crate sources, for the workspace's dependency graph.
# The advisory database is a git repository on GitHub: where it cannot be fetched (a machine
# that reaches only the package registries) the other three are checked and the log says
# that advisories were not.
set -euo pipefail
source "$ROOT/.ci/lib.sh"
cd "$ROOT"
command -v cargo-deny >/dev/null || cargo install cargo-deny --locked
cargo deny --version
if timeout 120 cargo deny --locked fetch db; then
  cargo deny --locked check
else
  echo "advisories NOT checked: the RustSec advisory database could not be fetched"
  cargo deny --locked check licenses bans sources
fi
