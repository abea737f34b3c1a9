#!/usr/bin/env bash
# Board firmware: builds the Pico W and ESP32-C3 alert firmware and three embassy HTTPS POST
# baselines per chip in release (opt-level "z", LTO) with obviously fake configuration, and prints
# a size table (text, rodata, data, bss) with flash and RAM over each baseline: `baseline` does
# not verify the server (a bare POST: constant request, status line logged), `baseline-verify` is
# that POST verifying the server with embedded-tls's CertVerifier against the same anchors and
# features as the firmware, `baseline-example` is embassy's example shape (reqwless request and
# response, serde-json-core body) over that same verifying connection. See boards/README.md.
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

# build BOARD_DIR TARGET SUFFIX [cargo args...]: one release build of every binary of the board
# (the firmware and the three baselines) from the board folder (its .cargo/config.toml sets target,
# linker scripts and runner); each ELF is kept as BOARD-BIN-SUFFIX.
build() {
  local dir="$1" target="$2" suffix="$3"; shift 3
  (cd "$ROOT/boards/$dir" && CARGO_TARGET_DIR="$out/$dir$*" \
    cargo build -q --release --locked --target "$target" --bins "$@")
  for bin in "$out/$dir$*/$target/release/"*; do
    [ -f "$bin" ] && [ -x "$bin" ] || continue
    cp "$bin" "$out/elf/$dir-$(basename "$bin" | sed "s/^$dir-//")$suffix"
  done
}
build pico-w thumbv6m-none-eabi -ecdsa-only --no-default-features
build pico-w thumbv6m-none-eabi ""
build esp32-c3 riscv32imc-unknown-none-elf ""

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

printf '%-34s %7s %7s %5s %6s %7s %6s | %-17s | %-17s | %-17s\n' firmware text rodata data bss flash ram \
  "over no-verify" "over verifying" "over example shape"
# row NAME [NO_VERIFY VERIFYING EXAMPLE_SHAPE]: sizes, and flash/RAM over each baseline given.
row() {
  local name="$1" t r d b over="" base bt br bd bb
  read -r t r d b <<<"$(sizes "$out/elf/$name")"
  for base in "${@:2}"; do
    read -r bt br bd bb <<<"$(sizes "$out/elf/$base")"
    over+=$(printf '| %+8d %+8d ' $(((t + r + d) - (bt + br + bd))) $(((d + b) - (bd + bb))))
  done
  printf '%-34s %7d %7d %5d %6d %7d %6d %s\n' "$name" "$t" "$r" "$d" "$b" $((t + r + d)) $((d + b)) "$over"
}
row pico-w-baseline-ecdsa-only
row pico-w-baseline-verify-ecdsa-only
row pico-w-baseline-example-ecdsa-only
row pico-w-baseline-verify
row pico-w-baseline-example
row pico-w-alerts pico-w-baseline-ecdsa-only pico-w-baseline-verify pico-w-baseline-example
row pico-w-alerts-ecdsa-only pico-w-baseline-ecdsa-only pico-w-baseline-verify-ecdsa-only \
  pico-w-baseline-example-ecdsa-only
row esp32-c3-baseline
row esp32-c3-baseline-verify
row esp32-c3-baseline-example
row esp32-c3-alerts esp32-c3-baseline esp32-c3-baseline-verify esp32-c3-baseline-example
echo "flash = text + rodata + data; ram = data + bss (heaps included, stacks not); over: flash, RAM"
echo "pico-w-alerts (RSA) is compared with the RSA verifying baselines, pico-w-alerts-ecdsa-only with the"
echo "ECDSA-only ones; the no-verify baseline is the same for both (it needs neither RSA nor a heap)."

# The size target, enforced over embassy's example shape (verifying): +16 KiB flash, +24 KiB RAM.
# Over the bare verifying POST, a regression budget a little above today's figures (boards/README.md
# "Sizes"), the time of day over SNTP and certificate date checks included: growth there fails the
# check even while the target still holds. The headroom (~1.1 KiB Pico W, ~1.5 KiB C3) covers the
# clone path: the C3 keeps source paths in its panic locations.
over() { # over FIRMWARE BASELINE -> "flash ram" deltas
  local t r d b bt br bd bb
  read -r t r d b <<<"$(sizes "$out/elf/$1")"
  read -r bt br bd bb <<<"$(sizes "$out/elf/$2")"
  echo $(((t + r + d) - (bt + br + bd))) $(((d + b) - (bd + bb)))
}
failed=0
# budget FIRMWARE BASELINE MAX_FLASH MAX_RAM
budget() {
  local flash ram
  read -r flash ram <<<"$(over "$1" "$2")"
  if [ "$flash" -gt "$3" ] || [ "$ram" -gt "$4" ]; then
    echo "$1 over $2: flash $flash / RAM $ram, budget $3 / $4" >&2; failed=1
  fi
}
for fw in pico-w-alerts:pico-w-baseline-example pico-w-alerts-ecdsa-only:pico-w-baseline-example-ecdsa-only \
          esp32-c3-alerts:esp32-c3-baseline-example; do
  budget "${fw%%:*}" "${fw##*:}" 16384 24576
done
budget pico-w-alerts pico-w-baseline-verify 27136 4096
budget pico-w-alerts-ecdsa-only pico-w-baseline-verify-ecdsa-only 27136 4096
budget esp32-c3-alerts esp32-c3-baseline-verify 44544 4096
[ "$failed" = 0 ] || exit 1
echo "size target met over the example shape: <= +16 KiB flash, <= +24 KiB RAM; budgets over the"
echo "bare verifying POST held: Pico W <= +26.5 KiB, C3 <= +43.5 KiB flash, <= +4 KiB RAM"

# The baselines' shared POST on the host: the bare baseline's constant request is byte for byte what
# reqwless writes for the example shape, and the example shape's response reading and parsing.
(cd "$ROOT/boards/https-baseline" && CARGO_TARGET_DIR="$out/https-baseline" \
  cargo test -q --locked --features example-shape)

# A missing variable is a compile error that names it.
if (cd "$ROOT/boards/esp32-c3" && env -u ALERT_TO CARGO_TARGET_DIR="$out/esp32-c3" \
      cargo build -q --release --locked --bin esp32-c3-alerts 2>"$out/missing.log"); then
  echo "the build succeeded without ALERT_TO" >&2; exit 1
fi
grep -q "environment variable ALERT_TO is not set" "$out/missing.log" \
  || { cat "$out/missing.log" >&2; echo "no clear error for a missing ALERT_TO" >&2; exit 1; }
echo "a missing ALERT_TO fails the build with: $(grep -o 'board configuration: environment variable ALERT_TO[^"]*' "$out/missing.log" | head -1)"

# A malformed number is refused by the build too (build.rs runs the firmware's own checks).
if (cd "$ROOT/boards/esp32-c3" && ALERT_TO=+15005550010,sms:555-1234 CARGO_TARGET_DIR="$out/esp32-c3" \
      cargo build -q --release --locked --bin esp32-c3-alerts 2>"$out/malformed.log"); then
  echo "the build succeeded with ALERT_TO=555-1234" >&2; exit 1
fi
grep -q 'ALERT_TO: \\"555-1234\\" is not an E.164 number' "$out/malformed.log" \
  || { cat "$out/malformed.log" >&2; echo "no clear error for a malformed ALERT_TO" >&2; exit 1; }
echo "a malformed ALERT_TO fails the build with: $(grep -o 'board configuration: ALERT_TO[^)]*)' "$out/malformed.log" | head -1)"
