//! What Entra's provisioning error codes and skip reasons mean (reference section 2,
//! "Provisioning logs"; seed 004 "Provisioning logs").
//!
//! Codes may carry an application prefix (`ContosoEntryConflict`,
//! `SystemForCrossDomainIdentityManagementUnauthorized`), so a code is matched on its suffix,
//! case-insensitively, and the longest known suffix wins (`EntryConflict` before `Conflict`).

use std::sync::OnceLock;

/// One known error code or skip reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KnownCode {
    /// Canonical spelling, as Microsoft documents it.
    pub code: &'static str,
    pub cause: &'static str,
    pub remediation: &'static str,
}

const fn k(code: &'static str, cause: &'static str, remediation: &'static str) -> KnownCode {
    KnownCode {
        code,
        cause,
        remediation,
    }
}

/// Error codes. Several spellings may share a cause; each keeps its own entry so the report
/// names the code the log actually carried.
const CODES: &[KnownCode] = &[
    k("EntryConflict", "the target already holds a user with this userName or externalId that Entra's matching did not find, so the create was refused as a duplicate",
      "find the existing target user with `scim-doctor explain-user <userName>`; if `userName eq` does not find it the server's filter is broken (fix it), otherwise delete or re-link the leftover (often a soft-deleted user whose UPN starts with 32 hex characters) and restart provisioning"),
    k("Conflict", "the target answered 409 Conflict: a user with the same unique attribute (userName, externalId or email) already exists there",
      "look the user up in the target by userName and externalId; remove or re-link the existing record, then restart provisioning for the user (Provision on demand)"),
    k("TooManyRequests", "the target throttled Entra (HTTP 429)",
      "raise the target's rate limit for the provisioning client (gallery apps must sustain at least 25 requests per second) or wait: Entra retries throttled entries in the next cycle"),
    k("InternalServerError", "the target failed with HTTP 500 while processing the request",
      "ask the target service's support for the server log of the failing request (the log entry's change id and time identify it); Entra retries in the next cycle"),
    k("Timeout", "the target did not answer in time",
      "check the target's health and latency (`scim-doctor test-connection`); if it is slow under load, reduce the page size or ask the vendor to scale the SCIM endpoint"),
    k("Unauthorized", "the target rejected the credentials (HTTP 401)",
      "generate a new SCIM token in the target, paste it into the Entra provisioning Admin Credentials, click Test Connection and save"),
    k("InsufficientRights", "the credentials are valid but not allowed to perform this operation",
      "give the SCIM token the rights to create and update users and groups in the target, then restart provisioning"),
    k("NotPermitted", "the target refused the operation for this object",
      "check in the target whether the object is protected (admin, LDAP-owned) or the token is limited, and ask the target's support which rule refuses it"),
    k("MethodNotAllowed", "the target does not accept the HTTP method Entra used (HTTP 405), often PATCH or DELETE on a path that only supports GET",
      "confirm the Tenant URL ends at the SCIM base (…/scim/v2) and that the target supports PATCH for users and groups"),
    k("UnprocessableEntity", "the target refused the request body (HTTP 422): an attribute value it does not accept",
      "compare the modified properties of the failing entry with the target's schema (`scim-doctor check` lists missing and invalid attributes) and fix the attribute mapping in Entra"),
    k("NotImplemented", "the target does not implement the operation Entra requested (HTTP 501)",
      "remove the mapping or feature that needs it (e.g. group provisioning, PATCH on members) or ask the vendor which SCIM operations are supported"),
    k("InvalidAnchor", "the user Entra matched earlier no longer exists in the target (deleted there), so the update has nothing to apply to",
      "restart provisioning with \"clear current state\" so Entra matches the user again, or restore the user in the target"),
    k("MandatoryFieldsMissing", "a required attribute is empty in Entra for this user, so the export was not sent",
      "fill in the attribute named in the log entry (often mail or userPrincipalName) in Entra, or change the attribute mapping to a source attribute that is always set"),
    k("MissingValues", "a required attribute is empty in Entra for this user, so the export was not sent",
      "fill in the attribute named in the log entry in Entra, or map the target attribute from a source attribute that is always set"),
    k("SchemaAttributeNotFound", "the attribute mapping targets an attribute the target's schema does not have",
      "remove or correct the target attribute in Entra's attribute mapping (compare with the target's /Schemas)"),
    k("InvalidDomain", "the user's domain (in userName or email) is not accepted by the target",
      "add the domain to the target's allowed/verified domains, or map userName from an attribute with an accepted domain"),
    k("LicenseLimitExceeded", "the target has no licence or seat left for this user",
      "buy or free licences in the target, or narrow the assignment/scoping filter to the users who need access"),
    k("DuplicateTargetEntries", "more than one target user matched the matching attribute, so Entra cannot tell which one to update",
      "find the duplicates with `scim-doctor check --playbook full-audit` (duplicate checks) and delete or rename all but one in the target"),
    k("DuplicateSourceEntries", "more than one Entra user has the same value for the matching attribute",
      "make the matching attribute (userPrincipalName or mail) unique in Entra, or match on an attribute that is unique"),
    k("ImportSkipped", "Entra could not import the object from the source (it changed or disappeared during the cycle)",
      "no action is usually needed: the next cycle retries; if it repeats for the same user, check that the user still exists and is not being restored or deleted"),
    k("EntrySynchronizationSkipped", "the object was evaluated and skipped: out of scope, or nothing to change",
      "if the user should be provisioned, run Provision on demand for them and read the Scope step (`scim-doctor explain-user` shows the scoping clause that failed)"),
    k("SystemForCrossDomainIdentityManagementMultipleEntriesInResponse", "the target returned more than one user for Entra's `userName eq`/`externalId eq` lookup (duplicates, or a filter the server ignores)",
      "run `scim-doctor check` (filter probes and duplicate checks): if the server ignores the filter, the vendor must fix filtering; otherwise remove the duplicates"),
    k("SystemForCrossDomainIdentityManagementServiceIncompatible", "the target's answer is not the SCIM Entra expects (wrong content type, HTML, or a non-SCIM body)",
      "run `scim-doctor test-connection` and `scim-doctor check` against the Tenant URL: the protocol checks show which response is not SCIM"),
    k("EncounteredQuarantineException", "the provisioning job is in quarantine because the credentials stopped working",
      "fix the Admin Credentials (new token, Test Connection), save, then restart provisioning to leave quarantine"),
    k("EncounteredEscrowProportionThreshold", "the provisioning job is in quarantine because too many operations failed (more than 40% after 5,000 failures)",
      "fix the most frequent failure code above, then restart provisioning to leave quarantine"),
];

/// Skip reasons Entra writes for skipped entries.
const SKIP_REASONS: &[KnownCode] = &[
    k("NotEffectivelyEntitled", "the user is not assigned to the application (or the assignment is broken, e.g. through a nested group, which Entra does not follow)",
      "assign the user, or a group they are a direct member of, to the enterprise application (Users and groups), then Provision on demand"),
];

fn squash(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The tables with their squashed spellings, computed once (lookups run per log entry).
fn squashed(table: &'static [KnownCode]) -> &'static [(String, &'static KnownCode)] {
    static CODES_SQ: OnceLock<Vec<(String, &'static KnownCode)>> = OnceLock::new();
    static SKIPS_SQ: OnceLock<Vec<(String, &'static KnownCode)>> = OnceLock::new();
    let cell = if std::ptr::eq(table, CODES) {
        &CODES_SQ
    } else {
        &SKIPS_SQ
    };
    cell.get_or_init(|| table.iter().map(|k| (squash(k.code), k)).collect())
}

fn lookup_in(table: &'static [KnownCode], code: &str) -> Option<&'static KnownCode> {
    let c = squash(code);
    if c.is_empty() {
        return None;
    }
    squashed(table)
        .iter()
        .filter(|(sq, _)| c.ends_with(sq.as_str()))
        .max_by_key(|(sq, _)| sq.len())
        .map(|(_, k)| *k)
}

/// The known error code a (possibly prefixed) code ends with.
pub fn lookup_code(code: &str) -> Option<&'static KnownCode> {
    lookup_in(CODES, code)
}

/// The known skip reason a token ends with.
pub fn lookup_skip_reason(reason: &str) -> Option<&'static KnownCode> {
    lookup_in(SKIP_REASONS, reason)
}

/// Finds a known skip reason mentioned anywhere in free text ("... skipped: NotEffectivelyEntitled").
pub fn skip_reason_in_text(text: &str) -> Option<&'static KnownCode> {
    let t = squash(text);
    squashed(SKIP_REASONS)
        .iter()
        .find(|(sq, _)| t.contains(sq.as_str()))
        .map(|(_, k)| *k)
}

/// Cause and fix of a known code when the entry is about a group: the user texts (userName,
/// UPN, licences) would send the reader to the wrong object. `None`: the code's text holds
/// for any object.
pub fn for_group(code: &str) -> Option<(&'static str, &'static str)> {
    Some(match code {
        "EntryConflict" | "Conflict" => (
            "the target already holds a group with this displayName (or externalId) that Entra's matching did not find, so the create was refused as a duplicate (HTTP 409)",
            "look the group up in the target by displayName (`GET /Groups?filter=displayName eq \"...\"`); if the filter does not find it, the server's group filter is broken (fix it); otherwise delete the leftover group in the target or rename one of the two, then Provision on demand the group",
        ),
        "DuplicateTargetEntries" => (
            "more than one target group matched the group's matching attribute (usually displayName), so Entra cannot tell which one to update",
            "rename or delete all but one of the target groups with that displayName, then restart provisioning",
        ),
        "DuplicateSourceEntries" => (
            "more than one Entra group has the same value for the group matching attribute",
            "rename the Entra groups so the matching attribute (displayName) is unique, or match groups on another attribute",
        ),
        "InvalidAnchor" => (
            "the group Entra matched earlier no longer exists in the target (deleted there), so the update has nothing to apply to",
            "restart provisioning with \"clear current state\" so Entra matches the group again, or restore the group in the target",
        ),
        "MandatoryFieldsMissing" | "MissingValues" => (
            "a required group attribute is empty in Entra, so the export was not sent",
            "fill in the attribute the log entry names on the group (often displayName or mailNickname), or map the target attribute from a group attribute that is always set",
        ),
        "SystemForCrossDomainIdentityManagementMultipleEntriesInResponse" => (
            "the target returned more than one group for Entra's `displayName eq` lookup (duplicates, or a filter the server ignores)",
            "run `scim-doctor check` (group filter and duplicate checks): if the server ignores the filter, the vendor must fix filtering; otherwise remove the duplicate groups",
        ),
        _ => return None,
    })
}

/// Every known error code (pinned by a test, listed in docs).
pub fn known_codes() -> &'static [KnownCode] {
    CODES
}

pub fn known_skip_reasons() -> &'static [KnownCode] {
    SKIP_REASONS
}

#[cfg(test)]
mod tests {
    use super::*;

    // proves that an app prefix does not hide a known code, and the longest suffix wins
    #[test]
    fn prefixed_codes_match_on_suffix() {
        assert_eq!(
            lookup_code("ContosoEntryConflict").map(|k| k.code),
            Some("EntryConflict")
        );
        assert_eq!(
            lookup_code("EntryConflict").map(|k| k.code),
            Some("EntryConflict")
        );
        assert_eq!(
            lookup_code("AcmeConflict").map(|k| k.code),
            Some("Conflict")
        );
        assert_eq!(
            lookup_code("SystemForCrossDomainIdentityManagementUnauthorized").map(|k| k.code),
            Some("Unauthorized")
        );
        assert_eq!(
            lookup_code("contosotoomanyrequests").map(|k| k.code),
            Some("TooManyRequests")
        );
        assert_eq!(
            lookup_code("SystemForCrossDomainIdentityManagementMultipleEntriesInResponse")
                .map(|k| k.code),
            Some("SystemForCrossDomainIdentityManagementMultipleEntriesInResponse")
        );
    }

    // proves that codes that merely contain a known word elsewhere are not matched
    #[test]
    fn unknown_codes_are_not_guessed() {
        assert_eq!(lookup_code("ConflictResolverCrashed"), None);
        assert_eq!(lookup_code("SomethingNew"), None);
        assert_eq!(lookup_code(""), None);
    }

    // proves that skip reasons are found as codes and inside free text
    #[test]
    fn skip_reasons() {
        assert_eq!(
            lookup_skip_reason("NotEffectivelyEntitled").map(|k| k.code),
            Some("NotEffectivelyEntitled")
        );
        assert_eq!(
            skip_reason_in_text("The user was skipped. Reason: NotEffectivelyEntitled")
                .map(|k| k.code),
            Some("NotEffectivelyEntitled")
        );
        assert_eq!(skip_reason_in_text("user is in scope"), None);
    }

    // pins the documented code list from reference section 2
    #[test]
    fn every_documented_code_is_known() {
        for c in [
            "EntryConflict",
            "Conflict",
            "TooManyRequests",
            "InternalServerError",
            "Timeout",
            "Unauthorized",
            "InsufficientRights",
            "NotPermitted",
            "MethodNotAllowed",
            "UnprocessableEntity",
            "NotImplemented",
            "InvalidAnchor",
            "MandatoryFieldsMissing",
            "MissingValues",
            "SchemaAttributeNotFound",
            "InvalidDomain",
            "LicenseLimitExceeded",
            "DuplicateTargetEntries",
            "DuplicateSourceEntries",
            "ImportSkipped",
            "EntrySynchronizationSkipped",
            "SystemForCrossDomainIdentityManagementMultipleEntriesInResponse",
            "SystemForCrossDomainIdentityManagementServiceIncompatible",
        ] {
            assert_eq!(lookup_code(c).map(|k| k.code), Some(c));
        }
        for k in known_codes().iter().chain(known_skip_reasons()) {
            assert!(
                !k.cause.is_empty() && !k.remediation.is_empty(),
                "{}",
                k.code
            );
        }
    }
}
