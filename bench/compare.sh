#!/usr/bin/env bash
# alertd vs Prometheus Alertmanager 0.25 (Debian's prometheus-alertmanager, installed if
# missing) on loopback under the same load: alerts/s accepted, notifications/s out, p50/p99
# latency to the first notification, peak RSS, as a table with ratios; `--wrk` adds the wrk load
# in two grouping scenarios (`--wrk-only` runs just that). Arguments go to
# `alertd-bench compare` (see --help), e.g. bench/compare.sh --alerts 20000 --clients 64
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=../.ci/lib.sh
source "$root/.ci/lib.sh"
[ -x /usr/bin/prometheus-alertmanager ] || apt_install prometheus-alertmanager
command -v wrk >/dev/null || apt_install wrk
bench="$(bash "$root/bench/build.sh")"
exec "$bench" compare "$@"
