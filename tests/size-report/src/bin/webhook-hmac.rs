//! Just HMAC-SHA1 and base64 as webhook validation uses them: the share of `webhook` that is
//! cryptography rather than twilio-core.
#![no_std]
#![no_main]

use base64::Engine;
use hmac::{Hmac, Mac};
use sha1::Sha1;
use size_report::opaque;

size_report::entry!(|| {
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(opaque(b"token")) else {
        return;
    };
    mac.update(opaque(b"https://gw.local/ack"));
    let mut out = [0u8; 28];
    let digest = mac.finalize().into_bytes();
    opaque(
        base64::engine::general_purpose::STANDARD
            .encode_slice(digest, &mut out)
            .ok(),
    );
});
