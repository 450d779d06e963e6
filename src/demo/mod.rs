//! The deterministic demo-tenant generator: a realistic company (two mail domains,
//! departments as groups, enterprise extension department / employeeNumber) seeded, in fixed
//! proportions, with every data problem the seeds describe, so `demo`, the docs and the
//! benchmarks show real findings. Same `(users, seed)` -> byte-identical tenant, anywhere.
//!
//! Problems are planted by rewriting healthy users in place (the user count stays exact);
//! `generate_seeded` also returns which ids carry which problem, for tests and docs/demo.md.

pub mod fixture;
mod groups;
pub mod idp_inputs;
pub mod inputs;
mod names;
mod rng;

pub use rng::SplitMix64;

use crate::model::{Email, Tenant, User, ENTERPRISE_SCHEMA, USER_SCHEMA};
use names::{DEPARTMENTS, DOMAINS, FAMILY, GIVEN, TITLES};
use serde_json::{json, Map, Value};

/// The seed of the bundled demo tenant (`fixtures/demo-tenant`).
pub const DEMO_SEED: u64 = 0x5C1D_D0C7_0000_2026;
/// Users in the bundled demo tenant.
pub const DEMO_USERS: usize = 3000;

/// One kind of planted problem and the resources that carry it.
#[derive(Debug, Clone, PartialEq)]
pub struct Seeded {
    /// Stable kebab-case name (`no-emails`, `soft-delete-leftover`...).
    pub kind: &'static str,
    /// User or group ids; for pairs, the planted copy comes after the user it copies.
    pub ids: Vec<String>,
}

/// Per-thousand rates of the user problems (each at least once in any tenant big enough).
const USER_PROBLEMS: &[(&str, usize)] = &[
    ("no-emails", 4),
    ("empty-emails-array", 2),
    ("blank-email-value", 2),
    ("invalid-email", 3),
    ("username-not-email", 3),
    ("two-primary-emails", 2),
    ("duplicate-email-disabled-copy", 3),
    ("duplicate-external-id", 2),
    ("username-case-twin", 2),
    ("soft-delete-leftover", 3),
    ("disabled", 20),
];

/// Generates the demo tenant. See `generate_seeded`.
pub fn generate(users: usize, seed: u64) -> Tenant {
    generate_seeded(users, seed).0
}

/// Generates a tenant of exactly `users` users (and about `users / 25` groups) and says where
/// each problem was planted.
pub fn generate_seeded(users: usize, seed: u64) -> (Tenant, Vec<Seeded>) {
    let mut rng = SplitMix64::new(seed);
    let mut tenant = Tenant::new(format!("demo-{users}-{seed:x}"));
    // One counter per (given, family) pair keeps userNames unique without a hash set.
    let mut taken = vec![0u32; GIVEN.len() * FAMILY.len()];
    let mut departments = Vec::with_capacity(users);
    for n in 0..users {
        let (user, dept) = healthy_user(&mut rng, n, &mut taken);
        tenant.users.push(user);
        departments.push(dept);
    }
    let mut seeded = plant_user_problems(&mut rng, &mut tenant.users);
    let (groups, group_problems) = groups::generate(&mut rng, &tenant.users, &departments);
    tenant.groups = groups;
    seeded.extend(group_problems);
    (tenant, seeded)
}

fn healthy_user(rng: &mut SplitMix64, n: usize, taken: &mut [u32]) -> (User, usize) {
    let gi = rng.below(GIVEN.len());
    let fi = rng.below(FAMILY.len());
    let (given, family) = (GIVEN[gi], FAMILY[fi]);
    let slot = &mut taken[gi * FAMILY.len() + fi];
    *slot += 1;
    let suffix = if *slot == 1 {
        String::new()
    } else {
        slot.to_string()
    };
    let domain = if rng.chance(20) {
        DOMAINS[1]
    } else {
        DOMAINS[0]
    };
    let upn = format!(
        "{}.{}{suffix}@{domain}",
        given.to_lowercase(),
        family.to_lowercase()
    );
    let dept = rng.below(DEPARTMENTS.len());
    let mut extra = Map::new();
    extra.insert("schemas".into(), json!([USER_SCHEMA, ENTERPRISE_SCHEMA]));
    extra.insert("title".into(), Value::from(*rng.pick(TITLES)));
    extra.insert(
        ENTERPRISE_SCHEMA.into(),
        json!({"employeeNumber": format!("E{:06}", n + 1), "department": DEPARTMENTS[dept]}),
    );
    let phone = if rng.chance(60) {
        vec![format!(
            "+1 555 01{:02} {:04}",
            rng.below(100),
            rng.below(10_000)
        )]
    } else {
        Vec::new()
    };
    let user = User {
        id: rng.guid(),
        user_name: Some(upn.clone()),
        external_id: Some(rng.guid()),
        active: Some(true),
        display_name: Some(format!("{given} {family}")),
        given_name: Some(given.to_string()),
        family_name: Some(family.to_string()),
        emails: vec![Email {
            value: upn,
            kind: Some("work".into()),
            primary: true,
        }],
        phone_numbers: phone,
        extra: crate::model::Extra::from_map(&extra),
    };
    (user, dept)
}

fn count_for(users: usize, per_mille: usize) -> usize {
    (users * per_mille / 1000).max(1)
}

fn plant_user_problems(rng: &mut SplitMix64, users: &mut [User]) -> Vec<Seeded> {
    let mut pool: Vec<usize> = (0..users.len()).collect();
    rng.shuffle(&mut pool);
    let mut out = Vec::new();
    for &(kind, rate) in USER_PROBLEMS {
        let pairs = matches!(
            kind,
            "duplicate-email-disabled-copy"
                | "duplicate-external-id"
                | "username-case-twin"
                | "soft-delete-leftover"
        );
        let mut ids = Vec::new();
        for k in 0..count_for(users.len(), rate) {
            let needed = if pairs { 2 } else { 1 };
            if pool.len() < needed {
                break;
            }
            let i = pool.pop().unwrap_or_default();
            if pairs {
                let copy = pool.pop().unwrap_or_default();
                plant_pair(kind, k, users, i, copy);
                ids.push(users[i].id.clone());
                ids.push(users[copy].id.clone());
            } else {
                plant_single(kind, k, &mut users[i]);
                ids.push(users[i].id.clone());
            }
        }
        out.push(Seeded { kind, ids });
    }
    out
}

fn set_raw_emails(u: &mut User, value: Value) {
    if let Some(extra) = u.extra.as_mut() {
        extra.insert("emails", value);
    }
}

fn plant_single(kind: &str, k: usize, u: &mut User) {
    let upn = u.user_name.clone().unwrap_or_default();
    let (local, domain) = upn.split_once('@').unwrap_or((&upn, DOMAINS[0]));
    let (local, domain) = (local.to_string(), domain.to_string());
    match kind {
        "no-emails" => u.emails.clear(),
        "empty-emails-array" => {
            // The model cannot tell `[]` from absent, so the raw form rides in `extra`.
            u.emails.clear();
            set_raw_emails(u, json!([]));
        }
        "blank-email-value" => {
            u.emails[0].value = if k.is_multiple_of(2) {
                String::new()
            } else {
                " ".into()
            }
        }
        "invalid-email" => {
            u.emails[0].value = match k % 4 {
                0 => format!("{local}@"),
                1 => format!("{}@{domain}", local.replace('.', " ")),
                2 => format!("{local}@@{domain}"),
                _ => format!("{local}.{domain}"),
            }
        }
        "username-not-email" => {
            u.user_name = Some(if k.is_multiple_of(2) {
                local.replace('.', "")
            } else {
                format!("NORTHWIND\\{local}")
            })
        }
        "two-primary-emails" => u.emails.push(Email {
            value: format!(
                "{local}@{}",
                if domain == DOMAINS[0] {
                    DOMAINS[1]
                } else {
                    DOMAINS[0]
                }
            ),
            kind: Some("other".into()),
            primary: true,
        }),
        _ => u.active = Some(false),
    }
}

fn plant_pair(kind: &str, k: usize, users: &mut [User], original: usize, copy: usize) {
    let src = users[original].clone();
    let dst = &mut users[copy];
    let email = src
        .emails
        .first()
        .map(|e| e.value.clone())
        .unwrap_or_default();
    match kind {
        "duplicate-email-disabled-copy" => {
            // Exact, case-only and whitespace-only variants of the same address.
            dst.emails[0].value = match k % 3 {
                0 => email,
                1 => email.to_uppercase(),
                _ => format!(" {email} "),
            };
            dst.active = Some(false);
        }
        "duplicate-external-id" => dst.external_id = src.external_id.clone(),
        "username-case-twin" => {
            let upn = src.user_name.clone().unwrap_or_default();
            dst.user_name = Some(title_case_local(&upn));
        }
        _ => {
            // Entra soft delete: objectId (32 hex, no dashes) glued to the UPN of the person
            // who now exists again as an active user with the same email.
            let hex: String = dst.external_id.clone().unwrap_or_default().replace('-', "");
            dst.user_name = Some(format!(
                "{hex}{}",
                src.user_name.clone().unwrap_or_default()
            ));
            dst.display_name = src.display_name.clone();
            dst.given_name = src.given_name.clone();
            dst.family_name = src.family_name.clone();
            dst.emails = src.emails.clone();
            dst.active = Some(false);
        }
    }
}

/// `alice.smith@x` -> `Alice.Smith@x`.
fn title_case_local(upn: &str) -> String {
    let (local, domain) = upn.split_once('@').unwrap_or((upn, ""));
    let local: Vec<String> = local
        .split('.')
        .map(|p| {
            let mut c = p.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect())
                .unwrap_or_default()
        })
        .collect();
    if domain.is_empty() {
        local.join(".")
    } else {
        format!("{}@{domain}", local.join("."))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_tenant_other_seed_other_tenant() {
        let a = generate(300, 1);
        let b = generate(300, 1);
        let c = generate(300, 2);
        let ids = |t: &Tenant| {
            t.users
                .iter()
                .map(|u| u.to_scim().to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(&a), ids(&b));
        assert_ne!(ids(&a), ids(&c));
    }

    #[test]
    fn user_count_is_exact_even_for_tiny_tenants() {
        for n in [0, 1, 5, 40, 1000] {
            assert_eq!(generate(n, 9).users.len(), n);
        }
    }

    #[test]
    fn title_case_changes_only_letter_case() {
        assert_eq!(
            title_case_local("ana.silva2@x.example"),
            "Ana.Silva2@x.example"
        );
    }
}
