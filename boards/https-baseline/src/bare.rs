//! The bare POST: constant request bytes, the status line logged, nothing parsed.

use embassy_net::Stack;
use embedded_io_async::Write;
use embedded_tls::{Aes128GcmSha256, CryptoProvider};

use crate::{Buffers, Failed, report};

/// The whole request, written once: the same bytes reqwless writes for `post_example` (the
/// `example-shape` tests check that), with Basic auth of [`crate::ACCOUNT_SID`] and
/// [`crate::AUTH_TOKEN`] and the form body [`crate::FORM`].
pub const REQUEST: &[u8] =
    b"POST /2010-04-01/Accounts/AC00000000000000000000000000000000/Messages.json HTTP/1.1\r\n\
Authorization: Basic QUMwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDow\r\nHost: api.twilio.com\r\n\
Content-Length: 51\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\n\
To=%2B15005550010&From=%2B15005550006&Body=Hot+75+C";

/// One POST of [`REQUEST`] over a fresh connection (DNS, TCP, TLS 1.3 with `provider`); logs
/// the response's first 16 bytes (`HTTP/1.1 201 Cre`) and reads nothing more.
pub async fn post<P>(stack: Stack<'_>, buffers: &mut Buffers, provider: P) -> Result<(), Failed>
where
    P: CryptoProvider<CipherSuite = Aes128GcmSha256>,
{
    connect!(tls = stack, buffers, provider);
    tls.write_all(REQUEST).await.map_err(Failed::Tls)?;
    tls.flush().await.map_err(Failed::Tls)?;
    let mut response = [0u8; 512];
    let n = tls.read(&mut response).await.map_err(Failed::Tls)?;
    report::response_head(&response[..n.min(16)]);
    let _ = tls.close().await;
    Ok(())
}
