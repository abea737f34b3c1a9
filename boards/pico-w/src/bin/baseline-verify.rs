//! Size baseline: the same bare embassy HTTPS POST as `baseline.rs`, but verifying the server's
//! certificate the way a plain embedded-tls user would: its `CertVerifier` (chain, host name and,
//! once known, validity dates) against the same trust anchors and with the same verifier and
//! crypto features (`rustpki`; `rsa` with the same 16 KiB heap under the default feature) as the
//! alert firmware. With two anchors it tries one per connection and moves to the next when the
//! certificate is rejected. Never flashed for use: see `../baseline/mod.rs`.
#![no_std]
#![no_main]

#[path = "../baseline/mod.rs"]
mod baseline;

use core::sync::atomic::{AtomicU32, Ordering};

use embassy_executor::Spawner;
use embassy_rp::clocks::RoscRng;
use embassy_time::Timer;
use embedded_tls::pki::CertVerifier;
use embedded_tls::{
    Aes128GcmSha256, Certificate, CryptoProvider, CryptoRngCore, TlsClock, TlsError, TlsVerifier,
};
use static_cell::ConstStaticCell;
use {defmt_rtt as _, panic_probe as _};

/// The same heap as the alert firmware's for RSA certificates.
#[cfg(feature = "rsa")]
mod heap {
    use core::mem::MaybeUninit;

    use embedded_alloc::LlffHeap as Heap;

    const HEAP_SIZE: usize = 16 * 1024;
    #[global_allocator]
    static HEAP: Heap = Heap::empty();

    pub fn init() {
        static mut HEAP_MEM: [MaybeUninit<u8>; HEAP_SIZE] = [MaybeUninit::uninit(); HEAP_SIZE];
        // SAFETY: called once, before anything allocates; HEAP_MEM is used by nothing else.
        unsafe { HEAP.init(&raw mut HEAP_MEM as usize, HEAP_SIZE) }
    }
}

/// The roots the alert firmware is built with by default (`boards/trust-anchors/`).
static ANCHORS: [&[u8]; 2] = [
    include_bytes!("../../../trust-anchors/amazon-root-ca-1.der"),
    include_bytes!("../../../trust-anchors/digicert-global-root-g2.der"),
];

/// Seconds since 1970 once known (0: not known, dates unchecked), as the alert firmware's clock.
static UNIX_SECONDS: AtomicU32 = AtomicU32::new(0);

struct Clock;

impl TlsClock for Clock {
    fn now() -> Option<u64> {
        match UNIX_SECONDS.load(Ordering::Relaxed) {
            0 => None,
            seconds => Some(u64::from(seconds)),
        }
    }
}

/// embedded-tls's verifier for one anchor, with the chain buffer the alert firmware uses.
struct Verifying<'a, R> {
    rng: &'a mut R,
    verifier: CertVerifier<'a, Aes128GcmSha256, Clock, 4_096>,
}

impl<R: CryptoRngCore> CryptoProvider for Verifying<'_, R> {
    type CipherSuite = Aes128GcmSha256;
    type Signature = [u8; 0];

    fn rng(&mut self) -> impl CryptoRngCore {
        &mut *self.rng
    }

    fn verifier(&mut self) -> Result<&mut impl TlsVerifier<Aes128GcmSha256>, TlsError> {
        Ok(&mut self.verifier)
    }
}

#[embassy_executor::main]
async fn main(spawner: Spawner) {
    #[cfg(feature = "rsa")]
    heap::init();
    let stack = baseline::network(spawner).await;
    static BUFFERS: ConstStaticCell<baseline::Buffers> =
        ConstStaticCell::new(baseline::Buffers::new());
    let buffers = BUFFERS.take();
    let mut rng = RoscRng;
    let mut anchor = 0;
    loop {
        Timer::after_secs(10).await;
        let provider = Verifying {
            rng: &mut rng,
            verifier: CertVerifier::new(Certificate::X509(ANCHORS[anchor])),
        };
        if let Err(baseline::Failed::Tls(TlsError::InvalidCertificate)) =
            baseline::post(stack, buffers, provider).await
        {
            anchor = (anchor + 1) % ANCHORS.len();
        }
    }
}
