//! The expression evaluator's table of cases (one table per function, with null and
//! missing-attribute handling as Microsoft documents it) and shape detection of every input.

use super::eval::eval;
use super::expr::{self, Val};
use super::*;

/// The row every case reads: `mail` is missing, `department` is empty (both are null).
fn attr(name: &str) -> Val {
    match name {
        "userPrincipalName" => Val::Str("John.Doe@contoso.com".into()),
        "givenName" => Val::Str("John".into()),
        "surname" => Val::Str("Doe".into()),
        "IsSoftDeleted" => Val::Str("False".into()),
        "state" => Val::Str("QLD".into()),
        "department" => Val::Str(String::new()),
        "proxyAddresses" => Val::Many(vec!["smtp:a@x".into(), "SMTP:b@x".into()]),
        _ => Val::Null,
    }
}

fn run(e: &str) -> Result<Val, String> {
    let parsed = expr::parse(e).map_err(|err| format!("parse: {err}"))?;
    eval(&parsed, &attr)
}

fn s(v: &str) -> Result<Val, String> {
    Ok(Val::Str(v.into()))
}

fn table(cases: &[(&str, Result<Val, String>)]) {
    for (e, want) in cases {
        let got = run(e);
        match (want, &got) {
            (Err(w), Err(g)) => assert!(g.contains(w.as_str()), "{e}: error {g:?} lacks {w:?}"),
            _ => assert_eq!(&got, want, "{e}"),
        }
    }
}

/// Proves attribute references, constants and missing / empty attributes evaluate as documented.
#[test]
fn attributes_and_constants() {
    table(&[
        ("[givenName]", s("John")),
        ("[mail]", Ok(Val::Null)),
        ("[department]", Ok(Val::Null)),
        ("\"Company: \\\"Contoso\\\"\"", s("Company: \"Contoso\"")),
        ("1000", s("1000")),
        ("&HF", s("15")),
    ]);
}

/// Proves Append: suffix added; a null source stays null (nothing flows).
#[test]
fn append() {
    table(&[
        (
            "Append([userPrincipalName], \".test\")",
            s("John.Doe@contoso.com.test"),
        ),
        ("Append([mail], \".test\")", Ok(Val::Null)),
        (
            "Append([givenName])",
            Err("Append expects 2 arguments".into()),
        ),
    ]);
}

/// Proves Join: separator between values, empty and null sources left out, multi-values spread.
#[test]
fn join() {
    table(&[
        ("Join(\", \", \"\", [surname], [givenName])", s("Doe, John")),
        ("Join(\".\", [givenName], [mail], [surname])", s("John.Doe")),
        ("Join(\";\", [proxyAddresses])", s("smtp:a@x;SMTP:b@x")),
        ("Join(\".\", [mail], [department])", Ok(Val::Null)),
    ]);
}

/// Proves ToLower / ToUpper, with an optional culture, and null passing through.
#[test]
fn to_lower_and_upper() {
    table(&[
        ("ToLower([userPrincipalName])", s("john.doe@contoso.com")),
        (
            "ToLower([userPrincipalName], \"en-US\")",
            s("john.doe@contoso.com"),
        ),
        ("ToUpper([givenName])", s("JOHN")),
        ("ToLower([mail])", Ok(Val::Null)),
    ]);
}

/// Proves Not: True becomes False, anything else (False, null, junk) becomes True.
#[test]
fn not() {
    table(&[
        ("Not([IsSoftDeleted])", s("True")),
        ("Not(\"True\")", s("False")),
        ("Not(\"true\")", s("False")),
        ("Not([mail])", s("True")),
    ]);
}

/// Proves Switch: case-sensitive keys, default when nothing matches, "" key for a null source.
#[test]
fn switch() {
    table(&[
        ("Switch([IsSoftDeleted], , \"False\", \"True\", \"True\", \"False\")", s("True")),
        ("Switch([state], \"Australia/Sydney\", \"NSW\", \"Australia/Sydney\", \"QLD\", \"Australia/Brisbane\")", s("Australia/Brisbane")),
        ("Switch([state], \"none\", \"qld\", \"lower\")", s("none")),
        ("Switch([state], , \"qld\", \"lower\")", Ok(Val::Null)),
        ("Switch([mail], \"Default\", \"true\", \"1\", \"\", \"0\")", s("0")),
        ("Switch([state], \"d\", \"QLD\")", Err("key/value pairs".into())),
    ]);
}

/// Proves IIF with = and <> conditions, including a null attribute in the condition.
#[test]
fn iif() {
    table(&[
        ("IIF([state]=\"QLD\", \"north\", \"south\")", s("north")),
        ("IIF([state] <> \"QLD\", \"north\", \"south\")", s("south")),
        // Microsoft: with a null or empty attribute in the condition "the condition check
        // fails" (its own examples of unsupported IIFs): not known, never a guess.
        (
            "IIF([mail]=\"x\", [mail], [userPrincipalName])",
            Err("not known: IIF's condition reads [mail]".into()),
        ),
        (
            "IIF(IsPresent([mail]), [mail], [givenName])",
            Err("not known".into()),
        ),
        (
            "IIF(IsPresent([givenName]), [givenName], [mail])",
            s("John"),
        ),
    ]);
}

/// Proves Coalesce: first non-null source, the default when all are null, null without one.
#[test]
fn coalesce() {
    table(&[
        (
            "Coalesce([mail], [userPrincipalName])",
            s("John.Doe@contoso.com"),
        ),
        ("Coalesce([mail], [department], \"none\")", s("none")),
        ("Coalesce([mail], [department], \"\")", s("")),
        ("Coalesce([mail], [department])", Ok(Val::Null)),
    ]);
}

/// Proves Mid: 1-based start, length past the end clipped, null source null, bad start refused.
#[test]
fn mid() {
    table(&[
        ("Mid([userPrincipalName], 1, 8)", s("John.Doe")),
        ("Mid([givenName], 3, 10)", s("hn")),
        ("Mid([givenName], 9, 2)", s("")),
        ("Mid([mail], 1, 3)", Ok(Val::Null)),
        ("Mid([givenName], 0, 3)", Err("out of range".into())),
    ]);
}

/// Proves Left: 0 gives "", negative gives the input, null gives "", short strings whole.
#[test]
fn left() {
    table(&[
        ("Left(\"John Doe\", 3)", s("Joh")),
        ("Left([givenName], 0)", s("")),
        ("Left([givenName], -1)", s("John")),
        ("Left([mail], 3)", s("")),
        ("Left([givenName], 40)", s("John")),
    ]);
}

/// Proves Word: the documented examples, number < 1 and null giving "", too few words "".
#[test]
fn word() {
    table(&[
        ("Word(\"The quick brown fox\",3,\" \")", s("brown")),
        (
            "Word(\"This,string!has&many separators\",3,\",!&#\")",
            s("has"),
        ),
        ("Word([givenName], 0, \" \")", s("")),
        ("Word([mail], 1, \" \")", s("")),
        ("Word([givenName], 2, \" \")", s("")),
    ]);
}

/// Proves Replace in its documented forms (old/new, regex, regex group, template).
#[test]
fn replace() {
    table(&[
        (
            "Replace([userPrincipalName], \"@contoso.com\", , , \"\", , )",
            s("John.Doe"),
        ),
        (
            "Replace([givenName], , \"[aeiou]\", , \"_\", , )",
            s("J_hn"),
        ),
        (
            "Replace([userPrincipalName], , \"(?<dom>@.*)$\", \"dom\", \"@fabrikam.com\", , )",
            s("John.Doe@fabrikam.com"),
        ),
        (
            "Replace([givenName], \"{x}\", , , , , \"user-{x}\")",
            s("user-John"),
        ),
        ("Replace([mail], \"a\", , , \"b\", , )", Ok(Val::Null)),
        (
            "Replace([givenName], , \"(?<=J)o\", , \"0\", , )",
            Err(".NET regex".into()),
        ),
    ]);
}

/// Proves functions outside the evaluated set are reported by name, not guessed.
#[test]
fn unsupported_functions_are_not_evaluated() {
    table(&[
        (
            "NotAFunction([appRoleAssignments])",
            Err("NotAFunction() is not evaluated".into()),
        ),
        (
            "Join(\"\", DateAdd(\"d\", 7, Now()))",
            Err("not known: Now()".into()),
        ),
        (
            "SingleAppRoleAssignment([proxyAddresses])",
            Err("not known: SingleAppRoleAssignment with 2 role assignments".into()),
        ),
    ]);
}

/// Proves malformed expressions fail with a position instead of panicking.
#[test]
fn parse_errors_name_a_position() {
    for bad in [
        "Join(\"a\", [b]",
        "[unclosed",
        "\"open",
        "Foo bar",
        "",
        "IIF([a]=, 1, 2)",
    ] {
        let e = expr::parse(bad).unwrap_err();
        assert!(!e.is_empty(), "{bad}");
    }
    let deep = "Not(".repeat(200) + "[a]" + &")".repeat(200);
    assert!(expr::parse(&deep).unwrap_err().contains("nested"));
}

/// Proves the static shape: direct, re-cased and coalesced attributes are known, the rest computed.
#[test]
fn shapes() {
    use expr::Shape;
    let sh = |e: &str| expr::shape(&expr::parse(e).unwrap());
    assert_eq!(sh("[mail]"), Shape::Attributes(vec!["mail".into()]));
    assert_eq!(
        sh("ToLower([userPrincipalName])"),
        Shape::Attributes(vec!["userPrincipalName".into()])
    );
    assert_eq!(
        sh("Coalesce([mail],[userPrincipalName])"),
        Shape::Attributes(vec!["mail".into(), "userPrincipalName".into()])
    );
    assert_eq!(sh("\"x\""), Shape::Constant("x".into()));
    assert!(matches!(
        sh("Join(\"@\", [mailNickname], \"contoso.com\")"),
        Shape::Computed(_)
    ));
}

fn parse(name: &str, text: &str) -> Result<IdpConfig, String> {
    parse_files(&[(name.to_string(), text.as_bytes().to_vec())])
}

/// Proves each input kind is recognised by its shape whatever the file is called.
#[test]
fn inputs_are_detected_by_shape() {
    let cases = [
        (r#"{"id":"s","version":"1","synchronizationRules":[{"name":"USER","objectMappings":[{"sourceObjectName":"User","targetObjectName":"User","attributeMappings":[]}]}]}"#, Kind::EntraSchema),
        (r#"{"id":"scim.1","templateId":"scim","schedule":{"state":"Active"},"status":{"code":"Active","quarantine":null}}"#, Kind::EntraJob),
        (r#"{"@odata.context":"x","value":[{"id":"scim.1","status":{"code":"Paused"}}]}"#, Kind::EntraJob),
        (r#"[{"eventType":"application.provision.user.push","outcome":{"result":"FAILURE"}}]"#, Kind::OktaSystemLog),
        (r#"[{"id":"00u1","syncState":"ERROR","status":"PROVISIONED","scope":"USER"}]"#, Kind::OktaAppUsers),
        (r#"[{"id":"00g1","priority":0,"profile":{}}]"#, Kind::OktaAppGroups),
        (r#"[{"id":"gPm1","sourceGroupId":"00g1","targetGroupId":"00g2","status":"ERROR"}]"#, Kind::OktaGroupPush),
        ("published,eventType,displayMessage,outcome.result\n2026-01-01T00:00:00Z,application.provision.user.push,Push new user,FAILURE\n", Kind::OktaSystemLog),
    ];
    for (text, kind) in cases {
        let cfg = parse("input.txt", text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(cfg.files[0].kind, kind, "{text}");
    }
}

/// Proves unrecognised, truncated and HTML files are refused with file name and cause.
#[test]
fn bad_files_are_refused_with_file_and_cause() {
    let e = parse("x.json", r#"{"hello": 1}"#).unwrap_err();
    assert!(
        e.starts_with("x.json: not a recognised IdP configuration file"),
        "{e}"
    );
    let e = parse("cut.json", r#"{"synchronizationRules": [ {"#).unwrap_err();
    assert!(
        e.contains("cut.json") && e.contains("truncated JSON"),
        "{e}"
    );
    let e = parse("p.json", "<html><title>Sign in</title></html>").unwrap_err();
    assert!(e.contains("Sign in"), "{e}");
    assert!(parse_files(&[("b.bin".into(), vec![0, 1, 2, 3])])
        .unwrap_err()
        .contains("binary"));
}

/// Proves a schema with trailing commas is read and the note says where it is not strict JSON.
#[test]
fn trailing_commas_are_noted() {
    let cfg = parse(
        "schema.json",
        "{\"synchronizationRules\":[{\"objectMappings\":[{\"sourceObjectName\":\"User\",\"attributeMappings\":[],}]}],}",
    )
    .unwrap();
    assert!(cfg.schema.is_some());
    assert!(
        cfg.notes
            .iter()
            .any(|n| n.contains("not strict JSON") && n.contains("line 1")),
        "{:?}",
        cfg.notes
    );
}

/// Proves job timestamps "" and 0001-01-01 read as never, and a null quarantine as none.
#[test]
fn job_never_timestamps_and_null_quarantine() {
    let cfg = parse(
        "job.json",
        r#"{"id":"j","templateId":"scim","schedule":{"state":"Active"},"status":{"code":"NotRun","steadyStateLastAchievedTime":"0001-01-01T00:00:00Z","quarantine":null,"lastExecution":{"timeBegan":"","state":"Failed"}}}"#,
    )
    .unwrap();
    let j = &cfg.jobs[0];
    assert_eq!(j.steady_state_last, None);
    assert!(j.quarantine.is_none());
    assert_eq!(j.last_execution.as_ref().unwrap().time_began, None);
}

/// Proves the fuzz entry survives thousands of deterministic mutations of its seed corpus
/// (a cheap stand-in for the coverage-guided run, which needs cargo-fuzz and nightly).
#[test]
fn mutated_seeds_never_panic() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/idp_config");
    let mut seeds: Vec<Vec<u8>> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| std::fs::read(e.ok()?.path()).ok())
        .collect();
    seeds.sort();
    assert!(seeds.len() >= 5);
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let alphabet = b"[](),\"\\{}:0123456789-&H =<>@aZ\n";
    for i in 0..3000 {
        let mut d = seeds[i % seeds.len()].clone();
        for _ in 0..1 + next() % 4 {
            if d.is_empty() {
                break;
            }
            let at = (next() as usize) % d.len();
            match next() % 3 {
                0 => d[at] = alphabet[(next() as usize) % alphabet.len()],
                1 => {
                    d.remove(at);
                }
                _ => d.truncate(at),
            }
        }
        crate::fuzz_entry::idp_config(&d);
    }
}

/// Proves an empty Graph job list is recognised as a job list, not refused or ignored.
#[test]
fn an_empty_graph_job_list_is_a_job_file() {
    let cfg = parse(
        "jobs.json",
        r#"{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#servicePrincipals('x')/synchronization/jobs","value":[]}"#,
    )
    .unwrap();
    assert!(cfg.has(Kind::EntraJob) && cfg.jobs.is_empty());
}

/// Proves the target's identity comes from the schema: Entra's SCIM connector and SCIM
/// attribute names make a SCIM target, Salesforce's own names do not.
#[test]
fn target_identity_comes_from_the_schema() {
    let read = |dir: &str, f: &str| {
        let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(dir)
            .join(f);
        load(&[p]).unwrap().schema.expect("a schema")
    };
    let scim = read("fixtures/idp-config", "schema-scim-default.json");
    assert!(scim.target.scim, "{}", scim.target.evidence);
    let sf = read("fixtures/real/entra", "schema-salesforce-get.json");
    assert!(!sf.target.scim);
    assert_eq!(sf.target.name.as_deref(), Some("salesforce.com"));
    let named = read(
        "fixtures/real/entra",
        "schema-salesforce-custom-attribute.json",
    );
    assert!(!named.target.scim && named.target_attributes.len() == 1);
    let bare = read("fixtures/real/entra", "objectmapping-salesforce.json");
    assert!(!bare.target.scim && bare.target.name.is_none());
    assert_eq!(bare.matching()[0].target, "Username");
    // One `userName` in Microsoft's placeholder sample does not make Salesforce SCIM.
    let skeleton = read("fixtures/real/entra", "schema-get-skeleton.json");
    assert!(!skeleton.target.scim && skeleton.target.name.as_deref() == Some("Salesforce"));
}

/// Proves an Entra provisioning log reaching the IdP-config reader (a bundle read back) is set
/// aside with a note, not refused.
#[test]
fn an_entra_log_is_set_aside_with_a_note() {
    let log = br#"{"value":[{"provisioningAction":"create","provisioningStatusInfo":{"status":"failure"}}]}"#;
    let cfg = parse_files(&[("log.json".into(), log.to_vec())]).unwrap();
    assert!(cfg.files.is_empty());
    assert!(
        cfg.notes
            .iter()
            .any(|n| n.contains("is an Entra provisioning log")),
        "{:?}",
        cfg.notes
    );
}
