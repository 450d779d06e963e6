//! Entra scoping-filter simulation and IdP user exports (owned by the scope work).

/// Parsed `--scope-filter` and `--idp-users` inputs.
#[derive(Debug, Clone, Default)]
pub struct ScopeInputs {}
