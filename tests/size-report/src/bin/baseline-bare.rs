//! Nothing but the entry point and the panic handler: `baseline` minus this is the size of the
//! compiler-runtime floor.
#![no_std]
#![no_main]

size_report::entry_bare!(|| {
    size_report::opaque(0u32);
});
