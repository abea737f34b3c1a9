//! One page of a list response (`GET .../Messages.json`, `.../Calls.json`): the resources in
//! the page's `messages` or `calls` array, kept in a fixed-capacity buffer the caller sizes.

use core::fmt;
use core::marker::PhantomData;

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::resource::{Call, Message, ResourceError, from_json};

/// The resources of a list page, at most `N`; those past `N` are counted in
/// [`Page::skipped`], not kept. Ask for `PageSize=N` and none are skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<'a, T, const N: usize> {
    items: heapless::Vec<T, N>,
    skipped: usize,
    next_page_uri: Option<&'a str>,
}

impl<'a, T, const N: usize> Page<'a, T, N> {
    /// The resources kept, in Twilio's order (newest first).
    pub fn items(&self) -> &[T] {
        &self.items
    }

    /// How many resources the page held past the capacity `N`.
    pub fn skipped(&self) -> usize {
        self.skipped
    }

    /// Where the next page is, when there is one.
    pub fn next_page_uri(&self) -> Option<&'a str> {
        self.next_page_uri
    }
}

/// A page of `GET .../Messages.json`.
///
/// ```
/// use twilio_core::response::{MessagePage, MessageStatus};
///
/// let body = br#"{"messages": [
///     {"sid": "SM00000000000000000000000000000002", "to": "+15551230001",
///      "from": "+15005550006", "body": "Door open", "status": "queued",
///      "date_created": "Mon, 07 Dec 2026 05:00:01 +0000"},
///     {"sid": "SM00000000000000000000000000000001", "status": "delivered"}
///   ], "next_page_uri": null, "page": 0, "page_size": 2,
///   "uri": "/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages.json?PageSize=2"}"#;
/// let page = MessagePage::<4>::from_json(body).unwrap();
/// assert_eq!(page.items().len(), 2);
/// let newest = &page.items()[0];
/// assert_eq!(newest.status, MessageStatus::Queued);
/// assert_eq!(newest.body.and_then(|b| b.as_plain()), Some("Door open"));
/// assert_eq!(page.next_page_uri(), None);
/// ```
pub type MessagePage<'a, const N: usize> = Page<'a, Message<'a>, N>;

/// A page of `GET .../Calls.json`.
///
/// ```
/// use twilio_core::response::{CallPage, CallStatus};
///
/// let body = br#"{"calls": [{"sid": "CA00000000000000000000000000000001", "status": "ringing"},
///   {"sid": "CA00000000000000000000000000000000", "status": "completed"}],
///   "next_page_uri": "/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Calls.json?Page=1"}"#;
/// let page = CallPage::<1>::from_json(body).unwrap();
/// assert_eq!(page.items()[0].status, CallStatus::Ringing);
/// assert_eq!(page.skipped(), 1, "room for one");
/// assert!(page.next_page_uri().is_some());
/// ```
pub type CallPage<'a, const N: usize> = Page<'a, Call<'a>, N>;

impl<'a, const N: usize> Page<'a, Message<'a>, N> {
    /// Parses a page of messages.
    pub fn from_json(body: &'a [u8]) -> Result<Self, ResourceError> {
        from_json::<PageOf<'a, Message<'a>, N>>(body, "message list").map(|p| p.0)
    }
}

impl<'a, const N: usize> Page<'a, Call<'a>, N> {
    /// Parses a page of calls.
    pub fn from_json(body: &'a [u8]) -> Result<Self, ResourceError> {
        from_json::<PageOf<'a, Call<'a>, N>>(body, "call list").map(|p| p.0)
    }
}

/// Which array of a page holds the resources.
trait Listed {
    const KEY: &'static str;
}

impl Listed for Message<'_> {
    const KEY: &'static str = "messages";
}

impl Listed for Call<'_> {
    const KEY: &'static str = "calls";
}

/// [`Page`] as serde reads it.
struct PageOf<'a, T, const N: usize>(Page<'a, T, N>);

impl<'de: 'a, 'a, T: Deserialize<'de> + Listed, const N: usize> Deserialize<'de>
    for PageOf<'a, T, N>
{
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(PageVisitor(PhantomData))
    }
}

struct PageVisitor<'a, T, const N: usize>(PhantomData<(&'a (), T)>);

impl<'de: 'a, 'a, T: Deserialize<'de> + Listed, const N: usize> Visitor<'de>
    for PageVisitor<'a, T, N>
{
    type Value = PageOf<'a, T, N>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a Twilio list page")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut items = None;
        let mut next_page_uri = None;
        while let Some(key) = map.next_key::<&'de str>()? {
            if key == T::KEY {
                items = Some(map.next_value::<Items<T, N>>()?);
            } else if key == "next_page_uri" {
                next_page_uri = map.next_value::<Option<&'de str>>()?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        let Items { kept, skipped } = items.ok_or_else(|| de::Error::missing_field(T::KEY))?;
        Ok(PageOf(Page {
            items: kept,
            skipped,
            next_page_uri,
        }))
    }
}

/// The resources array: the first `N` kept, the rest counted.
struct Items<T, const N: usize> {
    kept: heapless::Vec<T, N>,
    skipped: usize,
}

impl<'de, T: Deserialize<'de>, const N: usize> Deserialize<'de> for Items<T, N> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_seq(ItemsVisitor(PhantomData))
    }
}

struct ItemsVisitor<T, const N: usize>(PhantomData<T>);

impl<'de, T: Deserialize<'de>, const N: usize> Visitor<'de> for ItemsVisitor<T, N> {
    type Value = Items<T, N>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of resources")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut kept = heapless::Vec::new();
        let mut skipped = 0usize;
        while !kept.is_full() {
            match seq.next_element::<T>()? {
                Some(item) => {
                    // Cannot fail: the loop stops while there is room.
                    let _ = kept.push(item);
                }
                None => return Ok(Items { kept, skipped }),
            }
        }
        while seq.next_element::<IgnoredAny>()?.is_some() {
            skipped += 1;
        }
        Ok(Items { kept, skipped })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::response::{CallStatus, MessageStatus, ResourceError};

    const PAGE: &[u8] = br#"{"end": 2, "first_page_uri": "/x?Page=0",
        "messages": [
          {"sid": "SM00000000000000000000000000000003", "status": "sent", "to": "+15551230001",
           "body": "a \"quoted\" line", "subresource_uris": {"media": "/m"}, "error_code": null},
          {"sid": "SM00000000000000000000000000000002", "status": "failed", "error_code": 30008},
          {"sid": "SM00000000000000000000000000000001", "status": "delivered"}
        ],
        "next_page_uri": "/x?Page=1", "page": 0, "page_size": 3, "previous_page_uri": null,
        "start": 0, "uri": "/x?Page=0"}"#;

    #[test]
    fn keeps_what_fits_and_counts_the_rest() {
        let all = MessagePage::<3>::from_json(PAGE).unwrap();
        let sids: std::vec::Vec<_> = all.items().iter().map(|m| m.sid.unwrap()).collect();
        assert_eq!(
            sids,
            [
                "SM00000000000000000000000000000003",
                "SM00000000000000000000000000000002",
                "SM00000000000000000000000000000001"
            ]
        );
        assert_eq!(all.items()[1].status, MessageStatus::Failed);
        assert_eq!(all.items()[1].error_code, Some(30008));
        assert_eq!(all.skipped(), 0);
        assert_eq!(all.next_page_uri(), Some("/x?Page=1"));
        let one = MessagePage::<1>::from_json(PAGE).unwrap();
        assert_eq!(
            (one.items().len(), one.skipped(), one.items()[0].status),
            (1, 2, MessageStatus::Sent)
        );
    }

    #[test]
    fn an_empty_page_and_pages_of_the_wrong_kind() {
        let empty = CallPage::<2>::from_json(br#"{"calls": [], "next_page_uri": null}"#).unwrap();
        assert!(empty.items().is_empty());
        assert_eq!(
            CallPage::<2>::from_json(PAGE),
            Err(ResourceError::InvalidJson {
                resource: "call list"
            }),
            "a message page has no calls"
        );
        assert!(MessagePage::<2>::from_json(br#"{"messages": {}}"#).is_err());
        assert!(MessagePage::<2>::from_json(br#"{"messages": [1]}"#).is_err());
        assert!(MessagePage::<2>::from_json(b"<html>").is_err());
        let calls = CallPage::<2>::from_json(
            br#"{"calls": [{"sid": "CA00000000000000000000000000000001", "status": "busy", "to": "+15551230001"}]}"#,
        )
        .unwrap();
        assert_eq!(calls.items()[0].status, CallStatus::Busy);
        assert_eq!(calls.items()[0].to, Some("+15551230001"));
    }
}
