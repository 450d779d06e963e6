//! Evaluating a scoping filter for one user, with Entra's documented semantics (reference
//! section 2): clauses ANDed inside a group, groups ORed, no groups = in scope, a null or
//! empty attribute makes every operator false except the IS NULL family.
//!
//! Two entry points: `evaluate` gives the full trace (every clause of every group, for
//! explain-user) and `decide` the cheap verdict for bulk simulation (stops at the first
//! clause that does not pass in each group and at the first group that passes).
//!
//! A clause that cannot be evaluated for a user is `Invalid`, never a silent `Fail`: a group
//! with an invalid clause and no failing one is undetermined, and so is the user when no
//! group passes.

pub use super::filter::Verdict;
use super::filter::{FilterSet, Matcher, ScopeFilter};
use super::idp::{parse_bool, AttrValue, IdpUser};
use super::operator::Operator;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClauseTrace {
    pub attribute: String,
    pub operator: String,
    pub expected: Vec<String>,
    /// The value the user has (`None`: null or empty).
    pub seen: Option<String>,
    pub verdict: Verdict,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupTrace {
    pub name: String,
    pub set: FilterSet,
    pub passed: bool,
    pub clauses: Vec<ClauseTrace>,
}

impl GroupTrace {
    /// Not passed, and no clause definitively failed: an invalid clause decided it.
    pub fn is_undetermined(&self) -> bool {
        !self.passed && !self.clauses.iter().any(|c| c.verdict == Verdict::Fail)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    InScope,
    OutOfScope,
    /// No group passed and at least one could not be evaluated (shown as `invalid`).
    #[serde(rename = "invalid")]
    Undetermined,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::InScope => "in-scope",
            Outcome::OutOfScope => "out-of-scope",
            Outcome::Undetermined => "invalid",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    pub in_scope: bool,
    pub outcome: Outcome,
    /// True when the filter has no groups (everyone assigned is in scope).
    pub no_filter: bool,
    pub groups: Vec<GroupTrace>,
}

/// The first clause that did not pass in one group (bulk path).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Miss {
    pub group: usize,
    pub group_name: String,
    pub clause: usize,
    pub attribute: String,
    pub operator: String,
    pub expected: Vec<String>,
    pub seen: Option<String>,
    pub verdict: Verdict,
    /// The clause is invalid for everyone (listed once by `ScopeFilter::issues`), so
    /// per-user descriptions refer to it instead of repeating the reason.
    pub clause_invalid: bool,
}

impl Miss {
    /// `group "Sales": department EQUALS "Sales", saw "Marketing"`.
    pub fn describe(&self) -> String {
        let expected = if self.expected.is_empty() {
            String::new()
        } else {
            let v: Vec<String> = self.expected.iter().map(|v| format!("{v:?}")).collect();
            format!(" {}", v.join(" or "))
        };
        let seen = match &self.seen {
            Some(s) => format!("saw {s:?}"),
            None => "saw no value".to_string(),
        };
        match &self.verdict {
            Verdict::Invalid(_) if self.clause_invalid => format!(
                "group {:?}: {} {}{} cannot be evaluated (the clause itself is invalid, see scope-filter-invalid)",
                self.group_name, self.attribute, self.operator, expected
            ),
            Verdict::Invalid(reason) => format!(
                "group {:?}: {} {}{} cannot be evaluated: {reason}",
                self.group_name, self.attribute, self.operator, expected
            ),
            _ => format!(
                "group {:?}: {} {}{}, {seen}",
                self.group_name, self.attribute, self.operator, expected
            ),
        }
    }
}

/// The bulk verdict: the outcome plus, when not in scope, the first miss of each group.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision {
    pub outcome: Outcome,
    pub misses: Vec<Miss>,
}

/// Evaluates one compiled clause against a user's attribute value.
pub(crate) fn eval_clause(m: &Matcher, value: Option<&AttrValue>) -> Verdict {
    if let Some(reason) = &m.invalid {
        return Verdict::Invalid(reason.clone());
    }
    let text = match value {
        Some(AttrValue::Many(v)) if v.iter().filter(|s| !s.trim().is_empty()).count() > 0 => {
            return Verdict::Invalid(format!(
                "the user's attribute holds {} values; Entra scoping filters do not evaluate multi-valued attributes",
                v.len()
            ));
        }
        Some(AttrValue::Text(s)) if !s.trim().is_empty() => Some(s.as_str()),
        _ => None,
    };
    let Some(s) = text else {
        return to_verdict(m.op == Operator::IsNull);
    };
    if let Some(v) = m.known.as_ref().and_then(|k| k.get(s)) {
        return v.clone();
    }
    let any = |f: &dyn Fn(&str) -> bool| m.values.iter().any(|v| f(v));
    match &m.op {
        Operator::IsNull => Verdict::Fail,
        Operator::IsNotNull => Verdict::Pass,
        Operator::Equals => to_verdict(any(&|v| s == v)),
        Operator::NotEquals => to_verdict(!any(&|v| s == v)),
        Operator::EndsWith => to_verdict(any(&|v| s.ends_with(v))),
        Operator::Includes => to_verdict(any(&|v| s.contains(v))),
        Operator::RegexMatch => to_verdict(m.regexes.iter().any(|r| r.is_match(s))),
        Operator::NotRegexMatch => to_verdict(!m.regexes.iter().any(|r| r.is_match(s))),
        Operator::IsTrue | Operator::IsFalse => match parse_bool(s) {
            Some(b) => to_verdict(b == (m.op == Operator::IsTrue)),
            None => Verdict::Invalid(format!(
                "operator {} needs a boolean value and the user has {s:?}",
                m.op
            )),
        },
        Operator::BitAnd
        | Operator::NotBitAnd
        | Operator::GreaterThan
        | Operator::GreaterThanOrEquals => {
            let Ok(n) = s.trim().parse::<i64>() else {
                return Verdict::Invalid(format!(
                    "operator {} compares integers only and the user has {s:?}",
                    m.op
                ));
            };
            let hit = match m.op {
                Operator::BitAnd => m.ints.iter().any(|&mask| has_bits(n, mask)),
                Operator::NotBitAnd => !m.ints.iter().any(|&mask| has_bits(n, mask)),
                Operator::GreaterThan => m.ints.iter().any(|&v| n > v),
                _ => m.ints.iter().any(|&v| n >= v),
            };
            to_verdict(hit)
        }
        Operator::Unknown(_) => Verdict::Invalid(format!("operator `{}` is not documented", m.op)),
    }
}

/// `&`: every bit of the operand is set in the value; for the usual single-bit masks
/// (userAccountControl & 2) this is the same as a non-zero AND.
fn has_bits(value: i64, mask: i64) -> bool {
    value & mask == mask
}

fn to_verdict(b: bool) -> Verdict {
    if b {
        Verdict::Pass
    } else {
        Verdict::Fail
    }
}

fn seen_text(v: Option<&AttrValue>) -> Option<String> {
    match v {
        Some(AttrValue::Text(s)) if !s.trim().is_empty() => Some(s.clone()),
        Some(AttrValue::Many(v)) if !v.is_empty() => Some(v.join("; ")),
        _ => None,
    }
}

/// How the groups of one filter set came out. Graph evaluates each non-empty set as an OR of
/// its groups, and the user is in scope when every non-empty set holds.
#[derive(Debug, Clone, Copy, Default)]
struct SetState {
    present: bool,
    passed: bool,
    undetermined: bool,
}

fn set_index(s: FilterSet) -> usize {
    match s {
        FilterSet::Groups => 0,
        FilterSet::InputFilterGroups => 1,
        FilterSet::CategoryFilterGroups => 2,
    }
}

fn record(states: &mut [SetState; 3], set: FilterSet, passed: bool, undetermined: bool) {
    let st = &mut states[set_index(set)];
    st.present = true;
    st.passed |= passed;
    st.undetermined |= undetermined;
}

fn combine(states: &[SetState; 3]) -> Outcome {
    let mut outcome = Outcome::InScope;
    for st in states.iter().filter(|s| s.present && !s.passed) {
        if !st.undetermined {
            return Outcome::OutOfScope;
        }
        outcome = Outcome::Undetermined;
    }
    outcome
}

impl ScopeFilter {
    /// The full trace: every clause of every group, as provision-on-demand shows it.
    pub fn evaluate(&self, user: &IdpUser) -> Evaluation {
        let mut groups = Vec::with_capacity(self.groups.len());
        for (g, ms) in self.groups.iter().zip(self.matchers()) {
            let clauses: Vec<ClauseTrace> = g
                .clauses
                .iter()
                .zip(ms)
                .map(|(c, m)| {
                    let value = user.get_norm(&m.key);
                    ClauseTrace {
                        attribute: c.attribute.clone(),
                        operator: c.operator.name().to_string(),
                        expected: c.values.clone(),
                        seen: seen_text(value),
                        verdict: eval_clause(m, value),
                    }
                })
                .collect();
            let passed = clauses.iter().all(|c| c.verdict.is_pass());
            groups.push(GroupTrace {
                name: g.name.clone(),
                set: g.set,
                passed,
                clauses,
            });
        }
        let mut states = [SetState::default(); 3];
        for g in &groups {
            record(&mut states, g.set, g.passed, g.is_undetermined());
        }
        let outcome = combine(&states);
        Evaluation {
            in_scope: outcome == Outcome::InScope,
            outcome,
            no_filter: self.groups.is_empty(),
            groups,
        }
    }

    /// Only the outcome, allocating nothing unless a clause is invalid: the hot path for
    /// counting very large populations.
    pub fn outcome(&self, user: &IdpUser) -> Outcome {
        let mut states = [SetState::default(); 3];
        for (g, ms) in self.groups.iter().zip(self.matchers()) {
            if states[set_index(g.set)].passed {
                continue;
            }
            let (mut failed, mut invalid) = (false, false);
            for m in ms {
                match eval_clause(m, user.get_norm(&m.key)) {
                    Verdict::Pass => {}
                    Verdict::Fail => {
                        failed = true;
                        break;
                    }
                    Verdict::Invalid(_) => invalid = true,
                }
            }
            record(&mut states, g.set, !failed && !invalid, invalid && !failed);
        }
        combine(&states)
    }

    /// The cheap verdict for bulk simulation: no allocation for a user in scope; for the
    /// others, the first clause that did not pass in each group.
    pub fn decide(&self, user: &IdpUser) -> Decision {
        let mut states = [SetState::default(); 3];
        let mut misses = Vec::new();
        let matchers = self.matchers();
        for (gi, (g, ms)) in self.groups.iter().zip(matchers).enumerate() {
            // A set that already holds needs no further groups.
            if states[set_index(g.set)].passed {
                continue;
            }
            let mut first: Option<(usize, Verdict)> = None;
            let mut failed = false;
            for (ci, m) in ms.iter().enumerate().take(g.clauses.len()) {
                let v = eval_clause(m, user.get_norm(&m.key));
                match v {
                    Verdict::Pass => {}
                    Verdict::Fail => {
                        // The definite failure explains the group better than an earlier
                        // invalid clause would.
                        failed = true;
                        first = Some((ci, v));
                        break;
                    }
                    Verdict::Invalid(_) => {
                        // Keep looking: a later definite failure decides the group.
                        first.get_or_insert((ci, v));
                    }
                }
            }
            match first {
                None => record(&mut states, g.set, true, false),
                Some((ci, verdict)) => {
                    record(&mut states, g.set, false, !failed);
                    let c = &g.clauses[ci];
                    misses.push(Miss {
                        group: gi,
                        group_name: g.name.clone(),
                        clause: ci,
                        attribute: c.attribute.clone(),
                        operator: c.operator.name().to_string(),
                        expected: c.values.clone(),
                        seen: seen_text(user.get_norm(&ms[ci].key)),
                        verdict,
                        clause_invalid: ms[ci].invalid.is_some(),
                    });
                }
            }
        }
        let outcome = combine(&states);
        if outcome == Outcome::InScope {
            misses.clear();
        } else {
            // Misses of groups whose set held anyway do not explain anything.
            misses.retain(|m| {
                self.groups
                    .get(m.group)
                    .is_some_and(|g| !states[set_index(g.set)].passed)
            });
        }
        Decision { outcome, misses }
    }
}
