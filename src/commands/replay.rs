//! `replay`: the opt-in write probe. Refuses without `--allow-writes` (exit 2, nothing sent),
//! prints the plan with `--dry-run`, finds and removes leftovers with `--cleanup`, else runs
//! the sequence and renders the `replay-*` findings like any report.

use crate::cli::args::{EntraCompat, FetchArgs, Format, IdpKind, ReplayArgs};
use crate::cli::output::Output;
use crate::cli::{CmdResult, ToolError};
use crate::findings::{CheckResult, Status};
use crate::replay::{self, client::WriteClient, sequence, Compat, Idp, Options};
use crate::report::{PlaybookRun, Report, SourceInfo, SourceKind};
use serde_json::json;
use std::time::Duration;

pub const REFUSAL: &str = "replay writes to the endpoint (canary users and a canary group, removed at the end): add --allow-writes to run it, or --dry-run to see every request first; nothing was sent";

pub async fn run(a: ReplayArgs, out: &Output) -> CmdResult {
    let idp = match a.bundle.idp {
        Some(IdpKind::Okta) => Idp::Okta,
        Some(IdpKind::Entra) => Idp::Entra,
        Some(IdpKind::Rfc) => Idp::Rfc,
        None if a.cleanup => Idp::Entra,
        None => {
            return Err(ToolError(
                "replay needs --idp entra, --idp okta or --idp rfc: whose request sequence to send".into(),
            ))
        }
        Some(other) => {
            return Err(ToolError(format!(
                "replay knows the request sequences of Entra ID and Okta (and the RFC 7644 forms with --idp rfc), not {other:?}: use --idp entra, okta or rfc"
            )))
        }
    };
    let compat = match a.entra_compat {
        EntraCompat::Legacy => Compat::Legacy,
        EntraCompat::Flag => Compat::Flag,
        EntraCompat::Both => Compat::Both,
    };
    if a.dry_run {
        out.print(&dry_run(idp, compat, out.format))?;
        return Ok(0);
    }
    if !a.allow_writes && !a.cleanup {
        return Err(ToolError(REFUSAL.into()));
    }
    let bundle_opts = match &a.bundle.bundle {
        Some(_) => {
            let mut o = super::bundle::options(&a.bundle)?;
            o.progress = out.progress;
            Some(o)
        }
        None => None,
    };
    let http = super::plan::live_client(&a.endpoint, &FetchArgs::default(), out)?;
    let transcript = http.transcript.clone();
    let insecure = http.endpoint.insecure;
    let source = SourceInfo {
        kind: SourceKind::Live,
        label: http.endpoint.host(),
        base_url: Some(crate::secret::scrub(http.endpoint.base_url.as_str())),
        insecure,
    };
    let base = source.base_url.clone().unwrap_or_default();
    let client = WriteClient::new(http, idp);
    let mut warnings = Vec::new();
    if insecure {
        warnings.push("TLS certificate verification was disabled with --insecure".to_string());
    }
    let mut signal = None;
    let results = if a.cleanup {
        if !a.allow_writes {
            out.note("replay --cleanup without --allow-writes: listing canaries only (GET); nothing is deleted");
        }
        vec![cleanup(&client, a.allow_writes, base.trim_end_matches('/'), out).await?]
    } else {
        out.note(&format!(
            "replay: sending {}'s write sequence to {} on canary resources (scim-doctor-canary-*); they are removed at the end",
            idp.label(),
            base
        ));
        let opts = Options {
            idp,
            compat,
            deadline: Duration::from_secs(a.deadline.max(1)),
        };
        let outcome = replay::run(client, &opts).await.map_err(ToolError)?;
        signal = outcome.signal;
        if let Some(why) = &outcome.interrupted {
            warnings.push(format!(
                "the sequence {why}; the cleanup ran on the canaries it had created (see replay-cleanup)"
            ));
        }
        if let Some(path) = &a.transcript {
            let text: String = outcome
                .writes
                .iter()
                .filter_map(|e| serde_json::to_string(e).ok())
                .map(|l| crate::secret::scrub(&l) + "\n")
                .collect();
            crate::util::write_output(path, text.as_bytes())
                .map_err(|e| format!("cannot write the transcript {}: {e}", path.display()))?;
            out.note(&format!(
                "write transcript: {} in {}",
                crate::util::plural(outcome.writes.len(), "request", "requests"),
                path.display()
            ));
        }
        outcome.results
    };
    let status = results
        .iter()
        .map(|r| r.status)
        .max_by_key(|s| s.rank())
        .unwrap_or(Status::Pass);
    let run = PlaybookRun {
        id: "replay".into(),
        title: format!("Write probe: {}'s requests on canaries", idp.label()),
        status,
        checks: results.iter().map(|r| r.id.clone()).collect(),
    };
    let mut report = Report::new(source, results, vec![run]);
    report.warnings = warnings;
    let code = out.report(&report)?;
    // A run stopped by a signal is not a passing one: it says so on stderr and exits as a
    // shell expects after the signal (130 SIGINT, 143 SIGTERM, 129 SIGHUP).
    let stopped = signal.map(|sig| {
        let how = match report.checks.iter().find(|c| c.id == replay::ids::CLEANUP) {
            Some(c) if c.status == Status::Pass => {
                "every canary it had created was removed".to_string()
            }
            Some(c) => format!("replay-cleanup {}: {}", c.status.as_str(), c.message),
            None => "the cleanup left no result".to_string(),
        };
        (
            sig,
            format!(
                "replay interrupted by {}: the sequence stopped early; {how}; exit code {}",
                sig.name, sig.exit_code
            ),
        )
    });
    if let Some(opts) = bundle_opts {
        // The bundle's report.json carries each check's requests with their bodies, and its
        // requests.jsonl every exchange of the run (writes included), secrets scrubbed.
        let outcome = crate::engine::Outcome {
            report,
            tenant: None,
            transcript,
            timing: Default::default(),
        };
        super::bundle::write_and_announce(&outcome, &opts, out).await?;
    }
    if let Some((sig, message)) = stopped {
        out.error(&message);
        return Ok(sig.exit_code);
    }
    Ok(code)
}

async fn cleanup(
    client: &WriteClient,
    remove: bool,
    base: &str,
    out: &Output,
) -> Result<CheckResult, ToolError> {
    let (found, removals) = replay::cleanup_only(client, remove)
        .await
        .map_err(ToolError)?;
    if !remove {
        if found.is_empty() {
            return Ok(CheckResult::pass(
                replay::ids::CLEANUP,
                "no canary (a name this tool generates: scim-doctor-canary-<run tag>-...) in the tenant",
            ));
        }
        let removals: Vec<_> = found
            .iter()
            .map(|c| replay::cleanup::Removal {
                res: c.clone(),
                left: Some("found by its generated canary name".into()),
            })
            .collect();
        return Ok(replay::judge::cleanup(
            Default::default(),
            Default::default(),
            &removals,
            &[],
            base,
        ));
    }
    let after = replay::cleanup::find(client).await.map_err(ToolError)?;
    let counts = replay::cleanup::counts(client).await;
    let mut r = replay::judge::cleanup(counts, counts, &removals, &after, base);
    // Every resource deleted, by kind, id and name: what was removed from a customer's
    // tenant is never left to be inferred.
    let deleted: Vec<_> = removals.iter().filter(|m| m.left.is_none()).collect();
    for m in &deleted {
        out.note(&format!(
            "deleted {} {} ({})",
            if m.res.group { "group" } else { "user" },
            m.res.id,
            m.res.name
        ));
    }
    if r.status == Status::Pass {
        r.message = format!(
            "{} canaries found by their generated names and removed; none left (each removed id answers 404, and the search by name prefix, with a full listing when the filter finds nothing, finds none)",
            deleted.len()
        );
        r.subjects = deleted.iter().map(|m| removed_subject(&m.res)).collect();
        r.count = r.subjects.len();
    } else if !deleted.is_empty() {
        r.message = format!("{}; {} removed", r.message, deleted.len());
        r.subjects
            .extend(deleted.iter().map(|m| removed_subject(&m.res)));
        r.count = r.subjects.len();
    }
    Ok(r)
}

fn removed_subject(c: &replay::exec::Created) -> crate::findings::Subject {
    use crate::findings::{Subject, SubjectKind};
    let kind = if c.group {
        SubjectKind::Group
    } else {
        SubjectKind::User
    };
    let mut s = Subject::item(kind, c.id.clone(), "deleted (GET then answered 404)");
    if c.group {
        s.display_name = Some(c.name.clone());
    } else {
        s.user_name = Some(c.name.clone());
    }
    s
}

/// Every request of the run, with placeholders for the ids the server will assign.
fn dry_run(idp: Idp, compat: Compat, format: Format) -> String {
    let mut plan = Vec::new();
    for mode in replay::modes(idp, compat) {
        let canary = sequence::Canary::random();
        for s in replay::steps(mode, &canary) {
            plan.push(json!({
                "mode": mode.label(), "check": s.check, "what": s.what,
                "method": s.method, "path": s.path, "body": s.body,
            }));
        }
    }
    if format == Format::Json {
        return serde_json::to_string_pretty(
            &json!({"dry_run": true, "idp": idp.label(), "requests": plan}),
        )
        .unwrap_or_default()
            + "\n";
    }
    let mut t = format!(
        "scim-doctor replay --dry-run: {} (nothing is sent)\n{{user}}, {{user2}} and {{group}} stand for the ids the server assigns.\n\n\
         before: GET /Users?startIndex=1&count=1 and GET /Groups?excludedAttributes=members&startIndex=1&count=1 (counts)\n",
        idp.label()
    );
    for (i, p) in plan.iter().enumerate() {
        t.push_str(&format!(
            "\n{}. [{}] {} ({})\n   {} {}\n",
            i + 1,
            p["mode"].as_str().unwrap_or(""),
            p["what"].as_str().unwrap_or(""),
            p["check"].as_str().unwrap_or(""),
            p["method"].as_str().unwrap_or(""),
            p["path"].as_str().unwrap_or("")
        ));
        if !p["body"].is_null() {
            for line in serde_json::to_string_pretty(&p["body"])
                .unwrap_or_default()
                .lines()
            {
                t.push_str(&format!("   {line}\n"));
            }
        }
    }
    // What `replay::run` sends around the sequence (cleanup::counts, cleanup::remove,
    // cleanup::find_named), so the dry run describes exactly that.
    t.push_str(
        "\nbefore the first write: GET /Users?startIndex=1&count=1 and \
         GET /Groups?excludedAttributes=members&startIndex=1&count=1 (the totalResults counts)\n\
         after every write: GET /Users/{id} or /Groups/{id} to verify the effect\n\
         cleanup (always, also after a failure, --deadline or SIGINT/SIGTERM/SIGHUP): for every canary still present, \
         groups first: (Okta: PATCH active false), DELETE, then GET expecting 404\n\
         proof: for every canary name, GET /Users?filter=userName eq \"<name>\" and \
         GET /Groups?excludedAttributes=members&filter=displayName eq \"<name>\" (none may be left), \
         then the two counts again\n",
    );
    t
}
