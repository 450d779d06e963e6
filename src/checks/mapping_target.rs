//! Mapping checks that compare the schema with the target: `mapping-matching` (the
//! attributes Entra matches on, in precedence order: can the target filter on them, are they
//! unique in the tenant) and `mapping-required` (every required attribute is mapped; mappings
//! to attributes the target does not define). Reference A1 (matchingPriority) and A3.

use super::mapping::{no_schema, schema, source_label};
use super::{Ctx, Params};
use crate::findings::{CheckResult, Status, Subject, SubjectKind};
use crate::idpconfig::expr::Val;
use crate::idpconfig::schema::{target_root, AttributeMapping};
use crate::model::{Tenant, User, USER_SCHEMA};
use serde_json::{json, Value};
use std::collections::HashMap;

pub const MAPPING_MATCHING: &str = "mapping-matching";
pub const MAPPING_REQUIRED: &str = "mapping-required";

/// Attribute names the target's /Schemas defines for users (core names bare, extension
/// names as `urn:...:attribute`), lower-cased; `None` when the tenant has no /Schemas.
fn defined_attributes(t: &Tenant) -> Option<(Vec<String>, Vec<String>)> {
    let doc = t.discovery.schemas.as_ref()?;
    let list: Vec<&Value> = match doc {
        Value::Array(a) => a.iter().collect(),
        v => v
            .get("Resources")
            .and_then(Value::as_array)
            .map(|a| a.iter().collect())
            .unwrap_or_else(|| vec![v]),
    };
    let (mut names, mut required) = (Vec::new(), Vec::new());
    for s in list {
        let Some(sid) = s.get("id").and_then(Value::as_str) else {
            continue;
        };
        let core = sid.eq_ignore_ascii_case(USER_SCHEMA);
        if !core && !sid.to_ascii_lowercase().contains(":user") {
            continue;
        }
        for a in s
            .get("attributes")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some(n) = a.get("name").and_then(Value::as_str) else {
                continue;
            };
            let full = if core {
                n.to_string()
            } else {
                format!("{sid}:{n}")
            };
            if a.get("required").and_then(Value::as_bool) == Some(true) {
                required.push(full.clone());
            }
            names.push(full.to_ascii_lowercase());
        }
    }
    if names.is_empty() {
        None
    } else {
        Some((names, required))
    }
}

/// The value of a matching target attribute for one target user.
fn value_of(u: &User, root: &str) -> Option<String> {
    match root.to_ascii_lowercase().as_str() {
        "username" => u.user_name.clone(),
        "externalid" => u.external_id.clone(),
        "displayname" => u.display_name.clone(),
        "emails" => u.primary_email().map(str::to_string),
        _ => u
            .to_scim()
            .get(root)
            .and_then(Value::as_str)
            .map(str::to_string),
    }
    .filter(|v| !v.trim().is_empty())
}

/// Values shared by several target users: (value, count), most shared first.
fn duplicates(t: &Tenant, root: &str, case_exact: bool) -> Vec<(String, usize)> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    for u in &t.users {
        if let Some(v) = value_of(u, root) {
            let k = if case_exact { v } else { v.to_lowercase() };
            *seen.entry(k).or_default() += 1;
        }
    }
    let mut d: Vec<(String, usize)> = seen.into_iter().filter(|(_, n)| *n > 1).collect();
    d.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    d
}

pub fn mapping_matching(ctx: &Ctx, _: &Params) -> CheckResult {
    let id = MAPPING_MATCHING;
    let Some(schema) = schema(ctx) else {
        return no_schema(id);
    };
    let matching = schema.matching();
    if matching.is_empty() {
        return CheckResult::new(
            id,
            Status::Fail,
            format!("expected at least one mapping with a matching precedence (matchingPriority > 0) in {}, got none: Entra cannot find existing target users, so it creates them again (409 or duplicates)", schema.mapping_label),
        )
        .with_remediation("edit the userName mapping: \"Match objects using this attribute\" Yes, \"Matching precedence\" 1 (and externalId 2 if the target filters on it)");
    }
    let order = matching
        .iter()
        .map(|m| {
            format!(
                "{} <- {} ({})",
                m.target,
                source_label(m),
                m.matching_priority
            )
        })
        .collect::<Vec<_>>()
        .join(", then ");
    if !schema.target.scim {
        // The SCIM filter probes, the tenant's /Schemas and its users describe a SCIM
        // service, not this target: only the order can be reported.
        return CheckResult::pass(
            id,
            format!(
                "Entra matches by {order}; {}, so the SCIM filter and uniqueness checks do not apply",
                schema.target.evidence
            ),
        );
    }
    let defined = ctx.tenant.and_then(defined_attributes);
    let mut subjects = Vec::new();
    let mut worst = Status::Pass;
    let mut bump = |s: Status, m: &AttributeMapping, why: String, subjects: &mut Vec<Subject>| {
        if s.rank() > worst.rank() {
            worst = s;
        }
        subjects.push(Subject::item(SubjectKind::Item, m.target.clone(), why));
    };
    for m in &matching {
        let root = target_root(&m.target);
        let lower = root.to_ascii_lowercase();
        let live = match lower.as_str() {
            "username" => ctx.live.get(super::protocol::FILTER_USERNAME_EQ),
            "externalid" => ctx.live.get(super::protocol::FILTER_EXTERNALID_EQ),
            _ => None,
        };
        if let Some(r) = live.filter(|r| r.status == Status::Fail) {
            bump(
                Status::Fail,
                m,
                format!(
                    "the target does not filter on {root} correctly ({}: {})",
                    r.id, r.message
                ),
                &mut subjects,
            );
        }
        match &defined {
            Some((names, _)) if !names.contains(&lower) => bump(
                Status::Fail,
                m,
                format!("the target's /Schemas does not define {root}, so `{root} eq` cannot find anyone"),
                &mut subjects,
            ),
            _ if live.is_none() && !matches!(lower.as_str(), "username" | "externalid") => bump(
                Status::Warn,
                m,
                format!("{root} is not an attribute SCIM targets are known to filter on (Entra's SCIM client queries userName and externalId by default); confirm `GET /Users?filter={root} eq \"...\"` works"),
                &mut subjects,
            ),
            _ => {}
        }
        if let Some(t) = ctx.tenant {
            let case_exact = schema
                .target_attributes
                .iter()
                .any(|a| a.case_exact && a.name.eq_ignore_ascii_case(&m.target));
            let d = duplicates(t, root, case_exact);
            if !d.is_empty() {
                let users: usize = d.iter().map(|(_, n)| n).sum();
                bump(
                    Status::Fail,
                    m,
                    format!(
                        "{root} is not unique in the target: {} shared by {users} users (e.g. {:?} x{}); Entra stops with DuplicateTargetEntries",
                        crate::util::plural(d.len(), "value", "values"),
                        d[0].0,
                        d[0].1
                    ),
                    &mut subjects,
                );
            }
        }
    }
    // "All users must have a value for at least one matching attribute" (else ImportSkipped).
    let mut blank_count = 0;
    if let Some(users) = ctx.scope.and_then(|s| s.idp_users.as_deref()) {
        let exprs: Vec<_> = matching.iter().filter_map(|m| m.expr()).collect();
        let blank: Vec<&crate::scope::IdpUser> = users
            .iter()
            .filter(|u| {
                !exprs.is_empty()
                    && exprs.iter().all(|e| {
                        let v = crate::idpconfig::eval::eval(e, &|a: &str| match u.get(a) {
                            Some(crate::scope::AttrValue::Text(t)) => Val::Str(t.clone()),
                            Some(crate::scope::AttrValue::Many(m)) => Val::Many(m.clone()),
                            None => Val::Null,
                        });
                        matches!(v, Ok(Val::Null))
                    })
            })
            .collect();
        if !blank.is_empty() {
            blank_count = blank.len();
            if worst.rank() < Status::Warn.rank() {
                worst = Status::Warn;
            }
            for u in blank.iter().take(50) {
                subjects.push(Subject::item(
                    SubjectKind::User,
                    u.label().to_string(),
                    "no value for any matching attribute: Entra skips this user (ImportSkipped)",
                ));
            }
        }
    }
    let data = json!({
        "order": matching.iter().map(|m| json!({"target": m.target, "source": source_label(m), "priority": m.matching_priority})).collect::<Vec<_>>(),
    });
    if subjects.is_empty() {
        return CheckResult::pass(id, format!("Entra matches by {order}; the target defines these attributes and their values are unique")).with_data(data);
    }
    let msg = format!(
        "expected matching attributes the target can filter on and that are unique in it, got {order}: {}",
        subjects
            .iter()
            .filter(|s| s.kind == SubjectKind::Item)
            .map(|s| s.detail.clone())
            .chain((blank_count > 0).then(|| format!(
                "{} no value for any matching attribute (Entra skips them: ImportSkipped)",
                crate::util::plural(blank_count, "IdP user has", "IdP users have")
            )))
            .collect::<Vec<_>>()
            .join("; ")
    );
    CheckResult::found(
        id,
        worst,
        msg,
        "match on an attribute that is unique and filterable in the target (userName <- [userPrincipalName] first, externalId second); clean up duplicated values in the target before the next cycle",
        subjects,
    )
    .with_data(data)
}

pub fn mapping_required(ctx: &Ctx, _: &Params) -> CheckResult {
    let id = MAPPING_REQUIRED;
    let Some(schema) = schema(ctx) else {
        return no_schema(id);
    };
    let scim = schema.target.scim;
    if !scim && schema.target_attributes.is_empty() {
        return CheckResult::skipped(
            id,
            format!(
                "not run: {}, and the schema lists none of its attributes, so which are required is not known (download the whole schema: its `directories` hold the target's attribute list)",
                schema.target.evidence
            ),
        );
    }
    // A non-SCIM target is judged against its own attribute list only: the profile's
    // required SCIM attributes and the tenant's /Schemas describe a SCIM service.
    let defined = if scim {
        ctx.tenant.and_then(defined_attributes)
    } else {
        None
    };
    let mut required: Vec<(String, &str)> = Vec::new();
    let mut add = |name: &str, why: &'static str| {
        if !name.eq_ignore_ascii_case("id")
            && !required.iter().any(|(n, _)| n.eq_ignore_ascii_case(name))
        {
            required.push((name.to_string(), why));
        }
    };
    if scim {
        for a in &ctx.profile.required_user_attributes {
            add(a, "the profile");
        }
    }
    if let Some((_, req)) = &defined {
        for a in req {
            add(a, "the target's /Schemas");
        }
    }
    for a in schema.target_attributes.iter().filter(|a| a.required) {
        add(&a.name, "the schema's target attribute list");
    }
    let mut subjects = Vec::new();
    for (name, why) in &required {
        let root = target_root(name).to_string();
        let mapped = schema.mappings.iter().any(|m| {
            m.target.eq_ignore_ascii_case(name)
                || target_root(&m.target).eq_ignore_ascii_case(&root)
        });
        if !mapped {
            subjects.push(Subject::item(
                SubjectKind::Item,
                name.clone(),
                format!("required by {why}, not mapped"),
            ));
        }
    }
    let missing = subjects.len();
    // Mappings to attributes the target does not define.
    let known: Option<Vec<String>> = match &defined {
        Some((names, _)) => Some(names.clone()),
        None if !schema.target_attributes.is_empty() => Some(
            schema
                .target_attributes
                .iter()
                .map(|a| target_root(&a.name).to_ascii_lowercase())
                .collect(),
        ),
        None => None,
    };
    if let Some(known) = &known {
        for m in &schema.mappings {
            let root = target_root(&m.target).to_ascii_lowercase();
            if !known
                .iter()
                .any(|k| *k == root || k.eq_ignore_ascii_case(&m.target))
            {
                subjects.push(Subject::item(
                    SubjectKind::Item,
                    m.target.clone(),
                    format!(
                        "mapped from {}, but the target does not define it",
                        source_label(m)
                    ),
                ));
            }
        }
    }
    let undefined = subjects.len() - missing;
    let against = if known.is_none() {
        " (no target attribute list to compare mappings with: fetch the target's /Schemas)"
    } else {
        ""
    };
    if subjects.is_empty() {
        return CheckResult::pass(
            id,
            format!(
                "all {} required attributes are mapped ({}){against}",
                required.len(),
                required
                    .iter()
                    .map(|r| r.0.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
    }
    let status = if missing > 0 {
        Status::Fail
    } else {
        Status::Warn
    };
    CheckResult::found(
        id,
        status,
        format!(
            "expected every required attribute to be mapped and every mapping to name a target attribute, got {} and {}{against}",
            crate::util::plural(missing, "unmapped required attribute", "unmapped required attributes"),
            crate::util::plural(undefined, "mapping to an attribute the target does not define", "mappings to attributes the target does not define")
        ),
        "add a mapping for each unmapped required attribute (Provisioning > Mappings > Add New Mapping), and delete or correct mappings whose target attribute the target does not define (Entra's exports then fail with SchemaAttributeNotFound)",
        subjects,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::LicenseOptions;
    use crate::findings::CheckResult;
    use std::collections::HashMap;

    fn config(file: &str) -> crate::idpconfig::IdpConfig {
        let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/idp-config")
            .join(file);
        crate::idpconfig::load(&[p]).unwrap()
    }

    fn run(live: &HashMap<String, CheckResult>, tenant: &Tenant) -> CheckResult {
        run_with(live, tenant, None)
    }

    fn run_with(
        live: &HashMap<String, CheckResult>,
        tenant: &Tenant,
        scope: Option<&crate::scope::ScopeInputs>,
    ) -> CheckResult {
        let profile = crate::profile::load("default", None).unwrap();
        let idp = config("schema-scim-default.json");
        let license = LicenseOptions::default();
        let ctx = Ctx {
            live,
            scope,
            idp: Some(&idp),
            ..Ctx::for_test(tenant, &profile, &license)
        };
        mapping_matching(&ctx, &Default::default())
    }

    /// Proves a failed live `userName eq` probe fails the userName matching attribute.
    #[test]
    fn a_failed_live_username_filter_fails_matching() {
        let tenant = Tenant::new("t");
        let mut live = HashMap::new();
        live.insert(
            "filter-username-eq".to_string(),
            CheckResult::new("filter-username-eq", Status::Fail, "expected 1 user, got 0"),
        );
        let r = run(&live, &tenant);
        assert_eq!(r.status, Status::Fail);
        assert!(
            r.message.contains("does not filter on userName"),
            "{}",
            r.message
        );
        let ok = run(&HashMap::new(), &tenant);
        assert_eq!(ok.status, Status::Pass, "{}", ok.message);
    }

    /// Proves a matching attribute the target's /Schemas does not define fails.
    #[test]
    fn a_matching_attribute_missing_from_schemas_fails() {
        let mut tenant = Tenant::new("t");
        tenant.discovery.schemas = Some(serde_json::json!({"Resources": [
            {"id": USER_SCHEMA, "attributes": [{"name": "externalId"}, {"name": "active"}]}
        ]}));
        let r = run(&HashMap::new(), &tenant);
        assert_eq!(r.status, Status::Fail);
        assert!(
            r.message.contains("/Schemas does not define userName"),
            "{}",
            r.message
        );
    }

    /// Proves IdP users with no value for any matching attribute are warned (ImportSkipped).
    #[test]
    fn idp_users_without_a_matching_value_warn() {
        let mut ok = crate::scope::IdpUser::new("t");
        ok.set_text("userPrincipalName", "a@contoso.example");
        let mut blank = crate::scope::IdpUser::new("t");
        blank.set_text("displayName", "No Upn");
        let scope = crate::scope::ScopeInputs {
            idp_users: Some(vec![ok.clone(), blank]),
            ..Default::default()
        };
        let r = run_with(&HashMap::new(), &Tenant::new("t"), Some(&scope));
        assert_eq!(r.status, Status::Warn, "{}", r.message);
        assert!(r
            .subjects
            .iter()
            .any(|s| s.detail.contains("ImportSkipped")));
        let scope = crate::scope::ScopeInputs {
            idp_users: Some(vec![ok]),
            ..Default::default()
        };
        assert_eq!(
            run_with(&HashMap::new(), &Tenant::new("t"), Some(&scope)).status,
            Status::Pass
        );
    }
}
