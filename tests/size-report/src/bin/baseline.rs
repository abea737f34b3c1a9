//! The floor every other binary is measured from: the entry point, the panic handler, and the
//! compiler runtime every real firmware already links (memcpy, memset, 32-bit division), so the
//! figures show what a path adds to an actual image rather than re-counting those.
#![no_std]
#![no_main]

use size_report::opaque;

size_report::entry!(|| {
    let mut a = [0u8; 256];
    let b = [0u8; 256];
    let dst: &mut [u8] = opaque(&mut a[..]);
    let src: &[u8] = opaque(&b[..]);
    let n = opaque(17usize).min(dst.len()).min(src.len());
    // copy_from_slice → memcpy, fill(0) → memclr, `/` and `%` on opaque values → uidivmod.
    dst[..n].copy_from_slice(&src[..n]);
    opaque(&mut *dst);
    dst.fill(0);
    opaque(dst);
    opaque(opaque(1000u32) / opaque(7u32) + opaque(1000u32) % opaque(9u32));
});
