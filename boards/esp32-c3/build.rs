//! Writes the board configuration from the environment (see ../README.md).

use std::env;
use std::path::PathBuf;

#[path = "../build-support/board_config.rs"]
mod board_config;

fn main() {
    let out = PathBuf::from(env::var_os("OUT_DIR").unwrap());
    let manifest = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").unwrap());
    board_config::write_board_config(&out, "ESP32-C3", &manifest.join("../trust-anchors"));
}
