//! Raw command-line flags (clap derive). Parsed here, validated and resolved into ready-made
//! objects by the command modules; nothing here does I/O (but `base_url()`, which reads
//! SCIM_BASE_URL).
//!
//! Layout, so that each option is listed only where it applies:
//! - `GlobalArgs` (every subcommand): colours, -q, -v.
//! - `ReportArgs` (commands that produce a report: test-connection, check, demo,
//!   explain-user, bundle): --format, --fail-on, --max-subjects.
//! - `FormatArgs` (commands that print a listing: playbooks, scope simulate): --format.
//! - One `Args` struct per concern (endpoint, fetching, offline sources, audit, bundle),
//!   flattened into the commands that use it (`shared.rs`).
//! - One file per subcommand with its own flags (`check.rs`, `bundle.rs`, ...); this file
//!   holds the top (`Cli`, `GlobalArgs`) and the list of subcommands (`Command`).
//!
//! Help texts: every option has a doc line; defaults and env vars are shown by clap (do not
//! repeat them in the text unless clap cannot show them, then hide clap's); examples stay
//! under 76 columns per line (continue long commands with ` \`) so they never wrap.

pub use crate::options::{Format, LicenseMode};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

mod bundle;
mod check;
mod collect;
mod demo;
mod diff;
mod explain;
mod playbooks;
mod replay;
mod scope;
mod serve;
mod shared;
mod snapshot;

pub use bundle::{BundleAction, BundleCommandArgs};
pub use check::{CheckArgs, TestConnectionArgs};
pub use collect::{CollectCommand, CollectCommon, CollectEntraArgs, CollectOktaArgs};
pub use demo::DemoArgs;
pub use diff::DiffArgs;
pub use explain::ExplainUserArgs;
pub use playbooks::PlaybooksCommand;
pub use replay::{EntraCompat, ReplayArgs};
pub use scope::{ScopeCommand, ScopeSimulateArgs};
pub use serve::ServeArgs;
pub use shared::{
    AuditArgs, BundleArgs, EarlyReportArgs, EndpointArgs, FetchArgs, FormatArgs, IdpKind,
    ReportArgs, SourceArgs, BASE_URL_ENV,
};
pub use snapshot::SnapshotArgs;

#[derive(Debug, Parser)]
#[command(
    name = "scim-doctor",
    version,
    about = "Finds out why SCIM user provisioning is failing and writes the support ticket for it",
    long_about = "Finds out why SCIM user provisioning (Microsoft Entra ID, Okta, OneLogin, DTS, Safous) \
is failing and writes the support ticket for it. Read-only by default: every request is a GET.",
    after_help = "Examples:
  scim-doctor demo          # try it on the built-in sample tenant
  export SCIM_TOKEN=...
  scim-doctor test-connection --base-url https://host/scim/v2
  scim-doctor check --base-url https://host/scim/v2 --licenses 500
  scim-doctor check --snapshot ./snap --format markdown > ticket.md

Exit codes: 0 nothing at or above --fail-on, 1 findings at or above it,
2 the tool could not run.",
    propagate_version = true
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(flatten)]
    pub early_report: EarlyReportArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum ColorChoice {
    #[default]
    Auto,
    Always,
    Never,
}

/// Options of every subcommand: what goes to stderr, and colours.
#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// When to use colours (NO_COLOR and TERM=dumb are honoured with auto)
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Only print the result (no progress, no notes)
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Log every HTTP request to stderr (method, URL, status, time); -vv adds headers
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Diagnose the connection the way an IdP's "Test connection" button would fail
    #[command(after_help = "Examples:
  export SCIM_TOKEN=...
  scim-doctor test-connection --base-url https://host/scim/v2
  scim-doctor test-connection --base-url https://host/scim/v2 \\
      --token-file token.txt
  scim-doctor test-connection --base-url https://host/scim \\
      --username KEY --password-file secret.txt

Steps: base-url, dns, tcp, tls, http-auth, endpoint-path, scim-response,
idp-test-connection, service-provider-config. After a hard failure the rest
are skipped. Every request is a GET.

Exit codes: 0 passed, 1 a step failed (per --fail-on), 2 bad arguments.")]
    TestConnection(TestConnectionArgs),

    /// Run playbooks against a live endpoint or a snapshot
    #[command(after_help = "Examples:
  SCIM_TOKEN=... scim-doctor check --base-url https://host/scim/v2
  scim-doctor check --snapshot ./snap --playbook duplicate-users
  scim-doctor check --snapshot ./snap --licenses 250 \\
      --license-mode groups --license-groups VPN
  scim-doctor check --snapshot ./snap --scope-filter scope.json \\
      --idp-users users.csv
  scim-doctor check --snapshot ./snap --idp-config schema.json \\
      --idp-config job.json
  scim-doctor check --snapshot ./snap --format json > report.json
  scim-doctor check --snapshot ./snap --bundle --case-id 01234 --redact-pii

Exit codes: 0 nothing at or above --fail-on, 1 findings at or above it,
2 the tool could not run.")]
    Check(CheckArgs),

    /// Fetch the whole tenant into a snapshot directory for offline analysis
    #[command(after_help = "Examples:
  SCIM_TOKEN=... scim-doctor snapshot --base-url https://host/scim/v2 \\
      --out ./snap
  scim-doctor check --snapshot ./snap")]
    Snapshot(SnapshotArgs),

    /// Start a built-in SCIM server on a sample tenant and diagnose it over HTTP
    #[command(after_help = "Examples:
  scim-doctor demo
  scim-doctor demo --format markdown
  scim-doctor demo --bundle-path demo.zip   # and write its support bundle
  scim-doctor demo --write-samples ./sample # files for explain-user, bundle")]
    Demo(DemoArgs),

    /// Serve a tenant over SCIM on 127.0.0.1, read-only unless --writable (trials, tests, benchmarks)
    #[command(after_help = "Examples:
  scim-doctor serve --demo --token secret
  scim-doctor serve --snapshot ./snap --token secret --port 8080 \\
      --max-page-size 100 --latency-ms 50
  scim-doctor serve --demo --writable --quirk case-sensitive-op")]
    Serve(ServeArgs),

    /// List or document the playbooks and checks
    #[command(
        subcommand,
        after_help = "Examples:
  scim-doctor playbooks list
  scim-doctor playbooks show duplicate-users"
    )]
    Playbooks(PlaybooksCommand),

    /// Simulate Entra scoping filters
    #[command(
        subcommand,
        after_help = "Examples:
  scim-doctor scope simulate --filter scope.json --idp-users users.csv"
    )]
    Scope(ScopeCommand),

    /// Trace one user end to end: import, scope, match, target state, logs, verdict
    #[command(
        name = "explain-user",
        after_help = "Examples:
  scim-doctor explain-user alice@example.com --snapshot ./snap
  scim-doctor explain-user alice@example.com --snapshot ./snap \\
      --idp-users users.csv --scope-filter scope.json
  scim-doctor explain-user alice@example.com --snapshot ./snap \\
      --provisioning-logs ProvisioningLogs*.csv
  scim-doctor explain-user alice@example.com --snapshot ./snap \\
      --idp-users users.csv --idp-config schema.json
  SCIM_TOKEN=... scim-doctor explain-user 4f1c... \\
      --base-url https://host/scim/v2

Note: --provisioning-logs takes several files, so give the user first (as
above), or end the file list with -- before the user.

Exit codes: 0 nothing at or above --fail-on, 1 findings at or above it,
2 the tool could not run."
    )]
    ExplainUser(ExplainUserArgs),

    /// Write a support-ticket bundle (check with every playbook), or verify one
    #[command(
        args_conflicts_with_subcommands = true,
        // `bundle` writes to --out; the shared --bundle flag still works but is not shown.
        mut_arg("bundle", |a| a.hide(true)),
        after_help = "Examples:
  scim-doctor bundle --snapshot ./snap --case-id 01234 \\
      --description 'users not provisioned'
  SCIM_TOKEN=... scim-doctor bundle --base-url https://host/scim/v2 \\
      --redact-pii --keep-domains
  scim-doctor bundle --snapshot ./snap --idp-users users.csv \\
      --scope-filter scope.json --out ticket.zip
  scim-doctor bundle verify scim-doctor-host-20261126T073800Z.zip

The zip's path and SHA-256 are printed on stdout after the report (also with -q).
Exit codes: 0 nothing at or above --fail-on, 1 findings at or above it,
2 the tool could not run.
bundle verify: 0 every file matches, 1 a mismatch (each named), 2 not a
readable bundle."
    )]
    Bundle(BundleCommandArgs),

    // Opt-in write probe (issue 16): the one command that may send anything but GET, and
    // only with --allow-writes. Owned by src/replay/ and src/commands/replay.rs.
    /// Replay what Entra ID or Okta sends, on canary resources (writes: needs --allow-writes)
    #[command(
        // The shared --idp names the IdP of the ticket; here it also picks the request
        // sequence, which exists for Entra ID, Okta and the plain RFC forms only.
        mut_arg("idp", |a| a
            .help_heading("Replay")
            .help("Whose request sequence to replay (also the IdP named in the ticket)")
            .value_parser(replay::replay_idp())),
        after_help = "Examples:
  scim-doctor replay --idp entra --dry-run     # every request, nothing sent
  SCIM_TOKEN=... scim-doctor replay --idp entra --entra-compat both \\
      --allow-writes --base-url https://host/scim/v2
  SCIM_TOKEN=... scim-doctor replay --idp okta --allow-writes \\
      --base-url https://host/scim/v2 --transcript writes.jsonl
  SCIM_TOKEN=... scim-doctor replay --idp rfc --allow-writes \\
      --base-url https://host/scim/v2       # RFC 7644 forms no IdP sends
  SCIM_TOKEN=... scim-doctor replay --idp entra --allow-writes \\
      --base-url https://host/scim/v2 --bundle --case-id 01234
  SCIM_TOKEN=... scim-doctor replay --cleanup \\
      --base-url https://host/scim/v2       # list leftovers (GET only)
  SCIM_TOKEN=... scim-doctor replay --cleanup --allow-writes \\
      --base-url https://host/scim/v2       # and delete them

Creates only canaries named scim-doctor-canary-<random>, verifies every step
with a GET, removes them at the end (also after a failure, --deadline, or
SIGINT/SIGTERM/SIGHUP) and proves it with GETs.

Exit codes: 0 nothing at or above --fail-on, 1 findings at or above it,
2 refused (no --allow-writes) or the tool could not run; 130, 143, 129 when
SIGINT, SIGTERM, SIGHUP stopped the run (the cleanup ran)."
    )]
    Replay(ReplayArgs),
    /// Compare two runs: findings resolved/new/still present, users and groups changed
    #[command(after_help = "Examples:
  scim-doctor diff before.zip after.zip          # two support bundles
  scim-doctor diff ./snap-monday ./snap-friday   # two snapshots (full-audit)
  scim-doctor diff old-report.json new-report.json   # findings only
  scim-doctor diff before.zip after.zip --format html > diff.html
  scim-doctor diff ./snap-yesterday ./snap-today --fail-on new

Note: --provisioning-logs takes several files, so give BEFORE and AFTER first
(as above), or end the file list with -- before them.

Exit codes: with --fail-on new, 1 when anything got worse; otherwise 1 when
AFTER has findings at or above --fail-on; 2 when an input cannot be read.")]
    Diff(DiffArgs),

    /// Read the IdP's configuration and logs from Microsoft Graph or the Okta API into a folder
    #[command(
        subcommand,
        after_help = "Examples:
  export OKTA_API_TOKEN=...        # or OKTA_ACCESS_TOKEN (OAuth)
  scim-doctor collect okta --org https://acme.okta.com \\
      --app Salesforce --out ./okta-idp
  export AZURE_TENANT_ID=... AZURE_CLIENT_ID=... AZURE_CLIENT_SECRET=...
  scim-doctor collect entra --app \"Contoso SCIM\" --out ./entra-idp
  scim-doctor check --snapshot ./snap --idp-config ./entra-idp

Every request is a GET (plus the OAuth token request). Credentials come
from the environment only. See docs/collect.md for the least-privilege
set-up.

Exit codes: 0 collected (what could not be read is listed in
manifest.json), 2 nothing could be collected or bad input."
    )]
    Collect(CollectCommand),

    /// Print shell completions
    #[command(after_help = "Examples:
  scim-doctor completions bash > /etc/bash_completion.d/scim-doctor
  scim-doctor completions zsh > \"${fpath[1]}/_scim-doctor\"")]
    Completions {
        /// The shell to write completions for
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },

    /// Print the man page (roff) to stdout, or write one page per command into --out DIR
    #[command(after_help = "Examples:
  scim-doctor man > scim-doctor.1
  scim-doctor man --out ./man     # scim-doctor.1 and one page per command")]
    Man {
        /// Write one page per command into this directory instead of stdout
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
}

impl Command {
    /// The report options of this command (defaults for commands without a report).
    pub fn report_args(&self) -> ReportArgs {
        let format_only = |f: &FormatArgs| ReportArgs {
            format: f.format,
            ..Default::default()
        };
        match self {
            Command::TestConnection(a) => a.report.clone(),
            Command::Check(a) => a.report.clone(),
            Command::Demo(a) => a.report.clone(),
            Command::ExplainUser(a) => a.report.clone(),
            Command::Bundle(a) => a.report.clone(),
            Command::Replay(a) => a.report.clone(),
            Command::Diff(a) => a.report.clone(),
            Command::Playbooks(PlaybooksCommand::List { format, .. })
            | Command::Playbooks(PlaybooksCommand::Show { format, .. }) => format_only(format),
            Command::Scope(ScopeCommand::Simulate(a)) => format_only(&a.format),
            Command::Snapshot(_)
            | Command::Collect(_)
            | Command::Serve(_)
            | Command::Completions { .. }
            | Command::Man { .. } => Default::default(),
        }
    }
}
