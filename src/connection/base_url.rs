//! Step `base-url`: is the URL as given (`Endpoint::raw_base_url`) one an IdP can use as its
//! "Tenant URL" / "Base URL"? Pure: no I/O. Seed 004 "Resolving Admin Credentials" starts by
//! comparing this URL with the one the target console shows; reference sections 2-3.

use super::probe::public_url;
use crate::findings::{CheckResult, Status};
use crate::source::http::Endpoint;
use ::url::{Host, Url};
use serde_json::json;

const ID: &str = "base-url";

/// Path segments that name a SCIM resource endpoint, not the root the IdP appends them to.
const RESOURCE_SEGMENTS: [&str; 7] = [
    "users",
    "groups",
    "serviceproviderconfig",
    "schemas",
    "resourcetypes",
    "bulk",
    ".search",
];

struct Problem {
    status: Status,
    what: String,
    fix: String,
}

fn problem(status: Status, what: impl Into<String>, fix: impl Into<String>) -> Problem {
    Problem {
        status,
        what: what.into(),
        fix: fix.into(),
    }
}

pub fn check(ep: &Endpoint) -> CheckResult {
    judge(&ep.raw_base_url)
}

pub fn judge(raw: &str) -> CheckResult {
    let mut problems = Vec::new();
    if raw.trim() != raw {
        problems.push(problem(
            Status::Warn,
            "leading or trailing whitespace",
            "remove the spaces or line break around the URL when pasting it into the IdP",
        ));
    }
    let trimmed = raw.trim();
    if trimmed.chars().any(char::is_whitespace) {
        problems.push(problem(
            Status::Fail,
            "whitespace inside the URL",
            "copy the base URL again from the target console: it must not contain spaces or line breaks",
        ));
    }
    let url = match Url::parse(trimmed) {
        Ok(u) => u,
        Err(e) => {
            return CheckResult::new(
                ID,
                Status::Fail,
                format!("expected an absolute URL such as https://host/scim/v2, got one that does not parse ({e})"),
            )
            .with_remediation("copy the SCIM base URL from the target console and use it unchanged");
        }
    };
    // Never echo embedded credentials; register them so no later output can carry them.
    if !url.username().is_empty() || url.password().is_some() {
        if let Some(p) = url.password() {
            crate::secret::register(p);
            crate::secret::register(&percent_decode(p));
        }
        problems.push(problem(
            Status::Fail,
            "user name or password embedded in the URL",
            "remove `user:password@` from the URL; give the token in the IdP's Secret Token field \
             (or, for basic auth, the key and secret in their own fields)",
        ));
    }
    let loopback = is_loopback(&url);
    match url.scheme() {
        "https" => {}
        "http" if loopback => problems.push(problem(
            Status::Warn,
            "plain http (acceptable only for a local test server)",
            "use the https:// URL of the real endpoint: Entra ID and Okta only provision over https",
        )),
        "http" => problems.push(problem(
            Status::Fail,
            "plain http to a non-local host",
            "use https://: Entra ID and Okta refuse or cannot trust plain-http SCIM endpoints, and the token would travel in clear text",
        )),
        other => problems.push(problem(
            Status::Fail,
            format!("scheme `{other}`"),
            "the base URL must start with https://",
        )),
    }
    if url.host_str().is_some_and(|h| h.contains('_')) {
        problems.push(problem(
            Status::Warn,
            "`_` in the host name (Okta rejects such base URLs)",
            "use a host name without underscores (a DNS alias, or the target's canonical host) if the IdP is Okta",
        ));
    }
    let mut notes = Vec::new();
    if let Some(q) = url.query() {
        if q.to_ascii_lowercase().contains("aadoptscim") {
            notes.push("the query string carries an Entra ID feature flag (aadOptscim...), which Entra honours");
        } else {
            problems.push(problem(
                Status::Warn,
                "a query string",
                "remove everything from `?` on: IdPs append /Users and /Groups to the path, and a query string is not part of a SCIM base URL",
            ));
        }
    }
    if url.fragment().is_some() {
        problems.push(problem(
            Status::Fail,
            "a `#` fragment (nothing after `#` is ever sent to the server)",
            "remove everything from `#` on",
        ));
    }
    let path = url.path();
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    if path.len() > 1 && path.ends_with('/') {
        problems.push(problem(
            Status::Warn,
            "a trailing slash (some IdPs then request `//Users`)",
            "remove the trailing `/` from the base URL",
        ));
    }
    match segments.last() {
        None => problems.push(problem(
            Status::Warn,
            "no path (SCIM roots usually have one, e.g. /scim/v2)",
            "check the base URL in the target console: it usually ends in a path such as /scim/v2",
        )),
        Some(last) if RESOURCE_SEGMENTS.contains(&last.to_ascii_lowercase().as_str()) => {
            let root = segments[..segments.len() - 1].join("/");
            problems.push(problem(
                Status::Fail,
                format!("a path ending in /{last} (the IdP appends /Users and /Groups itself)"),
                format!("use the SCIM root without /{last}, i.e. a path of /{root}"),
            ));
        }
        Some(_) if !segments.iter().any(|s| looks_like_scim_segment(s)) => problems.push(problem(
            Status::Warn,
            format!("a path ({path}) that does not look like a SCIM root such as /scim/v2"),
            "compare the base URL with the one the target console shows (for example under Access > Directory Services > SCIM)",
        )),
        Some(_) => {}
    }

    let shown = public_url(trimmed);
    let data = json!({
        "url": shown,
        "scheme": url.scheme(),
        "host": url.host_str(),
        "port": url.port_or_known_default(),
        "path": path,
        "loopback": loopback,
        "notes": notes,
    });
    if problems.is_empty() {
        let mut msg = format!("{shown} is a well-formed SCIM base URL");
        if let Some(n) = notes.first() {
            msg.push_str(&format!(" ({n})"));
        }
        return CheckResult::pass(ID, msg).with_data(data);
    }
    let status = problems
        .iter()
        .map(|p| p.status)
        .max_by_key(|s| s.rank())
        .unwrap_or(Status::Warn);
    let got: Vec<&str> = problems.iter().map(|p| p.what.as_str()).collect();
    let fixes: Vec<&str> = problems.iter().map(|p| p.fix.as_str()).collect();
    let mut r = CheckResult::new(
        ID,
        status,
        format!(
            "expected an https URL of a SCIM root such as https://host/scim/v2, got {shown} with {}",
            got.join("; ")
        ),
    )
    .with_remediation(fixes.join("; "))
    .with_data(data);
    r.count = problems.len();
    r
}

fn looks_like_scim_segment(s: &str) -> bool {
    let l = s.to_ascii_lowercase();
    l.contains("scim") || l == "v2" || l == "v2.0"
}

pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(d)) => {
            d.eq_ignore_ascii_case("localhost") || d.to_ascii_lowercase().ends_with(".localhost")
        }
        Some(Host::Ipv4(_) | Host::Ipv6(_)) => crate::source::http::is_loopback(url),
        None => false,
    }
}

/// Percent-decodes user info as it appears in a URL (`p%40ss` -> `p@ss`).
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && s.is_char_boundary(i + 1)
            && s.is_char_boundary(i + 3)
        {
            if let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_negative_https_scim_root_passes() {
        let r = judge("https://scim.example.com/scim/v2");
        assert_eq!(r.status, Status::Pass, "{}", r.message);
    }

    #[test]
    fn path_ending_in_users_fails_and_names_the_root() {
        let r = judge("https://scim.example.com/scim/v2/Users");
        assert_eq!(r.status, Status::Fail);
        assert!(r.message.contains("/Users"), "{}", r.message);
        assert!(r.remediation.contains("/scim/v2"), "{}", r.remediation);
    }

    #[test]
    fn plain_http_is_a_warn_on_loopback_and_a_fail_elsewhere() {
        assert_eq!(judge("http://127.0.0.1:8080/scim/v2").status, Status::Warn);
        assert_eq!(judge("http://localhost/scim/v2").status, Status::Warn);
        assert_eq!(
            judge("http://scim.example.com/scim/v2").status,
            Status::Fail
        );
    }

    #[test]
    fn trailing_slash_and_missing_path_warn() {
        let r = judge("https://scim.example.com/scim/v2/");
        assert_eq!(r.status, Status::Warn);
        assert!(r.message.contains("trailing slash"));
        let r = judge("https://scim.example.com");
        assert_eq!(r.status, Status::Warn);
        assert!(r.message.contains("no path"));
    }

    #[test]
    fn odd_path_warns_with_the_expected_shape() {
        let r = judge("https://scim.example.com/api/identity");
        assert_eq!(r.status, Status::Warn);
        assert!(r.message.contains("/scim/v2"));
    }

    #[test]
    fn underscore_in_host_warns_for_okta() {
        let r = judge("https://my_tenant.example.com/scim/v2");
        assert_eq!(r.status, Status::Warn);
        assert!(r.message.contains("Okta"));
    }

    #[test]
    fn embedded_credentials_fail_and_are_never_echoed() {
        let r = judge("https://key:pw-embedded-91@scim.example.com/scim/v2");
        assert_eq!(r.status, Status::Fail);
        let all = format!(
            "{} {} {}",
            r.message,
            r.remediation,
            r.data.as_ref().map(|d| d.to_string()).unwrap_or_default()
        );
        assert!(!all.contains("pw-embedded-91"), "{all}");
        assert!(!all.contains("key:"), "{all}");
        assert!(crate::secret::scrub("x pw-embedded-91 y").contains(crate::secret::REDACTED));
    }

    #[test]
    fn stray_query_warns_fragment_fails_entra_flag_passes() {
        assert_eq!(
            judge("https://scim.example.com/scim/v2?tenant=1").status,
            Status::Warn
        );
        assert_eq!(
            judge("https://scim.example.com/scim/v2#x").status,
            Status::Fail
        );
        assert_eq!(
            judge("https://scim.example.com/scim/v2?aadOptscim062020").status,
            Status::Pass
        );
    }

    #[test]
    fn whitespace_inside_fails_and_around_warns() {
        assert_eq!(
            judge("https://scim.example.com/scim /v2").status,
            Status::Fail
        );
        assert_eq!(
            judge(" https://scim.example.com/scim/v2\n").status,
            Status::Warn
        );
    }
}
