#!/usr/bin/env bash
# Flash (.text + .rodata) that segments, TwiML and the evaluator add to a Cortex-M0 binary at
# opt-level "z" with LTO, measured against an empty binary (the smart-encoding table is not
# linked: nothing here calls it). Also compares fixed-point alert templates with core::fmt.
set -euo pipefail
cd "$(dirname "$0")"
build() {
  # shellcheck disable=SC2086
  cargo build --release --locked -q --bin flash-probe ${CORE_BUILD_STD:-} ${1:+--features "$1"}
  local elf="${CARGO_TARGET_DIR:-target}/thumbv6m-none-eabi/release/flash-probe"
  size -A "$elf" | awk '$1 == ".text" { t = $2 } $1 == ".rodata" { r = $2 } END { print t, r }'
}
read -r base_text base_rodata < <(build "")
printf '%-40s %8s %8s\n' "linked parts" ".text" ".rodata"
printf '%-40s %8d %8d\n' "(empty binary)" "$base_text" "$base_rodata"
for features in probe-segments probe-twiml probe-evaluator \
    probe-segments,probe-twiml,probe-evaluator probe-template-fixed probe-template-corefmt; do
  read -r text rodata < <(build "$features")
  printf '%-40s %+8d %+8d\n' "$features" $((text - base_text)) $((rodata - base_rodata))
done
