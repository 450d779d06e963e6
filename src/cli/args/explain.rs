//! Flags of `explain-user`: one user traced end to end.

use super::shared::{AuditArgs, EndpointArgs, FetchArgs, ReportArgs, SourceArgs};
use clap::Args;

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
