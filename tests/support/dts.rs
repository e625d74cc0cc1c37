//! Checks JSON made by the Rust types against the TypeScript declarations the package ships
//! (the `typescript_custom_section` texts in `src/wasm/`). A field the Rust side sends but the
//! declarations do not name, a declared field that is missing, or a value of another type is an
//! error — so the `.d.ts` cannot drift from the types.
//!
//! The parser knows the subset the declarations use: `export interface X { … }`, `export type
//! X = …;`, object literals, unions, string literals, `T[]`, `[k: string]: unknown` and the
//! primitive names. Written by hand because no crate checks values against TypeScript text.
#![allow(dead_code)]

use std::collections::HashMap;

use serde_json::Value;

/// Named types: interface and type-alias bodies as TypeScript text.
pub struct Declarations(HashMap<String, String>);

fn strip_comments(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("/*") {
        out.push_str(&rest[..start]);
        rest = rest[start..]
            .find("*/")
            .map_or("", |end| &rest[start + end + 2..]);
    }
    out.push_str(rest);
    out
}

/// The text between the brace at `open` and its partner, and the index after the partner.
fn braced(text: &str, open: usize) -> (&str, usize) {
    let mut depth = 0;
    for (i, c) in text[open..].char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return (&text[open + 1..open + i], open + i + 1);
                }
            }
            _ => {}
        }
    }
    panic!("unbalanced braces in the declarations")
}

/// Splits `text` at `sep` outside braces, brackets, parentheses and strings.
fn split_top(text: &str, sep: char) -> Vec<String> {
    let (mut parts, mut depth, mut quoted, mut current) = (Vec::new(), 0i32, false, String::new());
    for c in text.chars() {
        match c {
            '"' => quoted = !quoted,
            '{' | '[' | '(' | '<' if !quoted => depth += 1,
            '}' | ']' | ')' | '>' if !quoted => depth -= 1,
            _ => {}
        }
        if c == sep && depth == 0 && !quoted {
            parts.push(std::mem::take(&mut current));
        } else {
            current.push(c);
        }
    }
    parts.push(current);
    parts
        .into_iter()
        .map(|p| p.trim().to_owned())
        .filter(|p| !p.is_empty())
        .collect()
}

impl Declarations {
    /// Every declaration the package ships: the TypeScript sections of `src/wasm/` under the
    /// repository root `root`.
    pub fn of_package(root: &str) -> Self {
        let files: Vec<String> = [
            "mod.rs",
            "sse_parser.rs",
            "stream_session.rs",
            "card_renderer.rs",
            "backend_client.rs",
        ]
        .iter()
        .map(|f| format!("{root}/src/wasm/{f}"))
        .collect();
        Self::from_sources(&files.iter().map(String::as_str).collect::<Vec<_>>())
    }

    /// Every declaration in the TypeScript sections of these Rust source files.
    pub fn from_sources(files: &[&str]) -> Self {
        let mut all = HashMap::new();
        for file in files {
            let source = std::fs::read_to_string(file).unwrap();
            let mut rest = source.as_str();
            while let Some(start) = rest.find("r#\"") {
                let end = rest[start..].find("\"#").unwrap() + start;
                let ts = strip_comments(&rest[start + 3..end]);
                Self::parse(&ts, &mut all);
                rest = &rest[end + 2..];
            }
        }
        assert!(all.len() > 10, "found only {:?}", all.keys());
        Declarations(all)
    }

    fn parse(ts: &str, out: &mut HashMap<String, String>) {
        let mut at = 0;
        while let Some(found) = ts[at..].find("export ") {
            let start = at + found + "export ".len();
            let text = &ts[start..];
            if let Some(rest) = text.strip_prefix("interface ") {
                let name: String = rest.chars().take_while(|c| c.is_alphanumeric()).collect();
                let open = start + ts[start..].find('{').unwrap();
                let (body, after) = braced(ts, open);
                out.insert(name, format!("{{{body}}}"));
                at = after;
            } else if let Some(rest) = text.strip_prefix("type ") {
                let name: String = rest.chars().take_while(|c| c.is_alphanumeric()).collect();
                let eq = start + ts[start..].find('=').unwrap();
                // The alias ends at the first `;` outside braces.
                let mut depth = 0;
                let mut end = ts.len();
                for (i, c) in ts[eq..].char_indices() {
                    match c {
                        '{' => depth += 1,
                        '}' => depth -= 1,
                        ';' if depth == 0 => {
                            end = eq + i;
                            break;
                        }
                        _ => {}
                    }
                }
                out.insert(name, ts[eq + 1..end].trim().to_owned());
                at = end;
            } else {
                at = start;
            }
        }
    }

    /// Checks `value` against the type written `ty`; returns the problems found, each with
    /// the JSON path.
    pub fn check(&self, value: &Value, ty: &str) -> Vec<String> {
        let mut problems = Vec::new();
        self.check_at("$", value, ty.trim(), &mut problems);
        problems
    }

    fn check_at(&self, path: &str, value: &Value, ty: &str, problems: &mut Vec<String>) {
        let alternatives = split_top(ty, '|');
        if alternatives.len() > 1 {
            // A union: some alternative must fit without problems.
            let fits = alternatives.iter().any(|alt| {
                let mut trial = Vec::new();
                self.check_at(path, value, alt, &mut trial);
                trial.is_empty()
            });
            if !fits {
                problems.push(format!("{path}: {value} fits none of {ty}"));
            }
            return;
        }
        let ty = ty.trim();
        if let Some(item) = ty.strip_suffix("[]") {
            match value.as_array() {
                Some(items) => items
                    .iter()
                    .enumerate()
                    .for_each(|(i, v)| self.check_at(&format!("{path}[{i}]"), v, item, problems)),
                None => problems.push(format!("{path}: expected an array ({ty}), got {value}")),
            }
            return;
        }
        if ty.starts_with('{') {
            self.check_object(path, value, &ty[1..ty.len() - 1], problems);
            return;
        }
        if let Some(inner) = ty
            .strip_prefix("Record<string,")
            .and_then(|t| t.strip_suffix('>'))
        {
            match value.as_object() {
                Some(map) => map.iter().for_each(|(k, v)| {
                    self.check_at(&format!("{path}.{k}"), v, inner, problems);
                }),
                None => problems.push(format!("{path}: expected an object ({ty}), got {value}")),
            }
            return;
        }
        let ok = match ty {
            "string" => value.is_string(),
            "number" => value.is_number(),
            "boolean" => value.is_boolean(),
            "null" => value.is_null(),
            "true" => value == &Value::Bool(true),
            "false" => value == &Value::Bool(false),
            "unknown" => true,
            literal if literal.starts_with('"') => {
                value.as_str() == Some(&literal[1..literal.len() - 1])
            }
            name => match self.0.get(name) {
                Some(body) => {
                    self.check_at(path, value, body, problems);
                    return;
                }
                None => {
                    problems.push(format!("{path}: the declarations do not define {name}"));
                    return;
                }
            },
        };
        if !ok {
            problems.push(format!("{path}: expected {ty}, got {value}"));
        }
    }

    fn check_object(&self, path: &str, value: &Value, body: &str, problems: &mut Vec<String>) {
        let Some(object) = value.as_object() else {
            problems.push(format!("{path}: expected an object, got {value}"));
            return;
        };
        let mut declared = HashMap::new();
        let mut open_ended = false;
        for field in split_top(body, ';').iter().flat_map(|f| split_top(f, '\n')) {
            let field = field.trim().trim_end_matches(',');
            if field.starts_with('[') {
                open_ended = true; // `[k: string]: unknown`
                continue;
            }
            let Some((name, ty)) = field.split_once(':') else {
                continue;
            };
            let (name, optional) = match name.trim().strip_suffix('?') {
                Some(name) => (name.trim().to_owned(), true),
                None => (name.trim().to_owned(), false),
            };
            declared.insert(name, (optional, ty.trim().to_owned()));
        }
        for (key, item) in object {
            match declared.get(key) {
                Some((_, ty)) => self.check_at(&format!("{path}.{key}"), item, ty, problems),
                None if open_ended => {}
                None => problems.push(format!("{path}.{key}: sent but not declared")),
            }
        }
        for (name, (optional, _)) in &declared {
            if !optional && !object.contains_key(name) {
                problems.push(format!("{path}.{name}: declared but not sent"));
            }
        }
    }
}
