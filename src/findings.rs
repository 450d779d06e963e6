//! What a check produces. Checks push `CheckResult`s; they never print and never return
//! `Err` for a problem they found (a failed check is a finding, not an error).

use crate::model::{Group, User};
use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Warn,
    Fail,
    Error,
    Skipped,
}

impl Status {
    /// Severity order used by `--fail-on` and by summaries: pass/skipped < warn < fail/error.
    pub fn rank(self) -> u8 {
        match self {
            Status::Pass | Status::Skipped => 0,
            Status::Warn => 1,
            Status::Fail | Status::Error => 2,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Warn => "warn",
            Status::Fail => "fail",
            Status::Error => "error",
            Status::Skipped => "skipped",
        }
    }

    pub const ALL: [Status; 5] = [
        Status::Pass,
        Status::Warn,
        Status::Fail,
        Status::Error,
        Status::Skipped,
    ];
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SubjectKind {
    User,
    Group,
    /// An HTTP exchange (connection and protocol checks).
    Request,
    /// A provisioning-log entry or an IdP-export row.
    Entry,
    /// Anything else: a scoping clause, a setting, a page.
    Item,
}

/// One thing a finding is about. Users always carry `userName`, `emails`, `externalId` and
/// `active` (null when unknown), groups `displayName`: that is the JSON contract.
/// Deserialised from that same contract (`SubjectWire`), so a report reads back (`diff`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(from = "SubjectWire")]
pub struct Subject {
    pub kind: SubjectKind,
    pub id: String,
    pub user_name: Option<String>,
    pub emails: Vec<String>,
    pub external_id: Option<String>,
    pub active: Option<bool>,
    pub display_name: Option<String>,
    /// Which cluster the subject belongs to, for checks that group subjects (duplicates).
    pub group_key: Option<String>,
    pub detail: String,
}

/// The JSON contract's field names, as `Serialize for Subject` writes them.
#[derive(Deserialize)]
struct SubjectWire {
    kind: SubjectKind,
    id: String,
    #[serde(rename = "userName", default)]
    user_name: Option<String>,
    #[serde(default)]
    emails: Vec<String>,
    #[serde(rename = "externalId", default)]
    external_id: Option<String>,
    #[serde(default)]
    active: Option<bool>,
    #[serde(rename = "displayName", default)]
    display_name: Option<String>,
    #[serde(rename = "group", default)]
    group_key: Option<String>,
    #[serde(default)]
    detail: String,
}

impl From<SubjectWire> for Subject {
    fn from(w: SubjectWire) -> Self {
        Subject {
            kind: w.kind,
            id: w.id,
            user_name: w.user_name,
            emails: w.emails,
            external_id: w.external_id,
            active: w.active,
            display_name: w.display_name,
            group_key: w.group_key,
            detail: w.detail,
        }
    }
}

impl Subject {
    pub fn user(u: &User, detail: impl Into<String>) -> Self {
        use crate::util::clip_value as clip;
        Subject {
            kind: SubjectKind::User,
            id: clip(&u.id),
            user_name: u.user_name.as_deref().map(clip),
            emails: u.email_values().into_iter().map(clip).collect(),
            external_id: u.external_id.as_deref().map(clip),
            // An `active` the server sent in an unreadable form is unknown, not active.
            active: if u.active.is_none() && u.active_as_sent().is_some() {
                None
            } else {
                Some(u.is_active())
            },
            display_name: u.display_name.as_deref().map(clip),
            group_key: None,
            detail: detail.into(),
        }
        .clipped()
    }

    pub fn group(g: &Group, detail: impl Into<String>) -> Self {
        use crate::util::clip_value as clip;
        Subject {
            kind: SubjectKind::Group,
            id: clip(&g.id),
            user_name: None,
            emails: Vec::new(),
            external_id: g.external_id.as_deref().map(clip),
            active: None,
            display_name: g.display_name.as_deref().map(clip),
            group_key: None,
            detail: detail.into(),
        }
        .clipped()
    }

    pub fn item(kind: SubjectKind, id: impl Into<String>, detail: impl Into<String>) -> Self {
        Subject {
            kind,
            id: id.into(),
            user_name: None,
            emails: Vec::new(),
            external_id: None,
            active: None,
            display_name: None,
            group_key: None,
            detail: detail.into(),
        }
        .clipped()
    }

    pub fn in_group(mut self, key: impl Into<String>) -> Self {
        let mut key = key.into();
        crate::util::clip_in_place(&mut key, crate::util::MAX_SHOWN_CHARS);
        self.group_key = Some(key);
        self
    }

    /// Every value cut to `util::MAX_SHOWN_CHARS` (the detail, which may quote several, to
    /// four times that): a subject never carries a huge tenant value into a report.
    pub fn clipped(mut self) -> Self {
        use crate::util::{clip_in_place, MAX_SHOWN_CHARS as MAX};
        clip_in_place(&mut self.id, MAX);
        for v in self
            .user_name
            .iter_mut()
            .chain(&mut self.emails)
            .chain(&mut self.external_id)
            .chain(&mut self.display_name)
            .chain(&mut self.group_key)
        {
            clip_in_place(v, MAX);
        }
        clip_in_place(&mut self.detail, 4 * MAX);
        self
    }

    /// A one-line label for human output: userName, else displayName, else id.
    pub fn label(&self) -> &str {
        self.user_name
            .as_deref()
            .or(self.display_name.as_deref())
            .unwrap_or(&self.id)
    }
}

impl Serialize for Subject {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("kind", &self.kind)?;
        m.serialize_entry("id", &self.id)?;
        match self.kind {
            SubjectKind::User => {
                m.serialize_entry("userName", &self.user_name)?;
                m.serialize_entry("emails", &self.emails)?;
                m.serialize_entry("email", &self.emails.first())?;
                m.serialize_entry("externalId", &self.external_id)?;
                m.serialize_entry("active", &self.active)?;
                if self.display_name.is_some() {
                    m.serialize_entry("displayName", &self.display_name)?;
                }
            }
            SubjectKind::Group => {
                m.serialize_entry("displayName", &self.display_name)?;
                if self.external_id.is_some() {
                    m.serialize_entry("externalId", &self.external_id)?;
                }
            }
            _ => {
                if self.user_name.is_some() {
                    m.serialize_entry("userName", &self.user_name)?;
                }
                if self.display_name.is_some() {
                    m.serialize_entry("displayName", &self.display_name)?;
                }
            }
        }
        if self.group_key.is_some() {
            m.serialize_entry("group", &self.group_key)?;
        }
        m.serialize_entry("detail", &self.detail)?;
        m.end()
    }
}

/// One HTTP exchange a live check rests on (the evidence quoted in reports).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Exchange {
    pub method: String,
    /// The URL with any secret scrubbed.
    pub url: String,
    pub status: Option<u16>,
    pub elapsed_ms: u64,
    /// UTC RFC 3339 timestamp of when the request was sent.
    pub at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckResult {
    pub id: String,
    pub status: Status,
    /// Number of subjects affected (or probes failed); 0 on a pass.
    pub count: usize,
    pub message: String,
    pub remediation: String,
    pub subjects: Vec<Subject>,
    /// HTTP exchanges this result rests on (live checks only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Exchange>,
    /// Structured figures (latency percentiles, licence arithmetic...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
    /// UTC time the check ran, for live checks (a timing field: ignored when comparing runs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub elapsed_ms: Option<u64>,
}

impl CheckResult {
    /// Messages and subjects cut to what a reader can use (`util::clip_to`): a message to
    /// 16 times `util::MAX_SHOWN_CHARS`, each subject by `Subject::clipped`.
    pub fn clipped(mut self) -> Self {
        use crate::util::{clip_in_place, MAX_SHOWN_CHARS as MAX};
        clip_in_place(&mut self.message, 16 * MAX);
        clip_in_place(&mut self.remediation, 16 * MAX);
        self.subjects = std::mem::take(&mut self.subjects)
            .into_iter()
            .map(Subject::clipped)
            .collect();
        for e in &mut self.evidence {
            clip_in_place(&mut e.url, 4 * MAX);
            if let Some(n) = &mut e.note {
                clip_in_place(n, 4 * MAX);
            }
        }
        self
    }

    pub fn new(id: &str, status: Status, message: impl Into<String>) -> Self {
        CheckResult {
            id: id.to_string(),
            status,
            count: 0,
            message: message.into(),
            remediation: String::new(),
            subjects: Vec::new(),
            evidence: Vec::new(),
            data: None,
            at: None,
            elapsed_ms: None,
        }
    }

    pub fn pass(id: &str, message: impl Into<String>) -> Self {
        Self::new(id, Status::Pass, message)
    }

    pub fn skipped(id: &str, reason: impl Into<String>) -> Self {
        Self::new(id, Status::Skipped, reason)
    }

    /// A finding with subjects: status, message and remediation, count = subjects.len().
    pub fn found(
        id: &str,
        status: Status,
        message: impl Into<String>,
        remediation: impl Into<String>,
        subjects: Vec<Subject>,
    ) -> Self {
        let mut r = Self::new(id, status, message);
        r.remediation = remediation.into();
        r.count = subjects.len();
        r.subjects = subjects;
        r
    }

    pub fn with_remediation(mut self, text: impl Into<String>) -> Self {
        self.remediation = text.into();
        self
    }

    pub fn with_data(mut self, data: Value) -> Self {
        self.data = Some(data);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_read_back_from_the_json_they_are_written_as() {
        let mut s = Subject::item(SubjectKind::Entry, "k", "d");
        s.user_name = Some("ann".into());
        let subjects = vec![
            Subject::user(
                &User {
                    id: "u1".into(),
                    user_name: Some("ann@x".into()),
                    external_id: Some("e".into()),
                    active: Some(false),
                    ..Default::default()
                },
                "detail",
            )
            .in_group("ann@x"),
            Subject::group(
                &Group {
                    id: "g1".into(),
                    display_name: Some("Sales".into()),
                    ..Default::default()
                },
                "",
            ),
            s,
        ];
        let json = serde_json::to_string(&subjects).unwrap();
        let back: Vec<Subject> = serde_json::from_str(&json).unwrap();
        assert_eq!(back, subjects);
    }
}
