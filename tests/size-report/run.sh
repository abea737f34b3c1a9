#!/usr/bin/env bash
# Builds every binary in src/bin/ for thumbv6m-none-eabi at opt-level "z" (LTO, panic=abort) and
# prints the flash each adds over `baseline`. Add a path to the report by adding a binary.
# attribute.py breaks one binary's .text down by source (crate, file, function or line).
# Env: SIZE_BUDGET_request=4096 (bytes of .text over baseline; any bin name) makes the script fail
# when that binary's .text delta exceeds the budget. CORE_BUILD_STD is passed to cargo (see
# .ci/lib.sh's Debian fallback).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
target=thumbv6m-none-eabi
export CARGO_TARGET_DIR="${SIZE_REPORT_TARGET_DIR:-${CARGO_TARGET_DIR:-$here/../../target}/size-report}"

find_llvm_size() {
  local sysroot host
  sysroot="$(rustc --print sysroot)"
  host="$(rustc -vV | sed -n 's/^host: //p')"
  for c in "$sysroot/lib/rustlib/$host/bin/llvm-size" "$(command -v llvm-size || true)" \
           "$(command -v llvm-size-19 || true)" "$(command -v rust-size || true)"; do
    [ -n "$c" ] && [ -x "$c" ] && { echo "$c"; return 0; }
  done
  echo "llvm-size not found: run 'rustup component add llvm-tools' or install Debian's llvm" >&2
  return 1
}
size_tool="$(find_llvm_size)"

# shellcheck disable=SC2086
cargo build -q --release --locked --manifest-path "$here/Cargo.toml" --target "$target" \
  ${CORE_BUILD_STD:-} --bins

# section_size ELF NAME: bytes of one section (0 when absent).
section_size() {
  "$size_tool" -A "$1" | awk -v s="$2" '$1 == s { print $2; found=1 } END { if (!found) print 0 }'
}

bins=$(cd "$here/src/bin" && ls ./*.rs | sed 's|^\./||; s|\.rs$||' | sort)
base_elf="$CARGO_TARGET_DIR/$target/release/baseline"
[ -f "$base_elf" ] || { echo "baseline binary missing: $base_elf" >&2; exit 1; }
base_text=$(section_size "$base_elf" .text)
base_ro=$(section_size "$base_elf" .rodata)

printf '%-14s %8s %8s %12s %14s\n' path .text .rodata "+.text" "+.text+.rodata"
status=0
for bin in $bins; do
  elf="$CARGO_TARGET_DIR/$target/release/$bin"
  text=$(section_size "$elf" .text)
  ro=$(section_size "$elf" .rodata)
  dt=$((text - base_text))
  dflash=$((text + ro - base_text - base_ro))
  printf '%-14s %8d %8d %12d %14d\n' "$bin" "$text" "$ro" "$dt" "$dflash"
  budget_var="SIZE_BUDGET_${bin//-/_}"
  budget="${!budget_var:-}"
  if [ -n "$budget" ] && [ "$dt" -gt "$budget" ]; then
    echo "$bin: .text grows by $dt bytes, over its budget of $budget" >&2
    status=1
  fi
done
echo "(+ columns: bytes over 'baseline'. Every binary, baseline included, links the same runtime floor (memcpy, memclr, 32-bit division; see src/lib.rs), so a figure is what the path adds to a firmware that has that floor: its own code, the calling code in its src/bin file, and any runtime routine beyond the floor it needs (memcmp, aligned memcpy, 64-bit arithmetic). baseline-bare minus baseline is the floor itself.)"
exit $status
