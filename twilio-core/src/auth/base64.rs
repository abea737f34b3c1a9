//! Standard base64 (RFC 4648 alphabet, `=` padding) for the one value this crate encodes: the
//! Basic credentials, at most 99 bytes.
//!
//! Why not the `base64` crate's engine: it is unrolled for throughput and adds about 1.4 KiB of
//! `.text` on a Cortex-M0, a third of the request path's 4 KiB budget, to encode ~70 bytes once
//! at start-up. The tests check this encoder against the `base64` crate byte for byte.

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Encodes `input` into the start of `out` and returns the encoded length,
/// `4 * ceil(input.len() / 3)`. Output past the end of `out` is dropped; callers size `out`.
pub(crate) fn encode(input: &[u8], out: &mut [u8]) -> usize {
    let mut len = 0;
    for chunk in input.chunks(3) {
        let byte = |i: usize| u32::from(chunk.get(i).copied().unwrap_or(0));
        let triple = (byte(0) << 16) | (byte(1) << 8) | byte(2);
        // A chunk of n bytes gives n + 1 symbols, then padding up to 4.
        for i in 0..4 {
            let symbol = if i <= chunk.len() {
                ALPHABET[((triple >> (18 - 6 * i)) & 0x3F) as usize]
            } else {
                b'='
            };
            if let Some(slot) = out.get_mut(len) {
                *slot = symbol;
            }
            len += 1;
        }
    }
    len
}

#[cfg(test)]
mod tests {
    use super::encode;
    use ::base64::Engine as _;
    use proptest::prelude::*;

    fn oracle(input: &[u8]) -> std::vec::Vec<u8> {
        let mut out = std::vec![0u8; input.len().div_ceil(3) * 4];
        let n = ::base64::engine::general_purpose::STANDARD
            .encode_slice(input, &mut out)
            .unwrap();
        out.truncate(n);
        out
    }

    #[test]
    fn rfc4648_vectors() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            let mut out = [0u8; 8];
            let n = encode(plain.as_bytes(), &mut out);
            assert_eq!(&out[..n], encoded.as_bytes(), "{plain}");
        }
    }

    #[test]
    fn every_length_up_to_the_longest_credentials() {
        for len in 0..=99usize {
            #[allow(clippy::cast_possible_truncation)]
            let input: std::vec::Vec<u8> = (0..len).map(|i| (i * 37 + 11) as u8).collect();
            let mut out = [0u8; 132];
            let n = encode(&input, &mut out);
            assert_eq!(&out[..n], &oracle(&input)[..], "len {len}");
        }
    }

    proptest! {
        #[test]
        fn matches_the_base64_crate(input in proptest::collection::vec(any::<u8>(), 0..200)) {
            let mut out = std::vec![0u8; 268];
            let n = encode(&input, &mut out);
            prop_assert_eq!(&out[..n], &oracle(&input)[..]);
        }
    }
}
