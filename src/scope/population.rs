//! Who is evaluated and how IdP users and target (SCIM) users find each other. Matching
//! follows Entra's default precedence (reference section 2): `userName eq <userPrincipalName>`
//! first, then `externalId eq <mailNickname>`; gallery apps that map objectId to externalId are
//! covered by trying objectId too, and every match says which rule found it.

use super::idp::IdpUser;
use super::ScopeInputs;
use crate::model::{Tenant, User};
use crate::util::norm_key;
use serde::Serialize;
use std::borrow::Cow;
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MatchedBy {
    /// userName = userPrincipalName (compared without case, as SCIM `userName` is).
    UserName,
    /// externalId = mailNickname (Entra's default mapping).
    ExternalIdMailNickname,
    /// externalId = objectId (gallery apps that map objectId).
    ExternalIdObjectId,
}

impl MatchedBy {
    pub fn describe(self) -> &'static str {
        match self {
            MatchedBy::UserName => "userName = userPrincipalName",
            MatchedBy::ExternalIdMailNickname => "externalId = mailNickname",
            MatchedBy::ExternalIdObjectId => "externalId = objectId",
        }
    }
}

/// Target users indexed the way Entra queries them.
pub struct TargetIndex<'a> {
    pub users: &'a [User],
    by_user_name: HashMap<String, usize>,
    by_external_id: HashMap<&'a str, usize>,
}

impl<'a> TargetIndex<'a> {
    pub fn new(users: &'a [User]) -> Self {
        let mut by_user_name = HashMap::new();
        let mut by_external_id = HashMap::new();
        for (i, u) in users.iter().enumerate() {
            if let Some(n) = u.user_name.as_deref().filter(|s| !s.trim().is_empty()) {
                by_user_name.entry(norm_key(n)).or_insert(i);
            }
            if let Some(x) = u.external_id.as_deref().filter(|s| !s.trim().is_empty()) {
                by_external_id.entry(x).or_insert(i);
            }
        }
        TargetIndex {
            users,
            by_user_name,
            by_external_id,
        }
    }

    /// The target user Entra would match for this IdP user, and by which rule.
    pub fn find(&self, idp: &IdpUser) -> Option<(&'a User, MatchedBy)> {
        let users = self.users;
        if let Some(&i) = idp
            .user_principal_name()
            .and_then(|u| self.by_user_name.get(&norm_key(u)))
        {
            return Some((&users[i], MatchedBy::UserName));
        }
        if let Some(&i) = idp.mail_nickname().and_then(|n| self.by_external_id.get(n)) {
            return Some((&users[i], MatchedBy::ExternalIdMailNickname));
        }
        if let Some(&i) = idp.object_id().and_then(|n| self.by_external_id.get(n)) {
            return Some((&users[i], MatchedBy::ExternalIdObjectId));
        }
        None
    }
}

/// IdP users indexed for the reverse question: which IdP user does this target user belong to?
pub struct IdpIndex<'a> {
    pub users: &'a [IdpUser],
    by_upn: HashMap<String, usize>,
    by_nickname: HashMap<&'a str, usize>,
    by_object_id: HashMap<&'a str, usize>,
}

impl<'a> IdpIndex<'a> {
    pub fn new(users: &'a [IdpUser]) -> Self {
        let mut by_upn = HashMap::new();
        let mut by_nickname = HashMap::new();
        let mut by_object_id = HashMap::new();
        for (i, u) in users.iter().enumerate() {
            if let Some(v) = u.user_principal_name() {
                by_upn.entry(norm_key(v)).or_insert(i);
            }
            if let Some(v) = u.mail_nickname() {
                by_nickname.entry(v).or_insert(i);
            }
            if let Some(v) = u.object_id() {
                by_object_id.entry(v).or_insert(i);
            }
        }
        IdpIndex {
            users,
            by_upn,
            by_nickname,
            by_object_id,
        }
    }

    pub fn find(&self, target: &User) -> Option<(&'a IdpUser, MatchedBy)> {
        let users = self.users;
        if let Some(&i) = target
            .user_name
            .as_deref()
            .and_then(|n| self.by_upn.get(&norm_key(n)))
        {
            return Some((&users[i], MatchedBy::UserName));
        }
        let ext = target.external_id.as_deref()?;
        if let Some(&i) = self.by_nickname.get(ext) {
            return Some((&users[i], MatchedBy::ExternalIdMailNickname));
        }
        self.by_object_id
            .get(ext)
            .map(|&i| (&users[i], MatchedBy::ExternalIdObjectId))
    }
}

/// The IdP user a query (userPrincipalName, mail, objectId or mailNickname) names, for
/// explain-user's Import stage.
pub fn find_idp_user<'a>(users: &'a [IdpUser], query: &str) -> Option<&'a IdpUser> {
    users.iter().find(|u| u.is_named_by(query))
}

/// Where the evaluated users come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PopulationSource {
    IdpExport,
    ScimUsers,
}

/// The users a scoping filter is evaluated for: the IdP export when given, else the SCIM users
/// mapped back to Entra attribute names.
pub fn population<'a>(
    inputs: &'a ScopeInputs,
    tenant: Option<&Tenant>,
) -> Option<(Cow<'a, [IdpUser]>, PopulationSource)> {
    if let Some(users) = &inputs.idp_users {
        return Some((Cow::Borrowed(users.as_slice()), PopulationSource::IdpExport));
    }
    tenant.map(|t| {
        (
            Cow::Owned(t.users.iter().map(IdpUser::from_scim).collect()),
            PopulationSource::ScimUsers,
        )
    })
}
