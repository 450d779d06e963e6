//! The symptom a ticket description names ("new hires are not provisioned"), and the checks
//! that answer it, most direct first: summary.md puts them at the head of its symptom table
//! and its list of affected users.

use crate::report::Report;

/// A symptom a ticket description can name: the words that name it (lowercase), the
/// checks that answer it directly, then the playbook whose other checks follow. The symptoms
/// are those of the vendor's troubleshooting article and of each playbook's `symptom`.
struct Symptom {
    words: &'static [&'static str],
    lead: &'static [&'static str],
    playbook: &'static str,
}

const SYMPTOMS: &[Symptom] = &[
    Symptom {
        words: &[
            "not provisioned",
            "not being provisioned",
            "not getting provisioned",
            "aren't provisioned",
            "not appear",
            "don't appear",
            "not synced",
            "not syncing",
            "not created",
            "missing",
            "new hire",
            "new joiner",
            "new user",
        ],
        lead: &[
            "not-provisioned",
            "provisioning-failures",
            "out-of-scope",
            "scope-filter-invalid",
        ],
        playbook: "users-not-provisioned",
    },
    Symptom {
        words: &["connect", "licen", "sdp", "ztna", "client"],
        lead: &[
            "unlicensable-user",
            "license-capacity",
            "missing-email",
            "invalid-email",
        ],
        playbook: "users-cannot-connect",
    },
    Symptom {
        words: &["duplicate", "twice", "two copies"],
        lead: &["duplicate-email", "soft-delete-leftover"],
        playbook: "duplicate-users",
    },
    Symptom {
        words: &["test connection", "credential", "401", "unauthori", "token"],
        lead: &["http-auth", "idp-test-connection"],
        playbook: "test-connection",
    },
    Symptom {
        words: &[
            "enable scim",
            "enabling scim",
            "can't enable",
            "account id configuration",
        ],
        lead: &["username-not-email"],
        playbook: "enabling-scim",
    },
    Symptom {
        words: &["group"],
        lead: &["nested-group", "orphan-group-member"],
        playbook: "group-sync",
    },
    Symptom {
        words: &[
            "import",
            "409",
            "conflict",
            "slow",
            "timeout",
            "timed out",
            "throttl",
        ],
        lead: &["filter-username-eq", "pagination-consistency"],
        playbook: "incomplete-import",
    },
];

/// The checks that answer the symptoms the description names, the most direct first (empty
/// without a description, or when it names none).
pub fn described_checks<'a>(r: &'a Report, description: Option<&str>) -> Vec<&'a str> {
    let Some(d) = description.map(str::to_lowercase) else {
        return Vec::new();
    };
    let mut out: Vec<&str> = Vec::new();
    let named: Vec<&Symptom> = SYMPTOMS
        .iter()
        .filter(|s| s.words.iter().any(|w| d.contains(w)))
        .collect();
    let mut add = |id: &str| {
        if let Some(c) = r.checks.iter().find(|c| c.id == id) {
            if !out.contains(&c.id.as_str()) {
                out.push(c.id.as_str());
            }
        }
    };
    for s in &named {
        s.lead.iter().for_each(|id| add(id));
    }
    for s in &named {
        for pb in r.playbooks.iter().filter(|p| p.id == s.playbook) {
            pb.checks.iter().for_each(|id| add(id));
        }
    }
    out
}
