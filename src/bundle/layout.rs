//! The names `inputs/inputs.json` lists, checked field by field against the bundle format
//! (each field holds one kind of name: `inputs/idp-users.<ext>`, `inputs/playbooks/<x>.toml`
//! ...). The names any zip entry may have are `archive::names`'.

use super::inputs::Manifest as InputsManifest;
pub use crate::archive::names::override_relative;
use crate::archive::names::{check_plain, numbered, other_prefix, undefined, with_ext};

/// Every name `inputs/inputs.json` lists must be the kind of name its field holds.
pub fn check_inputs_manifest(m: &InputsManifest) -> Result<(), String> {
    let bad = |n: &str| Err(undefined(n, &format!("{} lists", super::inputs::MANIFEST)));
    let fixed = [
        (&m.idp_users, "inputs/idp-users"),
        (&m.scope_filter, "inputs/scope-filter"),
        (&m.ldap_groups, "inputs/ldap-groups"),
    ];
    for (n, stem) in fixed {
        if let Some(n) = n {
            if !with_ext(n, stem) || check_plain(n).is_err() {
                return bad(n);
            }
        }
    }
    if let Some(n) = &m.scope_verdicts {
        if n != super::inputs::SCOPE_VERDICTS {
            return bad(n);
        }
    }
    for n in &m.provisioning_logs {
        if !n
            .strip_prefix("inputs/provisioning-logs/")
            .is_some_and(numbered)
        {
            return bad(n);
        }
    }
    for n in &m.idp_config {
        if !n.strip_prefix("inputs/idp-config/").is_some_and(numbered) {
            return bad(n);
        }
    }
    for n in &m.other_snapshots {
        if other_prefix(n) != Some("") {
            return bad(n);
        }
    }
    for n in &m.overrides {
        if override_relative(n).is_none() || check_plain(n).is_err() {
            return bad(n);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Proves the attack is refused by the inputs manifest check, by name.
    #[test]
    fn an_override_with_an_empty_component_is_refused_by_name() {
        let m = InputsManifest {
            overrides: vec!["inputs/playbooks//home/u/.ssh/authorized_keys".into()],
            ..Default::default()
        };
        let err = check_inputs_manifest(&m).unwrap_err();
        assert!(
            err.contains("inputs/playbooks//home/u/.ssh/authorized_keys"),
            "{err}"
        );
        let ok = InputsManifest {
            overrides: vec!["inputs/playbooks/profiles/p.toml".into()],
            other_snapshots: vec!["inputs/other-2/".into()],
            ..Default::default()
        };
        assert!(check_inputs_manifest(&ok).is_ok());
    }

    /// Proves every fixed name the bundle writes (its top-level files, the inputs'
    /// manifest and scoping verdicts) is one the readers accept: a new file added to the
    /// bundle without a place in `archive::names` fails here, not in a customer's hands.
    #[test]
    fn every_fixed_name_the_bundle_writes_is_defined() {
        use crate::archive::names::is_defined;
        for (p, _) in super::super::DESCRIPTIONS {
            if !p.ends_with('/') {
                assert!(is_defined(p), "{p}");
            }
        }
        for p in [
            crate::archive::MANIFEST,
            super::super::inputs::MANIFEST,
            super::super::inputs::SCOPE_VERDICTS,
        ] {
            assert!(is_defined(p), "{p}");
        }
        let m = InputsManifest {
            scope_verdicts: Some("inputs/../scope-verdicts.json".into()),
            ..Default::default()
        };
        assert!(check_inputs_manifest(&m).is_err());
    }
}
