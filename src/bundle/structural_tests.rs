//! Tests of which values `--redact-pii` replaces (`structural.rs`).

use super::*;
use serde_json::json;

fn tenant(users: Value) -> Tenant {
    let mut t = Tenant::new("t");
    for u in users.as_array().unwrap() {
        t.users.push(parse_user(u.clone(), "t").unwrap());
    }
    t
}

/// Every string outside the allow-list changes; ids, schemas, meta and types do not.
#[test]
fn everything_but_the_allow_list_is_replaced() {
    let t = tenant(json!([{
        "id": "2819c223", "userName": "bjensen@example.com", "active": true,
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User",
                    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
        "name": {"formatted": "Ms. Barbara J Jensen III", "familyName": "Jensen",
                 "givenName": "Barbara", "middleName": "Jane"},
        "nickName": "Babs", "title": "Tour Guide", "userType": "Employee",
        "addresses": [{"type": "work", "streetAddress": "100 Universal City Plaza",
                       "locality": "Hollywood", "postalCode": "91608", "primary": true}],
        "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true}],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
            "employeeNumber": "701984", "department": "Tour Operations",
            "manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d",
                        "displayName": "John Smith"}},
        "meta": {"resourceType": "User", "created": "2010-01-23T04:56:22Z"}
    }]));
    let mut map = PiiMap::new(false);
    keep_ids(&mut map, &t);
    let r = redact_tenant(&mut map, &t);
    let text = serde_json::to_string(&r.users[0].to_scim()).unwrap();
    for gone in [
        "bjensen",
        "Barbara",
        "Jensen",
        "Jane",
        "Babs",
        "Tour Guide",
        "Universal",
        "Hollywood",
        "91608",
        "701984",
        "Tour Operations",
        "John Smith",
    ] {
        assert!(!text.contains(gone), "{gone} left in {text}");
    }
    for kept in [
        "2819c223",
        "26118915-6090-4610-87e4-49d8ca9f808d",
        "Employee",
        "work",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
        "2010-01-23T04:56:22Z",
    ] {
        assert!(text.contains(kept), "{kept} missing from {text}");
    }
    assert_eq!(r.users[0].id, "2819c223");
}

/// The allow-list holds at core paths only: a custom extension's `type`, `locale` and
/// `meta`, and its numbers, are replaced; an email-like id is replaced with the same
/// pseudonym as the userName it copies, in `$ref` URLs too.
#[test]
fn the_allow_list_holds_by_path_not_by_key_name() {
    let t = tenant(json!([{
        "id": "kim.ode@corp.example", "userName": "Kim.Ode@corp.example", "active": true,
        "locale": "en-GB",
        "emails": [{"value": "kim.ode@corp.example", "type": "work"}],
        "urn:example:params:scim:schemas:extension:badge:2.0:User": {
            "type": "Night Shift Keyholder", "locale": "Porthcurnow",
            "meta": {"created": "Saltmarsh"}, "badgeNumber": 4471, "salary": 55000.5},
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
            "manager": {"value": "ann@corp.example",
                        "$ref": "https://h.example/scim/v2/Users/ann%40corp.example"}},
        "meta": {"resourceType": "User",
                 "location": "https://h.example/scim/v2/Users/kim.ode@corp.example"}
    }, {"id": "2819c223", "userName": "ann@corp.example",
        "groups": [{"value": "g-77", "$ref": "https://h.example/scim/v2/Groups/g-77", "type": "direct"}]}]));
    let mut map = PiiMap::new(false);
    keep_ids(&mut map, &t);
    let r = redact_tenant(&mut map, &t);
    // Values are recorded under the extension's attribute path, without its URN.
    assert!(map
        .entries()
        .iter()
        .any(|e| e.field == "meta.created" && e.original == "Saltmarsh"));
    assert!(map.entries().iter().any(|e| e.field == "badgeNumber"));
    let text = serde_json::to_string(&r.users[0].to_scim()).unwrap();
    for gone in [
        "kim.ode",
        "Night Shift",
        "Porthcurnow",
        "Saltmarsh",
        "4471",
        "55000.5",
        "ann@corp",
        "ann%40corp",
    ] {
        assert!(
            !text.to_lowercase().contains(&gone.to_lowercase()),
            "{gone} left in {text}"
        );
    }
    for kept in [
        "en-GB",
        "\"work\"",
        "\"User\"",
        "https://h.example/scim/v2/Users/",
    ] {
        assert!(text.contains(kept), "{kept} missing from {text}");
    }
    // The id and the userName it copies get one pseudonym (case apart); numbers stay numbers.
    let u = &r.users[0];
    assert_eq!(
        u.id.to_lowercase(),
        u.user_name.clone().unwrap().to_lowercase()
    );
    assert_ne!(u.id, "kim.ode@corp.example");
    let v = r.users[0].to_scim();
    let ext = &v["urn:example:params:scim:schemas:extension:badge:2.0:User"];
    assert!(
        ext["badgeNumber"].is_u64() && ext["salary"].is_f64(),
        "{ext}"
    );
    // The manager id in the $ref is the manager value's pseudonym, percent-encoded.
    let ent = &v["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]["manager"];
    let mv = ent["value"].as_str().unwrap();
    assert_eq!(mv, r.users[1].user_name.as_deref().unwrap());
    assert!(
        ent["$ref"]
            .as_str()
            .unwrap()
            .ends_with(&mv.replace('@', "%40")),
        "{ent}"
    );
    // A plain id stays, and so do its group ids and $ref.
    let other = serde_json::to_string(&r.users[1].to_scim()).unwrap();
    assert_eq!(r.users[1].id, "2819c223");
    assert!(
        other.contains("https://h.example/scim/v2/Groups/g-77"),
        "{other}"
    );
}

/// An id equal to the user's own userName names the person: it is replaced too.
#[test]
fn an_id_copied_from_the_user_name_is_personal() {
    let t = tenant(json!([{"id": "bjensen", "userName": "bjensen"}]));
    assert!(personal_ids(&t).contains("bjensen"));
    let mut map = PiiMap::new(false);
    keep_ids(&mut map, &t);
    let r = redact_tenant(&mut map, &t);
    assert_ne!(r.users[0].id, "bjensen");
    assert_eq!(Some(r.users[0].id.clone()), r.users[0].user_name);
}

/// `--keep-clear ATTR` keeps the attribute's values (by SCIM path, Entra name or a
/// parent path), and only those.
#[test]
fn keep_clear_keeps_only_the_named_attribute() {
    let t = tenant(json!([{
        "id": "1", "userName": "ann@x.example", "title": "Keeper",
        "name": {"givenName": "Ann", "familyName": "Lee"},
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Tide Tables"}
    }]));
    let mut map = PiiMap::new(false);
    keep_attributes(
        &mut map,
        &[
            "department".into(),
            "name".into(),
            "userPrincipalName".into(),
        ],
        None,
        Some(&t),
    );
    for v in ["Tide Tables", "Ann", "Lee", "ann@x.example"] {
        assert!(map.is_kept(v), "{v}");
    }
    assert!(!map.is_kept("Keeper"));
    assert!(map
        .kept
        .iter()
        .any(|k| k.reason == "--keep-clear department"));
}

/// The lookup by length says what a comparison with every entry of the three lists says:
/// for each entry in any letter case, for its prefixes and extensions, and for paths they
/// do not hold.
#[test]
fn path_kinds_match_the_lists() {
    let mut paths: Vec<String> = vec![
        String::new(),
        "id".into(),
        "userName".into(),
        "displayName".into(),
        "name.givenName".into(),
        "enterprise:department".into(),
        "ext:urn:x:User:badge.type".into(),
        "emails.value".into(),
        "emails.types".into(),
        "x509Certificates.primary.more".into(),
    ];
    for p in STRUCTURAL_PATHS
        .iter()
        .chain(REF_PATHS)
        .chain(HELD_ID_PATHS)
    {
        paths.push(p.to_string());
        paths.push(p.to_ascii_uppercase());
        paths.push(p[..p.len() - 1].to_string());
        paths.push(format!("{p}x"));
        paths.push(format!("x{}", &p[1..]));
    }
    for p in &paths {
        let expected = if is_in(STRUCTURAL_PATHS, p) {
            PathKind::Structural
        } else if is_in(REF_PATHS, p) {
            PathKind::Ref
        } else if is_in(HELD_ID_PATHS, p) {
            PathKind::HeldId
        } else {
            PathKind::Personal
        };
        assert_eq!(path_kind(p), expected, "{p}");
    }
    assert_eq!(path_kind("Members.$REF"), PathKind::Ref);
    assert_eq!(path_kind("enterprise:manager.value"), PathKind::HeldId);
    assert!(is_structural("EMAILS.Type") && !is_structural("emails.value"));
}

/// `own_id_kept` (the writer's shortcut) says "kept" only for ids `keep_ids` kept, and says
/// it for every id that is not personal; a walk that skips such an id gives the same JSON
/// and the same recorded values as the full walk.
#[test]
fn the_writers_id_shortcut_agrees_with_the_kept_ids() {
    let t = tenant(json!([
        {"id": "2819c223-7f76-453a-919d-413861904646", "userName": "ann@x.example"},
        {"id": "bjensen", "userName": "bjensen"},
        {"id": "carl@x.example", "userName": "carl"},
        {"id": "E1001", "userName": "erin", "externalId": "E1001"},
        {"id": "7", "userName": "fred", "displayName": "Fred"}
    ]));
    let mut map = PiiMap::new(false);
    keep_ids(&mut map, &t);
    assert!(!own_id_kept(&map.policy, "  ") && !own_id_kept(&map.policy, ""));
    for u in &t.users {
        let shortcut = own_id_kept(&map.policy, &u.id);
        if shortcut {
            assert!(map.is_kept(&u.id), "{}", u.id);
        }
        let expected = !["bjensen", "carl@x.example", "E1001"].contains(&u.id.as_str());
        assert_eq!(shortcut, expected, "{}", u.id);
        let (mut full, mut quick) = (u.to_scim(), u.to_scim());
        let (mut a, mut b) = (Vec::new(), Vec::new());
        walk(
            &map.policy,
            &mut |f, o, p| a.push((f.to_string(), o.to_string(), p.to_string())),
            &mut full,
            "",
        );
        walk_resource(
            &map.policy,
            &mut Told(&mut |f, o, p| b.push((f.to_string(), o.to_string(), p.to_string()))),
            &mut quick,
            shortcut,
        );
        assert_eq!(full, quick, "{}", u.id);
        assert_eq!(a, b, "{}", u.id);
    }
}
