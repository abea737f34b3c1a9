//! The heap for RSA certificate verification (api.twilio.com's chain is RSA; embedded-alloc,
//! 16 KiB); nothing else allocates. The alert firmware's, and the verifying baselines' RSA builds
//! include the same file (`bin/baseline.rs` verifies nothing and has no heap to set up).

use core::mem::MaybeUninit;

use embedded_alloc::LlffHeap as Heap;

const HEAP_SIZE: usize = 16 * 1024;
#[global_allocator]
static HEAP: Heap = Heap::empty();

/// Hands the heap its memory; call once, first thing in `main`.
pub fn init() {
    static mut HEAP_MEM: [MaybeUninit<u8>; HEAP_SIZE] = [MaybeUninit::uninit(); HEAP_SIZE];
    // SAFETY: called once, before anything allocates; HEAP_MEM is used by nothing else.
    unsafe { HEAP.init(&raw mut HEAP_MEM as usize, HEAP_SIZE) }
}
