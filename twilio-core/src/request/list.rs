//! `GET .../Messages.json` and `GET .../Calls.json`: list the newest messages or calls between
//! two parties, e.g. to find out whether a create whose answer was lost was acted on.

use super::{ApiRequest, HttpMethod, RequestError, write_account_path};
use crate::address::{CallEndpoint, Recipient, Sender};
use crate::buf::SliceWriter;
use crate::form::FormWriter;
use crate::sid::AccountSid;

/// The largest page Twilio serves.
pub const MAX_PAGE_SIZE: u16 = 1000;

/// Lists messages (`To`, `From`, `DateSent>=`) or calls (`To`, `From`, `StartTime>=`), newest
/// first, one page of `PageSize`.
///
/// Twilio sets `date_sent` and `start_time` only once a message leaves or a call is dialled:
/// a date filter hides resources still queued, so leave it off when looking for one created
/// moments ago.
///
/// ```
/// use twilio_core::auth::Credentials;
/// use twilio_core::request::{ApiRequest, HttpConfig, ListRequest};
///
/// let creds = Credentials::auth_token(
///     "AC0123456789abcdef0123456789abcdef",
///     "0123456789abcdef0123456789abcdef",
/// )?;
/// let list = ListRequest::messages("+15551230001", Some("+15005550006"))?.page_size(20)?;
/// let mut buf = [0u8; 512];
/// let n = list.write_http(&creds, &HttpConfig::default(), &mut buf)?;
/// assert!(buf[..n].starts_with(
///     b"GET /2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages.json?To=%2B15551230001&From=%2B15005550006&PageSize=20 HTTP/1.1\r\n"
/// ));
/// let calls = ListRequest::calls("+15551230001", Some("+15005550006"))?.since("2026-12-07")?;
/// let n = calls.write_http(&creds, &HttpConfig::default(), &mut buf)?;
/// assert!(buf[..n].starts_with(
///     b"GET /2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Calls.json?To=%2B15551230001&From=%2B15005550006&StartTime%3E=2026-12-07 HTTP/1.1\r\n"
/// ));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ListRequest<'a> {
    kind: ListKind,
    to: &'a str,
    from: Option<&'a str>,
    since: Option<&'a str>,
    page_size: Option<u16>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
enum ListKind {
    Messages,
    Calls,
}

impl<'a> ListRequest<'a> {
    /// Messages to `to` (a number or `whatsapp:` address), from `from` when given (a number,
    /// short code or alphanumeric ID; a Messaging Service is not a `From` filter).
    pub fn messages(to: &'a str, from: Option<&'a str>) -> Result<Self, RequestError> {
        Recipient::parse(to).map_err(|reason| RequestError::InvalidAddress {
            field: "To",
            reason,
        })?;
        if let Some(from) = from {
            match Sender::parse(from) {
                Ok(Sender::MessagingService(_)) => {
                    return Err(RequestError::InvalidValue { field: "From" });
                }
                Ok(_) => {}
                Err(reason) => {
                    return Err(RequestError::InvalidAddress {
                        field: "From",
                        reason,
                    });
                }
            }
        }
        Ok(Self::new(ListKind::Messages, to, from))
    }

    /// Calls to `to`, from `from` when given (numbers, `client:` or `sip:` addresses).
    pub fn calls(to: &'a str, from: Option<&'a str>) -> Result<Self, RequestError> {
        CallEndpoint::parse(to).map_err(|reason| RequestError::InvalidAddress {
            field: "To",
            reason,
        })?;
        if let Some(from) = from {
            CallEndpoint::parse(from).map_err(|reason| RequestError::InvalidAddress {
                field: "From",
                reason,
            })?;
        }
        Ok(Self::new(ListKind::Calls, to, from))
    }

    fn new(kind: ListKind, to: &'a str, from: Option<&'a str>) -> Self {
        Self {
            kind,
            to,
            from,
            since: None,
            page_size: None,
        }
    }

    /// Only messages sent, or calls started, on or after `date` (`YYYY-MM-DD`, UTC).
    pub fn since(self, date: &'a str) -> Result<Self, RequestError> {
        let b = date.as_bytes();
        let shaped = b.len() == 10
            && b[4] == b'-'
            && b[7] == b'-'
            && b.iter()
                .enumerate()
                .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
        if !shaped {
            return Err(RequestError::InvalidValue { field: "since" });
        }
        Ok(Self {
            since: Some(date),
            ..self
        })
    }

    /// At most `size` resources (1 to [`MAX_PAGE_SIZE`]; Twilio's default is 50).
    pub fn page_size(self, size: u16) -> Result<Self, RequestError> {
        if size == 0 || size > MAX_PAGE_SIZE {
            return Err(RequestError::InvalidValue { field: "PageSize" });
        }
        Ok(Self {
            page_size: Some(size),
            ..self
        })
    }
}

impl ApiRequest for ListRequest<'_> {
    fn method(&self) -> HttpMethod {
        HttpMethod::Get
    }

    fn write_path(&self, account_sid: AccountSid<'_>, out: &mut SliceWriter<'_>) {
        let (collection, date_filter) = match self.kind {
            ListKind::Messages => ("Messages.json", "DateSent>"),
            ListKind::Calls => ("Calls.json", "StartTime>"),
        };
        write_account_path(out, account_sid, collection);
        out.write_byte(b'?');
        let mut query = FormWriter::new(out);
        query.pair("To", self.to);
        query.opt("From", self.from);
        // Twilio's on-or-after filter is the parameter `DateSent>` given as `DateSent>=DATE`.
        query.opt(date_filter, self.since);
        query.opt_u32("PageSize", self.page_size.map(u32::from));
    }

    fn write_body(&self, _out: &mut SliceWriter<'_>) {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::address::AddressError;
    use crate::auth::Credentials;
    use crate::request::HttpConfig;

    fn request_line(r: &ListRequest<'_>) -> std::string::String {
        let creds = Credentials::auth_token(
            "AC0123456789abcdef0123456789abcdef",
            "0123456789abcdef0123456789abcdef",
        )
        .unwrap();
        let mut buf = [0u8; 1024];
        let n = r
            .write_http(&creds, &HttpConfig::default(), &mut buf)
            .unwrap();
        let text = core::str::from_utf8(&buf[..n]).unwrap();
        text.lines().next().unwrap().into()
    }

    #[test]
    fn filters_are_percent_encoded_in_the_query() {
        let r = ListRequest::messages("whatsapp:+15551230001", None).unwrap();
        assert_eq!(
            request_line(&r),
            "GET /2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages.json?To=whatsapp%3A%2B15551230001 HTTP/1.1"
        );
        let r = ListRequest::messages("+15551230001", Some("Alerts"))
            .unwrap()
            .since("2026-01-31")
            .unwrap()
            .page_size(1000)
            .unwrap();
        assert!(
            request_line(&r).ends_with(
                "?To=%2B15551230001&From=Alerts&DateSent%3E=2026-01-31&PageSize=1000 HTTP/1.1"
            ),
            "{}",
            request_line(&r)
        );
        let r = ListRequest::calls("client:ops", Some("+15005550006")).unwrap();
        assert!(request_line(&r).contains("/Calls.json?To=client%3Aops&From=%2B15005550006 "));
    }

    #[test]
    fn bad_filters_are_refused() {
        assert_eq!(
            ListRequest::messages("15551230001", None),
            Err(RequestError::InvalidAddress {
                field: "To",
                reason: AddressError::MissingPlus
            })
        );
        assert_eq!(
            ListRequest::messages("+15551230001", Some("MG0123456789abcdef0123456789abcdef")),
            Err(RequestError::InvalidValue { field: "From" })
        );
        assert!(ListRequest::calls("+15551230001", Some("sip:")).is_err());
        let ok = ListRequest::calls("+15551230001", None).unwrap();
        for date in ["2026-1-31", "2026/01/31", "20260131xx", "2026-01-3a"] {
            assert_eq!(
                ok.since(date),
                Err(RequestError::InvalidValue { field: "since" }),
                "{date}"
            );
        }
        assert!(ok.page_size(0).is_err());
        assert!(ok.page_size(1001).is_err());
    }
}
