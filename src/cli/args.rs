//! Raw command-line flags (clap derive). Parsed here, validated and resolved into ready-made
//! objects by the command modules; nothing in this file does I/O.

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
  scim-doctor demo                                  # try it on the built-in sample tenant
  SCIM_TOKEN=... scim-doctor test-connection --base-url https://host/scim/v2
  SCIM_TOKEN=... scim-doctor check --base-url https://host/scim/v2 --licenses 500
  scim-doctor check --snapshot ./snap --format markdown > ticket.md

Exit codes: 0 nothing at or above --fail-on, 1 findings at or above it, 2 the tool could not run.",
    propagate_version = true
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Json,
    Markdown,
    Junit,
    Csv,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum ColorChoice {
    #[default]
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// Output format [default: human on a terminal, json otherwise]
    #[arg(long, global = true, value_enum)]
    pub format: Option<Format>,
    /// When to use colours (NO_COLOR and TERM=dumb are honoured with auto)
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Only print the report (no progress, no notes)
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Log every request and decision to stderr (repeat for more)
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Lowest finding level that makes the exit code 1
    #[arg(long, global = true, value_enum, default_value_t = FailOn::Fail)]
    pub fail_on: FailOn,
    /// Subjects listed per check in human and markdown output (JSON and CSV are never truncated)
    #[arg(long, global = true, default_value_t = 10, value_name = "N")]
    pub max_subjects: usize,
}

/// How to reach and authenticate to a live SCIM endpoint.
#[derive(Debug, Clone, Args, Default)]
#[command(next_help_heading = "Endpoint")]
pub struct EndpointArgs {
    /// SCIM base URL, e.g. https://host/scim/v2 (the "Tenant URL" in Entra, "Base URL" in Okta)
    #[arg(long, env = "SCIM_BASE_URL", value_name = "URL")]
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum LicenseMode {
    /// "Assign license to all users": every active user needs a seat
    #[default]
    All,
    /// "Assign license to selected users or groups": users must be in a licensed group
    Groups,
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
    /// Entra provisioning logs: portal CSV (the three files) or JSON, or Graph JSON (repeatable)
    #[arg(long, value_name = "FILE", num_args = 1..)]
    pub provisioning_logs: Vec<PathBuf>,
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
    /// Pseudonymise emails, userNames, names, externalIds and phone numbers consistently
    #[arg(long)]
    pub redact_pii: bool,
    /// With --redact-pii: keep email domains readable
    #[arg(long, requires = "redact_pii")]
    pub keep_domains: bool,
    /// With --redact-pii: reuse (and extend) this pseudonym map
    #[arg(long, value_name = "FILE", requires = "redact_pii")]
    pub map_file: Option<PathBuf>,
    /// Leave the tenant snapshot out of the bundle
    #[arg(long)]
    pub no_snapshot: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Diagnose the connection the way an IdP's "Test connection" button would fail
    #[command(after_help = "Examples:
  SCIM_TOKEN=... scim-doctor test-connection --base-url https://host/scim/v2
  scim-doctor test-connection --base-url https://host/scim/v2 --token-file token.txt
  scim-doctor test-connection --base-url https://host/scim --username KEY --password-file secret.txt

Steps: base-url, dns, tcp, tls, http-auth, endpoint-path, scim-response,
idp-test-connection, service-provider-config. After a hard failure the rest are skipped.
Every request is a GET.

Exit codes: 0 passed, 1 a step failed (per --fail-on), 2 bad arguments.")]
    TestConnection(TestConnectionArgs),

    /// Run playbooks against a live endpoint or a snapshot
    #[command(after_help = "Examples:
  SCIM_TOKEN=... scim-doctor check --base-url https://host/scim/v2
  scim-doctor check --snapshot ./snap --playbook duplicate-users
  scim-doctor check --snapshot ./snap --licenses 250 --license-mode groups --license-groups VPN
  scim-doctor check --snapshot ./snap --scope-filter scope.json --idp-users users.csv
  scim-doctor check --snapshot ./snap --format json > report.json
  scim-doctor check --snapshot ./snap --bundle --case-id 01234 --redact-pii

Exit codes: 0 nothing at or above --fail-on, 1 findings at or above it, 2 the tool could not run.")]
    Check(CheckArgs),

    /// Fetch the whole tenant into a snapshot directory for offline analysis
    #[command(after_help = "Examples:
  SCIM_TOKEN=... scim-doctor snapshot --base-url https://host/scim/v2 --out ./snap
  scim-doctor check --snapshot ./snap")]
    Snapshot(SnapshotArgs),

    /// Start a built-in SCIM server on a sample tenant and diagnose it over HTTP
    #[command(after_help = "Examples:
  scim-doctor demo
  scim-doctor demo --format markdown
  scim-doctor demo --no-bundle")]
    Demo(DemoArgs),

    /// Serve a tenant read-only over SCIM on 127.0.0.1 (for trials, tests and benchmarks)
    #[command(after_help = "Examples:
  scim-doctor serve --demo --token secret
  scim-doctor serve --snapshot ./snap --port 8080 --max-page-size 100 --latency-ms 50")]
    Serve(ServeArgs),

    /// List or document the playbooks and checks
    #[command(subcommand)]
    Playbooks(PlaybooksCommand),

    /// Simulate Entra scoping filters
    #[command(subcommand)]
    Scope(ScopeCommand),

    /// Trace one user end to end: import, scope, match, target state, logs, verdict
    #[command(
        name = "explain-user",
        after_help = "Examples:
  scim-doctor explain-user alice@example.com --snapshot ./snap
  scim-doctor explain-user alice@example.com --snapshot ./snap --idp-users users.csv --scope-filter scope.json
  SCIM_TOKEN=... scim-doctor explain-user 4f1c... --base-url https://host/scim/v2"
    )]
    ExplainUser(ExplainUserArgs),

    /// Write a support-ticket bundle (check with every playbook), or verify one
    #[command(
        args_conflicts_with_subcommands = true,
        after_help = "Examples:
  scim-doctor bundle --snapshot ./snap --case-id 01234 --description 'users not provisioned'
  SCIM_TOKEN=... scim-doctor bundle --base-url https://host/scim/v2 --redact-pii --keep-domains
  scim-doctor bundle verify scim-doctor-host-20261126T073800Z.zip"
    )]
    Bundle(BundleCommandArgs),

    /// Print shell completions
    #[command(after_help = "Examples:
  scim-doctor completions bash > /etc/bash_completion.d/scim-doctor
  scim-doctor completions zsh > \"${fpath[1]}/_scim-doctor\"")]
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },

    /// Print the man page (roff) to stdout, or write one page per command into --out DIR
    #[command(after_help = "Examples:
  scim-doctor man > scim-doctor.1
  scim-doctor man --out ./man")]
    Man {
        /// Write one page per command into this directory instead of stdout
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
}

#[derive(Debug, Args)]
pub struct TestConnectionArgs {
    #[command(flatten)]
    pub endpoint: EndpointArgs,
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
    /// With --format csv: write one CSV per check into this directory (else CSV of all
    /// subjects goes to stdout)
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct SnapshotArgs {
    #[command(flatten)]
    pub endpoint: EndpointArgs,
    #[command(flatten)]
    pub fetch: FetchArgs,
    /// Directory to write (created; must be empty if it exists)
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Do not write the demo bundle
    #[arg(long)]
    pub no_bundle: bool,
    /// Where to write the demo bundle [default: a generated name in the system temp directory]
    #[arg(long, value_name = "PATH")]
    pub bundle_path: Option<PathBuf>,
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
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Require this bearer token (env SCIM_DOCTOR_SERVE_TOKEN)
    #[arg(long, env = "SCIM_DOCTOR_SERVE_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Largest page the server returns (a silent cap)
    #[arg(long, value_name = "N")]
    pub max_page_size: Option<usize>,
    /// Latency added to every response, in milliseconds
    #[arg(long, default_value_t = 0, value_name = "MS")]
    pub latency_ms: u64,
}

#[derive(Debug, Subcommand)]
pub enum PlaybooksCommand {
    /// List playbooks and the checks they run
    List {
        #[arg(long = "playbooks", value_name = "DIR")]
        playbooks_dir: Option<PathBuf>,
    },
    /// Document a playbook or a check (what it checks, why, example, fix)
    #[command(after_help = "Examples:
  scim-doctor playbooks show duplicate-users
  scim-doctor playbooks show soft-delete-leftover")]
    Show {
        /// Playbook id or check id
        id: String,
        #[arg(long = "playbooks", value_name = "DIR")]
        playbooks_dir: Option<PathBuf>,
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
}

#[derive(Debug, Subcommand)]
pub enum BundleAction {
    /// Check a bundle's manifest and hashes
    Verify {
        /// The bundle zip
        path: PathBuf,
    },
}
