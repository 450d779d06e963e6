//! Raw command-line flags (clap derive). Parsed here, validated and resolved into ready-made
//! objects by the command modules; nothing in this file does I/O (but `base_url()`, which
//! reads SCIM_BASE_URL).
//!
//! Layout, so that each option is listed only where it applies:
//! - `GlobalArgs` (every subcommand): colours, -q, -v.
//! - `ReportArgs` (commands that produce a report: test-connection, check, demo,
//!   explain-user, bundle): --format, --fail-on, --max-subjects.
//! - `FormatArgs` (commands that print a listing: playbooks, scope simulate): --format.
//! - One `Args` struct per concern (endpoint, fetching, offline sources, audit, bundle),
//!   flattened into the commands that use it.
//!
//! Help texts: every option has a doc line; defaults and env vars are shown by clap (do not
//! repeat them in the text unless clap cannot show them, then hide clap's); examples stay
//! under 76 columns per line (continue long commands with ` \`) so they never wrap.

pub use crate::options::{Format, LicenseMode};
use crate::report::FailOn;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

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

/// How a report is rendered and what makes the exit code 1. The fields are options (their
/// defaults written in the help text) so that the same options given before the subcommand
/// (`EarlyReportArgs`) can fill in what the subcommand did not set.
#[derive(Debug, Clone, Args, Default)]
#[command(next_help_heading = "Report")]
pub struct ReportArgs {
    /// Output format [default: human on a terminal, json otherwise]
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Lowest finding level that makes the exit code 1 [default: fail]
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOn>,
    /// Subjects listed per check in human and markdown output (JSON and CSV list all)
    /// [default: 10]
    #[arg(long, value_name = "N")]
    pub max_subjects: Option<usize>,
}

impl ReportArgs {
    /// These options, completed by the ones given before the subcommand.
    pub fn or(&self, early: &EarlyReportArgs) -> ReportArgs {
        ReportArgs {
            format: self.format.or(early.format),
            fail_on: self.fail_on.or(early.fail_on),
            max_subjects: self.max_subjects.or(early.max_subjects),
        }
    }
}

/// `scim-doctor --format json check ...`: the report options before the subcommand, as
/// they were accepted when they were global. Still accepted, not shown in help (they are
/// listed under each command that produces a report). Also flattened, hidden, into
/// `snapshot`, where scripts passed them when they were global.
#[derive(Debug, Clone, Args, Default)]
pub struct EarlyReportArgs {
    #[arg(long = "format", value_enum, hide = true)]
    pub format: Option<Format>,
    #[arg(long = "fail-on", value_enum, hide = true)]
    pub fail_on: Option<FailOn>,
    #[arg(long = "max-subjects", value_name = "N", hide = true)]
    pub max_subjects: Option<usize>,
}

/// The output format of a listing (no findings, so no --fail-on).
#[derive(Debug, Clone, Args, Default)]
pub struct FormatArgs {
    /// Output format [default: human on a terminal, json otherwise]
    #[arg(long, value_enum)]
    pub format: Option<Format>,
}

/// How to reach and authenticate to a live SCIM endpoint.
#[derive(Debug, Clone, Args, Default)]
#[command(next_help_heading = "Endpoint")]
pub struct EndpointArgs {
    /// SCIM base URL, e.g. https://host/scim/v2 (the "Tenant URL" in Entra, "Base URL" in
    /// Okta) [env: SCIM_BASE_URL]
    // SCIM_BASE_URL is read by `base_url()`, not by clap: clap would count an exported
    // variable as the flag and refuse it next to `--snapshot`, which must win over the env.
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// Bearer token as a value (visible to other local users: prefer SCIM_TOKEN or --token-file)
    #[arg(long, value_name = "TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Read the bearer token from this file (first line)
    #[arg(long, value_name = "PATH", conflicts_with_all = ["token", "token_stdin"])]
    pub token_file: Option<PathBuf>,
    /// Read the bearer token from standard input
    #[arg(long, conflicts_with_all = ["token", "token_file"])]
    pub token_stdin: bool,
    /// Basic-auth user name (Safous "SCIM key"); the password comes from SCIM_PASSWORD or --password-file
    #[arg(long, value_name = "NAME")]
    pub username: Option<String>,
    /// Read the basic-auth password (Safous "secret") from this file
    #[arg(long, value_name = "PATH", requires = "username")]
    pub password_file: Option<PathBuf>,
    /// Extra request header, NAME:VALUE (repeatable); values are treated as secrets in output
    #[arg(long = "header", value_name = "NAME:VALUE")]
    pub headers: Vec<String>,
    /// Trust this PEM CA bundle in addition to the system roots
    #[arg(long, value_name = "PEM")]
    pub ca_cert: Option<PathBuf>,
    /// Do not verify TLS certificates (reported loudly in every output)
    #[arg(long)]
    pub insecure: bool,
    /// Send credentials over plain http:// to a host that is not this machine (refused
    /// without this flag: the token would cross the network in clear text)
    #[arg(long)]
    pub allow_insecure_http: bool,
    /// Per-request timeout in seconds
    #[arg(long, default_value_t = 30, value_name = "SECS")]
    pub timeout: u64,
}

/// How to fetch a whole tenant.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Fetching")]
pub struct FetchArgs {
    /// Pages fetched in parallel
    #[arg(long, default_value_t = 4, value_name = "N")]
    pub concurrency: usize,
    /// Resources per page [default: the server's advertised maximum, else 100]
    #[arg(long, value_name = "N")]
    pub page_size: Option<usize>,
    /// Stop after this many pages per resource type (the data is then marked incomplete)
    #[arg(long, default_value_t = 100_000, value_name = "N")]
    pub max_pages: usize,
    /// Stop after this many requests in all (the data is then marked incomplete) [default:
    /// 5x the pages the tenant needs, plus room for discovery and probes]
    #[arg(long, value_name = "N")]
    pub max_requests: Option<usize>,
    /// Overall deadline for the fetch, in seconds (the data is then marked incomplete)
    #[arg(long, default_value_t = 1800, value_name = "SECS")]
    pub deadline: u64,
    /// Largest response body accepted, in MiB
    #[arg(long, default_value_t = 64, value_name = "MIB")]
    pub max_body_mib: u64,
    /// Retries per request on 429/5xx/connection resets
    #[arg(long, default_value_t = 5, value_name = "N")]
    pub retries: u32,
    /// Users sampled by the filter-username-eq / filter-externalid-eq probes
    #[arg(long, default_value_t = 5, value_name = "N")]
    pub probe_sample: usize,
}

/// The environment variable `--base-url` falls back to.
pub const BASE_URL_ENV: &str = "SCIM_BASE_URL";

impl EndpointArgs {
    /// `--base-url`, else a non-empty SCIM_BASE_URL.
    pub fn base_url(&self) -> Option<String> {
        self.base_url.clone().or_else(|| {
            std::env::var(BASE_URL_ENV)
                .ok()
                .filter(|v| !v.trim().is_empty())
        })
    }
}

impl Default for FetchArgs {
    fn default() -> Self {
        FetchArgs {
            concurrency: 4,
            page_size: None,
            max_pages: 100_000,
            max_requests: None,
            deadline: 1800,
            max_body_mib: 64,
            retries: 5,
            probe_sample: 5,
        }
    }
}

/// Where the tenant comes from when not live.
#[derive(Debug, Clone, Args, Default)]
#[command(next_help_heading = "Offline sources")]
pub struct SourceArgs {
    /// Analyse a snapshot instead of a live endpoint: a `snapshot` directory, a directory
    /// with Users.json/Groups.json as `curl` returns them, or a bundle zip
    #[arg(long, value_name = "PATH", conflicts_with = "base_url")]
    pub snapshot: Option<PathBuf>,
    /// Another SCIM directory of the same account (snapshot path), compared for
    /// cross-directory uniqueness of externalId and userName (repeatable)
    #[arg(long, value_name = "PATH")]
    pub other_snapshot: Vec<PathBuf>,
}

/// Inputs of the tenant audit.
#[derive(Debug, Clone, Args, Default)]
#[command(next_help_heading = "Audit")]
pub struct AuditArgs {
    /// Playbook to run (repeatable) [default: full-audit]; see `scim-doctor playbooks list`
    #[arg(long = "playbook", value_name = "ID")]
    pub playbooks: Vec<String>,
    /// Directory of extra or overriding playbook/profile TOML files
    #[arg(long = "playbooks", value_name = "DIR")]
    pub playbooks_dir: Option<PathBuf>,
    /// Target-service profile (required attributes, licence rules): default or generic
    #[arg(long, default_value = "default", value_name = "ID")]
    pub profile: String,
    /// Licences (seats) available
    #[arg(long, value_name = "N")]
    pub licenses: Option<u64>,
    /// How licences are assigned
    #[arg(long, value_enum, default_value_t = LicenseMode::All)]
    pub license_mode: LicenseMode,
    /// Licensed group names, comma-separated (with --license-mode groups)
    #[arg(long, value_delimiter = ',', value_name = "NAME,...")]
    pub license_groups: Vec<String>,
    /// CSV or text list of existing LDAP group names (SCIM overrides same-named groups)
    #[arg(long, value_name = "FILE")]
    pub ldap_groups: Option<PathBuf>,
    /// Entra scoping filter: Graph synchronization schema JSON, its `scope` object, or TOML
    #[arg(long, value_name = "FILE")]
    pub scope_filter: Option<PathBuf>,
    /// The IdP's users: Entra users CSV, Okta users CSV or Graph /users JSON
    #[arg(long, value_name = "FILE")]
    pub idp_users: Option<PathBuf>,
    /// Entra provisioning logs: portal CSV (the three files) or JSON, or Graph JSON; takes
    /// several files, so give it after any positional argument (or end the list with --)
    #[arg(long, value_name = "FILE", num_args = 1..)]
    pub provisioning_logs: Vec<PathBuf>,
    /// IdP configuration, recognised by shape (repeatable): Entra synchronization schema or
    /// job JSON, Okta System Log (JSON or CSV), Okta app users / groups / group push mappings;
    /// or a folder written by `collect` (its user export counts as --idp-users, its logs as
    /// --provisioning-logs)
    #[arg(long = "idp-config", value_name = "FILE")]
    pub idp_config: Vec<PathBuf>,
}

/// Support-ticket bundle options.
#[derive(Debug, Clone, Args, Default)]
#[command(next_help_heading = "Bundle")]
pub struct BundleArgs {
    /// Write a support-ticket zip (to PATH, or a generated name in the current directory)
    #[arg(long, value_name = "PATH", num_args = 0..=1, default_missing_value = ".")]
    pub bundle: Option<PathBuf>,
    /// Support case id, used in the file name and summary
    #[arg(long, value_name = "ID")]
    pub case_id: Option<String>,
    /// Short label for the summary title
    #[arg(long, value_name = "TEXT")]
    pub label: Option<String>,
    /// Issue description and user impact, in your words
    #[arg(long, value_name = "TEXT", conflicts_with = "description_file")]
    pub description: Option<String>,
    /// Read the issue description from a file
    #[arg(long, value_name = "FILE")]
    pub description_file: Option<PathBuf>,
    /// Pseudonymise personal data consistently: every string and number of the resources
    /// outside the core-schema allow-list (ids the target generated unless they look
    /// personal, schemas, meta, types, primary/active flags, userType, locale...), the
    /// inputs and the free texts; values a scoping filter reads too (their verdicts travel
    /// in the bundle). The map (real value -> pseudonym) stays outside the zip: beside it, or
    /// in --map-file. See docs/bundle.md
    #[arg(long)]
    pub redact_pii: bool,
    /// With --redact-pii: keep email domains readable
    #[arg(long, requires = "redact_pii")]
    pub keep_domains: bool,
    /// With --redact-pii: leave every value of ATTR readable (repeatable; an IdP export
    /// column, an Entra attribute or a SCIM path such as department, userName,
    /// emails.value); listed on stderr and in summary.md
    #[arg(long, value_name = "ATTR", requires = "redact_pii")]
    pub keep_clear: Vec<String>,
    /// With --redact-pii: reuse (and extend) this pseudonym map
    #[arg(long, value_name = "FILE", requires = "redact_pii")]
    pub map_file: Option<PathBuf>,
    /// Leave the tenant snapshot out of the bundle
    #[arg(long)]
    pub no_snapshot: bool,
    // Bundle ticket fields (issue 12): the IdP, who to answer, what was already tried.
    /// The identity provider [default: detected from the inputs, e.g. Entra logs or exports]
    #[arg(long, value_enum, value_name = "IDP")]
    pub idp: Option<IdpKind>,
    /// Who support should answer (name, email or phone), written in the summary as typed
    #[arg(long, value_name = "TEXT")]
    pub contact: Option<String>,
    /// What was already tried (on-demand provisioning, restarts...), for the summary
    #[arg(long, value_name = "TEXT")]
    pub steps_taken: Option<String>,
    /// Compare with an earlier bundle: adds diff.md and diff.json and a line to summary.md
    #[arg(long, value_name = "OLD.zip")]
    pub baseline: Option<PathBuf>,
}

/// `--idp` values (seed 004 lists the IdPs the target supports).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum IdpKind {
    Entra,
    Okta,
    Onelogin,
    Dts,
    Safous,
    Other,
    /// replay only: the RFC 7644 request forms neither Entra ID nor Okta sends
    Rfc,
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
  scim-doctor demo --no-bundle")]
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
    #[command(after_help = "Examples:
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
SIGINT, SIGTERM, SIGHUP stopped the run (the cleanup ran).")]
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

#[derive(Debug, Args)]
pub struct TestConnectionArgs {
    #[command(flatten)]
    pub endpoint: EndpointArgs,
    #[command(flatten)]
    pub report: ReportArgs,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub endpoint: EndpointArgs,
    #[command(flatten)]
    pub source: SourceArgs,
    #[command(flatten)]
    pub fetch: FetchArgs,
    #[command(flatten)]
    pub audit: AuditArgs,
    #[command(flatten)]
    pub bundle: BundleArgs,
    #[command(flatten)]
    pub report: ReportArgs,
    /// With --format csv: write one CSV per check into this directory (else CSV of all
    /// subjects goes to stdout)
    #[arg(long, value_name = "DIR", help_heading = "Report")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct SnapshotArgs {
    #[command(flatten)]
    pub endpoint: EndpointArgs,
    #[command(flatten)]
    pub fetch: FetchArgs,
    /// Directory to write (created; must be empty if it exists)
    #[arg(long, value_name = "DIR", help_heading = "Output")]
    pub out: PathBuf,
    /// `snapshot` writes files, not a report; the report options it accepted while they
    /// were global are still accepted (hidden) so existing scripts keep working.
    #[command(flatten)]
    pub ignored_report: EarlyReportArgs,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Do not write the demo bundle
    #[arg(long)]
    pub no_bundle: bool,
    /// Where to write the demo bundle [default: a generated name in the system temp directory]
    #[arg(long, value_name = "PATH")]
    pub bundle_path: Option<PathBuf>,
    #[command(flatten)]
    pub report: ReportArgs,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Serve this snapshot (directory, curl output directory or bundle zip)
    #[arg(long, value_name = "PATH", conflicts_with_all = ["demo", "generate"])]
    pub snapshot: Option<PathBuf>,
    /// Serve the bundled demo tenant
    #[arg(long)]
    pub demo: bool,
    /// Serve a generated tenant with this many users
    #[arg(long, value_name = "USERS")]
    pub generate: Option<usize>,
    /// Port on 127.0.0.1 [default: a free one]
    #[arg(long, default_value_t = 0, hide_default_value = true)]
    pub port: u16,
    /// Require this bearer token from clients (needed to serve a real snapshot, unless
    /// --no-token)
    #[arg(long, env = "SCIM_DOCTOR_SERVE_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Serve a snapshot without a token: every local program (and any web page that
    /// guesses the port) can then read it
    #[arg(long, conflicts_with = "token")]
    pub no_token: bool,
    /// Largest page the server returns (a silent cap)
    #[arg(long, value_name = "N")]
    pub max_page_size: Option<usize>,
    /// Latency added to every response, in milliseconds
    #[arg(long, default_value_t = 0, value_name = "MS")]
    pub latency_ms: u64,
    /// Accept writes to /Users and /Groups (in memory), for trying `replay`
    #[arg(long)]
    pub writable: bool,
    /// With --writable: a write bug to reproduce (repeatable): case-sensitive-op,
    /// reject-string-bool, remove-value-array-clears-all, no-put, no-filtered-path,
    /// conflict-500, plain-text-errors, wrong-content-type
    #[arg(long = "quirk", value_name = "NAME")]
    pub quirks: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum PlaybooksCommand {
    /// List playbooks and the checks they run
    #[command(after_help = "Examples:
  scim-doctor playbooks list
  scim-doctor playbooks list --playbooks ./my-playbooks --format json")]
    List {
        /// Directory of extra or overriding playbook/profile TOML files
        #[arg(long = "playbooks", value_name = "DIR")]
        playbooks_dir: Option<PathBuf>,
        #[command(flatten)]
        format: FormatArgs,
    },
    /// Document a playbook or a check (what it checks, why, example, fix)
    #[command(after_help = "Examples:
  scim-doctor playbooks show duplicate-users
  scim-doctor playbooks show soft-delete-leftover")]
    Show {
        /// Playbook id or check id
        id: String,
        /// Directory of extra or overriding playbook/profile TOML files
        #[arg(long = "playbooks", value_name = "DIR")]
        playbooks_dir: Option<PathBuf>,
        #[command(flatten)]
        format: FormatArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum ScopeCommand {
    /// Evaluate a scoping filter for every user of an IdP export (or of a snapshot)
    #[command(after_help = "Examples:
  scim-doctor scope simulate --filter scope.json --idp-users entra-users.csv
  scim-doctor scope simulate --filter scope.toml --snapshot ./snap")]
    Simulate(ScopeSimulateArgs),
}

#[derive(Debug, Args)]
pub struct ScopeSimulateArgs {
    /// Graph synchronization schema JSON, its `scope` object, or the TOML form
    #[arg(long, value_name = "FILE")]
    pub filter: PathBuf,
    /// Entra users CSV, Okta users CSV or Graph /users JSON
    #[arg(long, value_name = "FILE")]
    pub idp_users: Option<PathBuf>,
    /// Use the users of this snapshot as the population
    #[arg(long, value_name = "PATH", conflicts_with = "idp_users")]
    pub snapshot: Option<PathBuf>,
    #[command(flatten)]
    pub format: FormatArgs,
}

#[derive(Debug, Args)]
pub struct ExplainUserArgs {
    /// userName, email, id or externalId of the user
    pub query: String,
    #[command(flatten)]
    pub endpoint: EndpointArgs,
    #[command(flatten)]
    pub source: SourceArgs,
    #[command(flatten)]
    pub fetch: FetchArgs,
    #[command(flatten)]
    pub audit: AuditArgs,
    #[command(flatten)]
    pub report: ReportArgs,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The earlier run: a snapshot directory, a bundle zip, or a JSON report
    pub before: PathBuf,
    /// The later run: a snapshot directory, a bundle zip, or a JSON report
    pub after: PathBuf,
    /// Compare tenant data only: do not audit snapshots that come without a report
    #[arg(long)]
    pub no_audit: bool,
    #[command(flatten)]
    pub audit: AuditArgs,
    #[command(flatten)]
    pub report: ReportArgs,
}

#[derive(Debug, Args)]
pub struct BundleCommandArgs {
    #[command(subcommand)]
    pub action: Option<BundleAction>,
    #[command(flatten)]
    pub endpoint: EndpointArgs,
    #[command(flatten)]
    pub source: SourceArgs,
    #[command(flatten)]
    pub fetch: FetchArgs,
    #[command(flatten)]
    pub audit: AuditArgs,
    #[command(flatten)]
    pub bundle: BundleArgs,
    #[command(flatten)]
    pub report: ReportArgs,
    /// Where to write the zip: a file path, or an existing directory for a generated name
    /// [default: the current directory]
    #[arg(long, value_name = "PATH", conflicts_with = "bundle")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum BundleAction {
    /// Check a bundle zip against its .sha256 file (when beside it), then its manifest
    #[command(after_help = "Examples:
  scim-doctor bundle verify scim-doctor-host-20261126T073800Z.zip

Exit codes: 0 every file matches, 1 a mismatch (each named), 2 not a readable bundle zip.")]
    Verify {
        /// The bundle zip
        path: PathBuf,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EntraCompat {
    /// What Entra sends without the flag: "Replace", "active":"False", value-array removal
    Legacy,
    /// What Entra sends with ?aadOptscim062020 on the Tenant URL
    #[value(name = "aadOptscim062020")]
    Flag,
    /// Legacy first, then aadOptscim062020 (tells whether the flag is the fix)
    Both,
}

#[derive(Debug, Args)]
pub struct ReplayArgs {
    #[command(flatten)]
    pub endpoint: EndpointArgs,
    // `--idp entra|okta` (whose request sequence to replay) is the bundle's `--idp` flag
    // below: one flag names the IdP for the sequence and for the ticket.
    /// Entra's request shapes (with --idp entra)
    #[arg(long, value_enum, default_value_t = EntraCompat::Both)]
    pub entra_compat: EntraCompat,
    /// Send the writes (without it nothing is sent and the exit code is 2)
    #[arg(long)]
    pub allow_writes: bool,
    /// Print every request the run would send (method, path, body) and send none
    #[arg(long)]
    pub dry_run: bool,
    /// Find canaries left by an interrupted run (names of the exact generated pattern only);
    /// delete them, listing each, with --allow-writes
    #[arg(long, conflicts_with = "dry_run")]
    pub cleanup: bool,
    /// Stop the sequence after this many seconds (the cleanup still runs)
    #[arg(long, default_value_t = 300, value_name = "SECS")]
    pub deadline: u64,
    /// Also write every request and answer (bodies included, secrets scrubbed) as JSON lines
    #[arg(long, value_name = "PATH")]
    pub transcript: Option<PathBuf>,
    #[command(flatten)]
    pub bundle: BundleArgs,
    #[command(flatten)]
    pub report: ReportArgs,
}

/// `collect okta` / `collect entra`.
#[derive(Debug, Subcommand)]
pub enum CollectCommand {
    /// The Okta app, its features, users, groups, group push mappings and System Log events
    #[command(after_help = "Examples:
  export OKTA_API_TOKEN=...
  scim-doctor collect okta --org https://acme.okta.com \\
      --app 0oa1gjh63g214q0Hq0g4 --out ./okta
  scim-doctor collect okta --org https://acme.okta.com \\
      --app Salesforce --out ./okta --since 30d

Credentials: OKTA_API_TOKEN (sent as SSWS) or OKTA_ACCESS_TOKEN (an OAuth
access token with okta.apps.read, okta.logs.read, okta.users.read and
okta.groups.read, sent as Bearer).")]
    Okta(CollectOktaArgs),
    /// The Entra service principal, its synchronization jobs, schema, provisioning logs,
    /// assignments and assigned users
    #[command(after_help = "Examples:
  export AZURE_TENANT_ID=contoso.onmicrosoft.com
  export AZURE_CLIENT_ID=... AZURE_CLIENT_SECRET=...
  scim-doctor collect entra --app \"Contoso SCIM\" --out ./entra
  export GRAPH_TOKEN=...  # az account get-access-token --resource-type ms-graph
  scim-doctor collect entra \\
      --app 6f1c0b8e-4a4e-4a4c-9d1e-2b7f1c0e9a11 --out ./entra --since 7d

Credentials, in this order: AZURE_TENANT_ID with AZURE_CLIENT_ID and
AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH (PEM: PKCS#8 RSA key and
certificate), or GRAPH_TOKEN. The app needs the
application permissions Application.Read.All, Synchronization.Read.All,
AuditLog.Read.All, User.Read.All and GroupMember.Read.All.")]
    Entra(CollectEntraArgs),
}

/// What both collectors take.
#[derive(Debug, Clone, Args)]
pub struct CollectCommon {
    /// The folder to write (created; must be empty)
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Stop after this many HTTP requests
    #[arg(long, value_name = "N", default_value_t = 5000)]
    pub max_requests: usize,
    /// Stop after this many seconds (throttling waits included)
    #[arg(long, value_name = "SECONDS", default_value_t = 900)]
    pub time_budget: u64,
    /// Per-request timeout in seconds
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    pub timeout: u64,
}

#[derive(Debug, Clone, Args)]
pub struct CollectOktaArgs {
    /// The Okta org, e.g. https://acme.okta.com
    #[arg(long, value_name = "URL")]
    pub org: String,
    /// The app: its id (0oa...) or its label
    #[arg(long, value_name = "ID|LABEL")]
    pub app: String,
    /// The System Log window: 90d, 12h, 2w or an RFC 3339 time
    #[arg(long, value_name = "WHEN", default_value = "90d")]
    pub since: String,
    #[command(flatten)]
    pub common: CollectCommon,
}

#[derive(Debug, Clone, Args)]
pub struct CollectEntraArgs {
    /// The enterprise app: display name, appId or service principal object id
    #[arg(long, value_name = "NAME|APPID|OBJECTID")]
    pub app: String,
    /// The provisioning-log window: 30d, 12h, 2w or an RFC 3339 time
    #[arg(long, value_name = "WHEN", default_value = "30d")]
    pub since: String,
    /// Microsoft Graph's origin (national clouds: https://graph.microsoft.us, ...)
    #[arg(
        long,
        value_name = "URL",
        default_value = "https://graph.microsoft.com"
    )]
    pub graph_url: String,
    /// The Microsoft identity platform's origin (national clouds: https://login.microsoftonline.us, ...)
    #[arg(
        long,
        value_name = "URL",
        default_value = "https://login.microsoftonline.com"
    )]
    pub login_url: String,
    #[command(flatten)]
    pub common: CollectCommon,
}
