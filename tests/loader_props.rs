//! Property test of the loader's promise (issue 11): for any input the loader accepts,
//! every resource read is analysed or reported: read = users + groups + dropped + merged,
//! and read is the number of resources the input held. Inputs mix real shapes (users,
//! groups, search results, request bodies without id, repeated ids, error bodies, other
//! resource types, non-objects) in every layout (ListResponse, bare array, NDJSON snapshot).

use proptest::prelude::*;
use scim_doctor::source::snapshot;
use serde_json::{json, Value};
use std::collections::HashMap;

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const ERROR: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

/// One element of a resource array: mostly resource-like objects, sometimes not objects.
fn resource() -> impl Strategy<Value = Value> {
    let id = prop_oneof![
        Just(None),
        Just(Some(json!(""))),
        (0u8..6).prop_map(|n| Some(json!(n.to_string()))),
        (0u8..6).prop_map(|n| Some(json!(n))),
    ];
    let schemas = prop_oneof![
        Just(None),
        Just(Some(json!([USER]))),
        Just(Some(json!([GROUP]))),
        Just(Some(json!([ERROR]))),
        Just(Some(json!(["urn:example:Device"]))),
    ];
    let rtype = prop_oneof![
        Just(None),
        Just(Some("User")),
        Just(Some("Group")),
        Just(Some("Role"))
    ];
    let object = (
        id,
        schemas,
        rtype,
        any::<bool>(),
        any::<bool>(),
        prop_oneof![
            Just(json!(true)),
            Just(json!("False")),
            Just(json!(1)),
            Just(json!("yes"))
        ],
    )
        .prop_map(|(id, schemas, rtype, user_name, members, active)| {
            let mut m = serde_json::Map::new();
            if let Some(id) = id {
                m.insert("id".into(), id);
            }
            if let Some(s) = schemas {
                m.insert("schemas".into(), s);
            }
            if let Some(t) = rtype {
                m.insert("meta".into(), json!({ "resourceType": t }));
            }
            if user_name {
                m.insert("userName".into(), json!("a@example.com"));
            }
            if members {
                m.insert("members".into(), json!([{"value": "1", "type": "User"}]));
            }
            m.insert("active".into(), active);
            Value::Object(m)
        });
    prop_oneof![
        8 => object,
        1 => Just(json!(null)),
        1 => Just(json!(42)),
        1 => Just(json!("text")),
        1 => Just(json!([1, 2])),
    ]
}

#[derive(Debug, Clone)]
enum Layout {
    ListResponse,
    BareArray,
    Ndjson,
}

fn layout() -> impl Strategy<Value = Layout> {
    prop_oneof![
        Just(Layout::ListResponse),
        Just(Layout::BareArray),
        Just(Layout::Ndjson)
    ]
}

/// The files of one input, and how many resources they hold.
fn files(
    layout: &Layout,
    users: &[Value],
    groups: &[Value],
    garbage_lines: usize,
) -> (HashMap<String, Vec<u8>>, usize) {
    let mut out = HashMap::new();
    match layout {
        Layout::ListResponse | Layout::BareArray => {
            for (name, items) in [("Users.json", users), ("search.json", groups)] {
                let doc = match layout {
                    Layout::ListResponse => json!({
                        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
                        "totalResults": items.len(),
                        "Resources": items,
                    }),
                    _ => json!(items),
                };
                out.insert(name.to_string(), doc.to_string().into_bytes());
            }
            (out, users.len() + groups.len())
        }
        Layout::Ndjson => {
            let lines = |items: &[Value], garbage: usize| {
                let mut text: String = items.iter().map(|v| format!("{v}\n")).collect();
                for _ in 0..garbage {
                    text.push_str("{\"id\": \"cut\n");
                }
                text.into_bytes()
            };
            let meta = json!({
                "format": "scim-doctor-snapshot", "version": 1, "label": "p",
                "fetched_at": "2026-01-01T00:00:00Z",
                "completeness": {"users_complete": true, "groups_complete": true},
                "counts": {"users": 0, "groups": 0},
            });
            out.insert("snapshot.json".into(), meta.to_string().into_bytes());
            out.insert("users.ndjson".into(), lines(users, garbage_lines));
            out.insert("groups.ndjson".into(), lines(groups, 0));
            (out, users.len() + groups.len() + garbage_lines)
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Whatever the mix, read = analysed + dropped + merged, and read = what the input held.
    #[test]
    fn every_resource_read_is_analysed_or_reported(
        layout in layout(),
        users in proptest::collection::vec(resource(), 0..12),
        groups in proptest::collection::vec(resource(), 0..12),
        garbage in 0usize..3,
    ) {
        let (files, held) = files(&layout, &users, &groups, garbage);
        let t = snapshot::from_files("prop", &|n| files.get(n).cloned())
            .expect("the loader accepts every layout here");
        prop_assert!(t.accounted(), "read {} != users {} + groups {} + dropped {} + merged {}",
            t.read, t.users.len(), t.groups.len(), t.parse_issues.len(), t.duplicates.len());
        prop_assert_eq!(t.read, held);
        let mut ids: Vec<&str> = t.users.iter().map(|u| u.id.as_str()).collect();
        ids.sort_unstable();
        let before = ids.len();
        ids.dedup();
        prop_assert_eq!(before, ids.len(), "a user id is analysed twice");
    }
}
