//! What arrives at /graphql before any GraphQL runs: CSRF prevention, body limits, the
//! GraphQL-over-HTTP forms (JSON, multipart uploads, GET query strings) and their rules.
//! Every refusal is a GraphQL error body with a code and a fitting HTTP status.

use async_graphql::http::MultipartOptions;
use async_graphql::parser::types::OperationType;
use async_graphql::{BatchRequest, ParseRequestError};
use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use futures_util::TryStreamExt;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use serde_json::json;

use studiogate_graph::ErrorCode;

use crate::settings::Limits;

/// A whole-request refusal in the GraphQL response shape, counted in the errors metric.
pub fn refuse(status: StatusCode, code: ErrorCode, message: &str) -> Response {
    let code = code.as_str();
    crate::observability::count_error(code);
    let body = json!({ "errors": [{ "message": message, "extensions": { "code": code } }] });
    (status, Json(body)).into_response()
}

/// Headers that a browser only sends after a CORS preflight, which a cross-site form or
/// `<img>` cannot trigger.
const PREFLIGHT_HEADERS: [&str; 2] = ["apollo-require-preflight", "x-apollo-operation-name"];

/// Content types a browser sends cross-site without a preflight.
const SIMPLE_CONTENT_TYPES: [&str; 3] = [
    "application/x-www-form-urlencoded",
    "multipart/form-data",
    "text/plain",
];

/// Apollo Server's CSRF prevention: a request is safe when the browser must have preflighted
/// it, because of its content type or a custom header.
pub fn preflighted(headers: &HeaderMap) -> bool {
    if PREFLIGHT_HEADERS
        .iter()
        .any(|name| headers.get(*name).is_some_and(|v| !v.is_empty()))
    {
        return true;
    }
    let Some(content_type) = headers.get(header::CONTENT_TYPE) else {
        return false;
    };
    let essence = content_type
        .to_str()
        .unwrap_or_default()
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    !SIMPLE_CONTENT_TYPES.contains(&essence.as_str())
}

pub fn csrf_refusal() -> Response {
    refuse(
        StatusCode::BAD_REQUEST,
        ErrorCode::CsrfPrevented,
        "This operation has been blocked as a potential Cross-Site Request Forgery (CSRF). \
         Send it with a 'content-type' of application/json, or with a non-empty \
         'apollo-require-preflight' header",
    )
}

fn too_large(what: String) -> Response {
    refuse(
        StatusCode::PAYLOAD_TOO_LARGE,
        ErrorCode::PayloadTooLarge,
        &what,
    )
}

/// Whether a POST carries a multipart upload (read and spooled to disk as it arrives).
pub fn is_multipart(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.trim().starts_with("multipart/"))
}

/// Reads a POST body: JSON within `max_body_bytes` (after any decompression, which happens
/// before this), or a multipart upload within the upload limits.
pub async fn read_post(
    limits: &Limits,
    headers: &HeaderMap,
    body: Body,
) -> Result<BatchRequest, Response> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let batch = if is_multipart(headers) {
        let max_file = usize::try_from(limits.upload_max_file_bytes).unwrap_or(usize::MAX);
        let max_files = limits.upload_max_files as usize;
        // The whole upload: every file at its largest, plus the operations and map parts.
        let total = limits
            .upload_max_file_bytes
            .saturating_mul(u64::from(limits.upload_max_files))
            .saturating_add(limits.max_body_bytes);
        let options = MultipartOptions::default().max_file_size(max_file);
        let declared = declared_length(headers);
        if declared.is_some_and(|n| n > total) {
            return Err(too_large(format!(
                "The upload is larger than {total} bytes \
                 ({max_files} files of at most {max_file} bytes)"
            )));
        }
        // A body without a length is cut off at the same size.
        let limited = Body::new(Limited::new(
            body,
            usize::try_from(total).unwrap_or(usize::MAX),
        ));
        let reader = TryStreamExt::map_err(limited.into_data_stream(), std::io::Error::other)
            .into_async_read();
        let batch = async_graphql::http::receive_batch_body(content_type, reader, options)
            .await
            .map_err(|err| parse_refusal(err, limits))?;
        let files: usize = batch.iter().map(|r| r.uploads.len()).sum();
        if files > max_files {
            return Err(too_large(format!(
                "The request carries {files} files; at most {max_files} are allowed"
            )));
        }
        batch
    } else {
        let max = usize::try_from(limits.max_body_bytes).unwrap_or(usize::MAX);
        let declared = declared_length(headers);
        let encoded = headers.contains_key(header::CONTENT_ENCODING);
        if !encoded && declared.is_some_and(|n| n > limits.max_body_bytes) {
            return Err(body_too_large(limits));
        }
        let bytes = match Limited::new(body, max).collect().await {
            Ok(collected) => collected.to_bytes(),
            Err(err) if err.downcast_ref::<LengthLimitError>().is_some() => {
                return Err(body_too_large(limits))
            }
            Err(err) => {
                return Err(refuse(
                    StatusCode::BAD_REQUEST,
                    ErrorCode::BadRequest,
                    &format!("Could not read the request body: {err}"),
                ))
            }
        };
        async_graphql::http::receive_batch_body(
            Some(content_type.unwrap_or("application/json")),
            bytes.as_ref(),
            MultipartOptions::default(),
        )
        .await
        .map_err(|err| parse_refusal(err, limits))?
    };
    Ok(batch)
}

fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
}

fn body_too_large(limits: &Limits) -> Response {
    too_large(format!(
        "The request body is larger than {} bytes",
        limits.max_body_bytes
    ))
}

fn parse_refusal(err: ParseRequestError, limits: &Limits) -> Response {
    match err {
        ParseRequestError::PayloadTooLarge => too_large(format!(
            "An uploaded file is larger than {} bytes",
            limits.upload_max_file_bytes
        )),
        err => refuse(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadRequest,
            &format!("Malformed GraphQL request: {err}"),
        ),
    }
}

/// A GET request's operation, or `None` when it names none (GraphiQL is served instead).
pub fn read_get(
    query_string: Option<&str>,
) -> Result<Option<async_graphql::Request>, Box<Response>> {
    let Some(qs) = query_string.filter(|qs| {
        qs.split('&')
            .any(|pair| pair.starts_with("query=") || pair.starts_with("extensions="))
    }) else {
        return Ok(None);
    };
    async_graphql::http::parse_query_string(qs)
        .map(Some)
        .map_err(|err| {
            Box::new(refuse(
                StatusCode::BAD_REQUEST,
                ErrorCode::BadRequest,
                &format!("Malformed GraphQL request: {err}"),
            ))
        })
}

/// The type of the operation a request runs, when its document parses and names it
/// unambiguously; `None` is left to the executor, which reports what is wrong. The document
/// is parsed into the request (call this once its query text is final), so the gateway and
/// async-graphql reuse the parse.
pub fn operation_type(request: &mut async_graphql::Request) -> Option<OperationType> {
    let name = request.operation_name.clone();
    let document = request.parsed_query().ok()?;
    studiogate_graph::gateway::operation(document, name.as_deref()).map(|op| op.node.ty)
}

/// A GET may only run queries: anything else is refused with 405, naming POST. A document that
/// does not parse is left to the executor, which reports it.
pub fn ensure_query(request: &mut async_graphql::Request) -> Result<(), Box<Response>> {
    match operation_type(request) {
        Some(OperationType::Mutation | OperationType::Subscription) => {
            let mut response = refuse(
                StatusCode::METHOD_NOT_ALLOWED,
                ErrorCode::MethodNotAllowed,
                "Only queries run over GET; send mutations with POST",
            );
            response
                .headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("POST"));
            Err(Box::new(response))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn simple_requests_are_not_preflighted() {
        assert!(!preflighted(&headers(&[])));
        assert!(!preflighted(&headers(&[("content-type", "text/plain")])));
        assert!(!preflighted(&headers(&[(
            "content-type",
            "multipart/form-data; boundary=x"
        )])));
        assert!(!preflighted(&headers(&[(
            "content-type",
            "Application/X-WWW-Form-Urlencoded"
        )])));
        assert!(!preflighted(&headers(&[
            ("content-type", "text/plain"),
            ("apollo-require-preflight", "")
        ])));
    }

    #[test]
    fn json_or_a_custom_header_forces_a_preflight() {
        assert!(preflighted(&headers(&[(
            "content-type",
            "application/json; charset=utf-8"
        )])));
        assert!(preflighted(&headers(&[
            ("content-type", "multipart/form-data; boundary=x"),
            ("apollo-require-preflight", "true")
        ])));
        assert!(preflighted(&headers(&[("x-apollo-operation-name", "Q")])));
    }

    #[test]
    fn get_without_an_operation_serves_graphiql() {
        assert!(read_get(None).expect("ok").is_none());
        assert!(read_get(Some("foo=1")).expect("ok").is_none());
        let request = read_get(Some("query=%7B%20a%20%7D"))
            .expect("ok")
            .expect("some");
        assert_eq!(request.query, "{ a }");
    }

    #[test]
    fn only_queries_run_over_get() {
        let q = |query: &str, name: Option<&str>| {
            let mut request = async_graphql::Request::new(query);
            request.operation_name = name.map(str::to_owned);
            ensure_query(&mut request).map_err(|r| r.status())
        };
        assert_eq!(q("{ a }", None), Ok(()));
        assert_eq!(
            q("mutation { a }", None),
            Err(StatusCode::METHOD_NOT_ALLOWED)
        );
        assert_eq!(q("query A { a } mutation B { b }", Some("A")), Ok(()));
        assert_eq!(
            q("query A { a } mutation B { b }", Some("B")),
            Err(StatusCode::METHOD_NOT_ALLOWED)
        );
    }
}
