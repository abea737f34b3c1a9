//! SMS segment counting and splitting (GSM-7 / UCS-2, extension and surrogate pairs, clusters).
#![no_std]
#![no_main]

use size_report::opaque;
use twilio_core::text::segments;

size_report::entry!(|| {
    let text: &str = opaque("Boiler 3 “92.5C” & rising");
    opaque(segments::count(text).segments);
    opaque(segments::split(text).map(|s| s.end).sum::<usize>());
});
