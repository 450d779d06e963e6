//! What a tenant diff is made of (`Ref`, `Changed`, `ResourceDiff`, `DataDiff`) and how a
//! value is shown in it: shared by the users' comparison (`data`) and the groups' and
//! members' (`members`), which `data` calls.

use crate::model::User;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct Ref {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct AttrChange {
    pub attribute: &'static str,
    pub before: String,
    pub after: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Changed {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before_id: Option<String>,
    pub name: String,
    pub changes: Vec<AttrChange>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ResourceDiff {
    pub before: usize,
    pub after: usize,
    pub added: Vec<Ref>,
    pub removed: Vec<Ref>,
    pub changed: Vec<Changed>,
    pub unchanged: usize,
    /// Matched by userName / displayName because the id differed.
    pub matched_by_name: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct DataDiff {
    pub users: ResourceDiff,
    pub groups: ResourceDiff,
}

pub(super) fn user_name(u: &User) -> String {
    u.user_name.clone().unwrap_or_else(|| u.id.clone())
}

pub(super) fn opt(s: &Option<String>) -> String {
    s.clone().unwrap_or_else(|| "(none)".into())
}
