#!/usr/bin/env bash
# Fault test, short form (bench/fault.sh runs the long one): twilio-sim answers 20% of message
# creates with 500 and injects 429 bursts, connection resets and 5 s stalls; every accepted
# alert must be notified within 60 s of the last one, and no sliding 1 s window of arrivals at
# the simulator may hold more creates than alertd's mps (10). Non-zero exit on any failure.
set -euo pipefail
source "$ROOT/.ci/lib.sh"
bench="$(bash "$ROOT/bench/build.sh")"
# About 25 s at 10 messages/s with retries; the timeout only guards against a hang.
timeout 180 "$bench" fault --alerts 200 --rate 20 --mps 10 --deliver-within 60
