//! Grouping provisioning-log entries: failures by error code (suffix-matched to the known
//! codes), skips by skip reason, affected users, first/last occurrence, and how close the
//! failure rate is to Entra's quarantine rule (reference section 2: evaluated after 5,000
//! failures; more than 40% failing, or 60,000 failures in total, quarantines the job).

use super::codes::{self, KnownCode};
use super::{LogEntry, LogStatus};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

pub const QUARANTINE_MIN_FAILURES: usize = 5_000;
pub const QUARANTINE_RATIO: f64 = 0.40;
pub const QUARANTINE_ABSOLUTE: usize = 60_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum GroupKind {
    ErrorCode,
    SkipReason,
}

/// A user (source object) affected by a group of entries.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Affected {
    pub key: String,
    pub label: String,
    pub source_id: Option<String>,
    pub target_id: Option<String>,
    pub entries: usize,
    pub first: Option<String>,
    pub last: Option<String>,
}

/// Entries sharing one error code or skip reason, about one kind of object.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EntryGroup {
    pub kind: GroupKind,
    /// "user" or "group": the same code means different things (and fixes) for each.
    pub object: &'static str,
    /// The canonical code/reason when known, else the text the log carried.
    pub key: String,
    pub known: bool,
    /// The codes exactly as the logs spelled them (prefixed variants included).
    pub seen_as: Vec<String>,
    pub cause: Option<String>,
    pub remediation: Option<String>,
    pub count: usize,
    pub users: Vec<Affected>,
    pub first: Option<String>,
    pub last: Option<String>,
    /// One example reason text, for unknown codes the most useful thing to quote.
    pub example_reason: Option<String>,
    /// Lowercased user key -> index in `users` (large logs hold many entries per group).
    #[serde(skip)]
    index: HashMap<String, usize>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Totals {
    pub entries: usize,
    pub success: usize,
    pub warning: usize,
    pub failure: usize,
    pub skipped: usize,
    pub unknown: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Quarantine {
    /// none, below, at-risk, over-threshold, quarantined.
    pub level: &'static str,
    pub failures: usize,
    /// Operations Entra attempted (success + warning + failure; skips send nothing).
    pub attempted: usize,
    pub failure_ratio: f64,
    pub summary: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Analysis {
    pub totals: Totals,
    pub failures: Vec<EntryGroup>,
    pub skips: Vec<EntryGroup>,
    pub quarantine: Quarantine,
}

fn clean(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn short(s: &str) -> String {
    // Scrubbed before the cut: a cut must not leave the start of a secret.
    crate::secret::clip_chars(s.trim(), 120)
}

/// The group key of a failure: known code, the raw code, or "(no error code)".
pub fn failure_key(e: &LogEntry) -> (String, Option<&'static KnownCode>) {
    match clean(&e.error_code) {
        Some(code) => match codes::lookup_code(code) {
            Some(k) => (k.code.to_string(), Some(k)),
            None => (code.to_string(), None),
        },
        None => ("(no error code)".to_string(), None),
    }
}

/// The group key of a skip: skip reason, else error code, else the reason text.
pub fn skip_key(e: &LogEntry) -> (String, Option<&'static KnownCode>) {
    if let Some(r) = clean(&e.skip_reason) {
        return match codes::lookup_skip_reason(r) {
            Some(k) => (k.code.to_string(), Some(k)),
            None => (r.to_string(), None),
        };
    }
    if let Some(code) = clean(&e.error_code) {
        return match codes::lookup_code(code).or_else(|| codes::lookup_skip_reason(code)) {
            Some(k) => (k.code.to_string(), Some(k)),
            None => (code.to_string(), None),
        };
    }
    match clean(&e.reason) {
        Some(r) => (short(r), None),
        None => ("(no reason given)".to_string(), None),
    }
}

pub fn analyse(entries: &[LogEntry]) -> Analysis {
    let mut totals = Totals {
        entries: entries.len(),
        ..Default::default()
    };
    let mut failures: BTreeMap<String, EntryGroup> = BTreeMap::new();
    let mut skips: BTreeMap<String, EntryGroup> = BTreeMap::new();
    let mut quarantined: Option<&'static str> = None;
    for e in entries {
        match e.status {
            LogStatus::Success => totals.success += 1,
            LogStatus::Warning => totals.warning += 1,
            LogStatus::Failure => totals.failure += 1,
            LogStatus::Skipped => totals.skipped += 1,
            LogStatus::Unknown => totals.unknown += 1,
        }
        let (map, kind, (key, known)) = match e.status {
            LogStatus::Failure => (&mut failures, GroupKind::ErrorCode, failure_key(e)),
            LogStatus::Skipped => (&mut skips, GroupKind::SkipReason, skip_key(e)),
            _ => continue,
        };
        if let Some(k) = known {
            if k.code.starts_with("Encountered") {
                quarantined = Some(k.code);
            }
        }
        let object = e.object_word();
        let (cause, remediation) = match known {
            Some(k) if object == "group" => match codes::for_group(k.code) {
                Some((c, r)) => (Some(c.to_string()), Some(r.to_string())),
                None => (Some(k.cause.to_string()), Some(k.remediation.to_string())),
            },
            Some(k) => (Some(k.cause.to_string()), Some(k.remediation.to_string())),
            None => (None, None),
        };
        let g = map
            .entry(format!("{key}\u{0}{object}"))
            .or_insert_with(|| EntryGroup {
                kind,
                object,
                key,
                known: known.is_some(),
                seen_as: Vec::new(),
                cause,
                remediation,
                count: 0,
                users: Vec::new(),
                first: None,
                last: None,
                example_reason: None,
                index: HashMap::new(),
            });
        add(g, e);
    }
    let order = |m: BTreeMap<String, EntryGroup>| {
        let mut v: Vec<EntryGroup> = m.into_values().collect();
        v.sort_by(|a, b| b.count.cmp(&a.count).then(a.key.cmp(&b.key)));
        v
    };
    let quarantine = quarantine(&totals, quarantined);
    Analysis {
        totals,
        failures: order(failures),
        skips: order(skips),
        quarantine,
    }
}

fn add(g: &mut EntryGroup, e: &LogEntry) {
    g.count += 1;
    if let Some(code) = clean(&e.error_code).or(clean(&e.skip_reason)) {
        if !g.seen_as.iter().any(|s| s == code) {
            g.seen_as.push(code.to_string());
        }
    }
    if g.example_reason.is_none() {
        g.example_reason = clean(&e.reason).or(clean(&e.details)).map(short);
    }
    let key = e.subject_key().to_string();
    let idx = match g.index.get(&key.to_lowercase()) {
        Some(&i) => i,
        None => {
            g.index.insert(key.to_lowercase(), g.users.len());
            g.users.push(Affected {
                key,
                label: e.subject_label().to_string(),
                source_id: e.source_id.clone(),
                target_id: e.target_id.clone(),
                entries: 0,
                first: None,
                last: None,
            });
            g.users.len() - 1
        }
    };
    let u = &mut g.users[idx];
    u.entries += 1;
    if let Some(at) = &e.at {
        widen(&mut u.first, &mut u.last, at);
        widen(&mut g.first, &mut g.last, at);
    }
}

/// Parsed instants are stored as RFC 3339 UTC and order correctly as text; unparsed text is
/// compared as text (it is at least reported).
fn widen(first: &mut Option<String>, last: &mut Option<String>, at: &str) {
    if first.as_deref().is_none_or(|f| at < f) {
        *first = Some(at.to_string());
    }
    if last.as_deref().is_none_or(|l| at > l) {
        *last = Some(at.to_string());
    }
}

fn quarantine(t: &Totals, seen: Option<&'static str>) -> Quarantine {
    let attempted = t.success + t.warning + t.failure;
    let ratio = if attempted == 0 {
        0.0
    } else {
        t.failure as f64 / attempted as f64
    };
    let pct = (ratio * 1000.0).round() / 10.0;
    let (level, summary) = if let Some(code) = seen {
        (
            "quarantined",
            format!("the logs show the job in quarantine ({code}); {} of {attempted} attempted operations failed ({pct}%)", t.failure),
        )
    } else if t.failure == 0 {
        ("none", "no failed operations in the logs".to_string())
    } else if t.failure >= QUARANTINE_ABSOLUTE
        || (t.failure >= QUARANTINE_MIN_FAILURES && ratio > QUARANTINE_RATIO)
    {
        (
            "over-threshold",
            format!(
                "{} of {attempted} attempted operations failed ({pct}%): past Entra's quarantine rule (more than 40% failing once 5,000 failures are reached), expect the job to be quarantined",
                t.failure
            ),
        )
    } else if ratio > QUARANTINE_RATIO {
        (
            "at-risk",
            format!(
                "{} of {attempted} attempted operations failed ({pct}%, above the 40% quarantine ratio): Entra quarantines the job once 5,000 failures accumulate at this rate ({} of 5,000 in these logs)",
                t.failure, t.failure
            ),
        )
    } else {
        (
            "below",
            format!(
                "{} of {attempted} attempted operations failed ({pct}%), below the 40% quarantine ratio ({} of the 5,000 failures after which Entra evaluates it)",
                t.failure, t.failure
            ),
        )
    };
    Quarantine {
        level,
        failures: t.failure,
        attempted,
        failure_ratio: (ratio * 10_000.0).round() / 10_000.0,
        summary,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn totals(success: usize, failure: usize) -> Totals {
        Totals {
            entries: success + failure,
            success,
            failure,
            ..Default::default()
        }
    }

    // proves the quarantine verdict follows the documented rule (5,000 failures, >40%, 60,000)
    #[test]
    fn quarantine_levels() {
        assert_eq!(quarantine(&totals(10, 0), None).level, "none");
        assert_eq!(quarantine(&totals(70, 30), None).level, "below");
        assert_eq!(quarantine(&totals(50, 50), None).level, "at-risk");
        assert_eq!(
            quarantine(&totals(6_000, 5_000), None).level,
            "over-threshold"
        );
        assert_eq!(quarantine(&totals(9_000, 5_000), None).level, "below");
        assert_eq!(
            quarantine(&totals(200_000, 60_000), None).level,
            "over-threshold"
        );
        assert_eq!(
            quarantine(&totals(1, 1), Some("EncounteredEscrowProportionThreshold")).level,
            "quarantined"
        );
    }

    // proves that skipped entries do not count as attempted operations
    #[test]
    fn skips_are_not_attempts() {
        let t = Totals {
            entries: 110,
            success: 5,
            failure: 5,
            skipped: 100,
            ..Default::default()
        };
        let q = quarantine(&t, None);
        assert_eq!((q.attempted, q.level), (10, "at-risk"));
    }
}

#[cfg(test)]
mod object_tests {
    use super::*;

    fn entry(kind: &str, name: &str) -> LogEntry {
        let json = format!(
            r#"[{{"provisioningAction":"create","provisioningStatusInfo":{{"status":"failure","errorInformation":{{"errorCode":"ContosoEntryConflict"}}}},"sourceIdentity":{{"id":"{name}","displayName":"{name}","identityType":"{kind}"}}}}]"#
        );
        crate::logs::parse_files(&[("l.json".into(), json.into_bytes())])
            .unwrap()
            .entries
            .remove(0)
    }

    /// Proves the same code on a user and on a group makes two groups, each with its own fix.
    #[test]
    fn users_and_groups_get_their_own_cause() {
        let a = analyse(&[entry("Group", "Sales"), entry("User", "ann@contoso.com")]);
        assert_eq!(a.failures.len(), 2);
        let g = a.failures.iter().find(|g| g.object == "group").unwrap();
        let u = a.failures.iter().find(|g| g.object == "user").unwrap();
        assert!(g
            .cause
            .as_deref()
            .unwrap()
            .contains("group with this displayName"));
        assert!(u
            .cause
            .as_deref()
            .unwrap()
            .contains("user with this userName"));
    }
}
