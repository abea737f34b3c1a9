#!/usr/bin/env bash
# Fault test: twilio-sim answers 20% of message creates with 500 and injects 429 bursts,
# connection resets and 5 s stalls; every accepted alert must be notified within a bound and
# no sliding one-second window may hold more creates than alertd's mps. Non-zero exit on any
# failure. Arguments go to `alertd-bench fault` (see --help).
set -euo pipefail
bench="$(bash "$(dirname "$0")/build.sh")"
exec "$bench" fault "$@"
