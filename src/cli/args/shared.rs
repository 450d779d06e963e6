//! The flag groups that several commands flatten in (report, format, endpoint, fetch,
//! offline sources, audit, bundle) and the `--idp` values.

use crate::options::Format;
use crate::options::LicenseMode;
use crate::report::FailOn;
use clap::{Args, ValueEnum};
use std::path::PathBuf;

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
    /// Human output: list only the checks that found something (fail, error, warn), most
    /// severe first; passed and skipped checks are counted, not listed
    #[arg(long)]
    pub only_failures: bool,
}

impl ReportArgs {
    /// These options, completed by the ones given before the subcommand.
    pub fn or(&self, early: &EarlyReportArgs) -> ReportArgs {
        ReportArgs {
            format: self.format.or(early.format),
            fail_on: self.fail_on.or(early.fail_on),
            max_subjects: self.max_subjects.or(early.max_subjects),
            only_failures: self.only_failures,
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

/// `--idp` values: the IdPs the target supports, per its "Provisioning Users with SCIM" article.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum IdpKind {
    Entra,
    Okta,
    Onelogin,
    Dts,
    Safous,
    Other,
    /// replay only: the RFC 7644 request forms neither Entra ID nor Okta sends (not listed
    /// among the IdPs of a ticket; `replay -h` lists it)
    #[value(hide = true)]
    Rfc,
}
