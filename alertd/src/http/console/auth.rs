//! Who may see the console and act through it. Without a bearer token anyone who reaches
//! alertd may (as with the JSON API); with one, the login page takes the token and answers
//! with a signed session cookie: `HttpOnly` (no script reads it), `SameSite=Strict` (no other
//! site's request carries it), and `Secure` when the browser reached alertd over TLS, which
//! alertd, serving plain HTTP behind a TLS proxy, learns from the proxy's
//! `X-Forwarded-Proto: https` (or `Forwarded: proto=https`) or from an `https://` Origin on
//! the login form's POST.
//!
//! Every action is a form POST with the session's CSRF token in the `csrf` field, compared in
//! constant time; the request guard has already refused a foreign `Origin` or
//! `Sec-Fetch-Site: cross-site`.

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;

use super::render;
use super::session::{COOKIE, Keys, LIFETIME, Session, cookie};
use crate::config::secrets::constant_time_eq;
use crate::http::errors::ApiError;
use crate::http::{ApiState, read_body};

/// A visitor: the session their cookie proves, or a new one to be set.
pub(super) struct Visitor {
    keys: Keys,
    /// The session (from the cookie, or just issued).
    pub(super) session: Session,
    /// The cookie to set when the session was just issued.
    set_cookie: Option<HeaderValue>,
    /// Whether a bearer token is configured.
    pub(super) token_required: bool,
}

impl Visitor {
    /// The visitor a request comes from; a new guest session when its cookie is missing or
    /// does not verify.
    pub(super) fn of(state: &ApiState, headers: &HeaderMap) -> Self {
        let keys = Keys::new(state.bearer_token.as_deref());
        let now = state.clock.now();
        let found = headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|h| cookie(h, COOKIE))
            .and_then(|v| keys.verify(v, now));
        let (session, set_cookie) = if let Some(s) = found {
            (s, None)
        } else {
            let (s, value) = keys.issue(false, now);
            (s, Some(cookie_header(&value, over_tls(headers), false)))
        };
        Self {
            keys,
            session,
            set_cookie,
            token_required: state.bearer_token.is_some(),
        }
    }

    /// Whether the visitor may see the console.
    pub(super) fn allowed(&self) -> bool {
        !self.token_required || self.session.signed_in
    }

    /// The CSRF token of the visitor's forms.
    pub(super) fn csrf(&self) -> String {
        self.keys.csrf(&self.session)
    }

    /// Adds the session cookie to a response when it was just issued.
    pub(super) fn finish(&self, mut response: Response) -> Response {
        if let Some(c) = &self.set_cookie {
            response.headers_mut().append(header::SET_COOKIE, c.clone());
        }
        response
    }

    /// Checks a posted form: an established session (not one issued just now), its CSRF
    /// token, and a sign-in when a token is configured.
    pub(super) fn check_post(&self, form: &Form) -> Result<(), ApiError> {
        let given = form.get("csrf").unwrap_or_default();
        if self.set_cookie.is_some() || !self.keys.csrf_ok(&self.session, given) {
            return Err(ApiError::Forbidden(
                "missing or wrong CSRF token: reload the page and try again".into(),
            ));
        }
        if !self.allowed() {
            return Err(ApiError::Unauthorized);
        }
        Ok(())
    }
}

/// Whether the browser reached alertd over TLS, as far as alertd can tell (see the module docs).
fn over_tls(headers: &HeaderMap) -> bool {
    let value = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_ascii_lowercase)
            .unwrap_or_default()
    };
    value("x-forwarded-proto").trim() == "https"
        || value("forwarded").contains("proto=https")
        || value("origin").starts_with("https://")
}

fn cookie_header(value: &str, secure: bool, clear: bool) -> HeaderValue {
    let max_age = if clear { 0 } else { LIFETIME.as_secs() };
    let secure = if secure { "; Secure" } else { "" };
    let text = format!(
        "{COOKIE}={value}; Path=/console; Max-Age={max_age}; HttpOnly; SameSite=Strict{secure}"
    );
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static("alertd_console="))
}

/// A form-encoded body.
pub(super) struct Form(Vec<(String, String)>);

impl Form {
    /// Reads the body within the size limit.
    pub(super) async fn read(
        state: &ApiState,
        headers: &HeaderMap,
        body: Body,
    ) -> Result<Self, ApiError> {
        let bytes = read_body(state, headers, body).await?;
        Ok(Self(form_urlencoded::parse(&bytes).into_owned().collect()))
    }

    /// The first value of `name`.
    pub(super) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A refusal as a page.
pub(super) fn error_page(e: &ApiError) -> Response {
    let status = e.status().0;
    super::render(
        status,
        "error.html",
        context! { status => status.as_u16(), message => e.to_string() },
    )
}

fn login_page(visitor: &Visitor, status: StatusCode, message: Option<&str>) -> Response {
    visitor.finish(render(
        status,
        "login.html",
        context! { csrf => visitor.csrf(), message => message, page => "login" },
    ))
}

/// `GET /console/login`.
pub(super) async fn get_login(State(state): State<ApiState>, headers: HeaderMap) -> Response {
    let visitor = Visitor::of(&state, &headers);
    if visitor.allowed() {
        return visitor.finish(Redirect::to("/console/alerts").into_response());
    }
    login_page(&visitor, StatusCode::OK, None)
}

/// `POST /console/login`: `token` and `csrf`; a new signed-in session on success.
pub(super) async fn post_login(
    State(state): State<ApiState>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let visitor = Visitor::of(&state, &headers);
    let form = match Form::read(&state, &headers, body).await {
        Ok(f) => f,
        Err(e) => return error_page(&e),
    };
    let csrf_ok = visitor.set_cookie.is_none()
        && visitor
            .keys
            .csrf_ok(&visitor.session, form.get("csrf").unwrap_or_default());
    if !csrf_ok {
        return login_page(
            &visitor,
            StatusCode::FORBIDDEN,
            Some("The form expired: sign in again."),
        );
    }
    let Some(expected) = &state.bearer_token else {
        return Redirect::to("/console/alerts").into_response();
    };
    let given = form.get("token").unwrap_or_default().trim();
    if !constant_time_eq(given.as_bytes(), expected.as_bytes()) {
        tracing::info!("console sign-in refused: wrong token");
        return login_page(
            &visitor,
            StatusCode::UNAUTHORIZED,
            Some("That is not the bearer token."),
        );
    }
    // A fresh session id on sign-in: a session planted before it is worth nothing.
    let (_, value) = visitor.keys.issue(true, state.clock.now());
    let mut response = Redirect::to("/console/alerts").into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        cookie_header(&value, over_tls(&headers), false),
    );
    response
}

/// `POST /console/logout`: clears the cookie.
pub(super) async fn post_logout(
    State(state): State<ApiState>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let visitor = Visitor::of(&state, &headers);
    let checked = match Form::read(&state, &headers, body).await {
        Ok(form) => visitor.check_post(&form),
        Err(e) => Err(e),
    };
    if let Err(e) = checked {
        return error_page(&e);
    }
    let mut response = Redirect::to("/console/login").into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        cookie_header("", over_tls(&headers), true),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_is_read_from_the_proxy_or_the_origin() {
        let mut h = HeaderMap::new();
        assert!(!over_tls(&h));
        h.insert("x-forwarded-proto", HeaderValue::from_static("HTTPS"));
        assert!(over_tls(&h));
        let mut h = HeaderMap::new();
        h.insert("origin", HeaderValue::from_static("https://alerts.example"));
        assert!(over_tls(&h));
        h.insert("origin", HeaderValue::from_static("http://10.0.0.2:9870"));
        assert!(!over_tls(&h));
    }

    #[test]
    fn the_cookie_is_http_only_and_strict() {
        let c = cookie_header("v", true, false);
        let c = c.to_str().unwrap();
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Strict") && c.ends_with("; Secure"));
        assert!(
            !cookie_header("v", false, false)
                .to_str()
                .unwrap()
                .contains("Secure")
        );
    }
}
