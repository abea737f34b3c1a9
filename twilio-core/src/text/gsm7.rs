//! The GSM 03.38 default alphabet (basic table) and its extension table, as Unicode.
//!
//! Only membership and cost matter here: Twilio takes UTF-8 and does the 7-bit packing itself.

/// Septets a character costs in GSM-7: 1 (basic table), 2 (extension table, sent as ESC + code),
/// or `None` when GSM-7 cannot carry it (the message then goes out as UCS-2).
///
/// ```
/// use twilio_core::text::gsm7::septets;
///
/// assert_eq!(septets('a'), Some(1));
/// assert_eq!(septets('é'), Some(1));
/// assert_eq!(septets('€'), Some(2));
/// assert_eq!(septets('`'), None);
/// ```
pub fn septets(c: char) -> Option<u8> {
    let code = u32::from(c);
    if code < 128 {
        if in_set(&ASCII_BASIC, code) {
            Some(1)
        } else if in_set(&ASCII_EXTENSION, code) {
            Some(2)
        } else {
            None
        }
    } else if code == 0x20AC {
        // The euro sign is the only extension character outside ASCII.
        Some(2)
    } else {
        let code = u16::try_from(code).ok()?;
        NON_ASCII_BASIC.binary_search(&code).ok().map(|_| 1)
    }
}

/// True when GSM-7 can carry `c` (basic or extension table).
///
/// ```
/// use twilio_core::text::gsm7::is_gsm7;
///
/// assert!(is_gsm7('Δ') && is_gsm7('{'));
/// assert!(!is_gsm7('“'));
/// ```
pub fn is_gsm7(c: char) -> bool {
    septets(c).is_some()
}

/// Number of characters in the basic table (the 128 codes less ESC).
pub const BASIC_COUNT: usize = 127;
/// Number of characters in the extension table that map to Unicode.
pub const EXTENSION_COUNT: usize = 10;

/// A set of ASCII codes as four 32-bit words (`u128` shifts are library calls on a Cortex-M0).
type AsciiSet = [u32; 4];

const fn ascii_set(chars: &[u8]) -> AsciiSet {
    let mut set = [0u32; 4];
    let mut i = 0;
    while i < chars.len() {
        set[(chars[i] >> 5) as usize] |= 1 << (chars[i] & 31);
        i += 1;
    }
    set
}

fn in_set(set: &AsciiSet, code: u32) -> bool {
    set.get((code >> 5) as usize)
        .is_some_and(|word| word & (1 << (code & 31)) != 0)
}

/// Printable ASCII without ` and the extension characters, plus LF and CR.
const ASCII_BASIC: AsciiSet = ascii_set(
    b"\n\r !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz",
);

/// Extension table characters inside ASCII (form feed and `[\]^{|}~`).
const ASCII_EXTENSION: AsciiSet = ascii_set(b"\x0c[\\]^{|}~");

/// Basic-table characters above ASCII, sorted for binary search.
const NON_ASCII_BASIC: [u16; 39] = [
    0x00A1, 0x00A3, 0x00A4, 0x00A5, 0x00A7, 0x00BF, 0x00C4, 0x00C5, 0x00C6, 0x00C7, 0x00C9, 0x00D1,
    0x00D6, 0x00D8, 0x00DC, 0x00DF, 0x00E0, 0x00E4, 0x00E5, 0x00E6, 0x00E8, 0x00E9, 0x00EC, 0x00F1,
    0x00F2, 0x00F6, 0x00F8, 0x00F9, 0x00FC, 0x0393, 0x0394, 0x0398, 0x039B, 0x039E, 0x03A0, 0x03A3,
    0x03A6, 0x03A8, 0x03A9,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_sizes() {
        let all = (0..=0x0010_FFFF_u32).filter_map(char::from_u32);
        let (mut basic, mut ext) = (0, 0);
        for c in all {
            match septets(c) {
                Some(1) => basic += 1,
                Some(2) => ext += 1,
                _ => {}
            }
        }
        assert_eq!(basic, BASIC_COUNT);
        assert_eq!(ext, EXTENSION_COUNT);
    }

    #[test]
    fn notable_characters() {
        assert_eq!(septets('@'), Some(1));
        assert_eq!(septets('$'), Some(1));
        assert_eq!(septets('_'), Some(1));
        assert_eq!(septets('\u{c}'), Some(2));
        assert_eq!(septets('\t'), None);
        assert_eq!(septets('ç'), None);
        assert_eq!(septets('Ç'), Some(1));
        assert_eq!(septets('°'), None);
        assert!(NON_ASCII_BASIC.windows(2).all(|w| w[0] < w[1]));
    }
}
