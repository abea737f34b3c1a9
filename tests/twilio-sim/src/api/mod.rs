//! The Twilio REST API subset: Messages and Calls (create, fetch, list), Verify verifications
//! and checks, Lookup; Basic auth, validation.

mod calls;
pub(crate) mod error;
mod messages;
pub(crate) mod resource;
pub(crate) mod validation;
mod verify;

use std::sync::Arc;

use error::ApiError;

use crate::faults::Endpoint;
use crate::state::SimState;

/// A request as the API handlers see it: the body already decoded as a form.
#[derive(Debug)]
pub(crate) struct ApiRequest<'a> {
    pub(crate) path: &'a str,
    pub(crate) query: Option<&'a str>,
    pub(crate) authorization: Option<&'a [u8]>,
    pub(crate) form: &'a [(String, String)],
}

/// A response before it is turned into HTTP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) body: Vec<u8>,
    pub(crate) content_type: &'static str,
    pub(crate) retry_after_secs: Option<u32>,
    pub(crate) error_code: Option<u32>,
}

impl Reply {
    pub(crate) fn json(status: u16, body: Vec<u8>) -> Self {
        Self {
            status,
            body,
            content_type: "application/json",
            retry_after_secs: None,
            error_code: None,
        }
    }

    pub(crate) fn error(e: &ApiError) -> Self {
        Self {
            status: e.status,
            body: e.to_json(),
            content_type: "application/json",
            retry_after_secs: e.retry_after_secs,
            error_code: Some(e.code),
        }
    }
}

/// Which operation a path names, with the account SID and resource SID in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Route<'a> {
    pub(crate) endpoint: Endpoint,
    /// The account in the path; Verify and Lookup paths name none.
    pub(crate) account_sid: Option<&'a str>,
    pub(crate) sid: Option<&'a str>,
}

/// Maps method and path to an operation.
pub(crate) fn route<'a>(method: &str, path: &'a str) -> Result<Route<'a>, ApiError> {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let product = |endpoint, sid| {
        Ok(Route {
            endpoint,
            account_sid: None,
            sid: Some(sid),
        })
    };
    match (method, segments.as_slice()) {
        ("POST", ["v2", "Services", service, "Verifications"]) => {
            return product(Endpoint::CreateVerification, *service);
        }
        ("POST", ["v2", "Services", service, "VerificationCheck"]) => {
            return product(Endpoint::CheckVerification, *service);
        }
        ("GET", ["v2", "PhoneNumbers", number]) => {
            return product(Endpoint::FetchPhoneNumber, *number);
        }
        (
            _,
            ["v2", "Services", _, "Verifications" | "VerificationCheck"]
            | ["v2", "PhoneNumbers", _],
        ) => {
            return Err(ApiError::method_not_allowed(method));
        }
        _ => {}
    }
    let (account_sid, rest) = match segments.as_slice() {
        ["2010-04-01", "Accounts", file] if file.strip_suffix(".json").is_some() => {
            let account = file.strip_suffix(".json").unwrap_or(file);
            return match method {
                "GET" => Ok(Route {
                    endpoint: Endpoint::FetchAccount,
                    account_sid: Some(account),
                    sid: None,
                }),
                _ => Err(ApiError::method_not_allowed(method)),
            };
        }
        ["2010-04-01", "Accounts", account, rest @ ..] => (*account, rest),
        _ => return Err(ApiError::not_found(path)),
    };
    let (endpoint, sid) = match (method, rest) {
        ("POST", ["Messages.json"]) => (Endpoint::CreateMessage, None),
        ("GET", ["Messages.json"]) => (Endpoint::ListMessages, None),
        ("GET", ["Messages", file]) => (Endpoint::FetchMessage, file.strip_suffix(".json")),
        ("POST", ["Calls.json"]) => (Endpoint::CreateCall, None),
        ("GET", ["Calls.json"]) => (Endpoint::ListCalls, None),
        ("GET", ["Calls", file]) => (Endpoint::FetchCall, file.strip_suffix(".json")),
        (_, ["Messages.json" | "Calls.json"] | ["Messages" | "Calls", _]) => {
            return Err(ApiError::method_not_allowed(method));
        }
        _ => return Err(ApiError::not_found(path)),
    };
    if matches!(endpoint, Endpoint::FetchMessage | Endpoint::FetchCall) && sid.is_none() {
        return Err(ApiError::not_found(path));
    }
    Ok(Route {
        endpoint,
        account_sid: Some(account_sid),
        sid,
    })
}

/// Runs an authenticated, routed request.
pub(crate) fn handle(state: &Arc<SimState>, request: &ApiRequest<'_>, route: &Route<'_>) -> Reply {
    let wrong_account = route
        .account_sid
        .is_some_and(|account| account != state.account_sid);
    if !state.credentials.accepts(request.authorization) || wrong_account {
        return Reply::error(&ApiError::unauthorized());
    }
    let result = match route.endpoint {
        Endpoint::CreateMessage => messages::create(state, request.form),
        Endpoint::FetchMessage => {
            messages::fetch(state, request.path, route.sid.unwrap_or_default())
        }
        Endpoint::ListMessages => Ok(messages::list(state, request.path, request.query)),
        Endpoint::CreateCall => calls::create(state, request.form),
        Endpoint::FetchCall => calls::fetch(state, request.path, route.sid.unwrap_or_default()),
        Endpoint::ListCalls => Ok(calls::list(state, request.path, request.query)),
        Endpoint::FetchAccount => Ok(Reply::json(200, resource::account(&state.account_sid))),
        Endpoint::CreateVerification => verify::create(
            state,
            request.path,
            route.sid.unwrap_or_default(),
            request.form,
        ),
        Endpoint::CheckVerification => verify::check(
            state,
            request.path,
            route.sid.unwrap_or_default(),
            request.form,
        ),
        Endpoint::FetchPhoneNumber => {
            Ok(verify::lookup(route.sid.unwrap_or_default(), request.query))
        }
    };
    result.unwrap_or_else(|e| Reply::error(&e))
}

/// A list request's query string as decoded pairs.
pub(crate) fn list_query(query: Option<&str>) -> Vec<(String, String)> {
    form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .into_owned()
        .collect()
}

/// The value of the first `name` parameter in a list query.
pub(crate) fn query_value(query: &[(String, String)], name: &str) -> Option<String> {
    query
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
}

/// The requested page of `all` (already filtered, newest first) in Twilio's list shape, with the
/// filters repeated in its page URIs.
pub(crate) fn list_reply<'r, R, T: serde::Serialize>(
    key: &'static str,
    path: &str,
    query: &[(String, String)],
    filters: Vec<(&'static str, Option<String>)>,
    all: &'r [R],
    item: impl Fn(&'r R) -> T,
) -> Reply {
    let (index, size) = paging(query);
    let start = index.saturating_mul(size).min(all.len());
    let end = start.saturating_add(size).min(all.len());
    let page = resource::Page {
        key,
        items: all[start..end].iter().map(item).collect(),
        path,
        filters: filters
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| (k, v)))
            .collect(),
        index,
        size,
        has_more: end < all.len(),
    };
    Reply::json(200, page.to_json())
}

/// Page number and size from a list query (`Page`, `PageSize` 1..=1000, default 50).
pub(crate) fn paging(query: &[(String, String)]) -> (usize, usize) {
    let get = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .and_then(|(_, v)| v.parse::<usize>().ok())
    };
    (
        get("Page").unwrap_or(0).min(1_000_000),
        get("PageSize").unwrap_or(50).clamp(1, 1000),
    )
}

/// Decodes `%XX` escapes in a path segment (`%2B1555...` -> `+1555...`); a `+` stays a `+`.
pub(crate) fn percent_decode(segment: &str) -> String {
    percent_encoding::percent_decode_str(segment)
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ACCOUNT: &str = "AC0123456789abcdef0123456789abcdef";

    #[test]
    fn routes_every_operation() {
        let p = format!("/2010-04-01/Accounts/{ACCOUNT}/Messages.json");
        assert_eq!(route("POST", &p).unwrap().endpoint, Endpoint::CreateMessage);
        assert_eq!(route("GET", &p).unwrap().endpoint, Endpoint::ListMessages);
        let p = format!("/2010-04-01/Accounts/{ACCOUNT}/Calls/CA1.json");
        let r = route("GET", &p).unwrap();
        assert_eq!(
            (r.endpoint, r.sid, r.account_sid),
            (Endpoint::FetchCall, Some("CA1"), Some(ACCOUNT))
        );
        assert_eq!(route("DELETE", &p).unwrap_err().code, 20004);
        assert_eq!(route("GET", "/nope").unwrap_err().code, 20404);
        let p = format!("/2010-04-01/Accounts/{ACCOUNT}.json");
        assert_eq!(route("GET", &p).unwrap().endpoint, Endpoint::FetchAccount);
        assert_eq!(route("GET", &p).unwrap().account_sid, Some(ACCOUNT));
        let v = "/v2/Services/VA0123456789abcdef0123456789abcdef/VerificationCheck";
        let r = route("POST", v).unwrap();
        assert_eq!(
            (r.endpoint, r.account_sid),
            (Endpoint::CheckVerification, None)
        );
        assert_eq!(route("GET", v).unwrap_err().code, 20004);
        let r = route("GET", "/v2/PhoneNumbers/+15551234567").unwrap();
        assert_eq!(
            (r.endpoint, r.sid),
            (Endpoint::FetchPhoneNumber, Some("+15551234567"))
        );
        assert_eq!(route("POST", &p).unwrap_err().code, 20004);
        assert_eq!(
            route("GET", &format!("/2010-04-01/Accounts/{ACCOUNT}/Calls/CA1"))
                .unwrap_err()
                .code,
            20404
        );
    }

    #[test]
    fn paging_defaults_and_bounds() {
        assert_eq!(paging(&[]), (0, 50));
        let q = vec![
            ("Page".to_owned(), "2".to_owned()),
            ("PageSize".to_owned(), "5000".to_owned()),
        ];
        assert_eq!(paging(&q), (2, 1000));
        let q = vec![("PageSize".to_owned(), "0".to_owned())];
        assert_eq!(paging(&q), (0, 1));
    }

    #[test]
    fn decodes_escaped_numbers_and_keeps_bad_escapes() {
        assert_eq!(percent_decode("%2B15005550006"), "+15005550006");
        assert_eq!(percent_decode("+1555"), "+1555");
        assert_eq!(percent_decode("%zz%2"), "%zz%2");
    }
}
