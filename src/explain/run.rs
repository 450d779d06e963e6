//! The whole explain-user pipeline after the run: resolve the query, find the IdP record,
//! replay Entra's lookups (live GETs with a client, computed on the tenant without), build
//! the Import and Scope stages and the trace. Shared by `explain-user` and `demo`.

use super::{stages, Trace};
use crate::findings::CheckResult;
use crate::logs::LogInputs;
use crate::model::Tenant;
use crate::scope::ScopeInputs;
use crate::source::http::HttpClient;

/// Traces `query` through a finished run (`checks` are that run's results).
// Each argument is a distinct input of the trace, named at both call sites; a struct
// gathering them would only be built to be taken apart here.
#[allow(clippy::too_many_arguments)]
pub async fn trace(
    query: &str,
    tenant: &Tenant,
    checks: &[CheckResult],
    scope: Option<&ScopeInputs>,
    logs: Option<&LogInputs>,
    idp: Option<&crate::idpconfig::IdpConfig>,
    client: Option<&HttpClient>,
    source: String,
    warnings: Vec<String>,
) -> Trace {
    let query = query.to_string();
    let log_entries = logs.map(|l| l.entries.as_slice()).unwrap_or(&[]);
    // Resolve once to learn which target users the query names, find the IdP user with
    // that, then resolve again with the IdP record (it decides the values Entra sends).
    let first = super::identity::resolve(&query, tenant, None, log_entries);
    let idp_users = scope
        .as_ref()
        .and_then(|s| s.idp_users.as_deref())
        .unwrap_or(&[]);
    let idp_user = stages::find_idp(idp_users, &first, tenant);
    let identity =
        super::identity::resolve(&query, tenant, idp_user.map(stages::record), log_entries);
    let matches = match client {
        Some(c) => super::matching::live(c, tenant, &identity).await,
        None => super::matching::offline(tenant, &identity),
    };
    let (_, matched) = super::matching::outcome(&matches);
    let target_view = identity
        .named
        .iter()
        .map(|&i| &tenant.users[i])
        .find(|u| {
            u.user_name
                .as_deref()
                .and_then(super::identity::soft_delete_original)
                .is_none()
        })
        .or_else(|| matched.and_then(|m| tenant.users.iter().find(|u| u.id == m.id)))
        .map(crate::scope::IdpUser::from_scim);
    let import = stages::import_stage(scope, idp_user);
    let scope_stage = stages::scope_stage(scope, idp_user, target_view);
    let required: Vec<String> = vec!["userName".into(), "emails".into()];
    let mapping = super::mapping::stage(idp, idp_user, scope_stage.in_scope, tenant, &required);
    let mut candidates: Vec<String> = Vec::new();
    for u in &tenant.users {
        candidates.extend(u.user_name.clone());
        candidates.extend(u.email_values().into_iter().map(str::to_string));
    }
    candidates.extend(log_entries.iter().filter_map(|e| e.source_name.clone()));
    candidates.extend(
        idp_users
            .iter()
            .filter_map(|u| u.user_principal_name().map(str::to_string)),
    );
    let mut trace = super::build(super::Inputs {
        source,
        tenant,
        checks,
        logs,
        identity,
        matches,
        live: client.is_some(),
        import,
        scope: scope_stage,
        mapping,
        candidates,
        // Incomplete data or disabled TLS verification change how the trace must be read.
        warnings,
    });
    super::idp_objects::apply(&mut trace, tenant, log_entries, idp);
    trace
}
