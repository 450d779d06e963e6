//! Which values `--redact-pii` replaces: every string of a resource outside a short
//! allow-list of structural fields (sos clean's model: pseudonymise by default, keep only
//! what is known not to identify anyone), plus the values of the run's inputs (IdP export,
//! provisioning logs, LDAP and licence group names). The allow-list holds by SCIM path
//! (RFC 7643's core attributes where the core schema defines them), never by key name at
//! any depth. Values a scoping filter reads are pseudonymised like the others: the verdicts
//! a pseudonym cannot reproduce travel in the bundle (`scope_verdicts`). Only
//! `--keep-clear ATTR` leaves an attribute readable.

use super::paths::{child_path, field_name, path_kind, PathKind};
#[cfg(test)]
use super::paths::{is_in, is_structural, HELD_ID_PATHS, REF_PATHS, STRUCTURAL_PATHS};
use super::policy::{trimmed, Policy};
use super::redact::PiiMap;
use crate::model::{parse_group, parse_user, Tenant};
use crate::scope::{AttrValue, IdpUser};
use serde_json::Value;

/// IdP export attributes kept in the clear (flags, enumerations and timestamps the
/// directory sets; folded: lower case, no punctuation).
pub const IDP_STRUCTURAL: &[&str] = &[
    "accountenabled",
    "usertype",
    "objecttype",
    "directorysynced",
    "onpremisessyncenabled",
    "creationtype",
    "agegroup",
    "consentprovidedforminor",
    "legalagegroupclassification",
    "usagelocation",
    "preferredlanguage",
    "externaluserstate",
    "invitationstate",
    "createddatetime",
    "status",
];

fn is_boolean_text(v: &str) -> bool {
    let t = trimmed(v);
    // "no" to "false": the length decides most values at once.
    (2..=5).contains(&t.len())
        && ["true", "false", "yes", "no"]
            .iter()
            .any(|b| t.eq_ignore_ascii_case(b))
}

/// Receives each value a walk replaces: (field, original, pseudonym).
pub type Record<'a> = dyn FnMut(&str, &str, &str) + 'a;

/// What a walk asks of each value it may replace: its pseudonym, or `None` when the policy
/// keeps it as it is; the replacer records the replacements. The plain one (`Told`) asks
/// the policy and tells a `Record`; the writer's also remembers the values it met lately.
pub(super) trait Replacer {
    /// Pushes the pseudonym of `v` (UTF-8) onto `out`; false (and `out` as it was) when
    /// `v` stays.
    fn replace_into(&mut self, p: &Policy, field: &str, v: &str, out: &mut Vec<u8>) -> bool;

    fn replace(&mut self, p: &Policy, field: &str, v: &str) -> Option<String> {
        let mut out = Vec::new();
        self.replace_into(p, field, v, &mut out)
            .then(|| String::from_utf8_lossy(&out).into_owned())
    }
}

struct Told<'r, 'a>(&'r mut Record<'a>);

impl Replacer for Told<'_, '_> {
    fn replace_into(&mut self, p: &Policy, field: &str, v: &str, out: &mut Vec<u8>) -> bool {
        let Some(ps) = p.pseudonym(v) else {
            return false;
        };
        (self.0)(field, v, &ps);
        out.extend_from_slice(ps.as_bytes());
        true
    }
}

/// A resource URL (`https://host/scim/v2/Users/<id>`): the endpoint stays, the id at the
/// end is replaced when it is not a kept id.
pub(super) fn redact_ref(p: &Policy, rec: &mut dyn Replacer, path: &str, url: &str) -> String {
    let field = field_name(path);
    let body = url.trim_end_matches('/');
    let Some(i) = body.rfind('/') else {
        return rec
            .replace(p, field, url)
            .unwrap_or_else(|| url.to_string());
    };
    let (head, last) = (&body[..=i], &body[i + 1..]);
    let decoded = percent_decode(last);
    // The id of a resource the tenant may not list (a user's group, their manager) is
    // kept like the value beside it (`HELD_ID_PATHS`).
    let held = path.eq_ignore_ascii_case("groups.$ref")
        || path.eq_ignore_ascii_case("enterprise:manager.$ref");
    if last.is_empty() || p.is_kept(&decoded) || (held && !email_like(&decoded)) {
        return url.to_string();
    }
    let Some(ps) = rec.replace(p, field, &decoded) else {
        return url.to_string();
    };
    let ps = if decoded == last {
        ps
    } else {
        percent_encode(&ps)
    };
    format!("{head}{ps}{}", &url[body.len()..])
}

pub(super) fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match (
            b[i],
            b.get(i + 1).copied().and_then(hex),
            b.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn percent_encode(s: &str) -> String {
    let mut out = String::new();
    for &c in s.as_bytes() {
        if c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_' | b'~') {
            out.push(c as char);
        } else {
            out.push_str(&format!("%{c:02X}"));
        }
    }
    out
}

/// Replaces every personal value of a resource's SCIM JSON in place, telling `rec` each one.
pub fn walk(p: &Policy, rec: &mut Record, v: &mut Value, path: &str) {
    let kind = path_kind(path);
    walk_at(p, &mut Told(rec), v, &mut path.to_string(), kind, false);
}

/// `walk` of a resource whose own `id` is known to be kept (`own_id_kept`): that id is
/// left as it is without a lookup. (The writer walks as it writes: `redacted_line`.)
#[cfg(test)]
pub(super) fn walk_resource(p: &Policy, rec: &mut dyn Replacer, v: &mut Value, id_kept: bool) {
    walk_at(p, rec, v, &mut String::new(), PathKind::Personal, id_kept);
}

/// `walk` with the path in a buffer that each level extends and gives back, and its kind;
/// `skip_id` leaves this level's `id` as it is.
fn walk_at(
    p: &Policy,
    rec: &mut dyn Replacer,
    v: &mut Value,
    path: &mut String,
    kind: PathKind,
    skip_id: bool,
) {
    match v {
        Value::Object(o) => {
            let mut keys = Keys::new(path);
            for (k, child) in o.iter_mut() {
                if let Some(kind) = keys.enter(path, k, child, skip_id) {
                    walk_at(p, rec, child, path, kind, false);
                    keys.leave(path);
                }
            }
        }
        Value::Array(a) => {
            for child in a {
                walk_at(p, rec, child, path, kind, false);
            }
        }
        Value::String(s) => match string_action(kind, s) {
            StringAction::Keep => {}
            StringAction::Ref => *s = redact_ref(p, rec, path, s),
            StringAction::Replace => {
                if let Some(ps) = rec.replace(p, field_name(path), s) {
                    *s = ps;
                }
            }
        },
        Value::Number(n) => {
            if let Some(num) = number_pseudonym(p, rec, path, n) {
                *n = num;
            }
        }
        _ => {}
    }
}

/// The keys of one object as a walk meets them: which children it visits, with `path` set
/// to the child's path for the visit (`enter`, then `leave` to give the path back).
/// Whether a walk leaves `child` (under key `k`) as it is whatever its path: a flag or a
/// null (nothing to replace, no path to look up), or a kept own `id` (`skip_id`).
pub(super) fn left_as_is(k: &str, child: &Value, skip_id: bool) -> bool {
    (skip_id && k == "id") || matches!(child, Value::Bool(_) | Value::Null)
}

struct Keys {
    len: usize,
    /// The path to give back after a URN key, whose path replaced this object's.
    saved: Option<String>,
}

impl Keys {
    fn new(path: &str) -> Keys {
        Keys {
            len: path.len(),
            saved: None,
        }
    }

    /// The kind of `child`'s path, with `path` extended to it; `None` (and `path` as it
    /// was) when the walk leaves the child as it is: a flag or a null (nothing to replace,
    /// no path to look up), a kept own `id` (`skip_id`) or an allow-listed path.
    fn enter(
        &mut self,
        path: &mut String,
        k: &str,
        child: &Value,
        skip_id: bool,
    ) -> Option<PathKind> {
        if left_as_is(k, child, skip_id) {
            return None;
        }
        if k.get(..4).is_some_and(|u| u.eq_ignore_ascii_case("urn:")) {
            // The URN's path replaces this one: keep it for the next keys.
            let len = self.len;
            self.saved.get_or_insert_with(|| path[..len].to_string());
        }
        child_path(path, k);
        let kind = path_kind(path);
        if kind == PathKind::Structural {
            self.leave(path);
            return None;
        }
        Some(kind)
    }

    fn leave(&self, path: &mut String) {
        match &self.saved {
            Some(s) => {
                path.clear();
                path.push_str(s);
            }
            None => path.truncate(self.len),
        }
    }
}

/// What a walk does with a string at a path of `kind`.
pub(super) enum StringAction {
    Keep,
    /// A resource URL: `redact_ref`.
    Ref,
    /// Asks the replacer (the policy leaves kept values as they are).
    Replace,
}

pub(super) fn string_action(kind: PathKind, s: &str) -> StringAction {
    match kind {
        PathKind::Ref => StringAction::Ref,
        // An id is kept (keep_ids) unless it looks personal.
        PathKind::HeldId if !email_like(s) => StringAction::Keep,
        _ if is_boolean_text(s) => StringAction::Keep,
        _ => StringAction::Replace,
    }
}

/// Numbers outside the allow-list (badge numbers, salaries) get a number of the same
/// shape: same digits count, same sign and decimal point. `None` keeps `n`.
pub(super) fn number_pseudonym(
    p: &Policy,
    rec: &mut dyn Replacer,
    path: &str,
    n: &serde_json::Number,
) -> Option<serde_json::Number> {
    rec.replace(p, field_name(path), &n.to_string())
        .and_then(|ps| ps.parse::<serde_json::Number>().ok())
}

pub fn walk_recorded(map: &mut PiiMap, v: &mut Value) {
    let mut seen: Vec<(String, String, String)> = Vec::new();
    walk(
        &map.policy,
        &mut |f, o, ps| seen.push((f.to_string(), o.to_string(), ps.to_string())),
        v,
        "",
    );
    for (f, o, ps) in seen {
        map.record(&f, &o, &ps);
    }
}

/// True when `v` looks like an email address (`x@y`): a server id of that shape names a person.
fn email_like(v: &str) -> bool {
    v.find('@').is_some_and(|i| i > 0 && i + 1 < v.len())
}

/// Users per thread below which a second thread costs more than it saves.
pub(super) const MIN_CHUNK: usize = 1 << 14;

/// Whether `v` equals the resource id `id`, ignoring case and surrounding blanks.
fn same_id(id: &str, v: Option<&str>) -> bool {
    v.is_some_and(|v| trimmed(v).eq_ignore_ascii_case(trimmed(id)))
}

/// Resource ids that name a person (found on every core): email-like ids, and ids equal (ignoring case) to the
/// resource's own userName, email, externalId or displayName (servers that use the
/// userName or the group name as id). These are pseudonymised like the value they copy,
/// so the matching userName gets the same pseudonym.
pub fn personal_ids(t: &Tenant) -> std::collections::HashSet<String> {
    let users = crate::util::in_chunks(&t.users, crate::archive::threads(), MIN_CHUNK, |us| {
        us.iter()
            .filter(|u| {
                let id = u.id.as_str();
                email_like(id)
                    || same_id(id, u.user_name.as_deref())
                    || same_id(id, u.external_id.as_deref())
                    || same_id(id, u.display_name.as_deref())
                    || u.emails.iter().any(|e| same_id(id, Some(&e.value)))
            })
            .map(|u| u.id.clone())
            .collect::<Vec<_>>()
    });
    let mut out: std::collections::HashSet<String> = users.into_iter().flatten().collect();
    for g in &t.groups {
        let id = g.id.as_str();
        if email_like(id)
            || same_id(id, g.display_name.as_deref())
            || same_id(id, g.external_id.as_deref())
        {
            out.insert(id.to_string());
        }
        for m in &g.members {
            if email_like(&m.value) {
                out.insert(m.value.clone());
            }
        }
    }
    out
}

/// Marks every resource id of `t` that does not look personal as kept: ids are how
/// findings name their subjects. Personal ids (`personal_ids`) are pseudonymised instead.
pub fn keep_ids(map: &mut PiiMap, t: &Tenant) {
    let personal = personal_ids(t);
    for id in &personal {
        map.policy.note_personal_id(id);
    }
    let kept = |id: &&str| kept_as_id(id, |id| !personal.is_empty() && personal.contains(id));
    let users = crate::util::in_chunks(&t.users, crate::archive::threads(), MIN_CHUNK, |us| {
        us.iter()
            .map(|u| u.id.as_str())
            .filter(kept)
            .collect::<Vec<_>>()
    });
    let mut ids: Vec<&str> = Vec::with_capacity(t.users.len() + t.groups.len());
    for part in users {
        ids.extend(part);
    }
    let members = t
        .groups
        .iter()
        .flat_map(|g| &g.members)
        .map(|m| m.value.as_str());
    ids.extend(
        t.groups
            .iter()
            .map(|g| g.id.as_str())
            .chain(members)
            .filter(kept),
    );
    map.policy.keep_ids(&ids);
    // Ids held by users (their groups, their manager) that the tenant does not list are
    // kept by their path (`HELD_ID_PATHS`).
}

/// Whether `keep_ids` kept `id`, the id of a resource of a tenant that went through it,
/// decided from the few personal ids instead of a lookup in the table of every kept id
/// (a million ids do not stay in a core's cache, and the writer asks for every resource).
/// False means "look it up": the id may still be kept as a value.
pub(super) fn own_id_kept(p: &Policy, id: &str) -> bool {
    kept_as_id(id, |id| p.is_personal_id(id))
}

/// The rule of `keep_ids`: an id is kept unless it is blank, looks like an email address or
/// is one of the tenant's personal ids.
fn kept_as_id(id: &str, is_personal: impl Fn(&str) -> bool) -> bool {
    !trimmed(id).is_empty() && !email_like(id) && !is_personal(id)
}

/// A copy of `t` with every personal string replaced (through its SCIM JSON, so that every
/// attribute, known to the model or not, goes through the same walk), each value told to
/// `rec`.
fn redact_copy(p: &Policy, rec: &mut Record, t: &Tenant) -> Tenant {
    let mut out = t.clone();
    for (i, u) in t.users.iter().enumerate() {
        let mut v = u.to_scim();
        walk(p, rec, &mut v, "");
        if let Ok(r) = parse_user(v, "redacted") {
            out.users[i] = r;
        }
    }
    for (i, g) in t.groups.iter().enumerate() {
        let mut v = g.to_scim();
        walk(p, rec, &mut v, "");
        if let Ok(r) = parse_group(v, "redacted") {
            out.groups[i] = r;
        }
    }
    out
}

/// `redact_copy`, each value recorded for the free-text files. For the other directories
/// of a run (`--other-snapshot`) and tests; the tenant itself is pseudonymised as it is
/// written (`writer`).
pub fn redact_tenant(map: &mut PiiMap, t: &Tenant) -> Tenant {
    let mut seen: Vec<(String, String, String)> = Vec::new();
    let out = redact_copy(
        &map.policy,
        &mut |f, o, ps| seen.push((f.to_string(), o.to_string(), ps.to_string())),
        t,
    );
    for (f, o, ps) in seen {
        map.record(&f, &o, &ps);
    }
    out
}

/// `redact_copy` recording nothing (the snapshot's own pass records): what `--baseline`
/// compares and what the scoping verdicts pair with.
pub fn redact_tenant_quietly(p: &Policy, t: &Tenant) -> Tenant {
    redact_copy(p, &mut |_, _, _| {}, t)
}

/// `--keep-clear ATTR`: every value the attribute takes is left in the clear, in every
/// file. `ATTR` is compared ignoring case and punctuation with the IdP export's attribute
/// names, the Entra names of the target's users (userPrincipalName, department...) and the
/// SCIM paths of the target's resources (`userName`, `emails.value`, `name.givenName`,
/// `department`; a parent such as `name` or `emails` keeps everything under it).
pub fn keep_attributes(
    map: &mut PiiMap,
    attrs: &[String],
    idp_users: Option<&[IdpUser]>,
    tenant: Option<&Tenant>,
) {
    fn scim_values(v: &Value, path: &str, want: &str, under: bool, out: &mut Vec<String>) {
        let here = under || {
            let f = crate::util::fold_name(field_name(path));
            let last = crate::util::fold_name(field_name(path).rsplit('.').next().unwrap_or(""));
            !path.is_empty() && (f == want || last == want)
        };
        match v {
            Value::Object(o) => {
                for (k, c) in o {
                    let mut cp = path.to_string();
                    child_path(&mut cp, k);
                    scim_values(c, &cp, want, here, out);
                }
            }
            Value::Array(a) => a.iter().for_each(|c| scim_values(c, path, want, here, out)),
            Value::String(s) if here => out.push(s.clone()),
            Value::Number(n) if here => out.push(n.to_string()),
            _ => {}
        }
    }
    for attr in attrs {
        let want = crate::util::fold_name(attr);
        let reason = format!("--keep-clear {attr}");
        let mut values: Vec<String> = Vec::new();
        let scim: Vec<IdpUser> = tenant
            .map(|t| t.users.iter().map(IdpUser::from_scim).collect())
            .unwrap_or_default();
        for u in idp_users.unwrap_or_default().iter().chain(&scim) {
            match u.get(attr) {
                Some(AttrValue::Text(s)) => values.push(s.clone()),
                Some(AttrValue::Many(v)) => values.extend(v.iter().cloned()),
                None => {}
            }
        }
        if let Some(t) = tenant {
            for u in &t.users {
                scim_values(&u.to_scim(), "", &want, false, &mut values);
            }
            for g in &t.groups {
                scim_values(&g.to_scim(), "", &want, false, &mut values);
            }
        }
        for v in values {
            map.keep(&v, &reason);
        }
    }
}

/// Records the personal values of an IdP export (everything but `IDP_STRUCTURAL`).
pub fn collect_idp_users(map: &mut PiiMap, users: &[IdpUser]) {
    for u in users {
        let mut attrs: Vec<(&String, &AttrValue)> = u.attributes.iter().collect();
        attrs.sort_by(|a, b| a.0.cmp(b.0));
        for (k, v) in attrs {
            let folded = crate::util::fold_name(k);
            if IDP_STRUCTURAL.contains(&folded.as_str()) {
                continue;
            }
            let field = format!("idp:{k}");
            match v {
                AttrValue::Text(s) if !is_boolean_text(s) => {
                    map.add(&field, s);
                }
                AttrValue::Many(list) => {
                    for s in list {
                        map.add(&field, s);
                    }
                }
                _ => {}
            }
        }
    }
}

/// Records the people named by provisioning-log entries (identities and changed values).
pub fn collect_logs(map: &mut PiiMap, logs: &crate::logs::LogInputs) {
    for e in &logs.entries {
        for (field, v) in [
            ("log:source", &e.source_id),
            ("log:source", &e.source_name),
            ("log:source", &e.source_display_name),
            ("log:target", &e.target_id),
            ("log:target", &e.target_name),
        ] {
            if let Some(v) = v {
                map.add(field, v);
            }
        }
        for m in &e.modified {
            for v in [&m.old, &m.new] {
                if !is_boolean_text(v) {
                    map.add(&format!("log:{}", m.name), v);
                }
            }
        }
    }
}

#[cfg(test)]
#[path = "structural_tests.rs"]
mod tests;
