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
    /// The markup.
    pub(super) fn text(self) -> &'static [u8] {
        let i = self as usize;
        match (BOUNDS.get(i), BOUNDS.get(i + 1)) {
            (Some(&start), Some(&end)) => TEXT
                .as_bytes()
                .get(usize::from(start)..usize::from(end))
                .unwrap_or_default(),
            _ => &[],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Input, Method};
    use super::*;

    #[test]
    fn pieces_are_their_text() {
        assert_eq!(
            Piece::XmlDeclaration.text(),
            super::super::XML_DECLARATION.as_bytes()
        );
        assert_eq!(Piece::ResponseEmpty.text(), b"<Response />");
        assert_eq!(Piece::SayClose.text(), b"</Say>");
        assert_eq!(Piece::FinishOnKey.text(), b" finishOnKey=\"");
        assert_eq!(Piece::Voice.text(), b" voice=\"");
        assert_eq!(usize::from(BOUNDS[BOUNDS.len() - 1]), TEXT.len());
        for method in [Method::Get, Method::Post] {
            assert_eq!(method.piece().text(), method.as_str().as_bytes());
        }
        for input in [Input::Dtmf, Input::Speech, Input::DtmfSpeech] {
            assert_eq!(input.piece().text(), input.as_str().as_bytes());
        }
    }
}
