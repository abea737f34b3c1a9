//! An alert text from a template with fixed-point numbers (a float reading rounded to 1 decimal;
//! no core::fmt float code). Compare with template-corefmt.
#![no_std]
#![no_main]

use size_report::opaque;
use twilio_core::text::template::{DEFAULT_TEMPLATE, Fixed, Value, render};

size_report::entry!(|| {
    let Some(value) = Fixed::from_f32(opaque(92.46_f32), 1) else {
        return;
    };
    let values = [
        ("name", Value::Text(opaque("boiler"))),
        ("value", Value::Number(value)),
        ("unit", Value::Text("C")),
        ("limit", Value::Number(Fixed::new(opaque(900), 1))),
        ("site", Value::Text(opaque("B"))),
    ];
    let mut buf = [0u8; 160];
    opaque(render(DEFAULT_TEMPLATE, &values, opaque(&mut buf)).ok());
});
