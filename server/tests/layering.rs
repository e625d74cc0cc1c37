//! The module graph of `server/src`: no import cycle, and the stores (which the routes call)
//! never reach back into a route module, the HTTP error type or the application state.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The top-level modules each top-level module names through `crate::…` (in `use` lines,
/// groups `crate::{a, b::c}` included, and in paths in code).
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut files = vec![src.clone()];
    while let Some(path) = files.pop() {
        if path.is_dir() {
            files.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
            continue;
        }
        let relative = path
            .strip_prefix(&src)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let module = relative
            .split('/')
            .next()
            .unwrap()
            .trim_end_matches(".rs")
            .to_owned();
        if module == "main" || module == "lib" {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let deps = graph.entry(module.clone()).or_default();
        for (at, _) in text.match_indices("crate::") {
            let rest = &text[at + "crate::".len()..];
            let names: Vec<&str> = match rest.strip_prefix('{') {
                Some(group) => group[..group.find('}').unwrap()]
                    .split(',')
                    .map(|item| item.trim().split("::").next().unwrap())
                    .collect(),
                None => vec![rest
                    .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
                    .next()
                    .unwrap()],
            };
            for name in names {
                if !name.is_empty() && name != module && name != "self" {
                    deps.insert(name.to_owned());
                }
            }
        }
    }
    graph
}

#[test]
fn server_modules_have_no_import_cycle() {
    let graph = graph();
    assert!(graph.len() > 10, "{graph:?}");
    // Depth-first search with colours: reaching a module still on the stack is a cycle.
    fn visit<'a>(
        module: &'a str,
        graph: &'a BTreeMap<String, BTreeSet<String>>,
        stack: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) {
        if done.contains(module) {
            return;
        }
        if let Some(at) = stack.iter().position(|m| *m == module) {
            panic!("import cycle: {} -> {module}", stack[at..].join(" -> "));
        }
        stack.push(module);
        for dep in graph.get(module).into_iter().flatten() {
            visit(dep, graph, stack, done);
        }
        stack.pop();
        done.insert(module);
    }
    let mut done = BTreeSet::new();
    for module in graph.keys() {
        visit(module, &graph, &mut Vec::new(), &mut done);
    }
}

#[test]
fn stores_depend_on_records_not_on_routes() {
    let graph = graph();
    let stores = &graph["stores"];
    for http in [
        "app",
        "projects",
        "env_vars",
        "integrations",
        "demo",
        "state",
        "auth",
        "json",
        "error",
    ] {
        assert!(!stores.contains(http), "stores imports {http}: {stores:?}");
    }
    assert!(stores.contains("project"), "the plain project record");
}

/// The Postgres migrations are the SQLite ones with SQLite's BLOB spelled BYTEA: one source,
/// checked here, so the two cannot drift.
#[test]
fn postgres_migrations_are_the_sqlite_ones() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let names = |sub: &str| {
        let mut names: Vec<String> = std::fs::read_dir(dir.join(sub))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    assert_eq!(names("sqlite"), names("postgres"));
    assert!(names("sqlite").len() >= 6);
    for name in names("sqlite") {
        let sqlite = std::fs::read_to_string(dir.join("sqlite").join(&name)).unwrap();
        let postgres = std::fs::read_to_string(dir.join("postgres").join(&name)).unwrap();
        assert_eq!(sqlite.replace(" BLOB", " BYTEA"), postgres, "{name}");
    }
}
