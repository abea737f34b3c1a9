//! Test doubles for the twilio-embedded paths: a stream that replays bytes, a fixed RNG and a
//! poll loop. They only have to keep the measured code linked, never to complete a handshake.

use core::future::Future;
use core::pin::pin;
use core::task::{Context, Poll, Waker};

/// Polls `future` until it completes (the doubles never wait, so this is a busy loop).
pub fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
    }
}

/// A stream whose reads replay an opaque byte string and whose writes vanish.
pub struct Replay(pub &'static [u8]);

impl embedded_io_async::ErrorType for Replay {
    type Error = core::convert::Infallible;
}

impl embedded_io_async::Read for Replay {
    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, Self::Error> {
        let n = buf.len().min(self.0.len());
        buf[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Ok(n)
    }
}

impl embedded_io_async::Write for Replay {
    async fn write(&mut self, buf: &[u8]) -> Result<usize, Self::Error> {
        Ok(crate::opaque(buf).len())
    }

    async fn flush(&mut self) -> Result<(), Self::Error> {
        Ok(())
    }
}

/// A xorshift "RNG" (size only; never use for real TLS).
pub struct Rng(pub u32);

impl rand_core::RngCore for Rng {
    fn next_u32(&mut self) -> u32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 17;
        self.0 ^= self.0 << 5;
        self.0
    }
    fn next_u64(&mut self) -> u64 {
        u64::from(self.next_u32()) << 32 | u64::from(self.next_u32())
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        for b in dest {
            *b = self.next_u32() as u8;
        }
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

impl rand_core::CryptoRng for Rng {}
