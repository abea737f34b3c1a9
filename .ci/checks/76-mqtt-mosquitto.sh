#!/usr/bin/env bash
# alertd's MQTT tests against a real mosquitto (they run against an in-process rumqttd
# otherwise): ALERTD_TEST_MOSQUITTO names the binary; fails unless some MQTT test ran and passed.
set -euo pipefail
source "$ROOT/.ci/lib.sh"
apt_install mosquitto
cd "$ROOT"
mosquitto_bin=$(command -v mosquitto || echo /usr/sbin/mosquitto)
[ -x "$mosquitto_bin" ] || { echo "no mosquitto binary at $mosquitto_bin"; exit 1; }
log=$(mktemp)
trap 'rm -f "$log"' EXIT
ALERTD_TEST_MOSQUITTO="$mosquitto_bin" cargo test -p alertd --locked --test it mqtt 2>&1 | tee "$log"
grep -Eq '^test result: ok\. [1-9][0-9]* passed' "$log" || { echo "no MQTT test ran against mosquitto"; exit 1; }
echo "MQTT tests against mosquitto passed"
