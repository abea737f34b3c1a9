#!/usr/bin/env bash
# Crash test, short form (bench/crash.sh runs the long one): the release alertd is killed with
# SIGKILL 5 times under a 1500-alert load (150/s in, 100/s out: a backlog at every kill) and
# restarted on the same data dir; every alert it answered 2xx must reach twilio-sim, and a
# duplicate is allowed only for a send in flight at a kill. alertd-bench exits non-zero on any
# lost alert or unexplained duplicate.
set -euo pipefail
source "$ROOT/.ci/lib.sh"
bench="$(bash "$ROOT/bench/build.sh")"
# The run itself takes about 20 s; the timeout only guards against a hang.
timeout 180 "$bench" crash --alerts 1500 --rate 150 --mps 100 --kills 5 --deliver-timeout 60
