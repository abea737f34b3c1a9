#!/usr/bin/env bash
# twilio-core builds for a Cortex-M0 and a RISC-V MCU, and nothing in its graph uses `alloc`.
set -euo pipefail
source "$ROOT/.ci/lib.sh"
for target in thumbv6m-none-eabi riscv32imc-unknown-none-elf; do
  cross_build "$target" -p twilio-core --locked
  cross_build "$target" -p twilio-core --locked --features defmt
done
# No crate in the core's normal dependency graph may pull in `alloc`.
if cargo tree -p twilio-core -e normal --target thumbv6m-none-eabi -f '{p} {f}' | grep -Ew 'alloc|std'; then
  echo "twilio-core's dependency graph enables alloc/std features (above)" >&2
  exit 1
fi
echo "twilio-core: no alloc/std features in its dependency graph"
