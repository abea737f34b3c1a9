//! The form decoder and every typed webhook view over arbitrary bodies and scratch sizes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use twilio_core::webhook::{
    CallStatusCallback, FormBody, GatherResult, InboundSms, MessageStatusCallback,
};

fuzz_target!(|data: &[u8]| {
    let Some((&size, body)) = data.split_first() else {
        return;
    };
    let mut scratch = [0u8; 256];
    let scratch = &mut scratch[..usize::from(size)];
    let _ = MessageStatusCallback::parse(body, scratch);
    let _ = InboundSms::parse(body, scratch);
    let _ = CallStatusCallback::parse(body, scratch);
    let _ = GatherResult::parse(body, scratch);
    for (name, value) in FormBody::new(body).pairs() {
        assert!(name.decoded_len() <= name.raw().len());
        let mut out = [0u8; 64];
        if let Ok(text) = value.decode_into(&mut out) {
            assert!(value.eq_str(text));
        }
    }
});
