//! The configuration reference (`docs/src/configuration.md`) documents every key that
//! `alertd generate-config` prints, under the heading of its table.
//!
//! Keys are taken from the parsed TOML and from the commented-out examples (`# key = value`
//! lines, which are documented options too). A key of table `a.b` must appear as a table row
//! starting with ``| `key` |`` in the section under the heading `## [a.b]` or `## [[a.b]]`.

#![allow(clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

const CONFIGURATION_MD: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/src/configuration.md");

fn configuration_md() -> String {
    std::fs::read_to_string(CONFIGURATION_MD).expect("read docs/src/configuration.md")
}

/// Tables whose keys are the user's own (label names), not options.
const FREE_FORM: &[&str] = &["mqtt.topics.labels", "price_streams.labels"];

fn generate_config() -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_alertd"))
        .arg("generate-config")
        .env_remove("ALERTD_CONFIG")
        .output()
        .expect("run alertd generate-config");
    assert!(
        out.status.success(),
        "alertd generate-config failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("generate-config prints UTF-8")
}

/// Adds every `(table path, key)` under `path` in `table`, descending into tables, arrays of
/// tables and inline tables.
fn walk(path: &str, table: &toml::Table, keys: &mut BTreeSet<(String, String)>) {
    if FREE_FORM.contains(&path) {
        return;
    }
    for (key, value) in table {
        keys.insert((path.to_owned(), key.clone()));
        let child = if path.is_empty() {
            key.clone()
        } else {
            format!("{path}.{key}")
        };
        match value {
            toml::Value::Table(t) => walk(&child, t, keys),
            toml::Value::Array(items) => {
                for item in items {
                    if let toml::Value::Table(t) = item {
                        walk(&child, t, keys);
                    }
                }
            }
            _ => {}
        }
    }
}

/// `[a.b]` or `[[a.b]]` (after any leading `#`s) as `a.b`.
fn header_path(line: &str) -> Option<String> {
    let line = line.trim();
    let inner = line.strip_prefix('[')?.strip_suffix(']')?;
    let inner = inner.trim_start_matches('[').trim_end_matches(']').trim();
    let valid = !inner.is_empty()
        && inner
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
    valid.then(|| inner.to_owned())
}

/// The keys of commented-out examples: a line that, without its leading `#`s, is a TOML
/// `key = value` belongs to the table whose header (commented or not) came last.
fn commented_keys(text: &str, keys: &mut BTreeSet<(String, String)>) {
    let mut table = String::new();
    for line in text.lines() {
        let bare = line.trim_start_matches(|c: char| c == '#' || c.is_whitespace());
        if let Some(path) = header_path(bare) {
            table = path;
            continue;
        }
        if !line.trim_start().starts_with('#') {
            continue;
        }
        let is_assignment = bare.split_once('=').is_some_and(|(k, _)| {
            let k = k.trim();
            !k.is_empty() && k.chars().all(|c| c.is_ascii_lowercase() || c == '_')
        });
        if !is_assignment {
            continue;
        }
        if let Ok(parsed) = toml::from_str::<toml::Table>(bare) {
            walk(&table, &parsed, keys);
        }
    }
}

/// Every key of the generated config, as `(table path, key)`.
fn generated_keys() -> BTreeSet<(String, String)> {
    let text = generate_config();
    let parsed: toml::Table = toml::from_str(&text).expect("generate-config prints valid TOML");
    let mut keys = BTreeSet::new();
    walk("", &parsed, &mut keys);
    commented_keys(&text, &mut keys);
    // A top-level table's name is the table itself, documented by its heading.
    keys.retain(|(table, _)| !table.is_empty());
    keys
}

/// The documented keys: table path -> keys in rows starting with ``| `key` |``.
fn documented_keys(markdown: &str) -> BTreeMap<String, BTreeSet<String>> {
    let mut doc: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut section: Option<String> = None;
    for line in markdown.lines() {
        if let Some(heading) = line.strip_prefix("## ") {
            section = header_path(heading);
            continue;
        }
        let Some(table) = &section else { continue };
        let Some(rest) = line.trim_start().strip_prefix("| `") else {
            continue;
        };
        if let Some((key, after)) = rest.split_once('`')
            && after.trim_start().starts_with('|')
        {
            doc.entry(table.clone()).or_default().insert(key.to_owned());
        }
    }
    doc
}

#[test]
fn configuration_reference_documents_every_generated_key() {
    let generated = generated_keys();
    assert!(
        generated.len() > 50,
        "too few keys found in generate-config's output: {generated:?}"
    );
    let documented = documented_keys(&configuration_md());
    let missing: Vec<String> = generated
        .iter()
        .filter(|(table, key)| !documented.get(table).is_some_and(|keys| keys.contains(key)))
        .map(|(table, key)| format!("`{key}` of table `{table}`"))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/src/configuration.md does not document {} key(s) that `alertd generate-config` prints \
         (add a row | `key` | default | meaning | under the table's heading):\n  {}",
        missing.len(),
        missing.join("\n  ")
    );
}

#[test]
fn commented_examples_are_read_with_their_table() {
    let text = "[server]\n# public_url = \"x\"  # note\n# [[mqtt.topics]]\n# # api_key = \"SK\"\n\
                # labels = { site = \"a\" }\n# Durations are text: \"0s\".\n";
    let mut keys = BTreeSet::new();
    commented_keys(text, &mut keys);
    let keys: Vec<(&str, &str)> = keys.iter().map(|(t, k)| (t.as_str(), k.as_str())).collect();
    assert_eq!(
        keys,
        [
            ("mqtt.topics", "api_key"),
            ("mqtt.topics", "labels"),
            ("server", "public_url")
        ]
    );
}

#[test]
fn a_key_missing_from_the_doc_is_reported() {
    let doc = documented_keys("## [server]\n\n| key | default |\n|---|---|\n| `listen` | x |\n");
    assert!(doc["server"].contains("listen"));
    assert!(!doc["server"].contains("public_url"));
    let pruned = configuration_md().replace("| `group_wait` |", "| group_wait |");
    let documented = documented_keys(&pruned);
    assert!(!documented["route"].contains("group_wait"));
    assert!(documented["route"].contains("group_interval"));
}
