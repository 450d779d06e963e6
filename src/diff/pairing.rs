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

/// The first 8 bytes of a key, big-endian, zero-padded: ordering by (prefix, key) is
/// ordering by key, and most comparisons end at the prefix without reading the string.
pub(super) fn prefix(key: &str) -> u64 {
    let mut b = [0u8; 8];
    let n = key.len().min(8);
    b[..n].copy_from_slice(&key.as_bytes()[..n]);
    u64::from_be_bytes(b)
}

/// One side's resources with their positions in id order (a repeated id keeps its
/// occurrences in list order, the first one first).
pub(super) struct Sorted<'a, T> {
    pub items: &'a [T],
    /// (prefix of the id, position), in id order.
    order: Vec<(u64, u32)>,
}

impl<'a, T: Keyed> Sorted<'a, T> {
    pub fn new(items: &'a [T]) -> Self {
        let mut order: Vec<(u64, u32)> = items
            .iter()
            .enumerate()
            .map(|(i, x)| (prefix(x.key()), i as u32))
            .collect();
        // Free when the server listed its resources in id order (checked on the prefixes,
        // reading the strings only on a tie); otherwise the prefixes spare most string
        // reads (ids are scattered over the heap).
        let in_order = order.is_sorted_by(|x, y| {
            x.0 < y.0 || (x.0 == y.0 && items[x.1 as usize].key() <= items[y.1 as usize].key())
        });
        if !in_order {
            order.sort_unstable_by(|x, y| {
                x.0.cmp(&y.0)
                    .then_with(|| items[x.1 as usize].key().cmp(items[y.1 as usize].key()))
                    .then(x.1.cmp(&y.1))
            });
        }
        Sorted { items, order }
    }

    fn key_at(&self, k: usize) -> &'a str {
        self.items[self.order[k].1 as usize].key()
    }

    fn pos(&self, k: usize) -> u32 {
        self.order[k].1
    }

    /// Whether the id at `k` is `id` (whose prefix is `p`).
    fn is_at(&self, k: usize, p: u64, id: &str) -> bool {
        k < self.order.len() && self.order[k].0 == p && self.key_at(k) == id
    }

    /// Compares the ids at `k` here and `l` there.
    fn cmp_at(&self, k: usize, other: &Self, l: usize) -> Ordering {
        self.order[k]
            .0
            .cmp(&other.order[l].0)
            .then_with(|| self.key_at(k).cmp(other.key_at(l)))
    }

    /// Position of the first resource with this id (what an id lookup finds).
    pub fn first(&self, id: &str) -> Option<u32> {
        let p0 = prefix(id);
        let p = self
            .order
            .partition_point(|&(p, k)| p < p0 || (p == p0 && self.items[k as usize].key() < id));
        self.order
            .get(p)
            .map(|&(_, k)| k)
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
    /// Their prefixes: most members are told apart by an integer hash, no string read.
    one_sided_prefixes: FastSet<u64>,
    /// AFTER positions repeating an id listed earlier (never what an id lookup finds).
    pub repeated_after: FastSet<u32>,
}

impl Pairing<'_> {
    /// Whether `id`, whose prefix is `p`, is held by one side only.
    pub fn is_one_sided(&self, p: u64, id: &str) -> bool {
        self.one_sided_prefixes.contains(&p) && self.one_sided.contains(id)
    }
}

pub(super) fn pair<'a, T: Keyed>(before: &Sorted<'a, T>, after: &Sorted<'a, T>) -> Pairing<'a> {
    let (b, a) = (before.items, after.items);
    let mut p = Pairing {
        map: vec![None; b.len()],
        taken: vec![false; a.len()],
        by_name: 0,
        one_sided: FastSet::new(),
        one_sided_prefixes: FastSet::new(),
        repeated_after: FastSet::new(),
    };
    // BEFORE positions left for the name pass: ids AFTER lacks, and repeats.
    let mut left: Vec<u32> = Vec::new();
    let (mut x, mut y) = (0, 0);
    let (nb, na) = (before.order.len(), after.order.len());
    while x < nb || y < na {
        let o = match (x < nb, y < na) {
            (true, true) => before.cmp_at(x, after, y),
            (true, false) => Ordering::Less,
            _ => Ordering::Greater,
        };
        match o {
            Ordering::Less => {
                p.one_sided.insert(before.key_at(x));
                p.one_sided_prefixes.insert(before.order[x].0);
                left.push(before.pos(x));
                x += 1;
            }
            Ordering::Greater => {
                let (id, px) = (after.key_at(y), after.order[y].0);
                p.one_sided.insert(id);
                p.one_sided_prefixes.insert(px);
                y += 1;
                while after.is_at(y, px, id) {
                    p.repeated_after.insert(after.pos(y));
                    y += 1;
                }
            }
            Ordering::Equal => {
                let (id, px) = (before.key_at(x), before.order[x].0);
                let (i, j) = (before.pos(x), after.pos(y));
                p.map[i as usize] = Some(j);
                p.taken[j as usize] = true;
                x += 1;
                y += 1;
                while before.is_at(x, px, id) {
                    left.push(before.pos(x));
                    x += 1;
                }
                while after.is_at(y, px, id) {
                    p.repeated_after.insert(after.pos(y));
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
