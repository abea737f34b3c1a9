//! The floor every other binary is measured from: the entry point, the panic handler, and the
//! compiler runtime every real firmware already links (memcpy, memset, 32-bit division; see
//! `size_report::runtime_floor`, which every `entry!` binary links too), so the figures show
//! what a path adds to an actual image.
#![no_std]
#![no_main]

size_report::entry!(|| {
    size_report::opaque(0u32);
});
