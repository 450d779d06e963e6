//! `explain-user --format html`: the verdict and the next step, then every stage of the trace
//! (Import, Scope, Match, Target state, Logs, Mapping), each a section numbered once in its
//! heading, with its status word and evidence. Same shell and escaping as the report.

use super::page::{badge, document, esc};
use crate::explain::Trace;
use std::fmt::Write;

fn opt(o: &Option<String>) -> String {
    esc(o.as_deref().unwrap_or("-"))
}

fn stage(b: &mut String, n: usize, name: &str, status: &str, summary: &str) {
    let _ = write!(
        b,
        "<section class=\"stage\" data-stage=\"{}\" data-status=\"{status}\"><h2>{n}. {name} {}</h2><p>{}</p>",
        name.to_ascii_lowercase().replace(' ', "-"),
        badge(status),
        esc(summary)
    );
}

fn table(b: &mut String, head: &[&str], rows: &[Vec<String>]) {
    if rows.is_empty() {
        return;
    }
    b.push_str("<div class=\"table-scroll\"><table><thead><tr>");
    for h in head {
        let _ = write!(b, "<th scope=\"col\">{h}</th>");
    }
    b.push_str("</tr></thead><tbody>");
    for r in rows {
        b.push_str("<tr>");
        for c in r {
            let _ = write!(b, "<td>{c}</td>");
        }
        b.push_str("</tr>");
    }
    b.push_str("</tbody></table></div>");
}

pub fn render(t: &Trace) -> String {
    let mut b = String::new();
    let _ = write!(
        b,
        "<header><h1>explain-user <code>{}</code></h1><p class=\"note\">{}</p></header><main>",
        esc(&t.query),
        esc(&t.source)
    );
    let _ = write!(
        b,
        "<p class=\"verdict st-{}\" id=\"verdict\">{} {}: {}</p><p><strong>Next step:</strong> {}</p>",
        t.verdict.status.as_str(),
        badge(t.verdict.status.as_str()),
        esc(t.verdict.code),
        esc(&t.verdict.summary),
        esc(&t.verdict.next_step)
    );
    for w in &t.warnings {
        let _ = write!(
            b,
            "<p class=\"alert\" role=\"alert\">Warning: {}</p>",
            esc(w)
        );
    }
    b.push_str("<div class=\"stages\">");

    stage(
        &mut b,
        1,
        "Import",
        t.import.status.as_str(),
        &t.import.summary,
    );
    let rows: Vec<Vec<String>> = t
        .import
        .attributes
        .iter()
        .map(|(k, v)| vec![esc(k), esc(v)])
        .collect();
    table(&mut b, &["Attribute", "Value in the IdP export"], &rows);
    b.push_str("</section>");

    stage(
        &mut b,
        2,
        "Scope",
        t.scope.status.as_str(),
        &t.scope.summary,
    );
    for g in &t.scope.groups {
        let _ = write!(
            b,
            "<h3>{} {}</h3>",
            badge(if g.passed { "pass" } else { "fail" }),
            esc(&g.name)
        );
        let rows: Vec<Vec<String>> = g
            .clauses
            .iter()
            .map(|c| {
                vec![
                    badge(if c.passed { "pass" } else { "fail" }),
                    esc(&c.attribute),
                    esc(&c.operator),
                    esc(&c.expected),
                    opt(&c.seen),
                    esc(&c.verdict),
                ]
            })
            .collect();
        table(
            &mut b,
            &["", "Attribute", "Operator", "Expected", "Seen", "Verdict"],
            &rows,
        );
    }
    b.push_str("</section>");

    stage(
        &mut b,
        3,
        "Match",
        t.matching.status.as_str(),
        &t.matching.summary,
    );
    let rows: Vec<Vec<String>> = t
        .matching
        .queries
        .iter()
        .map(|q| {
            let found = if q.results.is_empty() {
                "no user".to_string()
            } else {
                q.results
                    .iter()
                    .map(|r| {
                        format!(
                            "<code>{}</code> {}{}",
                            esc(&r.id),
                            opt(&r.user_name),
                            if r.active { "" } else { " (inactive)" }
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("<br>")
            };
            vec![
                format!("<code>{}</code>", esc(&q.filter)),
                esc(q.value_from),
                q.http_status.map(|s| s.to_string()).unwrap_or_default(),
                found,
                opt(&q.problem),
            ]
        })
        .collect();
    table(
        &mut b,
        &["Filter", "Value from", "HTTP", "Found", "Problem"],
        &rows,
    );
    b.push_str("</section>");

    stage(
        &mut b,
        4,
        "Target state",
        t.target.status.as_str(),
        &t.target.summary,
    );
    let rows: Vec<Vec<String>> = t
        .target
        .users
        .iter()
        .map(|u| {
            let rel = serde_json::to_value(u.relation)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            let findings: Vec<String> = u
                .findings
                .iter()
                .map(|f| {
                    format!(
                        "{} <code>{}</code>: {}",
                        badge(f.status.as_str()),
                        esc(&f.check),
                        esc(&f.detail)
                    )
                })
                .collect();
            vec![
                format!("<code>{}</code>", esc(&u.id)),
                opt(&u.user_name),
                esc(&rel),
                (if u.active { "active" } else { "inactive" }).to_string(),
                opt(&u.external_id),
                esc(&u.emails.join(", ")),
                esc(&u.groups.join(", ")),
                findings.join("<br>"),
            ]
        })
        .collect();
    table(
        &mut b,
        &[
            "Id",
            "userName",
            "Relation",
            "Active",
            "externalId",
            "Emails",
            "Groups",
            "Findings",
        ],
        &rows,
    );
    b.push_str("</section>");

    stage(&mut b, 5, "Logs", t.logs.status.as_str(), &t.logs.summary);
    let rows: Vec<Vec<String>> = t
        .logs
        .entries
        .iter()
        .map(|e| {
            vec![
                opt(&e.at),
                opt(&e.action),
                esc(e.status.as_str()),
                esc(e
                    .error_code
                    .as_deref()
                    .or(e.skip_reason.as_deref())
                    .unwrap_or("")),
                opt(&e.reason),
                opt(&e.failed_step),
            ]
        })
        .collect();
    table(
        &mut b,
        &["At", "Action", "Status", "Code", "Reason", "Failed step"],
        &rows,
    );
    b.push_str("</section>");

    stage(
        &mut b,
        6,
        "Mapping",
        t.mapping.status.as_str(),
        &t.mapping.summary,
    );
    let rows: Vec<Vec<String>> = t
        .mapping
        .values
        .iter()
        .map(|v| {
            vec![
                esc(&v.target),
                format!("<code>{}</code>", esc(&v.source)),
                v.value
                    .as_deref()
                    .map(|x| format!("<code>{}</code>", esc(x)))
                    .unwrap_or_else(|| "null".into()),
                opt(&v.note),
            ]
        })
        .collect();
    table(
        &mut b,
        &["Target attribute", "Source", "Value", "Note"],
        &rows,
    );
    let rows: Vec<Vec<String>> = t
        .mapping
        .matching
        .iter()
        .map(|m| {
            vec![
                m.priority.to_string(),
                esc(&m.target),
                m.value
                    .as_deref()
                    .map(|x| format!("<code>{}</code>", esc(x)))
                    .unwrap_or_else(|| "no value, skipped".into()),
                if m.matches.is_empty() {
                    "no user".into()
                } else {
                    m.matches
                        .iter()
                        .map(|id| format!("<code>{}</code>", esc(id)))
                        .collect::<Vec<_>>()
                        .join("<br>")
                },
            ]
        })
        .collect();
    table(
        &mut b,
        &[
            "Matching precedence",
            "Attribute",
            "Value",
            "Target users found",
        ],
        &rows,
    );
    b.push_str("</section></div></main>");
    document(&format!("explain-user {}", t.query), &b, false)
}
