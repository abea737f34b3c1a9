//! Byte-level state of a chunked body (RFC 9112 section 7.1), decoded in place.

/// Where the decoder is inside the chunk framing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Chunked {
    /// Reading the hex chunk size; `digits` counts the digits seen.
    Size { value: u64, digits: u8 },
    /// Skipping a chunk extension up to the end of the size line.
    Extension { value: u64 },
    /// Saw CR at the end of the size line; LF must follow.
    SizeLf { value: u64 },
    /// Copying chunk data.
    Data { remaining: u64 },
    /// Chunk data ended; CRLF must follow.
    DataCr,
    /// Saw CR after chunk data; LF must follow.
    DataLf,
    /// Reading trailer fields after the last chunk.
    Trailer { at_line_start: bool },
    /// Saw CR on an empty trailer line; LF ends the body.
    TrailerEndLf,
}

/// What one framing byte did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    /// Keep going in the new state.
    Next(Chunked),
    /// The size line ended: a chunk of `size` bytes follows (0 means the last chunk).
    SizeDone(u64),
    /// The body ended.
    Done,
    /// The framing is malformed.
    Invalid,
}

impl Chunked {
    pub(crate) const START: Chunked = Chunked::Size {
        value: 0,
        digits: 0,
    };

    /// Advances over one framing byte. Never called in the `Data` state.
    pub(crate) fn step(self, b: u8) -> Step {
        match self {
            Chunked::Size { value, digits } => match (b as char).to_digit(16) {
                // Sixteen hex digits fill a u64; a shift keeps 64-bit multiplication out of
                // Cortex-M0 builds.
                Some(d) if digits < 16 => Step::Next(Chunked::Size {
                    value: value << 4 | u64::from(d),
                    digits: digits + 1,
                }),
                Some(_) => Step::Invalid,
                None if digits == 0 => Step::Invalid,
                None => match b {
                    b';' | b' ' | b'\t' => Step::Next(Chunked::Extension { value }),
                    b'\r' => Step::Next(Chunked::SizeLf { value }),
                    b'\n' => Step::SizeDone(value),
                    _ => Step::Invalid,
                },
            },
            // Extensions carry nothing we use; only the end of the line matters.
            Chunked::Extension { value } => match b {
                b'\r' => Step::Next(Chunked::SizeLf { value }),
                b'\n' => Step::SizeDone(value),
                _ => Step::Next(Chunked::Extension { value }),
            },
            Chunked::SizeLf { value } => match b {
                b'\n' => Step::SizeDone(value),
                _ => Step::Invalid,
            },
            Chunked::Data { .. } => Step::Invalid,
            Chunked::DataCr => match b {
                b'\r' => Step::Next(Chunked::DataLf),
                b'\n' => Step::Next(Chunked::START),
                _ => Step::Invalid,
            },
            Chunked::DataLf => match b {
                b'\n' => Step::Next(Chunked::START),
                _ => Step::Invalid,
            },
            Chunked::Trailer { at_line_start } => match b {
                b'\n' if at_line_start => Step::Done,
                b'\r' if at_line_start => Step::Next(Chunked::TrailerEndLf),
                b'\n' => Step::Next(Chunked::Trailer {
                    at_line_start: true,
                }),
                _ => Step::Next(Chunked::Trailer {
                    at_line_start: false,
                }),
            },
            Chunked::TrailerEndLf => match b {
                b'\n' => Step::Done,
                _ => Step::Invalid,
            },
        }
    }
}
