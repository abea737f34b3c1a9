//! The HTTP/1.1 response push parser.

use core::fmt;

use super::Delay;
use super::chunked::{Phase, SizeLine, Step};
use super::head::{self, Lines};
use super::http_date;

/// Most header lines a response head may have. Twilio sends about twenty.
pub const MAX_HEADERS: usize = 48;

/// A response could not be parsed. After any error the connection's framing is lost: close it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum ResponseError {
    /// The status line or a header is malformed.
    InvalidHead,
    /// More than [`MAX_HEADERS`] header lines.
    TooManyHeaders {
        /// The limit.
        max: usize,
    },
    /// The head alone does not fit in the buffer; it is longer than `at_least` bytes.
    HeadTooLarge {
        /// Bytes buffered when space ran out.
        at_least: usize,
    },
    /// Head plus body need `required` bytes of buffer (for chunked bodies: at least that many).
    TooLarge {
        /// Buffer size that would hold the response.
        required: usize,
    },
    /// `Content-Length` is not a number, or two of them disagree.
    InvalidContentLength,
    /// A `Transfer-Encoding` other than `chunked` (which HTTP/1.1 clients need not support).
    UnsupportedTransferEncoding,
    /// The chunked framing is malformed.
    InvalidChunk,
    /// The connection closed before the response was complete.
    UnexpectedEof,
    /// `feed` was called after an error; reset the parser (and the connection) first.
    Failed,
}

impl fmt::Display for ResponseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidHead => f.write_str("malformed HTTP response head"),
            Self::TooManyHeaders { max } => write!(f, "more than {max} response headers"),
            Self::HeadTooLarge { at_least } => {
                write!(f, "response head longer than {at_least} bytes does not fit")
            }
            Self::TooLarge { required } => {
                write!(f, "response needs a {required}-byte buffer")
            }
            Self::InvalidContentLength => f.write_str("invalid Content-Length"),
            Self::UnsupportedTransferEncoding => f.write_str("unsupported Transfer-Encoding"),
            Self::InvalidChunk => f.write_str("malformed chunked body"),
            Self::UnexpectedEof => f.write_str("connection closed mid-response"),
            Self::Failed => f.write_str("parser already failed"),
        }
    }
}

impl core::error::Error for ResponseError {}

/// What a call to [`ResponseParser::feed`] achieved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Progress {
    /// All input was consumed and more is needed.
    Partial,
    /// The response is complete. Only `consumed` bytes of this input belonged to it: anything
    /// after them is the start of the next response on a keep-alive connection.
    Complete {
        /// Bytes of the last input that belonged to this response.
        consumed: usize,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Head,
    /// A `Content-Length` body; `ResponseParser::remaining` bytes are still to come.
    Fixed,
    Chunked(Phase),
    UntilClose,
    Complete,
    Failed,
}

#[derive(Debug, Clone, Copy, Default)]
struct Head {
    status: u16,
    keep_alive: bool,
    retry_after: Option<Delay>,
}

/// A complete response, borrowed from the parser's buffer.
#[derive(Debug, Clone, Copy)]
pub struct Response<'r> {
    /// HTTP status code.
    pub status: u16,
    /// The body, de-chunked.
    pub body: &'r [u8],
    /// The delay `Retry-After` asks for: its delta-seconds, or [`RETRY_AFTER_DATE_DELAY`](super::RETRY_AFTER_DATE_DELAY) for
    /// the HTTP-date form (or anything else that is not a number), so that a device does not
    /// link a date parser; [`Response::retry_after_date`] reads the date exactly.
    pub retry_after: Option<Delay>,
    /// True when the connection may carry another request.
    pub keep_alive: bool,
    head: &'r [u8],
}

impl<'r> Response<'r> {
    /// The first header named `name` (ASCII case-insensitive), value trimmed.
    ///
    /// ```
    /// use twilio_core::response::ResponseParser;
    ///
    /// let mut buf = [0u8; 256];
    /// let mut parser = ResponseParser::new(&mut buf);
    /// parser.feed(b"HTTP/1.1 204 No Content\r\nTwilio-Request-Id: RQ42\r\n\r\n").unwrap();
    /// let response = parser.response().unwrap();
    /// assert_eq!(response.header("twilio-request-id"), Some(&b"RQ42"[..]));
    /// assert!(response.keep_alive);
    /// ```
    pub fn header(&self, name: &str) -> Option<&'r [u8]> {
        // The head was validated when it was parsed; the status line is skipped.
        Lines(self.head)
            .skip(1)
            .filter_map(|line| line.ok().and_then(head::field))
            .find(|(n, _)| n.eq_ignore_ascii_case(name.as_bytes()))
            .map(|(_, value)| value)
    }

    /// The delay an HTTP-date `Retry-After` asks for, taken relative to the response's own `Date`
    /// header (no clock needed): `None` when `Retry-After` is absent or not a date, or when
    /// `Date` is missing or unreadable. Only the IMF-fixdate form (`Sun, 06 Nov 1994 08:49:37
    /// GMT`, which RFC 9110 requires senders to use) and years 1970 to 2105 are read. A date in
    /// the past is a zero delay.
    ///
    /// ```
    /// use twilio_core::outcome::Delay;
    /// use twilio_core::response::{RETRY_AFTER_DATE_DELAY, ResponseParser};
    ///
    /// let mut buf = [0u8; 256];
    /// let mut parser = ResponseParser::new(&mut buf);
    /// parser.feed(b"HTTP/1.1 503 Service Unavailable\r\n\
    ///     Retry-After: Sun, 22 Nov 2026 19:41:12 GMT\r\n\
    ///     Date: Sun, 22 Nov 2026 19:40:12 GMT\r\nContent-Length: 0\r\n\r\n").unwrap();
    /// let response = parser.response().unwrap();
    /// assert_eq!(response.retry_after, Some(RETRY_AFTER_DATE_DELAY));
    /// assert_eq!(response.retry_after_date(), Some(Delay::from_secs(60)));
    /// ```
    pub fn retry_after_date(&self) -> Option<Delay> {
        http_date::until(self.header("retry-after")?, self.header("date")?)
    }

    /// True for 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// Pushes response bytes into a caller-owned buffer and reports when a response is complete.
///
/// The buffer holds the head followed by the body (chunked bodies are de-chunked in place), so
/// it must be as large as the largest response expected; when it is not, the error says how
/// large it must be. Nothing is allocated and no input makes it panic.
///
/// ```
/// use twilio_core::response::{Progress, ResponseParser};
///
/// let mut buf = [0u8; 512];
/// let mut parser = ResponseParser::new(&mut buf);
/// let wire = b"HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n{}HTTP/1.1 ...";
/// assert_eq!(parser.feed(&wire[..10]), Ok(Progress::Partial));
/// // Only the first response is consumed; the rest of the input starts the next one.
/// assert_eq!(parser.feed(&wire[10..]), Ok(Progress::Complete { consumed: 35 }));
/// let response = parser.response().unwrap();
/// assert_eq!(response.status, 201);
/// assert_eq!(response.body, b"{}");
/// ```
#[derive(Debug)]
pub struct ResponseParser<'b> {
    buf: &'b mut [u8],
    len: usize,
    head_len: usize,
    state: State,
    /// Body bytes still to come in `State::Fixed`; the chunk size being read, then the chunk
    /// data still to come, in `State::Chunked`.
    remaining: SizeLine,
    head: Head,
}

impl<'b> ResponseParser<'b> {
    /// A parser that stores the response in `buf`.
    pub fn new(buf: &'b mut [u8]) -> Self {
        Self {
            buf,
            len: 0,
            head_len: 0,
            state: State::Head,
            remaining: SizeLine::default(),
            head: Head::default(),
        }
    }

    /// Forgets the current response so the buffer can take the next one.
    pub fn reset(&mut self) {
        self.len = 0;
        self.head_len = 0;
        self.state = State::Head;
        self.remaining = SizeLine::default();
        self.head = Head::default();
    }

    /// True once a response is complete.
    pub fn is_complete(&self) -> bool {
        self.state == State::Complete
    }

    /// The completed response, or `None` while it is still partial (or after an error).
    pub fn response(&self) -> Option<Response<'_>> {
        if self.state != State::Complete {
            return None;
        }
        Some(Response {
            status: self.head.status,
            body: self.buf.get(self.head_len..self.len)?,
            retry_after: self.head.retry_after,
            keep_alive: self.head.keep_alive,
            head: self.buf.get(..self.head_len)?,
        })
    }

    /// Feeds the next bytes received. Bytes after the end of the response are not consumed.
    pub fn feed(&mut self, input: &[u8]) -> Result<Progress, ResponseError> {
        let result = self.feed_inner(input);
        if result.is_err() {
            self.state = State::Failed;
        }
        result
    }

    /// Tells the parser the connection closed: completes a body delimited by the close.
    pub fn finish(&mut self) -> Result<Progress, ResponseError> {
        match self.state {
            State::UntilClose => {
                self.state = State::Complete;
                Ok(Progress::Complete { consumed: 0 })
            }
            State::Complete => Ok(Progress::Complete { consumed: 0 }),
            State::Failed => Err(ResponseError::Failed),
            _ => {
                self.state = State::Failed;
                Err(ResponseError::UnexpectedEof)
            }
        }
    }

    fn feed_inner(&mut self, input: &[u8]) -> Result<Progress, ResponseError> {
        let mut used = 0usize;
        loop {
            let rest = input.get(used..).unwrap_or_default();
            match self.state {
                State::Failed => return Err(ResponseError::Failed),
                State::Complete => return Ok(Progress::Complete { consumed: used }),
                State::Head => match self.feed_head(rest)? {
                    Some(n) => used += n,
                    None => return Ok(Progress::Partial),
                },
                State::Fixed | State::Chunked(Phase::Data) => {
                    let remaining = self.remaining.value;
                    let take = remaining.min(rest.len());
                    self.store(rest.get(..take).unwrap_or_default())?;
                    used += take;
                    self.remaining.value = remaining - take;
                    if take < remaining {
                        return Ok(Progress::Partial);
                    }
                    self.state = if self.state == State::Fixed {
                        State::Complete
                    } else {
                        State::Chunked(Phase::DataCr)
                    };
                }
                State::UntilClose => {
                    self.store(rest)?;
                    return Ok(Progress::Partial);
                }
                State::Chunked(phase) => {
                    let Some(&b) = rest.first() else {
                        return Ok(Progress::Partial);
                    };
                    used += 1;
                    self.state = match phase.step(b, &mut self.remaining) {
                        Step::Next(next) => State::Chunked(next),
                        Step::Invalid => return Err(ResponseError::InvalidChunk),
                        Step::Done => State::Complete,
                        Step::SizeDone if self.remaining.value == 0 => {
                            State::Chunked(Phase::TrailerLineStart)
                        }
                        Step::SizeDone => {
                            let required = self.len.saturating_add(self.remaining.value);
                            if required > self.buf.len() {
                                return Err(ResponseError::TooLarge { required });
                            }
                            State::Chunked(Phase::Data)
                        }
                    };
                }
            }
        }
    }

    /// Appends body bytes that were already checked to fit, or reports the size needed.
    fn store(&mut self, bytes: &[u8]) -> Result<(), ResponseError> {
        let end = self.len.saturating_add(bytes.len());
        let dst = self
            .buf
            .get_mut(self.len..end)
            .ok_or(ResponseError::TooLarge { required: end })?;
        dst.copy_from_slice(bytes);
        self.len = end;
        Ok(())
    }

    /// Buffers head bytes; once the head is complete, parses it and returns the bytes used.
    fn feed_head(&mut self, rest: &[u8]) -> Result<Option<usize>, ResponseError> {
        let old_len = self.len;
        let take = (self.buf.len() - old_len).min(rest.len());
        // Fits by construction; `store` is the one copy routine.
        self.store(rest.get(..take).unwrap_or_default())?;
        let buffered = self.buf.get(..self.len).unwrap_or_default();

        let Some(end) = find_head_end(buffered, old_len.saturating_sub(2)) else {
            check_prefix(buffered)?;
            if take < rest.len() {
                return Err(ResponseError::HeadTooLarge { at_least: self.len });
            }
            return Ok(None);
        };
        // Bytes past the head belong to the body: give them back.
        self.len = end;
        self.head_len = end;
        let used = end - old_len;
        self.parse_head()?;
        Ok(Some(used))
    }

    fn parse_head(&mut self) -> Result<(), ResponseError> {
        let mut lines = Lines(self.buf.get(..self.head_len).unwrap_or_default());
        let (status, http11) = lines
            .next()
            .and_then(|line| head::status_line(line.ok()?))
            .ok_or(ResponseError::InvalidHead)?;

        let mut content_length: Option<usize> = None;
        let mut chunked = false;
        let mut other_coding = false;
        let mut connection_close = !http11;
        // The first Retry-After.
        let mut retry_after: Option<&[u8]> = None;
        for (count, line) in lines.enumerate() {
            if count == MAX_HEADERS {
                return Err(ResponseError::TooManyHeaders { max: MAX_HEADERS });
            }
            let (name, value) = line
                .ok()
                .and_then(head::field)
                .ok_or(ResponseError::InvalidHead)?;
            // One lookup loop instead of a comparison per name.
            let name = HEADER_NAMES
                .iter()
                .position(|n| n.eq_ignore_ascii_case(name));
            match name {
                Some(CONTENT_LENGTH) => {
                    let n = parse_content_length(value)?;
                    if content_length.is_some_and(|old| old != n) {
                        return Err(ResponseError::InvalidContentLength);
                    }
                    content_length = Some(n);
                }
                Some(TRANSFER_ENCODING | CONNECTION) => {
                    for token in value.split(|&b| b == b',') {
                        let token = token.trim_ascii();
                        if token.is_empty() {
                            continue;
                        }
                        let token = TOKENS.iter().position(|t| t.eq_ignore_ascii_case(token));
                        if name == Some(TRANSFER_ENCODING) {
                            // Only the last coding decides whether the body is chunked.
                            chunked = token == Some(CHUNKED);
                            other_coding |= !chunked;
                        } else if token == Some(CLOSE) {
                            connection_close = true;
                        } else if token == Some(KEEP_ALIVE) {
                            connection_close = false;
                        }
                    }
                }
                Some(RETRY_AFTER) => retry_after = retry_after.or(Some(value)),
                _ => {}
            }
        }
        let retry_after = retry_after.and_then(http_date::retry_after);

        if (100..200).contains(&status) {
            // An interim response (100 Continue ...): drop it and read the real one.
            trace!("twilio-core: skipping interim response {}", status);
            self.len = 0;
            self.head_len = 0;
            return Ok(());
        }
        self.head = Head {
            status,
            keep_alive: !connection_close,
            retry_after,
        };
        self.state = if status == 204 || status == 304 {
            State::Complete
        } else if chunked {
            self.remaining = SizeLine::default();
            State::Chunked(Phase::Size)
        } else if other_coding {
            return Err(ResponseError::UnsupportedTransferEncoding);
        } else if let Some(n) = content_length {
            let required = self.head_len.saturating_add(n);
            if required > self.buf.len() {
                return Err(ResponseError::TooLarge { required });
            }
            if n == 0 {
                State::Complete
            } else {
                self.remaining.value = n;
                State::Fixed
            }
        } else {
            // No length: the body runs until the server closes the connection.
            self.head.keep_alive = false;
            State::UntilClose
        };
        debug!("twilio-core: response {} head parsed", status);
        Ok(())
    }
}

/// The headers the parser reads, lower-case; the constants below index it.
const HEADER_NAMES: [&[u8]; 4] = [
    b"content-length",
    b"transfer-encoding",
    b"connection",
    b"retry-after",
];
const CONTENT_LENGTH: usize = 0;
const TRANSFER_ENCODING: usize = 1;
const CONNECTION: usize = 2;
const RETRY_AFTER: usize = 3;
/// The `Transfer-Encoding` and `Connection` tokens the parser acts on.
const TOKENS: [&[u8]; 3] = [b"chunked", b"close", b"keep-alive"];
const CHUNKED: usize = 0;
const CLOSE: usize = 1;
const KEEP_ALIVE: usize = 2;

/// Position just past the blank line ending the head, searching from `from`.
fn find_head_end(buf: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    loop {
        i += buf.get(i..)?.iter().position(|&b| b == b'\n')?;
        match buf.get(i + 1..) {
            Some([b'\n', ..]) => return Some(i + 2),
            Some([b'\r', b'\n', ..]) => return Some(i + 3),
            _ => i += 1,
        }
    }
}

/// Rejects early a peer that is not speaking HTTP, instead of filling the buffer first.
fn check_prefix(buf: &[u8]) -> Result<(), ResponseError> {
    const PREFIX: &[u8] = b"HTTP/1.";
    if buf.iter().zip(PREFIX).all(|(a, b)| a == b) {
        Ok(())
    } else {
        Err(ResponseError::InvalidHead)
    }
}

fn parse_content_length(value: &[u8]) -> Result<usize, ResponseError> {
    super::decimal::parse_u32(value)
        .and_then(|n| usize::try_from(n).ok())
        .ok_or(ResponseError::InvalidContentLength)
}
