//! Bulk simulation: one verdict per user of a population, plus the counts. Pure data, rendered
//! by `commands::scope` and timed by `benches/scope.rs`.

use super::eval::{Miss, Outcome};
use super::filter::{Issue, ScopeFilter};
use super::idp::IdpUser;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct UserVerdict {
    /// UPN, else mail, else display name, else where the user came from.
    pub user: String,
    #[serde(rename = "userPrincipalName")]
    pub user_principal_name: Option<String>,
    #[serde(rename = "objectId")]
    pub object_id: Option<String>,
    pub origin: String,
    pub verdict: Outcome,
    /// For users not in scope: the first clause that did not pass in each group.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub misses: Vec<Miss>,
}

impl UserVerdict {
    /// The misses as one line (`group "Sales": department EQUALS "Sales", saw "HR"; ...`).
    pub fn reason(&self) -> String {
        self.misses
            .iter()
            .map(Miss::describe)
            .collect::<Vec<_>>()
            .join("; ")
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub users: usize,
    pub in_scope: usize,
    pub out_of_scope: usize,
    pub invalid: usize,
}

impl Counts {
    pub fn add(&mut self, o: Outcome) {
        self.users += 1;
        match o {
            Outcome::InScope => self.in_scope += 1,
            Outcome::OutOfScope => self.out_of_scope += 1,
            Outcome::Undetermined => self.invalid += 1,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Simulation {
    pub counts: Counts,
    pub issues: Vec<Issue>,
    pub users: Vec<UserVerdict>,
}

/// Only the counts: the hot path for very large populations.
pub fn count(filter: &ScopeFilter, users: &[IdpUser]) -> Counts {
    let mut c = Counts::default();
    for u in users {
        c.add(filter.outcome(u));
    }
    c
}

pub fn simulate(filter: &ScopeFilter, users: &[IdpUser]) -> Simulation {
    let mut counts = Counts::default();
    let mut out = Vec::with_capacity(users.len());
    for u in users {
        let d = filter.decide(u);
        counts.add(d.outcome);
        out.push(UserVerdict {
            user: u.label().to_string(),
            user_principal_name: u.user_principal_name().map(str::to_string),
            object_id: u.object_id().map(str::to_string),
            origin: u.origin.clone(),
            verdict: d.outcome,
            misses: d.misses,
        });
    }
    Simulation {
        counts,
        issues: filter.issues(),
        users: out,
    }
}
