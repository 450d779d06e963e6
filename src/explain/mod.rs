//! `explain-user`: one user traced end to end like Entra's provision-on-demand: Import (is
//! the user in the IdP export) -> Scope (every scoping clause with its verdict) -> Match (what
//! `userName eq` / `externalId eq` return) -> Target state (the user and its relatives in the
//! target, with the audit checks' findings about them) -> provisioning-log entries ->
//! verdict and next step.
//!
//! The trace is data (`Trace`, serialised as the `--format json` output); `render` turns it
//! into text. Target findings are not recomputed here: the command runs the registry's checks
//! and this module picks the findings whose subjects are this user.

pub mod identity;
pub mod idp_objects;
pub mod mapping;
pub mod matching;
pub mod render;
mod run;
pub mod stages;
pub use run::trace;
mod clip;
mod verdict;

use crate::findings::{CheckResult, Status, SubjectKind};
use crate::logs::{LogEntry, LogInputs, LogStatus};
use crate::model::Tenant;
use identity::{Identity, Relation};
use matching::{MatchOutcome, MatchQuery};
use serde::Serialize;

/// How a stage went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StageStatus {
    Ok,
    Warn,
    Fail,
    /// The input the stage needs was not given.
    Skipped,
}

impl StageStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            StageStatus::Ok => "ok",
            StageStatus::Warn => "warn",
            StageStatus::Fail => "fail",
            StageStatus::Skipped => "skipped",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ImportStage {
    pub status: StageStatus,
    pub summary: String,
    /// The IdP export's attributes for the user, in export order.
    pub attributes: Vec<(String, String)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ClauseVerdict {
    pub attribute: String,
    pub operator: String,
    pub expected: String,
    pub seen: Option<String>,
    pub passed: bool,
    pub verdict: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ScopeGroupVerdict {
    pub name: String,
    pub passed: bool,
    pub clauses: Vec<ClauseVerdict>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ScopeStage {
    pub status: StageStatus,
    pub summary: String,
    pub in_scope: Option<bool>,
    pub groups: Vec<ScopeGroupVerdict>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MatchStage {
    pub status: StageStatus,
    pub summary: String,
    /// `live` (requests sent) or `snapshot` (computed on the tenant).
    pub mode: &'static str,
    pub outcome: MatchOutcome,
    pub matched_id: Option<String>,
    /// What the same lookups conclude on a correct server holding the same users (the
    /// lookups computed on the tenant). Equal to `outcome` offline; live, a difference is
    /// the server's filter changing what Entra does.
    pub expected_outcome: MatchOutcome,
    pub expected_id: Option<String>,
    pub queries: Vec<MatchQuery>,
}

/// A finding of the audit checks about one target user.
#[derive(Debug, Clone, Serialize)]
pub struct UserFinding {
    pub check: String,
    pub status: Status,
    pub message: String,
    pub detail: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct TargetUser {
    pub id: String,
    #[serde(rename = "userName")]
    pub user_name: Option<String>,
    #[serde(rename = "externalId")]
    pub external_id: Option<String>,
    pub active: bool,
    pub emails: Vec<String>,
    pub groups: Vec<String>,
    pub relation: Relation,
    pub findings: Vec<UserFinding>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TargetStage {
    pub status: StageStatus,
    pub summary: String,
    pub users: Vec<TargetUser>,
    /// Checks whose results were consulted.
    pub checks_run: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct LogLine {
    pub at: Option<String>,
    pub action: Option<String>,
    pub status: LogStatus,
    pub error_code: Option<String>,
    /// The known code the error code ends with.
    pub known_code: Option<String>,
    pub reason: Option<String>,
    pub skip_reason: Option<String>,
    pub change_id: Option<String>,
    /// The first step that did not succeed, as "kind: description".
    pub failed_step: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LogStage {
    pub status: StageStatus,
    pub summary: String,
    pub entries: Vec<LogLine>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    pub status: Status,
    /// Stable kebab-case code: provisioned, not-found, not-in-idp, out-of-scope, not-assigned,
    /// filter-broken, ambiguous-match, failing, disabled-in-target, target-findings,
    /// duplicate-risk, not-provisioned, group.
    pub code: &'static str,
    pub summary: String,
    pub next_step: String,
}

/// The whole explanation.
#[derive(Debug, Clone, Serialize)]
pub struct Trace {
    pub query: String,
    /// `snapshot <path>` or `live <host>`.
    pub source: String,
    pub found: bool,
    pub import: ImportStage,
    pub scope: ScopeStage,
    #[serde(rename = "match")]
    pub matching: MatchStage,
    pub target: TargetStage,
    pub logs: LogStage,
    /// What the schema's mappings give for this user and whom Entra would match.
    pub mapping: mapping::MappingStage,
    pub verdict: Verdict,
    /// Known names closest to the query, when the user was not found.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub closest: Vec<String>,
    /// How the trace must be read (incomplete tenant data, TLS verification off).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// Everything `build` needs; the command gathers it (the live lookups are async).
pub struct Inputs<'a> {
    pub source: String,
    pub tenant: &'a Tenant,
    pub checks: &'a [CheckResult],
    pub logs: Option<&'a LogInputs>,
    pub identity: Identity,
    pub matches: Vec<MatchQuery>,
    pub live: bool,
    pub import: ImportStage,
    pub scope: ScopeStage,
    pub mapping: mapping::MappingStage,
    /// Names to suggest when the user is not found (userNames, emails, IdP UPNs).
    pub candidates: Vec<String>,
    pub warnings: Vec<String>,
}

pub fn build(i: Inputs) -> Trace {
    let (outcome, matched) = matching::outcome(&i.matches);
    let matched_id = matched.map(|m| m.id.clone());
    let correct_queries = matching::offline(i.tenant, &i.identity);
    let (correct, correct_match) = matching::outcome(&correct_queries);
    let correct = (correct, correct_match.map(|m| m.id.clone()));
    let matched_ids: Vec<String> = i
        .matches
        .iter()
        .chain(correct_queries.iter())
        .flat_map(|q| q.results.iter().map(|r| r.id.clone()))
        .collect();
    let mut matching = match_stage(&i.matches, outcome, matched_id.clone(), i.live, correct);
    schema_note(&mut matching, &i.mapping);
    let related = identity::related(i.tenant, &i.identity, &matched_ids);
    let target = target_stage(i.tenant, i.checks, &related, matched_id.as_deref());
    let entries: Vec<&LogEntry> = match i.logs {
        Some(l) => i
            .identity
            .log_entries
            .iter()
            .filter_map(|&n| l.entries.get(n))
            .collect(),
        None => Vec::new(),
    };
    let logs = log_stage(i.logs.map(|l| l.entries.len()), &entries);
    let found = !i.identity.named.is_empty()
        || i.identity.idp.is_some()
        || !entries.is_empty()
        || !related.is_empty();
    let mut trace = Trace {
        query: i.identity.query.clone(),
        source: i.source,
        found,
        import: i.import,
        scope: i.scope,
        matching,
        target,
        logs,
        mapping: i.mapping,
        verdict: Verdict {
            status: Status::Pass,
            code: "provisioned",
            summary: String::new(),
            next_step: String::new(),
        },
        closest: Vec::new(),
        warnings: i.warnings,
    };
    if !found {
        trace.closest = identity::closest(&i.identity.query, i.candidates.into_iter())
            .iter()
            .map(|c| crate::util::clip_value(c))
            .collect();
    }
    // The verdict quotes the stages: it reads them clipped, so its sentences stay short.
    trace.clip_values();
    trace.verdict = verdict::decide(&trace, &entries);
    crate::util::clip_in_place(&mut trace.verdict.summary, MAX_SENTENCE_CHARS);
    crate::util::clip_in_place(&mut trace.verdict.next_step, MAX_SENTENCE_CHARS);
    trace
}

/// The most characters of a stage's summary, the verdict's sentences, a problem or a
/// log line's reason: they quote tenant values among words of their own.
const MAX_SENTENCE_CHARS: usize = 16 * 1024;

fn user_label(id: Option<&str>) -> String {
    id.map(|i| format!("target user {i}"))
        .unwrap_or_else(|| "no user".into())
}

/// What Entra does with a lookup result, in words.
fn consequence(outcome: MatchOutcome, id: Option<&str>) -> String {
    match outcome {
        MatchOutcome::Matched => format!("Entra matches {}: it will update it", user_label(id)),
        MatchOutcome::NoMatch => "no target user matches: Entra will create the user".into(),
        MatchOutcome::Ambiguous => {
            "a lookup returns more than one user: Entra stops with MultipleEntriesInResponse".into()
        }
        MatchOutcome::Unknown => "no userName or externalId is known for this user, so Entra's lookups cannot be replayed".into(),
        MatchOutcome::Failed => "a lookup request failed: Entra's lookup fails too".into(),
    }
}

fn match_stage(
    queries: &[MatchQuery],
    outcome: MatchOutcome,
    matched: Option<String>,
    live: bool,
    correct: (MatchOutcome, Option<String>),
) -> MatchStage {
    // Only the lookups Entra sends count (live, the sequence already stops where Entra stops).
    let problem = queries.iter().find_map(|q| q.problem.clone());
    let differs = outcome != correct.0 || matched != correct.1;
    let (status, summary) = if outcome == MatchOutcome::Failed {
        (
            StageStatus::Fail,
            problem.unwrap_or_else(|| "a lookup request failed".into()),
        )
    } else if differs {
        let effect = match (outcome, correct.0) {
            (MatchOutcome::NoMatch, MatchOutcome::Matched) => format!(
                "the server's answers find no user, so Entra will create a second user (or get 409 Conflict) although {} holds the value",
                user_label(correct.1.as_deref())
            ),
            (MatchOutcome::NoMatch, MatchOutcome::Ambiguous) => "the server's answers find no user, so Entra will create one although several target users hold the value".to_string(),
            (MatchOutcome::Ambiguous, _) => "the server returns more than one user where a correct server returns at most one: Entra stops with MultipleEntriesInResponse".to_string(),
            (MatchOutcome::Matched, MatchOutcome::NoMatch) => format!(
                "the server returns {} although no user holds the value: Entra would update the wrong user",
                user_label(matched.as_deref())
            ),
            (MatchOutcome::Matched, MatchOutcome::Ambiguous) => format!(
                "the server returns only {} where several target users hold the value: Entra updates that one and the duplicates stay",
                user_label(matched.as_deref())
            ),
            _ => format!(
                "the server's answers make Entra match {} where a correct server gives {}",
                user_label(matched.as_deref()),
                user_label(correct.1.as_deref())
            ),
        };
        let detail = problem.map(|p| format!(" ({p})")).unwrap_or_default();
        (StageStatus::Fail, format!("{effect}{detail}"))
    } else {
        let base = consequence(outcome, matched.as_deref());
        let st = match outcome {
            MatchOutcome::Ambiguous => StageStatus::Fail,
            MatchOutcome::Unknown => StageStatus::Skipped,
            _ => StageStatus::Ok,
        };
        match problem {
            // Entra still reaches the right answer, but one of the lookups it sent is wrong.
            Some(p) => (StageStatus::Warn, format!("{base}; but {p}")),
            None => (st, base),
        }
    };
    MatchStage {
        status,
        summary,
        mode: if live { "live" } else { "snapshot" },
        outcome,
        matched_id: matched,
        expected_outcome: correct.0,
        expected_id: correct.1,
        queries: queries.to_vec(),
    }
}

/// With a synchronization schema the Mapping stage's matching attributes are what Entra
/// uses; when they disagree with the default lookups, the Match stage says so.
fn schema_note(m: &mut MatchStage, mapping: &mapping::MappingStage) {
    let Some(schema) = mapping.outcome else {
        return;
    };
    if schema == m.outcome && mapping.would_match == m.matched_id {
        return;
    }
    let attrs: Vec<&str> = mapping.matching.iter().map(|s| s.target.as_str()).collect();
    m.summary.push_str(&format!(
        "; the synchronization schema matches on {} instead, and that gives {}: see Mapping",
        attrs.join(" then "),
        match schema {
            MatchOutcome::Matched => user_label(mapping.would_match.as_deref()),
            MatchOutcome::Ambiguous => "several target users (DuplicateTargetEntries)".into(),
            MatchOutcome::NoMatch => "no user (Entra creates one)".into(),
            _ => "no value to match on".into(),
        }
    ));
    if m.status == StageStatus::Ok {
        m.status = StageStatus::Warn;
    }
}

fn target_stage(
    tenant: &Tenant,
    checks: &[CheckResult],
    related: &[(usize, Relation)],
    matched: Option<&str>,
) -> TargetStage {
    let mut users = Vec::new();
    for &(idx, relation) in related {
        let u = &tenant.users[idx];
        let groups = tenant
            .groups
            .iter()
            .filter(|g| g.members.iter().any(|m| m.value == u.id))
            .map(|g| crate::util::clip_value(g.name()))
            .collect();
        let findings = checks
            .iter()
            .filter(|c| c.status.rank() >= 1)
            .flat_map(|c| {
                c.subjects
                    .iter()
                    // Subjects carry ids clipped as reports show them.
                    .filter(|s| {
                        s.kind == SubjectKind::User
                            && (s.id == u.id
                                || (u.id.len() > crate::util::MAX_SHOWN_CHARS
                                    && s.id == crate::util::clip_value(&u.id)))
                    })
                    .map(move |s| UserFinding {
                        check: c.id.clone(),
                        status: c.status,
                        message: c.message.clone(),
                        detail: s.detail.clone(),
                    })
            })
            .collect();
        let relation = if matched == Some(u.id.as_str()) && relation != Relation::SoftDeleteLeftover
        {
            Relation::Matched
        } else {
            relation
        };
        // Tenant values are shown clipped (the snapshot keeps them whole).
        use crate::util::clip_value as clip;
        users.push(TargetUser {
            id: clip(&u.id),
            user_name: u.user_name.as_deref().map(clip),
            external_id: u.external_id.as_deref().map(clip),
            active: u.is_active(),
            emails: u.email_values().into_iter().map(clip).collect(),
            groups,
            relation,
            findings,
        });
    }
    let worst = users
        .iter()
        .flat_map(|u| u.findings.iter().map(|f| f.status.rank()))
        .max()
        .unwrap_or(0);
    let leftovers = users
        .iter()
        .filter(|u| u.relation == Relation::SoftDeleteLeftover)
        .count();
    let status = match worst {
        2 => StageStatus::Fail,
        1 => StageStatus::Warn,
        _ if leftovers > 0 || users.len() > 1 => StageStatus::Warn,
        _ if users.is_empty() => StageStatus::Warn,
        _ => StageStatus::Ok,
    };
    let findings: usize = users.iter().map(|u| u.findings.len()).sum();
    let summary = if users.is_empty() {
        "no user in the target belongs to this person".to_string()
    } else {
        let mut s = format!(
            "{} in the target ({} active)",
            crate::util::plural(users.len(), "related user", "related users"),
            users.iter().filter(|u| u.active).count()
        );
        if leftovers > 0 {
            s.push_str(&format!(
                ", {} (userName rewritten to <32 hex><UPN>; a heuristic, not confirmed by Microsoft)",
                crate::util::plural(leftovers, "soft-delete leftover", "soft-delete leftovers")
            ));
        }
        s.push_str(&format!(
            ", {} from the audit checks",
            crate::util::plural(findings, "finding", "findings")
        ));
        s
    };
    TargetStage {
        status,
        summary,
        users,
        checks_run: checks
            .iter()
            .filter(|c| c.status != Status::Skipped)
            .count(),
    }
}

fn log_stage(total: Option<usize>, entries: &[&LogEntry]) -> LogStage {
    let Some(total) = total else {
        return LogStage {
            status: StageStatus::Skipped,
            summary: "no --provisioning-logs given".into(),
            entries: Vec::new(),
        };
    };
    let mut lines: Vec<(Option<time::OffsetDateTime>, LogLine)> = entries
        .iter()
        .map(|e| {
            let failed_step = e
                .steps
                .iter()
                .find(|s| {
                    !matches!(
                        LogStatus::parse(&s.status),
                        LogStatus::Success | LogStatus::Unknown
                    )
                })
                .map(|s| {
                    format!(
                        "{}: {}",
                        if s.kind.is_empty() { &s.name } else { &s.kind },
                        s.description
                    )
                });
            (
                e.at_utc,
                LogLine {
                    at: e.at.clone(),
                    action: e.action.clone(),
                    status: e.status,
                    error_code: e.error_code.clone(),
                    known_code: e
                        .error_code
                        .as_deref()
                        .and_then(crate::logs::codes::lookup_code)
                        .map(|k| k.code.to_string()),
                    reason: e.reason.clone(),
                    skip_reason: e.skip_reason.clone(),
                    change_id: e.change_id.clone(),
                    failed_step,
                },
            )
        })
        .collect();
    lines.sort_by_key(|a| a.0);
    let lines: Vec<LogLine> = lines.into_iter().map(|(_, l)| l).collect();
    let (status, summary) = match lines.last() {
        None => (
            StageStatus::Skipped,
            format!("none of the {total} log entries is about this user"),
        ),
        Some(last) => {
            let st = match last.status {
                LogStatus::Failure => StageStatus::Fail,
                LogStatus::Skipped | LogStatus::Warning => StageStatus::Warn,
                _ => StageStatus::Ok,
            };
            (
                st,
                format!(
                    "{}; the latest ({}) is {}",
                    crate::util::plural(lines.len(), "entry", "entries"),
                    last.at.as_deref().unwrap_or("time unknown"),
                    last.status.as_str()
                ),
            )
        }
    };
    LogStage {
        status,
        summary,
        entries: lines,
    }
}
