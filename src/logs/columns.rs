//! Loose column matching for provisioning-log inputs.
//!
//! Microsoft does not document the column names of the portal download, and they have
//! changed between portal versions ("Date" vs "Date (UTC)", "Status Info Error Code" vs
//! "Error Code"). So every header (CSV) or flattened key path (JSON) is normalised to lowercase
//! letters and digits and looked up in an alias table, first as it is, then with well-known
//! container prefixes stripped (`provisioningStatusInfo.errorInformation.errorCode` ->
//! `errorcode`). The same table serves CSV headers and JSON keys, so both formats understand
//! the same names.

use crate::util::fold_name;

/// A field of the log model a column can feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    At,
    ChangeId,
    CycleId,
    JobId,
    RecordId,
    Action,
    Status,
    ErrorCode,
    Reason,
    Details,
    ErrorCategory,
    RecommendedAction,
    SkipReason,
    SourceId,
    SourceName,
    SourceUpn,
    SourceType,
    TargetId,
    TargetName,
    StepName,
    StepKind,
    StepStatus,
    StepDescription,
    PropName,
    PropOld,
    PropNew,
}

impl Field {
    /// The model field's name, as reported in "understood columns".
    pub fn name(self) -> &'static str {
        match self {
            Field::At => "at",
            Field::ChangeId => "change_id",
            Field::CycleId => "cycle_id",
            Field::JobId => "job_id",
            Field::RecordId => "id",
            Field::Action => "action",
            Field::Status => "status",
            Field::ErrorCode => "error_code",
            Field::Reason => "reason",
            Field::Details => "details",
            Field::ErrorCategory => "error_category",
            Field::RecommendedAction => "recommended_action",
            Field::SkipReason => "skip_reason",
            Field::SourceId => "source_id",
            Field::SourceName => "source_name",
            Field::SourceUpn => "source_upn",
            Field::SourceType => "source_type",
            Field::TargetId => "target_id",
            Field::TargetName => "target_name",
            Field::StepName => "step.name",
            Field::StepKind => "step.kind",
            Field::StepStatus => "step.status",
            Field::StepDescription => "step.description",
            Field::PropName => "modified.name",
            Field::PropOld => "modified.old",
            Field::PropNew => "modified.new",
        }
    }
}

/// Which kind of record a set of columns describes: the three portal CSV files, and the
/// nested step / modified-property objects of the JSON formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordKind {
    Entry,
    Step,
    Modified,
}

const ENTRY_ALIASES: &[(Field, &[&str])] = &[
    (
        Field::At,
        &[
            "date",
            "dateutc",
            "datetime",
            "datetimeutc",
            "activitydatetime",
            "activitydate",
            "timestamp",
            "time",
            "timeutc",
            "eventtime",
            "createddatetime",
            "logdate",
        ],
    ),
    (Field::ChangeId, &["changeid", "changeidentifier"]),
    (Field::CycleId, &["cycleid", "synchronizationcycleid"]),
    (Field::JobId, &["jobid", "synchronizationjobid"]),
    (Field::RecordId, &["id", "logid", "recordid", "entryid"]),
    (
        Field::Action,
        &["action", "provisioningaction", "operation", "operationtype"],
    ),
    (
        Field::Status,
        &[
            "status",
            "provisioningstatus",
            "result",
            "outcome",
            "statusinfostatus",
        ],
    ),
    (
        Field::ErrorCode,
        &["errorcode", "statusinfoerrorcode", "failurecode"],
    ),
    (
        Field::Reason,
        &[
            "reason",
            "failurereason",
            "errorreason",
            "statusreason",
            "errormessage",
            "errordescription",
            "statusinforeason",
        ],
    ),
    (
        Field::Details,
        &[
            "additionaldetails",
            "errordetails",
            "statusinfoadditionaldetails",
        ],
    ),
    (Field::ErrorCategory, &["errorcategory", "category"]),
    (
        Field::RecommendedAction,
        &["recommendedaction", "recommendation"],
    ),
    (
        Field::SkipReason,
        &["skipreason", "skippedreason", "reasonforskip"],
    ),
    (
        Field::SourceId,
        &[
            "sourceidentityid",
            "sourceid",
            "sourceobjectid",
            "sourceidentityobjectid",
        ],
    ),
    (
        Field::SourceName,
        &[
            "sourceidentityname",
            "sourceidentitydisplayname",
            "sourcename",
            "sourcedisplayname",
        ],
    ),
    (
        Field::SourceUpn,
        &[
            "sourceidentityuserprincipalname",
            "sourceidentitydetailsuserprincipalname",
            "sourceuserprincipalname",
            "sourceupn",
            "userprincipalname",
            "upn",
        ],
    ),
    (
        Field::SourceType,
        &[
            "sourceidentitytype",
            "sourceidentityidentitytype",
            "sourcetype",
            "sourceobjecttype",
            "identitytype",
            "objecttype",
        ],
    ),
    (
        Field::TargetId,
        &[
            "targetidentityid",
            "targetid",
            "targetobjectid",
            "targetidentityobjectid",
        ],
    ),
    (
        Field::TargetName,
        &[
            "targetidentityname",
            "targetidentitydisplayname",
            "targetname",
            "targetdisplayname",
        ],
    ),
];

const STEP_ALIASES: &[(Field, &[&str])] = &[
    (Field::ChangeId, &["changeid", "changeidentifier"]),
    (
        Field::StepName,
        &["name", "stepname", "provisioningstepname"],
    ),
    (
        Field::StepKind,
        &[
            "provisioningsteptype",
            "steptype",
            "type",
            "provisioningstep",
            "stepkind",
        ],
    ),
    (Field::StepStatus, &["status", "stepstatus"]),
    (
        Field::StepDescription,
        &["description", "stepdescription", "message"],
    ),
];

const MODIFIED_ALIASES: &[(Field, &[&str])] = &[
    (Field::ChangeId, &["changeid", "changeidentifier"]),
    (
        Field::PropName,
        &[
            "displayname",
            "name",
            "propertyname",
            "attribute",
            "attributename",
            "property",
        ],
    ),
    (Field::PropOld, &["oldvalue", "old", "previousvalue"]),
    (Field::PropNew, &["newvalue", "new"]),
];

/// Container prefixes that JSON nesting (or a flattening export tool) puts before a name.
const PREFIXES: &[&str] = &[
    "provisioningstatusinfo",
    "statusinfo",
    "errorinformation",
    "provisioning",
    "value",
];

fn table(kind: RecordKind) -> &'static [(Field, &'static [&'static str])] {
    match kind {
        RecordKind::Entry => ENTRY_ALIASES,
        RecordKind::Step => STEP_ALIASES,
        RecordKind::Modified => MODIFIED_ALIASES,
    }
}

fn exact(kind: RecordKind, norm: &str) -> Option<Field> {
    table(kind)
        .iter()
        .find(|(_, aliases)| aliases.contains(&norm))
        .map(|(f, _)| *f)
}

/// The field a header or key path feeds, if any.
pub fn match_column(kind: RecordKind, header: &str) -> Option<Field> {
    let mut norm = fold_name(header);
    loop {
        if let Some(f) = exact(kind, &norm) {
            return Some(f);
        }
        let stripped = PREFIXES
            .iter()
            .find(|p| norm.len() > p.len() && norm.starts_with(*p))
            .map(|p| norm[p.len()..].to_string());
        match stripped {
            Some(s) => norm = s,
            None => return None,
        }
    }
}

/// Maps headers to fields. The first header feeding a field wins; later duplicates are
/// reported as ignored, so the user sees exactly which column was read.
pub fn map_headers(kind: RecordKind, headers: &[String]) -> Vec<Option<Field>> {
    let mut taken = Vec::new();
    headers
        .iter()
        .map(|h| match match_column(kind, h) {
            Some(f) if !taken.contains(&f) => {
                taken.push(f);
                Some(f)
            }
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    // proves that case, spaces, punctuation and a "(UTC)" suffix do not stop a header matching
    #[test]
    fn portal_header_variants_match_the_same_field() {
        for h in [
            "Date",
            "date (UTC)",
            "DATE_UTC",
            "Activity Date Time",
            "\u{feff}Date",
        ] {
            assert_eq!(match_column(RecordKind::Entry, h), Some(Field::At), "{h}");
        }
        for h in ["Change ID", "change_id", "ChangeId"] {
            assert_eq!(
                match_column(RecordKind::Entry, h),
                Some(Field::ChangeId),
                "{h}"
            );
        }
        for h in ["Status Info Error Code", "Error Code", "ERRORCODE"] {
            assert_eq!(
                match_column(RecordKind::Entry, h),
                Some(Field::ErrorCode),
                "{h}"
            );
        }
    }

    // proves that nested Graph key paths reach the same fields as flat portal headers
    #[test]
    fn graph_key_paths_strip_container_prefixes() {
        let cases = [
            (
                "provisioningStatusInfo.errorInformation.errorCode",
                Field::ErrorCode,
            ),
            ("statusInfo.errorInformation.reason", Field::Reason),
            ("provisioningStatusInfo.status", Field::Status),
            ("statusInfo.status", Field::Status),
            ("sourceIdentity.displayName", Field::SourceName),
            ("sourceIdentity.details.UserPrincipalName", Field::SourceUpn),
            ("targetIdentity.id", Field::TargetId),
            ("provisioningAction", Field::Action),
        ];
        for (k, f) in cases {
            assert_eq!(match_column(RecordKind::Entry, k), Some(f), "{k}");
        }
    }

    // proves that unknown headers are not forced onto a field
    #[test]
    fn unknown_headers_stay_unmatched() {
        for h in [
            "Duration (milliseconds)",
            "Source System Name",
            "Tenant",
            "",
        ] {
            assert_eq!(match_column(RecordKind::Entry, h), None, "{h}");
        }
    }

    // proves that the second column feeding an already-mapped field is reported as ignored
    #[test]
    fn duplicate_columns_keep_the_first() {
        let headers = vec![
            "Status".to_string(),
            "Result".to_string(),
            "Reason".to_string(),
        ];
        let m = map_headers(RecordKind::Entry, &headers);
        assert_eq!(m, vec![Some(Field::Status), None, Some(Field::Reason)]);
    }

    // proves that step and modified-property files use their own vocabulary
    #[test]
    fn step_and_modified_headers() {
        assert_eq!(
            match_column(RecordKind::Step, "Provisioning Step Type"),
            Some(Field::StepKind)
        );
        assert_eq!(
            match_column(RecordKind::Step, "Name"),
            Some(Field::StepName)
        );
        assert_eq!(
            match_column(RecordKind::Modified, "Old Value"),
            Some(Field::PropOld)
        );
        assert_eq!(
            match_column(RecordKind::Modified, "Display Name"),
            Some(Field::PropName)
        );
        assert_eq!(
            match_column(RecordKind::Modified, "Provisioning Step Type"),
            None
        );
    }
}
