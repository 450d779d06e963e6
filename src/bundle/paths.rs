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

/// Paths and keys longer than this (bytes) are not kept in a `PathMemo`.
const MEMO_TEXT: usize = 256;
/// Paths a `PathMemo` keeps at most, and keys under one path.
const MEMO_NODES: usize = 4096;
const MEMO_CHILDREN: usize = 64;

/// The paths a writer met, each with its kind and its keys, so that a key met again under
/// the same path (the same attributes in every resource of a batch) costs a comparison with
/// the key met there last time, instead of a new path and a look-up in the allow-lists.
/// The paths are those `child_path` builds and the kinds those `path_kind` gives. Bounded:
/// longer paths and keys, and paths past the limits, are built for the walk alone
/// (`At::Path`).
pub(super) struct PathMemo {
    nodes: Vec<Node>,
}

struct Node {
    path: String,
    /// Where `field_name(path)` starts in `path`.
    field: usize,
    kind: PathKind,
    children: Vec<(Box<str>, u32)>,
}

/// Where a walk stands: a path the memo holds, or one built for this value alone.
pub(super) enum At {
    Node(u32),
    Path(String, PathKind),
}

impl Default for PathMemo {
    /// The memo of a resource's root: the empty path, personal.
    fn default() -> Self {
        PathMemo {
            nodes: vec![Node {
                path: String::new(),
                field: 0,
                kind: PathKind::Personal,
                children: Vec::new(),
            }],
        }
    }
}

impl PathMemo {
    pub(super) const ROOT: At = At::Node(0);

    pub(super) fn path<'a>(&'a self, at: &'a At) -> &'a str {
        match at {
            At::Node(n) => &self.nodes[*n as usize].path,
            At::Path(p, _) => p,
        }
    }

    pub(super) fn kind(&self, at: &At) -> PathKind {
        match at {
            At::Node(n) => self.nodes[*n as usize].kind,
            At::Path(_, kind) => *kind,
        }
    }

    /// `field_name` of the path.
    pub(super) fn field<'a>(&'a self, at: &'a At) -> &'a str {
        match at {
            At::Node(n) => {
                let node = &self.nodes[*n as usize];
                &node.path[node.field..]
            }
            At::Path(p, _) => field_name(p),
        }
    }

    /// The path of `key` under `at`. `hint` is the place among `at`'s keys where the next
    /// key is looked for first (the walk of one object starts it at 0).
    pub(super) fn child(&mut self, at: &At, key: &str, hint: &mut usize) -> At {
        let n = match at {
            At::Node(n) => *n as usize,
            At::Path(p, _) => {
                let (path, kind) = built(p, key);
                return At::Path(path, kind);
            }
        };
        let children = &self.nodes[n].children;
        let found = match children.get(*hint) {
            Some((k, c)) if **k == *key => Some((*hint, *c)),
            _ => children
                .iter()
                .enumerate()
                .find(|(_, (k, _))| **k == *key)
                .map(|(i, (_, c))| (i, *c)),
        };
        if let Some((i, c)) = found {
            *hint = i + 1;
            return At::Node(c);
        }
        let (path, kind) = built(&self.nodes[n].path, key);
        if key.len() > MEMO_TEXT
            || path.len() > MEMO_TEXT
            || self.nodes.len() >= MEMO_NODES
            || self.nodes[n].children.len() >= MEMO_CHILDREN
        {
            return At::Path(path, kind);
        }
        let id = self.nodes.len() as u32;
        *hint = self.nodes[n].children.len() + 1;
        self.nodes[n].children.push((key.into(), id));
        self.nodes.push(Node {
            field: path.len() - field_name(&path).len(),
            path,
            kind,
            children: Vec::new(),
        });
        At::Node(id)
    }
}

/// The path of `key` under `parent` and its kind, built.
fn built(parent: &str, key: &str) -> (String, PathKind) {
    let mut path = parent.to_string();
    child_path(&mut path, key);
    let kind = path_kind(&path);
    (path, kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The memo gives the path, kind and field `child_path`, `path_kind` and `field_name`
    /// give, kept or not, and never holds more than its limits, whatever it is fed.
    #[test]
    fn the_memo_gives_the_built_paths_within_its_bounds() {
        let mut memo = PathMemo::default();
        let long = "k".repeat(MEMO_TEXT + 1);
        let keys: Vec<String> = (0..200)
            .map(|i| format!("attr{i}"))
            .chain(["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User".into()])
            .chain(["emails".into(), "type".into(), "$ref".into(), long.clone()])
            .collect();
        for round in 0..3 {
            let mut hint = 0;
            for k in keys.iter().rev().skip(round) {
                let at = memo.child(&PathMemo::ROOT, k, &mut hint);
                let mut path = String::new();
                child_path(&mut path, k);
                assert_eq!(memo.path(&at), path);
                assert_eq!(memo.kind(&at), path_kind(&path));
                assert_eq!(memo.field(&at), field_name(&path));
                for sub in ["type", "value", "manager", "$ref"] {
                    let mut h = 0;
                    let below = memo.child(&at, sub, &mut h);
                    let mut p = path.clone();
                    child_path(&mut p, sub);
                    assert_eq!(memo.path(&below), p);
                    assert_eq!(memo.kind(&below), path_kind(&p));
                    assert_eq!(memo.field(&below), field_name(&p));
                }
            }
        }
        assert!(memo.nodes[0].children.len() <= MEMO_CHILDREN);
        assert!(memo.nodes.iter().all(|n| n.children.len() <= MEMO_CHILDREN));
        assert!(memo.nodes.iter().all(|n| n.path.len() <= MEMO_TEXT));
        // Sixty-four keys under sixty-four keys: more paths than the memo keeps.
        let mut memo = PathMemo::default();
        for i in 0..MEMO_CHILDREN {
            let mut h = 0;
            let at = memo.child(&PathMemo::ROOT, &format!("a{i}"), &mut h);
            let mut h = 0;
            for j in 0..MEMO_CHILDREN {
                let below = memo.child(&at, &format!("b{j}"), &mut h);
                assert_eq!(memo.path(&below), format!("a{i}.b{j}"));
            }
        }
        assert_eq!(memo.nodes.len(), MEMO_NODES);
    }
}
