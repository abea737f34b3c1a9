#!/usr/bin/env bash
# alertd's Debian packages for amd64 and arm64 and its armv7 binary, built in the `release` profile
# (the amd64 build is shared with the other checks' release builds) with the repo's
# .cargo/config.toml and Debian's cross toolchains. Checks each .deb's contents and
# control fields, runs each binary (the ARM ones under qemu-user) with --version and check-config
# on the packaged alertd.toml, and prints package and binary sizes per architecture.
set -euo pipefail
source "$ROOT/.ci/lib.sh"
cd "$ROOT"
started=$(date +%s)

apt_install gcc-aarch64-linux-gnu gcc-arm-linux-gnueabihf libc6-dev-arm64-cross file \
  libc6-dev-armhf-cross qemu-user
rustup target add aarch64-unknown-linux-gnu armv7-unknown-linux-gnueabihf >/dev/null
command -v cargo-deb >/dev/null || cargo install cargo-deb --locked

target_dir="${CARGO_TARGET_DIR:-$ROOT/target}"
out="$target_dir/packages"
rm -rf "$out"
mkdir -p "$out/amd64" "$out/arm64"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Completions and man pages are the same on every architecture: the host's debug build
# (already built by the tests) writes them where the package metadata picks them up.
rm -rf alertd/pkg/generated
cargo run -q -p alertd --locked -- generate-assets alertd/pkg/generated

section "amd64 .deb"
cargo deb -p alertd --locked --strip -o "$out/amd64/"
section "arm64 .deb"
cargo deb -p alertd --locked --strip --target aarch64-unknown-linux-gnu -o "$out/arm64/"
section "armv7 binary"
cargo build -p alertd --locked --release --target armv7-unknown-linux-gnueabihf

expected=(
  ./usr/bin/alertd
  ./etc/alertd/alertd.toml
  ./usr/share/man/man1/alertd.1.gz
  ./usr/share/man/man1/alertd-check-config.1.gz
  ./usr/share/bash-completion/completions/alertd
  ./usr/share/zsh/vendor-completions/_alertd
  ./usr/share/fish/vendor_completions.d/alertd.fish
  ./usr/share/doc/alertd/copyright
)

# check_deb ARCH: contents, control fields, conffiles and maintainer scripts of alertd_*_ARCH.deb;
# extracts it into $work/ARCH.
check_deb() {
  local arch="$1" deb
  deb=$(ls "$out/$arch"/alertd_*_"$arch".deb)
  section "contents of $(basename "$deb")"
  dpkg-deb -c "$deb" | tee "$work/$arch.list"
  for path in "${expected[@]}"; do
    awk '{print $6}' "$work/$arch.list" | grep -qx -- "$path" || { echo "missing in $deb: $path"; exit 1; }
  done
  awk '{print $6}' "$work/$arch.list" | grep -Eqx '\./(usr/)?lib/systemd/system/alertd\.service' \
    || { echo "missing in $deb: alertd.service"; exit 1; }
  grep -E '\./usr/bin/alertd$' "$work/$arch.list" | grep -q '^-rwxr-xr-x' \
    || { echo "/usr/bin/alertd is not 0755"; exit 1; }
  dpkg-deb -f "$deb" Package Version Architecture Depends Section Maintainer
  [ "$(dpkg-deb -f "$deb" Package)" = alertd ] || { echo "Package is not alertd"; exit 1; }
  [ "$(dpkg-deb -f "$deb" Architecture)" = "$arch" ] || { echo "Architecture is not $arch"; exit 1; }
  dpkg-deb -f "$deb" Depends | grep -q libc6 || { echo "Depends lacks libc6"; exit 1; }
  dpkg-deb -e "$deb" "$work/$arch.control"
  grep -qx /etc/alertd/alertd.toml "$work/$arch.control/conffiles" \
    || { echo "alertd.toml is not a conffile"; exit 1; }
  grep -q 'deb-systemd-helper' "$work/$arch.control/postinst" \
    || { echo "postinst does not enable the unit"; exit 1; }
  dpkg-deb -x "$deb" "$work/$arch"
  file "$work/$arch/usr/bin/alertd" | grep -q ', stripped' \
    || { echo "$arch: /usr/bin/alertd is not stripped"; exit 1; }
  local unit
  unit=$(find "$work/$arch" -name alertd.service)
  for key in Type=notify DynamicUser=yes StateDirectory=alertd ProtectSystem=strict \
    NoNewPrivileges=yes PrivateTmp=yes ProtectHome=yes Restart=on-failure LimitNOFILE= ExecReload=; do
    grep -q "^$key" "$unit" || { echo "alertd.service lacks $key"; exit 1; }
  done
}

# run_binary ARCH BINARY RUNNER...: --version and check-config on the packaged alertd.toml.
run_binary() {
  local arch="$1" bin="$2"
  shift 2
  section "$arch binary"
  "$@" "$bin" --version | tee "$work/version"
  grep -q "^alertd $(cargo metadata --no-deps --format-version 1 --locked \
    | python3 -c 'import json,sys; print(next(p["version"] for p in json.load(sys.stdin)["packages"] if p["name"]=="alertd"))')$" "$work/version" \
    || { echo "$arch: unexpected --version"; exit 1; }
  "$@" "$bin" check-config -c "$work/amd64/etc/alertd/alertd.toml" | tee "$work/check"
  grep -q "sender dry-run" "$work/check" || { echo "$arch: the packaged config is not a dry run"; exit 1; }
}

check_deb amd64
check_deb arm64
run_binary amd64 "$work/amd64/usr/bin/alertd" env
run_binary arm64 "$work/arm64/usr/bin/alertd" qemu-aarch64 -L /usr/aarch64-linux-gnu
run_binary armv7 "$target_dir/armv7-unknown-linux-gnueabihf/release/alertd" qemu-arm -L /usr/arm-linux-gnueabihf

section "sizes (bytes)"
printf '%-6s %12s %12s\n' arch package binary
for arch in amd64 arm64; do
  printf '%-6s %12s %12s\n' "$arch" "$(stat -c %s "$out/$arch"/alertd_*_"$arch".deb)" \
    "$(stat -c %s "$work/$arch/usr/bin/alertd")"
done
# Stripped as the packages' binaries are (release keeps line tables for profiling).
arm-linux-gnueabihf-strip -o "$work/armv7-alertd" "$target_dir/armv7-unknown-linux-gnueabihf/release/alertd"
printf '%-6s %12s %12s\n' armv7 - "$(stat -c %s "$work/armv7-alertd")"
echo "packages check took $(( $(date +%s) - started )) s"
