//! The same alert text as text-template, written with core::fmt's float formatting instead, to
//! show what fixed-point numbers save.
#![no_std]
#![no_main]

use core::fmt::Write;

use size_report::opaque;
use twilio_core::buf::SliceWriter;

size_report::entry!(|| {
    let mut buf = [0u8; 160];
    let mut out = SliceWriter::new(opaque(&mut buf));
    let (name, value, unit, limit, site) = opaque(("boiler", 92.46_f32, "C", 90.0_f32, "B"));
    let _ = write!(out, "{name} {value:.1}{unit} above {limit:.1} at {site}");
    opaque(out.finish().ok());
});
