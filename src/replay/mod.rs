//! The opt-in write probe (`scim-doctor replay`): replays the request sequences Entra ID and
//! Okta send when they provision, against canary resources only, GETs every resource back to
//! verify the effect, removes every canary (also after a failure, a signal or the deadline), and
//! proves with closing GETs that the tenant holds what it held before.
//!
//! - `sequence`: the sequences as data (bodies, paths, expectations)
//! - `client`: sending with the IdP's headers, the write transcript
//! - `exec`: running a sequence into facts; `judge`: facts into `replay-*` findings
//! - `readback`: what a write sent against what the server shows, by SCIM meaning
//! - `cleanup`: counts, canary removal, the search by name prefix
//! - `interrupt`: SIGINT, SIGTERM and SIGHUP stop the sequence, never the cleanup

pub mod cleanup;
pub mod client;
pub mod exec;
pub mod interrupt;
pub mod judge;
pub mod readback;
pub mod sequence;

use crate::findings::CheckResult;
use client::{WriteClient, WriteEntry};
use exec::{Created, Fact, Runner};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The `replay-*` check ids (pinned in tests/catalog.rs, documented in playbooks/checks/replay.toml).
pub mod ids {
    pub const USER_LOOKUP: &str = "replay-user-lookup";
    pub const USER_CREATE: &str = "replay-user-create";
    pub const DUPLICATE_USER: &str = "replay-duplicate-user";
    pub const USER_UPDATE: &str = "replay-user-update";
    pub const EMAIL_UPDATE: &str = "replay-email-update";
    pub const USER_DISABLE: &str = "replay-user-disable";
    pub const USER_DELETE: &str = "replay-user-delete";
    pub const GROUP_LOOKUP: &str = "replay-group-lookup";
    pub const GROUP_CREATE: &str = "replay-group-create";
    pub const MEMBER_ADD: &str = "replay-member-add";
    pub const MEMBER_REMOVE: &str = "replay-member-remove";
    pub const MEMBERS_REPLACE: &str = "replay-members-replace";
    pub const GROUP_RENAME: &str = "replay-group-rename";
    pub const RESPONSE_FORMAT: &str = "replay-response-format";
    pub const CLEANUP: &str = "replay-cleanup";

    /// Checks judged from the steps, in report order (`CLEANUP` comes last).
    pub const STEP_CHECKS: &[&str] = &[
        USER_LOOKUP,
        USER_CREATE,
        DUPLICATE_USER,
        USER_UPDATE,
        EMAIL_UPDATE,
        USER_DISABLE,
        USER_DELETE,
        GROUP_LOOKUP,
        GROUP_CREATE,
        MEMBER_ADD,
        MEMBER_REMOVE,
        MEMBERS_REPLACE,
        GROUP_RENAME,
        RESPONSE_FORMAT,
    ];
}

/// Whose request sequence a run sends: an IdP's, or (`Rfc`, opt-in) the RFC 7644 forms
/// neither IdP sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Idp {
    Entra,
    Okta,
    Rfc,
}

impl Idp {
    pub fn label(self) -> &'static str {
        match self {
            Idp::Entra => "Entra ID",
            Idp::Okta => "Okta",
            Idp::Rfc => "an RFC 7644 client",
        }
    }
}

/// Entra's compatibility mode: the legacy shapes, the `aadOptscim062020` ones, or both in turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compat {
    Legacy,
    Flag,
    Both,
}

/// Which request shapes a step uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    EntraLegacy,
    EntraFlag,
    Okta,
    Rfc,
}

impl Mode {
    pub fn label(self) -> &'static str {
        match self {
            Mode::EntraLegacy => "Entra legacy",
            Mode::EntraFlag => "Entra aadOptscim062020",
            Mode::Okta => "Okta",
            Mode::Rfc => "RFC 7644",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Options {
    pub idp: Idp,
    pub compat: Compat,
    /// The whole run's deadline; the cleanup runs after it.
    pub deadline: Duration,
}

/// The modes a run goes through, in order.
pub fn modes(idp: Idp, compat: Compat) -> Vec<Mode> {
    match (idp, compat) {
        (Idp::Okta, _) => vec![Mode::Okta],
        (Idp::Rfc, _) => vec![Mode::Rfc],
        (Idp::Entra, Compat::Legacy) => vec![Mode::EntraLegacy],
        (Idp::Entra, Compat::Flag) => vec![Mode::EntraFlag],
        (Idp::Entra, Compat::Both) => vec![Mode::EntraLegacy, Mode::EntraFlag],
    }
}

/// Every step of a run with these canaries (what `--dry-run` prints).
pub fn steps(mode: Mode, canary: &sequence::Canary) -> Vec<sequence::Step> {
    match mode {
        Mode::Okta => sequence::okta(canary),
        Mode::Rfc => sequence::rfc(canary),
        m => sequence::entra(canary, m),
    }
}

pub struct Outcome {
    pub results: Vec<CheckResult>,
    pub writes: Vec<WriteEntry>,
    /// Why the sequence stopped early (a signal, the deadline), if it did.
    pub interrupted: Option<String>,
    /// The signal that stopped it, if one did: the command exits with its code.
    pub signal: Option<interrupt::Interrupt>,
}

/// Runs the sequences, then the cleanup and the closing proof, whatever happened before.
/// `Err` (nothing written) when the endpoint cannot even be read: no write is sent to an
/// endpoint whose GET /Users fails.
pub async fn run(client: WriteClient, opts: &Options) -> Result<Outcome, String> {
    // Before the first request, so that no signal can end the process between a create and
    // the cleanup.
    let mut interrupts = interrupt::Interrupts::install();
    let probe = client
        .send("GET", "/Users?startIndex=1&count=1", None)
        .await;
    if probe.status != Some(200) {
        return Err(format!(
            "nothing was written: GET /Users answered {} before the first write; diagnose the connection with `scim-doctor test-connection`",
            probe.describe()
        ));
    }
    let before = cleanup::counts(&client).await;
    let created: Arc<Mutex<Vec<Created>>> = Arc::default();
    let facts: Arc<Mutex<Vec<Fact>>> = Arc::default();
    let canaries: Vec<(Mode, sequence::Canary)> = modes(opts.idp, opts.compat)
        .into_iter()
        .map(|m| (m, sequence::Canary::random()))
        .collect();
    let sequences = async {
        for (mode, canary) in &canaries {
            let mut runner = Runner::new(&client, created.clone(), facts.clone());
            runner.run(&steps(*mode, canary)).await;
        }
    };
    let (interrupted, signal) = tokio::select! {
        _ = sequences => (None, None),
        i = interrupts.next() => (Some(format!("was interrupted by {}", i.name)), Some(i)),
        _ = tokio::time::sleep(opts.deadline) => (Some(format!("stopped at the {} s deadline", opts.deadline.as_secs())), None),
    };
    let created = created.lock().map(|c| c.clone()).unwrap_or_default();
    let removals = cleanup::remove(&client, &created, opts.idp == Idp::Okta).await;
    let users: Vec<String> = canaries
        .iter()
        .flat_map(|(_, c)| [c.user_name('a'), c.user_name('b')])
        .collect();
    let groups: Vec<String> = canaries
        .iter()
        .flat_map(|(_, c)| [c.group(), c.renamed_group()])
        .collect();
    // Canaries the server created without telling us their id (a create answered with an
    // empty body, a timed-out POST): found by their exact names, removed as well.
    let mut removals = removals;
    let missed: Vec<Created> = cleanup::find_named(&client, &users, &groups)
        .await
        .into_iter()
        .filter(|c| {
            !removals
                .iter()
                .any(|r| r.res.id == c.id && r.left.is_none())
        })
        .collect();
    if !missed.is_empty() {
        removals.extend(cleanup::remove(&client, &missed, opts.idp == Idp::Okta).await);
    }
    let still = cleanup::find_named(&client, &users, &groups).await;
    let after = cleanup::counts(&client).await;
    let writes = client.entries();
    let facts = facts.lock().map(|f| f.clone()).unwrap_or_default();
    let mut results = judge::results(opts.idp, &facts, &writes);
    let base = crate::secret::scrub(client.http.endpoint.base_url.as_str());
    results.push(judge::cleanup(
        before,
        after,
        &removals,
        &still,
        base.trim_end_matches('/'),
    ));
    Ok(Outcome {
        results,
        writes,
        interrupted,
        signal,
    })
}

/// `replay --cleanup`: finds canaries by name prefix and, with `remove`, deletes them.
pub async fn cleanup_only(
    client: &WriteClient,
    remove: bool,
) -> Result<(Vec<Created>, Vec<cleanup::Removal>), String> {
    let found = cleanup::find(client).await?;
    let removals = if remove {
        cleanup::remove(client, &found, true).await
    } else {
        Vec::new()
    };
    Ok((found, removals))
}
