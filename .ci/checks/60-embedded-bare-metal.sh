#!/usr/bin/env bash
# twilio-embedded on the MCUs and on the host:
# - builds for a Cortex-M0 (thumbv6m-none-eabi) and a RISC-V MCU (riscv32imc-unknown-none-elf)
#   with its embassy + TLS features, with defmt, and with RSA certificates;
# - verifies an RSA server certificate from twilio-sim (feature `rsa`);
# - reports the flash the client adds (thumbv6m, opt-level "z"; fails over 8 KiB), its RAM, and
#   requests/s over one keep-alive TLS connection to the simulator;
# - runs the client on embassy-net over a Linux TAP device when the machine allows it.
set -euo pipefail
source "$ROOT/.ci/lib.sh"

for target in thumbv6m-none-eabi riscv32imc-unknown-none-elf; do
  cross_build "$target" -p twilio-embedded --locked --features embassy
  cross_build "$target" -p twilio-embedded --locked --features embassy,defmt
  # RSA needs alloc, and spin's atomics go through portable-atomic: neither chip has
  # compare-and-swap, both are single-core (a board may use portable-atomic's critical-section
  # feature instead). Its own target dir, so the rustflags do not invalidate the builds above.
  CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}/rsa-bare-metal" \
  CORE_BUILD_STD="${CORE_BUILD_STD:+-Zbuild-std=core,alloc}" \
    cross_build "$target" -p twilio-embedded --locked --features embassy,rsa \
      --config "target.$target.rustflags=[\"--cfg\",\"portable_atomic_unsafe_assume_single_core\"]"
done
echo "twilio-embedded builds for thumbv6m-none-eabi and riscv32imc-unknown-none-elf"

cargo check -p twilio-embedded --locked --features embassy,log
# The README sample lives in the `net` module docs (feature embassy).
cargo test -p twilio-embedded --locked --features embassy --doc
cargo test -p twilio-embedded --locked --features rsa --test sim
# embassy-net (smoltcp) over a TAP device; prints why and passes where /dev/net/tun or root is missing.
cargo test -p twilio-embedded --locked --features embassy --test tuntap -- --nocapture

# Flash: embedded-client minus embedded-tls-baseline (the same handshake, SMS and call written
# by twilio-core, without the client) in tests/size-report.
if ! rustup component add llvm-tools >/dev/null 2>&1; then
  command -v llvm-size >/dev/null 2>&1 || apt_install llvm
fi
report=$(bash "$ROOT/tests/size-report/run.sh")
echo "$report" | grep -E '^(path|embedded-)'
client=$(echo "$report" | awk '$1 == "embedded-client" { print $2 + $3 }')
baseline=$(echo "$report" | awk '$1 == "embedded-tls-baseline" { print $2 + $3 }')
added=$((client - baseline))
echo "twilio-embedded adds $added bytes of flash (.text + .rodata) over twilio-core and embedded-tls"
if [ "$added" -gt 8192 ]; then
  echo "over the 8 KiB budget" >&2
  exit 1
fi

cargo run -q -p twilio-embedded --locked --example ram_figures
cargo run -q --release -p twilio-embedded --locked --example keepalive_throughput -- 2000
