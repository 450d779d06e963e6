use super::*;
use crate::model::{parse_user, Email, Group, Member, User};
use serde_json::json;
use std::collections::HashMap;

fn sample() -> Tenant {
    let mut t = Tenant::new("scim.example.test");
    let mut u = parse_user(
        json!({"id": "u1", "userName": "alice@example.test", "active": true,
            "name": {"givenName": "Alice", "familyName": "A", "formatted": "Alice A"},
            "emails": [{"value": "alice@example.test", "type": "work", "primary": true}],
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Sales"},
            "meta": {"resourceType": "User", "created": "2026-01-01T00:00:00Z"}}),
        "t",
    )
    .unwrap();
    u.external_id = Some("ext-1".into());
    t.users.push(u);
    t.users.push(User {
        id: "u2".into(),
        user_name: Some("bob@example.test".into()),
        emails: vec![Email {
            value: "bob@example.test".into(),
            kind: None,
            primary: false,
        }],
        active: Some(false),
        ..Default::default()
    });
    t.groups.push(Group {
        id: "g1".into(),
        display_name: Some("Sales".into()),
        members: vec![Member {
            value: "u1".into(),
            kind: Some("User".into()),
            display: None,
            reference: None,
        }],
        ..Default::default()
    });
    t.discovery.service_provider_config =
        Some(json!({"filter": {"supported": true, "maxResults": 200}}));
    t.completeness.users_complete = false;
    t.completeness
        .notes
        .push("stopped after 3 pages: raise --max-pages".into());
    t.parse_issues.push(ParseIssue::new(
        "user",
        "Users startIndex 1 item 4",
        "resource has no id",
    ));
    t
}

fn assert_same(a: &Tenant, b: &Tenant) {
    assert_eq!(a.label, b.label);
    assert_eq!(a.users, b.users);
    assert_eq!(a.groups, b.groups);
    assert_eq!(a.discovery, b.discovery);
    assert_eq!(a.completeness, b.completeness);
    assert_eq!(a.parse_issues, b.parse_issues);
}

#[test]
fn to_files_then_from_files_gives_the_same_tenant() {
    let t = sample();
    let files: HashMap<String, Vec<u8>> = to_files(&t, &[]).into_iter().collect();
    let back = from_files("bundle.zip", &|n| files.get(n).cloned()).unwrap();
    assert_same(&t, &back);
}

#[test]
fn directory_written_and_loaded_gives_the_same_tenant() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("snap");
    let t = sample();
    write_dir(
        &out,
        &t,
        &[],
        &SnapshotMeta::of(&t, 0, Some("https://x/scim/v2")),
    )
    .unwrap();
    assert!(out.join("discovery/ServiceProviderConfig.json").is_file());
    assert!(!out.join("discovery/Schemas.json").exists());
    let back = load(&out).unwrap();
    assert_same(&t, &back);
}

#[test]
fn a_non_empty_output_directory_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("keep.txt"), "x").unwrap();
    let t = sample();
    let err = write_dir(dir.path(), &t, &[], &SnapshotMeta::of(&t, 0, None)).unwrap_err();
    assert!(err.to_string().contains("is not empty"), "{err}");
    assert!(dir.path().join("keep.txt").is_file());
}

#[test]
fn a_truncated_users_file_marks_the_tenant_incomplete() {
    let t = sample();
    let mut files: HashMap<String, Vec<u8>> = to_files(&t, &[]).into_iter().collect();
    let users = String::from_utf8(files[USERS_FILE].clone()).unwrap();
    let first = users.lines().next().unwrap().to_string();
    files.insert(
        USERS_FILE.into(),
        format!("{first}\n{{\"id\": \"broken").into_bytes(),
    );
    let back = from_files("x", &|n| files.get(n).cloned()).unwrap();
    assert_eq!(back.users.len(), 1);
    assert!(!back.completeness.users_complete);
    assert!(back
        .completeness
        .notes
        .iter()
        .any(|n| n.contains("truncated")));
    assert!(back
        .parse_issues
        .iter()
        .any(|p| p.position == "users.ndjson line 2"));
}

#[test]
fn curl_list_response_files_load_through_from_files() {
    let users =
        json!({"totalResults": 1, "Resources": [{"id": "1", "userName": "a@x"}]}).to_string();
    let groups = json!([{"id": "g", "displayName": "G"}]).to_string();
    let back = from_files("dir", &|n| match n {
        "Users.json" => Some(users.clone().into_bytes()),
        "Groups.json" => Some(groups.clone().into_bytes()),
        _ => None,
    })
    .unwrap();
    assert_eq!((back.users.len(), back.groups.len()), (1, 1));
}

#[test]
fn a_newer_snapshot_version_is_refused_with_the_fix() {
    let t = sample();
    let mut meta = SnapshotMeta::of(&t, 0, None);
    meta.version = VERSION + 1;
    let files: HashMap<String, Vec<u8>> = to_files_with(&t, &[], &meta).into_iter().collect();
    let err = from_files("x", &|n| files.get(n).cloned()).unwrap_err();
    assert!(err.to_string().contains("upgrade scim-doctor"), "{err}");
}

/// Two `Resources` keys in one object (pages pasted together): both lists are read, none
/// is ignored.
#[test]
fn a_second_resources_key_is_read_not_ignored() {
    let doc =
        r#"{"Resources":[{"id":"1","userName":"a"}],"resources":[{"id":"2","userName":"b"}]}"#;
    let back = from_files("x", &|n| {
        (n == "Users.json").then(|| doc.as_bytes().to_vec())
    })
    .unwrap();
    assert_eq!(back.users.len(), 2);
    assert_eq!(back.read, 2);
}

/// The typed streaming path (issue 13): a pretty-printed ListResponse, the same resources as
/// NDJSON and as `Value`s (the live fetch) give identical users and groups; unowned
/// attributes are kept as compact text, an implied `schemas` is not stored, member type and
/// `$ref` survive.
#[test]
fn a_pretty_list_response_ndjson_and_values_give_the_same_model() {
    let ent = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
    let user = json!({"schemas": [crate::model::USER_SCHEMA, ent], "id": "u1",
        "userName": "a@x.test", "active": "True", "title": "Eng",
        "name": {"givenName": "A", "familyName": "X", "formatted": "A X"},
        "emails": [{"value": "a@x.test", "type": "work", "primary": true}],
        ent: {"department": "Sales", "manager": {"value": "u9"}},
        "meta": {"resourceType": "User", "created": "2026-01-01T00:00:00Z"}});
    let group = json!({"schemas": [crate::model::GROUP_SCHEMA], "id": "g1", "displayName": "G",
        "members": [{"value": "u1", "type": "User", "$ref": "https://x/scim/v2/Users/u1"},
                    {"value": "g2", "$ref": "https://x/scim/v2/Groups/g2"}]});
    let doc = json!({"totalResults": 2, "Resources": [user.clone(), group.clone()]});
    let pretty = serde_json::to_string_pretty(&doc).unwrap().into_bytes();
    let from_doc = from_files("t", &|n| (n == "search.json").then(|| pretty.clone())).unwrap();
    let nd = format!("{user}\n").into_bytes();
    let nd_groups = format!("{group}\n").into_bytes();
    let meta = json!({"format": FORMAT, "version": 1, "label": "t", "fetched_at": "x",
        "completeness": {"users_complete": true, "groups_complete": true},
        "counts": {"users": 1, "groups": 1}})
    .to_string()
    .into_bytes();
    let from_nd = from_files("t", &|n| match n {
        META_FILE => Some(meta.clone()),
        USERS_FILE => Some(nd.clone()),
        GROUPS_FILE => Some(nd_groups.clone()),
        _ => None,
    })
    .unwrap();
    let mut from_values = Tenant::new("t");
    let mut intake = Intake::new(&mut from_values);
    intake.add(user, None, "v0");
    intake.add(group, None, "v1");
    drop(intake);
    for t in [&from_doc, &from_nd, &from_values] {
        assert_eq!(t.users, from_doc.users);
        assert_eq!(t.groups, from_doc.groups);
    }
    let u = &from_doc.users[0];
    assert_eq!((u.active, u.given_name.as_deref()), (Some(true), Some("A")));
    assert_eq!(u.active_as_sent(), Some(json!("True")));
    let text = u.extra.as_ref().unwrap().as_json_text();
    assert!(!text.contains("\": ") && !text.contains('\n'), "{text}");
    assert!(
        !text.contains("\"schemas\""),
        "implied schemas stored: {text}"
    );
    assert!(u.has_attribute(&format!("{ent}:department")));
    assert_eq!(
        u.to_scim()["schemas"],
        json!([crate::model::USER_SCHEMA, ent])
    );
    assert_eq!(u.to_scim()["name"]["formatted"], json!("A X"));
    let m = &from_doc.groups[0].members;
    assert_eq!(m[0].kind.as_deref(), Some("User"));
    assert_eq!(
        m[1].reference.as_deref(),
        Some("https://x/scim/v2/Groups/g2")
    );
}

/// A `schemas` list that says something other than what the resource implies (another
/// order, an extension without its attribute) is kept verbatim, not derived.
#[test]
fn a_schemas_list_that_is_not_implied_is_kept_as_sent() {
    let ent = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
    for schemas in [
        json!([ent, crate::model::USER_SCHEMA]),
        json!([crate::model::USER_SCHEMA, ent]),
    ] {
        let doc = json!([{"schemas": schemas.clone(), "id": "1", "userName": "a"}]).to_string();
        let t = from_files("t", &|n| {
            (n == "Users.json").then(|| doc.clone().into_bytes())
        })
        .unwrap();
        assert_eq!(t.users[0].to_scim()["schemas"], schemas);
    }
}

/// Proves the bundle format's list of snapshot files (`archive::names::SNAPSHOT_FILES`,
/// which a zip reader checks before any snapshot code runs) is exactly what these readers
/// open and what `to_files` writes.
#[test]
fn the_archive_knows_every_snapshot_file_name() {
    use crate::archive::names::{is_snapshot_file, SNAPSHOT_FILES};
    let mut opened = vec![
        META_FILE,
        USERS_FILE,
        GROUPS_FILE,
        REQUESTS_FILE,
        SPC_FILE,
        SCHEMAS_FILE,
        RESOURCE_TYPES_FILE,
    ];
    for (names, _) in CURL_FILES {
        opened.extend_from_slice(names);
    }
    let mut listed = SNAPSHOT_FILES.to_vec();
    opened.sort();
    listed.sort();
    assert_eq!(opened, listed);
    for (name, _) in to_files(&sample(), &[]) {
        assert!(is_snapshot_file(&name), "{name}");
        assert!(is_snapshot_file(&format!("{name}.gz")), "{name}.gz");
    }
}
