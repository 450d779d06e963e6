//! The write probe (`scim-doctor replay`) against the embedded server's writable mode: a
//! conformant server passes every `replay-*` check and ends identical; each switchable quirk
//! makes the right check fail; without --allow-writes nothing is sent; --dry-run sends
//! nothing; a run killed mid-way is cleaned up by `replay --cleanup`.
//!
//! Naming: `<check>_positive_*` proves the check fires on the broken server, `<check>_negative_*`
//! proves it passes on a conformant one (tests/catalog.rs looks for both).

use assert_cmd::Command;
use scim_doctor::server::{Quirks, ServerConfig, TestServer};
use serde_json::Value;
use std::path::Path;
use std::time::{Duration, Instant};

const TOKEN: &str = "replay-token-5d2c81aa";

fn server(quirks: Quirks) -> TestServer {
    let tenant = scim_doctor::source::snapshot::load(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/bundle/tenant-small"),
    )
    .expect("fixture tenant");
    let config = ServerConfig {
        writable: Some(quirks),
        ..ServerConfig::with_token(TOKEN)
    };
    TestServer::start(tenant, config).expect("embedded server")
}

/// `scim-doctor ARGS --base-url <srv>` with the token in the environment.
fn doctor(srv: &TestServer, args: &[&str]) -> Command {
    let mut c = Command::cargo_bin("scim-doctor").expect("binary");
    c.env("SCIM_TOKEN", TOKEN)
        .env_remove("SCIM_BASE_URL")
        .args(args)
        .args(["--base-url", srv.base_url()])
        .timeout(Duration::from_secs(120));
    c
}

/// Runs `replay` on a server with these quirks; returns the JSON report and the server
/// (for its request log and store), after asserting the tenant ends as it began.
fn replay(quirks: Quirks, idp: &str) -> (Value, TestServer) {
    let srv = server(quirks);
    let before = srv.written().expect("writable");
    let out = doctor(
        &srv,
        &["replay", "--idp", idp, "--allow-writes", "--format", "json"],
    )
    .output()
    .expect("run");
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!text.contains(TOKEN), "the token leaked into the output");
    if status(&report, "replay-cleanup") == "pass" {
        assert_eq!(
            srv.written().expect("writable"),
            before,
            "cleanup passed but the tenant changed"
        );
    }
    (report, srv)
}

fn check<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["checks"]
        .as_array()
        .and_then(|a| a.iter().find(|c| c["id"] == id))
        .unwrap_or_else(|| panic!("no {id} in the report"))
}

fn status(report: &Value, id: &str) -> String {
    check(report, id)["status"]
        .as_str()
        .unwrap_or("")
        .to_string()
}

fn quirk(name: &str) -> Quirks {
    let mut q = Quirks::default();
    q.enable(name).expect("known quirk");
    q
}

fn clean_entra() -> &'static Value {
    static R: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    R.get_or_init(|| replay(Quirks::default(), "entra").0)
}

fn clean_okta() -> &'static Value {
    static R: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    R.get_or_init(|| replay(Quirks::default(), "okta").0)
}

/// Asserts `id` failed and its message or subjects mention `needle`.
fn assert_fails(report: &Value, id: &str, needle: &str) {
    let c = check(report, id);
    assert_eq!(c["status"], "fail", "{id}: {c}");
    assert!(
        c.to_string().contains(needle),
        "{id} does not mention {needle:?}: {c}"
    );
}

// ---------- a conformant server: every step passes, nothing left behind ----------

/// Proves a conformant writable server passes every Entra check, in both compat modes.
#[test]
fn conformant_server_passes_the_whole_entra_sequence_and_ends_identical() {
    let r = clean_entra();
    for c in r["checks"].as_array().expect("checks") {
        let id = c["id"].as_str().unwrap_or("");
        let want = if ["replay-members-replace", "replay-group-rename"].contains(&id) {
            "skipped" // Okta-only steps
        } else {
            "pass"
        };
        assert_eq!(c["status"], want, "{c}");
    }
    assert_eq!(r["playbooks"][0]["id"], "replay");
}

/// Proves Okta's sequence passes on a conformant server, and that it never DELETEs in the
/// sequence itself (deletes come only from the cleanup, after the deactivating PUT).
#[test]
fn conformant_server_passes_the_whole_okta_sequence() {
    let (r, srv) = replay(Quirks::default(), "okta");
    for c in r["checks"].as_array().expect("checks") {
        let id = c["id"].as_str().unwrap_or("");
        let want = if ["replay-email-update", "replay-user-delete"].contains(&id) {
            "skipped"
        } else {
            "pass"
        };
        assert_eq!(c["status"], want, "{c}");
    }
    let log = srv.requests();
    let first_delete = log
        .iter()
        .position(|r| r.method == "DELETE")
        .expect("cleanup deletes");
    let last_put = log
        .iter()
        .rposition(|r| r.method == "PUT")
        .expect("PUT updates");
    assert!(
        last_put < first_delete,
        "a DELETE came before Okta's deactivating PUT"
    );
    assert!(log
        .iter()
        .any(|r| r.path.contains("startIndex=1&count=100")));
}

#[test]
fn replay_user_lookup_negative_empty_list_for_a_new_user() {
    assert_eq!(status(clean_entra(), "replay-user-lookup"), "pass");
}

#[test]
fn replay_user_lookup_positive_filter_ignored() {
    let (r, _) = replay(quirk("ignore-filter"), "entra");
    assert_fails(&r, "replay-user-lookup", "the filter is ignored");
    assert_fails(&r, "replay-group-lookup", "the filter is ignored");
}

#[test]
fn replay_group_lookup_negative_empty_list_for_a_new_group() {
    assert_eq!(status(clean_entra(), "replay-group-lookup"), "pass");
}

#[test]
fn replay_group_lookup_positive_filter_ignored() {
    let (r, _) = replay(quirk("ignore-filter"), "okta");
    assert_fails(&r, "replay-group-lookup", "returned");
}

#[test]
fn replay_user_create_negative_201_with_the_user() {
    assert_eq!(status(clean_okta(), "replay-user-create"), "pass");
}

#[test]
fn replay_user_create_positive_empty_create_body() {
    let (r, srv) = replay(quirk("create-empty-body"), "okta");
    assert_fails(&r, "replay-user-create", "with its id");
    // The canaries could not be named from the answers: the run finds them by its tag.
    assert_eq!(
        status(&r, "replay-cleanup"),
        "pass",
        "{}",
        check(&r, "replay-cleanup")
    );
    let out = doctor(
        &srv,
        &["replay", "--cleanup", "--allow-writes", "--format", "json"],
    )
    .output()
    .expect("run");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (users, _) = srv.written().expect("writable");
    assert!(users.iter().all(|u| !u["userName"]
        .as_str()
        .unwrap_or("")
        .starts_with("scim-doctor-canary-")));
}

#[test]
fn replay_duplicate_user_negative_409() {
    assert_eq!(status(clean_entra(), "replay-duplicate-user"), "pass");
}

#[test]
fn replay_duplicate_user_positive_500_on_conflict() {
    let (r, _) = replay(quirk("conflict-500"), "entra");
    assert_fails(&r, "replay-duplicate-user", "got 500");
    assert!(check(&r, "replay-duplicate-user")["remediation"]
        .as_str()
        .unwrap_or("")
        .contains("retries forever"));
}

/// Proves a 409 without scimType is not passed as "409 Conflict (scimType uniqueness)": the
/// finding says what came back (RFC 7644 §3.3 requires scimType "uniqueness").
#[test]
fn replay_duplicate_user_positive_409_without_scimtype() {
    let (r, _) = replay(quirk("conflict-no-scimtype"), "entra");
    let c = check(&r, "replay-duplicate-user");
    assert_eq!(c["status"], "warn", "{c}");
    let msg = c["message"].as_str().unwrap_or("");
    assert!(msg.contains("without a scimType"), "{msg}");
    assert!(msg.contains("RFC 7644 §3.3"), "{msg}");
}

#[test]
fn replay_user_update_negative_values_changed() {
    assert_eq!(status(clean_entra(), "replay-user-update"), "pass");
    assert_eq!(status(clean_okta(), "replay-user-update"), "pass");
}

/// Proves a case-sensitive `op` fails only Entra's legacy shapes, and the fix offered to the
/// admin is the aadOptscim062020 flag.
#[test]
fn replay_user_update_positive_case_sensitive_op() {
    let (r, _) = replay(quirk("case-sensitive-op"), "entra");
    assert_fails(&r, "replay-user-update", "is not a valid choice");
    let c = check(&r, "replay-user-update");
    assert!(
        c["message"]
            .as_str()
            .unwrap_or("")
            .contains("[Entra legacy]"),
        "{c}"
    );
    assert!(
        c["remediation"]
            .as_str()
            .unwrap_or("")
            .contains("append ?aadOptscim062020"),
        "{c}"
    );
    assert!(
        c["remediation"]
            .as_str()
            .unwrap_or("")
            .contains("SystemForCrossDomainIdentityManagementServiceIncompatible"),
        "{c}"
    );
    assert_fails(&r, "replay-member-add", "is not a valid choice");
    assert!(check(&r, "replay-member-add")["data"]
        .to_string()
        .contains("\"op\":\"Add\""));
    // The request body with the capitalised op is in the report's write transcript.
    let requests = c["data"]["requests"].to_string();
    assert!(requests.contains("\"op\":\"Replace\""), "{requests}");
}

/// Proves the create's read-back names every attribute a server drops while answering 201
/// (title, the work email's type), in both Entra compat modes, and Okta's PUT update names
/// the dropped title (issue 27).
#[test]
fn replay_user_create_positive_dropped_attributes_named_by_the_read_back() {
    let (r, _) = replay(quirk("drops-attributes"), "entra");
    assert_fails(&r, "replay-user-create", "lost title");
    let c = check(&r, "replay-user-create");
    let text = c.to_string();
    assert!(text.contains("lost emails[value eq"), "{c}");
    assert!(text.contains(".type (sent \\\"work\\\")"), "{c}");
    let subjects: Vec<String> = c["subjects"]
        .as_array()
        .expect("subjects")
        .iter()
        .map(|s| s["detail"].as_str().unwrap_or("").to_string())
        .collect();
    for mode in ["Entra legacy", "Entra aadOptscim062020"] {
        assert!(
            subjects.iter().any(|d| d.contains(mode)),
            "{mode} not named: {subjects:?}"
        );
    }
    let (r, _) = replay(quirk("drops-attributes"), "okta");
    assert_fails(&r, "replay-user-update", "lost title");
}

/// Proves the Entra sequence sends the externalId update Entra sends when the source
/// attribute changes, and a server refusing it fails replay-user-update in both modes.
#[test]
fn replay_user_update_positive_externalid_update_refused() {
    let (r, srv) = replay(quirk("no-externalid-patch"), "entra");
    assert_fails(
        &r,
        "replay-user-update",
        "updating externalId is not implemented",
    );
    let c = check(&r, "replay-user-update");
    assert_eq!(c["subjects"].as_array().map(Vec::len), Some(2), "{c}");
    let patches = srv
        .requests()
        .iter()
        .filter(|q| q.method == "PATCH" && q.status == 501)
        .count();
    assert_eq!(patches, 2, "one externalId PATCH per compat mode");
}

/// Proves the read-back passes on a conformant server although it compares by SCIM meaning
/// (the Entra and Okta sequences send title, typed primary emails and the enterprise
/// extension).
#[test]
fn replay_user_create_negative_every_attribute_read_back() {
    for r in [clean_entra(), clean_okta()] {
        let c = check(r, "replay-user-create");
        assert_eq!(c["status"], "pass", "{c}");
    }
    let c = check(clean_entra(), "replay-user-update");
    assert_eq!(c["status"], "pass", "{c}");
    assert!(
        c["data"]["requests"]
            .to_string()
            .contains("\"path\":\"externalId\""),
        "the externalId update was not sent: {c}"
    );
}

// ---------- --idp rfc: the RFC 7644 forms neither IdP sends ----------

/// Proves the RFC sequence passes on a conformant server, touching the checks it maps to,
/// and leaves the tenant identical.
#[test]
fn conformant_server_passes_the_rfc_sequence_and_ends_identical() {
    let (r, _) = replay(Quirks::default(), "rfc");
    for id in [
        "replay-user-lookup",
        "replay-user-create",
        "replay-user-update",
        "replay-email-update",
        "replay-group-lookup",
        "replay-group-create",
        "replay-user-delete",
        "replay-response-format",
        "replay-cleanup",
    ] {
        assert_eq!(status(&r, id), "pass", "{}", check(&r, id));
    }
    let c = check(&r, "replay-group-create");
    assert!(
        c["data"]["requests"].to_string().contains("\"members\":[{"),
        "the group was not created with members: {c}"
    );
}

/// Proves a 500 to a replace of a complex attribute with an object value is a failure in
/// the RFC sequence, named as a crash on a request RFC 7644 defines.
#[test]
fn replay_user_update_positive_rfc_complex_replace_500() {
    let (r, _) = replay(quirk("complex-replace-500"), "rfc");
    assert_fails(
        &r,
        "replay-user-update",
        "the server failed on a request RFC 7644 defines",
    );
    assert_fails(&r, "replay-user-update", "[RFC 7644]");
    assert_eq!(status(&r, "replay-cleanup"), "pass");
}

/// Proves the RFC sequence's create reads back every attribute too (the same dropping
/// server fails it), and its group create verifies the initial members.
#[test]
fn replay_user_create_positive_rfc_dropped_attributes() {
    let (r, _) = replay(quirk("drops-attributes"), "rfc");
    assert_fails(&r, "replay-user-create", "lost title");
    let (r, _) = replay(quirk("omit-members"), "rfc");
    let c = check(&r, "replay-group-create");
    assert_eq!(c["status"], "warn", "{c}");
}

#[test]
fn replay_user_update_positive_put_unsupported() {
    let (r, _) = replay(quirk("no-put"), "okta");
    assert_fails(&r, "replay-user-update", "got 405");
    assert!(check(&r, "replay-user-update")["remediation"]
        .as_str()
        .unwrap_or("")
        .contains("Okta"));
}

#[test]
fn replay_email_update_negative_work_email_follows() {
    assert_eq!(status(clean_entra(), "replay-email-update"), "pass");
}

#[test]
fn replay_email_update_positive_filtered_path_unsupported() {
    let (r, _) = replay(quirk("no-filtered-path"), "entra");
    assert_fails(
        &r,
        "replay-email-update",
        "filtered paths are not supported",
    );
    // Both compat modes use the filtered path: the flag is no fix, so it is not offered.
    let c = check(&r, "replay-email-update");
    assert!(
        !c["remediation"]
            .as_str()
            .unwrap_or("")
            .contains("append ?aadOptscim062020"),
        "{c}"
    );
}

#[test]
fn replay_user_disable_negative_active_false() {
    assert_eq!(status(clean_entra(), "replay-user-disable"), "pass");
    assert_eq!(status(clean_okta(), "replay-user-disable"), "pass");
}

/// Proves the legacy string "False" refused by a typed server is a fail whose admin fix is
/// the flag (the boolean form of the flag mode passed).
#[test]
fn replay_user_disable_positive_string_boolean_rejected() {
    let (r, _) = replay(quirk("reject-string-bool"), "entra");
    assert_fails(&r, "replay-user-disable", "expected value type 'boolean'");
    let c = check(&r, "replay-user-disable");
    assert!(
        c["remediation"]
            .as_str()
            .unwrap_or("")
            .contains("append ?aadOptscim062020"),
        "{c}"
    );
    assert_eq!(
        c["subjects"].as_array().map(Vec::len),
        Some(1),
        "only the legacy step fails: {c}"
    );
}

/// Proves the flag is not recommended blindly: the disable fails only without it, but member
/// removal fails only with it (filtered paths refused), so the advice weighs both modes.
#[test]
fn replay_user_disable_positive_flag_advice_weighs_both_modes() {
    let mut q = quirk("reject-string-bool");
    q.enable("no-filtered-path").expect("known quirk");
    let (r, _) = replay(q, "entra");
    assert_fails(&r, "replay-user-disable", "expected value type 'boolean'");
    assert_fails(
        &r,
        "replay-member-remove",
        "filtered paths are not supported",
    );
    let fix = check(&r, "replay-user-disable")["remediation"]
        .as_str()
        .unwrap_or("")
        .to_string();
    assert!(
        !fix.contains("append ?aadOptscim062020 to the Tenant URL"),
        "{fix}"
    );
    assert!(
        fix.contains("replay-member-remove") && fix.contains("Do not append ?aadOptscim062020"),
        "{fix}"
    );
}

#[test]
fn replay_user_disable_positive_put_deactivation_unsupported() {
    let (r, _) = replay(quirk("no-put"), "okta");
    assert_fails(&r, "replay-user-disable", "got 405");
}

#[test]
fn replay_user_delete_negative_204_then_404() {
    assert_eq!(status(clean_entra(), "replay-user-delete"), "pass");
}

/// Proves a server that refuses DELETE fails the delete step and leaves canaries that the
/// cleanup check names with their id and the command to remove them.
#[test]
fn replay_user_delete_positive_delete_refused() {
    let (r, _) = replay(quirk("no-delete"), "entra");
    assert_fails(&r, "replay-user-delete", "got 405");
}

#[test]
fn replay_cleanup_positive_leftover_named_with_its_removal_command() {
    let (r, srv) = replay(quirk("no-delete"), "entra");
    assert_fails(&r, "replay-cleanup", "left in the tenant");
    let c = check(&r, "replay-cleanup");
    let (users, groups) = srv.written().expect("writable");
    let leftover = users
        .iter()
        .chain(groups.iter())
        .find(|v| v.to_string().contains("scim-doctor-canary-"))
        .expect("a canary is left");
    let id = leftover["id"].as_str().expect("id");
    assert!(c.to_string().contains("curl -X DELETE"), "{c}");
    assert!(
        c.to_string().contains(id),
        "the leftover id {id} is not named: {c}"
    );
}

/// Proves `replay --cleanup` does not report "none" while canaries remain on a server that
/// answers `sw` with an empty list: an empty filter answer is checked with a full listing.
#[test]
fn replay_cleanup_positive_sw_answered_empty_still_finds_leftovers() {
    let mut q = quirk("no-delete");
    q.enable("sw-finds-nothing").expect("known quirk");
    let (r, srv) = replay(q, "entra");
    assert_fails(&r, "replay-cleanup", "left in the tenant");
    let (users, groups) = srv.written().expect("writable");
    let group = groups
        .iter()
        .find(|g| g.to_string().contains("scim-doctor-canary-"))
        .expect("a canary group is left");
    let gid = group["id"].as_str().expect("id").to_string();
    assert!(users
        .iter()
        .any(|u| u.to_string().contains("scim-doctor-canary-")));
    let out = doctor(&srv, &["replay", "--cleanup", "--format", "json"])
        .output()
        .expect("run");
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    let c = check(&report, "replay-cleanup");
    assert_eq!(c["status"], "fail", "{c}");
    assert!(
        c.to_string().contains(&gid),
        "the canary group {gid} is not named: {c}"
    );
}

#[test]
fn replay_cleanup_negative_tenant_identical() {
    let c = check(clean_entra(), "replay-cleanup");
    assert_eq!(c["status"], "pass", "{c}");
    assert!(c["message"]
        .as_str()
        .unwrap_or("")
        .contains("holds what it held before"));
}

#[test]
fn replay_group_create_negative_201() {
    assert_eq!(status(clean_entra(), "replay-group-create"), "pass");
}

/// Proves Entra's ADSCIM schema URN refused on create is a group-create fail (what
/// scim2-server does), and the membership steps that depend on it are skipped, not passed.
#[test]
fn replay_group_create_positive_unknown_schema_refused() {
    let (r, _) = replay(quirk("reject-unknown-schema"), "entra");
    assert_fails(&r, "replay-group-create", "Unknown extension schemas");
    assert_eq!(status(&r, "replay-member-add"), "skipped");
    assert_eq!(status(&r, "replay-member-remove"), "skipped");
}

#[test]
fn replay_member_add_negative_both_members() {
    assert_eq!(status(clean_okta(), "replay-member-add"), "pass");
}

#[test]
fn replay_member_add_positive_capitalised_add_refused() {
    let (r, _) = replay(quirk("case-sensitive-op"), "entra");
    assert_fails(&r, "replay-member-add", "not a valid choice");
}

#[test]
fn replay_member_remove_negative_one_member_left() {
    assert_eq!(status(clean_entra(), "replay-member-remove"), "pass");
    assert_eq!(status(clean_okta(), "replay-member-remove"), "pass");
}

/// Proves the legacy value-array removal that wipes the group is a fail even though it
/// answered 200.
#[test]
fn replay_member_remove_positive_value_array_wipes_group() {
    let (r, _) = replay(quirk("remove-value-array-clears-all"), "entra");
    assert_fails(&r, "replay-member-remove", "the group was wiped");
    assert!(check(&r, "replay-member-remove")["remediation"]
        .as_str()
        .unwrap_or("")
        .contains("aadOptscim062020"));
}

#[test]
fn replay_member_remove_positive_filtered_remove_unsupported() {
    let (r, _) = replay(quirk("no-filtered-path"), "okta");
    assert_fails(
        &r,
        "replay-member-remove",
        "filtered paths are not supported",
    );
    // The rename after it is judged on its own: members unchanged by the rename.
    assert_eq!(status(&r, "replay-group-rename"), "pass");
}

#[test]
fn replay_members_replace_negative_group_emptied() {
    assert_eq!(status(clean_okta(), "replay-members-replace"), "pass");
}

#[test]
fn replay_members_replace_positive_replace_not_implemented() {
    let (r, _) = replay(quirk("no-members-replace"), "okta");
    assert_fails(&r, "replay-members-replace", "got 501");
}

#[test]
fn replay_group_rename_negative_members_kept() {
    assert_eq!(status(clean_okta(), "replay-group-rename"), "pass");
}

#[test]
fn replay_group_rename_positive_rename_wipes_members() {
    let (r, _) = replay(quirk("rename-wipes-members"), "okta");
    assert_fails(&r, "replay-group-rename", "the group was wiped");
}

#[test]
fn replay_response_format_negative_scim_json_everywhere() {
    assert_eq!(status(clean_entra(), "replay-response-format"), "pass");
}

#[test]
fn replay_response_format_positive_plain_text_errors() {
    let (r, _) = replay(quirk("plain-text-errors"), "okta");
    assert_fails(&r, "replay-response-format", "is not a SCIM error body");
}

#[test]
fn replay_response_format_positive_wrong_content_type() {
    let (r, _) = replay(quirk("wrong-content-type"), "entra");
    assert_fails(
        &r,
        "replay-response-format",
        "instead of application/scim+json",
    );
}

// ---------- safety ----------

/// Proves replay without --allow-writes exits 2 and sends no request at all.
#[test]
fn without_allow_writes_replay_refuses_with_exit_2_and_sends_nothing() {
    let srv = server(Quirks::default());
    let out = doctor(&srv, &["replay", "--idp", "entra"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--allow-writes"));
    assert_eq!(srv.request_count(), 0, "{:?}", srv.requests());
}

/// Proves --dry-run prints every request with its body (Entra's legacy shapes included) and
/// sends nothing.
#[test]
fn dry_run_prints_every_request_and_sends_nothing() {
    let srv = server(Quirks::default());
    let out = doctor(
        &srv,
        &["replay", "--idp", "entra", "--dry-run", "--format", "human"],
    )
    .output()
    .expect("run");
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    for needle in [
        "GET /Users?filter=userName%20eq%20%22scim-doctor-canary-",
        "externalId%20eq",
        "POST /Users",
        "\"op\": \"Replace\"",
        "\"value\": \"False\"",
        "\"path\": \"members[value eq \\\"{user2}\\\"]\"",
        "GET /Groups?excludedAttributes=members&filter=displayName",
        "DELETE /Users/{user}",
        "\"path\": \"externalId\"",
    ] {
        assert!(text.contains(needle), "dry run lacks {needle:?}:\n{text}");
    }
    assert_eq!(srv.request_count(), 0);
}

/// Proves `--idp rfc --dry-run` lists the three RFC 7644 forms and sends nothing.
#[test]
fn dry_run_of_the_rfc_sequence_lists_its_forms() {
    let srv = server(Quirks::default());
    let out = doctor(
        &srv,
        &["replay", "--idp", "rfc", "--dry-run", "--format", "json"],
    )
    .output()
    .expect("run");
    assert_eq!(out.status.code(), Some(0));
    let plan: Value = serde_json::from_slice(&out.stdout).expect("json");
    let text = plan.to_string();
    assert!(text.contains("\"path\":\"name\""), "{text}");
    assert!(
        text.contains("\"op\":\"add\",\"path\":\"emails\""),
        "{text}"
    );
    assert!(
        text.contains("\"members\":[{\"value\":\"{user}\"}"),
        "{text}"
    );
    assert_eq!(srv.request_count(), 0);
}

/// A slow (150 ms a request) writable server holding the tenant-small fixture, its tenant as
/// written before the run, and a `replay --idp entra --allow-writes` child (stdout as given)
/// that has just created its first canary (a POST answered 201).
fn replay_until_first_canary(
    stdout: std::process::Stdio,
) -> (TestServer, (Vec<Value>, Vec<Value>), std::process::Child) {
    let tenant = scim_doctor::source::snapshot::load(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/bundle/tenant-small"),
    )
    .expect("fixture tenant");
    let mut config = ServerConfig {
        writable: Some(Quirks::default()),
        ..ServerConfig::with_token(TOKEN)
    };
    config.faults.latency = Duration::from_millis(150);
    let srv = TestServer::start(tenant, config).expect("server");
    let before = srv.written().expect("writable");
    let bin = assert_cmd::cargo::cargo_bin("scim-doctor");
    let child = std::process::Command::new(bin)
        .args([
            "replay",
            "--idp",
            "entra",
            "--allow-writes",
            "--format",
            "json",
            "--base-url",
            srv.base_url(),
        ])
        .env("SCIM_TOKEN", TOKEN)
        .stdout(stdout)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let started = Instant::now();
    while !srv
        .requests()
        .iter()
        .any(|r| r.method == "POST" && r.status == 201)
    {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no canary was created"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    (srv, before, child)
}

/// Proves a run killed mid-way (SIGKILL, no chance to clean up) leaves canaries that
/// `replay --cleanup` lists with GETs only (exit 1), then removes with --allow-writes,
/// leaving the tenant exactly as it was.
#[test]
fn killed_run_is_cleaned_up_by_replay_cleanup() {
    let (srv, before, mut child) = replay_until_first_canary(std::process::Stdio::null());
    child.kill().expect("kill");
    let _ = child.wait();
    let (users, _) = srv.written().expect("writable");
    assert!(
        users.len() > before.0.len(),
        "the killed run left no canary to clean up"
    );

    let writes_before_listing = srv.non_get_count();
    let list = doctor(&srv, &["replay", "--cleanup", "--format", "json"])
        .output()
        .expect("run");
    assert_eq!(
        list.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&list.stderr)
    );
    let report: Value = serde_json::from_slice(&list.stdout).expect("json");
    assert_fails(&report, "replay-cleanup", "scim-doctor-canary-");
    assert!(
        srv.written().expect("writable").0.len() > before.0.len(),
        "listing deleted something"
    );

    assert_eq!(
        srv.non_get_count(),
        writes_before_listing,
        "--cleanup without --allow-writes wrote"
    );
    let non_get_before = srv.non_get_count();
    let clean = doctor(
        &srv,
        &["replay", "--cleanup", "--allow-writes", "--format", "json"],
    )
    .output()
    .expect("run");
    assert_eq!(
        clean.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&clean.stdout)
    );
    assert!(srv.non_get_count() > non_get_before);
    assert_eq!(
        srv.written().expect("writable"),
        before,
        "cleanup left the tenant changed"
    );
}

/// Proves `--transcript` refuses (exit 2) to write through a symbolic link planted at its
/// path, and leaves the link's target untouched.
#[cfg(unix)]
#[test]
fn transcript_is_never_written_through_a_planted_link() {
    let srv = server(Quirks::default());
    let dir = tempfile::tempdir().expect("tmp");
    let victim = dir.path().join("victim.txt");
    std::fs::write(&victim, b"precious").unwrap();
    let path = dir.path().join("writes.jsonl");
    std::os::unix::fs::symlink(&victim, &path).unwrap();
    let path_s = path.display().to_string();
    let out = doctor(
        &srv,
        &[
            "replay",
            "--idp",
            "okta",
            "--allow-writes",
            "--transcript",
            &path_s,
        ],
    )
    .output()
    .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("cannot write the transcript"), "{stderr}");
    assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
}

/// Proves the --transcript file holds every write with its body and no secret.
#[test]
fn transcript_file_holds_every_write_without_the_token() {
    let srv = server(Quirks::default());
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("writes.jsonl");
    let path_s = path.display().to_string();
    let out = doctor(
        &srv,
        &[
            "replay",
            "--idp",
            "okta",
            "--allow-writes",
            "--format",
            "json",
            "--transcript",
            &path_s,
        ],
    )
    .output()
    .expect("run");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&path).expect("transcript");
    assert!(!text.contains(TOKEN));
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    let writes = lines.iter().filter(|l| l["method"] != "GET").count();
    let server_writes = srv.non_get_count() as usize;
    assert_eq!(
        writes, server_writes,
        "every write the server saw is in the transcript"
    );
    assert!(lines
        .iter()
        .any(|l| l["method"] == "PUT" && l["request_body"]["active"] == false));
}

/// Sends `signal` to a run that has just created its first canary, and proves the run stops,
/// removes every canary before it reports (the tenant ends identical), says so in the report
/// and on stderr, and exits with the shell's code for the signal.
fn interrupted_run_cleans_up(signal: &str, name: &str, code: i32) {
    let (srv, before, mut child) = replay_until_first_canary(std::process::Stdio::piped());
    let mut stderr = child.stderr.take().expect("stderr");
    let sent = std::process::Command::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(sent.success());
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut stderr, &mut s);
        s
    });
    let out = child.wait_with_output().expect("wait");
    let stderr = reader.join().expect("stderr reader");
    let report: Value = serde_json::from_slice(&out.stdout).expect("a report after the signal");
    assert!(
        report["warnings"]
            .to_string()
            .contains(&format!("interrupted by {name}")),
        "{report}"
    );
    assert_eq!(
        status(&report, "replay-cleanup"),
        "pass",
        "{}",
        check(&report, "replay-cleanup")
    );
    assert_eq!(srv.written().expect("writable"), before);
    assert_eq!(out.status.code(), Some(code), "{stderr}");
    assert!(
        stderr.contains(&format!("replay interrupted by {name}"))
            && stderr.contains("every canary it had created was removed"),
        "{stderr}"
    );
}

#[test]
fn interrupted_run_cleans_up_on_sigint_and_exits_130() {
    interrupted_run_cleans_up("INT", "SIGINT", 130);
}

/// `timeout`, `docker stop` and CI cancellation send SIGTERM.
#[test]
fn interrupted_run_cleans_up_on_sigterm_and_exits_143() {
    interrupted_run_cleans_up("TERM", "SIGTERM", 143);
}

/// A closed terminal or SSH session sends SIGHUP.
#[test]
fn interrupted_run_cleans_up_on_sighup_and_exits_129() {
    interrupted_run_cleans_up("HUP", "SIGHUP", 129);
}

/// Proves `replay --cleanup --allow-writes` deletes exactly the names the tool generates
/// (prefix, a run tag, a role suffix), leaves a look-alike that merely starts with the prefix,
/// and lists every resource it deleted on stdout and stderr.
#[test]
fn cleanup_removes_only_the_generated_pattern_and_lists_what_it_deleted() {
    let srv = server(Quirks::default());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let create = |body: Value| {
        rt.block_on(async {
            reqwest::Client::new()
                .post(format!("{}/Users", srv.base_url()))
                .bearer_auth(TOKEN)
                .header("content-type", "application/scim+json")
                .body(body.to_string())
                .send()
                .await
                .expect("create")
                .status()
                .as_u16()
        })
    };
    let canary = "scim-doctor-canary-0a1b2c3d4e-a@example.com";
    let lookalike = "scim-doctor-canary-bob@example.com";
    for name in [canary, lookalike] {
        assert_eq!(
            create(serde_json::json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": name,
                "active": true
            })),
            201
        );
    }
    let out = doctor(
        &srv,
        &["replay", "--cleanup", "--allow-writes", "--format", "json"],
    )
    .output()
    .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let report: Value = serde_json::from_slice(&out.stdout).expect("json");
    let c = check(&report, "replay-cleanup");
    let listed: Vec<&str> = c["subjects"]
        .as_array()
        .expect("subjects")
        .iter()
        .filter_map(|s| s["userName"].as_str())
        .collect();
    assert_eq!(listed, vec![canary], "{c}");
    assert!(
        c["message"].as_str().unwrap_or("").contains("1 canaries"),
        "{c}"
    );
    assert!(stderr.contains(&format!("({canary})")), "{stderr}");
    let (users, _) = srv.written().expect("writable");
    let names: Vec<&str> = users
        .iter()
        .filter_map(|u| u["userName"].as_str())
        .collect();
    assert!(names.contains(&lookalike), "the look-alike was deleted");
    assert!(!names.contains(&canary), "the canary is still there");
}

/// Proves a wrong token stops the probe before any write: exit 2, only the one GET sent.
#[test]
fn unreadable_endpoint_gets_no_write_and_exit_2() {
    let srv = server(Quirks::default());
    let out = doctor(&srv, &["replay", "--idp", "okta", "--allow-writes"])
        .env("SCIM_TOKEN", "wrong-token")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing was written"));
    assert_eq!(srv.non_get_count(), 0);
}

/// Proves a server that never shows a group's members gets a warning that the membership
/// steps could not be verified, never a false "the group was wiped".
#[test]
fn members_a_server_never_shows_are_unverifiable_not_wiped() {
    let (r, _) = replay(quirk("omit-members"), "okta");
    for id in ["replay-member-add", "replay-member-remove"] {
        let c = check(&r, id);
        assert_eq!(c["status"], "warn", "{c}");
        assert!(
            c["message"]
                .as_str()
                .unwrap_or("")
                .contains("could not be verified"),
            "{c}"
        );
        assert!(!c.to_string().contains("wiped"), "{c}");
    }
}

/// Proves `--bundle` writes a verifiable bundle whose report holds the write transcript
/// (request bodies) and whose requests.jsonl holds the writes, without the token.
#[test]
fn bundle_holds_the_write_transcript_without_the_token() {
    let srv = server(Quirks::default());
    let dir = tempfile::tempdir().expect("tmp");
    let zip = dir.path().join("replay.zip");
    let zip_s = zip.display().to_string();
    let out = doctor(
        &srv,
        &[
            "replay",
            "--idp",
            "okta",
            "--allow-writes",
            "--format",
            "json",
            "--bundle",
            &zip_s,
        ],
    )
    .output()
    .expect("run");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let file = std::fs::File::open(&zip).expect("bundle written");
    let mut archive = zip::ZipArchive::new(file).expect("zip");
    let mut all = String::new();
    for i in 0..archive.len() {
        let mut f = archive.by_index(i).expect("entry");
        let mut text = String::new();
        let _ = std::io::Read::read_to_string(&mut f, &mut text);
        all.push_str(&text);
    }
    assert!(!all.contains(TOKEN), "the token is in the bundle");
    assert!(
        all.contains("\"request_body\""),
        "no request bodies in the bundle"
    );
    assert!(all.contains("\"method\":\"PUT\""), "no write in the bundle");
}

/// Proves `replay -h` lists --idp under Replay with only the IdPs replay knows, and that a
/// run's cleanup proof sends exactly what --dry-run describes: the counts, then an `eq`
/// lookup per canary name (no `userName sw`, which the run never sends).
#[test]
fn replay_help_and_dry_run_describe_what_the_run_does() {
    let help = Command::cargo_bin("scim-doctor")
        .unwrap()
        .args(["replay", "-h"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&help.stdout).to_string();
    let replay_section = &help[help.find("\nReplay:").expect("a Replay heading")..];
    let replay_section = &replay_section[..replay_section[1..]
        .find("\n\n")
        .unwrap_or(replay_section.len() - 1)
        + 1];
    assert!(replay_section.contains("--idp"), "{help}");
    assert!(
        replay_section.contains("[possible values: entra, okta, rfc]"),
        "{help}"
    );
    assert!(!help.contains("onelogin"), "{help}");

    let srv = server(Quirks::default());
    let dry = doctor(
        &srv,
        &["replay", "--idp", "entra", "--dry-run", "--format", "human"],
    )
    .output()
    .expect("run");
    let dry = String::from_utf8_lossy(&dry.stdout).to_string();
    assert!(!dry.contains(" sw "), "{dry}");
    for needle in [
        "GET /Users?startIndex=1&count=1",
        "GET /Groups?excludedAttributes=members&startIndex=1&count=1",
        "GET /Users?filter=userName eq \"<name>\"",
        "GET /Groups?excludedAttributes=members&filter=displayName eq \"<name>\"",
    ] {
        assert!(dry.contains(needle), "dry run lacks {needle:?}:\n{dry}");
    }
    let dir = tempfile::tempdir().unwrap();
    let transcript = dir.path().join("writes.jsonl");
    let out = doctor(
        &srv,
        &[
            "replay",
            "--idp",
            "entra",
            "--allow-writes",
            "--format",
            "json",
            "--transcript",
            transcript.to_str().unwrap(),
        ],
    )
    .output()
    .expect("run");
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sent = std::fs::read_to_string(&transcript).unwrap();
    let last_delete = sent.rfind("\"DELETE\"").expect("the cleanup deletes");
    let proof = &sent[last_delete..];
    for needle in [
        "filter=userName%20eq%20%22scim-doctor-canary-",
        "filter=displayName%20eq%20%22scim-doctor-canary-",
        "/Users?startIndex=1&count=1",
        "/Groups?excludedAttributes=members&startIndex=1&count=1",
    ] {
        assert!(proof.contains(needle), "the proof did not send {needle}");
    }
    assert!(!sent.contains("%20sw%20"), "the run sent a sw filter");
}
