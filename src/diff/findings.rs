//! The findings half of a diff: per check, the status before and after and the subjects
//! resolved, new and still present. Subjects are matched by kind and id; users whose ids were
//! regenerated (a tenant rebuilt, a re-provisioning) fall back to their userName. Checks that
//! cluster their subjects (duplicates, log error codes) are compared cluster by cluster.

use crate::findings::{CheckResult, Status, Subject, SubjectKind};
use crate::report::Report;
use serde::Serialize;
use std::collections::{HashMap, HashSet};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Change {
    Better,
    Worse,
    /// Some subjects resolved, others new.
    Mixed,
    Same,
    /// Skipped, or absent, on one side: nothing can be said.
    NotCompared,
}

impl Change {
    pub fn as_str(self) -> &'static str {
        match self {
            Change::Better => "better",
            Change::Worse => "worse",
            Change::Mixed => "mixed",
            Change::Same => "same",
            Change::NotCompared => "not-compared",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct SubjectRef {
    pub kind: String,
    /// The id on the side it comes from (AFTER for still-present subjects).
    pub id: String,
    pub label: String,
    /// The BEFORE id of a still-present user matched by userName.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before_id: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CheckDiff {
    pub id: String,
    pub before: Option<Status>,
    pub after: Option<Status>,
    pub change: Change,
    /// "subjects", or "clusters" for checks that group their subjects.
    pub unit: &'static str,
    pub before_total: usize,
    pub after_total: usize,
    pub resolved: Vec<SubjectRef>,
    pub new: Vec<SubjectRef>,
    pub still: Vec<SubjectRef>,
    /// Users matched by userName because their id changed.
    pub matched_by_user_name: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

fn kind_name(k: SubjectKind) -> &'static str {
    match k {
        SubjectKind::User => "user",
        SubjectKind::Group => "group",
        SubjectKind::Request => "request",
        SubjectKind::Entry => "entry",
        SubjectKind::Item => "item",
    }
}

fn sref(s: &Subject) -> SubjectRef {
    SubjectRef {
        kind: kind_name(s.kind).into(),
        id: s.id.clone(),
        label: s.label().to_string(),
        before_id: None,
    }
}

fn cluster(key: &str, n: usize) -> SubjectRef {
    SubjectRef {
        kind: "cluster".into(),
        id: key.to_string(),
        label: format!("{key} ({n})"),
        before_id: None,
    }
}

/// Clusters by key (case-insensitive): resolved = keys only before, new = only after.
fn by_cluster(d: &mut CheckDiff, b: &CheckResult, a: &CheckResult) {
    let count = |c: &CheckResult| {
        let mut m: Vec<(String, String, usize)> = Vec::new();
        let mut idx: HashMap<String, usize> = HashMap::new();
        for s in &c.subjects {
            let key = s.group_key.clone().unwrap_or_else(|| s.id.clone());
            let norm = key.to_lowercase();
            match idx.get(&norm) {
                Some(&i) => m[i].2 += 1,
                None => {
                    idx.insert(norm.clone(), m.len());
                    m.push((norm, key, 1));
                }
            }
        }
        m
    };
    let (bm, am) = (count(b), count(a));
    let akeys: HashSet<&str> = am.iter().map(|(k, _, _)| k.as_str()).collect();
    let bkeys: HashSet<&str> = bm.iter().map(|(k, _, _)| k.as_str()).collect();
    d.unit = "clusters";
    d.before_total = bm.len();
    d.after_total = am.len();
    for (k, key, n) in &bm {
        if akeys.contains(k.as_str()) {
            d.still.push(cluster(key, *n));
        } else {
            d.resolved.push(cluster(key, *n));
        }
    }
    for (k, key, n) in &am {
        if !bkeys.contains(k.as_str()) {
            d.new.push(cluster(key, *n));
        }
    }
}

/// Subjects by (kind, id), then users left over by lowercase userName.
fn by_subject(d: &mut CheckDiff, b: &CheckResult, a: &CheckResult) {
    d.before_total = b.subjects.len();
    d.after_total = a.subjects.len();
    let key = |s: &Subject| (s.kind as u8, s.id.clone());
    let after: HashMap<(u8, String), usize> = a
        .subjects
        .iter()
        .enumerate()
        .map(|(i, s)| (key(s), i))
        .collect();
    let mut used = vec![false; a.subjects.len()];
    let mut left = Vec::new();
    for s in &b.subjects {
        match after.get(&key(s)) {
            Some(&i) if !used[i] => {
                used[i] = true;
                d.still.push(sref(&a.subjects[i]));
            }
            _ => left.push(s),
        }
    }
    let mut by_name: HashMap<String, usize> = HashMap::new();
    for (i, s) in a.subjects.iter().enumerate() {
        if !used[i] && s.kind == SubjectKind::User {
            if let Some(n) = &s.user_name {
                by_name.entry(n.to_lowercase()).or_insert(i);
            }
        }
    }
    for s in left {
        let hit = match (&s.kind, &s.user_name) {
            (SubjectKind::User, Some(n)) => by_name.remove(&n.to_lowercase()),
            _ => None,
        };
        match hit {
            Some(i) => {
                used[i] = true;
                d.matched_by_user_name += 1;
                let mut r = sref(&a.subjects[i]);
                r.before_id = Some(s.id.clone());
                d.still.push(r);
            }
            None => d.resolved.push(sref(s)),
        }
    }
    for (i, s) in a.subjects.iter().enumerate() {
        if !used[i] {
            d.new.push(sref(s));
        }
    }
}

pub fn compare(before: &Report, after: &Report) -> Vec<CheckDiff> {
    let mut ids: Vec<&str> = crate::render::ordered_checks(after)
        .into_iter()
        .map(|c| c.id.as_str())
        .collect();
    for c in crate::render::ordered_checks(before) {
        if !ids.contains(&c.id.as_str()) {
            ids.push(&c.id);
        }
    }
    ids.into_iter()
        .map(|id| one(id, before.check(id), after.check(id)))
        .collect()
}

fn one(id: &str, b: Option<&CheckResult>, a: Option<&CheckResult>) -> CheckDiff {
    let mut d = CheckDiff {
        id: id.to_string(),
        before: b.map(|c| c.status),
        after: a.map(|c| c.status),
        change: Change::Same,
        unit: "subjects",
        before_total: 0,
        after_total: 0,
        resolved: Vec::new(),
        new: Vec::new(),
        still: Vec::new(),
        matched_by_user_name: 0,
        note: None,
    };
    let (b, a) = match (b, a) {
        (Some(b), Some(a)) if b.status != Status::Skipped && a.status != Status::Skipped => (b, a),
        // Skipped on both sides: the same (absent) answer, nothing to report.
        (Some(_), Some(_)) if d.before == d.after => return d,
        (b, a) => {
            d.change = Change::NotCompared;
            d.note = Some(match (b, a) {
                (None, _) => "only AFTER ran this check".into(),
                (_, None) => "only BEFORE ran this check".into(),
                (Some(b), _) if b.status == Status::Skipped => {
                    format!("skipped in BEFORE: {}", b.message)
                }
                (_, Some(a)) => format!("skipped in AFTER: {}", a.message),
            });
            return d;
        }
    };
    if b.subjects
        .iter()
        .chain(&a.subjects)
        .any(|s| s.group_key.is_some())
    {
        by_cluster(&mut d, b, a);
    } else {
        by_subject(&mut d, b, a);
    }
    // A check that passes carries no problem subjects (some list what they looked at).
    if a.status == Status::Pass {
        d.resolved.append(&mut d.still);
        d.new.clear();
        d.after_total = 0;
    }
    if b.status == Status::Pass {
        d.new.append(&mut d.still);
        d.resolved.clear();
        d.before_total = 0;
    }
    let (rb, ra) = (b.status.rank(), a.status.rank());
    d.change = if ra > rb {
        Change::Worse
    } else if ra < rb {
        if d.new.is_empty() {
            Change::Better
        } else {
            Change::Mixed
        }
    } else {
        match (d.resolved.is_empty(), d.new.is_empty()) {
            (true, true) => Change::Same,
            (false, true) => Change::Better,
            (true, false) => Change::Worse,
            (false, false) => Change::Mixed,
        }
    };
    d
}
