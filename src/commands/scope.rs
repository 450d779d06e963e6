//! `scope simulate`: evaluates a scoping filter for every user of an IdP export (or of a
//! snapshot's SCIM users) and prints one verdict per user, the counts and the columns of the
//! export that were not mapped. Exit code 1 when a clause cannot be evaluated or a user's
//! scope cannot be decided, 2 when an input file is unusable.

use crate::cli::args::{Format, ScopeCommand, ScopeSimulateArgs};
use crate::cli::output::Output;
use crate::cli::{CmdResult, ToolError};
use crate::scope::simulate::{simulate, Simulation};
use crate::scope::{export, parse, IdpUser, Outcome, ScopeFilter};
use colored::Colorize;
use serde::Serialize;
use serde_json::json;

/// Human and Markdown tables stop after this many rows (JSON and CSV list everyone).
const MAX_TABLE_ROWS: usize = 500;

#[derive(Debug, Serialize)]
struct Population {
    kind: &'static str,
    path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    format: Option<crate::scope::ExportFormat>,
    unmapped_columns: Vec<String>,
    notes: Vec<String>,
}

pub async fn run(a: ScopeCommand, out: &Output) -> CmdResult {
    match a {
        ScopeCommand::Simulate(s) => simulate_cmd(s, out),
    }
}

fn load_population(a: &ScopeSimulateArgs) -> Result<(Vec<IdpUser>, Population), ToolError> {
    if let Some(p) = &a.idp_users {
        let x = export::load_users(p).map_err(ToolError)?;
        let pop = Population {
            kind: "idp-export",
            path: x.path.clone(),
            format: Some(x.format),
            unmapped_columns: x.unmapped,
            notes: x.notes,
        };
        return Ok((x.users, pop));
    }
    if let Some(p) = &a.snapshot {
        let t = crate::source::snapshot::load(p).map_err(|e| ToolError(format!("{e:#}")))?;
        let users = t.users.iter().map(IdpUser::from_scim).collect();
        let pop = Population {
            kind: "snapshot",
            path: p.display().to_string(),
            format: None,
            unmapped_columns: Vec::new(),
            notes: vec!["the population is the snapshot's SCIM users, mapped back to Entra attribute names (userName -> userPrincipalName, emails -> mail, externalId -> mailNickname, active -> accountEnabled, enterprise extension fields)".into()],
        };
        return Ok((users, pop));
    }
    Err(ToolError(
        "no population: give --idp-users FILE (Entra users CSV, Okta users CSV or Graph /users JSON) or --snapshot PATH".into(),
    ))
}

fn simulate_cmd(a: ScopeSimulateArgs, out: &Output) -> CmdResult {
    let filter = parse::load_filter(&a.filter).map_err(ToolError)?;
    let (users, pop) = load_population(&a)?;
    let sim = simulate(&filter, &users);
    let text = match out.format {
        Format::Json => render_json(&filter, &pop, &sim),
        Format::Csv => render_csv(&sim)?,
        Format::Human => render_table(&filter, &pop, &sim, false),
        Format::Markdown => render_table(&filter, &pop, &sim, true),
        Format::Junit | Format::Html => {
            return Err(ToolError(format!(
            "--format {} is not available for `scope simulate`: use human, json, csv or markdown",
            if out.format == Format::Html {
                "html"
            } else {
                "junit"
            }
        )))
        }
    };
    out.print(&text)?;
    Ok(if sim.issues.is_empty() && sim.counts.invalid == 0 {
        0
    } else {
        1
    })
}

fn render_json(filter: &ScopeFilter, pop: &Population, sim: &Simulation) -> String {
    let v = json!({
        "filter": {
            "source": filter.source,
            "notes": filter.notes,
            "groups": filter.groups,
            "clauses": filter.clause_count(),
        },
        "population": pop,
        "counts": sim.counts,
        "issues": sim.issues,
        "users": sim.users,
    });
    let mut s =
        serde_json::to_string_pretty(&v).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}

fn render_csv(sim: &Simulation) -> Result<String, ToolError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["user", "userPrincipalName", "objectId", "verdict", "reason"])?;
    for u in &sim.users {
        w.write_record([
            u.user.as_str(),
            u.user_principal_name.as_deref().unwrap_or(""),
            u.object_id.as_deref().unwrap_or(""),
            u.verdict.as_str(),
            &u.reason(),
        ])?;
    }
    let bytes = w.into_inner().map_err(|e| ToolError(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| ToolError(e.to_string()))
}

fn rank(o: Outcome) -> u8 {
    match o {
        Outcome::Undetermined => 0,
        Outcome::OutOfScope => 1,
        Outcome::InScope => 2,
    }
}

fn render_table(
    filter: &ScopeFilter,
    pop: &Population,
    sim: &Simulation,
    markdown: bool,
) -> String {
    let mut s = String::new();
    let c = sim.counts;
    let what = match pop.format {
        Some(f) => f.describe(),
        None => "snapshot",
    };
    if markdown {
        s.push_str("## Scoping-filter simulation\n\n");
    }
    let bullet = if markdown { "- " } else { "" };
    s.push_str(&format!("{bullet}filter: {}\n", filter.source));
    if filter.is_empty() {
        s.push_str(&format!(
            "{bullet}the filter has no groups: every assigned user is in scope\n"
        ));
    }
    for n in &filter.notes {
        s.push_str(&format!("{bullet}note: {n}\n"));
    }
    s.push_str(&format!(
        "{bullet}population: {} from {} ({what})\n",
        crate::util::plural(c.users, "user", "users"),
        pop.path
    ));
    if !pop.unmapped_columns.is_empty() {
        s.push_str(&format!(
            "{bullet}unmapped columns (kept under their own names): {}\n",
            pop.unmapped_columns.join(", ")
        ));
    }
    for n in &pop.notes {
        s.push_str(&format!("{bullet}note: {n}\n"));
    }
    if !sim.issues.is_empty() {
        s.push_str(&format!("{bullet}clauses that cannot be evaluated:\n"));
        for i in &sim.issues {
            s.push_str(&format!(
                "  - {:?} {}: {}\n",
                i.id(),
                i.clause_text,
                i.reason
            ));
        }
    }
    s.push('\n');
    let mut rows: Vec<&crate::scope::simulate::UserVerdict> = sim.users.iter().collect();
    rows.sort_by_key(|u| rank(u.verdict));
    let width = rows
        .iter()
        .take(MAX_TABLE_ROWS)
        .map(|u| u.user.chars().count())
        .max()
        .unwrap_or(4)
        .max(4);
    if markdown {
        s.push_str("| verdict | user | first failing clause per group |\n|---|---|---|\n");
    } else {
        s.push_str(&format!(
            "{:<12}  {:<width$}  {}\n",
            "VERDICT", "USER", "FIRST FAILING CLAUSE PER GROUP"
        ));
    }
    for u in rows.iter().take(MAX_TABLE_ROWS) {
        let reason = u.reason();
        if markdown {
            s.push_str(&format!(
                "| {} | {} | {} |\n",
                u.verdict.as_str(),
                md(&u.user),
                md(&reason)
            ));
        } else {
            let v = format!("{:<12}", u.verdict.as_str());
            let v = match u.verdict {
                Outcome::InScope => v.green(),
                Outcome::OutOfScope => v.yellow(),
                Outcome::Undetermined => v.red(),
            };
            s.push_str(format!("{v}  {:<width$}  {reason}", u.user).trim_end());
            s.push('\n');
        }
    }
    if rows.len() > MAX_TABLE_ROWS {
        s.push_str(&format!(
            "... {} more rows: use --format csv or --format json for every user\n",
            rows.len() - MAX_TABLE_ROWS
        ));
    }
    s.push_str(&format!(
        "\n{}{} in scope, {} out of scope, {} invalid ({})\n",
        bullet,
        c.in_scope,
        c.out_of_scope,
        c.invalid,
        crate::util::plural(c.users, "user", "users")
    ));
    s
}

fn md(s: &str) -> String {
    s.replace('|', "\\|")
}
