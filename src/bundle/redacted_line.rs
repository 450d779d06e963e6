//! A resource's SCIM JSON written pseudonymised in one pass: the walk of `structural` (the
//! same paths, rules and replacer) writes each value as it decides it, instead of replacing
//! the strings of a `serde_json::Value` and serialising the value afterwards. A value met
//! again costs no allocation. The bytes are those of `serde_json::to_string` of the walked
//! value (tested equal).

use super::mapfile::push_json_str;
use super::paths::{At, PathKind, PathMemo};
use super::policy::Policy;
use super::structural::{
    left_as_is, number_pseudonym, redact_ref, string_action, Replacer, StringAction,
};
use serde_json::Value;

/// A thread's buffers for `push_line`: the paths met in the batch and a value's pseudonym.
#[derive(Default)]
pub(super) struct LineScratch {
    paths: PathMemo,
    pseudonym: Vec<u8>,
}

/// Appends resource `v` pseudonymised as one NDJSON line, scrubbed of any registered secret
/// like `snapshot::write_line`; `id_kept` leaves its own `id` as it is (`own_id_kept`).
pub(super) fn push_line(
    out: &mut Vec<u8>,
    p: &Policy,
    rec: &mut dyn Replacer,
    v: &Value,
    id_kept: bool,
    s: &mut LineScratch,
) {
    let start = out.len();
    let mut w = Writer {
        out,
        p,
        rec,
        paths: &mut s.paths,
        pseudonym: &mut s.pseudonym,
    };
    w.value(v, &PathMemo::ROOT, id_kept);
    if !crate::secret::is_clean_bytes(&out[start..]) {
        let text = String::from_utf8_lossy(&out[start..]).into_owned();
        out.truncate(start);
        out.extend_from_slice(crate::secret::scrub(&text).as_bytes());
    }
    out.push(b'\n');
}

struct Writer<'w, 'r> {
    out: &'w mut Vec<u8>,
    p: &'w Policy,
    rec: &'w mut (dyn Replacer + 'r),
    paths: &'w mut PathMemo,
    pseudonym: &'w mut Vec<u8>,
}

impl Writer<'_, '_> {
    /// `structural::walk_at` of `v` at path `at`, written instead of replaced.
    fn value(&mut self, v: &Value, at: &At, skip_id: bool) {
        match v {
            Value::Object(o) => {
                self.out.push(b'{');
                let mut hint = 0;
                for (i, (k, child)) in o.iter().enumerate() {
                    if i > 0 {
                        self.out.push(b',');
                    }
                    push_str(self.out, k);
                    self.out.push(b':');
                    if left_as_is(k, child, skip_id) {
                        plain(self.out, child);
                        continue;
                    }
                    let c = self.paths.child(at, k, &mut hint);
                    match self.paths.kind(&c) {
                        PathKind::Structural => plain(self.out, child),
                        _ => self.value(child, &c, false),
                    }
                }
                self.out.push(b'}');
            }
            Value::Array(a) => {
                self.out.push(b'[');
                for (i, child) in a.iter().enumerate() {
                    if i > 0 {
                        self.out.push(b',');
                    }
                    self.value(child, at, false);
                }
                self.out.push(b']');
            }
            Value::String(s) => match string_action(self.paths.kind(at), s) {
                StringAction::Keep => push_str(self.out, s),
                StringAction::Ref => {
                    let path = self.paths.path(at);
                    push_str(self.out, &redact_ref(self.p, self.rec, path, s))
                }
                StringAction::Replace => {
                    self.pseudonym.clear();
                    let field = self.paths.field(at);
                    match self.rec.replace_into(self.p, field, s, self.pseudonym) {
                        true => push_json_str(self.out, self.pseudonym),
                        false => push_str(self.out, s),
                    }
                }
            },
            Value::Number(n) => match number_pseudonym(self.p, self.rec, self.paths.path(at), n) {
                Some(ps) => plain(self.out, &ps),
                None => plain(self.out, n),
            },
            _ => plain(self.out, v),
        }
    }
}

/// `v` as `serde_json` writes it (writing to a `Vec` cannot fail).
fn plain(out: &mut Vec<u8>, v: &impl serde::Serialize) {
    let _ = serde_json::to_writer(&mut *out, v);
}

fn push_str(out: &mut Vec<u8>, s: &str) {
    push_json_str(out, s.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::pseudo::Pseudonymiser;
    use crate::bundle::structural::walk_resource;
    use proptest::prelude::*;
    use serde_json::json;

    /// Asks the policy and logs every replacement, as the writer's replacer records them.
    struct Logged(Vec<(String, String, String)>);

    impl Replacer for Logged {
        fn replace_into(&mut self, p: &Policy, field: &str, v: &str, out: &mut Vec<u8>) -> bool {
            let before = out.len();
            if !p.pseudonym_bytes(v, out) {
                return false;
            }
            let ps = String::from_utf8(out[before..].to_vec()).unwrap();
            self.0.push((field.to_string(), v.to_string(), ps));
            true
        }
    }

    fn policy() -> Policy {
        let mut p = Policy::new(Pseudonymiser::new([5; 32]), false);
        p.keep_value("Keep Me");
        p.keep_value("701984");
        p.keep_id("2819c223-7f76-453a-919d-413861904646");
        p
    }

    /// A line and the replacements (field, original, pseudonym) made for it.
    type Made = (String, Vec<(String, String, String)>);

    /// What the writer gives `v`, and what walking it in place then serialising gives,
    /// with the replacements each made.
    fn both(p: &Policy, v: &Value, id_kept: bool) -> (Made, Made) {
        both_in(p, v, id_kept, &mut LineScratch::default())
    }

    /// `both`, the line written with `scratch` (which may hold the paths of earlier lines).
    fn both_in(p: &Policy, v: &Value, id_kept: bool, scratch: &mut LineScratch) -> (Made, Made) {
        let mut line = Vec::new();
        let mut written = Logged(Vec::new());
        push_line(&mut line, p, &mut written, v, id_kept, scratch);
        let mut walked = v.clone();
        let mut log = Logged(Vec::new());
        walk_resource(p, &mut log, &mut walked, id_kept);
        let mut expected = serde_json::to_string(&walked).unwrap();
        expected.push('\n');
        (
            (String::from_utf8(line).unwrap(), written.0),
            (expected, log.0),
        )
    }

    /// A user with every kind of path (allow-listed, personal, resource URLs, held ids, an
    /// extension by URN, numbers, flags, nulls, boolean text) and strings that need JSON
    /// escapes: the writer's line is the walked value's, byte for byte, with the same
    /// replacements in the same order.
    #[test]
    fn the_written_line_is_the_walked_value_serialised() {
        let p = policy();
        let user = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User",
                        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
            "id": "2819c223-7f76-453a-919d-413861904646",
            "externalId": "ext-\"quoted\"\\back\u{1}",
            "userName": "bjensen@example.com",
            "active": true,
            "nickName": null,
            "displayName": "Bärbel \"Babs\" Jensen\n",
            "title": "Keep Me",
            "locale": "true",
            "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true}],
            "phoneNumbers": [{"value": "+1 555 0100"}],
            "groups": [{"value": "g-1", "$ref": "https://x.example/scim/v2/Groups/g-1",
                        "display": "Tour Guides"}],
            "x-badge": 701984,
            "x-salary": -1234.5,
            "x-list": ["a", 1, false, null, {"deep": "v"}],
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
                "employeeNumber": "701984",
                "manager": {"value": "mgr@example.com",
                            "$ref": "https://x.example/scim/v2/Users/mgr%40example.com",
                            "displayName": "John Smith"}},
            "meta": {"resourceType": "User", "created": "2026-01-05T10:00:00Z",
                     "location": "https://x.example/scim/v2/Users/2819c223"},
            "after": "the urn key's path is given back"
        });
        for id_kept in [false, true] {
            let (written, walked) = both(&p, &user, id_kept);
            assert_eq!(written, walked);
            assert!(!written.1.is_empty());
        }
    }

    /// A registered secret never leaves in a line, as `snapshot::write_line` promises.
    #[test]
    fn a_line_is_scrubbed_of_registered_secrets() {
        let secret = "tok-redacted-line-9f3e7c1d5b";
        crate::secret::register(secret);
        let p = policy();
        // Kept values stay in the clear, so the secret reaches the line unless scrubbed.
        let mut kept = Policy::new(Pseudonymiser::new([5; 32]), false);
        kept.keep_value(secret);
        let v = json!({"userName": secret, "meta": {"location": format!("https://x/{secret}")}});
        for p in [&p, &kept] {
            let mut line = Vec::new();
            push_line(
                &mut line,
                p,
                &mut Logged(Vec::new()),
                &v,
                false,
                &mut LineScratch::default(),
            );
            let line = String::from_utf8(line).unwrap();
            assert!(!line.contains(secret), "{line}");
            assert!(line.ends_with('\n'));
        }
    }

    /// One of `fixed`, or a string of `pattern`.
    fn one_of(fixed: &'static [&'static str], pattern: &'static str) -> BoxedStrategy<String> {
        prop_oneof![prop::sample::select(fixed).prop_map(String::from), pattern,].boxed()
    }

    fn scim_key() -> impl Strategy<Value = String> {
        one_of(
            &[
                "id",
                "userName",
                "value",
                "$ref",
                "display",
                "members",
                "groups",
                "manager",
                "meta",
                "schemas",
                "type",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
            ],
            "[a-zA-Z\"\\\\ é]{1,6}",
        )
    }

    fn scim_string() -> impl Strategy<Value = String> {
        prop_oneof![
            one_of(
                &[
                    "true",
                    " No ",
                    "Keep Me",
                    "2819c223-7f76-453a-919d-413861904646",
                    "https://x.example/scim/v2/Users/ann%40x.example",
                ],
                "[a-z0-9]{1,8}@[a-z]{1,5}\\.test",
            ),
            "[ -~]{0,12}",
            "\\PC{0,8}",
            "[\u{0}-\u{1f}\"\\\\a]{0,6}",
        ]
    }

    fn scim_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            (-1e9f64..1e9).prop_map(Value::from),
            scim_string().prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::vec((scim_key(), inner), 0..6)
                    .prop_map(|kv| Value::Object(kv.into_iter().collect())),
            ]
        })
    }

    proptest! {
        /// Any resource: the writer's line is the walked value serialised, with the same
        /// replacements in the same order.
        #[test]
        fn any_resource_is_written_as_walked(v in scim_value(), id_kept in any::<bool>()) {
            let p = policy();
            let (written, walked) = both(&p, &v, id_kept);
            prop_assert_eq!(written, walked);
        }

        /// Resources written one after the other with one scratch, as a batch writes them:
        /// the paths the earlier ones left (other keys, other orders, the same keys at
        /// other depths) change nothing.
        #[test]
        fn resources_of_one_batch_are_written_as_walked(
            vs in prop::collection::vec(scim_value(), 1..6),
        ) {
            let p = policy();
            let mut scratch = LineScratch::default();
            for v in &vs {
                for id_kept in [false, true] {
                    let (written, walked) = both_in(&p, v, id_kept, &mut scratch);
                    prop_assert_eq!(written, walked);
                }
            }
        }
    }

    /// Past the memo's limits (keys and paths too long to keep, more keys under one path
    /// than it keeps, more paths than it keeps) the line is still the walked value.
    #[test]
    fn resources_past_the_path_memo_limits_are_written_as_walked() {
        let p = policy();
        let mut scratch = LineScratch::default();
        let long = "k".repeat(300);
        let mut wide = serde_json::Map::new();
        for i in 0..100 {
            wide.insert(
                format!("attr{i}"),
                json!({"value": format!("v{i}"), "type": "work"}),
            );
        }
        let many: Vec<Value> = (0..60)
            .map(|i| {
                let mut m = serde_json::Map::new();
                for j in 0..80 {
                    m.insert(
                        format!("x{i}-{j}"),
                        json!([{"display": "Ann", "meta": "x"}]),
                    );
                }
                Value::Object(m)
            })
            .collect();
        let resources = [
            json!({ long.clone(): {"value": "ann@x.example", long.clone(): "Ann"},
                    "emails": [{"value": "ann@x.example", "type": "work"}]}),
            Value::Object(wide.clone()),
            json!({"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": Value::Object(wide)}),
            json!({"emails": [{"type": "work", "value": "ann@x.example"}], long: 7}),
        ];
        for v in resources.iter().chain(&many).chain(&resources) {
            let (written, walked) = both_in(&p, v, false, &mut scratch);
            assert_eq!(written, walked);
        }
    }
}
