#!/usr/bin/env bash
# The book (docs/, mdBook) builds, and every relative link and #anchor in it, and every link from
# the READMEs into docs/, resolves (.ci/linkcheck.py; external links are not fetched).
set -euo pipefail
source "$ROOT/.ci/lib.sh"
cd "$ROOT"

# mdBook: Debian's package when the release has one, else crates.io (a pinned version that
# builds with the workspace's toolchain; only the search feature, no web server or watcher).
MDBOOK_VERSION=0.5.4
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
if ! command -v mdbook > /dev/null; then
  if [ -z "${CI_APT_UPDATED:-}" ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    export CI_APT_UPDATED=1
  fi
  if apt-cache policy mdbook 2> /dev/null | grep -q 'Candidate: [0-9]'; then
    apt_install mdbook
  else
    cargo install --locked mdbook --version "$MDBOOK_VERSION" --no-default-features --features search
  fi
fi
mdbook --version

command -v python3 > /dev/null || apt_install python3
mdbook build docs
python3 .ci/linkcheck.py "$ROOT"
