//! The diff as text: human (terminal), JSON (the `Diff` as is), Markdown (pasted into the
//! ticket; the bundle's diff.md) and HTML (same page shell as the report). Lists are capped
//! at `max` per check in human and Markdown; JSON is never truncated.

use super::findings::{Change, CheckDiff, SubjectRef};
use super::Diff;
use crate::render::html::page::{anchor, badge, document, esc};
use crate::render::markdown::{cell, code};
use std::fmt::Write;

pub fn json(d: &Diff) -> String {
    serde_json::to_string_pretty(d).unwrap_or_default() + "\n"
}

fn status(s: Option<crate::findings::Status>) -> &'static str {
    s.map(|s| s.as_str()).unwrap_or("absent")
}

fn change_word(c: Change) -> &'static str {
    match c {
        Change::Better => "better",
        Change::Worse => "WORSE",
        Change::Mixed => "mixed",
        Change::Same => "same",
        Change::NotCompared => "not compared",
    }
}

/// Checks in reading order: what changed first (worse, mixed, better, not compared), then
/// the unchanged ones; playbook order within each.
fn by_change(d: &Diff) -> Vec<&CheckDiff> {
    let rank = |c: &CheckDiff| match c.change {
        Change::Worse => 0,
        Change::Mixed => 1,
        Change::Better => 2,
        Change::NotCompared => 3,
        Change::Same => 4,
    };
    let mut v: Vec<&CheckDiff> = d.checks.iter().collect();
    v.sort_by_key(|c| rank(c));
    v
}

fn interesting(d: &Diff) -> impl Iterator<Item = &CheckDiff> {
    d.checks
        .iter()
        .filter(|c| c.change != Change::Same || !c.still.is_empty())
}

fn list(refs: &[SubjectRef], max: usize) -> String {
    let mut v: Vec<String> = refs
        .iter()
        .take(max)
        .map(|r| match &r.before_id {
            Some(b) => format!("{} (id {} was {})", r.label, r.id, b),
            None if r.label != r.id && r.kind != "cluster" => format!("{} (id {})", r.label, r.id),
            None => r.label.clone(),
        })
        .collect();
    if refs.len() > max {
        v.push(format!("... and {} more", refs.len() - max));
    }
    v.join(", ")
}

/// Checks a reader can learn something from: everything but the checks skipped (or not
/// run) on both sides, which only repeat why they did not run.
fn compared(d: &Diff) -> impl Iterator<Item = &CheckDiff> {
    use crate::findings::Status;
    let idle = |s: Option<Status>| matches!(s, None | Some(Status::Skipped));
    by_change(d)
        .into_iter()
        .filter(move |c| !(idle(c.before) && idle(c.after)))
}

/// Checks skipped or not run on both sides (not listed in the tables).
fn skipped_on_both(d: &Diff) -> usize {
    d.checks.len() - compared(d).count()
}

/// The banner: one word that is true of the whole change, and its colour class. "Worse" only
/// when nothing got better; a diff with both is "mixed" and says how much of each.
pub fn verdict(d: &Diff) -> (&'static str, String) {
    let resolved: usize = d.checks.iter().map(|c| c.resolved.len()).sum();
    let new: usize = d.checks.iter().map(|c| c.new.len()).sum();
    let better = d
        .checks
        .iter()
        .any(|c| matches!(c.change, Change::Better | Change::Mixed));
    let worse = d
        .checks
        .iter()
        .any(|c| matches!(c.change, Change::Worse | Change::Mixed));
    let counts = format!("{resolved} resolved, {new} new");
    match (better, worse) {
        (true, true) => ("warn", format!("MIXED: {counts}")),
        (false, true) => ("fail", format!("WORSE: {counts}")),
        (true, false) => ("pass", format!("BETTER: {counts}")),
        (false, false) if d.checks.is_empty() => ("skipped", "FINDINGS NOT COMPARED".into()),
        (false, false) => ("pass", "NO CHANGE IN FINDINGS".into()),
    }
}

/// "older" / "newer" for a side, from the times its data was read (never the audit time).
fn age(s: &super::SideInfo, other: &super::SideInfo) -> &'static str {
    match (&s.data_fetched_at, &other.data_fetched_at) {
        (Some(a), Some(b)) if a < b => ", the older data",
        (Some(a), Some(b)) if a > b => ", the newer data",
        (Some(_), Some(_)) => ", read at the same time as the other side",
        _ => "",
    }
}

fn side_line(name: &str, s: &super::SideInfo, other: &super::SideInfo) -> String {
    let mut line = format!("{name}: {} {}", s.kind, s.path);
    if let (Some(u), Some(g)) = (s.users, s.groups) {
        let _ = write!(
            line,
            " ({u} users, {g} groups{})",
            if s.complete == Some(false) {
                ", INCOMPLETE"
            } else {
                ""
            }
        );
    }
    match (&s.data_fetched_at, &s.generated_at) {
        (Some(t), _) => {
            let _ = write!(line, ", data read {t}{}", age(s, other));
        }
        (None, Some(t)) if s.has_tenant_data => {
            let _ = write!(line, ", audited {t} (when its data was read is not known)");
        }
        (None, Some(t)) => {
            let _ = write!(line, ", report of {t}");
        }
        (None, None) => {}
    }
    line
}

pub fn human(d: &Diff, max: usize) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{}\n{}\n",
        side_line("before", &d.before, &d.after),
        side_line("after", &d.after, &d.before)
    );
    let _ = writeln!(s, "{}\n", d.headline);
    for n in &d.notes {
        let _ = writeln!(s, "note: {n}");
    }
    if !d.notes.is_empty() {
        s.push('\n');
    }
    for c in interesting(d) {
        let _ = writeln!(
            s,
            "[{}] {}: {} -> {} ({} {} before, {} after)",
            change_word(c.change),
            c.id,
            status(c.before),
            status(c.after),
            c.before_total,
            c.unit,
            c.after_total
        );
        for (what, refs) in [
            ("resolved", &c.resolved),
            ("new", &c.new),
            ("still present", &c.still),
        ] {
            if !refs.is_empty() {
                let _ = writeln!(s, "    {what} ({}): {}", refs.len(), list(refs, max));
            }
        }
        if let Some(n) = &c.note {
            let _ = writeln!(s, "    {n}");
        }
    }
    let same = d
        .checks
        .iter()
        .filter(|c| c.change == Change::Same && c.still.is_empty())
        .count();
    if same > 0 {
        let _ = writeln!(s, "{same} other checks unchanged");
    }
    if let Some(data) = &d.data {
        for (name, r) in [("users", &data.users), ("groups", &data.groups)] {
            let _ = writeln!(
                s,
                "\n{name}: {} -> {} ({} added, {} removed, {} changed, {} unchanged)",
                r.before,
                r.after,
                r.added.len(),
                r.removed.len(),
                r.changed.len(),
                r.unchanged
            );
            for (what, refs) in [("added", &r.added), ("removed", &r.removed)] {
                if !refs.is_empty() {
                    let names: Vec<&str> = refs.iter().take(max).map(|x| x.name.as_str()).collect();
                    let more = refs.len().saturating_sub(max);
                    let _ = writeln!(
                        s,
                        "    {what}: {}{}",
                        names.join(", "),
                        if more > 0 {
                            format!(" ... and {more} more")
                        } else {
                            String::new()
                        }
                    );
                }
            }
            for c in r.changed.iter().take(max) {
                let what: Vec<String> = c
                    .changes
                    .iter()
                    .map(|a| format!("{} {} -> {}", a.attribute, a.before, a.after))
                    .collect();
                let _ = writeln!(s, "    changed {}: {}", c.name, what.join("; "));
            }
            if r.changed.len() > max {
                let _ = writeln!(s, "    ... and {} more changed", r.changed.len() - max);
            }
        }
    }
    // Names and values come from the two tenants: no control character reaches the
    // terminal (this text has no colours of its own to keep).
    crate::util::escape_controls(&s, true).into_owned()
}

pub fn markdown(d: &Diff, max: usize) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# scim-doctor diff\n\n**{}**\n", cell(&d.headline));
    let _ = writeln!(
        s,
        "- {}\n- {}",
        cell(&side_line("Before", &d.before, &d.after)),
        cell(&side_line("After", &d.after, &d.before))
    );
    for n in &d.notes {
        let _ = writeln!(s, "\n> **Note:** {}", n.replace('\n', " "));
    }
    s.push_str("\n## Findings\n\n| Check | Change | Before | After | Resolved | New | Still present |\n|---|---|---|---|---|---|---|\n");
    for c in compared(d) {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} | {} |",
            code(&c.id),
            change_word(c.change),
            status(c.before),
            status(c.after),
            c.resolved.len(),
            c.new.len(),
            c.still.len()
        );
    }
    let idle = skipped_on_both(d);
    if idle > 0 {
        let _ = writeln!(
            s,
            "\n{} skipped or not run on both sides: not listed.",
            crate::util::plural(idle, "check", "checks")
        );
    }
    for c in interesting(d).filter(|c| !c.resolved.is_empty() || !c.new.is_empty()) {
        let _ = writeln!(s, "\n### {} ({})\n", c.id, change_word(c.change));
        for (what, refs) in [
            ("Resolved", &c.resolved),
            ("New", &c.new),
            ("Still present", &c.still),
        ] {
            if !refs.is_empty() {
                let _ = writeln!(s, "- {what} ({}): {}", refs.len(), cell(&list(refs, max)));
            }
        }
    }
    if let Some(data) = &d.data {
        s.push_str("\n## Tenant data\n\n| | Before | After | Added | Removed | Changed |\n|---|---|---|---|---|---|\n");
        for (name, r) in [("Users", &data.users), ("Groups", &data.groups)] {
            let _ = writeln!(
                s,
                "| {name} | {} | {} | {} | {} | {} |",
                r.before,
                r.after,
                r.added.len(),
                r.removed.len(),
                r.changed.len()
            );
        }
        for (name, r) in [("users", &data.users), ("groups", &data.groups)] {
            if r.changed.is_empty() {
                continue;
            }
            let _ = writeln!(
                s,
                "\nChanged {name} (first {}):\n",
                max.min(r.changed.len())
            );
            for c in r.changed.iter().take(max) {
                let what: Vec<String> = c
                    .changes
                    .iter()
                    .map(|a| format!("{}: {} -> {}", a.attribute, a.before, a.after))
                    .collect();
                let _ = writeln!(s, "- {}: {}", code(&c.name), cell(&what.join("; ")));
            }
        }
    }
    s
}

fn change_badge(c: Change) -> String {
    match c {
        Change::Better => badge("better"),
        Change::Worse => badge("worse"),
        Change::Mixed => badge("warn").replace("WARN", "MIXED"),
        Change::Same => badge("skipped").replace("SKIPPED", "SAME"),
        Change::NotCompared => badge("skipped").replace("SKIPPED", "NOT COMPARED"),
    }
}

pub fn html(d: &Diff, max: usize) -> String {
    let mut b = String::new();
    let (class, word) = verdict(d);
    let _ = write!(
        b,
        "<header><h1>scim-doctor diff</h1></header><main><p class=\"verdict st-{class}\" id=\"verdict\"><span class=\"badge st-{class}\">{}</span> {}</p>",
        esc(&word),
        esc(&d.headline)
    );
    let _ = write!(
        b,
        "<ul><li>{}</li><li>{}</li></ul>",
        esc(&side_line("Before", &d.before, &d.after)),
        esc(&side_line("After", &d.after, &d.before))
    );
    for n in &d.notes {
        let _ = write!(b, "<p class=\"alert\" role=\"note\">Note: {}</p>", esc(n));
    }
    // The id column keeps its width (check ids are single words); the lists wrap instead.
    b.push_str("<style>#diff-checks td.check-id{white-space:nowrap;min-width:12ch}#diff-checks td.refs{overflow-wrap:anywhere;min-width:10ch}</style>");
    b.push_str("<section aria-labelledby=\"f-h\"><h2 id=\"f-h\">Findings</h2><div class=\"table-scroll\"><table id=\"diff-checks\"><thead><tr><th scope=\"col\">Check</th><th scope=\"col\">Change</th><th scope=\"col\">Before</th><th scope=\"col\">After</th><th scope=\"col\">Resolved</th><th scope=\"col\">New</th><th scope=\"col\">Still present</th></tr></thead><tbody>");
    for c in compared(d) {
        let _ = write!(
            b,
            "<tr id=\"diff-{}\" data-change=\"{}\"><td class=\"check-id\"><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td class=\"refs\">{}</td><td class=\"refs\">{}</td><td class=\"refs\">{}</td></tr>",
            anchor(&c.id),
            c.change.as_str(),
            esc(&c.id),
            change_badge(c.change),
            badge(status(c.before)),
            badge(status(c.after)),
            esc(&list(&c.resolved, max)),
            esc(&list(&c.new, max)),
            esc(&list(&c.still, max))
        );
    }
    b.push_str("</tbody></table></div>");
    let idle = skipped_on_both(d);
    if idle > 0 {
        let _ = write!(
            b,
            "<p class=\"note\" id=\"skipped-both\">{} skipped or not run on both sides: not listed.</p>",
            crate::util::plural(idle, "check", "checks")
        );
    }
    b.push_str("</section>");
    if let Some(data) = &d.data {
        b.push_str("<section aria-labelledby=\"d-h\"><h2 id=\"d-h\">Tenant data</h2>");
        for (name, r) in [("Users", &data.users), ("Groups", &data.groups)] {
            let _ = write!(b, "<h3>{name}: {} &rarr; {}</h3><p>{} added, {} removed, {} changed, {} unchanged</p>", r.before, r.after, r.added.len(), r.removed.len(), r.changed.len(), r.unchanged);
            if !r.changed.is_empty() {
                b.push_str("<div class=\"table-scroll\"><table><thead><tr><th scope=\"col\">Name</th><th scope=\"col\">Attribute</th><th scope=\"col\">Before</th><th scope=\"col\">After</th></tr></thead><tbody>");
                for c in r.changed.iter().take(max) {
                    for a in &c.changes {
                        let _ = write!(
                            b,
                            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                            esc(&c.name),
                            a.attribute,
                            esc(&a.before),
                            esc(&a.after)
                        );
                    }
                }
                b.push_str("</tbody></table></div>");
                if r.changed.len() > max {
                    let _ = write!(b, "<p class=\"note\">Showing {max} of {} changed; the full list is in diff.json.</p>", r.changed.len());
                }
            }
        }
        b.push_str("</section>");
    }
    b.push_str("</main>");
    document("scim-doctor diff", &b, false)
}
