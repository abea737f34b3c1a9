#!/usr/bin/env bash
# Flash that twilio-core's public paths add on a Cortex-M0 (thumbv6m-none-eabi, opt-level "z"),
# as a table; fails when the SMS request path outgrows the 4 KiB budget, or the whole
# alerting device request path (SMS + TwiML call + fetch) grows past today's figure (5304).
set -euo pipefail
source "$ROOT/.ci/lib.sh"
# llvm-size: rustup's llvm-tools, else Debian's llvm.
if ! rustup component add llvm-tools >/dev/null 2>&1; then
  command -v llvm-size >/dev/null 2>&1 || apt_install llvm
fi
SIZE_BUDGET_request_sms=4096 SIZE_BUDGET_request_alert=5376 bash "$ROOT/tests/size-report/run.sh"
