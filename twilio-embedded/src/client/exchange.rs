//! One HTTP/1.1 request and response over an open stream.

use embedded_io_async::{BufRead, Write};
use twilio_core::outcome::{Outcome, TransportFailure};
use twilio_core::response::{Progress, ResponseParser};

/// How an exchange ended short of a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub(crate) enum ExchangeFailure {
    /// The stream failed or closed before a single response byte arrived: on a reused
    /// keep-alive connection this is the server having closed it while idle.
    NothingReceived,
    /// The stream failed or closed partway through the response.
    Truncated,
    /// The response was malformed or larger than the HTTP buffer.
    Malformed,
}

impl From<ExchangeFailure> for TransportFailure {
    fn from(failure: ExchangeFailure) -> Self {
        match failure {
            ExchangeFailure::NothingReceived | ExchangeFailure::Truncated => {
                TransportFailure::ConnectionReset
            }
            ExchangeFailure::Malformed => TransportFailure::InvalidResponse,
        }
    }
}

/// A classified response and whether the connection may carry the next request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Exchanged {
    pub(crate) outcome: Outcome,
    pub(crate) keep_alive: bool,
}

/// Sends `buf[..request_len]`, then parses the response into `buf`.
pub(crate) async fn exchange<S: BufRead + Write>(
    stream: &mut S,
    buf: &mut [u8],
    request_len: usize,
) -> Result<Exchanged, ExchangeFailure> {
    let request = buf.get(..request_len).ok_or(ExchangeFailure::Malformed)?;
    if stream.write_all(request).await.is_err() || stream.flush().await.is_err() {
        return Err(ExchangeFailure::NothingReceived);
    }
    let mut parser = ResponseParser::new(buf);
    let mut received = false;
    let mut leftover = false;
    loop {
        let fed = match stream.fill_buf().await {
            Ok(data) if !data.is_empty() => {
                received = true;
                parser.feed(data).map(|progress| (progress, data.len()))
            }
            // End of stream (or an error, which the stream cannot recover from either).
            _ if !received => return Err(ExchangeFailure::NothingReceived),
            _ => match parser.finish() {
                Ok(Progress::Complete { .. }) => break,
                _ => return Err(ExchangeFailure::Truncated),
            },
        };
        match fed {
            Ok((Progress::Partial, len)) => stream.consume(len),
            Ok((Progress::Complete { consumed }, len)) => {
                stream.consume(consumed);
                // Bytes nobody asked for: the framing can no longer be trusted.
                leftover = consumed < len;
                break;
            }
            Err(_) => return Err(ExchangeFailure::Malformed),
        }
    }
    let response = parser.response().ok_or(ExchangeFailure::Malformed)?;
    trace!("response: HTTP {}", response.status);
    Ok(Exchanged {
        outcome: Outcome::from_response(&response),
        keep_alive: response.keep_alive && !leftover,
    })
}
