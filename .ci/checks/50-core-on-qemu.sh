#!/usr/bin/env bash
# twilio-core's tests on an emulated Cortex-M0 (BBC micro:bit, nRF51) under qemu-system-arm: a
# thumbv6m test binary that exits through semihosting with 0 only if every case passed.
set -euo pipefail
source "$ROOT/.ci/lib.sh"
apt_install qemu-system-arm
cd "$ROOT/tests/core-on-mcu"
# shellcheck disable=SC2086
timeout 600 cargo run --locked ${CORE_BUILD_STD:-}
