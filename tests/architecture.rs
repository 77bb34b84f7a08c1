//! The shape of `src/`, checked from the source text (no external tools): no import cycle
//! between files, no cycle between top-level layers, no import against the layer order
//! `main`/`cli` → `web` → `federation` → `services` → `render` → `db` → (`config`, `urls`,
//! `error`), and no function longer than 100 lines. `lib.rs` wires everything and is exempt from
//! the layer order. Run alone with `scripts/check-architecture`.
//!
//! Imports are `use` trees and inline paths (`crate::…`, `super::…`, `self::…`, a child module's
//! name, or a module brought in by `use`), resolved to the file of the longest module prefix,
//! and through `pub use` re-exports to the file that defines the name.
//! Comments, strings and character literals are blanked first so they cannot count.

// A source that cannot be read is a failed test.
#![allow(clippy::expect_used)]

use std::{
    collections::{BTreeMap, BTreeSet, HashMap, VecDeque},
    path::{Path, PathBuf},
};

const MAX_FN_LINES: usize = 100;

/// Layers from the top; a file may import its own layer or any below it.
const LAYERS: &[&[&str]] = &[
    &["main", "cli"],
    &["web"],
    &["federation"],
    &["services"],
    &["render"],
    &["db"],
    &["config", "urls", "error"],
];

type Module = Vec<String>;

struct Token {
    text: String,
    line: usize,
}

/// One file: where it is, its module path, and its tokens.
struct File {
    path: String,
    module: Module,
    tokens: Vec<Token>,
}

/// An import of `to` (a file index) by a file, first seen on `line`.
struct Edge {
    to: usize,
    line: usize,
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("read src")
        .map(|e| e.expect("entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `src/a/b.rs` → `[a, b]`, `src/a/mod.rs` → `[a]`, `src/lib.rs` → `[]`, `src/main.rs` → `[main]`.
fn module_of(relative: &Path) -> Module {
    let mut parts: Module = relative
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if parts.last().is_some_and(|p| p == "mod" || p == "lib") {
        parts.pop();
    }
    parts
}

/// The source with comments, strings and character literals replaced by spaces (newlines kept).
fn blank(source: &str) -> String {
    let chars: Vec<char> = source.chars().collect();
    let mut out = String::with_capacity(source.len());
    let mut i = 0;
    let keep = |c: char| if c == '\n' { '\n' } else { ' ' };
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                out.push(' ');
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(keep(chars[i]));
                    i += 1;
                }
            }
        } else if c == 'r' && (next == Some('#') || next == Some('"')) && !ident_before(&chars, i) {
            let hashes = chars[i + 1..].iter().take_while(|&&h| h == '#').count();
            if chars.get(i + 1 + hashes) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            let end: String = std::iter::once('"')
                .chain("#".repeat(hashes).chars())
                .collect();
            let start = i + 2 + hashes;
            let close = find(&chars, start, &end).unwrap_or(chars.len());
            for &ch in &chars[i..(close + end.chars().count()).min(chars.len())] {
                out.push(keep(ch));
            }
            i = close + end.chars().count();
        } else if c == '"' {
            out.push(' ');
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    out.push(' ');
                    i += 1;
                }
                if i < chars.len() {
                    out.push(keep(chars[i]));
                    i += 1;
                }
            }
            out.push(' ');
            i += 1;
        } else if c == '\'' && char_literal_len(&chars, i) > 0 {
            let len = char_literal_len(&chars, i);
            out.push_str(&" ".repeat(len));
            i += len;
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// Whether an identifier ends right before `i` (`br"…"` counts as a raw string, not `xr"…"`).
fn ident_before(chars: &[char], i: usize) -> bool {
    let ident = |j: usize| chars[j].is_alphanumeric() || chars[j] == '_';
    match i {
        0 => false,
        1 => chars[0] != 'b' && ident(0),
        _ if chars[i - 1] == 'b' => ident(i - 2),
        _ => ident(i - 1),
    }
}

fn find(chars: &[char], from: usize, needle: &str) -> Option<usize> {
    let needle: Vec<char> = needle.chars().collect();
    (from..chars.len()).find(|&i| chars[i..].starts_with(&needle))
}

/// The length of a character literal starting at `i` (`'a'`, `'\n'`, `'\u{7f}'`), or 0 for a
/// lifetime or label.
fn char_literal_len(chars: &[char], i: usize) -> usize {
    match (chars.get(i + 1), chars.get(i + 2)) {
        (Some('\\'), _) => (i + 3..chars.len().min(i + 12))
            .find(|&j| chars[j] == '\'')
            .map_or(0, |j| j - i + 1),
        (Some(_), Some('\'')) => 3,
        _ => 0,
    }
}

fn tokenize(text: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let chars: Vec<char> = line.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            if c.is_alphanumeric() || c == '_' {
                let start = i;
                while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
                let text = chars[start..i].iter().collect();
                tokens.push(Token { text, line: n + 1 });
            } else if c == ':' && chars.get(i + 1) == Some(&':') {
                tokens.push(Token {
                    text: "::".into(),
                    line: n + 1,
                });
                i += 2;
            } else {
                if !c.is_whitespace() {
                    tokens.push(Token {
                        text: c.to_string(),
                        line: n + 1,
                    });
                }
                i += 1;
            }
        }
    }
    tokens
}

fn is_ident(t: &str) -> bool {
    t.chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_')
}

/// Expands a `use` tree (the tokens between `use` and `;`) into paths; a trailing `self` is
/// dropped, so `a::{self, b}` gives `a` and `a::b`. Globs give the module they glob.
fn expand(tokens: &[&str], prefix: &[String], out: &mut Vec<Vec<String>>) {
    let mut path = prefix.to_vec();
    let mut i = 0;
    while i < tokens.len() {
        match tokens[i] {
            "::" | "*" => i += 1,
            "{" => {
                let mut depth = 0;
                let mut start = i + 1;
                for j in i..tokens.len() {
                    match tokens[j] {
                        "{" => depth += 1,
                        "}" => depth -= 1,
                        "," if depth == 1 => {
                            expand(&tokens[start..j], &path, out);
                            start = j + 1;
                        }
                        _ => {}
                    }
                    if depth == 0 {
                        expand(&tokens[start..j], &path, out);
                        return;
                    }
                }
                return;
            }
            "as" => break,
            "self" if !path.is_empty() => i += 1,
            t if is_ident(t) => {
                path.push(t.to_string());
                i += 1;
            }
            _ => i += 1,
        }
    }
    if path.len() > prefix.len() || tokens.contains(&"*") || tokens.contains(&"self") {
        out.push(path);
    }
}

struct Resolver<'a> {
    modules: &'a HashMap<Module, usize>,
    /// Per file, what its `pub use` re-exports: name → the absolute path it stands for. An
    /// import of a re-exported name counts as an import of the file that defines it, so a
    /// folder's `mod.rs` can be its public face without joining every cycle.
    reexports: &'a HashMap<usize, HashMap<String, Module>>,
    /// Names of modules brought in by `use` in the file being read.
    aliases: HashMap<String, Module>,
    is_main: bool,
}

impl Resolver<'_> {
    /// The absolute module path a path starting in `here` names, if it is inside this crate.
    fn absolute(&self, here: &Module, path: &[String]) -> Option<Module> {
        let first = path.first()?;
        let (mut base, rest) = match first.as_str() {
            "crate" if !self.is_main => (vec![], &path[1..]),
            "feder" if self.is_main => (vec![], &path[1..]),
            "self" => (here.clone(), &path[1..]),
            "super" => {
                let mut base = here.clone();
                let mut rest = path;
                while rest.first().is_some_and(|s| s == "super") {
                    base.pop();
                    rest = &rest[1..];
                }
                (base, rest)
            }
            name => {
                let child: Module = here.iter().cloned().chain([name.to_string()]).collect();
                if self.modules.contains_key(&child) && !self.is_main {
                    (here.clone(), path)
                } else if let Some(target) = self.aliases.get(name) {
                    (target.clone(), &path[1..])
                } else {
                    return None;
                }
            }
        };
        base.extend(rest.iter().cloned());
        Some(base)
    }

    /// The file of the longest module prefix of `path`, through re-exports.
    fn file_of(&self, path: &Module) -> Option<usize> {
        let mut path = path.clone();
        for _ in 0..8 {
            let n = (0..=path.len())
                .rev()
                .find(|&n| self.modules.contains_key(&path[..n]))?;
            let file = self.modules[&path[..n]];
            let target = path
                .get(n)
                .and_then(|name| self.reexports.get(&file)?.get(name));
            match target {
                Some(target) if target[..] != path[..=n] => {
                    let mut next = target.clone();
                    next.extend(path[n + 1..].iter().cloned());
                    path = next;
                }
                _ => return Some(file),
            }
        }
        None
    }
}

/// Whether token `i` starts a `use` declaration (and not `+ use<…>` in a signature).
fn starts_use(tokens: &[Token], i: usize) -> bool {
    tokens[i].text == "use"
        && (i == 0 || [";", "{", "}", "]", "pub", ")"].contains(&tokens[i - 1].text.as_str()))
}

/// What `file` re-exports with `pub use`: name → absolute path.
fn reexports(file: &File, modules: &HashMap<Module, usize>) -> HashMap<String, Module> {
    let none = HashMap::new();
    let resolver = Resolver {
        modules,
        reexports: &none,
        aliases: HashMap::new(),
        is_main: false,
    };
    let tokens = &file.tokens;
    let mut found = HashMap::new();
    for i in 0..tokens.len() {
        let public = i > 0
            && (tokens[i - 1].text == "pub"
                || (tokens[i - 1].text == ")"
                    && (1..i).rev().take(4).any(|j| tokens[j].text == "pub")));
        if !public || !starts_use(tokens, i) {
            continue;
        }
        let end = (i..tokens.len())
            .find(|&j| tokens[j].text == ";")
            .unwrap_or(tokens.len());
        let tree: Vec<&str> = tokens[i + 1..end].iter().map(|t| t.text.as_str()).collect();
        let mut paths = Vec::new();
        expand(&tree, &[], &mut paths);
        for path in paths {
            if let Some(absolute) = resolver.absolute(&file.module, &path) {
                found.insert(alias_name(&tree, &path), absolute);
            }
        }
    }
    found
}

/// Every import of `file`: `use` trees and inline paths, as edges to other files.
fn imports(
    file: &File,
    modules: &HashMap<Module, usize>,
    reexports: &HashMap<usize, HashMap<String, Module>>,
) -> Vec<Edge> {
    let mut resolver = Resolver {
        modules,
        reexports,
        aliases: HashMap::new(),
        is_main: file.module == ["main"],
    };
    let here_of_file = if resolver.is_main {
        vec![]
    } else {
        file.module.clone()
    };
    let tokens = &file.tokens;
    let mut edges = Vec::new();
    // Inline modules (`mod tests { … }`) open where their brace does, closing at that depth.
    let mut inline: Vec<(String, i64)> = Vec::new();
    let mut depth = 0i64;
    let mut i = 0;
    while i < tokens.len() {
        let here: Module = here_of_file
            .iter()
            .cloned()
            .chain(inline.iter().map(|(m, _)| m.clone()))
            .collect();
        let t = tokens[i].text.as_str();
        if t == "{" {
            depth += 1;
        } else if t == "}" {
            depth -= 1;
            if inline.last().is_some_and(|(_, d)| *d == depth) {
                inline.pop();
            }
        } else if t == "mod" && tokens.get(i + 2).is_some_and(|t| t.text == "{") {
            inline.push((tokens[i + 1].text.clone(), depth));
        } else if starts_use(tokens, i) {
            let end = (i..tokens.len())
                .find(|&j| tokens[j].text == ";")
                .unwrap_or(tokens.len());
            let tree: Vec<&str> = tokens[i + 1..end].iter().map(|t| t.text.as_str()).collect();
            let mut paths = Vec::new();
            expand(&tree, &[], &mut paths);
            for path in paths {
                let Some(absolute) = resolver.absolute(&here, &path) else {
                    continue;
                };
                if modules.contains_key(&absolute) && !tree.contains(&"*") {
                    // A module brought into scope: the edge is made where it is used.
                    let name = alias_name(&tree, &path);
                    resolver.aliases.insert(name, absolute);
                } else if let Some(to) = resolver.file_of(&absolute) {
                    edges.push(Edge {
                        to,
                        line: tokens[i].line,
                    });
                }
            }
            i = end + 1;
            continue;
        } else if is_ident(t)
            && tokens.get(i + 1).is_some_and(|n| n.text == "::")
            && (i == 0 || tokens[i - 1].text != "::")
        {
            let mut path = vec![t.to_string()];
            let mut j = i + 1;
            while tokens.get(j).is_some_and(|n| n.text == "::")
                && tokens.get(j + 1).is_some_and(|n| is_ident(&n.text))
            {
                path.push(tokens[j + 1].text.clone());
                j += 2;
            }
            if let Some(to) = resolver
                .absolute(&here, &path)
                .and_then(|a| resolver.file_of(&a))
            {
                edges.push(Edge {
                    to,
                    line: tokens[i].line,
                });
            }
            i = j;
            continue;
        }
        i += 1;
    }
    edges
}

/// The name a module is known by after `use … as name` or `use …::name`.
fn alias_name(tree: &[&str], path: &[String]) -> String {
    let last = path.last().cloned().unwrap_or_default();
    tree.windows(3)
        .find(|w| w[1] == "as" && (w[0] == last || w[0] == "self"))
        .map_or(last, |w| w[2].to_string())
}

/// Functions longer than `MAX_FN_LINES`: (line of `fn`, name, lines).
fn long_functions(tokens: &[Token]) -> Vec<(usize, String, usize)> {
    let mut found = Vec::new();
    for i in 0..tokens.len() {
        if tokens[i].text != "fn" || !tokens.get(i + 1).is_some_and(|t| is_ident(&t.text)) {
            continue;
        }
        let mut nesting = 0i32;
        let mut body = None;
        for (j, t) in tokens.iter().enumerate().skip(i + 2) {
            match t.text.as_str() {
                "(" | "[" => nesting += 1,
                ")" | "]" => nesting -= 1,
                ";" if nesting == 0 => break,
                "{" if nesting == 0 => {
                    body = Some(j);
                    break;
                }
                _ => {}
            }
        }
        let Some(open) = body else { continue };
        let mut depth = 0;
        for t in &tokens[open..] {
            match t.text.as_str() {
                "{" => depth += 1,
                "}" => depth -= 1,
                _ => {}
            }
            if depth == 0 {
                let lines = t.line - tokens[i].line + 1;
                if lines > MAX_FN_LINES {
                    found.push((tokens[i].line, tokens[i + 1].text.clone(), lines));
                }
                break;
            }
        }
    }
    found
}

fn layer_of(module: &Module) -> Option<(usize, String)> {
    let top = module.first()?;
    LAYERS
        .iter()
        .position(|layer| layer.contains(&top.as_str()))
        .map(|rank| (rank, top.clone()))
}

/// Strongly connected components with more than one member (Tarjan, iteratively simple
/// enough for a few hundred nodes by repeated reachability).
fn cycles(nodes: usize, edges: &BTreeMap<usize, BTreeSet<usize>>) -> Vec<Vec<usize>> {
    let reach = |from: usize| {
        let mut seen = BTreeSet::new();
        let mut queue = VecDeque::from([from]);
        while let Some(n) = queue.pop_front() {
            for &m in edges.get(&n).into_iter().flatten() {
                if seen.insert(m) {
                    queue.push_back(m);
                }
            }
        }
        seen
    };
    let reachable: Vec<BTreeSet<usize>> = (0..nodes).map(reach).collect();
    let mut done = BTreeSet::new();
    let mut components = Vec::new();
    for n in 0..nodes {
        if done.contains(&n) || !reachable[n].contains(&n) {
            continue;
        }
        let component: Vec<usize> = (0..nodes)
            .filter(|&m| m == n || (reachable[n].contains(&m) && reachable[m].contains(&n)))
            .collect();
        done.extend(component.iter().copied());
        if component.len() > 1 {
            components.push(component);
        }
    }
    components
}

/// A shortest cycle through `start` (which is on one), as a list of nodes ending in `start`.
fn one_cycle(start: usize, edges: &BTreeMap<usize, BTreeSet<usize>>) -> Vec<usize> {
    let mut previous: HashMap<usize, usize> = HashMap::new();
    let mut queue = VecDeque::from([start]);
    while let Some(n) = queue.pop_front() {
        for &m in edges.get(&n).into_iter().flatten() {
            if m == start {
                let mut path = vec![start, n];
                let mut at = n;
                while let Some(&p) = previous.get(&at) {
                    path.push(p);
                    at = p;
                }
                if path.last() != Some(&start) {
                    path.push(start);
                }
                path.reverse();
                return path;
            }
            if let std::collections::hash_map::Entry::Vacant(e) = previous.entry(m) {
                e.insert(n);
                queue.push_back(m);
            }
        }
    }
    vec![start]
}

fn load() -> Vec<File> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let src = root.join("src");
    let mut paths = Vec::new();
    rust_files(&src, &mut paths);
    paths
        .into_iter()
        .map(|path| {
            let relative = path.strip_prefix(&src).expect("below src");
            let source = std::fs::read_to_string(&path).expect("read source");
            File {
                path: format!("src/{}", relative.display()),
                module: module_of(relative),
                tokens: tokenize(&blank(&source)),
            }
        })
        .collect()
}

#[test]
fn layers_cycles_and_function_lengths() {
    let files = load();
    let modules: HashMap<Module, usize> = files
        .iter()
        .enumerate()
        .map(|(i, f)| (f.module.clone(), i))
        .collect();
    let reexported: HashMap<usize, HashMap<String, Module>> = files
        .iter()
        .enumerate()
        .map(|(i, f)| (i, reexports(f, &modules)))
        .collect();
    let mut graph: BTreeMap<usize, BTreeSet<usize>> = BTreeMap::new();
    let mut upward: BTreeSet<String> = BTreeSet::new();
    let mut layer_graph: BTreeMap<usize, BTreeSet<usize>> = BTreeMap::new();
    for (from, file) in files.iter().enumerate() {
        for edge in imports(file, &modules, &reexported) {
            if edge.to == from {
                continue;
            }
            graph.entry(from).or_default().insert(edge.to);
            let (Some((a, name_a)), Some((b, name_b))) =
                (layer_of(&file.module), layer_of(&files[edge.to].module))
            else {
                continue; // lib.rs
            };
            if name_a != name_b {
                layer_graph.entry(a).or_default().insert(b);
            }
            if b < a {
                upward.insert(format!(
                    "{} ({name_a}) uses {} ({name_b}), line {}",
                    file.path, files[edge.to].path, edge.line
                ));
            }
        }
    }
    let mut report = Vec::new();
    let file_cycles: Vec<String> = cycles(files.len(), &graph)
        .into_iter()
        .map(|component| {
            let cycle = one_cycle(component[0], &graph);
            let names: Vec<&str> = cycle.iter().map(|&n| files[n].path.as_str()).collect();
            format!(
                "{} ({} files in the cycle)",
                names.join(" → "),
                component.len()
            )
        })
        .collect();
    section(&mut report, "import cycles between files", file_cycles);
    let layer_name = |n: usize| LAYERS[n].join("/");
    let layer_cycles = cycles(LAYERS.len(), &layer_graph)
        .into_iter()
        .map(|c| {
            let cycle = one_cycle(c[0], &layer_graph);
            cycle
                .into_iter()
                .map(layer_name)
                .collect::<Vec<_>>()
                .join(" → ")
        })
        .collect();
    section(&mut report, "cycles between layers", layer_cycles);
    let mut upward: Vec<String> = upward.into_iter().collect();
    dedup_by_pair(&mut upward);
    section(&mut report, "imports against the layer order", upward);
    let long = files
        .iter()
        .flat_map(|f| {
            long_functions(&f.tokens)
                .into_iter()
                .map(move |(line, name, n)| format!("{}:{line} fn {name}: {n} lines", f.path))
        })
        .collect();
    section(&mut report, "functions over 100 lines", long);
    let plain = files
        .iter()
        .filter(|f| !f.path.starts_with("src/db/"))
        .flat_map(|f| {
            plain_begins(&f.tokens)
                .into_iter()
                .filter(|_| !PLAIN_BEGIN.iter().any(|(path, _)| *path == f.path))
                .map(move |line| format!("{}:{line}", f.path))
        })
        .collect();
    section(
        &mut report,
        "transactions begun plainly (db::begin_write takes SQLite's write lock at BEGIN)",
        plain,
    );
    println!("checked {} files", files.len());
    assert!(report.is_empty(), "architecture:\n{}", report.join("\n"));
}

/// Files that may begin a transaction plainly, and why. Elsewhere a service transaction
/// begins with `db::begin_write`: a plain one that reads first asks for SQLite's write lock
/// with a snapshot in hand, and is refused at once ("database is locked") when another
/// connection writes meanwhile.
const PLAIN_BEGIN: &[(&str, &str)] = &[(
    "src/services/comments.rs",
    "insert_remote writes first, so it takes the lock at once; IMMEDIATE cost ingest ~10 %",
)];

/// Lines with `.begin()`.
fn plain_begins(tokens: &[Token]) -> Vec<usize> {
    tokens
        .windows(4)
        .filter(|w| {
            w[0].text == "." && w[1].text == "begin" && w[2].text == "(" && w[3].text == ")"
        })
        .map(|w| w[1].line)
        .collect()
}

/// Keeps the first line of each (file, imported file) pair.
fn dedup_by_pair(lines: &mut Vec<String>) {
    let mut seen = BTreeSet::new();
    lines.retain(|l| {
        seen.insert(
            l.rsplit_once(", line ")
                .map_or(l.clone(), |(p, _)| p.into()),
        )
    });
}

fn section(report: &mut Vec<String>, title: &str, items: Vec<String>) {
    if items.is_empty() {
        return;
    }
    report.push(format!("{title} ({}):", items.len()));
    report.extend(items.into_iter().map(|i| format!("  {i}")));
}

/// The checker itself, on sources made for it: each rule must be able to fail.
#[test]
fn the_checker_sees_what_it_should() {
    let source = r##"
        use crate::{db::{self, entities::post}, services::Site as S};
        // use crate::web::ignored;
        fn short() { let s = "crate::web::not_code {"; let c = '{'; let r = r#"}"#; }
        fn f<'a>(x: &'a [u8; 2]) -> impl Fn() + use<'a> { db::connect(); super::sibling::x() }
        mod tests { use super::*; }
    "##;
    let tokens = tokenize(&blank(source));
    let file = File {
        path: "src/services/x.rs".into(),
        module: vec!["services".into(), "x".into()],
        tokens,
    };
    let modules: HashMap<Module, usize> = [
        (vec![], 0),
        (vec!["db".into()], 1),
        (vec!["db".into(), "entities".into()], 2),
        (vec!["services".into()], 3),
        (vec!["services".into(), "x".into()], 4),
        (vec!["services".into(), "sibling".into()], 5),
        (vec!["web".into()], 6),
    ]
    .into_iter()
    .collect();
    let none = HashMap::new();
    let targets: BTreeSet<usize> = imports(&file, &modules, &none)
        .iter()
        .map(|e| e.to)
        .collect();
    assert_eq!(targets, BTreeSet::from([1, 2, 3, 4, 5]));
    // `services::Site`, re-exported by services/mod.rs from services/sibling.rs, is sibling's.
    let reexported = HashMap::from([(
        3,
        HashMap::from([(
            "Site".to_string(),
            vec!["services".into(), "sibling".into(), "Site".into()],
        )]),
    )]);
    let targets: BTreeSet<usize> = imports(&file, &modules, &reexported)
        .iter()
        .map(|e| e.to)
        .collect();
    assert_eq!(targets, BTreeSet::from([1, 2, 4, 5]));
    let long = format!("fn long() {{\n{}}}\nfn ok() {{\n}}\n", "x();\n".repeat(100));
    let found = long_functions(&tokenize(&blank(&long)));
    assert_eq!(found, vec![(1, "long".to_string(), 102)]);
    let graph = BTreeMap::from([
        (0, BTreeSet::from([1])),
        (1, BTreeSet::from([2])),
        (2, BTreeSet::from([0])),
    ]);
    assert_eq!(cycles(4, &graph), vec![vec![0, 1, 2]]);
    assert_eq!(one_cycle(0, &graph), vec![0, 1, 2, 0]);
}
