//! Target-service profiles: what the receiving service requires of provisioned users
//! (data in `playbooks/profiles/*.toml`). `default` encodes the rules of the seeds' target
//! (email as user id, email mandatory for licensing, no nested groups); `generic` asks only
//! what RFC 7643 requires.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub id: String,
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// SCIM attribute paths every user must carry (`userName`, `emails`, `externalId`...).
    #[serde(default)]
    pub required_user_attributes: Vec<String>,
    /// The account must use Email as the User ID: userName must be an email address.
    #[serde(default)]
    pub email_as_user_id: bool,
    /// A user without an email cannot be licensed or connect.
    #[serde(default)]
    pub email_required: bool,
    /// Whether the target accepts groups inside groups.
    #[serde(default = "yes")]
    pub nested_groups_supported: bool,
    /// Only one user per email address can hold a licence.
    #[serde(default)]
    pub one_license_per_email: bool,
    /// What the target calls the licence a user needs to connect ("SDP licence").
    #[serde(default = "licence_name")]
    pub licence_name: String,
    /// Where an admin assigns licences in the target's console.
    #[serde(default = "licence_settings")]
    pub licence_settings: String,
    /// Where an admin finds (and deletes) users in the target's console.
    #[serde(default = "users_page")]
    pub users_page: String,
}

fn yes() -> bool {
    true
}

fn licence_name() -> String {
    "licence".into()
}

fn licence_settings() -> String {
    "the target's licence settings".into()
}

fn users_page() -> String {
    "the target's user list".into()
}

/// Shipped profiles: (file name, contents).
pub const SHIPPED: &[(&str, &str)] = &[
    (
        "profiles/default.toml",
        include_str!("../playbooks/profiles/default.toml"),
    ),
    (
        "profiles/generic.toml",
        include_str!("../playbooks/profiles/generic.toml"),
    ),
];

/// Loads profile `id` from the shipped set, or from `<dir>/profiles/*.toml` when given.
pub fn load(id: &str, extra: Option<&std::path::Path>) -> Result<Profile, String> {
    let mut all: Vec<Profile> = Vec::new();
    for (file, text) in SHIPPED {
        all.push(toml::from_str(text).map_err(|e| format!("{file}: {e}"))?);
    }
    if let Some(dir) = extra.map(|d| d.join("profiles")).filter(|d| d.is_dir()) {
        for p in crate::util::toml_files(&dir)? {
            let text = std::fs::read_to_string(&p)
                .map_err(|e| format!("cannot read {}: {e}", p.display()))?;
            let prof: Profile =
                toml::from_str(&text).map_err(|e| format!("{}: {e}", p.display()))?;
            all.retain(|x| x.id != prof.id);
            all.push(prof);
        }
    }
    let known: Vec<String> = all.iter().map(|p| p.id.clone()).collect();
    all.into_iter().find(|p| p.id == id).ok_or_else(|| {
        format!(
            "unknown profile `{id}`; known profiles: {}",
            known.join(", ")
        )
    })
}
