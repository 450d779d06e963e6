//! `scim-doctor collect okta|entra` against stand-in Okta and Microsoft Graph servers on
//! 127.0.0.1 that serve the documented shapes (Okta management API `listApplicationUsers`,
//! `listApplicationGroupAssignments`, `listGroupPushMappings`, `listLogEvents` with `Link`
//! paging; Graph `servicePrincipal`, `synchronizationJob`, `synchronizationSchema`,
//! `provisioningObjectSummary`, `appRoleAssignment`, `user`, `group: transitiveMembers` with
//! `@odata.nextLink`; the v2.0 token endpoint's error body with `error_codes`), with their
//! throttling (429 + X-Rate-Limit-Reset / Retry-After, 503), a System Log whose next link
//! never ends, a nested group, another app's log entries, and each documented error.
//! The servers stop by themselves after two minutes.

use assert_cmd::Command;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

const OKTA_TOKEN: &str = "00okta-planted-token-7d1f2c9e";
const APP_ID: &str = "0oa1scimapp";
const TENANT: &str = "contoso.onmicrosoft.com";
const CLIENT_ID: &str = "9a8b7c6d-1111-4222-8333-444455556666";
const CLIENT_SECRET: &str = "Xy8Q~planted-client-secret-value~3e";
const SECRET_ID: &str = "0f9e8d7c-aaaa-4bbb-8ccc-ddddeeeeffff";
const GRAPH_ACCESS: &str = "eyJ0eXAi.planted-graph-access-token.sig";
const SP_ID: &str = "d1e2f3a4-b5c6-4d7e-8f90-a1b2c3d4e5f6";
const SP_APP_ID: &str = "5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9";
const GROUP_ID: &str = "aaaa0001-0000-4000-8000-000000000001";
const NESTED_ID: &str = "aaaa0002-0000-4000-8000-000000000002";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixture(rel: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(root().join(rel)).unwrap()).unwrap()
}

#[derive(Default)]
struct Stand {
    base: String,
    /// Every request: method, path?query, authorization header.
    log: Vec<(String, String, String)>,
    logs_forbidden: bool,
    throttled_once: HashMap<&'static str, bool>,
}

type Shared = Arc<Mutex<Stand>>;

fn query(uri: &Uri) -> HashMap<String, String> {
    url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
        .into_owned()
        .collect()
}

fn json_resp(status: u16, body: Value, headers: &[(&str, String)]) -> Response {
    let mut r = (
        StatusCode::from_u16(status).unwrap(),
        [("content-type", "application/json")],
        body.to_string(),
    )
        .into_response();
    for (k, v) in headers {
        r.headers_mut().insert(
            axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
            v.parse().unwrap(),
        );
    }
    r
}

fn okta_error(status: u16, code: &str, summary: &str) -> Response {
    json_resp(
        status,
        json!({"errorCode": code, "errorSummary": summary, "errorLink": code, "errorId": "oae1", "errorCauses": []}),
        &[],
    )
}

/// One page of `items` from `after` (an index), with Okta's `Link` headers.
fn okta_page(st: &Stand, uri: &Uri, items: &[Value], size: usize, endless: bool) -> Response {
    let q = query(uri);
    let from: usize = q.get("after").and_then(|a| a.parse().ok()).unwrap_or(0);
    let page: Vec<Value> = items.iter().skip(from).take(size).cloned().collect();
    let mut q2 = q.clone();
    q2.insert("after".into(), (from + page.len()).to_string());
    let next_query: String = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(q2.iter())
        .finish();
    let mut links = vec![format!(
        "<{}{}?{}>; rel=\"self\"",
        st.base,
        uri.path(),
        uri.query().unwrap_or("")
    )];
    if from + page.len() < items.len() || endless {
        links.push(format!(
            "<{}{}?{}>; rel=\"next\"",
            st.base,
            uri.path(),
            next_query
        ));
    }
    json_resp(200, Value::Array(page), &[("link", links.join(", "))])
}

fn apps() -> Vec<Value> {
    vec![
        json!({"id": APP_ID, "name": "sase_scim", "label": "SASE SCIM", "status": "ACTIVE", "signOnMode": "SAML_2_0", "features": ["PUSH_NEW_USERS"]}),
        json!({"id": "0oa2other", "name": "other_app", "label": "Payroll Portal", "status": "ACTIVE", "signOnMode": "SAML_2_0", "features": []}),
    ]
}

async fn okta(State(s): State<Shared>, method: Method, uri: Uri, headers: HeaderMap) -> Response {
    let mut st = s.lock().unwrap();
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    st.log
        .push((method.to_string(), uri.to_string(), auth.clone()));
    if method != Method::GET {
        return okta_error(
            405,
            "E0000022",
            "The endpoint does not support the provided HTTP method",
        );
    }
    if auth != format!("SSWS {OKTA_TOKEN}") && auth != format!("Bearer {OKTA_TOKEN}") {
        return okta_error(401, "E0000011", "Invalid token provided");
    }
    let path = uri.path().to_string();
    let parts: Vec<&str> = path.trim_start_matches("/api/v1/").split('/').collect();
    match parts.as_slice() {
        ["apps"] => {
            let q = query(&uri)
                .get("q")
                .cloned()
                .unwrap_or_default()
                .to_lowercase();
            let found: Vec<Value> = apps()
                .into_iter()
                .filter(|a| {
                    a["label"].as_str().unwrap().to_lowercase().starts_with(&q)
                        || a["name"].as_str().unwrap().starts_with(&q)
                })
                .collect();
            okta_page(&st, &uri, &found, 200, false)
        }
        ["apps", id] => match apps().into_iter().find(|a| a["id"] == *id) {
            Some(a) => json_resp(200, a, &[]),
            None => okta_error(
                404,
                "E0000007",
                &format!("Not found: Resource not found: {id} (AppInstance)"),
            ),
        },
        ["apps", id, rest @ ..] if *id == APP_ID => match rest {
            ["features"] => json_resp(
                200,
                json!([{"name": "USER_PROVISIONING", "status": "ENABLED", "description": "User provisioning settings from Okta to a downstream app", "capabilities": {"create": {"lifecycleCreate": {"status": "ENABLED"}}}}]),
                &[],
            ),
            ["users"] => {
                let users = fixture("fixtures/idp-config/okta-app-users-errors.json");
                let from = query(&uri).get("after").cloned();
                if from.as_deref() == Some("2") && !st.throttled_once.contains_key("users") {
                    st.throttled_once.insert("users", true);
                    let reset = time::OffsetDateTime::now_utc().unix_timestamp() + 1;
                    return json_resp(
                        429,
                        json!({"errorCode": "E0000047", "errorSummary": "API call exceeded rate limit due to too many requests."}),
                        &[
                            ("x-rate-limit-limit", "600".into()),
                            ("x-rate-limit-remaining", "0".into()),
                            ("x-rate-limit-reset", reset.to_string()),
                        ],
                    );
                }
                okta_page(&st, &uri, users.as_array().unwrap(), 2, false)
            }
            ["groups"] => okta_page(
                &st,
                &uri,
                fixture("fixtures/idp-config/okta-app-groups.json")
                    .as_array()
                    .unwrap(),
                200,
                false,
            ),
            ["group-push", "mappings"] => okta_page(
                &st,
                &uri,
                fixture("fixtures/idp-config/okta-group-push-mappings.json")
                    .as_array()
                    .unwrap(),
                200,
                false,
            ),
            _ => okta_error(404, "E0000007", "Not found: Resource not found"),
        },
        ["logs"] => {
            if st.logs_forbidden {
                return okta_error(
                    403,
                    "E0000006",
                    "You do not have permission to perform the requested action",
                );
            }
            let q = query(&uri);
            assert!(
                q.contains_key("since"),
                "the System Log is asked with since"
            );
            let mut events = fixture("fixtures/idp-config/okta-system-log-failures.json")
                .as_array()
                .unwrap()
                .clone();
            // A sloppy filter: another app's event slips in; the collector must drop it.
            events.insert(3, json!({"uuid": "foreign-1", "eventType": "application.provision.user.push", "published": "2026-11-20T09:30:00.000Z", "outcome": {"result": "FAILURE", "reason": "other app"}, "target": [{"id": "00uzed", "type": "AppUser", "alternateId": "zed@other.test"}, {"id": "0oa2other", "type": "AppInstance", "alternateId": "Payroll Portal"}]}));
            // Polling: a next link even after the last event (as without `until`).
            okta_page(&st, &uri, &events, 3, true)
        }
        _ => okta_error(404, "E0000007", "Not found: Resource not found"),
    }
}

fn graph_error(status: u16, code: &str, message: &str) -> Response {
    json_resp(
        status,
        json!({"error": {"code": code, "message": message, "innerError": {"request-id": "r1", "date": "2026-11-20T10:00:00"}}}),
        &[],
    )
}

fn graph_users() -> Vec<Value> {
    let mut users: Vec<Value> = fixture("fixtures/idp/graph-users.json")["value"]
        .as_array()
        .unwrap()
        .clone();
    for u in &mut users {
        u["@odata.type"] = json!("#microsoft.graph.user");
    }
    users
}

/// One Graph page of `items` from `$skiptoken` (an index), with `@odata.nextLink`.
fn graph_page(st: &Stand, uri: &Uri, context: &str, items: &[Value], size: usize) -> Response {
    let q = query(uri);
    let from: usize = q
        .get("$skiptoken")
        .and_then(|a| a.parse().ok())
        .unwrap_or(0);
    let page: Vec<Value> = items.iter().skip(from).take(size).cloned().collect();
    let mut body =
        json!({"@odata.context": format!("{}/v1.0/$metadata#{context}", st.base), "value": page});
    if from + size < items.len() {
        let mut q2 = q.clone();
        q2.insert("$skiptoken".into(), (from + size).to_string());
        let qs: String = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(q2.iter())
            .finish();
        body["@odata.nextLink"] = json!(format!("{}{}?{}", st.base, uri.path(), qs));
    }
    json_resp(200, body, &[])
}

fn sps() -> Vec<Value> {
    vec![
        json!({"id": SP_ID, "appId": SP_APP_ID, "displayName": "Contoso SASE", "servicePrincipalType": "Application", "tags": ["WindowsAzureActiveDirectoryIntegratedApp"]}),
        json!({"id": "d1e2f3a4-0000-4000-8000-a1b2c3d4e5f7", "appId": "00000000-0000-4000-8000-000000000009", "displayName": "Payroll Portal", "servicePrincipalType": "Application"}),
    ]
}

async fn graph(
    State(s): State<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut st = s.lock().unwrap();
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    st.log
        .push((method.to_string(), uri.to_string(), auth.clone()));
    let path = uri.path().to_string();
    if method == Method::POST && path.ends_with("/oauth2/v2.0/token") {
        let form: HashMap<String, String> =
            url::form_urlencoded::parse(&body).into_owned().collect();
        let tenant = path.trim_start_matches('/').split('/').next().unwrap_or("");
        let err = |status: u16, error: &str, code: u64, desc: &str| {
            json_resp(
                status,
                json!({"error": error, "error_description": format!("AADSTS{code}: {desc}\r\nTrace ID: t1\r\nCorrelation ID: c1\r\nTimestamp: 2026-11-20 10:00:00Z"), "error_codes": [code], "timestamp": "2026-11-20 10:00:00Z", "trace_id": "t1", "correlation_id": "c1"}),
                &[],
            )
        };
        if tenant != TENANT {
            return err(400, "invalid_request", 90002, &format!("Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud."));
        }
        if form.get("client_id").map(String::as_str) != Some(CLIENT_ID) {
            return err(
                400,
                "unauthorized_client",
                700016,
                "Application with identifier 'x' was not found in the directory 'Contoso'.",
            );
        }
        if let Some(jwt) = form.get("client_assertion") {
            assert_eq!(
                form.get("client_assertion_type").map(String::as_str),
                Some("urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
            );
            assert!(!form.contains_key("client_secret"));
            let aud = format!("{}{}", st.base, path);
            if !assertion_verifies(jwt, &aud) {
                return err(
                    401,
                    "invalid_client",
                    700027,
                    "Client assertion failed signature validation.",
                );
            }
            st.log
                .push(("ASSERTION".into(), jwt.clone(), String::new()));
        } else if form.get("client_secret").map(String::as_str) != Some(CLIENT_SECRET) {
            return err(401, "invalid_client", 7000215, "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app 'x'.");
        }
        assert_eq!(
            form.get("grant_type").map(String::as_str),
            Some("client_credentials")
        );
        assert_eq!(
            form.get("scope").cloned(),
            Some(format!("{}/.default", st.base))
        );
        return json_resp(
            200,
            json!({"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": GRAPH_ACCESS}),
            &[],
        );
    }
    if method != Method::GET {
        return graph_error(405, "Request_BadRequest", "only GET here");
    }
    if auth != format!("Bearer {GRAPH_ACCESS}") {
        return graph_error(
            401,
            "InvalidAuthenticationToken",
            "Access token validation failure. Invalid audience.",
        );
    }
    let q = query(&uri);
    let parts: Vec<&str> = path.trim_start_matches("/v1.0/").split('/').collect();
    match parts.as_slice() {
        ["servicePrincipals"] => {
            let filter = q.get("$filter").cloned().unwrap_or_default();
            let found: Vec<Value> = sps()
                .into_iter()
                .filter(|sp| {
                    if let Some(name) = filter.strip_prefix("displayName eq ") {
                        sp["displayName"] == name.trim_matches('\'')
                    } else if let Some(id) = filter.strip_prefix("appId eq ") {
                        sp["appId"] == id.trim_matches('\'')
                    } else {
                        true
                    }
                })
                .collect();
            graph_page(&st, &uri, "servicePrincipals", &found, 100)
        }
        ["servicePrincipals", id] => match sps().into_iter().find(|sp| sp["id"] == *id) {
            Some(sp) => json_resp(200, sp, &[]),
            None => graph_error(404, "Request_ResourceNotFound", &format!("Resource '{id}' does not exist or one of its queried reference-property objects are not present.")),
        },
        ["servicePrincipals", id, rest @ ..] if *id == SP_ID => match rest {
            ["synchronization", "jobs"] => json_resp(200, fixture("fixtures/idp-config/jobs-list-active.json"), &[]),
            ["synchronization", "jobs", _job, "schema"] => json_resp(200, fixture("fixtures/idp-config/schema-with-scope.json"), &[]),
            ["appRoleAssignedTo"] => {
                let users = graph_users();
                let items = vec![
                    json!({"id": "a1", "principalType": "User", "principalId": users[0]["id"], "principalDisplayName": users[0]["displayName"], "resourceId": SP_ID, "appRoleId": "00000000-0000-0000-0000-000000000000"}),
                    json!({"id": "a2", "principalType": "Group", "principalId": GROUP_ID, "principalDisplayName": "SASE users", "resourceId": SP_ID, "appRoleId": "00000000-0000-0000-0000-000000000000"}),
                ];
                graph_page(&st, &uri, "servicePrincipals('x')/appRoleAssignedTo", &items, 100)
            }
            _ => graph_error(404, "Request_ResourceNotFound", "no such resource"),
        },
        ["auditLogs", "provisioning"] => {
            if st.logs_forbidden {
                return graph_error(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.");
            }
            let filter = q.get("$filter").cloned().unwrap_or_default();
            assert!(filter.contains(&format!("servicePrincipal/id eq '{SP_ID}'")), "{filter}");
            if !st.throttled_once.contains_key("logs") {
                st.throttled_once.insert("logs", true);
                return json_resp(429, json!({"error": {"code": "TooManyRequests", "message": "Too many requests"}}), &[("retry-after", "1".into())]);
            }
            let mut logs = fixture("fixtures/logs/graph-v1.json")["value"].as_array().unwrap().clone();
            let mut foreign = logs[0].clone();
            foreign["id"] = json!("foreign-entry");
            foreign["servicePrincipal"] = json!({"id": "d1e2f3a4-0000-4000-8000-a1b2c3d4e5f7", "displayName": "Payroll Portal"});
            logs.insert(2, foreign);
            graph_page(&st, &uri, "auditLogs/provisioning", &logs, 4)
        }
        ["users", id] => match graph_users().into_iter().find(|u| u["id"] == *id) {
            Some(u) => {
                assert!(q.get("$select").is_some_and(|s| s.contains("userPrincipalName")));
                json_resp(200, u, &[])
            }
            None => graph_error(404, "Request_ResourceNotFound", "no such user"),
        },
        ["groups", id, "transitiveMembers"] if *id == GROUP_ID => {
            if !st.throttled_once.contains_key("members") {
                st.throttled_once.insert("members", true);
                return json_resp(503, json!({"error": {"code": "serviceNotAvailable", "message": "Service unavailable"}}), &[("retry-after", "1".into())]);
            }
            let users = graph_users();
            // A direct member, the nested group itself, a member of the nested group, and a
            // user also assigned directly.
            let items = vec![
                users[1].clone(),
                json!({"@odata.type": "#microsoft.graph.group", "id": NESTED_ID, "displayName": "SASE contractors"}),
                users[2].clone(),
                users[0].clone(),
                json!({"@odata.type": "#microsoft.graph.device", "id": "dev1", "displayName": "laptop"}),
            ];
            graph_page(&st, &uri, "directoryObjects", &items, 2)
        }
        _ => graph_error(404, "Request_ResourceNotFound", "no such resource"),
    }
}

fn b64url_decode(s: &str) -> Vec<u8> {
    let std = s.replace('-', "+").replace('_', "/");
    let padded = format!("{std}{}", "=".repeat((4 - std.len() % 4) % 4));
    x509_parser::pem::Pem::iter_from_buffer(
        format!("-----BEGIN X-----\n{padded}\n-----END X-----\n").as_bytes(),
    )
    .next()
    .unwrap()
    .unwrap()
    .contents
}

/// As the Microsoft identity platform checks a certificate credential: RS256, the
/// certificate named by `x5t#S256`, `aud` the token endpoint, `iss` = `sub` = the client id,
/// not expired, and a signature that verifies with the certificate's key.
fn assertion_verifies(jwt: &str, aud: &str) -> bool {
    use sha2::Digest;
    let parts: Vec<&str> = jwt.split('.').collect();
    if parts.len() != 3 {
        return false;
    }
    let header: Value = serde_json::from_slice(&b64url_decode(parts[0])).unwrap();
    let claims: Value = serde_json::from_slice(&b64url_decode(parts[1])).unwrap();
    let pem = std::fs::read(root().join("fixtures/collect/test-client-certificate.pem")).unwrap();
    let cert = x509_parser::pem::Pem::iter_from_buffer(&pem)
        .map(Result::unwrap)
        .find(|p| p.label == "CERTIFICATE")
        .unwrap();
    let thumb = scim_doctor::source::http::base64_encode(&sha2::Sha256::digest(&cert.contents))
        .trim_end_matches('=')
        .replace('+', "-")
        .replace('/', "_");
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let (_, x509) = x509_parser::parse_x509_certificate(&cert.contents).unwrap();
    let key = ring::signature::UnparsedPublicKey::new(
        &ring::signature::RSA_PKCS1_2048_8192_SHA256,
        x509.public_key().subject_public_key.data.to_vec(),
    );
    header["alg"] == "RS256"
        && header["x5t#S256"] == thumb.as_str()
        && claims["aud"] == aud
        && claims["iss"] == CLIENT_ID
        && claims["sub"] == CLIENT_ID
        && claims["exp"].as_i64().is_some_and(|e| e > now)
        && key
            .verify(
                format!("{}.{}", parts[0], parts[1]).as_bytes(),
                &b64url_decode(parts[2]),
            )
            .is_ok()
}

enum Kind {
    Okta,
    Graph,
}

/// Starts a stand-in on 127.0.0.1; it stops by itself after two minutes.
fn start(kind: Kind, logs_forbidden: bool) -> Shared {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let shared: Shared = Arc::new(Mutex::new(Stand {
        base: format!("http://127.0.0.1:{port}"),
        logs_forbidden,
        ..Default::default()
    }));
    let st = shared.clone();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let app = match kind {
                Kind::Okta => axum::Router::new().fallback(okta),
                Kind::Graph => axum::Router::new().fallback(graph),
            }
            .with_state(st);
            let l = tokio::net::TcpListener::from_std(listener).unwrap();
            let _ = tokio::time::timeout(std::time::Duration::from_secs(120), axum::serve(l, app))
                .await;
        });
    });
    shared
}

fn bin() -> Command {
    let mut c = Command::cargo_bin("scim-doctor").unwrap();
    for v in [
        "OKTA_API_TOKEN",
        "OKTA_ACCESS_TOKEN",
        "AZURE_TENANT_ID",
        "AZURE_CLIENT_ID",
        "AZURE_CLIENT_SECRET",
        "AZURE_CLIENT_CERTIFICATE_PATH",
        "GRAPH_TOKEN",
        "SCIM_TOKEN",
        "SCIM_BASE_URL",
    ] {
        c.env_remove(v);
    }
    c.env("NO_COLOR", "1");
    c
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(c: &mut Command) -> Run {
    let o = c
        .timeout(std::time::Duration::from_secs(90))
        .output()
        .unwrap();
    Run {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into(),
        stderr: String::from_utf8_lossy(&o.stderr).into(),
    }
}

/// No planted secret in the output or in any file of `dir`.
fn assert_clean(r: &Run, dir: &Path) {
    let secrets = [OKTA_TOKEN, CLIENT_SECRET, GRAPH_ACCESS];
    for s in secrets {
        assert!(
            !r.stdout.contains(s) && !r.stderr.contains(s),
            "{s} in the output:\n{}\n{}",
            r.stdout,
            r.stderr
        );
    }
    if dir.exists() {
        for e in std::fs::read_dir(dir).unwrap() {
            let text = std::fs::read_to_string(e.unwrap().path()).unwrap();
            for s in secrets {
                assert!(!text.contains(s), "{s} in a collected file");
            }
        }
    }
}

fn read(p: PathBuf) -> Value {
    serde_json::from_str(
        &std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display())),
    )
    .unwrap()
}

fn okta_cmd(st: &Shared, app: &str, out: &Path) -> Command {
    let base = st.lock().unwrap().base.clone();
    let mut c = bin();
    c.env("OKTA_API_TOKEN", OKTA_TOKEN)
        .args(["collect", "okta", "--org", &base, "--app", app, "--out"])
        .arg(out);
    c
}

#[test]
fn okta_collects_every_artifact_in_the_api_shapes() {
    let st = start(Kind::Okta, false);
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("okta");
    let r = run(&mut okta_cmd(&st, "sase scim", &out));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_clean(&r, &out);
    // Pages joined, in the API's own shape.
    assert_eq!(
        read(out.join("okta-app-users.json")),
        fixture("fixtures/idp-config/okta-app-users-errors.json")
    );
    assert_eq!(
        read(out.join("okta-app-groups.json")),
        fixture("fixtures/idp-config/okta-app-groups.json")
    );
    assert_eq!(
        read(out.join("okta-group-push-mappings.json")),
        fixture("fixtures/idp-config/okta-group-push-mappings.json")
    );
    // Another app's event is not kept; the endless next link stopped at the empty page.
    assert_eq!(
        read(out.join("okta-system-log.json")),
        fixture("fixtures/idp-config/okta-system-log-failures.json")
    );
    assert_eq!(read(out.join("okta-app.json"))["id"], APP_ID);
    assert_eq!(
        read(out.join("okta-app-features.json"))[0]["name"],
        "USER_PROVISIONING"
    );
    let m = read(out.join("manifest.json"));
    assert_eq!(m["idp"], "okta");
    assert_eq!(m["app"]["id"], APP_ID);
    assert_eq!(m["not_readable"], json!([]));
    assert!(m["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["file"] == "okta-app-users.json" && a["items"] == 4 && a["pages"] == 2));
    let log = st.lock().unwrap().log.clone();
    assert!(log.iter().all(|(m, _, _)| m == "GET"), "{log:?}");
    let log_reqs: Vec<&String> = log
        .iter()
        .filter(|(_, u, _)| u.starts_with("/api/v1/logs"))
        .map(|(_, u, _)| u)
        .collect();
    // 9 events in pages of 3, then one empty page: 4 requests, and no more.
    assert_eq!(log_reqs.len(), 4, "{log_reqs:?}");
    let first = url::form_urlencoded::parse(log_reqs[0].split_once('?').unwrap().1.as_bytes())
        .into_owned()
        .collect::<HashMap<String, String>>();
    assert_eq!(
        first.get("filter").map(String::as_str),
        Some(format!("target.id eq \"{APP_ID}\"").as_str())
    );
    assert!(first.contains_key("until"), "{first:?}");
    // The 429 was waited out and the page asked again.
    assert_eq!(
        log.iter()
            .filter(|(_, u, _)| u.contains("/users") && u.contains("after=2"))
            .count(),
        2
    );
    assert!(r.stderr.contains("throttled"), "{}", r.stderr);
}

#[test]
fn okta_errors_say_what_to_do() {
    let st = start(Kind::Okta, false);
    let tmp = tempfile::tempdir().unwrap();
    // E0000011: a wrong token stops everything, without echoing the token.
    let base = st.lock().unwrap().base.clone();
    let out = tmp.path().join("bad-token");
    let r = run(bin()
        .env("OKTA_API_TOKEN", "00wrong-token-value-99")
        .args(["collect", "okta", "--org", &base, "--app", APP_ID, "--out"])
        .arg(&out));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("E0000011"), "{}", r.stderr);
    assert!(!r.stderr.contains("00wrong-token-value-99"));
    // E0000007: an unknown label lists the close ones.
    let r = run(&mut okta_cmd(&st, "SASE SCMI", &tmp.path().join("typo")));
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("E0000007") && r.stderr.contains("SASE SCIM"),
        "{}",
        r.stderr
    );
    // No credentials at all.
    let r = run(bin()
        .args(["collect", "okta", "--org", &base, "--app", APP_ID, "--out"])
        .arg(tmp.path().join("none")));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("OKTA_API_TOKEN"), "{}", r.stderr);
    // E0000006 on the System Log: listed in the manifest with the scope, the rest collected.
    let st = start(Kind::Okta, true);
    let out = tmp.path().join("no-logs");
    let r = run(&mut okta_cmd(&st, APP_ID, &out));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let m = read(out.join("manifest.json"));
    let nr = &m["not_readable"][0];
    assert_eq!(nr["error_code"], "E0000006");
    assert!(
        nr["reason"].as_str().unwrap().contains("okta.logs.read"),
        "{nr}"
    );
    assert!(out.join("okta-app-users.json").exists() && !out.join("okta-system-log.json").exists());
    assert_clean(&r, &out);
}

fn entra_cmd(st: &Shared, app: &str, out: &Path) -> Command {
    let base = st.lock().unwrap().base.clone();
    let mut c = bin();
    c.env("AZURE_TENANT_ID", TENANT)
        .env("AZURE_CLIENT_ID", CLIENT_ID)
        .env("AZURE_CLIENT_SECRET", CLIENT_SECRET)
        .args([
            "collect",
            "entra",
            "--graph-url",
            &base,
            "--login-url",
            &base,
            "--app",
            app,
            "--out",
        ])
        .arg(out);
    c
}

#[test]
fn entra_collects_every_artifact_in_the_graph_shapes() {
    let st = start(Kind::Graph, false);
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("entra");
    let r = run(&mut entra_cmd(&st, "Contoso SASE", &out));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_clean(&r, &out);
    assert_eq!(
        read(out.join("entra-sync-jobs.json")),
        fixture("fixtures/idp-config/jobs-list-active.json")
    );
    let job = fixture("fixtures/idp-config/jobs-list-active.json")["value"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        read(out.join(format!("entra-sync-schema-{job}.json"))),
        fixture("fixtures/idp-config/schema-with-scope.json")
    );
    let logs = read(out.join("entra-provisioning-logs.json"));
    assert_eq!(
        logs["value"],
        fixture("fixtures/logs/graph-v1.json")["value"],
        "pages joined, the other app's entry dropped"
    );
    let users = read(out.join("entra-users.json"));
    let ids: Vec<&str> = users["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap())
        .collect();
    let want: Vec<String> = graph_users()
        .iter()
        .take(3)
        .map(|u| u["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        ids, want,
        "the assigned user, then the group's transitive user members, once each"
    );
    let m = read(out.join("manifest.json"));
    assert_eq!(m["app"]["id"], SP_ID);
    assert_eq!(m["not_readable"], json!([]));
    let log = st.lock().unwrap().log.clone();
    assert_eq!(
        log.iter().filter(|(m, _, _)| m != "GET").count(),
        1,
        "only the token request is a POST"
    );
    assert!(log
        .iter()
        .filter(|(m, _, _)| m == "GET")
        .all(|(_, _, a)| a == &format!("Bearer {GRAPH_ACCESS}")));
    // 429 and 503 were each waited out once.
    assert!(r.stderr.matches("throttled").count() >= 2, "{}", r.stderr);
}

#[test]
fn entra_token_errors_name_the_aadsts_code_and_the_fix() {
    let st = start(Kind::Graph, false);
    let tmp = tempfile::tempdir().unwrap();
    for (var, value, code, hint) in [
        ("AZURE_CLIENT_SECRET", SECRET_ID, "AADSTS7000215", "Value"),
        (
            "AZURE_CLIENT_ID",
            "11111111-2222-4333-8444-555555555555",
            "AADSTS700016",
            "AZURE_CLIENT_ID",
        ),
        (
            "AZURE_TENANT_ID",
            "fabrikam.onmicrosoft.com",
            "AADSTS90002",
            "AZURE_TENANT_ID",
        ),
    ] {
        let out = tmp.path().join(code);
        let r = run(entra_cmd(&st, "Contoso SASE", &out).env(var, value));
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert!(
            r.stderr.contains(code) && r.stderr.contains(hint),
            "{code}: {}",
            r.stderr
        );
        assert_clean(&r, &out);
    }
    // A name that matches nothing lists the closest.
    let r = run(&mut entra_cmd(
        &st,
        "Contoso SASEE",
        &tmp.path().join("typo"),
    ));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("Contoso SASE"), "{}", r.stderr);
}

#[test]
fn entra_403_names_the_missing_permission_and_the_rest_is_collected() {
    let st = start(Kind::Graph, true);
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("entra");
    // By appId this time.
    let r = run(&mut entra_cmd(&st, SP_APP_ID, &out));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let m = read(out.join("manifest.json"));
    let nr = &m["not_readable"][0];
    assert_eq!(nr["status"], 403);
    assert!(
        nr["reason"].as_str().unwrap().contains("AuditLog.Read.All"),
        "{nr}"
    );
    assert!(
        out.join("entra-users.json").exists() && !out.join("entra-provisioning-logs.json").exists()
    );
    assert_clean(&r, &out);
}

fn check_json(args: &[&str]) -> Value {
    let o = bin()
        .args(["check", "--format", "json"])
        .args(args)
        .output()
        .unwrap();
    let code = o.status.code().unwrap();
    assert!(
        code == 0 || code == 1,
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).unwrap()
}

/// What a run concluded: each check's id, status and message (file names aside).
fn verdicts(report: &Value, dirs: &[&Path]) -> Vec<(String, String, String)> {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let mut msg = c["message"].as_str().unwrap_or("").to_string();
            for d in dirs {
                msg = msg.replace(&format!("{}/", d.display()), "");
            }
            (
                c["id"].as_str().unwrap().to_string(),
                c["status"].as_str().unwrap_or("").to_string(),
                msg,
            )
        })
        .collect()
}

#[test]
fn the_collected_okta_folder_gives_the_findings_of_the_hand_made_files() {
    let st = start(Kind::Okta, false);
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("okta");
    assert_eq!(run(&mut okta_cmd(&st, APP_ID, &out)).code, 0);
    let snap = root().join("fixtures/checks/okta-app-assignment/positive-error-staged-push");
    let snap = snap.to_str().unwrap();
    let folder = check_json(&["--snapshot", snap, "--idp-config", out.to_str().unwrap()]);
    let cfg = root().join("fixtures/idp-config");
    let f = |n: &str| cfg.join(n).to_str().unwrap().to_string();
    let by_hand = check_json(&[
        "--snapshot",
        snap,
        "--idp-config",
        &f("okta-app-users-errors.json"),
        "--idp-config",
        &f("okta-app-groups.json"),
        "--idp-config",
        &f("okta-group-push-mappings.json"),
        "--idp-config",
        &f("okta-system-log-failures.json"),
    ]);
    let a = verdicts(&folder, &[&out]);
    let b = verdicts(&by_hand, &[&cfg]);
    assert!(
        a.iter()
            .any(|(id, s, _)| id == "okta-app-assignment" && s == "fail"),
        "{a:?}"
    );
    let ids = |v: &[(String, String, String)]| {
        v.iter()
            .map(|(i, s, _)| (i.clone(), s.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&a), ids(&b));
}

#[test]
fn the_collected_entra_folder_gives_the_findings_of_its_files_one_by_one() {
    let st = start(Kind::Graph, false);
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("entra");
    assert_eq!(run(&mut entra_cmd(&st, SP_ID, &out)).code, 0);
    let snap = root().join("fixtures/checks/provisioning-job/negative-active-graph-list");
    let snap = snap.to_str().unwrap();
    let folder = check_json(&["--snapshot", snap, "--idp-config", out.to_str().unwrap()]);
    let job = fixture("fixtures/idp-config/jobs-list-active.json")["value"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let p = |n: &str| out.join(n).to_str().unwrap().to_string();
    let one_by_one = check_json(&[
        "--snapshot",
        snap,
        "--idp-config",
        &p("entra-sync-jobs.json"),
        "--idp-config",
        &p(&format!("entra-sync-schema-{job}.json")),
        "--idp-users",
        &p("entra-users.json"),
        "--provisioning-logs",
        &p("entra-provisioning-logs.json"),
        "--",
    ]);
    assert_eq!(verdicts(&folder, &[]), verdicts(&one_by_one, &[]));
    // The logs and the user export were read (not only the configuration).
    assert_eq!(folder["summary"], one_by_one["summary"]);
    let ran = |r: &Value, id: &str| {
        r["checks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == id && c["status"] != "skipped")
    };
    assert!(
        ran(&folder, "provisioning-job"),
        "{:?}",
        verdicts(&folder, &[])
    );
}

#[test]
fn a_bundle_carries_the_collected_folder_and_redact_pii_covers_it() {
    let st = start(Kind::Okta, false);
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("okta");
    assert_eq!(run(&mut okta_cmd(&st, APP_ID, &out)).code, 0);
    let snap = root().join("fixtures/checks/okta-app-assignment/positive-error-staged-push");
    let zip = tmp.path().join("ticket.zip");
    let r = run(bin()
        .args([
            "-q",
            "bundle",
            "--format",
            "json",
            "--redact-pii",
            "--snapshot",
        ])
        .arg(&snap)
        .arg("--idp-config")
        .arg(&out)
        .arg("--out")
        .arg(&zip));
    assert!(zip.is_file(), "{}", r.stderr);
    let mut archive = zip::ZipArchive::new(std::fs::File::open(&zip).unwrap()).unwrap();
    let mut names = Vec::new();
    let mut all = String::new();
    for i in 0..archive.len() {
        let mut f = archive.by_index(i).unwrap();
        names.push(f.name().to_string());
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut f, &mut buf).unwrap();
        all.push_str(&String::from_utf8_lossy(&buf));
    }
    for file in [
        "okta-app-users.json",
        "okta-system-log.json",
        "okta-group-push-mappings.json",
    ] {
        assert!(
            names.iter().any(|n| n.ends_with(file)),
            "{file} not in {names:?}"
        );
    }
    // The people in the collected files are pseudonymised; no token anywhere.
    for pii in ["ann.lee@example.com", "dan.wu@example.com", OKTA_TOKEN] {
        assert!(!all.contains(pii), "{pii} in the bundle");
    }
    // The zip alone reproduces the verdict of the folder.
    let from_zip = check_json(&["--snapshot", zip.to_str().unwrap()]);
    let status = |r: &Value| {
        r["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == "okta-app-assignment")
            .unwrap()["status"]
            .clone()
    };
    assert_eq!(status(&from_zip), "fail");
}

#[test]
fn entra_signs_a_client_assertion_with_the_certificate() {
    let st = start(Kind::Graph, false);
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("entra");
    let mut c = entra_cmd(&st, "Contoso SASE", &out);
    c.env_remove("AZURE_CLIENT_SECRET").env(
        "AZURE_CLIENT_CERTIFICATE_PATH",
        root().join("fixtures/collect/test-client-certificate.pem"),
    );
    let r = run(&mut c);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let log = st.lock().unwrap().log.clone();
    let jwt = log
        .iter()
        .find(|(m, _, _)| m == "ASSERTION")
        .map(|(_, j, _)| j.clone())
        .expect("a client assertion was sent");
    assert!(out.join("entra-sync-jobs.json").exists());
    assert_clean(&r, &out);
    // Neither the assertion nor its signature is written anywhere.
    let sig = jwt.rsplit('.').next().unwrap();
    assert!(!r.stderr.contains(sig) && !r.stdout.contains(sig));
    for e in std::fs::read_dir(&out).unwrap() {
        assert!(!std::fs::read_to_string(e.unwrap().path())
            .unwrap()
            .contains(sig));
    }
    // A PEM file without the certificate is refused before any request, saying what is missing.
    let other = tmp.path().join("key-only.pem");
    let pem = std::fs::read_to_string(root().join("fixtures/collect/test-client-certificate.pem"))
        .unwrap();
    std::fs::write(
        &other,
        pem.split("-----BEGIN CERTIFICATE-----").next().unwrap(),
    )
    .unwrap();
    let mut c = entra_cmd(&st, "Contoso SASE", &tmp.path().join("bad"));
    c.env_remove("AZURE_CLIENT_SECRET")
        .env("AZURE_CLIENT_CERTIFICATE_PATH", &other);
    let r = run(&mut c);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("BEGIN CERTIFICATE"), "{}", r.stderr);
}

#[test]
fn max_requests_bounds_the_collection_and_the_manifest_lists_what_was_left() {
    let st = start(Kind::Okta, false);
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("okta");
    // The app (1), its features (1), the first page of users (1): then the bound.
    let r = run(okta_cmd(&st, APP_ID, &out).args(["--max-requests", "3"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(st.lock().unwrap().log.len(), 3);
    let m = read(out.join("manifest.json"));
    let left: Vec<&str> = m["not_readable"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["what"].as_str().unwrap())
        .collect();
    assert_eq!(
        left,
        [
            "app users",
            "app groups",
            "group push mappings",
            "System Log"
        ]
    );
    assert!(m["not_readable"][0]["reason"]
        .as_str()
        .unwrap()
        .contains("--max-requests 3"));
    assert_eq!(m["requests"], 3);
}

#[test]
fn explain_user_reads_the_folder_as_the_files_one_by_one() {
    let st = start(Kind::Graph, false);
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("entra");
    assert_eq!(run(&mut entra_cmd(&st, SP_ID, &out)).code, 0);
    let snap = root().join("fixtures/checks/provisioning-job/negative-active-graph-list");
    let job = fixture("fixtures/idp-config/jobs-list-active.json")["value"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let user = graph_users()[0]["userPrincipalName"]
        .as_str()
        .unwrap()
        .to_string();
    let explain = |extra: &[String]| {
        let o = bin()
            .args(["explain-user", &user, "--format", "json", "--snapshot"])
            .arg(&snap)
            .args(extra)
            .output()
            .unwrap();
        let code = o.status.code().unwrap();
        assert!(
            code == 0 || code == 1,
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        let v: Value = serde_json::from_slice(&o.stdout).unwrap();
        (code, v, String::from_utf8_lossy(&o.stderr).to_string())
    };
    let p = |n: &str| out.join(n).to_str().unwrap().to_string();
    let (c1, folder, err) = explain(&["--idp-config".into(), p("")]);
    assert!(err.contains("1 user export"), "{err}");
    let (c2, one_by_one, _) = explain(&[
        "--idp-config".into(),
        p("entra-sync-jobs.json"),
        "--idp-config".into(),
        p(&format!("entra-sync-schema-{job}.json")),
        "--idp-users".into(),
        p("entra-users.json"),
        "--provisioning-logs".into(),
        p("entra-provisioning-logs.json"),
        "--".into(),
    ]);
    assert_eq!(c1, c2);
    let strip = |mut v: Value| {
        if let Some(o) = v.as_object_mut() {
            o.remove("generated_at");
        }
        v
    };
    assert_eq!(strip(folder), strip(one_by_one));
}

#[test]
fn an_okta_access_token_is_sent_as_bearer_and_a_graph_token_needs_no_token_request() {
    let st = start(Kind::Okta, false);
    let tmp = tempfile::tempdir().unwrap();
    let base = st.lock().unwrap().base.clone();
    let out = tmp.path().join("okta");
    let r = run(bin()
        .env("OKTA_ACCESS_TOKEN", OKTA_TOKEN)
        .args(["collect", "okta", "--org", &base, "--app", APP_ID, "--out"])
        .arg(&out));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(st
        .lock()
        .unwrap()
        .log
        .iter()
        .all(|(_, _, a)| a == &format!("Bearer {OKTA_TOKEN}")));
    assert_clean(&r, &out);

    let st = start(Kind::Graph, false);
    let base = st.lock().unwrap().base.clone();
    let out = tmp.path().join("entra");
    let r = run(bin()
        .env("GRAPH_TOKEN", GRAPH_ACCESS)
        .args([
            "collect",
            "entra",
            "--graph-url",
            &base,
            "--login-url",
            &base,
            "--app",
            "Contoso SASE",
            "--out",
        ])
        .arg(&out));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let log = st.lock().unwrap().log.clone();
    assert!(
        log.iter().all(|(m, _, _)| m == "GET"),
        "no token request with GRAPH_TOKEN"
    );
    assert!(out.join("entra-users.json").exists());
    assert_clean(&r, &out);
}
