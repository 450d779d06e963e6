//! Entra provisioning-log analysis (owned by the logs work).

/// Parsed `--provisioning-logs` inputs.
#[derive(Debug, Clone, Default)]
pub struct LogInputs {}
