//! The response body type: a whole buffer, or a buffer cut short to simulate a reset.

use std::pin::Pin;
use std::task::{Context, Poll};

use hyper::body::{Body, Bytes, Frame, SizeHint};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Data,
    /// Give the connection one chance to flush the partial data before failing.
    Yield,
    Fail,
    Done,
}

/// A complete body, or (for the reset fault) half a body followed by an error that makes hyper
/// drop the connection.
#[derive(Debug)]
pub(crate) struct SimBody {
    data: Option<Bytes>,
    full_len: u64,
    truncated: bool,
    stage: Stage,
}

impl SimBody {
    pub(crate) fn full(data: impl Into<Bytes>) -> Self {
        let data: Bytes = data.into();
        let full_len = data.len() as u64;
        Self {
            data: Some(data),
            full_len,
            truncated: false,
            stage: Stage::Data,
        }
    }

    /// The first half of `data`, then a connection error.
    pub(crate) fn truncated(data: impl Into<Bytes>) -> Self {
        let data: Bytes = data.into();
        let full_len = data.len() as u64;
        let half = data.slice(..data.len() / 2);
        Self {
            data: Some(half),
            full_len,
            truncated: true,
            stage: Stage::Data,
        }
    }
}

impl Body for SimBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = self.get_mut();
        match this.stage {
            Stage::Data => {
                this.stage = if this.truncated {
                    Stage::Yield
                } else {
                    Stage::Done
                };
                match this.data.take() {
                    Some(d) if !d.is_empty() => Poll::Ready(Some(Ok(Frame::data(d)))),
                    _ => {
                        cx.waker().wake_by_ref();
                        Poll::Pending
                    }
                }
            }
            Stage::Yield => {
                this.stage = Stage::Fail;
                cx.waker().wake_by_ref();
                Poll::Pending
            }
            Stage::Fail => {
                this.stage = Stage::Done;
                Poll::Ready(Some(Err(std::io::Error::new(
                    std::io::ErrorKind::ConnectionReset,
                    "twilio-sim: simulated connection reset",
                ))))
            }
            Stage::Done => Poll::Ready(None),
        }
    }

    fn is_end_stream(&self) -> bool {
        self.stage == Stage::Done
            || (!self.truncated && self.data.as_ref().is_none_or(Bytes::is_empty))
    }

    fn size_hint(&self) -> SizeHint {
        // The truncated body still announces the full length: the client expects more.
        SizeHint::with_exact(self.full_len)
    }
}
