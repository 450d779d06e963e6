//! Inline SVG bar charts drawn by the tool (no chart service, no CDN). Every bar carries its
//! value and its label as text, so a chart reads the same without colour and when printed.

use super::page::esc;
use crate::findings::Status;
use crate::model::Tenant;
use crate::report::Report;
use std::collections::HashMap;
use std::fmt::Write;

pub struct Bar {
    pub label: String,
    pub value: usize,
    /// CSS class of the bar (`st-fail`, `bar`...).
    pub class: &'static str,
    /// Text after the value ("fail", "users").
    pub note: String,
}

impl Bar {
    pub fn new(label: impl Into<String>, value: usize, class: &'static str, note: &str) -> Self {
        Bar {
            label: label.into(),
            value,
            class,
            note: note.to_string(),
        }
    }
}

/// A horizontal bar chart in a `<figure>`: `role="img"` with a text alternative listing
/// every bar, so screen readers get the numbers too.
pub fn bars(id: &str, caption: &str, items: &[Bar], footnote: Option<&str>) -> String {
    const ROW: usize = 22;
    const LABEL_W: usize = 210;
    const BAR_W: usize = 300;
    let max = items.iter().map(|b| b.value).max().unwrap_or(0).max(1);
    let height = ROW * items.len().max(1) + 6;
    let alt: Vec<String> = items
        .iter()
        .map(|b| format!("{}: {} {}", b.label, b.value, b.note))
        .collect();
    let mut s = String::new();
    let _ = write!(
        s,
        "<figure id=\"chart-{id}\"><figcaption id=\"chart-{id}-cap\">{}</figcaption>\
<svg role=\"img\" aria-labelledby=\"chart-{id}-cap chart-{id}-desc\" viewBox=\"0 0 640 {height}\" xmlns=\"http://www.w3.org/2000/svg\">\
<desc id=\"chart-{id}-desc\">{}</desc>",
        esc(caption),
        esc(&alt.join("; "))
    );
    if items.is_empty() {
        let _ = write!(s, "<text x=\"4\" y=\"16\">nothing to draw</text>");
    }
    for (i, b) in items.iter().enumerate() {
        let y = i * ROW + 3;
        let w = if b.value == 0 {
            0
        } else {
            (b.value * BAR_W / max).max(2)
        };
        // Scrubbed before the cut: a cut must not leave the start of a secret.
        let label = crate::secret::clip_chars(&b.label, 31);
        let _ = write!(
            s,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text><rect class=\"{}\" x=\"{}\" y=\"{}\" width=\"{w}\" height=\"{}\"><title>{}</title></rect><text x=\"{}\" y=\"{}\">{} {}</text>",
            LABEL_W - 6,
            y + 14,
            esc(&label),
            b.class,
            LABEL_W,
            y + 2,
            ROW - 6,
            esc(&format!("{}: {} {}", b.label, b.value, b.note)),
            LABEL_W + w + 6,
            y + 14,
            b.value,
            esc(&b.note)
        );
    }
    s.push_str("</svg>");
    if let Some(f) = footnote {
        let _ = write!(s, "<p class=\"note\">{}</p>", esc(f));
    }
    s.push_str("</figure>\n");
    s
}

pub fn status_class(s: Status) -> &'static str {
    match s {
        Status::Pass => "st-pass",
        Status::Warn => "st-warn",
        Status::Fail => "st-fail",
        Status::Error => "st-error",
        Status::Skipped => "st-skipped",
    }
}

/// Checks per status, and subjects per check for every check that is a finding.
pub fn findings(report: &Report) -> String {
    let s = &report.summary;
    let by_status = [
        (Status::Fail, s.fail),
        (Status::Error, s.error),
        (Status::Warn, s.warn),
        (Status::Pass, s.pass),
        (Status::Skipped, s.skipped),
    ]
    .iter()
    .map(|(st, n)| Bar::new(st.as_str(), *n, status_class(*st), "checks"))
    .collect::<Vec<_>>();
    let mut out = bars("status", "Checks by status", &by_status, None);
    let mut per: Vec<Bar> = crate::render::ordered_checks(report)
        .into_iter()
        .filter(|c| crate::render::is_finding(c))
        .map(|c| Bar::new(&c.id, c.count, status_class(c.status), c.status.as_str()))
        .collect();
    per.sort_by_key(|b| std::cmp::Reverse(b.value));
    out.push_str(&bars(
        "per-check",
        "Findings per check (subjects affected, with the check's status)",
        &per,
        None,
    ));
    out
}

fn domain(email: &str) -> Option<String> {
    email
        .rsplit_once('@')
        .map(|(_, d)| d.trim().to_ascii_lowercase())
        .filter(|d| !d.is_empty())
}

/// Active / disabled / unlicensable users and users per email domain (top 8 + the rest).
pub fn composition(report: &Report, t: &Tenant, relabel: &dyn Fn(&str) -> String) -> String {
    let active = t.users.iter().filter(|u| u.is_active()).count();
    let mut rows = vec![
        Bar::new("active", active, "st-pass", "users"),
        Bar::new("disabled", t.users.len() - active, "st-skipped", "users"),
    ];
    let mut foot = None;
    match report.check("unlicensable-user") {
        Some(c) if c.status != Status::Skipped => {
            rows.push(Bar::new("unlicensable", c.count, "st-warn", "users"))
        }
        _ => foot = Some("unlicensable: the unlicensable-user check did not run"),
    }
    let mut out = bars("composition", "Tenant composition", &rows, foot);
    let mut domains: HashMap<String, usize> = HashMap::new();
    // Users without a domain are told apart the way the checks count them: no address at
    // all (missing-email) and an address with no domain (one of invalid-email's shapes).
    let (mut none, mut malformed) = (0, 0);
    for u in &t.users {
        match u.primary_email() {
            None => none += 1,
            Some(e) => match domain(e) {
                Some(d) => *domains.entry(d).or_default() += 1,
                None => malformed += 1,
            },
        }
    }
    let mut list: Vec<(String, usize)> =
        domains.into_iter().map(|(d, n)| (relabel(&d), n)).collect();
    list.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let rest: usize = list.iter().skip(8).map(|(_, n)| n).sum();
    let mut rows: Vec<Bar> = list
        .iter()
        .take(8)
        .map(|(d, n)| Bar::new(d.as_str(), *n, "bar", "users"))
        .collect();
    if rest > 0 {
        rows.push(Bar::new(
            format!("{} other domains", list.len() - 8),
            rest,
            "bar",
            "users",
        ));
    }
    if none > 0 {
        rows.push(Bar::new(
            "(no email: missing-email)",
            none,
            "st-warn",
            "users",
        ));
    }
    if malformed > 0 {
        rows.push(Bar::new(
            "(address without a domain)",
            malformed,
            "st-warn",
            "users",
        ));
    }
    out.push_str(&bars(
        "domains",
        "Users by primary email domain",
        &rows,
        None,
    ));
    out
}

/// Groups by member count, in buckets.
pub fn group_sizes(t: &Tenant) -> String {
    const BUCKETS: [(usize, usize, &str); 6] = [
        (0, 0, "empty"),
        (1, 5, "1-5 members"),
        (6, 20, "6-20 members"),
        (21, 100, "21-100 members"),
        (101, 1000, "101-1,000 members"),
        (1001, usize::MAX, "over 1,000 members"),
    ];
    let mut counts = [0usize; 6];
    for g in &t.groups {
        let n = g.members.len();
        if let Some(i) = BUCKETS.iter().position(|(lo, hi, _)| n >= *lo && n <= *hi) {
            counts[i] += 1;
        }
    }
    let rows: Vec<Bar> = BUCKETS
        .iter()
        .zip(counts)
        .map(|((_, _, l), n)| {
            Bar::new(
                *l,
                n,
                if *l == "empty" { "st-warn" } else { "bar" },
                "groups",
            )
        })
        .collect();
    bars("groups", "Group sizes", &rows, None)
}

/// Failed provisioning-log entries per day, from the `provisioning-failures` data (each
/// affected user's failed entries counted on the day of that user's latest failure).
pub fn log_failures(report: &Report) -> Option<String> {
    let c = report.check("provisioning-failures")?;
    let data = c.data.as_ref()?;
    let mut days: std::collections::BTreeMap<String, usize> = Default::default();
    let mut undated = 0;
    for g in data.get("failures")?.as_array()? {
        for u in g
            .get("users")
            .and_then(|v| v.as_array())
            .into_iter()
            .flatten()
        {
            let n = u.get("entries").and_then(|v| v.as_u64()).unwrap_or(1) as usize;
            match u
                .get("last")
                .and_then(|v| v.as_str())
                .filter(|s| s.len() >= 10)
            {
                Some(at) => *days.entry(at[..10].to_string()).or_default() += n,
                None => undated += n,
            }
        }
    }
    let mut rows: Vec<Bar> = days
        .into_iter()
        .map(|(d, n)| Bar::new(d, n, "st-fail", "failed entries"))
        .collect();
    if undated > 0 {
        rows.push(Bar::new(
            "(no time)",
            undated,
            "st-skipped",
            "failed entries",
        ));
    }
    Some(bars(
        "logs",
        "Provisioning-log failures per day",
        &rows,
        Some("each affected user's failed entries are counted on the day of that user's latest failure"),
    ))
}

/// In scope / out of scope / undetermined / not provisioned, from the scope checks' data.
pub fn scoping(report: &Report) -> Option<String> {
    let num = |id: &str, key: &str| -> Option<usize> {
        let c = report.check(id).filter(|c| c.status != Status::Skipped)?;
        c.data.as_ref()?.get(key)?.as_u64().map(|n| n as usize)
    };
    let mut rows = Vec::new();
    if let Some(n) = num("out-of-scope", "in_scope") {
        rows.push(Bar::new("in scope", n, "st-pass", "IdP users"));
        rows.push(Bar::new(
            "out of scope",
            num("out-of-scope", "out_of_scope").unwrap_or(0),
            "st-warn",
            "IdP users",
        ));
        rows.push(Bar::new(
            "undetermined",
            num("out-of-scope", "undetermined").unwrap_or(0),
            "st-skipped",
            "IdP users",
        ));
    }
    if let Some(n) = num("not-provisioned", "missing") {
        rows.push(Bar::new("not provisioned", n, "st-fail", "IdP users"));
    }
    if rows.is_empty() {
        return None;
    }
    Some(bars("scope", "Scoping result", &rows, None))
}
