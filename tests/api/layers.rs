//! The layers import downward only (docs/design.md, "Shape"): `model` nothing of the crate but the
//! clock, the engine and the store `model` (never the world or the HTTP side), the instance registry
//! no HTTP types. Read from the sources, so a new import that crosses a layer fails here.

use std::path::{Path, PathBuf};

fn sources(folder: &str) -> Vec<(PathBuf, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src").join(folder);
    let mut found = Vec::new();
    let mut folders = vec![root.clone()];
    if root.extension().is_some() {
        return vec![(root.clone(), std::fs::read_to_string(&root).unwrap())];
    }
    while let Some(dir) = folders.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                found.push((path, text));
            }
        }
    }
    assert!(!found.is_empty(), "no sources in {folder}");
    found
}

/// The `crate::<module>` paths a source names.
fn crate_paths(text: &str) -> Vec<String> {
    text.match_indices("crate::")
        .map(|(i, _)| text[i + 7..].chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect())
        .collect()
}

#[test]
fn each_layer_imports_only_the_layers_below_it() {
    for (folder, allowed) in [
        ("model", &["clock", "model"][..]),
        ("engine", &["clock", "entropy", "engine", "model"][..]),
        ("store", &["store", "model"][..]),
    ] {
        for (path, text) in sources(folder) {
            for module in crate_paths(&text) {
                assert!(allowed.contains(&module.as_str()), "{} imports crate::{module}", path.display());
            }
        }
    }
    for (path, text) in sources("instances.rs") {
        for http in ["axum", "crate::http", "HeaderMap"] {
            assert!(!text.contains(http), "{} names {http}", path.display());
        }
    }
}
