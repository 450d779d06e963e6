//! The SCIM paths of a resource's attributes as `--redact-pii` walks them (`structural`):
//! how a key extends a path, which field a value is recorded under, and what the walk does
//! at each path (the allow-lists).

/// Core-schema paths kept in the clear (RFC 7643 section 4.1 User, 4.2 Group, 4.3 the
/// enterprise extension; array levels left out, compared ignoring case): the resource's
/// schemas and metadata, the `type` and `primary` of multi-valued attributes, flags and
/// enumerations. They hold only at these paths: a custom extension's `type`, `locale` or
/// `meta` is personal data like the rest of the extension. Enterprise-extension paths carry
/// the `enterprise:` prefix.
pub const STRUCTURAL_PATHS: &[&str] = &[
    "schemas",
    "meta.resourceType",
    "meta.created",
    "meta.lastModified",
    "meta.version",
    "active",
    "userType",
    "preferredLanguage",
    "locale",
    "timezone",
    "emails.type",
    "emails.primary",
    "phoneNumbers.type",
    "phoneNumbers.primary",
    "ims.type",
    "ims.primary",
    "photos.type",
    "photos.primary",
    "addresses.type",
    "addresses.primary",
    "entitlements.type",
    "entitlements.primary",
    "roles.type",
    "roles.primary",
    "x509Certificates.type",
    "x509Certificates.primary",
    "groups.type",
    "members.type",
];

/// Paths whose values are URLs of a resource (`.../Users/<id>`): the endpoint part is kept,
/// the id at the end follows the id rule.
pub const REF_PATHS: &[&str] = &[
    "meta.location",
    "members.$ref",
    "groups.$ref",
    "enterprise:manager.$ref",
];

const CORE_USER: &str = "urn:ietf:params:scim:schemas:core:2.0:user";
const CORE_GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:group";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user";

/// Paths holding the id of a resource the tenant may not list (a user's groups, their
/// manager): kept like the listed ids unless they look like an email address.
pub const HELD_ID_PATHS: &[&str] = &["groups.value", "enterprise:manager.value"];

#[cfg(test)]
pub(super) fn is_in(list: &[&str], path: &str) -> bool {
    list.iter().any(|p| p.eq_ignore_ascii_case(path))
}

/// What a walk does with the value at a path: replace it (or walk into it), keep it
/// (`STRUCTURAL_PATHS`), keep a URL's endpoint (`REF_PATHS`), or keep an id unless it
/// looks like an email address (`HELD_ID_PATHS`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum PathKind {
    Personal,
    Structural,
    Ref,
    HeldId,
}

/// The kind of `path` (compared ignoring case), from the few entries of the three lists
/// that share its bucket: its length and first and last letters, which no path of a usual
/// resource shares with an entry it is not. It runs for every attribute of every resource
/// a redacted bundle streams, and costs less than a hash of a lower-cased copy.
pub(super) fn path_kind(path: &str) -> PathKind {
    fn bucket(p: &[u8]) -> usize {
        let (first, last) = match p {
            [] => (0, 0),
            [f, .., l] => (f.to_ascii_lowercase(), l.to_ascii_lowercase()),
            [one] => (one.to_ascii_lowercase(), one.to_ascii_lowercase()),
        };
        (p.len() * 61 + usize::from(first) * 7 + usize::from(last)) % 256
    }
    type Buckets = Vec<Vec<(&'static str, PathKind)>>;
    static BUCKETS: std::sync::LazyLock<Buckets> = std::sync::LazyLock::new(|| {
        let lists = [
            (STRUCTURAL_PATHS, PathKind::Structural),
            (REF_PATHS, PathKind::Ref),
            (HELD_ID_PATHS, PathKind::HeldId),
        ];
        let mut by: Buckets = vec![Vec::new(); 256];
        for (list, kind) in lists {
            for p in list {
                by[bucket(p.as_bytes())].push((*p, kind));
            }
        }
        by
    });
    BUCKETS[bucket(path.as_bytes())]
        .iter()
        .find(|(p, _)| p.eq_ignore_ascii_case(path))
        .map_or(PathKind::Personal, |&(_, kind)| kind)
}

#[cfg(test)]
pub(super) fn is_structural(path: &str) -> bool {
    path_kind(path) == PathKind::Structural
}

/// The path of `key` under `path`: a core-schema URN key adds nothing, the enterprise
/// extension starts the `enterprise:` prefix, any other URN (a custom extension) starts an
/// `ext:` path that no allow-list entry matches. Appended to `path` in place (the walk
/// truncates it back), except after a URN key, whose path stands alone.
pub(super) fn child_path(path: &mut String, key: &str) {
    if key.get(..4).is_some_and(|u| u.eq_ignore_ascii_case("urn:")) {
        let root = path.is_empty();
        path.clear();
        if root && (key.eq_ignore_ascii_case(CORE_USER) || key.eq_ignore_ascii_case(CORE_GROUP)) {
            return;
        }
        if root && key.eq_ignore_ascii_case(ENTERPRISE) {
            path.push_str("enterprise:");
            return;
        }
        path.push_str("ext:");
        path.push_str(key);
        path.push(':');
        return;
    }
    if !path.is_empty() && !path.ends_with(':') {
        path.push('.');
    }
    path.push_str(key);
}

/// The field a value is recorded under in the map (`department`, `emails.value`, the
/// custom extension's attribute path).
pub(super) fn field_name(path: &str) -> &str {
    let p = path.strip_prefix("enterprise:").unwrap_or(path);
    match p.strip_prefix("ext:") {
        // `ext:urn:...:User:badge.type` -> `badge.type` (the URN's own colons come first)
        Some(rest) => rest.rsplit(':').next().unwrap_or(rest),
        None => p,
    }
}
