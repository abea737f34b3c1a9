#!/usr/bin/env bash
# Crash test: kill -9 the release alertd again and again under load, restart it on the same
# data dir, and check that every alert it accepted (2xx) reached twilio-sim; duplicates only for
# sends in flight at a kill. Non-zero exit on any lost alert. Arguments go to
# `alertd-bench crash` (see --help), e.g. bench/crash.sh --alerts 10000 --kills 20
set -euo pipefail
bench="$(bash "$(dirname "$0")/build.sh")"
exec "$bench" crash "$@"
