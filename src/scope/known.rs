//! Scoping verdicts computed on real values and carried with pseudonymised data.
//!
//! A pseudonym keeps a value's shape, not its meaning: `ENDS_WITH "@contoso.com"`, a regular
//! expression, an integer comparison or an EQUALS literal may answer differently for
//! `kqzv@wprtnbx.hxq` than for the real address. `--redact-pii` therefore evaluates every
//! clause that reads a value on the real users, pairs each user's real value with the value
//! the pseudonymised bundle holds for the same user, and records "this pseudonymous value
//! gives this verdict" (`KnownVerdicts`). Re-analysing the bundle attaches the table to the
//! filter (`ScopeFilter::attach_known`): a clause reading a listed value returns the recorded
//! verdict; any other value is evaluated as usual.

use super::eval::{eval_clause, Verdict};
use super::filter::ScopeFilter;
use super::idp::{AttrValue, IdpUser};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

pub const FORMAT: &str = "scim-doctor-scope-verdicts/1";

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct KnownClause {
    pub group: usize,
    pub clause: usize,
    /// The clause as written (`userPrincipalName ENDS_WITH "@contoso.com"`): the table is
    /// only used for a filter whose clause at this place reads the same.
    pub text: String,
    /// Pseudonymous value -> the verdict the real value gave.
    pub verdicts: BTreeMap<String, Verdict>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct KnownVerdicts {
    pub format: String,
    /// Where the filter came from (`scope.json: scope object`), without its directory.
    pub filter: String,
    pub clauses: Vec<KnownClause>,
    /// Pseudonymous values two users hold with different verdicts (left out of the table).
    #[serde(default)]
    pub conflicts: usize,
}

fn text_of(v: Option<&AttrValue>) -> Option<&str> {
    match v {
        Some(AttrValue::Text(s)) if !s.trim().is_empty() => Some(s),
        _ => None,
    }
}

impl KnownVerdicts {
    /// Every clause that reads a value, evaluated for each (real user, the same user as the
    /// bundle holds it) pair whose values differ.
    pub fn compute(filter: &ScopeFilter, pairs: &[(&IdpUser, &IdpUser)]) -> KnownVerdicts {
        let mut out = KnownVerdicts {
            format: FORMAT.into(),
            // The file's name only: a directory may name the person who saved it.
            filter: std::path::Path::new(&filter.source)
                .file_name()
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_default(),
            ..Default::default()
        };
        for (gi, (g, ms)) in filter.groups.iter().zip(filter.matchers()).enumerate() {
            for (ci, (c, m)) in g.clauses.iter().zip(ms).enumerate() {
                if c.operator.is_unary() || m.invalid.is_some() {
                    continue;
                }
                let mut verdicts: BTreeMap<String, Verdict> = BTreeMap::new();
                let mut conflicting: Vec<String> = Vec::new();
                for (real, shown) in pairs {
                    let (Some(r), Some(p)) = (
                        text_of(real.get_norm(&m.key)),
                        text_of(shown.get_norm(&m.key)),
                    ) else {
                        continue;
                    };
                    if r == p {
                        continue;
                    }
                    let v = eval_clause(m, real.get_norm(&m.key));
                    match verdicts.get(p) {
                        Some(old) if *old != v => conflicting.push(p.to_string()),
                        Some(_) => {}
                        None => {
                            verdicts.insert(p.to_string(), v);
                        }
                    }
                }
                conflicting.sort();
                conflicting.dedup();
                for p in &conflicting {
                    verdicts.remove(p);
                }
                out.conflicts += conflicting.len();
                if !verdicts.is_empty() {
                    out.clauses.push(KnownClause {
                        group: gi,
                        clause: ci,
                        text: c.describe(),
                        verdicts,
                    });
                }
            }
        }
        out
    }

    /// How many (clause, value) verdicts the table holds.
    pub fn len(&self) -> usize {
        self.clauses.iter().map(|c| c.verdicts.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl ScopeFilter {
    /// Uses `k`'s verdicts for the clauses that read the same as when it was computed;
    /// returns how many (clause, value) verdicts were attached.
    pub fn attach_known(&mut self, k: &KnownVerdicts) -> usize {
        let mut n = 0;
        for kc in &k.clauses {
            let same = self
                .groups
                .get(kc.group)
                .and_then(|g| g.clauses.get(kc.clause))
                .is_some_and(|c| c.describe() == kc.text);
            if !same {
                continue;
            }
            let table: HashMap<String, Verdict> = kc
                .verdicts
                .iter()
                .map(|(a, b)| (a.clone(), b.clone()))
                .collect();
            n += table.len();
            self.known.insert((kc.group, kc.clause), Arc::new(table));
        }
        // The compiled clauses pick the table up when next built.
        self.reset_compiled();
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(upn: &str, dept: &str) -> IdpUser {
        let mut u = IdpUser::new("t");
        u.set_text("userPrincipalName", upn);
        u.set_text("department", dept);
        u
    }

    /// A pseudonym that would fall out of an ENDS_WITH / regex clause keeps the real
    /// verdict once the table is attached; unknown values are evaluated as usual.
    #[test]
    fn carried_verdicts_reproduce_what_pseudonyms_cannot() {
        let toml = "[[group]]\nname = \"g\"\n[[group.clause]]\nattribute = \"userPrincipalName\"\noperator = \"ENDS_WITH\"\nvalue = \"@contoso.com\"\n[[group.clause]]\nattribute = \"department\"\noperator = \"REGEX MATCH\"\nvalue = \"^Sales\"\n";
        let filter = crate::scope::parse::from_toml("f.toml", toml).unwrap();
        let real = [
            user("ann@contoso.com", "Sales East"),
            user("bob@fabrikam.com", "Sales"),
        ];
        let shown = [
            user("qzv@wprtnbx.hxq", "Kplmw Ghnt"),
            user("xyz@qwerty.uio", "Kplmw"),
        ];
        assert_eq!(filter.outcome(&real[0]), crate::scope::Outcome::InScope);
        assert_eq!(filter.outcome(&shown[0]), crate::scope::Outcome::OutOfScope);
        let pairs: Vec<(&IdpUser, &IdpUser)> = real.iter().zip(shown.iter()).collect();
        let k = KnownVerdicts::compute(&filter, &pairs);
        assert_eq!(k.len(), 4);
        // The table names pseudonymous values only (the clause text is the filter's own).
        for c in &k.clauses {
            for v in c.verdicts.keys() {
                assert!(
                    !v.contains("contoso") && !v.contains("Sales") && !v.contains("ann"),
                    "{v}"
                );
            }
        }
        let text = serde_json::to_string(&k).unwrap();
        let back: KnownVerdicts = serde_json::from_str(&text).unwrap();
        let mut again = crate::scope::parse::from_toml("f.toml", toml).unwrap();
        assert_eq!(again.attach_known(&back), 4);
        assert_eq!(again.outcome(&shown[0]), crate::scope::Outcome::InScope);
        assert_eq!(
            again.decide(&shown[1]).outcome,
            crate::scope::Outcome::OutOfScope
        );
        // A value the table does not list is evaluated as written.
        assert_eq!(
            again.outcome(&user("c@contoso.com", "Sales")),
            crate::scope::Outcome::InScope
        );
        assert_eq!(
            again.outcome(&user("c@x.com", "Sales")),
            crate::scope::Outcome::OutOfScope
        );
    }

    /// A table made for another filter is not used.
    #[test]
    fn a_table_for_another_clause_is_ignored() {
        let k = KnownVerdicts {
            format: FORMAT.into(),
            filter: "x".into(),
            clauses: vec![KnownClause {
                group: 0,
                clause: 0,
                text: "department EQUALS \"Other\"".into(),
                verdicts: [("Kplmw".to_string(), Verdict::Pass)].into(),
            }],
            conflicts: 0,
        };
        let mut f = crate::scope::parse::from_toml(
            "f.toml",
            "[[group]]\nname = \"g\"\n[[group.clause]]\nattribute = \"department\"\noperator = \"EQUALS\"\nvalue = \"Sales\"\n",
        )
        .unwrap();
        assert_eq!(f.attach_known(&k), 0);
        assert_eq!(
            f.outcome(&user("a@b.c", "Kplmw")),
            crate::scope::Outcome::OutOfScope
        );
    }
}
