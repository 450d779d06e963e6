//! The request pipeline, in the order a real deployment applies it: latency, read-only
//! guard (405), proxy-level faults (redirects, 503, 429, sign-in page), authentication,
//! per-path status faults, the SCIM answer, then body-level faults (truncation, bad bytes,
//! padding, gzip, slow drip, dropped connection). Every request is logged with its status.

use super::faults::{self, under};
use super::scim::{self, Query, Reply, SCIM_CONTENT_TYPE};
use super::{Shared, BASE_PATH};
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::Response;
use std::sync::Arc;

/// An answer that is not SCIM JSON (sign-in page, redirect).
struct Raw {
    status: u16,
    headers: Vec<(&'static str, String)>,
    content_type: &'static str,
    body: Vec<u8>,
}

enum Answer {
    Json(Reply),
    Raw(Raw),
}

pub(crate) async fn handle(State(shared): State<Arc<Shared>>, req: Request) -> Response {
    let faults = &shared.config.faults;
    if !faults.latency.is_zero() {
        tokio::time::sleep(faults.latency).await;
    }
    let method = req.method().as_str().to_string();
    let full = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "/".into());
    let path = req.uri().path().to_string();
    let query = req.uri().query().unwrap_or("").to_string();
    let (path, query) = (path.as_str(), query.as_str());
    let rel = strip_base(path);
    let rel_pq = match (rel, query.is_empty()) {
        (Some(r), true) => r.to_string(),
        (Some(r), false) => format!("{r}?{query}"),
        (None, _) => String::new(),
    };
    let gzip_ok = accepts_gzip(req.headers());
    let refused = if shared.config.local_only {
        let port = url::Url::parse(&shared.base_path)
            .ok()
            .and_then(|u| u.port_or_known_default())
            .unwrap_or(0);
        super::guard::check(req.method(), req.headers(), port)
    } else {
        None
    };
    let answer = if let Some((status, detail)) = refused {
        Answer::Json(scim::error(status, None, detail))
    } else {
        match rel {
            Some(rel) if shared.store.is_some() && super::write::owns(rel) => {
                let headers = req.headers().clone();
                let body = axum::body::to_bytes(req.into_body(), super::write::MAX_BODY)
                    .await
                    .unwrap_or_default();
                writable(&shared, &headers, &method, rel, query, &body)
            }
            _ if method != "GET" => Answer::Json(
                scim::error(
                    405,
                    None,
                    format!("{method} is not allowed: this server is read-only"),
                )
                .header("allow", "GET"),
            ),
            None => Answer::Json(scim::error(
                404,
                None,
                format!("no SCIM endpoint at {path}; the base path is {BASE_PATH}"),
            )),
            Some(rel) => decide(&shared, req.headers(), rel, &rel_pq, &full, query),
        }
    };
    let (response, status) = match answer {
        Answer::Raw(raw) => {
            let status = raw.status;
            (
                build(status, &raw.headers, raw.content_type, raw.body, None),
                status,
            )
        }
        Answer::Json(reply) => json_response(&shared, reply, &rel_pq, gzip_ok),
    };
    shared.record(&method, &full, status);
    response
}

fn strip_base(path: &str) -> Option<&str> {
    let n = BASE_PATH.len();
    if path
        .get(..n)
        .is_some_and(|p| p.eq_ignore_ascii_case(BASE_PATH))
    {
        let rest = &path[n..];
        if rest.is_empty() || rest.starts_with('/') {
            return Some(rest);
        }
    }
    None
}

fn decide(
    shared: &Shared,
    headers: &HeaderMap,
    rel: &str,
    rel_pq: &str,
    full: &str,
    query: &str,
) -> Answer {
    let cfg = &shared.config;
    let faults = &cfg.faults;
    if under(&faults.redirect_loop, rel_pq) {
        return Answer::Raw(redirect(full.to_string()));
    }
    if let Some(r) = &faults.redirect {
        if faults::prefix_matches(&r.prefix, rel_pq) {
            return Answer::Raw(redirect(r.location.clone()));
        }
    }
    if faults.unavailable.as_ref().is_some_and(|e| e.hit(rel_pq)) {
        return Answer::Json(scim::error(
            503,
            None,
            "service unavailable, try again later",
        ));
    }
    if let Some(rl) = &faults.rate_limit {
        if rl.every.hit(rel_pq) {
            let mut reply = scim::error(429, Some("tooMany"), "too many requests");
            if let Some(v) = faults::retry_after_value(&rl.retry_after) {
                reply = reply.header("retry-after", v);
            }
            return Answer::Json(reply);
        }
    }
    if under(&faults.html_login, rel_pq) {
        return Answer::Raw(Raw {
            status: 200,
            headers: Vec::new(),
            content_type: "text/html; charset=utf-8",
            body: faults::LOGIN_PAGE.as_bytes().to_vec(),
        });
    }
    let discovery = is_discovery(rel);
    if !(authorized(cfg, headers) || discovery && cfg.open_discovery) {
        if faults.empty_html_401 {
            return Answer::Raw(Raw {
                status: 401,
                headers: Vec::new(),
                content_type: "text/html; charset=utf-8",
                body: Vec::new(),
            });
        }
        return Answer::Json(unauthorized(cfg));
    }
    if let Some((_, status)) = faults
        .status
        .iter()
        .find(|(p, _)| faults::prefix_matches(p, rel_pq))
    {
        let text = StatusCode::from_u16(*status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("error");
        let mut reply = scim::error(*status, None, text.to_ascii_lowercase());
        if *status == 405 {
            reply = reply.header("allow", "POST");
        }
        return Answer::Json(reply);
    }
    let reply = scim::route(shared, rel, &Query::parse(query));
    if reply.status < 400 {
        return Answer::Json(reply);
    }
    let raw = |content_type, body: &[u8]| {
        Answer::Raw(Raw {
            status: reply.status,
            headers: Vec::new(),
            content_type,
            body: body.to_vec(),
        })
    };
    match faults.conformance.error_bodies {
        faults::ErrorBodies::Scim => Answer::Json(reply),
        faults::ErrorBodies::Empty => raw("text/plain; charset=utf-8", b""),
        faults::ErrorBodies::Html => raw(
            "text/html; charset=utf-8",
            faults::HTML_ERROR_PAGE.as_bytes(),
        ),
        faults::ErrorBodies::NumericStatus => {
            let mut reply = reply;
            reply.body["status"] = serde_json::Value::from(reply.status);
            Answer::Json(reply)
        }
    }
}

/// The writable mode (`ServerConfig::writable`): authentication, then the store.
fn writable(
    shared: &Shared,
    headers: &HeaderMap,
    method: &str,
    rel: &str,
    query: &str,
    body: &[u8],
) -> Answer {
    let cfg = &shared.config;
    if !authorized(cfg, headers) {
        return Answer::Json(unauthorized(cfg));
    }
    let quirks = cfg.writable.clone().unwrap_or_default();
    let Some(store) = &shared.store else {
        return Answer::Json(scim::error(500, None, "no writable store"));
    };
    let reply = match store.lock() {
        Ok(mut s) => {
            super::write::handle(&mut s, &quirks, &shared.base_path, method, rel, query, body)
        }
        Err(_) => super::write::WriteReply::Json(scim::error(500, None, "store poisoned")),
    };
    let text = |status, body: Vec<u8>, headers| {
        Answer::Raw(Raw {
            status,
            headers,
            content_type: "text/plain; charset=utf-8",
            body,
        })
    };
    match reply {
        super::write::WriteReply::Text(status, t) => text(status, t.into_bytes(), Vec::new()),
        super::write::WriteReply::Json(r) if quirks.wrong_content_type => {
            let body = if r.body.is_null() {
                Vec::new()
            } else {
                serde_json::to_vec(&r.body).unwrap_or_default()
            };
            text(r.status, body, r.headers)
        }
        super::write::WriteReply::Json(r) => Answer::Json(r),
    }
}

fn is_discovery(rel: &str) -> bool {
    let first = rel.trim_start_matches('/').split('/').next().unwrap_or("");
    ["serviceproviderconfig", "schemas", "resourcetypes"]
        .contains(&first.to_ascii_lowercase().as_str())
}

fn redirect(location: String) -> Raw {
    Raw {
        status: 302,
        headers: vec![("location", location)],
        content_type: "text/plain; charset=utf-8",
        body: b"found\n".to_vec(),
    }
}

fn authorized(cfg: &super::ServerConfig, headers: &HeaderMap) -> bool {
    if cfg.token.is_none() && cfg.basic.is_none() {
        return true;
    }
    let Some(value) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let Some((scheme, credential)) = value.trim().split_once(' ') else {
        return false;
    };
    let credential = credential.trim();
    if scheme.eq_ignore_ascii_case("bearer") {
        return cfg.token.as_ref().is_some_and(|t| t.expose() == credential);
    }
    if scheme.eq_ignore_ascii_case("basic") {
        return cfg.basic.as_ref().is_some_and(|(user, pass)| {
            base64(format!("{user}:{}", pass.expose()).as_bytes()) == credential
        });
    }
    false
}

fn unauthorized(cfg: &super::ServerConfig) -> Reply {
    let mut reply = scim::error(
        401,
        None,
        "authentication failed: missing or wrong credentials",
    );
    if cfg.faults.no_www_authenticate {
        return reply;
    }
    if cfg.token.is_some() {
        reply = reply.header("www-authenticate", "Bearer realm=\"scim-doctor\"");
    }
    if cfg.basic.is_some() {
        reply = reply.header("www-authenticate", "Basic realm=\"scim-doctor\"");
    }
    reply
}

/// Standard base64 with padding (only needed to compare Basic credentials).
fn base64(input: &[u8]) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(TABLE[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| {
            v.split(',').any(|e| {
                e.trim()
                    .split(';')
                    .next()
                    .is_some_and(|e| e.eq_ignore_ascii_case("gzip"))
            })
        })
}

/// Serialises a SCIM reply and applies the body-level faults.
fn json_response(shared: &Shared, reply: Reply, rel_pq: &str, gzip_ok: bool) -> (Response, u16) {
    let faults = &shared.config.faults;
    let mut body = if reply.body.is_null() {
        Vec::new() // 204 No Content (writable mode's DELETE)
    } else {
        serde_json::to_vec(&reply.body).unwrap_or_default()
    };
    if under(&faults.malformed_json, rel_pq) {
        faults::malform(&mut body);
    }
    if faults.non_utf8 {
        faults::inject_non_utf8(&mut body);
    }
    if faults.oversized_mib > 0 {
        faults::pad(&mut body, faults.oversized_mib);
    }
    let mut headers = reply.headers;
    if faults.gzip && gzip_ok {
        if let Ok(zipped) = faults::gzip(&body) {
            body = zipped;
            headers.push(("content-encoding", "gzip".into()));
        }
    }
    let reset = faults
        .reset_mid_body
        .as_ref()
        .is_some_and(|e| e.hit(rel_pq));
    let content_type = faults.content_type.as_deref().unwrap_or(SCIM_CONTENT_TYPE);
    let mode = if reset {
        Some(Delivery::ResetHalfway)
    } else {
        faults.drip.as_ref().map(|d| Delivery::Drip(d.clone()))
    };
    (
        build(reply.status, &headers, content_type, body, mode),
        reply.status,
    )
}

enum Delivery {
    Drip(faults::Drip),
    ResetHalfway,
}

fn build(
    status: u16,
    headers: &[(&'static str, String)],
    content_type: &str,
    body: Vec<u8>,
    mode: Option<Delivery>,
) -> Response {
    let len = body.len();
    let body = match mode {
        None => Body::from(body),
        Some(Delivery::ResetHalfway) => {
            // Announce the full length, send half, then fail the stream: hyper drops the
            // connection, which the client sees as a reset / incomplete message.
            // The pause lets the headers and the first half reach the client first.
            let half = Bytes::from(body[..len / 2].to_vec());
            let first = futures::stream::iter([Ok::<_, std::io::Error>(half)]);
            let fail = futures::stream::once(async {
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                Err(std::io::Error::new(
                    std::io::ErrorKind::ConnectionReset,
                    "injected reset",
                ))
            });
            Body::from_stream(futures::StreamExt::chain(first, fail))
        }
        Some(Delivery::Drip(d)) => {
            let chunk = d.chunk.max(1);
            let pieces: Vec<Bytes> = body.chunks(chunk).map(Bytes::copy_from_slice).collect();
            let stream = futures::stream::unfold(
                (pieces.into_iter(), true),
                move |(mut it, first)| async move {
                    let next = it.next()?;
                    if !first {
                        tokio::time::sleep(d.delay).await;
                    }
                    Some((Ok::<_, std::io::Error>(next), (it, false)))
                },
            );
            Body::from_stream(stream)
        }
    };
    let mut response = Response::new(body);
    *response.status_mut() =
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let h = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(content_type) {
        h.insert(header::CONTENT_TYPE, v);
    }
    if let Ok(v) = HeaderValue::from_str(&len.to_string()) {
        h.insert(header::CONTENT_LENGTH, v);
    }
    for (name, value) in headers {
        if let (Ok(n), Ok(v)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            h.append(n, v);
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_known_vectors() {
        assert_eq!(base64(b"user:pass"), "dXNlcjpwYXNz");
        assert_eq!(base64(b"a"), "YQ==");
        assert_eq!(base64(b"ab"), "YWI=");
        assert_eq!(base64(b""), "");
    }

    #[test]
    fn base_path_is_stripped_case_insensitively_and_only_on_a_segment_boundary() {
        assert_eq!(strip_base("/scim/v2/Users"), Some("/Users"));
        assert_eq!(strip_base("/SCIM/V2"), Some(""));
        assert_eq!(strip_base("/scim/v20/Users"), None);
        assert_eq!(strip_base("/Users"), None);
        // No character boundary where the base path would end: not a match, not a panic.
        assert_eq!(strip_base("/scim/v\u{e9}/Users"), None);
    }
}
