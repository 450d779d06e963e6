//! The write bugs the writable server can reproduce (`serve --writable --quirk NAME`): one
//! switch per bug, and the table of their names and what each does, which `serve --help`
//! lists.

/// Switchable write bugs; `Quirks::default()` is a conformant, IdP-tolerant server.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Quirks {
    /// PATCH `op` must be lowercase: Entra's legacy `"Replace"` is refused with 400.
    pub case_sensitive_op: bool,
    /// A boolean sent as a string (`"active":"False"`) is refused with 400.
    pub reject_string_bool: bool,
    /// `remove` on `members` with a value array clears the whole group.
    pub remove_value_array_clears_all: bool,
    /// PUT answers 405.
    pub no_put: bool,
    /// A PATCH path with a filter (`emails[type eq "work"].value`) answers 400.
    pub no_filtered_path: bool,
    /// A duplicate userName answers 500 instead of 409.
    pub conflict_500: bool,
    /// Errors come as `text/plain` sentences instead of SCIM error JSON.
    pub plain_text_errors: bool,
    /// Every answer is labelled `text/plain` although the body is JSON.
    pub wrong_content_type: bool,
    /// List requests ignore `filter` and return everything (the IdP then matches "someone").
    pub ignore_filter: bool,
    /// A create naming a schema URN the server does not know (Entra's ADSCIM Group) answers 400.
    pub reject_unknown_schema: bool,
    /// A create answers 201 with an empty body (Okta: "Create new user returned empty user").
    pub create_empty_body: bool,
    /// DELETE answers 405.
    pub no_delete: bool,
    /// `replace` on `members` answers 501 ("patch-REPLACE-operation not supported for group.members").
    pub no_members_replace: bool,
    /// A pathless replace on a group that does not name `members` clears them.
    pub rename_wipes_members: bool,
    /// GET by id never shows a group's `members` (not even with `attributes=members`).
    pub omit_members: bool,
    /// A duplicate userName answers 409 without `scimType` (RFC 7644 §3.3 requires `uniqueness`).
    pub conflict_no_scimtype: bool,
    /// A filter using `sw` answers 200 with an empty ListResponse (an unsupported operator
    /// answered as "no match" instead of 400 invalidFilter).
    pub sw_finds_nothing: bool,
    /// Create and PUT silently drop `title` and the emails' `type` (a django-scim2 0.23
    /// server was seen doing so): the write answers 2xx, the data is gone.
    pub drops_attributes: bool,
    /// A PATCH of `externalId` answers 501 (Entra sends it when the mapped source attribute
    /// changes).
    pub no_externalid_patch: bool,
    /// A PATCH replace whose path names a complex attribute and whose value is an object
    /// (`"path":"name","value":{...}`) answers 500.
    pub complex_replace_500: bool,
}

/// The quirks of `serve --writable --quirk NAME`, in the order of the fields above: name and
/// what the server then does (shown by `serve --help`).
pub const QUIRKS: &[(&str, &str)] = &[
    (
        "case-sensitive-op",
        "PATCH op must be lowercase: Entra's legacy \"Replace\" gets 400",
    ),
    (
        "reject-string-bool",
        "a boolean sent as a string (\"active\":\"False\") gets 400",
    ),
    (
        "remove-value-array-clears-all",
        "remove on members with a value array empties the whole group",
    ),
    ("no-put", "PUT answers 405"),
    (
        "no-filtered-path",
        "a PATCH path with a filter (emails[type eq \"work\"].value) gets 400",
    ),
    (
        "conflict-500",
        "a duplicate userName answers 500 instead of 409",
    ),
    (
        "plain-text-errors",
        "errors are text/plain sentences, not SCIM error JSON",
    ),
    (
        "wrong-content-type",
        "every answer is labelled text/plain although the body is JSON",
    ),
    (
        "ignore-filter",
        "list requests ignore filter and return everything",
    ),
    (
        "reject-unknown-schema",
        "a create naming an unknown schema URN gets 400",
    ),
    (
        "create-empty-body",
        "a create answers 201 with an empty body",
    ),
    ("no-delete", "DELETE answers 405"),
    ("no-members-replace", "replace on members answers 501"),
    (
        "rename-wipes-members",
        "a pathless replace on a group that does not name members clears them",
    ),
    ("omit-members", "GET by id never shows a group's members"),
    (
        "conflict-no-scimtype",
        "a duplicate userName answers 409 without scimType uniqueness",
    ),
    (
        "sw-finds-nothing",
        "a filter using sw answers 200 with an empty list instead of 400 invalidFilter",
    ),
    (
        "drops-attributes",
        "create and PUT silently drop title and the emails' type (answered 2xx)",
    ),
    ("no-externalid-patch", "a PATCH of externalId answers 501"),
    (
        "complex-replace-500",
        "a PATCH replace of a complex attribute with an object value answers 500",
    ),
];

impl Quirks {
    /// Switches on the quirk called `name` (one of `QUIRKS`).
    pub fn enable(&mut self, name: &str) -> Result<(), String> {
        let flag = match name {
            "case-sensitive-op" => &mut self.case_sensitive_op,
            "reject-string-bool" => &mut self.reject_string_bool,
            "remove-value-array-clears-all" => &mut self.remove_value_array_clears_all,
            "no-put" => &mut self.no_put,
            "no-filtered-path" => &mut self.no_filtered_path,
            "conflict-500" => &mut self.conflict_500,
            "plain-text-errors" => &mut self.plain_text_errors,
            "wrong-content-type" => &mut self.wrong_content_type,
            "ignore-filter" => &mut self.ignore_filter,
            "reject-unknown-schema" => &mut self.reject_unknown_schema,
            "create-empty-body" => &mut self.create_empty_body,
            "no-delete" => &mut self.no_delete,
            "no-members-replace" => &mut self.no_members_replace,
            "rename-wipes-members" => &mut self.rename_wipes_members,
            "omit-members" => &mut self.omit_members,
            "conflict-no-scimtype" => &mut self.conflict_no_scimtype,
            "sw-finds-nothing" => &mut self.sw_finds_nothing,
            "drops-attributes" => &mut self.drops_attributes,
            "no-externalid-patch" => &mut self.no_externalid_patch,
            "complex-replace-500" => &mut self.complex_replace_500,
            other => {
                return Err(format!(
                    "unknown quirk `{other}`; known: {}",
                    QUIRKS
                        .iter()
                        .map(|(n, _)| *n)
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            }
        };
        *flag = true;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::{Quirks, QUIRKS};

    /// Every listed quirk switches on exactly one field of its own, and no field is left
    /// without a name (so `serve --help` shows every quirk the server has).
    #[test]
    fn every_quirk_is_listed_once_and_switches_its_own_field() {
        let mut seen: Vec<Quirks> = Vec::new();
        for (name, help) in QUIRKS {
            assert!(!help.is_empty(), "{name} has no description");
            let mut q = Quirks::default();
            q.enable(name).unwrap();
            assert_ne!(q, Quirks::default(), "{name} changes nothing");
            assert!(
                !seen.contains(&q),
                "{name} switches the same field as another quirk"
            );
            seen.push(q);
        }
        let fields = format!("{:?}", Quirks::default())
            .matches(": false")
            .count();
        assert_eq!(
            QUIRKS.len(),
            fields,
            "a Quirks field has no entry in QUIRKS"
        );
        assert!(Quirks::default().enable("no-such-quirk").is_err());
    }
}
