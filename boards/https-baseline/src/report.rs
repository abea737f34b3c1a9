//! The log lines, each written as its chip logged it before this crate existed: defmt's byte
//! formatting on the Pico W, `log` with `Debug` on the ESP32-C3 (one format string cannot serve
//! both, so no shared macro).
#![allow(unused_variables)]

/// The first bytes of the response (the status line) of the bare POST.
pub(crate) fn response_head(head: &[u8]) {
    #[cfg(feature = "defmt")]
    defmt::info!("response: {=[u8]:a}", head);
    #[cfg(feature = "log")]
    log::info!("response: {:?}", core::str::from_utf8(head));
}

/// The HTTP status and the parsed message resource of the example-shape POST.
#[cfg(feature = "example-shape")]
pub(crate) fn message(http_status: u16, message: &crate::Message<'_>) {
    #[cfg(feature = "defmt")]
    defmt::info!(
        "HTTP {=u16}: message {=str} {=str}, error code {}",
        http_status,
        message.sid,
        message.status,
        message.error_code
    );
    #[cfg(feature = "log")]
    log::info!(
        "HTTP {}: message {} {}, error code {:?}",
        http_status,
        message.sid,
        message.status,
        message.error_code
    );
}
