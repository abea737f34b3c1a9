#!/usr/bin/env bash
# Regression guard for the flash that segments + TwiML + the threshold evaluator (together),
# smart encoding and alert templates add on a Cortex-M0 (the table is printed by
# 20-size-report.sh; the build is cached). Budgets sit just above today's figures (+.text over
# the size-report baseline: text-twiml-alert 3298, text-smart-encoding 972 with its table,
# text-template 4074 with soft-float rounding), so growth is a decision rather than an accident.
set -euo pipefail
source "$ROOT/.ci/lib.sh"
if ! rustup component add llvm-tools >/dev/null 2>&1; then
  command -v llvm-size >/dev/null 2>&1 || apt_install llvm
fi
SIZE_BUDGET_text_twiml_alert=3456 SIZE_BUDGET_text_smart_encoding=1280 \
  SIZE_BUDGET_text_template=4352 bash "$ROOT/tests/size-report/run.sh" >/dev/null
echo "text, TwiML, evaluator, smart-encoding and template paths within their flash budgets"
