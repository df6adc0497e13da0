//! Fresh worlds' database images, kept on disk between runs. Making a world (its schema, some 900
//! rows of invented history and demo lists) is most of a new instance's start; the same fixtures,
//! seed and clock make the same image, so a start that has made one before reads it instead. A
//! world of another seed or clock starts from the fixtures' base image (the schema and the
//! configuration), so only its drawn rows are made.
//! Images live in the user's cache folder (`$XDG_CACHE_HOME/ucontact-mock/images`, else
//! `~/.cache/ucontact-mock/images`, made private to the user), named by a key that covers all they
//! are made from, this build of the binary included; the newest few are kept. Without a cache folder,
//! or when this build cannot be told apart, nothing is kept.

use std::path::PathBuf;

/// How many images the folder keeps (the newest).
const KEPT: usize = 16;

/// The folder of the images, when the user has a cache folder.
fn folder() -> Option<PathBuf> {
    let cache = match std::env::var_os("XDG_CACHE_HOME").filter(|v| !v.is_empty()) {
        Some(cache) => PathBuf::from(cache),
        None => PathBuf::from(std::env::var_os("HOME").filter(|v| !v.is_empty())?).join(".cache"),
    };
    Some(cache.join("ucontact-mock").join("images"))
}

/// This build of the running program: its path, size and modification time. Any rebuild changes
/// it, so no image outlives the code that made it. `None` when it cannot be read.
pub fn build_identity() -> Option<&'static str> {
    static IDENTITY: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    IDENTITY
        .get_or_init(|| {
            let exe = std::env::current_exe().ok()?;
            let meta = std::fs::metadata(&exe).ok()?;
            let modified = meta.modified().ok()?.duration_since(std::time::UNIX_EPOCH).ok()?.as_nanos();
            Some(format!("{} {} {modified} {}", exe.display(), meta.len(), env!("CARGO_PKG_VERSION")))
        })
        .as_deref()
}

/// The name an image made from `inputs` (everything it depends on, as text) is kept under.
pub fn key(inputs: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, inputs.as_bytes());
    digest.as_ref()[..16].iter().map(|b| format!("{b:02x}")).collect()
}

/// The image stored under `key`, when there is a whole one.
pub fn load(key: &str) -> Option<Vec<u8>> {
    let bytes = std::fs::read(folder()?.join(format!("{key}.db"))).ok()?;
    // A SQLite database: its header, and whole pages of the size the header gives.
    let page = u16::from_be_bytes([*bytes.get(16)?, *bytes.get(17)?]);
    let page = if page == 1 { 65_536 } else { usize::from(page) };
    let whole = bytes.starts_with(b"SQLite format 3\0") && page >= 512 && bytes.len().is_multiple_of(page);
    whole.then_some(bytes)
}

/// Keeps `image` under `key` (written whole, then renamed into place; failures only cost speed).
pub fn save(key: &str, image: &[u8]) {
    let Some(folder) = folder() else { return };
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    if builder.create(&folder).is_err() {
        return;
    }
    let part = folder.join(format!("{key}.{}.part", std::process::id()));
    if std::fs::write(&part, image).is_err() || std::fs::rename(&part, folder.join(format!("{key}.db"))).is_err() {
        let _ = std::fs::remove_file(&part);
        return;
    }
    let Ok(entries) = std::fs::read_dir(&folder) else { return };
    let mut images: Vec<(std::time::SystemTime, PathBuf)> = entries
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "db"))
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .collect();
    images.sort();
    let excess = images.len().saturating_sub(KEPT);
    for (_, old) in &images[..excess] {
        let _ = std::fs::remove_file(old);
    }
}
