#!/usr/bin/env bash
# Regression guard for the flash the response and webhook paths add on a Cortex-M0 (the table
# itself is printed by 20-size-report.sh; the build is cached). Budgets sit just above today's
# figures (response +5.8 KiB .text, webhook +8.7 KiB including ~2 KiB of HMAC-SHA1), so growth
# is a decision rather than an accident.
set -euo pipefail
source "$ROOT/.ci/lib.sh"
if ! rustup component add llvm-tools >/dev/null 2>&1; then
  command -v llvm-size >/dev/null 2>&1 || apt_install llvm
fi
SIZE_BUDGET_response=6144 SIZE_BUDGET_webhook=9216 bash "$ROOT/tests/size-report/run.sh" >/dev/null
echo "response and webhook paths within their flash budgets"
