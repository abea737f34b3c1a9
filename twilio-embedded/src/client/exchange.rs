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

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec::Vec;
    use twilio_core::outcome::ErrorCode;

    /// Replays scripted reads (each `fill_buf` returns one chunk, or an error for `None`), and
    /// records what was written.
    struct Script {
        chunks: Vec<Option<Vec<u8>>>,
        next: usize,
        offset: usize,
        written: Vec<u8>,
    }

    impl Script {
        fn new(chunks: &[Option<&[u8]>]) -> Self {
            Self {
                chunks: chunks.iter().map(|c| c.map(<[u8]>::to_vec)).collect(),
                next: 0,
                offset: 0,
                written: Vec::new(),
            }
        }
    }

    impl embedded_io_async::ErrorType for Script {
        type Error = embedded_io::ErrorKind;
    }

    impl embedded_io_async::Read for Script {
        async fn read(&mut self, buf: &mut [u8]) -> Result<usize, Self::Error> {
            let data = self.fill_buf().await?;
            let n = data.len().min(buf.len());
            buf[..n].copy_from_slice(&data[..n]);
            self.consume(n);
            Ok(n)
        }
    }

    impl BufRead for Script {
        async fn fill_buf(&mut self) -> Result<&[u8], Self::Error> {
            match self.chunks.get(self.next) {
                None => Ok(&[]),
                Some(None) => Err(embedded_io::ErrorKind::ConnectionReset),
                Some(Some(chunk)) => Ok(&chunk[self.offset..]),
            }
        }

        fn consume(&mut self, amt: usize) {
            self.offset += amt;
            if let Some(Some(chunk)) = self.chunks.get(self.next)
                && self.offset >= chunk.len()
            {
                self.next += 1;
                self.offset = 0;
            }
        }
    }

    impl Write for Script {
        async fn write(&mut self, buf: &[u8]) -> Result<usize, Self::Error> {
            self.written.extend_from_slice(buf);
            Ok(buf.len())
        }

        async fn flush(&mut self) -> Result<(), Self::Error> {
            Ok(())
        }
    }

    async fn run(chunks: &[Option<&[u8]>]) -> (Result<Exchanged, ExchangeFailure>, Vec<u8>) {
        let mut script = Script::new(chunks);
        let mut buf = [0u8; 1024];
        buf[..7].copy_from_slice(b"request");
        let result = exchange(&mut script, &mut buf, 7).await;
        (result, script.written)
    }

    const CREATED: &[u8] = b"HTTP/1.1 201 Created\r\nContent-Length: 55\r\n\r\n\
        {\"sid\": \"SM0123456789abcdef0123456789abcdef\", \"x\": 1}  ";

    #[tokio::test]
    async fn response_split_across_reads() {
        let (head, body) = CREATED.split_at(30);
        let (result, written) = run(&[Some(head), Some(body)]).await;
        assert_eq!(written, b"request");
        let exchanged = result.unwrap();
        assert!(matches!(
            exchanged.outcome,
            Outcome::Accepted { sid: Some(_), .. }
        ));
        assert!(exchanged.keep_alive);
    }

    #[tokio::test]
    async fn connection_close_and_leftover_bytes_end_keep_alive() {
        let close = b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 15\r\n\r\n{\"code\": 21211}";
        let exchanged = run(&[Some(close)]).await.0.unwrap();
        assert_eq!(
            exchanged.outcome,
            Outcome::Rejected {
                code: Some(ErrorCode::INVALID_TO)
            }
        );
        assert!(!exchanged.keep_alive);

        let mut extra = CREATED.to_vec();
        extra.extend_from_slice(b"HTTP/1.1 200 OK\r\n");
        let exchanged = run(&[Some(&extra)]).await.0.unwrap();
        assert!(matches!(exchanged.outcome, Outcome::Accepted { .. }));
        assert!(!exchanged.keep_alive, "unasked-for bytes: do not reuse");
    }

    #[tokio::test]
    async fn failures_are_values() {
        assert_eq!(run(&[]).await.0, Err(ExchangeFailure::NothingReceived));
        assert_eq!(run(&[None]).await.0, Err(ExchangeFailure::NothingReceived));
        assert_eq!(
            run(&[Some(&CREATED[..60])]).await.0,
            Err(ExchangeFailure::Truncated)
        );
        assert_eq!(
            run(&[Some(&CREATED[..60]), None]).await.0,
            Err(ExchangeFailure::Truncated)
        );
        assert_eq!(
            run(&[Some(b"SSH-2.0-OpenSSH_9.6\r\n")]).await.0,
            Err(ExchangeFailure::Malformed)
        );
        // Larger than the 1 KiB buffer.
        let mut huge = b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n".to_vec();
        huge.resize(huge.len() + 5000, b'x');
        assert_eq!(run(&[Some(&huge)]).await.0, Err(ExchangeFailure::Malformed));
    }

    #[tokio::test]
    async fn body_delimited_by_close_completes() {
        let response =
            b"HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\n<html>busy</html>";
        let exchanged = run(&[Some(response)]).await.0.unwrap();
        assert!(exchanged.outcome.is_retry());
        assert!(!exchanged.keep_alive);
    }
}
