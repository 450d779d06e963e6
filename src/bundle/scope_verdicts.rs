//! `inputs/scope-verdicts.json` (with `--redact-pii`): the scoping verdicts the real values
//! gave, for the values the bundle holds pseudonymised (`scope::known`). The scoping filter
//! the run evaluated (`--scope-filter`, else the synchronization schema's scope) is
//! evaluated for every user of the IdP export and of the target, real value against the
//! value the bundle shows for the same user; re-analysis attaches the table to the filter.

use super::inputs::{parse_filter, text, InputFile, RunInputs};
use crate::model::Tenant;
use crate::scope::known::KnownVerdicts;
use crate::scope::{IdpUser, ScopeFilter};

/// The filter the run evaluated, with the verdicts an earlier bundle carried (a bundle
/// made from a pseudonymised bundle: its "real" values are already pseudonyms).
fn run_filter(inputs: &RunInputs) -> Option<ScopeFilter> {
    let mut filter = match &inputs.scope_filter {
        Some(f) => parse_filter(&f.given_as, &f.bytes).ok()?,
        None => {
            let schema = super::idpfiles::parse_all(&inputs.idp_config)?.schema?;
            crate::scope::parse::from_json(&schema.file, &schema.document).ok()?
        }
    };
    if let Some(old) = inputs.scope_verdicts.as_ref().and_then(read) {
        filter.attach_known(&old);
    }
    Some(filter)
}

/// Whether the run evaluated a scoping filter (then `compute` has verdicts to carry).
pub fn evaluated(inputs: &RunInputs) -> bool {
    run_filter(inputs).is_some()
}

pub fn read(f: &InputFile) -> Option<KnownVerdicts> {
    serde_json::from_slice::<KnownVerdicts>(&f.bytes)
        .ok()
        .filter(|k| k.format == crate::scope::known::FORMAT)
}

fn export_users(name: &str, bytes: &[u8]) -> Option<Vec<IdpUser>> {
    crate::scope::export::parse_users(name, text(bytes).trim_start_matches('\u{feff}'))
        .ok()
        .map(|e| e.users)
}

/// The table for a pseudonymised bundle: `redacted_idp` is the IdP export as it goes into
/// the bundle, `redacted` the tenant as it goes into the bundle. `None` when no filter
/// was evaluated or nothing needs carrying.
pub fn compute(
    inputs: &RunInputs,
    tenant: Option<&Tenant>,
    redacted: Option<&Tenant>,
    redacted_idp: Option<&[u8]>,
) -> Option<KnownVerdicts> {
    let filter = run_filter(inputs)?;
    let mut real: Vec<IdpUser> = Vec::new();
    let mut shown: Vec<IdpUser> = Vec::new();
    if let (Some(f), Some(r)) = (&inputs.idp_users, redacted_idp) {
        if let (Some(a), Some(b)) = (
            export_users(&f.given_as, &f.bytes),
            export_users(&f.given_as, r),
        ) {
            // The rewrite keeps one row per user: pair them by position.
            if a.len() == b.len() {
                real.extend(a);
                shown.extend(b);
            }
        }
    }
    if let (Some(t), Some(r)) = (tenant, redacted) {
        if t.users.len() == r.users.len() {
            real.extend(t.users.iter().map(IdpUser::from_scim));
            shown.extend(r.users.iter().map(IdpUser::from_scim));
        }
    }
    let pairs: Vec<(&IdpUser, &IdpUser)> = real.iter().zip(shown.iter()).collect();
    let k = KnownVerdicts::compute(&filter, &pairs);
    (!k.is_empty()).then_some(k)
}
