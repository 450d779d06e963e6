//! Resolves `EndpointArgs` into an `Endpoint`: where the secret comes from, basic vs bearer,
//! extra headers, CA file. Every secret is wrapped in `SecretString` the moment it is read.

use super::args::EndpointArgs;
use crate::secret::SecretString;
use crate::source::http::{Auth, Endpoint};
use std::io::Read;
use std::time::Duration;

pub const TOKEN_ENV: &str = "SCIM_TOKEN";
pub const PASSWORD_ENV: &str = "SCIM_PASSWORD";

fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or("").trim().to_string()
}

fn read_secret_file(path: &std::path::Path, what: &str) -> Result<SecretString, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the {what} file {}: {e}", path.display()))?;
    let value = first_line(&text);
    if value.is_empty() {
        return Err(format!("the {what} file {} is empty", path.display()));
    }
    Ok(SecretString::new(value))
}

/// Returns the endpoint and any warnings to print (e.g. a token given on the command line).
pub fn resolve(
    args: &EndpointArgs,
    max_body_bytes: u64,
) -> Result<(Endpoint, Vec<String>), String> {
    let mut warnings = Vec::new();
    let raw = args.base_url().ok_or(
        "no endpoint: give --base-url (or SCIM_BASE_URL), or --snapshot PATH for an offline run",
    )?;
    let trimmed = raw.trim();
    let parsed = url::Url::parse(trimmed).map_err(|e| {
        format!(
            "--base-url `{}` is not a URL ({e}); expected e.g. https://host/scim/v2",
            crate::secret::scrub(trimmed)
        )
    })?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(format!(
            "--base-url must start with https:// (or http:// for local tests), got `{}`",
            parsed.scheme()
        ));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err("--base-url has no host".into());
    }
    let mut base = parsed.clone();
    // Credentials embedded in the URL (`https://user:pass@host/...`) are diagnosed by the
    // `base-url` check from `raw_base_url`; everything else, reports included, sees the URL
    // without them.
    if let Some(p) = parsed.password() {
        crate::secret::register(p);
    }
    let _ = base.set_username("");
    let _ = base.set_password(None);
    base.set_fragment(None);
    base.set_query(None);
    let path = base.path().trim_end_matches('/').to_string();
    base.set_path(if path.is_empty() { "/" } else { &path });

    let token = if let Some(t) = &args.token {
        warnings.push(
            "the token was given with --token: other local users can read it in the process list; prefer SCIM_TOKEN or --token-file".to_string(),
        );
        Some(SecretString::new(t.trim()))
    } else if let Some(p) = &args.token_file {
        Some(read_secret_file(p, "token")?)
    } else if args.token_stdin {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| format!("cannot read the token from standard input: {e}"))?;
        let v = first_line(&s);
        if v.is_empty() {
            return Err("--token-stdin: standard input was empty".into());
        }
        Some(SecretString::new(v))
    } else {
        std::env::var(TOKEN_ENV)
            .ok()
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .map(SecretString::new)
    };

    let auth = if let Some(username) = &args.username {
        let password = if let Some(p) = &args.password_file {
            read_secret_file(p, "password")?
        } else {
            match std::env::var(PASSWORD_ENV) {
                Ok(v) if !v.is_empty() => SecretString::new(v),
                _ => {
                    return Err(format!(
                        "--username needs a password: set {PASSWORD_ENV} or give --password-file"
                    ))
                }
            }
        };
        if token.is_some()
            && (args.token.is_some() || args.token_file.is_some() || args.token_stdin)
        {
            return Err("give either a bearer token or --username, not both".into());
        }
        Auth::Basic {
            username: username.clone(),
            password,
        }
    } else if let Some(t) = token {
        Auth::Bearer(t)
    } else {
        warnings.push(format!(
            "no credentials given ({TOKEN_ENV}, --token-file, --token-stdin or --username): requests are sent without Authorization"
        ));
        Auth::None
    };

    let mut headers = Vec::new();
    for h in &args.headers {
        let Some((name, value)) = h.split_once(':') else {
            return Err(format!(
                "--header `{}` must look like NAME:VALUE",
                crate::secret::scrub(h)
            ));
        };
        let name = name.trim();
        if name.is_empty()
            || !name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(format!(
                "--header name `{name}` is not a valid HTTP header name"
            ));
        }
        // The whole value is a secret, and so is the credential inside it (`Bearer X`: a
        // server that echoes X alone must not get it into any output).
        crate::secret::register_header_value(value);
        headers.push((name.to_string(), SecretString::new(value.trim())));
    }

    // Before any request: a credential sent over plain http to another machine is readable
    // by everything on the path. Loopback (127.0.0.0/8, ::1, ::ffff:127.0.0.0/104, localhost)
    // never leaves the machine, so local test servers stay usable.
    let sends_credentials = !matches!(auth, Auth::None)
        || !headers.is_empty()
        || !parsed.username().is_empty()
        || parsed.password().is_some();
    if parsed.scheme() == "http"
        && sends_credentials
        && !crate::source::http::is_loopback(&parsed)
        && !args.allow_insecure_http
    {
        return Err(format!(
            "refusing to send credentials over plain http:// to {}, which is not this machine: \
             they would cross the network in clear text; nothing was sent. Use the https:// URL \
             of the endpoint, or add --allow-insecure-http if you accept the risk",
            parsed.host_str().unwrap_or("the host")
        ));
    }
    if parsed.scheme() == "http" && sends_credentials && !crate::source::http::is_loopback(&parsed)
    {
        warnings.push(format!(
            "--allow-insecure-http: credentials are sent over plain http:// to {}, in clear text",
            parsed.host_str().unwrap_or("the host")
        ));
    }

    let ca_cert_pem = match &args.ca_cert {
        Some(p) => Some(
            std::fs::read(p).map_err(|e| format!("cannot read --ca-cert {}: {e}", p.display()))?,
        ),
        None => None,
    };
    if args.timeout == 0 {
        return Err("--timeout must be at least 1 second".into());
    }
    if args.insecure {
        warnings
            .push("--insecure: TLS certificates are NOT verified; do not trust TLS results".into());
    }
    Ok((
        Endpoint {
            raw_base_url: trimmed.to_string(),
            base_url: base,
            auth,
            headers,
            ca_cert_pem,
            insecure: args.insecure,
            timeout: Duration::from_secs(args.timeout),
            max_body_bytes,
        },
        warnings,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_in_the_url_are_kept_out_of_the_normalised_base_url() {
        let args = EndpointArgs {
            base_url: Some("https://svc-user:url-pass-9931@scim.example.test/scim/v2/".into()),
            token: Some("tok-endpoint-test-1".into()),
            timeout: 30,
            ..Default::default()
        };
        let (ep, _) = resolve(&args, 1 << 20).unwrap();
        assert_eq!(ep.base_url.as_str(), "https://scim.example.test/scim/v2");
        assert!(ep.raw_base_url.contains("svc-user"));
        assert!(!crate::secret::scrub(&ep.raw_base_url).contains("url-pass-9931"));
    }

    fn plain_http(url: &str) -> EndpointArgs {
        EndpointArgs {
            base_url: Some(url.into()),
            token: Some("tok-insecure-http-4d1".into()),
            timeout: 30,
            ..Default::default()
        }
    }

    #[test]
    fn credentials_over_plain_http_to_another_host_need_the_flag() {
        let err = resolve(&plain_http("http://192.0.2.1/scim/v2"), 1 << 20).unwrap_err();
        assert!(err.contains("refusing to send credentials"), "{err}");
        assert!(!err.contains("tok-insecure"), "{err}");
        let mut allowed = plain_http("http://192.0.2.1/scim/v2");
        allowed.allow_insecure_http = true;
        let (_, warnings) = resolve(&allowed, 1 << 20).unwrap();
        assert!(
            warnings.iter().any(|w| w.contains("clear text")),
            "{warnings:?}"
        );
        let header_only = EndpointArgs {
            token: None,
            headers: vec!["X-Api-Key: key-insecure-http-5".into()],
            ..plain_http("http://scim.example.test/scim/v2")
        };
        assert!(resolve(&header_only, 1 << 20).is_err());
    }

    #[test]
    fn plain_http_is_fine_on_loopback_or_without_credentials() {
        for url in [
            "http://127.0.0.1:8080/scim/v2",
            "http://localhost/scim/v2",
            "http://[::1]:9/scim/v2",
            "http://[::ffff:127.0.0.1]:9/scim/v2",
            "https://scim.example.test/scim/v2",
        ] {
            assert!(resolve(&plain_http(url), 1 << 20).is_ok(), "{url}");
        }
        let anonymous = EndpointArgs {
            token: None,
            ..plain_http("http://scim.example.test/scim/v2")
        };
        // (SCIM_TOKEN in the test's environment would be a credential.)
        if std::env::var(TOKEN_ENV).is_err() {
            assert!(resolve(&anonymous, 1 << 20).is_ok());
        }
    }

    #[test]
    fn a_header_without_a_colon_is_refused() {
        let args = EndpointArgs {
            base_url: Some("https://scim.example.test/scim/v2".into()),
            headers: vec!["X-Api-Key".into()],
            timeout: 30,
            ..Default::default()
        };
        let err = resolve(&args, 1 << 20).unwrap_err();
        assert!(err.contains("NAME:VALUE"), "{err}");
    }
}
