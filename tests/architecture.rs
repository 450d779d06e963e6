//! The crate's layering (docs/architecture.md) holds: no module imports a module of a higher
//! layer, so the top-level modules cannot form a cycle, and no two files of one folder import
//! each other round in a circle. Pure Rust: the module tree is read from `src/lib.rs` down
//! through its `mod` declarations; every `crate::` and `super::` path of non-test code
//! (comments, strings and `#[cfg(test)]` items left out) is an import.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// One module path (`["checks", "facts"]`) and the file that holds its code.
struct Unit {
    path: Vec<String>,
    file: PathBuf,
}

/// An import seen in a file: the module path it names, from the crate root.
struct Import {
    /// The module the code that names it is in (inline `mod x { .. }` blocks included).
    from: Vec<String>,
    /// The path named, resolved from the crate root (`crate::a::b::c` -> ["a", "b", "c"]).
    to: Vec<String>,
    file: PathBuf,
}

// ---- a small lexer: Rust source without comments, string and char literals ----

/// `text` with comments, string literals (plain, byte, raw) and char literals blanked out,
/// so that paths written in docs or messages are not taken for imports.
fn code_only(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'/' && b.get(i + 1) == Some(&b'/') {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
            continue;
        }
        if c == b'/' && b.get(i + 1) == Some(&b'*') {
            let mut depth = 0usize;
            while i < b.len() {
                if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
                    depth += 1;
                    i += 2;
                } else if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            out.push(' ');
            continue;
        }
        let ident_before = i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_');
        // Raw strings: r"..", r#".."#, br#".."#.
        if !ident_before && (c == b'r' || (c == b'b' && b.get(i + 1) == Some(&b'r'))) {
            let mut j = if c == b'b' { i + 2 } else { i + 1 };
            let mut hashes = 0;
            while b.get(j) == Some(&b'#') {
                hashes += 1;
                j += 1;
            }
            if b.get(j) == Some(&b'"') {
                let close: Vec<u8> = std::iter::once(b'"')
                    .chain(std::iter::repeat_n(b'#', hashes))
                    .collect();
                j += 1;
                while j < b.len() && !b[j..].starts_with(&close) {
                    j += 1;
                }
                i = j + close.len();
                out.push_str("\"\"");
                continue;
            }
        }
        if c == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("\"\"");
            continue;
        }
        if c == b'\'' {
            // A char literal ('x', '\n', '\u{..}'), else a lifetime or label ('a).
            if b.get(i + 1) == Some(&b'\\') {
                let mut j = i + 2;
                while j < b.len() && b[j] != b'\'' {
                    j += 1;
                }
                i = j + 1;
                out.push_str("' '");
                continue;
            }
            let ch_len = text[i + 1..].chars().next().map_or(1, char::len_utf8);
            if b.get(i + 1 + ch_len) == Some(&b'\'') {
                i += 2 + ch_len;
                out.push_str("' '");
                continue;
            }
        }
        let ch = text[i..].chars().next().unwrap();
        out.push(ch);
        i += ch.len_utf8();
    }
    out
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Punct(char),
    /// `::`
    Path,
}

fn tokens(code: &str) -> Vec<Tok> {
    let chars: Vec<char> = code.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c.is_alphanumeric() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            out.push(Tok::Ident(chars[start..i].iter().collect()));
        } else if c == ':' && chars.get(i + 1) == Some(&':') {
            out.push(Tok::Path);
            i += 2;
        } else {
            out.push(Tok::Punct(c));
            i += 1;
        }
    }
    out
}

/// The index just past the item that starts at `i` (after an attribute): up to a `;` at
/// depth 0, or through the first `{ .. }` block at depth 0.
fn skip_item(t: &[Tok], mut i: usize) -> usize {
    let mut depth = 0i32;
    while i < t.len() {
        match t[i] {
            Tok::Punct('(') | Tok::Punct('[') => depth += 1,
            Tok::Punct(')') | Tok::Punct(']') => depth -= 1,
            Tok::Punct(';') if depth == 0 => return i + 1,
            Tok::Punct('{') if depth == 0 => return skip_block(t, i),
            _ => {}
        }
        i += 1;
    }
    i
}

/// `t[i]` is `{`: the index just past its matching `}`.
fn skip_block(t: &[Tok], mut i: usize) -> usize {
    let mut depth = 0i32;
    while i < t.len() {
        match t[i] {
            Tok::Punct('{') => depth += 1,
            Tok::Punct('}') => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    i
}

/// `#[cfg(test)]` (also `#[cfg(all(test, ..))]`): the item after it is test code.
fn is_test_attr(t: &[Tok], i: usize) -> Option<usize> {
    if t.get(i) != Some(&Tok::Punct('#')) || t.get(i + 1) != Some(&Tok::Punct('[')) {
        return None;
    }
    let mut j = i + 2;
    let mut depth = 1;
    let mut idents = Vec::new();
    while j < t.len() && depth > 0 {
        match &t[j] {
            Tok::Punct('[') => depth += 1,
            Tok::Punct(']') => depth -= 1,
            Tok::Ident(s) => idents.push(s.as_str()),
            _ => {}
        }
        j += 1;
    }
    let test = idents.first() == Some(&"cfg")
        && idents.contains(&"test")
        && !idents.contains(&"not")
        && !idents.contains(&"any");
    test.then_some(j)
}

/// The paths a `use` tree or an expression path names after `crate::` / `super::`: follows
/// `{a::b, c::{d, e}}` groups; each result is the list of segments.
fn path_tails(t: &[Tok], mut i: usize, prefix: Vec<String>, out: &mut Vec<Vec<String>>) -> usize {
    let mut segs = prefix;
    loop {
        match t.get(i) {
            Some(Tok::Ident(s)) => {
                segs.push(s.clone());
                i += 1;
                if t.get(i) == Some(&Tok::Path) {
                    i += 1;
                    continue;
                }
                out.push(segs);
                return i;
            }
            Some(Tok::Punct('{')) => {
                i += 1;
                loop {
                    match t.get(i) {
                        Some(Tok::Punct('}')) => return i + 1,
                        Some(Tok::Punct(',')) => i += 1,
                        None => return i,
                        _ => {
                            let before = i;
                            i = path_tails(t, i, segs.clone(), out);
                            // Skip `as name` and anything else up to the next `,` or `}`.
                            while let Some(tok) = t.get(i) {
                                if matches!(tok, Tok::Punct(',') | Tok::Punct('}')) {
                                    break;
                                }
                                i += 1;
                            }
                            if i == before {
                                i += 1;
                            }
                        }
                    }
                }
            }
            Some(Tok::Punct('*')) => {
                out.push(segs);
                return i + 1;
            }
            _ => {
                out.push(segs);
                return i;
            }
        }
    }
}

/// The imports and the child module declarations (name, inline?) of one file.
fn scan(file: &Path, module: &[String]) -> (Vec<Import>, Vec<(Vec<String>, String)>) {
    let text = std::fs::read_to_string(file).unwrap();
    let t = tokens(&code_only(&text));
    let mut imports = Vec::new();
    let mut children = Vec::new();
    // Inline modules open at some brace depth: (path, depth at which their block closes).
    let mut stack: Vec<(Vec<String>, i32)> = vec![(module.to_vec(), -1)];
    let mut depth = 0i32;
    let mut i = 0;
    while i < t.len() {
        if let Some(after_attr) = is_test_attr(&t, i) {
            i = skip_item(&t, after_attr);
            continue;
        }
        let here = stack.last().unwrap().0.clone();
        match &t[i] {
            Tok::Punct('{') => depth += 1,
            Tok::Punct('}') => {
                depth -= 1;
                if stack.len() > 1 && stack.last().unwrap().1 == depth {
                    stack.pop();
                }
            }
            Tok::Ident(k) if k == "mod" => {
                if let Some(Tok::Ident(name)) = t.get(i + 1) {
                    match t.get(i + 2) {
                        Some(Tok::Punct(';')) => children.push((here.clone(), name.clone())),
                        Some(Tok::Punct('{')) => {
                            let mut p = here.clone();
                            p.push(name.clone());
                            stack.push((p, depth));
                            depth += 1;
                            i += 3;
                            continue;
                        }
                        _ => {}
                    }
                }
            }
            Tok::Ident(k) if k == "crate" && t.get(i + 1) == Some(&Tok::Path) => {
                // `pub(crate)` / `pub(in crate::x)` are visibilities, not imports.
                let mut found = Vec::new();
                i = path_tails(&t, i + 2, Vec::new(), &mut found);
                for to in found {
                    imports.push(Import {
                        from: here.clone(),
                        to,
                        file: file.to_path_buf(),
                    });
                }
                continue;
            }
            Tok::Ident(k)
                if k == "super"
                    && t.get(i + 1) == Some(&Tok::Path)
                    && !(i > 0 && t[i - 1] == Tok::Path) =>
            {
                let mut base = here.clone();
                let mut j = i;
                while matches!(t.get(j), Some(Tok::Ident(s)) if s == "super")
                    && t.get(j + 1) == Some(&Tok::Path)
                {
                    base.pop();
                    j += 2;
                }
                let mut found = Vec::new();
                i = path_tails(&t, j, base, &mut found);
                for to in found {
                    imports.push(Import {
                        from: here.clone(),
                        to,
                        file: file.to_path_buf(),
                    });
                }
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    (imports, children)
}

/// Every non-test module of the library with its file, from `src/lib.rs` down, and every
/// import in them.
fn crate_graph() -> (Vec<Unit>, Vec<Import>) {
    let src = Path::new(ROOT).join("src");
    let mut units = Vec::new();
    let mut imports = Vec::new();
    let mut todo = vec![(Vec::<String>::new(), src.join("lib.rs"))];
    while let Some((path, file)) = todo.pop() {
        let (found, children) = scan(&file, &path);
        imports.extend(found);
        // A child of `a/b.rs` or `a/b/mod.rs` lives in `a/b/`; of lib.rs or `mod.rs`, beside it.
        let dir = match file.file_name().and_then(|n| n.to_str()) {
            Some("lib.rs") | Some("mod.rs") => file.parent().unwrap().to_path_buf(),
            _ => file.with_extension(""),
        };
        for (parent, name) in children {
            // Inline modules' children live in a folder named after the inline module.
            let mut d = dir.clone();
            for seg in &parent[path.len()..] {
                d.push(seg);
            }
            let flat = d.join(format!("{name}.rs"));
            let nested = d.join(&name).join("mod.rs");
            let child_file = if flat.is_file() { flat } else { nested };
            assert!(
                child_file.is_file(),
                "module {name} declared in {} has no file",
                file.display()
            );
            let mut p = parent.clone();
            p.push(name);
            todo.push((p, child_file));
        }
        units.push(Unit { path, file });
    }
    (units, imports)
}

fn rel(p: &Path) -> String {
    p.strip_prefix(ROOT).unwrap_or(p).display().to_string()
}

/// The declared order, lowest layer first, from docs/architecture.md (the line holding
/// `modcycles.py src --order ...`), and the layers of its Mermaid diagram.
fn declared() -> (Vec<String>, Vec<Vec<String>>) {
    let doc = std::fs::read_to_string(Path::new(ROOT).join("docs/architecture.md"))
        .expect("docs/architecture.md");
    let order_line = doc
        .lines()
        .find(|l| l.contains("--order "))
        .expect("docs/architecture.md has no `--order a,b,c` line");
    let order: Vec<String> = order_line
        .split("--order ")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .trim_end_matches('`')
        .split(',')
        .map(str::to_string)
        .collect();
    let mermaid = doc
        .split("```mermaid")
        .nth(1)
        .and_then(|m| m.split("```").next())
        .expect("docs/architecture.md has no mermaid diagram");
    let mut layers: Vec<Vec<String>> = Vec::new();
    for line in mermaid.lines().map(str::trim) {
        if line.starts_with("subgraph ") {
            layers.push(Vec::new());
        } else if line == "end" || line.is_empty() || line.contains("-->") {
            continue;
        } else if let Some(layer) = layers.last_mut() {
            // A node line inside a subgraph: `model` or `model[model]`, several per line.
            for node in line.split_whitespace() {
                let id = node.split('[').next().unwrap();
                layer.push(id.to_string());
            }
        }
    }
    (order, layers)
}

fn top_modules(units: &[Unit]) -> BTreeSet<String> {
    units
        .iter()
        .filter(|u| u.path.len() == 1)
        .map(|u| u.path[0].clone())
        .collect()
}

#[test]
fn every_top_level_module_has_a_place_in_the_declared_order() {
    let (units, _) = crate_graph();
    let (order, _) = declared();
    let tops = top_modules(&units);
    let declared: BTreeSet<String> = order.iter().cloned().collect();
    assert_eq!(
        order.len(),
        declared.len(),
        "a module is named twice: {order:?}"
    );
    let missing: Vec<_> = tops.difference(&declared).collect();
    let extra: Vec<_> = declared.difference(&tops).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "docs/architecture.md's order must name every top-level module of src/ once: \
         not placed: {missing:?}; not a module: {extra:?}"
    );
}

#[test]
fn the_diagram_draws_the_declared_layers_bottom_up() {
    let (order, layers) = declared();
    assert!(layers.len() >= 5, "the diagram has {} layers", layers.len());
    // The diagram lists the layers from the top (commands) down; the order is bottom up.
    let flat: Vec<String> = layers.iter().rev().flatten().cloned().collect();
    let mut sorted_flat = flat.clone();
    sorted_flat.sort();
    let mut sorted_order = order.clone();
    sorted_order.sort();
    assert_eq!(
        sorted_flat, sorted_order,
        "the diagram's modules are not the declared order's"
    );
    // Each layer of the diagram is one run of the order (its modules next to each other).
    let rank: BTreeMap<&str, usize> = order
        .iter()
        .enumerate()
        .map(|(i, m)| (m.as_str(), i))
        .collect();
    let mut last = None;
    for layer in layers.iter().rev() {
        let ranks: Vec<usize> = layer.iter().map(|m| rank[m.as_str()]).collect();
        let (lo, hi) = (*ranks.iter().min().unwrap(), *ranks.iter().max().unwrap());
        assert_eq!(
            hi - lo + 1,
            layer.len(),
            "the diagram's layer {layer:?} is not one run of the declared order"
        );
        if let Some(prev) = last {
            assert!(
                lo > prev,
                "the diagram's layer {layer:?} is drawn above a layer that comes later in the order"
            );
        }
        last = Some(hi);
    }
}

/// An import from a module of a lower layer to one of a higher layer (or a module outside
/// the order): "file (module, layer n) imports crate::x (layer m)".
#[test]
fn no_module_imports_a_higher_layer() {
    let (units, imports) = crate_graph();
    let (order, _) = declared();
    let tops = top_modules(&units);
    let rank: BTreeMap<&str, usize> = order
        .iter()
        .enumerate()
        .map(|(i, m)| (m.as_str(), i))
        .collect();
    let mut climbs = BTreeSet::new();
    for imp in &imports {
        let (Some(a), Some(b)) = (imp.from.first(), imp.to.first()) else {
            continue;
        };
        if a == b || !tops.contains(b) {
            continue;
        }
        let (Some(ra), Some(rb)) = (rank.get(a.as_str()), rank.get(b.as_str())) else {
            continue;
        };
        if rb > ra {
            climbs.insert(format!(
                "{} (module `{a}`, rank {ra}) imports crate::{} (module `{b}`, rank {rb}, a higher layer)",
                rel(&imp.file),
                imp.to.join("::")
            ));
        }
    }
    assert!(
        climbs.is_empty(),
        "imports must point down the layers of docs/architecture.md:\n{}",
        climbs.into_iter().collect::<Vec<_>>().join("\n")
    );
}

/// A strongly connected set of more than one node in `edges` (Tarjan), if any.
fn cycles(
    nodes: &BTreeSet<String>,
    edges: &BTreeMap<String, BTreeSet<String>>,
) -> Vec<Vec<String>> {
    struct T<'a> {
        edges: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<String, usize>,
        low: BTreeMap<String, usize>,
        stack: Vec<String>,
        on: BTreeSet<String>,
        out: Vec<Vec<String>>,
    }
    fn strong(t: &mut T, v: &str) {
        let n = t.index.len();
        t.index.insert(v.to_string(), n);
        t.low.insert(v.to_string(), n);
        t.stack.push(v.to_string());
        t.on.insert(v.to_string());
        let next: Vec<String> = t.edges.get(v).into_iter().flatten().cloned().collect();
        for w in next {
            if !t.index.contains_key(&w) {
                strong(t, &w);
                let lw = t.low[&w];
                let lv = t.low.get_mut(v).unwrap();
                *lv = (*lv).min(lw);
            } else if t.on.contains(&w) {
                let iw = t.index[&w];
                let lv = t.low.get_mut(v).unwrap();
                *lv = (*lv).min(iw);
            }
        }
        if t.low[v] == t.index[v] {
            let mut comp = Vec::new();
            loop {
                let w = t.stack.pop().unwrap();
                t.on.remove(&w);
                comp.push(w.clone());
                if w == v {
                    break;
                }
            }
            if comp.len() > 1 {
                comp.sort();
                t.out.push(comp);
            }
        }
    }
    let mut t = T {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on: BTreeSet::new(),
        out: Vec::new(),
    };
    for v in nodes {
        if !t.index.contains_key(v) {
            strong(&mut t, v);
        }
    }
    t.out
}

/// The same property without the declared order: the top-level modules' import graph has
/// no cycle (what `modcycles.py src` checks), naming the files of every edge of a cycle.
#[test]
fn the_top_level_modules_import_each_other_without_a_cycle() {
    let (units, imports) = crate_graph();
    let tops = top_modules(&units);
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut files: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    for imp in &imports {
        let (Some(a), Some(b)) = (imp.from.first(), imp.to.first()) else {
            continue;
        };
        if a != b && tops.contains(b) {
            edges.entry(a.clone()).or_default().insert(b.clone());
            files
                .entry((a.clone(), b.clone()))
                .or_default()
                .insert(rel(&imp.file));
        }
    }
    let found = cycles(&tops, &edges);
    let described: Vec<String> = found.iter().map(|c| describe(c, &edges, &files)).collect();
    assert!(found.is_empty(), "module cycles:\n{}", described.join("\n"));
}

fn describe(
    comp: &[String],
    edges: &BTreeMap<String, BTreeSet<String>>,
    files: &BTreeMap<(String, String), BTreeSet<String>>,
) -> String {
    let mut lines = vec![format!("cycle of {}: {}", comp.len(), comp.join(" "))];
    for a in comp {
        for b in edges.get(a).into_iter().flatten() {
            if comp.contains(b) {
                let f = &files[&(a.clone(), b.clone())];
                lines.push(format!(
                    "  {a} -> {b}: {}",
                    f.iter().cloned().collect::<Vec<_>>().join(", ")
                ));
            }
        }
    }
    lines.join("\n")
}

/// Circles between the files of one folder that are known: "parent: a, b, c". The list
/// only shrinks: a new circle fails, and so does a listed one that is gone (remove it from
/// here). None is left: the last one, the expression evaluator and its function library
/// (`idpconfig`), was untied by putting the evaluator in its own file above both
/// (`idpconfig/eval.rs` imports `expr` and `functions`; `functions` takes a callback).
const KNOWN_FOLDER_CYCLES: &[&str] = &[];

/// Inside one folder, the files (sibling modules) do not import each other round in a
/// circle: shared facts go to a file both use, not into one of them.
#[test]
fn no_cycle_between_the_files_of_one_folder() {
    let (units, imports) = crate_graph();
    let known: BTreeSet<Vec<String>> = units.iter().map(|u| u.path.clone()).collect();
    let mut problems = Vec::new();
    // Parent module -> its children's import graph.
    let mut by_parent: BTreeMap<Vec<String>, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    let mut files: BTreeMap<(Vec<String>, String, String), BTreeSet<String>> = BTreeMap::new();
    for imp in &imports {
        // The longest common prefix, then the two siblings under it.
        let common = imp
            .from
            .iter()
            .zip(&imp.to)
            .take_while(|(a, b)| a == b)
            .count();
        if common >= imp.from.len() || common >= imp.to.len() {
            continue; // a module naming itself, a parent or a child of its own
        }
        let parent = imp.from[..common].to_vec();
        if parent.is_empty() {
            continue; // top level: the layers' test
        }
        let (a, b) = (imp.from[common].clone(), imp.to[common].clone());
        let mut sibling = parent.clone();
        sibling.push(b.clone());
        if !known.contains(&sibling) {
            continue; // an item of the parent, not a sibling module
        }
        by_parent
            .entry(parent.clone())
            .or_default()
            .entry(a.clone())
            .or_default()
            .insert(b.clone());
        files
            .entry((parent, a, b))
            .or_default()
            .insert(rel(&imp.file));
    }
    let mut seen_known = BTreeSet::new();
    for (parent, edges) in &by_parent {
        let nodes: BTreeSet<String> = edges
            .iter()
            .flat_map(|(a, bs)| std::iter::once(a.clone()).chain(bs.iter().cloned()))
            .collect();
        for comp in cycles(&nodes, edges) {
            let key = format!("{}: {}", parent.join("::"), comp.join(", "));
            if KNOWN_FOLDER_CYCLES.contains(&key.as_str()) {
                seen_known.insert(key);
                continue;
            }
            let mut lines = vec![format!(
                "in {}: {} import each other in a circle",
                parent.join("::"),
                comp.join(", ")
            )];
            for a in &comp {
                for b in edges.get(a).into_iter().flatten() {
                    if comp.contains(b) {
                        let f = &files[&(parent.clone(), a.clone(), b.clone())];
                        lines.push(format!(
                            "  {a} -> {b}: {}",
                            f.iter().cloned().collect::<Vec<_>>().join(", ")
                        ));
                    }
                }
            }
            problems.push(lines.join("\n"));
        }
    }
    for gone in KNOWN_FOLDER_CYCLES
        .iter()
        .filter(|k| !seen_known.contains(**k))
    {
        problems.push(format!(
            "{gone}: no longer a circle, remove it from KNOWN_FOLDER_CYCLES"
        ));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The scanner itself: imports are found in `use` trees and expressions, but not in
/// comments, strings or test code; `super::` is resolved against the module.
#[test]
fn the_scanner_finds_imports_in_code_only() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("x.rs");
    std::fs::write(
        &f,
        r##"//! crate::docs::not_an_import
use crate::{a::b, c::{d, e::F as G}};
use super::sibling::Thing;
fn f() -> String { let _ = crate::h::call(); "crate::in_a_string".into() }
const S: &str = r#"crate::raw"#;
fn g<'a>(x: &'a str) -> char { let _ = 'c'; crate::i::j(x) }
pub(crate) fn k() {}
mod inner { use super::super::up::Y; }
#[cfg(test)]
mod tests { use crate::only_in_tests::X; }
#[cfg(test)]
fn helper() { crate::test_helper::z(); }
fn after() { crate::after_tests::w(); }
"##,
    )
    .unwrap();
    let (imports, _) = scan(&f, &["top".to_string(), "x".to_string()]);
    let got: BTreeSet<String> = imports.iter().map(|i| i.to.join("::")).collect();
    let want: BTreeSet<String> = [
        "a::b",
        "c::d",
        "c::e::F",
        "top::sibling::Thing",
        "h::call",
        "i::j",
        "top::up::Y",
        "after_tests::w",
    ]
    .into_iter()
    .map(str::to_string)
    .collect();
    assert_eq!(got, want);
}

/// Files of `src/` over the cap that are known and being split (issue 24). The list only
/// shrinks, as above.
const KNOWN_LONG_FILES: &[&str] = &[];

/// A file past 600 lines usually holds two concerns: no library file is longer (test-only
/// files aside: they are not modules of the library).
#[test]
fn no_source_file_is_over_600_lines() {
    let (units, _) = crate_graph();
    let mut problems = Vec::new();
    let mut seen_known = BTreeSet::new();
    for u in &units {
        let lines = std::fs::read_to_string(&u.file).unwrap().lines().count();
        let name = rel(&u.file);
        if lines > 600 {
            if KNOWN_LONG_FILES.contains(&name.as_str()) {
                seen_known.insert(name);
            } else {
                problems.push(format!("{name}: {lines} lines (at most 600)"));
            }
        }
    }
    for gone in KNOWN_LONG_FILES
        .iter()
        .filter(|k| !seen_known.contains(**k))
    {
        problems.push(format!(
            "{gone}: no longer over 600 lines, remove it from KNOWN_LONG_FILES"
        ));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
