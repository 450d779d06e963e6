//! The scoping-filter model (`ScopeFilter` -> `FilterGroup` -> `Clause`) and its compiled
//! form: attribute keys normalised, integer operands parsed and regexes built once per
//! filter, with every problem that makes a clause unusable recorded as an `Issue`.

use super::operator::Operator;
use crate::util::fold_name as norm_attr;
use regex::Regex;
use serde::Serialize;
use std::sync::OnceLock;

/// Which of the Graph filter's group sets a group belongs to. Graph evaluates each non-empty
/// set as an OR of its groups, and an object must satisfy every non-empty set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum FilterSet {
    /// `groups`: the scoping filter the portal edits.
    #[default]
    Groups,
    /// `inputFilterGroups`: applied when objects are read from the directory.
    InputFilterGroups,
    /// `categoryFilterGroups`: marked experimental by Microsoft.
    CategoryFilterGroups,
}

impl FilterSet {
    pub fn name(self) -> &'static str {
        match self {
            FilterSet::Groups => "groups",
            FilterSet::InputFilterGroups => "inputFilterGroups",
            FilterSet::CategoryFilterGroups => "categoryFilterGroups",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Clause {
    /// The Entra source attribute (`department`, `extension_<appId>_costCenter`...).
    pub attribute: String,
    pub operator: Operator,
    pub values: Vec<String>,
}

impl Clause {
    pub fn new(attribute: impl Into<String>, operator: Operator, values: Vec<String>) -> Self {
        Clause {
            attribute: attribute.into(),
            operator,
            values,
        }
    }

    /// `department EQUALS "Sales"`.
    pub fn describe(&self) -> String {
        if self.operator.is_unary() || self.values.is_empty() {
            format!("{} {}", self.attribute, self.operator)
        } else {
            let v: Vec<String> = self.values.iter().map(|v| format!("{v:?}")).collect();
            format!("{} {} {}", self.attribute, self.operator, v.join(" or "))
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FilterGroup {
    pub name: String,
    pub clauses: Vec<Clause>,
    #[serde(skip_serializing_if = "is_default_set")]
    pub set: FilterSet,
}

fn is_default_set(s: &FilterSet) -> bool {
    *s == FilterSet::Groups
}

/// A scoping filter. No groups means no filter: every assigned user is in scope.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ScopeFilter {
    pub groups: Vec<FilterGroup>,
    /// Where the filter came from, for reports (`schema.json: rule "..." mapping User -> ...`).
    pub source: String,
    /// Remarks made while reading the file (other User mappings ignored...).
    pub notes: Vec<String>,
    #[serde(skip)]
    compiled: OnceLock<Vec<Vec<Matcher>>>,
    /// Verdicts known in advance for some values of some clauses, by (group, clause): a
    /// pseudonymised bundle carries the verdicts its real values gave (`known`).
    #[serde(skip)]
    pub(crate) known: std::collections::HashMap<(usize, usize), KnownValues>,
}

/// Value (as the user holds it) -> the verdict it is known to give.
pub(crate) type KnownValues = std::sync::Arc<std::collections::HashMap<String, Verdict>>;

/// How one clause came out for one user (evaluated in `eval`; defined here so that a
/// compiled clause can carry verdicts known in advance).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Pass,
    Fail,
    /// The clause cannot be evaluated for this user (the reason says why).
    Invalid(String),
}

impl Verdict {
    pub fn is_pass(&self) -> bool {
        matches!(self, Verdict::Pass)
    }
}

impl PartialEq for ScopeFilter {
    fn eq(&self, other: &Self) -> bool {
        self.groups == other.groups && self.source == other.source && self.notes == other.notes
    }
}

/// Something that makes a clause unusable for every user (unknown operator, regex the engine
/// cannot compile, multi-valued attribute, missing or non-integer operand).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Issue {
    pub group: usize,
    pub clause: usize,
    pub group_name: String,
    pub clause_text: String,
    pub reason: String,
}

impl Issue {
    /// Stable id for reports: `<group name>#<clause number, 1-based>`.
    pub fn id(&self) -> String {
        format!("{}#{}", self.group_name, self.clause + 1)
    }
}

/// Entra attributes that hold several values: Entra's scoping filters do not support them.
const MULTI_VALUED: &[&str] = &[
    "proxyaddresses",
    "othermails",
    "businessphones",
    "memberof",
    "ismemberof",
    "assignedlicenses",
    "assignedplans",
    "identities",
    "imaddresses",
    "othermobile",
    "urls",
    "serviceprincipalnames",
];

/// One clause ready to evaluate.
#[derive(Debug, Clone)]
pub(crate) struct Matcher {
    pub key: String,
    pub op: Operator,
    pub values: Vec<String>,
    pub ints: Vec<i64>,
    pub regexes: Vec<Regex>,
    /// Why the clause cannot be evaluated for anyone.
    pub invalid: Option<String>,
    /// Verdicts known in advance for some values (see `ScopeFilter::known`).
    pub known: Option<KnownValues>,
}

fn compile_clause(c: &Clause) -> Matcher {
    let mut m = Matcher {
        key: norm_attr(&c.attribute),
        op: c.operator.clone(),
        values: c.values.clone(),
        ints: Vec::new(),
        regexes: Vec::new(),
        invalid: None,
        known: None,
    };
    m.invalid = clause_problem(c, &mut m);
    m
}

fn clause_problem(c: &Clause, m: &mut Matcher) -> Option<String> {
    if let Operator::Unknown(name) = &c.operator {
        return Some(format!(
            "operator `{name}` is not one Entra documents for scoping filters, so its effect cannot be simulated"
        ));
    }
    if c.attribute.trim().is_empty() {
        return Some("the clause names no source attribute".into());
    }
    if MULTI_VALUED.contains(&m.key.as_str()) {
        return Some(format!(
            "`{}` is a multi-valued attribute, which Entra scoping filters do not support",
            c.attribute
        ));
    }
    if c.operator.is_unary() {
        return None;
    }
    if c.values.is_empty() {
        return Some(format!(
            "operator {} needs a value and the clause has none",
            c.operator
        ));
    }
    if c.operator.is_integer() {
        for v in &c.values {
            match v.trim().parse::<i64>() {
                Ok(n) => m.ints.push(n),
                Err(_) => {
                    return Some(format!(
                        "operator {} compares integers only, and the value {v:?} is not an integer",
                        c.operator
                    ))
                }
            }
        }
    }
    if c.operator.is_regex() {
        for v in &c.values {
            match Regex::new(v) {
                Ok(r) => m.regexes.push(r),
                Err(e) => {
                    let first = e.to_string();
                    let first = first.lines().last().unwrap_or("").trim().to_string();
                    return Some(format!(
                        "regex {v:?} cannot be compiled here ({first}); Entra uses .NET regexes, and look-around or backreferences have no equivalent in scim-doctor's engine, so this clause cannot be simulated"
                    ));
                }
            }
        }
    }
    None
}

impl ScopeFilter {
    pub fn new(groups: Vec<FilterGroup>, source: impl Into<String>) -> Self {
        ScopeFilter {
            groups,
            source: source.into(),
            notes: Vec::new(),
            compiled: OnceLock::new(),
            known: Default::default(),
        }
    }

    /// True when there is nothing to evaluate: everyone assigned is in scope.
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// The compiled clauses, built on first use and reused for every user.
    pub(crate) fn matchers(&self) -> &[Vec<Matcher>] {
        self.compiled
            .get_or_init(|| {
                self.groups
                    .iter()
                    .enumerate()
                    .map(|(gi, g)| {
                        g.clauses
                            .iter()
                            .enumerate()
                            .map(|(ci, c)| {
                                let mut m = compile_clause(c);
                                m.known = self.known.get(&(gi, ci)).cloned();
                                m
                            })
                            .collect()
                    })
                    .collect()
            })
            .as_slice()
    }

    /// Drops the compiled clauses (after `known` changed).
    pub(crate) fn reset_compiled(&mut self) {
        self.compiled = OnceLock::new();
    }

    /// Clauses that cannot be evaluated for anyone.
    pub fn issues(&self) -> Vec<Issue> {
        let mut out = Vec::new();
        for (gi, (g, ms)) in self.groups.iter().zip(self.matchers()).enumerate() {
            for (ci, (c, m)) in g.clauses.iter().zip(ms).enumerate() {
                if let Some(reason) = &m.invalid {
                    out.push(Issue {
                        group: gi,
                        clause: ci,
                        group_name: g.name.clone(),
                        clause_text: c.describe(),
                        reason: reason.clone(),
                    });
                }
            }
        }
        out
    }

    /// Total number of clauses over all groups.
    pub fn clause_count(&self) -> usize {
        self.groups.iter().map(|g| g.clauses.len()).sum()
    }
}
