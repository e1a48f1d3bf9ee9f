//! GraphiQL, served from the binary.
//!
//! `GET /graphql` without an operation answers with [`page`]. async-graphql's own page loads
//! React (a development build) and GraphiQL from unpkg.com in floating versions, so offline it
//! never gets past "Loading...". This page loads pinned copies of the npm files, embedded in the
//! binary and served by [`routes`] under `/graphiql/` (`assets/graphiql/README.md` says where
//! each comes from), and its CSP keeps it from talking to any other host.

use axum::extract::Path;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

/// async-graphql 7.2.1's page (endpoint and subscriptions on `/graphql`, headers editor on,
/// editor tools open) with local assets. Its bootstrap and CSS rules are files too, so the CSP
/// needs no inline script; the `data:,` icon keeps the browser from asking for `/favicon.ico`.
const PAGE: &str = r#"<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="robots" content="noindex">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <meta name="referrer" content="origin">
    <title>GraphiQL IDE</title>
    <link rel="icon" href="data:,">
    <link rel="stylesheet" href="/graphiql/graphiql-4.1.2.min.css">
    <link rel="stylesheet" href="/graphiql/studiogate-page.css">
    <script src="/graphiql/react-18.3.1.production.min.js"></script>
    <script src="/graphiql/react-dom-18.3.1.production.min.js"></script>
  </head>
  <body>
    <div id="graphiql">Loading...</div>
    <script src="/graphiql/graphiql-4.1.2.min.js"></script>
    <script src="/graphiql/studiogate-init.js"></script>
  </body>
</html>
"#;

/// Only this origin, with three exceptions:
/// - the `style-src` hash: GraphiQL's dialogs and menus (react-remove-scroll-bar, bundled)
///   insert one `<style>` whose text depends only on the body's margins and scrollbar, which
///   `studiogate-page.css` fixes (0, none); the hash allows exactly that text (README).
/// - `data:` fonts and images: `graphiql-4.1.2.min.css` embeds its fonts and icons as data:
///   URLs, and the favicon is `data:,`.
/// - `connect-src ws: wss:`: subscriptions open a websocket to this same host, but `'self'`
///   covers ws:/wss: only under CSP Level 3 rules (older browsers, e.g. Safari before 16,
///   refuse it). Naming the exact ws URL would mean trusting the request's Host header. The
///   cost: a script on this page could open a websocket to any host, and only our own files
///   run here.
const CSP: &str = "default-src 'none'; script-src 'self'; \
    style-src 'self' 'sha256-nzTgYzXYDNe6BAHiiI7NNlfK8n/auuOAhh2t92YvuXo='; \
    font-src 'self' data:; img-src 'self' data:; connect-src 'self' ws: wss:; \
    base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const HTML: &str = "text/html; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";

/// One embedded file, served at `/graphiql/{name}`.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

macro_rules! asset {
    ($name:literal, $content_type:expr) => {
        Asset {
            name: $name,
            content_type: $content_type,
            body: include_bytes!(concat!("../assets/graphiql/", $name)),
        }
    };
}

static ASSETS: [Asset; 6] = [
    asset!("react-18.3.1.production.min.js", JS),
    asset!("react-dom-18.3.1.production.min.js", JS),
    asset!("graphiql-4.1.2.min.js", JS),
    asset!("graphiql-4.1.2.min.css", CSS),
    asset!("studiogate-init.js", JS),
    asset!("studiogate-page.css", CSS),
];

/// The GraphiQL page, with its CSP.
pub fn page() -> Response {
    let html = (header::CONTENT_TYPE, HTML);
    let csp = (header::CONTENT_SECURITY_POLICY, CSP);
    ([html, csp, (header::CACHE_CONTROL, "no-cache")], PAGE).into_response()
}

/// `GET /graphiql/{file}`: the page's assets; 404 for any other name.
pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    let serve = |Path(file): Path<String>| async move { asset(&file) };
    Router::new().route("/graphiql/{file}", get(serve))
}

/// A name that carries a version (`graphiql-4.1.2.min.js`) never changes content, so browsers
/// may keep it for a year; our own unversioned `studiogate-*` files are revalidated.
fn cache_control(name: &str) -> &'static str {
    let version = |part: &str| part.starts_with(|c: char| c.is_ascii_digit());
    if name.split('-').any(version) {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    }
}

fn asset(name: &str) -> Response {
    let Some(asset) = ASSETS.iter().find(|a| a.name == name) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let headers = [
        (header::CONTENT_TYPE, asset.content_type),
        (header::CACHE_CONTROL, cache_control(name)),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    ];
    (headers, asset.body).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// Every `src` and `href` value in the page.
    fn references() -> Vec<&'static str> {
        let src = PAGE.split(" src=\"").skip(1);
        let attrs = src.chain(PAGE.split(" href=\"").skip(1));
        attrs.filter_map(|rest| rest.split('"').next()).collect()
    }

    fn value(response: &Response, name: header::HeaderName) -> &str {
        response.headers()[name].to_str().expect("an ASCII header")
    }

    #[test]
    fn the_page_loads_every_asset_and_nothing_from_another_host() {
        let response = page();
        assert_eq!(value(&response, header::CONTENT_TYPE), HTML);
        assert_eq!(value(&response, header::CONTENT_SECURITY_POLICY), CSP);
        let is_local = |r: &&str| r.starts_with("/graphiql/");
        let (local, other): (Vec<_>, Vec<_>) = references().into_iter().partition(is_local);
        assert_eq!(other, ["data:,"]);
        let local: BTreeSet<_> = local.iter().map(|r| &r["/graphiql/".len()..]).collect();
        assert_eq!(local, ASSETS.iter().map(|a| a.name).collect());
        let ours = ASSETS.iter().filter(|a| a.name.starts_with("studiogate-"));
        for text in ours
            .map(|a| a.body)
            .chain([PAGE.as_bytes(), CSP.as_bytes()])
        {
            let text = String::from_utf8_lossy(text);
            assert!(!text.contains("http://") && !text.contains("https://"));
        }
        assert!(CSP.starts_with("default-src 'none';") && !CSP.contains("unsafe-"));
    }

    #[test]
    fn assets_have_their_type_and_cache_policy() {
        for a in &ASSETS {
            let (response, css) = (asset(a.name), a.name.ends_with(".css"));
            assert!(css || a.name.ends_with(".js"), "{}", a.name);
            let expected = if css { CSS } else { JS };
            assert_eq!(value(&response, header::CONTENT_TYPE), expected);
            let immutable = value(&response, header::CACHE_CONTROL).ends_with("immutable");
            assert_eq!(immutable, !a.name.starts_with("studiogate-"), "{}", a.name);
        }
        for unknown in ["", "nope.js", "graphiql-4.1.2.min.js.map", "../README.md"] {
            assert_eq!(asset(unknown).status(), StatusCode::NOT_FOUND, "{unknown}");
        }
    }
}
