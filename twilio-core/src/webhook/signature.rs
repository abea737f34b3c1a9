//! `X-Twilio-Signature`: computing and validating it exactly as Twilio's helper libraries do.
//!
//! The signed string is the full URL followed by every form parameter as `name` + `value`, names
//! in sorted order and, for a repeated name, its distinct values in sorted order (a repeated
//! identical pair counts once). The signature is the base64 HMAC-SHA1 of that string keyed with the
//! auth token (HMAC-SHA256 with a webhook shared key). JSON bodies are not signed as parameters:
//! the URL carries `bodySHA256=<hex SHA-256 of the body>` and only the URL is signed.
//!
//! Sorting happens without a heap: up to 64 pairs are sorted in a stack array; larger bodies are
//! walked by repeatedly picking the smallest pair above the last one taken (quadratic, so a body
//! may carry at most [`MAX_PARAMS`] pairs).

use core::cmp::Ordering;
use core::fmt;

use hmac::digest::KeyInit;
use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use subtle::{Choice, ConstantTimeEq};

use super::form::{DecodedBytes, Encoded, FormBody};
use super::url::{UrlForm, UrlParts, whatwg_query_escape};

/// Most parameters a signed body may carry (the sort is quadratic).
pub const MAX_PARAMS: usize = 256;

/// A signature did not validate, or could not be computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum SignatureError {
    /// No URL form matched the signature.
    Mismatch,
    /// The body's SHA-256 differs from the URL's `bodySHA256`.
    BodyHashMismatch,
    /// A JSON body was given but the URL has no `bodySHA256` parameter.
    MissingBodyHash,
    /// The URL is not absolute (`scheme://host...`).
    InvalidUrl,
    /// More than [`MAX_PARAMS`] parameters.
    TooManyParams {
        /// The limit.
        max: usize,
    },
}

impl fmt::Display for SignatureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Mismatch => f.write_str("X-Twilio-Signature does not match"),
            Self::BodyHashMismatch => f.write_str("body does not match bodySHA256"),
            Self::MissingBodyHash => f.write_str("URL has no bodySHA256 parameter"),
            Self::InvalidUrl => f.write_str("URL is not absolute"),
            Self::TooManyParams { max } => write!(f, "more than {max} signed parameters"),
        }
    }
}

impl core::error::Error for SignatureError {}

/// The MAC a webhook is signed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Algorithm {
    /// HMAC-SHA1 keyed with the auth token: every classic webhook.
    #[default]
    HmacSha1,
    /// HMAC-SHA256 keyed with a webhook shared key (`X-Twilio-Webhooks-Signature-Settings`).
    HmacSha256,
}

impl Algorithm {
    /// Reads `X-Twilio-Webhooks-Signature-Settings` (`key=<id>,algorithm=HMAC_SHA256`).
    ///
    /// ```
    /// use twilio_core::webhook::Algorithm;
    ///
    /// assert_eq!(
    ///     Algorithm::from_settings_header(b"key=KB123,algorithm=HMAC_SHA256"),
    ///     Some(Algorithm::HmacSha256)
    /// );
    /// assert_eq!(Algorithm::from_settings_header(b"key=KB123"), None);
    /// ```
    pub fn from_settings_header(value: &[u8]) -> Option<Algorithm> {
        value.split(|&b| b == b',').find_map(|item| {
            let item = item.trim_ascii();
            let alg = item.strip_prefix(b"algorithm=")?.trim_ascii();
            if alg.eq_ignore_ascii_case(b"HMAC_SHA256") {
                Some(Algorithm::HmacSha256)
            } else if alg.eq_ignore_ascii_case(b"HMAC_SHA1") {
                Some(Algorithm::HmacSha1)
            } else {
                None
            }
        })
    }
}

/// The parameters a signature covers.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum Params<'a> {
    /// None: JSON bodies, GET requests.
    None,
    /// A raw `application/x-www-form-urlencoded` body, decoded on the fly.
    Form(FormBody<'a>),
    /// Already-decoded pairs.
    Pairs(&'a [(&'a str, &'a str)]),
}

/// A base64 signature, as sent in `X-Twilio-Signature`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Signature {
    text: [u8; 44],
    len: u8,
}

impl Signature {
    /// The base64 text.
    pub fn as_str(&self) -> &str {
        let text = self.text.get(..usize::from(self.len)).unwrap_or_default();
        // base64 output is ASCII.
        core::str::from_utf8(text).unwrap_or_default()
    }

    fn matches(&self, header: &[u8]) -> Choice {
        self.as_str().as_bytes().ct_eq(header)
    }
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Signature").field(&self.as_str()).finish()
    }
}

impl fmt::Display for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Computes the signature of a request to `url` exactly as given (no port variants).
///
/// ```
/// use twilio_core::webhook::{Algorithm, Params, compute};
///
/// let params = [("CallSid", "CA1234567890ABCDE"), ("Caller", "+14158675309"),
///     ("Digits", "1234"), ("From", "+14158675309"), ("To", "+18005551212")];
/// let sig = compute(b"12345", "https://mycompany.com/myapp.php?foo=1&bar=2",
///     Params::Pairs(&params), Algorithm::HmacSha1).unwrap();
/// assert_eq!(sig.as_str(), "RSOYDt4T1cUTdK1PDd93/VVr8B8=");
/// ```
pub fn compute(
    key: &[u8],
    url: &str,
    params: Params<'_>,
    algorithm: Algorithm,
) -> Result<Signature, SignatureError> {
    match algorithm {
        Algorithm::HmacSha1 => compute_with::<Hmac<Sha1>>(key, url, params),
        Algorithm::HmacSha256 => compute_with::<Hmac<Sha256>>(key, url, params),
    }
}

fn compute_with<M: Mac + KeyInit>(
    key: &[u8],
    url: &str,
    params: Params<'_>,
) -> Result<Signature, SignatureError> {
    let mut macs = [new_mac::<M>(key)];
    feed_url(
        &mut macs[0],
        UrlForm {
            pieces: [url.as_bytes(), &[], &[]],
            whatwg_query: false,
        },
    );
    feed_params(&mut macs, params)?;
    let [mac] = macs;
    Ok(finish(mac))
}

/// Validates `X-Twilio-Signature` for a form POST (or a GET with `Params::None`), HMAC-SHA1.
///
/// Tries the URL with its port removed, with the default port added, and (when it would differ)
/// each with the query WHATWG-encoded, as the official libraries do; compares in constant time.
///
/// ```
/// use twilio_core::webhook::{FormBody, Params, SignatureError, validate};
///
/// let body = b"CallSid=CA1234567890ABCDE&Caller=%2B14158675309&Digits=1234\
///     &From=%2B14158675309&To=%2B18005551212";
/// let url = "https://mycompany.com:1234/myapp.php?foo=1&bar=2";
/// let params = Params::Form(FormBody::new(body));
/// assert_eq!(validate(b"12345", url, params, "RSOYDt4T1cUTdK1PDd93/VVr8B8="), Ok(()));
/// assert_eq!(
///     validate(b"54321", url, params, "RSOYDt4T1cUTdK1PDd93/VVr8B8="),
///     Err(SignatureError::Mismatch)
/// );
/// ```
pub fn validate(
    auth_token: &[u8],
    url: &str,
    params: Params<'_>,
    signature: &str,
) -> Result<(), SignatureError> {
    // Calls the SHA-1 instance directly so firmware that only validates links no SHA-256.
    verdict(signature_matches::<Hmac<Sha1>>(
        auth_token, url, params, signature,
    )?)
}

/// [`validate`] with a chosen algorithm (see [`Algorithm::from_settings_header`]).
///
/// ```
/// use twilio_core::webhook::{Algorithm, Params, compute, validate_with};
///
/// let url = "https://gw.example.net/twilio/status";
/// let params = Params::Pairs(&[("MessageStatus", "delivered")]);
/// let sig = compute(b"shared-key", url, params, Algorithm::HmacSha256).unwrap();
/// assert_eq!(sig.as_str().len(), 44);
/// assert!(validate_with(b"shared-key", url, params, sig.as_str(), Algorithm::HmacSha256).is_ok());
/// assert!(validate_with(b"shared-key", url, params, sig.as_str(), Algorithm::HmacSha1).is_err());
/// ```
pub fn validate_with(
    key: &[u8],
    url: &str,
    params: Params<'_>,
    signature: &str,
    algorithm: Algorithm,
) -> Result<(), SignatureError> {
    verdict(match algorithm {
        Algorithm::HmacSha1 => signature_matches::<Hmac<Sha1>>(key, url, params, signature)?,
        Algorithm::HmacSha256 => signature_matches::<Hmac<Sha256>>(key, url, params, signature)?,
    })
}

fn verdict(matched: bool) -> Result<(), SignatureError> {
    if matched {
        Ok(())
    } else {
        debug!("twilio-core: webhook signature mismatch");
        Err(SignatureError::Mismatch)
    }
}

/// Validates a JSON-body webhook: the URL's `bodySHA256` must be the body's SHA-256 and the
/// signature must cover the URL (with no parameters appended).
///
/// ```
/// use twilio_core::webhook::{body_sha256_hex, validate_json};
///
/// let body = br#"{"property": "value", "boolean": true}"#;
/// let hash = body_sha256_hex(body);
/// let url = format!("https://mycompany.com/myapp.php?foo=1&bar=2&bodySHA256={}",
///     core::str::from_utf8(&hash).unwrap());
/// assert_eq!(validate_json(b"12345", &url, body, "a9nBmqA0ju/hNViExpshrM61xv4="), Ok(()));
/// ```
pub fn validate_json(
    auth_token: &[u8],
    url: &str,
    body: &[u8],
    signature: &str,
) -> Result<(), SignatureError> {
    let query = url.split_once('?').map_or("", |(_, q)| q);
    let query = query.split_once('#').map_or(query, |(q, _)| q);
    let claimed = FormBody::new(query.as_bytes())
        .get("bodySHA256")
        .ok_or(SignatureError::MissingBodyHash)?;
    let actual = body_sha256_hex(body);
    let mut claimed_buf = [0u8; 64];
    let hash_ok = match claimed.decode_into(&mut claimed_buf) {
        Ok(text) => bool::from(text.as_bytes().ct_eq(&actual)),
        Err(_) => false,
    };
    let signature_ok = signature_matches::<Hmac<Sha1>>(auth_token, url, Params::None, signature)?;
    match (signature_ok, hash_ok) {
        (true, true) => Ok(()),
        (false, _) => Err(SignatureError::Mismatch),
        (true, false) => Err(SignatureError::BodyHashMismatch),
    }
}

/// Lower-case hex SHA-256 of a body, for the `bodySHA256` query parameter.
pub fn body_sha256_hex(body: &[u8]) -> [u8; 64] {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digest = Sha256::digest(body);
    let mut out = [0u8; 64];
    for (pair, byte) in out.chunks_exact_mut(2).zip(digest) {
        pair[0] = HEX[usize::from(byte >> 4)];
        pair[1] = HEX[usize::from(byte & 0xF)];
    }
    out
}

fn signature_matches<M: Mac + KeyInit>(
    key: &[u8],
    url: &str,
    params: Params<'_>,
    signature: &str,
) -> Result<bool, SignatureError> {
    let parts = UrlParts::parse(url).ok_or(SignatureError::InvalidUrl)?;
    let base = [parts.without_port(), parts.with_port()];
    let forms = [base[0], base[1], base[0].whatwg(), base[1].whatwg()];
    let count = if parts.query_needs_whatwg() { 4 } else { 2 };
    let mut macs = [
        new_mac::<M>(key),
        new_mac::<M>(key),
        new_mac::<M>(key),
        new_mac::<M>(key),
    ];
    for (mac, form) in macs.iter_mut().zip(forms).take(count) {
        feed_url(mac, form);
    }
    feed_params(&mut macs[..count], params)?;
    let header = signature.trim().as_bytes();
    let mut matched = Choice::from(0);
    for mac in macs.into_iter().take(count) {
        matched |= finish(mac).matches(header);
    }
    Ok(bool::from(matched))
}

fn new_mac<M: Mac + KeyInit>(key: &[u8]) -> M {
    // HMAC takes keys of any length, so `new_from_slice` cannot fail; the fallback only keeps
    // this free of panics.
    <M as KeyInit>::new_from_slice(key)
        .unwrap_or_else(|_| <M as KeyInit>::new(&hmac::digest::Key::<M>::default()))
}

fn finish<M: Mac>(mac: M) -> Signature {
    let digest = mac.finalize().into_bytes();
    let mut text = [0u8; 44];
    // 20 or 32 bytes encode into at most 44 characters.
    let len = crate::auth::base64::encode(&digest, &mut text).min(text.len());
    Signature {
        text,
        len: u8::try_from(len).unwrap_or(0),
    }
}

/// Batches single bytes into larger MAC updates, for every MAC at once.
struct Feeder<'m, M> {
    macs: &'m mut [M],
    buf: [u8; 64],
    len: usize,
}

impl<'m, M: Mac> Feeder<'m, M> {
    fn new(macs: &'m mut [M]) -> Self {
        Feeder {
            macs,
            buf: [0; 64],
            len: 0,
        }
    }

    #[inline]
    fn byte(&mut self, b: u8) {
        if self.len == self.buf.len() {
            self.flush();
        }
        self.buf[self.len] = b;
        self.len += 1;
    }

    fn slice(&mut self, bytes: &[u8]) {
        self.flush();
        for mac in self.macs.iter_mut() {
            mac.update(bytes);
        }
    }

    fn flush(&mut self) {
        if self.len > 0 {
            for mac in self.macs.iter_mut() {
                mac.update(&self.buf[..self.len]);
            }
            self.len = 0;
        }
    }
}

fn feed_url<M: Mac>(mac: &mut M, form: UrlForm<'_>) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut feeder = Feeder::new(core::slice::from_mut(mac));
    if !form.whatwg_query {
        for piece in form.pieces {
            feeder.slice(piece);
        }
        return;
    }
    let mut in_query = false;
    for &b in form.pieces.iter().flat_map(|p| p.iter()) {
        if in_query && b == b'#' {
            in_query = false;
        } else if !in_query && b == b'?' {
            in_query = true;
            feeder.byte(b);
            continue;
        }
        if in_query && whatwg_query_escape(b) {
            feeder.byte(b'%');
            feeder.byte(HEX[usize::from(b >> 4)]);
            feeder.byte(HEX[usize::from(b & 0xF)]);
        } else {
            feeder.byte(b);
        }
    }
    feeder.flush();
}

/// A parameter name or value, plain or still form-encoded.
#[derive(Debug, Clone, Copy)]
enum Text<'a> {
    Plain(&'a [u8]),
    Form(Encoded<'a>),
}

enum TextBytes<'a> {
    Plain(core::iter::Copied<core::slice::Iter<'a, u8>>),
    Form(DecodedBytes<'a>),
}

impl Iterator for TextBytes<'_> {
    type Item = u8;
    #[inline]
    fn next(&mut self) -> Option<u8> {
        match self {
            TextBytes::Plain(it) => it.next(),
            TextBytes::Form(it) => it.next(),
        }
    }
}

impl<'a> Text<'a> {
    fn bytes(self) -> TextBytes<'a> {
        match self {
            Text::Form(e) if !e.is_plain() => TextBytes::Form(e.bytes()),
            Text::Form(e) => TextBytes::Plain(e.raw().iter().copied()),
            Text::Plain(p) => TextBytes::Plain(p.iter().copied()),
        }
    }

    /// The bytes themselves when no decoding is needed.
    fn plain(self) -> Option<&'a [u8]> {
        match self {
            Text::Form(e) if !e.is_plain() => None,
            Text::Form(e) => Some(e.raw()),
            Text::Plain(p) => Some(p),
        }
    }

    fn feed<M: Mac>(self, feeder: &mut Feeder<'_, M>) {
        match self {
            Text::Form(e) if !e.is_plain() => e.bytes().for_each(|b| feeder.byte(b)),
            Text::Form(e) => feeder.slice(e.raw()),
            Text::Plain(p) => feeder.slice(p),
        }
    }
}

type Pair<'a> = (Text<'a>, Text<'a>);

fn cmp_text(a: Text<'_>, b: Text<'_>) -> Ordering {
    // Most names, and many values, have no escapes: compare them as plain slices.
    match (a.plain(), b.plain()) {
        (Some(a), Some(b)) => a.cmp(b),
        _ => a.bytes().cmp(b.bytes()),
    }
}

fn cmp_pair(a: Pair<'_>, b: Pair<'_>) -> Ordering {
    cmp_text(a.0, b.0).then_with(|| cmp_text(a.1, b.1))
}

fn for_each_pair<'a>(params: Params<'a>, mut f: impl FnMut(Pair<'a>)) {
    match params {
        Params::None => {}
        Params::Form(form) => form
            .pairs()
            .for_each(|(n, v)| f((Text::Form(n), Text::Form(v)))),
        Params::Pairs(pairs) => pairs
            .iter()
            .for_each(|(n, v)| f((Text::Plain(n.as_bytes()), Text::Plain(v.as_bytes())))),
    }
}

/// Pairs sorted on the stack when there are at most this many (every Twilio webhook);
/// larger bodies fall back to a slower selection that needs no space at all.
const SORT_ON_STACK: usize = 64;

/// Feeds the sorted, de-duplicated pairs to every MAC.
fn feed_params<M: Mac>(macs: &mut [M], params: Params<'_>) -> Result<(), SignatureError> {
    let mut count = 0usize;
    for_each_pair(params, |_| count += 1);
    if count > MAX_PARAMS {
        return Err(SignatureError::TooManyParams { max: MAX_PARAMS });
    }
    let mut feeder = Feeder::new(macs);
    if count <= SORT_ON_STACK {
        let empty = (Text::Plain(&[]), Text::Plain(&[]));
        let mut pairs = [empty; SORT_ON_STACK];
        let mut n = 0;
        for_each_pair(params, |pair| {
            if let Some(slot) = pairs.get_mut(n) {
                *slot = pair;
                n += 1;
            }
        });
        let pairs = &mut pairs[..n];
        // Insertion sort: a few dozen comparisons for a real webhook, and a fraction of the
        // flash of core's general-purpose sort on a Cortex-M0.
        for i in 1..pairs.len() {
            let mut j = i;
            while j > 0 && cmp_pair(pairs[j - 1], pairs[j]) == Ordering::Greater {
                pairs.swap(j - 1, j);
                j -= 1;
            }
        }
        let mut last: Option<Pair<'_>> = None;
        for &pair in pairs.iter() {
            // A repeated identical pair is signed once.
            if last.is_none_or(|l| cmp_pair(pair, l) != Ordering::Equal) {
                pair.0.feed(&mut feeder);
                pair.1.feed(&mut feeder);
            }
            last = Some(pair);
        }
    } else {
        feed_by_selection(&mut feeder, params, count);
    }
    feeder.flush();
    Ok(())
}

/// Feeds pairs in order by repeatedly taking the smallest above the last one fed: quadratic,
/// but needs no buffer.
fn feed_by_selection<M: Mac>(feeder: &mut Feeder<'_, M>, params: Params<'_>, count: usize) {
    let mut last: Option<Pair<'_>> = None;
    for _ in 0..count {
        let mut next: Option<Pair<'_>> = None;
        for_each_pair(params, |pair| {
            let above_last = last.is_none_or(|l| cmp_pair(pair, l) == Ordering::Greater);
            if above_last && next.is_none_or(|n| cmp_pair(pair, n) == Ordering::Less) {
                next = Some(pair);
            }
        });
        let Some(pair) = next else { break };
        pair.0.feed(feeder);
        pair.1.feed(feeder);
        last = Some(pair);
    }
}
