//! Every piece of markup the writer emits, in one string with a table of where each piece
//! starts.
//!
//! A piece is named by a one-byte [`Piece`] instead of a `&str`: on a Cortex-M0 a `&str`
//! argument is two registers plus a 4-byte literal, which pushes an attribute's value onto the
//! stack; a byte is one `movs`. With some forty calls in the writer that is about a quarter of
//! its code.

macro_rules! pieces {
    ($( $(#[$meta:meta])* $name:ident = $text:literal, )*) => {
        /// A piece of markup, by position in [`TEXT`].
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        #[repr(u8)]
        pub(super) enum Piece {
            $( $(#[$meta])* $name, )*
        }

        /// All pieces, back to back.
        const TEXT: &str = concat!($( $text, )*);

        /// Where each piece starts in [`TEXT`], and (last) where the last one ends.
        const BOUNDS: [u16; [$( $text, )*].len() + 1] = bounds([$( $text, )*]);
    };
}

/// Running sums of the pieces' lengths, from 0.
#[allow(clippy::cast_possible_truncation)] // `TEXT` is a few hundred bytes long.
const fn bounds<const N: usize, const M: usize>(pieces: [&str; N]) -> [u16; M] {
    let mut out = [0u16; M];
    let mut i = 0;
    while i < N {
        out[i + 1] = out[i] + pieces[i].len() as u16;
        i += 1;
    }
    out
}

pieces! {
    XmlDeclaration = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
    ResponseEmpty = "<Response />",
    ResponseOpen = "<Response>",
    ResponseClose = "</Response>",
    SayOpen = "<Say",
    SayClose = "</Say>",
    PlayOpen = "<Play",
    PlayClose = "</Play>",
    PauseOpen = "<Pause",
    GatherOpen = "<Gather",
    GatherClose = "</Gather>",
    DialOpen = "<Dial",
    DialClose = "</Dial>",
    RedirectOpen = "<Redirect",
    RedirectClose = "</Redirect>",
    Hangup = "<Hangup />",
    EmptyClose = " />",
    TagEnd = ">",
    Quote = "\"",
    // Attributes, each with its ` name="`.
    Action = " action=\"",
    CallerId = " callerId=\"",
    Digits = " digits=\"",
    FinishOnKey = " finishOnKey=\"",
    Input = " input=\"",
    Language = " language=\"",
    Length = " length=\"",
    Loop = " loop=\"",
    Method = " method=\"",
    NumDigits = " numDigits=\"",
    Timeout = " timeout=\"",
    Voice = " voice=\"",
    // Attribute values.
    Get = "GET",
    Post = "POST",
    Dtmf = "dtmf",
    Speech = "speech",
    DtmfSpeech = "dtmf speech",
    // Escapes.
    Amp = "&amp;",
    Lt = "&lt;",
    Gt = "&gt;",
    Quot = "&quot;",
    Lf = "&#10;",
    Cr = "&#13;",
    Tab = "&#09;",
    Nothing = "",
}

impl Piece {
    /// The markup (`None` cannot happen: the table is built from the same pieces).
    pub(super) fn text(self) -> Option<&'static [u8]> {
        let i = self as usize;
        let Some(&[start, end]) = BOUNDS.get(i..i + 2) else {
            return None;
        };
        TEXT.as_bytes().get(usize::from(start)..usize::from(end))
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Input, Method};
    use super::*;

    #[test]
    fn pieces_are_their_text() {
        let text = |piece: Piece| piece.text().unwrap();
        assert_eq!(
            text(Piece::XmlDeclaration),
            super::super::XML_DECLARATION.as_bytes()
        );
        assert_eq!(text(Piece::ResponseEmpty), b"<Response />");
        assert_eq!(text(Piece::SayClose), b"</Say>");
        assert_eq!(text(Piece::FinishOnKey), b" finishOnKey=\"");
        assert_eq!(text(Piece::Voice), b" voice=\"");
        assert_eq!(text(Piece::Nothing), b"");
        assert_eq!(usize::from(BOUNDS[BOUNDS.len() - 1]), TEXT.len());
        for method in [Method::Get, Method::Post] {
            assert_eq!(text(method.piece()), method.as_str().as_bytes());
        }
        for input in [Input::Dtmf, Input::Speech, Input::DtmfSpeech] {
            assert_eq!(text(input.piece()), input.as_str().as_bytes());
        }
    }
}
