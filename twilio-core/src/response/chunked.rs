//! Byte-level state of a chunked body (RFC 9112 section 7.1), decoded in place.
//!
//! The phase carries no payload: the chunk size being read, and then the data still to come,
//! live in one `usize` beside it (in the parser), which keeps the state machine small on a
//! Cortex-M0.

/// Where the decoder is inside the chunk framing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    /// Reading the hex chunk size.
    Size,
    /// Skipping a chunk extension up to the end of the size line.
    Extension,
    /// Saw CR at the end of the size line; LF must follow.
    SizeLf,
    /// Copying chunk data.
    Data,
    /// Chunk data ended; CRLF must follow.
    DataCr,
    /// Saw CR after chunk data; LF must follow.
    DataLf,
    /// At the start of a trailer line after the last chunk.
    TrailerLineStart,
    /// Inside a trailer field line.
    Trailer,
    /// Saw CR on an empty trailer line; LF ends the body.
    TrailerEndLf,
}

/// What one framing byte did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    /// Keep going in this phase.
    Next(Phase),
    /// The size line ended; the size read so far is the chunk's (0 means the last chunk).
    SizeDone,
    /// The body ended.
    Done,
    /// The framing is malformed.
    Invalid,
}

/// Most hex digits in a chunk size, so a peer cannot stream digits forever.
const MAX_SIZE_DIGITS: u8 = 16;

/// The chunk size being read, with the digits seen so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct SizeLine {
    /// The size so far; saturates at `usize::MAX`, a size no buffer can hold.
    pub(crate) value: usize,
    digits: u8,
}

impl SizeLine {
    /// Takes one hex digit, or says the line is malformed (too many digits).
    fn push(&mut self, digit: u32) -> bool {
        if self.digits >= MAX_SIZE_DIGITS {
            return false;
        }
        self.digits += 1;
        // Shifts only: no 64-bit or overflow-checked multiplication on a Cortex-M0.
        self.value = if self.value > usize::MAX >> 4 {
            usize::MAX
        } else {
            self.value << 4 | digit as usize
        };
        true
    }
}

impl Phase {
    /// Advances over one framing byte. Never called in the `Data` phase.
    pub(crate) fn step(self, b: u8, size: &mut SizeLine) -> Step {
        use Phase::{
            Data, DataCr, DataLf, Extension, Size, SizeLf, Trailer, TrailerEndLf, TrailerLineStart,
        };
        let next = match (self, b) {
            (Size, _) => match (b as char).to_digit(16) {
                Some(d) if size.push(d) => Size,
                Some(_) => return Step::Invalid,
                None if size.digits == 0 => return Step::Invalid,
                None => match b {
                    b';' | b' ' | b'\t' => Extension,
                    b'\r' => SizeLf,
                    b'\n' => return Step::SizeDone,
                    _ => return Step::Invalid,
                },
            },
            // Extensions carry nothing we use; only the end of the line matters.
            (Extension, b'\r') => SizeLf,
            (Extension | SizeLf, b'\n') => return Step::SizeDone,
            (Extension, _) => Extension,
            (DataCr, b'\r') => DataLf,
            (DataCr | DataLf, b'\n') => {
                *size = SizeLine::default();
                Size
            }
            (TrailerLineStart | TrailerEndLf, b'\n') => return Step::Done,
            (TrailerLineStart, b'\r') => TrailerEndLf,
            (Trailer, b'\n') => TrailerLineStart,
            (TrailerLineStart | Trailer, _) => Trailer,
            (SizeLf | Data | DataCr | DataLf | TrailerEndLf, _) => return Step::Invalid,
        };
        Step::Next(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs framing bytes from `phase`; returns the last step.
    fn run(mut phase: Phase, bytes: &[u8], size: &mut SizeLine) -> Step {
        let mut last = Step::Next(phase);
        for &b in bytes {
            last = phase.step(b, size);
            match last {
                Step::Next(p) => phase = p,
                _ => return last,
            }
        }
        last
    }

    #[test]
    fn size_lines() {
        let mut size = SizeLine::default();
        assert_eq!(
            run(Phase::Size, b"1aF;ext=1\r\n", &mut size),
            Step::SizeDone
        );
        assert_eq!(size.value, 0x1af);
        let mut size = SizeLine::default();
        assert_eq!(
            run(Phase::Size, b"0000000000000010\n", &mut size),
            Step::SizeDone
        );
        assert_eq!(size.value, 16);
        let mut size = SizeLine::default();
        assert_eq!(
            run(Phase::Size, b"00000000000000010", &mut size),
            Step::Invalid
        );
        let mut size = SizeLine::default();
        assert_eq!(
            run(Phase::Size, b"ffffffffffffffff\r\n", &mut size),
            Step::SizeDone
        );
        assert_eq!(size.value, usize::MAX);
        for bad in [&b"\r\n"[..], b"x\r\n", b"1\rx", b";\r\n"] {
            assert_eq!(
                run(Phase::Size, bad, &mut SizeLine::default()),
                Step::Invalid
            );
        }
    }

    #[test]
    fn data_ends_and_trailers() {
        let mut size = SizeLine::default();
        assert_eq!(
            run(Phase::DataCr, b"\r\n", &mut size),
            Step::Next(Phase::Size)
        );
        assert_eq!(
            run(Phase::DataCr, b"\n", &mut size),
            Step::Next(Phase::Size)
        );
        assert_eq!(run(Phase::DataCr, b"x", &mut size), Step::Invalid);
        assert_eq!(run(Phase::DataLf, b"\r", &mut size), Step::Invalid);
        assert_eq!(
            run(
                Phase::TrailerLineStart,
                b"X-A: 1\r\nX-B: 2\n\r\n",
                &mut size
            ),
            Step::Done
        );
        assert_eq!(run(Phase::TrailerLineStart, b"\n", &mut size), Step::Done);
        assert_eq!(
            run(Phase::TrailerLineStart, b"\rx", &mut size),
            Step::Invalid
        );
        assert_eq!(run(Phase::Data, b"x", &mut size), Step::Invalid);
    }
}
