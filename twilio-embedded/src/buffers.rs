//! The caller-owned buffers the client works in.

/// TLS record read buffer: the largest TLS 1.3 record (16,384 bytes of plaintext plus 256 of
/// expansion). A server may send records this large, so smaller is not safe without max fragment
/// length negotiation, which api.twilio.com does not offer.
pub const TLS_READ_BUFFER_LEN: usize = 16_640;

/// TLS record write buffer. Larger writes are split into several records; 4 KiB holds a whole
/// request, so one request goes out as one record.
pub const TLS_WRITE_BUFFER_LEN: usize = 4_096;

/// HTTP buffer: first the request (head and form body) is written here, then the response is
/// parsed into it. 4 KiB holds an alert SMS request and Twilio's message or call JSON (about
/// 1.5 KiB) with its headers.
pub const HTTP_BUFFER_LEN: usize = 4_096;

/// Every large buffer the client needs, in one place: 24,832 bytes.
///
/// Put it in a `static` (for example with `static_cell`) rather than on a task's stack.
///
/// ```
/// use twilio_embedded::Buffers;
///
/// let buffers = Buffers::new();
/// assert_eq!(core::mem::size_of_val(&buffers), 16_640 + 4_096 + 4_096);
/// ```
#[derive(Debug)]
pub struct Buffers {
    /// Encrypted records received ([`TLS_READ_BUFFER_LEN`]).
    pub tls_read: [u8; TLS_READ_BUFFER_LEN],
    /// Encrypted records to send ([`TLS_WRITE_BUFFER_LEN`]).
    pub tls_write: [u8; TLS_WRITE_BUFFER_LEN],
    /// The HTTP request, then the response ([`HTTP_BUFFER_LEN`]).
    pub http: [u8; HTTP_BUFFER_LEN],
}

impl Buffers {
    /// Zeroed buffers (`const`, so they can live in a `static`).
    // Meant for statics (`StaticCell`, `static mut` via `ConstStaticCell`) or a `Box` on hosts.
    #[allow(clippy::large_stack_arrays)]
    pub const fn new() -> Self {
        Self {
            tls_read: [0; TLS_READ_BUFFER_LEN],
            tls_write: [0; TLS_WRITE_BUFFER_LEN],
            http: [0; HTTP_BUFFER_LEN],
        }
    }
}

impl Default for Buffers {
    fn default() -> Self {
        Self::new()
    }
}
