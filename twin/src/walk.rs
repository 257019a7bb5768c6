//! Walking the scan root: every regular file is listed once with its size; symlinks, huge
//! files and unreadable entries are recorded as skipped with the reason, so a later step can
//! tell the user exactly what the twin did not see.
//!
//! Symlinks are never followed (neither out of the tree nor into loops): `symlink_metadata`
//! decides, and the link is named in the skipped list. Nothing here writes.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use drtwin_model::Skipped;
use tracing::debug;

use crate::ScanOptions;

/// A regular file under the root.
#[derive(Clone, Debug)]
pub struct FileEntry {
    pub absolute: PathBuf,
    pub size: u64,
}

/// The files of the tree, by path relative to the root (with `/` separators), and what was
/// skipped.
#[derive(Debug, Default)]
pub struct Tree {
    pub root: PathBuf,
    pub files: BTreeMap<String, FileEntry>,
    pub skipped: Vec<Skipped>,
    /// Files some reader used (so the rest can be reported once as unknown).
    pub used: BTreeSet<String>,
    /// Warnings about files that were read all the same (invalid UTF-8 replaced), once each,
    /// for `twin.unlinked`: such a file is not skipped, its facts are in the twin.
    pub notes: BTreeSet<String>,
    max_file_bytes: u64,
}

impl Tree {
    /// Lists the tree under `root`. Fails only when the root itself cannot be listed.
    pub fn walk(root: &Path, options: &ScanOptions) -> std::io::Result<Tree> {
        let mut tree = Tree {
            root: root.to_path_buf(),
            max_file_bytes: options.max_file_bytes,
            ..Tree::default()
        };
        std::fs::read_dir(root)?;
        let mut pending = vec![root.to_path_buf()];
        while let Some(folder) = pending.pop() {
            let entries = match std::fs::read_dir(&folder) {
                Ok(entries) => entries,
                Err(error) => {
                    let path = tree.relative(&folder);
                    tree.skip(&path, &format!("folder is unreadable: {error}"));
                    continue;
                }
            };
            let mut children: Vec<PathBuf> =
                entries.filter_map(|entry| entry.ok().map(|entry| entry.path())).collect();
            children.sort();
            for child in children {
                let relative = tree.relative(&child);
                let metadata = match std::fs::symlink_metadata(&child) {
                    Ok(metadata) => metadata,
                    Err(error) => {
                        tree.skip(&relative, &format!("unreadable: {error}"));
                        continue;
                    }
                };
                let file_type = metadata.file_type();
                if file_type.is_symlink() {
                    tree.skip(&relative, "symbolic link; drtwin does not follow links");
                } else if file_type.is_dir() {
                    pending.push(child);
                } else if file_type.is_file() {
                    tree.files
                        .insert(relative, FileEntry { absolute: child, size: metadata.len() });
                } else {
                    tree.skip(&relative, "not a regular file");
                }
            }
        }
        debug!(files = tree.files.len(), "walked the scan root");
        Ok(tree)
    }

    fn relative(&self, path: &Path) -> String {
        let relative = path.strip_prefix(&self.root).unwrap_or(path);
        relative.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/")
    }

    /// Records a skipped path once, with its reason.
    pub fn skip(&mut self, path: &str, reason: &str) {
        if self.skipped.iter().any(|skipped| skipped.path == path) {
            return;
        }
        debug!(path, reason, "skipped");
        self.skipped.push(Skipped { path: path.to_string(), reason: reason.to_string() });
    }

    pub fn exists(&self, path: &str) -> bool {
        self.files.contains_key(path)
    }

    /// Paths of files directly or indirectly under `folder` (no trailing slash).
    pub fn under<'a>(&'a self, folder: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        let prefix = if folder.is_empty() { String::new() } else { format!("{folder}/") };
        self.files.keys().filter(move |path| path.starts_with(&prefix)).map(String::as_str)
    }

    /// The file's bytes, or `None` with the reason recorded as skipped.
    pub fn read_bytes(&mut self, path: &str) -> Option<Vec<u8>> {
        let entry = self.files.get(path)?.clone();
        if entry.size > self.max_file_bytes {
            let reason = format!(
                "larger than the {} byte limit ({} bytes); raise --max-file-bytes to read it",
                self.max_file_bytes, entry.size
            );
            self.skip(path, &reason);
            return None;
        }
        match std::fs::read(&entry.absolute) {
            Ok(bytes) => {
                self.used.insert(path.to_string());
                Some(bytes)
            }
            Err(error) => {
                self.skip(path, &format!("unreadable: {error}"));
                None
            }
        }
    }

    /// The file as text. Non-UTF-8 text is read lossily with a note in [`Tree::notes`] (it
    /// is read, so it is not skipped); an empty file is recorded as skipped, since a reader
    /// expected something in it.
    pub fn read_text(&mut self, path: &str) -> Option<String> {
        let bytes = self.read_bytes(path)?;
        if bytes.is_empty() {
            self.skip(path, "empty file");
            return None;
        }
        match String::from_utf8(bytes) {
            Ok(text) => Some(text),
            Err(error) => {
                let text = String::from_utf8_lossy(error.as_bytes()).into_owned();
                self.notes.insert(format!(
                    "read `{path}` with invalid UTF-8 replaced (U+FFFD); names holding those \
                     bytes may not match"
                ));
                Some(text)
            }
        }
    }

    /// Marks a file as used without reading it (a credentials file we must never open, a
    /// backup whose name and size are the fact).
    pub fn mark_used(&mut self, path: &str) {
        if self.files.contains_key(path) {
            self.used.insert(path.to_string());
        }
    }

    /// Names every file no reader used, once each.
    pub fn report_unused(&mut self) {
        let unused: Vec<String> = self
            .files
            .keys()
            .filter(|path| !self.used.contains(*path))
            .filter(|path| !self.skipped.iter().any(|skipped| &skipped.path == *path))
            .cloned()
            .collect();
        for path in unused {
            let script =
                [".sh", ".bash", ".zsh", ".py"].iter().any(|extension| path.ends_with(extension));
            let reason =
                if script { crate::SKIP_UNUSED_SCRIPT } else { crate::SKIP_UNKNOWN_FORMAT };
            self.skip(&path, reason);
        }
    }
}

/// Maps a path as the machine sees it to a path in the tree. The user's home is the root:
/// `/Users/<user>/X`, `~/X` and `$HOME/X` become `X`; a relative path resolves against
/// `base` (a tree path); other absolute paths map only when the tree holds them (`/etc/x` to
/// `etc/x`).
pub fn map_path(path: &str, base: Option<&str>) -> Option<String> {
    let path = path.trim().trim_matches(|c| c == '"' || c == '\'');
    let mapped = if let Some(rest) = path.strip_prefix("/Users/") {
        rest.split_once('/').map_or(String::new(), |(_, rest)| rest.to_string())
    } else if let Some(rest) = path.strip_prefix("/home/") {
        rest.split_once('/').map_or(String::new(), |(_, rest)| rest.to_string())
    } else if let Some(rest) = path.strip_prefix("~/") {
        rest.to_string()
    } else if let Some(rest) = path.strip_prefix("$HOME/").or_else(|| path.strip_prefix("${HOME}/"))
    {
        rest.to_string()
    } else if path == "~" || path == "$HOME" || path == "${HOME}" {
        String::new()
    } else if let Some(rest) = path.strip_prefix('/') {
        rest.to_string()
    } else {
        match base {
            Some(base) if !base.is_empty() => format!("{base}/{path}"),
            _ => path.to_string(),
        }
    };
    Some(normalise(&mapped))
}

/// Removes `.` and resolves `..` in a `/`-separated relative path.
pub fn normalise(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    parts.join("/")
}

/// The folder part of a tree path (`a/b/c.txt` to `a/b`).
pub fn parent(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(parent, _)| parent)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_home_paths_into_the_tree() {
        assert_eq!(map_path("/Users/ops/pgdata", None).as_deref(), Some("pgdata"));
        assert_eq!(map_path("~/logs/a.log", None).as_deref(), Some("logs/a.log"));
        assert_eq!(map_path("$HOME/backups", None).as_deref(), Some("backups"));
        assert_eq!(map_path("tuning.conf", Some("pgdata")).as_deref(), Some("pgdata/tuning.conf"));
        assert_eq!(map_path("../x.conf", Some("pgdata/conf.d")).as_deref(), Some("pgdata/x.conf"));
    }

    #[test]
    fn walk_skips_links_and_large_files() {
        let root = std::env::temp_dir().join(format!("drtwin-walk-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("sub")).unwrap();
        std::fs::write(root.join("sub/small.txt"), "hello").unwrap();
        std::fs::write(root.join("big.txt"), vec![b'x'; 64]).unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(&root, root.join("loop")).unwrap();

        let mut tree = Tree::walk(&root, &ScanOptions { max_file_bytes: 32 }).unwrap();
        assert!(tree.exists("sub/small.txt"));
        assert_eq!(tree.read_text("sub/small.txt").as_deref(), Some("hello"));
        assert!(tree.read_text("big.txt").is_none());
        assert!(tree.skipped.iter().any(|s| s.path == "big.txt" && s.reason.contains("limit")));
        #[cfg(unix)]
        assert!(tree.skipped.iter().any(|s| s.path == "loop" && s.reason.contains("link")));
        let _ = std::fs::remove_dir_all(&root);
    }
}
