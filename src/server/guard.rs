//! What `scim-doctor serve` refuses before anything else: requests for another host name
//! (DNS rebinding: a web page whose name resolves to 127.0.0.1 reaching the served tenant
//! from the browser) and writes a browser could send cross-site without a preflight
//! (a `text/plain` or form POST: CSRF). Only on when `ServerConfig::local_only` is set.

use axum::http::{header, HeaderMap, Method};

/// Why a request is refused: (status, SCIM error detail).
pub(crate) type Refusal = (u16, String);

/// The `Host` values this server answers to: 127.0.0.1, localhost and [::1] with the port
/// (and without it on the default port, as clients omit it there).
fn allowed_host(host: &str, port: u16) -> bool {
    let host = host.trim().to_ascii_lowercase();
    let (name, given_port) = match host.rsplit_once(':') {
        Some((n, p)) if !n.is_empty() && !p.contains(']') => (n.to_string(), p.parse::<u16>().ok()),
        _ => (host.clone(), None),
    };
    let name_ok = matches!(name.as_str(), "127.0.0.1" | "localhost" | "[::1]");
    let port_ok = match given_port {
        Some(p) => p == port,
        None => port == 80 && !host.ends_with(':'),
    };
    name_ok && port_ok
}

pub(crate) fn check(method: &Method, headers: &HeaderMap, port: u16) -> Option<Refusal> {
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    match host {
        Some(h) if allowed_host(h, port) => {}
        Some(h) => {
            return Some((
                421,
                format!(
                    "this server answers to 127.0.0.1:{port}, localhost:{port} and [::1]:{port} only, not to the host name {}",
                    h.chars().take(100).collect::<String>()
                ),
            ))
        }
        None => return Some((400, "a Host header is required".into())),
    }
    if matches!(*method, Method::GET | Method::HEAD) {
        return None;
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        let same = origin
            .to_str()
            .ok()
            .and_then(|o| o.strip_prefix("http://"))
            .is_some_and(|o| allowed_host(o, port));
        if !same {
            return Some((
                403,
                "a write from another origin (a web page) is refused".into(),
            ));
        }
    }
    // A browser sends text/plain, form and multipart bodies cross-site without asking
    // first; a JSON content type needs a CORS preflight, which this server never grants.
    let ctype = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let essence = ctype.split(';').next().unwrap_or("").trim().to_string();
    let has_body = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|l| l.trim() != "0")
        || headers.contains_key(header::TRANSFER_ENCODING);
    if (has_body || !essence.is_empty())
        && !matches!(
            essence.as_str(),
            "application/scim+json" | "application/json"
        )
    {
        return Some((
            415,
            format!(
                "a write must be application/scim+json (RFC 7644 section 3.1), got `{}`",
                if essence.is_empty() {
                    "no content type"
                } else {
                    &essence
                }
            ),
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn only_local_names_with_the_port_are_answered() {
        for ok in [
            "127.0.0.1:8080",
            "localhost:8080",
            "LOCALHOST:8080",
            "[::1]:8080",
        ] {
            assert!(allowed_host(ok, 8080), "{ok}");
        }
        for bad in [
            "evil.example:8080",
            "127.0.0.1:8081",
            "127.0.0.1",
            "localhost.evil.example:8080",
            "127.0.0.1.nip.io:8080",
            "[::1]",
            "",
        ] {
            assert!(!allowed_host(bad, 8080), "{bad}");
        }
        assert!(allowed_host("localhost", 80));
        let r = check(
            &Method::GET,
            &headers(&[("host", "rebind.example:8080")]),
            8080,
        );
        assert_eq!(r.map(|r| r.0), Some(421));
        assert_eq!(
            check(&Method::GET, &headers(&[]), 8080).map(|r| r.0),
            Some(400)
        );
    }

    #[test]
    fn cross_site_writes_are_refused() {
        let host = ("host", "127.0.0.1:8080");
        let text_plain = headers(&[
            host,
            ("content-type", "text/plain"),
            ("content-length", "10"),
        ]);
        assert_eq!(
            check(&Method::POST, &text_plain, 8080).map(|r| r.0),
            Some(415)
        );
        let form = headers(&[host, ("content-type", "application/x-www-form-urlencoded")]);
        assert_eq!(check(&Method::POST, &form, 8080).map(|r| r.0), Some(415));
        let foreign = headers(&[
            host,
            ("origin", "https://evil.example"),
            ("content-type", "application/scim+json"),
        ]);
        assert_eq!(check(&Method::POST, &foreign, 8080).map(|r| r.0), Some(403));
        let good = headers(&[
            host,
            ("content-type", "application/scim+json; charset=utf-8"),
            ("content-length", "2"),
        ]);
        assert_eq!(check(&Method::POST, &good, 8080), None);
        let same_origin = headers(&[
            host,
            ("origin", "http://localhost:8080"),
            ("content-type", "application/json"),
        ]);
        assert_eq!(check(&Method::PATCH, &same_origin, 8080), None);
        assert_eq!(check(&Method::DELETE, &headers(&[host]), 8080), None);
    }
}
