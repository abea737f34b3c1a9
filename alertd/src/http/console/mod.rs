//! The web console at `/console/` (and `/`): alerts by group, escalations, deliveries,
//! silences, opted-out numbers and health, rendered on the server with minijinja (every value
//! HTML-escaped: labels and annotations are untrusted) plus one small script that formats
//! times in the browser's zone and refreshes each page's live part every few seconds. The
//! assets are embedded in the binary; nothing is loaded from elsewhere (the
//! Content-Security-Policy allows only alertd itself).
//!
//! Pages read through the same store calls and API code as the JSON endpoints; actions
//! (create and expire silences, acknowledge) go through the same paths as their API
//! counterparts. With a bearer token configured, the console asks for it once and keeps a
//! signed session cookie (`session`); every action is a form POST carrying the session's
//! CSRF token (`auth`).

mod actions;
mod auth;
mod pages;
mod session;
mod views;

use std::sync::LazyLock;

use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::Environment;

use crate::http::ApiState;

/// The console's routes, merged into the API router (behind the same guard).
pub(crate) fn router() -> Router<ApiState> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/console/alerts") }))
        .route(
            "/console",
            get(|| async { Redirect::to("/console/alerts") }),
        )
        .route(
            "/console/",
            get(|| async { Redirect::to("/console/alerts") }),
        )
        .route(
            "/console/login",
            get(auth::get_login).post(auth::post_login),
        )
        .route("/console/logout", post(auth::post_logout))
        .route("/console/assets/{name}", get(asset))
        .route(
            "/console/silences",
            get(pages::silences).post(actions::create_silence),
        )
        .route(
            "/console/silences/{id}/expire",
            post(actions::expire_silence),
        )
        .route("/console/escalations/{id}/ack", post(actions::ack))
        .route("/console/{page}", get(pages::page))
        .route("/console/{page}/live", get(pages::live))
}

/// Every template, embedded.
static TEMPLATES: [(&str, &str); 15] = [
    ("base.html", include_str!("assets/base.html")),
    ("login.html", include_str!("assets/login.html")),
    ("error.html", include_str!("assets/error.html")),
    ("alerts.html", include_str!("assets/alerts.html")),
    ("alerts_live.html", include_str!("assets/alerts_live.html")),
    ("escalations.html", include_str!("assets/escalations.html")),
    (
        "escalations_live.html",
        include_str!("assets/escalations_live.html"),
    ),
    ("deliveries.html", include_str!("assets/deliveries.html")),
    (
        "deliveries_live.html",
        include_str!("assets/deliveries_live.html"),
    ),
    ("silences.html", include_str!("assets/silences.html")),
    (
        "silences_live.html",
        include_str!("assets/silences_live.html"),
    ),
    ("opt-outs.html", include_str!("assets/opt-outs.html")),
    (
        "opt-outs_live.html",
        include_str!("assets/opt-outs_live.html"),
    ),
    ("health.html", include_str!("assets/health.html")),
    ("health_live.html", include_str!("assets/health_live.html")),
];

/// The stylesheet and the script.
static STATIC_ASSETS: [(&str, &str, &str); 2] = [
    (
        "console.css",
        "text/css; charset=utf-8",
        include_str!("assets/console.css"),
    ),
    (
        "console.js",
        "text/javascript; charset=utf-8",
        include_str!("assets/console.js"),
    ),
];

/// Bytes of every embedded asset (templates, stylesheet, script).
#[cfg(test)]
fn asset_bytes() -> usize {
    TEMPLATES.iter().map(|(_, t)| t.len()).sum::<usize>()
        + STATIC_ASSETS.iter().map(|(_, _, t)| t.len()).sum::<usize>()
}

/// The templates, parsed once. Names end in `.html`, so minijinja escapes every value.
static ENV: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Chainable);
    env.add_filter("segment", |v: String| {
        form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>()
    });
    for (name, source) in TEMPLATES {
        if let Err(e) = env.add_template(name, source) {
            // The templates are compiled in; the unit test below parses them all.
            tracing::error!("console template {name}: {e}");
        }
    }
    env
});

/// The headers every console page carries: no caching, nothing from elsewhere, no framing.
fn page_headers(response: &mut Response) {
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
        ),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
}

/// Renders template `name` with `context` as an HTML response.
fn render(status: StatusCode, name: &str, context: minijinja::Value) -> Response {
    let html = ENV
        .get_template(name)
        .and_then(|t| t.render(context))
        .unwrap_or_else(|e| {
            tracing::error!("console template {name}: {e:#}");
            format!(
                "<!doctype html><title>alertd</title><p>This page could not be rendered: {}",
                minijinja::HtmlEscape(&e.to_string())
            )
        });
    let mut response = (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        html,
    )
        .into_response();
    page_headers(&mut response);
    response
}

async fn asset(axum::extract::Path(name): axum::extract::Path<String>) -> Response {
    match STATIC_ASSETS.iter().find(|(n, _, _)| *n == name) {
        Some((_, content_type, body)) => (
            [
                (header::CONTENT_TYPE, *content_type),
                (header::CACHE_CONTROL, "no-cache"),
            ],
            *body,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "no such asset").into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_parses_and_the_assets_stay_small() {
        let mut env = Environment::new();
        for (name, source) in TEMPLATES {
            env.add_template(name, source)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
        }
        assert!(asset_bytes() < 64 * 1024, "{} bytes", asset_bytes());
    }

    #[test]
    fn values_are_escaped() {
        let html = ENV
            .get_template("error.html")
            .unwrap()
            .render(minijinja::context! { message => "<script>alert(1)</script>", status => 400 })
            .unwrap();
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;"),
            "{html}"
        );
        assert!(!html.contains("<script>alert"));
    }
}
