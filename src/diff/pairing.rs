//! Pairing the resources of two tenants without an id hash map: each side's positions sorted
//! by id (a stable sort, linear when the server already listed them in id order), one merge
//! walk over both, then the leftovers matched by normalised name. The rules are those of
//! docs/diff.md: by id first (a repeated id pairs its first occurrences), then by name.

use crate::model::{Group, User};
use foldhash::{HashMap as FastMap, HashMapExt, HashSet as FastSet, HashSetExt};
use std::cmp::Ordering;

/// What a resource is paired by.
pub(super) trait Keyed: Sync {
    fn key(&self) -> &str;
    /// The fallback key (userName, displayName) trimmed and lowercased; None when blank.
    fn name_key(&self) -> Option<String>;
}

fn norm(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(|v| v.trim().to_lowercase())
        .filter(|v| !v.is_empty())
}

impl Keyed for User {
    fn key(&self) -> &str {
        &self.id
    }
    fn name_key(&self) -> Option<String> {
        norm(&self.user_name)
    }
}

impl Keyed for Group {
    fn key(&self) -> &str {
        &self.id
    }
    fn name_key(&self) -> Option<String> {
        norm(&self.display_name)
    }
}

/// One side's resources with their positions in id order (stable: a repeated id keeps its
/// occurrences in list order, the first one first).
pub(super) struct Sorted<'a, T> {
    pub items: &'a [T],
    order: Vec<u32>,
}

impl<'a, T: Keyed> Sorted<'a, T> {
    pub fn new(items: &'a [T]) -> Self {
        let mut order: Vec<u32> = (0..items.len() as u32).collect();
        if !items.is_sorted_by(|x, y| x.key() <= y.key()) {
            order.sort_by(|&x, &y| items[x as usize].key().cmp(items[y as usize].key()));
        }
        Sorted { items, order }
    }

    fn key_at(&self, k: usize) -> &'a str {
        self.items[self.order[k] as usize].key()
    }

    /// Position of the first resource with this id (what an id lookup finds).
    pub fn first(&self, id: &str) -> Option<u32> {
        let p = self
            .order
            .partition_point(|&k| self.items[k as usize].key() < id);
        self.order
            .get(p)
            .copied()
            .filter(|&k| self.items[k as usize].key() == id)
    }
}

/// Who is whose: `map[i]` is the AFTER position paired with BEFORE position `i`.
pub(super) struct Pairing<'a> {
    pub map: Vec<Option<u32>>,
    pub taken: Vec<bool>,
    pub by_name: usize,
    /// Ids held by one side only: a member with such an id resolves to a resource on one
    /// side and to a raw value on the other.
    pub one_sided: FastSet<&'a str>,
    /// AFTER positions repeating an id listed earlier (never what an id lookup finds).
    pub repeated_after: FastSet<u32>,
}

pub(super) fn pair<'a, T: Keyed>(before: &Sorted<'a, T>, after: &Sorted<'a, T>) -> Pairing<'a> {
    let (b, a) = (before.items, after.items);
    let mut p = Pairing {
        map: vec![None; b.len()],
        taken: vec![false; a.len()],
        by_name: 0,
        one_sided: FastSet::new(),
        repeated_after: FastSet::new(),
    };
    // BEFORE positions left for the name pass: ids AFTER lacks, and repeats.
    let mut left: Vec<u32> = Vec::new();
    let (mut x, mut y) = (0, 0);
    let (nb, na) = (before.order.len(), after.order.len());
    while x < nb || y < na {
        let o = match (x < nb, y < na) {
            (true, true) => before.key_at(x).cmp(after.key_at(y)),
            (true, false) => Ordering::Less,
            _ => Ordering::Greater,
        };
        match o {
            Ordering::Less => {
                p.one_sided.insert(before.key_at(x));
                left.push(before.order[x]);
                x += 1;
            }
            Ordering::Greater => {
                let id = after.key_at(y);
                p.one_sided.insert(id);
                y += 1;
                while y < na && after.key_at(y) == id {
                    p.repeated_after.insert(after.order[y]);
                    y += 1;
                }
            }
            Ordering::Equal => {
                let id = before.key_at(x);
                let (i, j) = (before.order[x], after.order[y]);
                p.map[i as usize] = Some(j);
                p.taken[j as usize] = true;
                x += 1;
                y += 1;
                while x < nb && before.key_at(x) == id {
                    left.push(before.order[x]);
                    x += 1;
                }
                while y < na && after.key_at(y) == id {
                    p.repeated_after.insert(after.order[y]);
                    y += 1;
                }
            }
        }
    }
    if !left.is_empty() {
        left.sort_unstable();
        let mut names: FastMap<String, u32> = FastMap::new();
        for (j, r) in a.iter().enumerate() {
            if !p.taken[j] {
                if let Some(n) = r.name_key() {
                    names.entry(n).or_insert(j as u32);
                }
            }
        }
        for i in left {
            if let Some(j) = b[i as usize].name_key().and_then(|n| names.remove(&n)) {
                p.taken[j as usize] = true;
                p.map[i as usize] = Some(j);
                p.by_name += 1;
            }
        }
    }
    p
}
