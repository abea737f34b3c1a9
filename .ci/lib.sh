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

# free_port: prints a TCP port free on loopback now.
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# running PID...: whether any of the processes is alive (not gone, not a zombie).
running() {
  local pid
  for pid in "$@"; do
    case "$(ps -o stat= -p "$pid" 2> /dev/null)" in "" | Z*) ;; *) return 0 ;; esac
  done
  return 1
}

# wait_for SECONDS WHAT COMMAND...: runs COMMAND every 0.2 s until it succeeds, at most SECONDS;
# then calls the script's `fail` (or exits 1).
wait_for() {
  local seconds="$1" what="$2"
  shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" > /dev/null 2>&1; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      if declare -F fail > /dev/null; then fail "timed out after ${seconds}s waiting for $what"; fi
      echo "timed out after ${seconds}s waiting for $what"
      exit 1
    fi
    sleep 0.2
  done
}

# start_sim BIN DIR [ARGS...]: twilio-sim on a free loopback port with its CA in DIR/sim-ca.pem
# and its log in DIR/sim.log; sets sim_port, sim_pid and sim (its base URL) once the CA is
# written. The caller kills sim_pid when it ends.
start_sim() {
  local bin="$1" dir="$2"
  shift 2
  sim_port=$(free_port)
  "$bin" --listen "127.0.0.1:$sim_port" --ca-out "$dir/sim-ca.pem" "$@" > "$dir/sim.log" 2>&1 &
  sim_pid=$!
  sim="https://127.0.0.1:$sim_port"
  wait_for 10 "twilio-sim's CA" test -s "$dir/sim-ca.pem"
}
