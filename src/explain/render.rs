//! Text form of a `Trace`, laid out like Entra's provision-on-demand: numbered stages, each
//! with its status and evidence, then the verdict and the next step.

use super::{StageStatus, Trace};
use colored::Colorize;
use std::fmt::Write;

fn tag(s: StageStatus) -> String {
    let t = format!("[{}]", s.as_str());
    match s {
        StageStatus::Ok => t.green().to_string(),
        StageStatus::Warn => t.yellow().to_string(),
        StageStatus::Fail => t.red().bold().to_string(),
        StageStatus::Skipped => t.dimmed().to_string(),
    }
}

/// Trace text comes from the tenant, the IdP export and the logs: control characters are
/// escaped (`util::escape_controls`) before the tool adds its own colours.
fn e(s: &str) -> std::borrow::Cow<'_, str> {
    crate::util::escape_controls(s, false)
}

fn opt(o: &Option<String>) -> std::borrow::Cow<'_, str> {
    e(o.as_deref().unwrap_or("-"))
}

fn list(v: &[String]) -> String {
    e(&v.join(", ")).into_owned()
}

pub fn human(t: &Trace) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "explain-user {} ({})", e(&t.query).bold(), e(&t.source));
    for w in &t.warnings {
        let _ = writeln!(s, "{} {}", "warning:".yellow().bold(), e(w));
    }
    let _ = writeln!(s);

    let _ = writeln!(
        s,
        "1. Import        {} {}",
        tag(t.import.status),
        e(&t.import.summary)
    );
    for (k, v) in &t.import.attributes {
        let _ = writeln!(s, "     {}: {}", e(k), e(v));
    }

    let _ = writeln!(
        s,
        "2. Scope         {} {}",
        tag(t.scope.status),
        e(&t.scope.summary)
    );
    for g in &t.scope.groups {
        let _ = writeln!(
            s,
            "     {} {}",
            if g.passed { "passed" } else { "FAILED" },
            e(&g.name)
        );
        for c in &g.clauses {
            let expected = if c.expected.is_empty() {
                String::new()
            } else {
                format!(" {:?}", c.expected)
            };
            let seen = c
                .seen
                .as_deref()
                .map(|v| format!("{v:?}"))
                .unwrap_or_else(|| "no value".into());
            let _ = writeln!(
                s,
                "       {} {} {}{expected}, saw {seen}{}",
                if c.passed { "pass" } else { "FAIL" },
                e(&c.attribute),
                e(&c.operator),
                match c.verdict.strip_prefix("cannot be evaluated: ") {
                    Some(r) => format!(" (cannot be evaluated: {})", e(r)),
                    None => String::new(),
                }
            );
        }
    }

    let _ = writeln!(
        s,
        "3. Match         {} {} ({})",
        tag(t.matching.status),
        e(&t.matching.summary),
        if t.matching.mode == "live" {
            "live requests"
        } else {
            "computed on the snapshot; userName compared case-insensitively"
        }
    );
    for q in &t.matching.queries {
        let found = if q.results.is_empty() {
            "no user".to_string()
        } else {
            q.results
                .iter()
                .map(|r| {
                    format!(
                        "{} {}{}",
                        e(&r.id),
                        opt(&r.user_name),
                        if r.active { "" } else { " (inactive)" }
                    )
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        let status = q
            .http_status
            .map(|c| format!(" [HTTP {c}]"))
            .unwrap_or_default();
        let _ = writeln!(s, "     {}{status} -> {found}", e(&q.filter));
        let _ = writeln!(s, "       value from {}", e(q.value_from));
        if let Some(p) = &q.problem {
            let _ = writeln!(s, "       problem: {}", e(p));
        }
    }

    let _ = writeln!(
        s,
        "4. Target state  {} {}",
        tag(t.target.status),
        e(&t.target.summary)
    );
    for u in &t.target.users {
        let rel = serde_json::to_value(u.relation)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let _ = writeln!(
            s,
            "     {} {} [{}] {}, externalId {}, email {}, groups: {}",
            e(&u.id),
            opt(&u.user_name),
            rel,
            if u.active { "active" } else { "inactive" },
            opt(&u.external_id),
            if u.emails.is_empty() {
                "none".to_string()
            } else {
                list(&u.emails)
            },
            if u.groups.is_empty() {
                "none".to_string()
            } else {
                list(&u.groups)
            }
        );
        for f in &u.findings {
            let _ = writeln!(
                s,
                "       {} {}: {}",
                f.status.as_str(),
                e(&f.check),
                e(&f.detail)
            );
        }
    }

    let _ = writeln!(
        s,
        "5. Logs          {} {}",
        tag(t.logs.status),
        e(&t.logs.summary)
    );
    for entry in &t.logs.entries {
        let code = match (&entry.error_code, &entry.skip_reason) {
            (Some(c), _) => format!(" {}", e(c)),
            (None, Some(r)) => format!(" {}", e(r)),
            _ => String::new(),
        };
        let _ = writeln!(
            s,
            "     {} {} {}{code}{}",
            opt(&entry.at),
            opt(&entry.action),
            entry.status.as_str(),
            entry
                .reason
                .as_deref()
                .map(|r| format!(": {}", e(r)))
                .unwrap_or_default()
        );
        if let Some(step) = &entry.failed_step {
            let _ = writeln!(s, "       step {}", e(step));
        }
    }

    let _ = writeln!(
        s,
        "6. Mapping       {} {}",
        tag(t.mapping.status),
        e(&t.mapping.summary)
    );
    for v in &t.mapping.values {
        let value = v
            .value
            .as_deref()
            .map(|x| format!("{x:?}"))
            .unwrap_or_else(|| if v.known { "null" } else { "not known" }.into());
        let note = v
            .note
            .as_deref()
            .map(|n| format!(" ({})", e(n)))
            .unwrap_or_default();
        let _ = writeln!(
            s,
            "     {} = {value} <- {}{note}",
            e(&v.target),
            e(&v.source)
        );
    }
    for m in &t.mapping.matching {
        let _ = writeln!(
            s,
            "     match {} ({}) {} -> {}",
            m.priority,
            e(&m.target),
            m.value
                .as_deref()
                .map(|x| format!("eq {x:?}"))
                .unwrap_or_else(|| "no value, skipped".into()),
            if m.matches.is_empty() {
                "no user".to_string()
            } else {
                list(&m.matches)
            }
        );
    }

    let _ = writeln!(s);
    let verdict = format!("{} ({})", t.verdict.code, t.verdict.status.as_str());
    let verdict = match t.verdict.status.rank() {
        0 => verdict.green().bold().to_string(),
        1 => verdict.yellow().bold().to_string(),
        _ => verdict.red().bold().to_string(),
    };
    let _ = writeln!(s, "Verdict: {verdict}: {}", e(&t.verdict.summary));
    let _ = writeln!(s, "Next step: {}", e(&t.verdict.next_step));
    clip_lines(s)
}

/// Values in the trace come from the tenant and the IdP export, so any line may hold a
/// megabytes-long attribute: every line is clipped as the human report clips its values
/// (`--format json` keeps them whole).
fn clip_lines(s: String) -> String {
    const LINE_MAX: usize = 1000;
    if s.lines().all(|l| l.len() <= LINE_MAX) {
        return s;
    }
    let mut out = String::with_capacity(s.len().min(1 << 20));
    for line in s.lines() {
        out.push_str(&crate::util::clip(line, LINE_MAX));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod clip_tests {
    #[test]
    fn a_huge_value_in_the_trace_is_clipped_to_a_readable_line() {
        let huge = format!("     userName: {}", "x".repeat(5_000_000));
        let out = super::clip_lines(format!("head\n{huge}\ntail\n"));
        assert!(out.len() < 5_000, "{} bytes", out.len());
        assert!(out.starts_with("head\n") && out.ends_with("tail\n"));
        assert!(out.contains("characters clipped"));
    }
}
