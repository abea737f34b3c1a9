//! Request encoding: exact bytes of a known SMS request; an escalation call carrying TwiML from
//! the TwiML writer.

use twilio_core::auth::Credentials;
use twilio_core::buf::Encode;
use twilio_core::request::{ApiRequest, CallRequest, HttpConfig, MessageRequest};
use twilio_core::twiml::{Gather, Input, Method, Prompt, Response, Say, Verb};

use crate::{Outcome, check};

const ACCOUNT: &str = "AC0123456789abcdef0123456789abcdef";
const TOKEN: &str = "fedcba9876543210fedcba9876543210";

const SMS_BYTES: &str = "POST /2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages.json HTTP/1.1\r\n\
Host: api.twilio.com\r\n\
Authorization: Basic QUMwMTIzNDU2Nzg5YWJjZGVmMDEyMzQ1Njc4OWFiY2RlZjpmZWRjYmE5ODc2NTQzMjEwZmVkY2JhOTg3NjU0MzIxMA==\r\n\
User-Agent: alertd/1.0\r\n\
Accept: application/json\r\n\
Content-Type: application/x-www-form-urlencoded\r\n\
Content-Length: 60\r\n\
Connection: keep-alive\r\n\
\r\n\
To=%2B15551234567&From=%2B15005550006&Body=Freezer+2+at+-4+C";

pub fn sms_exact_bytes() -> Outcome {
    let Ok(creds) = Credentials::auth_token(ACCOUNT, TOKEN) else {
        check!(false);
        return Ok(());
    };
    let Ok(http) = HttpConfig::default().with_user_agent("alertd/1.0") else {
        check!(false);
        return Ok(());
    };
    let Ok(sms) = MessageRequest::sms("+15551234567", "+15005550006", "Freezer 2 at -4 C") else {
        check!(false);
        return Ok(());
    };
    let mut buf = [0u8; 640];
    let n = sms.write_http(&creds, &http, &mut buf);
    check!(n.ok() == Some(SMS_BYTES.len()));
    check!(buf.get(..SMS_BYTES.len()) == Some(SMS_BYTES.as_bytes()));
    // Too small: nothing usable is left, and the error says what is needed.
    let mut small = [0xAAu8; 100];
    let err = sms.write_http(&creds, &http, &mut small);
    check!(err.is_err());
    check!(small.iter().all(|&b| b == 0));
    Ok(())
}

pub fn escalation_call_with_twiml() -> Outcome {
    let prompts = [Prompt::Say(Say::new("Press 1 to acknowledge."))];
    let verbs = [
        Verb::Say(Say::new("Critical: boiler 3 at 101 C.").voice("alice")),
        Verb::Gather(
            Gather::new(&prompts)
                .input(Input::Dtmf)
                .num_digits(1)
                .action("https://gw.example.com/ack", Method::Post),
        ),
    ];
    let mut twiml_buf = [0u8; 400];
    let Ok(len) = Response::new(&verbs)
        .without_declaration()
        .encode_to_slice(&mut twiml_buf)
    else {
        check!(false);
        return Ok(());
    };
    let Some(twiml) = twiml_buf
        .get(..len)
        .and_then(|b| core::str::from_utf8(b).ok())
    else {
        check!(false);
        return Ok(());
    };
    let (Ok(creds), Ok(call)) = (
        Credentials::auth_token(ACCOUNT, TOKEN),
        CallRequest::twiml("+15551234567", "+15005550006", twiml),
    ) else {
        check!(false);
        return Ok(());
    };
    let mut buf = [0u8; 1400];
    let Ok(n) = call.write_http(&creds, &HttpConfig::default(), &mut buf) else {
        check!(false);
        return Ok(());
    };
    let request = buf.get(..n).unwrap_or_default();
    check!(request.starts_with(
        b"POST /2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Calls.json HTTP/1.1\r\n"
    ));
    check!(request.ends_with(b"&Twiml=%3CResponse%3E%3CSay+voice%3D%22alice%22%3ECritical%3A+boiler+3+at+101+C.%3C%2FSay%3E%3CGather+action%3D%22https%3A%2F%2Fgw.example.com%2Fack%22+input%3D%22dtmf%22+method%3D%22POST%22+numDigits%3D%221%22%3E%3CSay%3EPress+1+to+acknowledge.%3C%2FSay%3E%3C%2FGather%3E%3C%2FResponse%3E"));
    Ok(())
}
