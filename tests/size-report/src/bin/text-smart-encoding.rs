//! Smart encoding with its replacement table (271 entries), choosing the cheaper text.
#![no_std]
#![no_main]

use size_report::opaque;
use twilio_core::text::smart_encoding;

size_report::entry!(|| {
    let mut buf = [0u8; 256];
    opaque(smart_encoding::encode(opaque("Sensor “boiler” – temp high…"), opaque(&mut buf)).ok());
});
