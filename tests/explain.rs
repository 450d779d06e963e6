//! `scim-doctor explain-user` through the real binary, on the Contoso fixture tenant
//! (fixtures/explain/tenant) and the Contoso provisioning logs (fixtures/logs).

use assert_cmd::Command;
use serde_json::Value;
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn tenant() -> PathBuf {
    root().join("fixtures/explain/tenant")
}

fn logs() -> PathBuf {
    root().join("fixtures/logs/graph-v1.json")
}

fn bin() -> Command {
    let mut c = Command::cargo_bin("scim-doctor").expect("binary builds");
    c.env("SCIM_DOCTOR_FIXED_TIME", "2026-11-26T08:00:00Z")
        .env("NO_COLOR", "1");
    c
}

fn explain(args: &[&str], with_logs: bool) -> (i32, String, String) {
    let mut c = bin();
    c.arg("explain-user")
        .args(args)
        .arg("--snapshot")
        .arg(tenant());
    if with_logs {
        c.arg("--provisioning-logs").arg(logs());
    }
    let out = c.output().expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn explain_json(query: &str, with_logs: bool) -> (i32, Value) {
    let (code, stdout, stderr) = explain(&[query, "--format", "json"], with_logs);
    let v = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}\n{stderr}"));
    (code, v)
}

// proves a healthy user gets every stage of the trace, its log entry and a pass verdict (exit 0)
#[test]
fn found_user_full_trace() {
    let (code, out, err) = explain(&["alice@contoso.com", "--format", "human"], true);
    assert_eq!(code, 0, "{out}{err}");
    for stage in [
        "1. Import",
        "2. Scope",
        "3. Match",
        "4. Target state",
        "5. Logs",
        "Verdict: provisioned",
        "Next step:",
    ] {
        assert!(out.contains(stage), "missing {stage}:\n{out}");
    }
    assert!(
        out.contains("userName eq \"alice@contoso.com\" -> u-1001"),
        "{out}"
    );
    assert!(out.contains("groups: VPN Users, Sales"), "{out}");
    assert!(out.contains("2026-11-20T08:00:05Z create success"), "{out}");
}

// proves the lookup is case-insensitive on userName and finds the soft-delete leftover beside the live user
#[test]
fn duplicate_and_soft_deleted_user() {
    let (code, v) = explain_json("BOB@contoso.com", false);
    assert_eq!(
        code, 0,
        "a warning verdict is below the default --fail-on: {v}"
    );
    assert_eq!(v["match"]["outcome"], "matched");
    assert_eq!(v["match"]["matched_id"], "u-1002");
    let users = v["target"]["users"].as_array().cloned().unwrap_or_default();
    let rel = |id: &str| {
        users
            .iter()
            .find(|u| u["id"] == id)
            .map(|u| u["relation"].clone())
    };
    assert_eq!(rel("u-1002"), Some(Value::from("matched")));
    assert_eq!(rel("u-0902"), Some(Value::from("soft-delete-leftover")));
    assert_eq!(v["verdict"]["code"], "duplicate-risk");
    assert!(v["verdict"]["summary"]
        .as_str()
        .unwrap_or_default()
        .contains("u-0902"));
}

// proves a logged EntryConflict wins over the healthy-looking snapshot, and says the live filter is the suspect
#[test]
fn conflict_in_logs_points_at_the_filter() {
    let (code, v) = explain_json("bob@contoso.com", true);
    assert_eq!(code, 1);
    assert_eq!(v["verdict"]["code"], "failing");
    let summary = v["verdict"]["summary"].as_str().unwrap_or_default();
    assert!(
        summary.contains("ContosoSaseEntryConflict") && summary.contains("u-1002"),
        "{summary}"
    );
    assert_eq!(v["logs"]["entries"].as_array().map(Vec::len), Some(2));
    assert_eq!(v["logs"]["entries"][0]["known_code"], "EntryConflict");
}

// proves a user skipped as NotEffectivelyEntitled is explained as not assigned (exit 1)
#[test]
fn skipped_user_is_not_assigned() {
    let (code, v) = explain_json("carol@contoso.com", true);
    assert_eq!(code, 1);
    assert_eq!(v["found"], true);
    assert_eq!(v["verdict"]["code"], "not-assigned");
    assert!(v["verdict"]["next_step"]
        .as_str()
        .unwrap_or_default()
        .contains("assign the user"));
}

// proves a disabled target user is reported as such, by id as the query
#[test]
fn disabled_user_by_id() {
    let (code, v) = explain_json("u-1008", false);
    assert_eq!(code, 0);
    assert_eq!(v["verdict"]["code"], "disabled-in-target");
    assert_eq!(v["verdict"]["status"], "warn");
}

// proves an unknown user is a clear not-found result with the closest names, exit 1
#[test]
fn unknown_user_not_found() {
    let (code, out, _) = explain(&["alcie@contoso.com", "--format", "human"], true);
    assert_eq!(code, 1);
    assert!(out.contains("Verdict: not-found"), "{out}");
    assert!(out.contains("closest names: alice@contoso.com"), "{out}");
    let (code, v) = explain_json("nobody-like-this@fabrikam.com", true);
    assert_eq!(code, 1);
    assert_eq!(v["found"], false);
}

// proves the JSON output carries every documented top-level key and stage status
#[test]
fn json_output_shape() {
    let (_, v) = explain_json("alice@contoso.com", true);
    for key in [
        "query", "source", "found", "import", "scope", "match", "target", "logs", "verdict",
    ] {
        assert!(v.get(key).is_some(), "missing {key}: {v}");
    }
    for stage in ["import", "scope", "match", "target", "logs"] {
        let s = v[stage]["status"].as_str().unwrap_or_default();
        assert!(
            ["ok", "warn", "fail", "skipped"].contains(&s),
            "{stage}: {s}"
        );
        assert!(v[stage]["summary"].is_string());
    }
    assert_eq!(v["match"]["mode"], "snapshot");
    assert_eq!(
        v["match"]["queries"][0]["filter"],
        "userName eq \"alice@contoso.com\""
    );
    assert_eq!(v["verdict"]["code"], "provisioned");
}

// proves bad input is exit code 2 with one line on stderr
#[test]
fn bad_input_is_exit_2() {
    let (code, _, err) = explain(&["  "], false);
    assert_eq!(code, 2, "{err}");
    let mut c = bin();
    c.args(["explain-user", "alice@contoso.com", "--snapshot"])
        .arg(root().join("fixtures/does-not-exist"));
    let out = c.output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim().lines().count(),
        1
    );
}

const TOKEN: &str = "explain-test-token-5d2a";

fn live_server(faults: scim_doctor::server::Faults) -> scim_doctor::server::TestServer {
    let tenant = scim_doctor::source::snapshot::load(&tenant()).expect("fixture tenant loads");
    let mut config = scim_doctor::server::ServerConfig::with_token(TOKEN);
    config.faults = faults;
    scim_doctor::server::TestServer::start(tenant, config).expect("test server starts")
}

fn explain_live(server: &scim_doctor::server::TestServer, query: &str) -> (i32, Value, String) {
    let mut c = bin();
    c.args([
        "explain-user",
        query,
        "--format",
        "json",
        "--base-url",
        server.base_url(),
        // No sampled filter probes in the fetch: every filtered request is explain's own.
        "--probe-sample",
        "0",
    ])
    .env("SCIM_TOKEN", TOKEN)
    .env_remove("SCIM_BASE_URL");
    let out = c.output().expect("runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let v = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}\n{stderr}"));
    (out.status.code().unwrap_or(-1), v, stdout + &stderr)
}

// proves that with an endpoint the lookups are real GET requests whose answers are shown, and nothing but GET is sent
#[test]
fn live_lookups_are_sent_as_get() {
    let server = live_server(Default::default());
    let (code, v, all) = explain_live(&server, "alice@contoso.com");
    assert_eq!(code, 0, "{all}");
    assert_eq!(v["match"]["mode"], "live");
    assert_eq!(v["match"]["queries"][0]["http_status"], 200);
    assert_eq!(v["match"]["queries"][0]["results"][0]["id"], "u-1001");
    assert_eq!(v["verdict"]["code"], "provisioned");
    assert!(!all.contains(TOKEN), "the token leaked into the output");
    let filtered = server
        .requests()
        .iter()
        .filter(|r| {
            r.path
                .contains("filter=userName%20eq%20%22alice%40contoso.com%22")
        })
        .count();
    assert_eq!(filtered, 1, "{:#?}", server.requests());
    assert_eq!(server.non_get_count(), 0);
}

// proves that a server whose filter lookup fails is named as the reason, not hidden behind the snapshot view
#[test]
fn live_failing_filter_is_filter_broken() {
    let faults = scim_doctor::server::Faults {
        status: vec![("/Users?filter=userName".into(), 500)],
        ..Default::default()
    };
    let server = live_server(faults);
    let (code, v, all) = explain_live(&server, "erin@contoso.com");
    assert_eq!(code, 1, "{all} {:?}", server.requests());
    assert_eq!(v["match"]["queries"][0]["http_status"], 500);
    assert_eq!(v["verdict"]["code"], "filter-broken");
}

fn explain_idp(query: &str) -> (i32, Value) {
    let mut c = bin();
    c.args(["explain-user", query, "--format", "json", "--snapshot"])
        .arg(tenant())
        .arg("--idp-users")
        .arg(root().join("fixtures/explain/idp-users.csv"))
        .arg("--scope-filter")
        .arg(root().join("fixtures/explain/scope.toml"));
    let out = c.output().expect("runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let v = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap_or(-1), v)
}

// proves a user the scoping filter excludes gets every clause with what it saw, and the out-of-scope verdict
#[test]
fn user_out_of_scope() {
    let (code, v) = explain_idp("leo@contoso.com");
    assert_eq!(code, 1);
    assert_eq!(v["import"]["status"], "ok");
    assert_eq!(v["scope"]["in_scope"], false);
    let groups = v["scope"]["groups"].as_array().cloned().unwrap_or_default();
    assert_eq!(groups.len(), 2);
    let first = &groups[0]["clauses"][0];
    assert_eq!(
        (
            first["attribute"].as_str(),
            first["seen"].as_str(),
            first["passed"].as_bool()
        ),
        (Some("department"), Some("Marketing"), Some(false))
    );
    assert_eq!(
        groups[0]["clauses"].as_array().map(Vec::len),
        Some(3),
        "every clause is shown, not just the first failing one"
    );
    assert_eq!(v["verdict"]["code"], "out-of-scope");
    let summary = v["verdict"]["summary"].as_str().unwrap_or_default();
    assert!(summary.contains("saw \"Marketing\""), "{summary}");
}

// proves an in-scope IdP user absent from the target is not-provisioned, matched with the export's UPN
#[test]
fn in_scope_user_not_yet_provisioned() {
    let (code, v) = explain_idp("kate@contoso.com");
    assert_eq!(code, 0, "a warn verdict is below the default --fail-on");
    assert_eq!(v["scope"]["in_scope"], true);
    assert_eq!(v["match"]["outcome"], "no-match");
    assert_eq!(
        v["match"]["queries"][0]["value_from"],
        "the IdP export (userPrincipalName)"
    );
    assert!(v["import"]["attributes"]
        .as_array()
        .is_some_and(|a| a.iter().any(|kv| kv[0] == "department" && kv[1] == "Sales")));
    assert_eq!(v["verdict"]["code"], "not-provisioned");
}

// proves a target user missing from the IdP export is reported as such (the import stage fails)
#[test]
fn target_user_missing_from_the_idp() {
    let (code, v) = explain_idp("ivan@contoso.com");
    assert_eq!(code, 1);
    assert_eq!(v["import"]["status"], "fail");
    assert_eq!(v["verdict"]["code"], "not-in-idp");
}

// proves the audit checks' findings about the user are quoted in the target stage (not recomputed)
#[test]
fn target_stage_quotes_audit_findings() {
    let (_, v) = explain_json("bob@contoso.com", false);
    let users = v["target"]["users"].as_array().cloned().unwrap_or_default();
    let leftover = users
        .iter()
        .find(|u| u["id"] == "u-0902")
        .cloned()
        .unwrap_or_default();
    let checks: Vec<&str> = leftover["findings"]
        .as_array()
        .map(|f| f.iter().filter_map(|x| x["check"].as_str()).collect())
        .unwrap_or_default();
    assert!(checks.contains(&"soft-delete-leftover"), "{checks:?}");
    assert!(v["verdict"]["summary"]
        .as_str()
        .unwrap_or_default()
        .contains("soft-delete-leftover"));
}

// ---------- one verdict engine: Entra's lookup order, empty values, every stage ----------

fn scim_user(id: &str, user_name: &str, external_id: Option<&str>, display: &str) -> Value {
    let mut u = serde_json::json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "id": id, "userName": user_name, "active": true, "displayName": display,
        "emails": [{"value": user_name.to_lowercase(), "type": "work", "primary": true}]
    });
    if let Some(x) = external_id {
        u["externalId"] = serde_json::json!(x);
    }
    u
}

/// A snapshot directory holding these users and no group.
fn write_tenant(users: Vec<Value>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let list = |r: Vec<Value>| {
        serde_json::json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
            "totalResults": r.len(), "startIndex": 1, "itemsPerPage": r.len(), "Resources": r
        })
    };
    std::fs::write(dir.path().join("Users.json"), list(users).to_string()).unwrap();
    std::fs::write(dir.path().join("Groups.json"), list(Vec::new()).to_string()).unwrap();
    dir
}

fn explain_on(snapshot: &std::path::Path, query: &str, extra: &[&std::ffi::OsStr]) -> (i32, Value) {
    let mut c = bin();
    c.args(["explain-user", query, "--format", "json", "--snapshot"])
        .arg(snapshot)
        .args(extra);
    let out = c.output().expect("runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let v = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap_or(-1), v)
}

fn server_on(
    snapshot: &std::path::Path,
    faults: scim_doctor::server::Faults,
) -> scim_doctor::server::TestServer {
    let tenant = scim_doctor::source::snapshot::load(snapshot).expect("temp tenant loads");
    let mut config = scim_doctor::server::ServerConfig::with_token(TOKEN);
    config.faults = faults;
    scim_doctor::server::TestServer::start(tenant, config).expect("test server starts")
}

// proves Entra's first hit wins live: when `userName eq` finds the user, a broken externalId
// filter is neither sent nor blamed ("filter-broken: Entra will create duplicates" was false)
#[test]
fn live_first_lookup_hit_decides_and_later_lookups_are_not_sent() {
    let server = live_server(scim_doctor::server::Faults {
        status: vec![("/Users?filter=externalId".into(), 500)],
        ..Default::default()
    });
    let (code, v, all) = explain_live(&server, "alice@contoso.com");
    assert_eq!(v["verdict"]["code"], "provisioned", "{all}");
    assert_eq!(code, 0);
    assert_eq!(
        v["match"]["queries"].as_array().map(Vec::len),
        Some(1),
        "{}",
        v["match"]
    );
    let sent = server
        .requests()
        .iter()
        .filter(|r| r.path.contains("filter=externalId"))
        .count();
    assert_eq!(
        sent,
        0,
        "Entra stops at the first hit: {:#?}",
        server.requests()
    );
}

// proves two users for one userName are ambiguous-match live as offline, with the same verdict,
// even on a server whose externalId filter is broken (it used to hide the ambiguity)
#[test]
fn ambiguous_match_is_the_same_verdict_live_and_offline() {
    let dir = write_tenant(vec![
        scim_user("a-1", "dana@contoso.com", Some("dana"), "Dana One"),
        scim_user("a-2", "DANA@contoso.com", Some("dana2"), "Dana Two"),
    ]);
    let (snap_code, snap) = explain_on(dir.path(), "dana@contoso.com", &[]);
    assert_eq!(
        snap["verdict"]["code"], "ambiguous-match",
        "{}",
        snap["verdict"]
    );
    let server = server_on(
        dir.path(),
        scim_doctor::server::Faults {
            status: vec![("/Users?filter=externalId".into(), 500)],
            ..Default::default()
        },
    );
    let (live_code, live, all) = explain_live(&server, "dana@contoso.com");
    assert_eq!(live["verdict"], snap["verdict"], "{all}");
    assert_eq!(live_code, snap_code);
    assert_eq!(live["match"]["outcome"], "ambiguous");
}

// proves an empty externalId is no value: never looked up, and it relates nobody
#[test]
fn an_empty_external_id_is_not_looked_up() {
    let dir = write_tenant(vec![
        scim_user("e-1", "erik@contoso.com", Some(""), "Erik"),
        scim_user("e-2", "fay@contoso.com", Some(""), "Fay"),
        scim_user("e-3", "gus@contoso.com", Some("  "), "Gus"),
    ]);
    let (_, v) = explain_on(dir.path(), "erik@contoso.com", &[]);
    let filters: Vec<&str> = v["match"]["queries"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|q| q["filter"].as_str())
        .collect();
    assert!(
        filters.iter().all(|f| !f.starts_with("externalId")),
        "{filters:?}"
    );
    let ids: Vec<&str> = v["target"]["users"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|u| u["id"].as_str())
        .collect();
    assert_eq!(
        ids,
        vec!["e-1"],
        "unrelated users with an empty externalId are listed"
    );
    // Live, no `externalId eq ""` request is sent either.
    let server = server_on(dir.path(), Default::default());
    let (_, live, all) = explain_live(&server, "erik@contoso.com");
    assert_eq!(live["verdict"], v["verdict"], "{all}");
    assert!(server
        .requests()
        .iter()
        .all(|r| !r.path.contains("externalId%20eq%20%22%22")));
}

/// The IdP users CSV of one person, written next to the test.
fn idp_csv(dir: &std::path::Path, body: &str) -> PathBuf {
    let p = dir.join("idp-users.csv");
    std::fs::write(&p, body).unwrap();
    p
}

// proves a schema matching on displayName drives the verdict: three users hold the value, so
// Entra stops with DuplicateTargetEntries whatever the default userName lookup finds
#[test]
fn schema_matching_on_display_name_with_duplicates_is_ambiguous() {
    let dir = write_tenant(vec![
        scim_user(
            "j-1",
            "jane.doe@contoso.example",
            Some("jane.doe"),
            "Jane Doe",
        ),
        scim_user(
            "j-2",
            "jane.doe2@contoso.example",
            Some("jane.doe2"),
            "Jane Doe",
        ),
        scim_user("j-3", "jdoe@contoso.example", Some("jdoe"), "Jane Doe"),
    ]);
    let csv = idp_csv(
        dir.path(),
        "userPrincipalName,displayName,mail,mailNickname,givenName,surname,accountEnabled\njane.doe@contoso.example,Jane Doe,jane.doe@contoso.example,jane.doe,Jane,Doe,True\n",
    );
    let schema = root().join("fixtures/idp-config/schema-misconfigured.json");
    let (code, v) = explain_on(
        dir.path(),
        "jane.doe@contoso.example",
        &[
            "--idp-users".as_ref(),
            csv.as_os_str(),
            "--idp-config".as_ref(),
            schema.as_os_str(),
        ],
    );
    assert_eq!(v["mapping"]["outcome"], "ambiguous", "{}", v["mapping"]);
    assert_eq!(v["verdict"]["code"], "ambiguous-match", "{}", v["verdict"]);
    assert_eq!(code, 1);
    let m = v["match"]["summary"].as_str().unwrap();
    assert!(
        m.contains("see Mapping"),
        "the Match stage points at the schema: {m}"
    );
}

// proves a new hire whose create hit a conflict, with no user in the target data, is not told
// that the target holds the user, nor to run the command just run
#[test]
fn a_new_hire_conflict_without_a_target_user_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("ProvisioningLogs.csv");
    std::fs::write(
        &log,
        "Date (UTC),Id,Job ID,Cycle ID,Change ID,Action,Source System,Source Identity ID,Source Identity Name,Source Identity Type,Target System,Target Identity ID,Target Identity Name,Target Identity Type,Status,Error Code,Reason\n\
         2026-11-25T08:00:00Z,1,job-1,cycle-1,change-1,Create,Azure Active Directory,3f00aa,nina@contoso.com,User,Contoso SASE,,,User,Failure,ContosoSaseEntryConflict,The user already exists\n",
    )
    .unwrap();
    let (code, v) = explain_on(
        &tenant(),
        "nina@contoso.com",
        &["--provisioning-logs".as_ref(), log.as_os_str()],
    );
    assert_eq!(
        v["target"]["users"].as_array().map(Vec::len),
        Some(0),
        "{}",
        v["target"]
    );
    assert_eq!(v["verdict"]["code"], "failing", "{}", v["verdict"]);
    assert_eq!(code, 1);
    let summary = v["verdict"]["summary"].as_str().unwrap();
    let next = v["verdict"]["next_step"].as_str().unwrap();
    assert!(summary.contains("no user in this target data"), "{summary}");
    assert!(!next.contains("explain-user"), "{next}");
    assert!(!summary.contains("already holds"), "{summary}");
}

// proves a provisioned user whose mapping would send no email is not "provisioned: nothing to do"
#[test]
fn a_mapping_that_gives_no_email_is_not_provisioned_nothing_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let csv = idp_csv(
        dir.path(),
        "userPrincipalName,displayName,department,accountEnabled\nalice@contoso.com,Alice Walker,Sales,True\n",
    );
    let schema = root().join("fixtures/idp-config/schema-scim-default.json");
    let (code, v) = explain_on(
        &tenant(),
        "alice@contoso.com",
        &[
            "--idp-users".as_ref(),
            csv.as_os_str(),
            "--idp-config".as_ref(),
            schema.as_os_str(),
        ],
    );
    assert_eq!(v["mapping"]["status"], "fail", "{}", v["mapping"]);
    assert_eq!(v["verdict"]["code"], "mapping-broken", "{}", v["verdict"]);
    assert_ne!(v["verdict"]["next_step"], "nothing to do");
    assert_eq!(code, 1);
    // The same user with the full export row is provisioned.
    let (code, v) = explain_on(
        &tenant(),
        "alice@contoso.com",
        &[
            "--idp-users".as_ref(),
            root().join("fixtures/explain/idp-users.csv").as_os_str(),
            "--idp-config".as_ref(),
            schema.as_os_str(),
        ],
    );
    assert_eq!(v["verdict"]["code"], "provisioned", "{}", v["verdict"]);
    assert_eq!(code, 0);
}

// proves a schema whose matching value finds nobody, while userName finds the person, is a
// duplicate risk, not "not provisioned" nor a broken filter
#[test]
fn schema_matching_that_misses_the_existing_user_is_a_duplicate_risk() {
    let dir = write_tenant(vec![scim_user(
        "j-1",
        "jane.doe@contoso.example",
        Some("jane.doe"),
        "J. Doe",
    )]);
    let csv = idp_csv(
        dir.path(),
        "userPrincipalName,displayName,mail,mailNickname,otherMails,givenName,surname,accountEnabled\njane.doe@contoso.example,Jane Doe,jane.doe@contoso.example,jane.doe,jane@home.example,Jane,Doe,True\n",
    );
    let schema = root().join("fixtures/idp-config/schema-misconfigured.json");
    let (code, v) = explain_on(
        dir.path(),
        "jane.doe@contoso.example",
        &[
            "--idp-users".as_ref(),
            csv.as_os_str(),
            "--idp-config".as_ref(),
            schema.as_os_str(),
        ],
    );
    assert_eq!(v["mapping"]["outcome"], "no-match", "{}", v["mapping"]);
    assert_eq!(v["match"]["matched_id"], "j-1");
    assert_eq!(v["verdict"]["code"], "duplicate-risk", "{}", v["verdict"]);
    assert_eq!(v["verdict"]["status"], "fail");
    assert_eq!(code, 1);
}

// proves a 100,000-character tenant value in the IdP export, in the scoping clause that reads
// it and in a provisioning-log line reaches every format clipped with its length (the import,
// scope and log stages quoted it whole: 100 KB per copy)
#[test]
fn huge_values_in_the_import_scope_and_log_stages_are_clipped_in_every_format() {
    let huge = "D".repeat(100_000);
    let dir = write_tenant(vec![scim_user(
        "a-1",
        "alice@contoso.example",
        Some("alice"),
        "Alice",
    )]);
    let csv = idp_csv(
        dir.path(),
        &format!("userPrincipalName,displayName,department,accountEnabled\nalice@contoso.example,Alice,{huge},True\n"),
    );
    let scope = dir.path().join("scope.toml");
    std::fs::write(
        &scope,
        "[[group]]\nname = \"Sales\"\n[[group.clause]]\nattribute = \"department\"\noperator = \"EQUALS\"\nvalue = \"Sales\"\n",
    )
    .unwrap();
    let log = dir.path().join("ProvisioningLogs.csv");
    std::fs::write(
        &log,
        format!("Date (UTC),Id,Job ID,Cycle ID,Change ID,Action,Source System,Source Identity ID,Source Identity Name,Source Identity Type,Target System,Target Identity ID,Target Identity Name,Target Identity Type,Status,Error Code,Reason\n\
         2026-11-25T08:00:00Z,1,job-1,cycle-1,{huge},Update,Azure Active Directory,3f00aa,alice@contoso.example,User,Contoso SASE,a-1,alice@contoso.example,User,Failure,{huge},{huge}\n"),
    )
    .unwrap();
    // A value is cut at 1,024 characters; a log line's reason, like a finding's message,
    // at 16,384.
    let longest_run = |s: &str| s.split(|c| c != 'D').map(str::len).max().unwrap_or(0);
    for format in ["json", "human", "markdown", "csv"] {
        let out = bin()
            .args(["explain-user", "alice@contoso.example", "--format", format])
            .arg("--snapshot")
            .arg(dir.path())
            .arg("--idp-users")
            .arg(&csv)
            .arg("--scope-filter")
            .arg(&scope)
            .arg("--provisioning-logs")
            .arg(&log)
            .output()
            .expect("runs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{format}: {stderr}");
        assert!(
            longest_run(&stdout) <= 16_384,
            "{format}: a value is not clipped"
        );
        assert!(
            stdout.len() < 64 * 1024,
            "{format}: {} bytes of output",
            stdout.len()
        );
        assert!(stdout.contains("clipped: 100000 characters"), "{format}");
        if format == "json" {
            let v: Value = serde_json::from_str(&stdout).unwrap();
            let attr = v["import"]["attributes"]
                .as_array()
                .unwrap()
                .iter()
                .find(|a| a[0] == "department")
                .expect("department attribute")
                .clone();
            let seen = v["scope"]["groups"][0]["clauses"][0]["seen"].clone();
            let entry = &v["logs"]["entries"][0];
            for (what, s) in [
                ("import", &attr[1]),
                ("scope", &seen),
                ("log error code", &entry["error_code"]),
                ("log change id", &entry["change_id"]),
            ] {
                let s = s.as_str().unwrap_or_else(|| panic!("{what}: {entry}"));
                assert!(s.ends_with("…[clipped: 100000 characters]"), "{what}: {s}");
                assert!(s.chars().count() <= 1024, "{what}");
            }
            let verdict = v["verdict"]["summary"].as_str().unwrap();
            assert!(longest_run(verdict) < 1024, "{verdict}");
        }
    }
}
