//! Load failures of the side inputs (`--idp-users`, `--scope-filter`, `--provisioning-logs`,
//! `--ldap-groups`): exit 2 with one line naming the file, where it went wrong and what the
//! file really is; Windows encodings (UTF-8 and UTF-16 with a byte-order mark) load.
//! Fixtures: fixtures/inputs/README.md.

#[path = "shared/cli.rs"]
mod cli;
use cli::{assert_not_refused, bin};

fn fx(name: &str) -> String {
    format!("{}/fixtures/inputs/{name}", env!("CARGO_MANIFEST_DIR"))
}

const SNAP: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/contract/doc-example");
const GOOD_FILTER: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/fixtures/scope/scope-object.json"
);
const GOOD_USERS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/idp/entra-users.csv");

/// Runs the command, expects exit 2, returns stderr (one line mentioning the file).
fn refused(args: &[&str], file: &str) -> String {
    let out = bin().args(args).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert!(err.contains(file), "the message names the file: {err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(out.stdout.is_empty(), "no report on a refused input");
    err
}

fn logs(file: &str) -> String {
    refused(
        &[
            "check",
            "--snapshot",
            SNAP,
            "--provisioning-logs",
            &fx(file),
        ],
        file,
    )
}

/// `scope simulate` with `file` as the IdP users (and a good filter), refused.
fn idp_users(file: &str) -> String {
    refused(
        &[
            "scope",
            "simulate",
            "--filter",
            GOOD_FILTER,
            "--idp-users",
            &fx(file),
        ],
        file,
    )
}

/// `scope simulate` with `file` as the scope filter (and good IdP users), refused.
fn scope_filter(file: &str) -> String {
    refused(
        &[
            "scope",
            "simulate",
            "--filter",
            &fx(file),
            "--idp-users",
            GOOD_USERS,
        ],
        file,
    )
}

/// Proves an empty logs file is named as empty instead of a header complaint.
#[test]
fn an_empty_logs_file_is_called_empty() {
    assert!(logs("logs-empty.csv").contains("the file is empty"));
}

/// Proves a binary logs file (an .xlsx renamed .csv) is refused with its offset, no raw bytes echoed.
#[test]
fn a_binary_logs_file_is_refused_with_its_offset_and_no_raw_bytes() {
    let err = logs("logs-binary.csv");
    assert!(
        err.contains("binary file") && err.contains("offset 2"),
        "{err}"
    );
    assert!(
        !err.contains("Content_Types") && !err.contains('\u{fffd}'),
        "{err}"
    );
}

/// Proves a truncated Graph logs download says truncated, with line and column.
#[test]
fn a_truncated_logs_json_says_truncated_with_line_and_column() {
    let err = logs("logs-truncated.json");
    assert!(
        err.contains("truncated JSON") && err.contains("line 15, column"),
        "{err}"
    );
}

/// Proves a SCIM 401 body saved as the IdP users is named with its status and detail.
#[test]
fn a_scim_error_body_as_idp_users_is_named_with_status_and_detail() {
    let f = "idp-users-scim-401.json";
    let err = idp_users(f);
    assert!(
        err.contains("status 401") && err.contains("Authorization failure"),
        "{err}"
    );
}

/// Proves a Microsoft Graph error body saved as the IdP users is named with its code.
#[test]
fn a_graph_error_body_as_idp_users_is_named_with_its_code() {
    let f = "idp-users-graph-401.json";
    let err = idp_users(f);
    assert!(
        err.contains("InvalidAuthenticationToken") && err.contains("Access token is empty"),
        "{err}"
    );
}

/// Proves a Graph JSON export with no UPN, mail or id in any record is refused (exit 2).
#[test]
fn idp_users_json_without_any_identifier_is_refused() {
    let f = "idp-users-no-identifier.json";
    let err = refused(&["check", "--snapshot", SNAP, "--idp-users", &fx(f)], f);
    assert!(err.contains("no record has a usable identifier"), "{err}");
    assert!(
        err.contains("displayName"),
        "the keys found are listed: {err}"
    );
}

/// Proves a UTF-16LE Entra users CSV (Excel "Unicode text") loads with its accents intact.
#[test]
fn a_utf16_idp_users_csv_loads() {
    let out = bin()
        .args([
            "scope",
            "simulate",
            "--filter",
            GOOD_FILTER,
            "--idp-users",
            &fx("idp-users-utf16le.csv"),
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.code() != Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("zoe.muller@example.com"), "{text}");
}

/// Proves an HTML login page given as the scope filter is named with its title.
#[test]
fn an_html_scope_filter_is_named_with_its_title() {
    let f = "scope-filter-login.html";
    let err = scope_filter(f);
    assert!(
        err.contains("HTML page titled \"Sign in to your account\""),
        "{err}"
    );
}

/// Proves a scope filter of the wrong JSON shape says what was expected and what was found.
#[test]
fn a_wrong_shape_scope_filter_says_expected_and_found() {
    let f = "scope-filter-wrong-shape.json";
    let err = scope_filter(f);
    assert!(
        err.contains("expected a JSON object") && err.contains("found an array of 1 items"),
        "{err}"
    );
}

/// Proves a scope filter saved as UTF-8 with a byte-order mark and CRLF loads.
#[test]
fn a_utf8_bom_scope_filter_loads() {
    let out = bin()
        .args([
            "scope",
            "simulate",
            "--filter",
            &fx("scope-filter-utf8-bom.json"),
            "--idp-users",
            GOOD_USERS,
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_not_refused(&out);
}

/// Proves a UTF-16LE group list (PowerShell Out-File) loads and feeds the collision check.
#[test]
fn a_utf16_ldap_group_list_loads() {
    let out = bin()
        .args([
            "check",
            "--snapshot",
            SNAP,
            "--playbook",
            "group-sync",
            "--ldap-groups",
            &fx("ldap-groups-utf16le.txt"),
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_not_refused(&out);
}

/// Proves a group list with no names (comments only) is refused instead of passing the check.
#[test]
fn an_ldap_group_list_without_names_is_refused() {
    let f = "ldap-groups-comments-only.txt";
    let err = refused(&["check", "--snapshot", SNAP, "--ldap-groups", &fx(f)], f);
    assert!(err.contains("no group names"), "{err}");
}

/// Proves a SCIM error body given as LDAP groups is named, not read as group names.
#[test]
fn a_scim_error_as_ldap_groups_is_named() {
    let f = "idp-users-scim-401.json";
    let err = refused(&["check", "--snapshot", SNAP, "--ldap-groups", &fx(f)], f);
    assert!(err.contains("SCIM error response"), "{err}");
}

/// Proves a provisioning-log export given to --idp-users is refused by its shape, saying what
/// it is and where it goes (read as users it gave thousands of false "stale" users).
#[test]
fn a_provisioning_log_given_as_idp_users_is_refused() {
    let root = env!("CARGO_MANIFEST_DIR");
    for (file, kind) in [
        (
            "fixtures/logs/portal-csv/ProvisioningLogs.csv",
            "provisioning-log export",
        ),
        (
            "fixtures/logs/portal-csv/ProvisioningLogs_ProvisioningSteps.csv",
            "provisioning-log export",
        ),
        ("fixtures/logs/graph-v1.json", "provisioning-log records"),
        ("fixtures/logs/graph-beta.json", "provisioning-log records"),
    ] {
        let path = format!("{root}/{file}");
        let err = refused(&["check", "--snapshot", SNAP, "--idp-users", &path], file);
        assert!(err.contains(kind), "{file}: {err}");
        assert!(
            err.contains("give it to --provisioning-logs"),
            "{file}: {err}"
        );
    }
}

/// Proves a users export given to --provisioning-logs is refused with a pointer to --idp-users.
#[test]
fn a_users_export_given_as_provisioning_logs_points_at_idp_users() {
    let err = refused(
        &[
            "check",
            "--snapshot",
            SNAP,
            "--provisioning-logs",
            GOOD_USERS,
        ],
        "entra-users.csv",
    );
    assert!(
        err.contains("users export") && err.contains("--idp-users"),
        "{err}"
    );
}

/// Proves a semicolon CSV (Excel in European locales) and a tab-separated export load with
/// their columns split, quoted separators kept inside their field.
#[test]
fn semicolon_and_tab_separated_idp_users_load() {
    for file in ["idp-users-semicolon.csv", "idp-users-tab.txt"] {
        let out = bin()
            .args([
                "explain-user",
                "ann.lee@example.com",
                "--snapshot",
                SNAP,
                "--idp-users",
                &fx(file),
                "--format",
                "json",
            ])
            .output()
            .unwrap();
        assert_not_refused(&out);
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON trace");
        let attrs = v["import"]["attributes"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let get = |k: &str| {
            attrs
                .iter()
                .find(|kv| kv[0] == k)
                .and_then(|kv| kv[1].as_str())
                .map(str::to_string)
        };
        assert_eq!(
            get("department").as_deref(),
            Some("Engineering"),
            "{file}: {attrs:?}"
        );
        assert_eq!(
            get("extensionAttribute2").as_deref(),
            Some("5"),
            "{file}: {attrs:?}"
        );
        if file.ends_with(".csv") {
            assert_eq!(get("displayName").as_deref(), Some("Lee; Ann"), "{attrs:?}");
        } else {
            assert_eq!(
                get("jobTitle").as_deref(),
                Some("Developer, Backend"),
                "{attrs:?}"
            );
        }
    }
}
