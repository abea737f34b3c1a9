//! Links with memory.x, copies the CYW43439 nvram blob from `CYW43_NVRAM_DIR` (it ships in no
//! crate and is not in this repository) and writes the board configuration from the environment.

use std::env;
use std::path::PathBuf;

#[path = "../build-support/board_config.rs"]
mod board_config;

fn main() {
    let out = PathBuf::from(env::var_os("OUT_DIR").unwrap());
    let manifest = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").unwrap());

    std::fs::copy(manifest.join("memory.x"), out.join("memory.x")).unwrap();
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rerun-if-changed=memory.x");
    println!("cargo:rustc-link-arg-bins=--nmagic");
    println!("cargo:rustc-link-arg-bins=-Tlink.x");
    println!("cargo:rustc-link-arg-bins=-Tlink-rp.x");
    println!("cargo:rustc-link-arg-bins=-Tdefmt.x");

    println!("cargo:rerun-if-env-changed=CYW43_NVRAM_DIR");
    let Some(dir) = env::var_os("CYW43_NVRAM_DIR") else {
        eprintln!(
            "error: set CYW43_NVRAM_DIR to the folder holding nvram_rp2040.bin, the CYW43439 \
             board configuration of the Pico W. It is in no crate: take cyw43-firmware/nvram_rp2040.bin \
             from https://github.com/embassy-rs/embassy (Infineon Permissive Binary License 1.0) \
             and point CYW43_NVRAM_DIR at its folder (see boards/README.md)."
        );
        std::process::exit(1);
    };
    let nvram = PathBuf::from(dir).join("nvram_rp2040.bin");
    println!("cargo:rerun-if-changed={}", nvram.display());
    if let Err(e) = std::fs::copy(&nvram, out.join("nvram_rp2040.bin")) {
        eprintln!(
            "error: cannot read {} ({e}); CYW43_NVRAM_DIR must hold nvram_rp2040.bin",
            nvram.display()
        );
        std::process::exit(1);
    }

    board_config::write_board_config(&out, "Pico W", &manifest.join("../trust-anchors"));
    write_sensor_config(&out);
}

/// `PICO_SENSOR=gpio26` reads an external analog sensor on GPIO 26 (ADC 0) instead of the die
/// temperature: value = volts * PICO_SENSOR_SCALE + PICO_SENSOR_OFFSET (defaults 100 and -50,
/// a TMP36: 10 mV per degree, 500 mV at 0 C).
fn write_sensor_config(out: &std::path::Path) {
    for name in ["PICO_SENSOR", "PICO_SENSOR_SCALE", "PICO_SENSOR_OFFSET"] {
        println!("cargo:rerun-if-env-changed={name}");
    }
    let number = |name: &str, default: f32| -> Result<f32, String> {
        match env::var(name) {
            Err(_) => Ok(default),
            Ok(v) => v
                .parse::<f32>()
                .ok()
                .filter(|x| x.is_finite() && x.abs() < 1e6)
                .ok_or(format!(
                    "environment variable {name}={v:?} is not a number (or beyond 1e6)"
                )),
        }
    };
    let code = match env::var("PICO_SENSOR").as_deref() {
        Err(_) | Ok("" | "die") => "pub const EXTERNAL: Option<(i32, i32)> = None;".to_owned(),
        Ok("gpio26") => match (
            number("PICO_SENSOR_SCALE", 100.0),
            number("PICO_SENSOR_OFFSET", -50.0),
        ) {
            // In the sensor's integer units: tenths per volt and tenths.
            (Ok(scale), Ok(offset)) => format!(
                "pub const EXTERNAL: Option<(i32, i32)> = Some(({}, {}));",
                (f64::from(scale) * 10.0).round() as i32,
                (f64::from(offset) * 10.0).round() as i32
            ),
            (Err(e), _) | (_, Err(e)) => {
                format!("compile_error!({:?});", format!("board configuration: {e}"))
            }
        },
        Ok(other) => format!(
            "compile_error!({:?});",
            format!(
                "board configuration: PICO_SENSOR={other:?}: use \"die\" (default) or \"gpio26\""
            )
        ),
    };
    std::fs::write(out.join("sensor.rs"), code + "\n").unwrap();
}
