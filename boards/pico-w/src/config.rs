//! The build-time configuration (`build.rs` writes it from environment variables).
include!(concat!(env!("OUT_DIR"), "/config.rs"));
