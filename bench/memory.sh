#!/usr/bin/env bash
# A million active alerts in 40 groups posted to alertd (release build), then kill -9 and a
# restart on the same data dir: ingest time, alerts/s, peak RSS, time until it takes alerts
# again, and a check that the restart notified nothing twice. Arguments go to
# `alertd-bench memory` (see --help), e.g. bench/memory.sh --alerts 200000
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bench="$(bash "$root/bench/build.sh")"
exec "$bench" memory "$@"
