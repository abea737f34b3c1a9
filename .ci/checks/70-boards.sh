#!/usr/bin/env bash
# Board firmware: builds the Pico W and ESP32-C3 alert firmware and their bare embassy HTTPS POST
# baselines in release (opt-level "z", LTO) with obviously fake configuration, and prints
# a size table (text, rodata, data, bss) with flash and RAM over each baseline.
set -euo pipefail
source "$ROOT/.ci/lib.sh"
if ! rustup component add llvm-tools >/dev/null 2>&1; then
  command -v llvm-size >/dev/null 2>&1 || apt_install llvm
fi
sysroot="$(rustc --print sysroot)"
host="$(rustc -vV | sed -n 's/^host: //p')"
size_tool=""
for c in "$sysroot/lib/rustlib/$host/bin/llvm-size" "$(command -v llvm-size || true)" "$(command -v llvm-size-19 || true)"; do
  [ -n "$c" ] && [ -x "$c" ] && { size_tool="$c"; break; }
done
[ -n "$size_tool" ] || { echo "llvm-size not found" >&2; exit 1; }

# Fake configuration: the firmware builds, and could never reach a real account.
export WIFI_SSID=ci-fake-ssid WIFI_PASSWORD=ci-fake-password
export TWILIO_ACCOUNT_SID=AC00000000000000000000000000000000
export TWILIO_AUTH_TOKEN=00000000000000000000000000000000
export TWILIO_FROM=+15005550006 ALERT_TO=+15005550010,sms:+15005550011
unset TWILIO_API_KEY TWILIO_API_SECRET TWILIO_API_HOST TRUST_ANCHORS_DIR
# The Pico W's nvram blob ships in no crate and is not in the repository.
export CYW43_NVRAM_DIR="${CYW43_NVRAM_DIR:-$SHARED_DIR/boards/pico-w}"
out="${CARGO_TARGET_DIR:-$ROOT/target}/boards"
mkdir -p "$out/elf"

# build BOARD_DIR TARGET BIN NAME [cargo args...]: a release build run from the board folder
# (its .cargo/config.toml sets target, linker scripts and runner); the ELF is kept as NAME.
build() {
  local dir="$1" target="$2" bin="$3" name="$4"; shift 4
  (cd "$ROOT/boards/$dir" && CARGO_TARGET_DIR="$out/$dir$*" \
    cargo build -q --release --locked --target "$target" --bin "$bin" "$@")
  cp "$out/$dir$*/$target/release/$bin" "$out/elf/$name"
}
build pico-w thumbv6m-none-eabi baseline pico-w-baseline --no-default-features
build pico-w thumbv6m-none-eabi pico-w-alerts pico-w-alerts-ecdsa-only --no-default-features
build pico-w thumbv6m-none-eabi pico-w-alerts pico-w-alerts
build esp32-c3 riscv32imc-unknown-none-elf baseline esp32-c3-baseline
build esp32-c3 riscv32imc-unknown-none-elf esp32-c3-alerts esp32-c3-alerts

# sizes ELF: "text rodata data bss" (code incl. vectors/IRAM; read-only data; initialised RAM;
# zeroed RAM incl. the heaps, not the stack region).
sizes() {
  "$size_tool" -A "$1" | awk '
    $1 ~ /^\.(text|vector_table|boot2|trap|rwtext)/ { t += $2 }
    $1 ~ /^\.(rodata|flash\.appdesc)/ { r += $2 }
    $1 ~ /^\.data/ { d += $2 }
    $1 ~ /^\.(bss|uninit)/ { b += $2 }
    END { print t+0, r+0, d+0, b+0 }'
}

printf '%-26s %8s %8s %6s %7s %8s %7s %9s %8s\n' firmware text rodata data bss flash ram +flash +ram
row() {
  local name="$1" base="$2" t r d b bt br bd bb
  read -r t r d b <<<"$(sizes "$out/elf/$name")"
  read -r bt br bd bb <<<"$(sizes "$out/elf/$base")"
  printf '%-26s %8d %8d %6d %7d %8d %7d %+9d %+8d\n' "$name" "$t" "$r" "$d" "$b" \
    $((t + r + d)) $((d + b)) $(((t + r + d) - (bt + br + bd))) $(((d + b) - (bd + bb)))
}
row pico-w-baseline pico-w-baseline
row pico-w-alerts pico-w-baseline
row pico-w-alerts-ecdsa-only pico-w-baseline
row esp32-c3-baseline esp32-c3-baseline
row esp32-c3-alerts esp32-c3-baseline
echo "flash = text + rodata + data; ram = data + bss (heaps included, stacks not); +: over the baseline"
echo "targets: +16 KiB flash, +24 KiB RAM over the baseline (reported, not enforced: see boards/README.md)"

# A missing variable is a compile error that names it.
if (cd "$ROOT/boards/esp32-c3" && env -u ALERT_TO CARGO_TARGET_DIR="$out/esp32-c3" \
      cargo build -q --release --locked --bin esp32-c3-alerts 2>"$out/missing.log"); then
  echo "the build succeeded without ALERT_TO" >&2; exit 1
fi
grep -q "environment variable ALERT_TO is not set" "$out/missing.log" \
  || { cat "$out/missing.log" >&2; echo "no clear error for a missing ALERT_TO" >&2; exit 1; }
echo "a missing ALERT_TO fails the build with: $(grep -o 'board configuration: environment variable ALERT_TO[^"]*' "$out/missing.log" | head -1)"
