# Shared helpers for .ci/run and .ci/checks/*.sh. Everything here is idempotent.

# Print a section header that stands out in the CI log.
section() { printf '\n=== %s ===\n' "$*"; }

# apt_install PKG...: install Debian packages that are not installed yet.
apt_install() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ -z "${CI_APT_UPDATED:-}" ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    export CI_APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# The bare-metal targets the core and the boards build for.
ensure_targets() {
  local targets=(thumbv6m-none-eabi riscv32imc-unknown-none-elf)
  if rustup target add "${targets[@]}" >/dev/null 2>&1; then
    export CORE_BUILD_STD=""
    return 0
  fi
  # Fallback from the design guide: Debian's rust-web with build-std.
  echo "rustup could not add targets; falling back to Debian rustc-web + build-std"
  apt_install rustc-web cargo-web rust-web-src
  export CORE_BUILD_STD="-Zbuild-std=core"
  export PATH="/usr/bin:$PATH" RUSTC_BOOTSTRAP=1
}

# cross_build TARGET ARGS...: cargo build for a bare-metal target, with build-std when needed.
cross_build() {
  local target="$1"; shift
  # shellcheck disable=SC2086
  cargo build --target "$target" ${CORE_BUILD_STD:-} "$@"
}
