//! The embedded example: the reference Mac mini's home tree, compiled into the binary so that
//! `drtwin plan` works from any folder on any machine.
//!
//! The scanner reads files from disk, so the tree is unpacked into a fresh temporary folder
//! for the run and removed afterwards. Evidence paths are relative to the scan root, so the
//! report cites the same `path:line` as the tree in the repository.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use include_dir::{Dir, DirEntry, include_dir};

static EXAMPLE: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/examples/macmini");

/// The folder the tree is unpacked into. The twin names the host after the scanned folder, so
/// this is the name the plan shows, the same on every run.
const HOST_FOLDER: &str = "macmini";

/// The example unpacked into a temporary folder, removed when dropped.
pub struct UnpackedExample {
    folder: tempfile::TempDir,
}

impl UnpackedExample {
    pub fn root(&self) -> PathBuf {
        self.folder.path().join(HOST_FOLDER)
    }
}

/// Unpacks the embedded example tree.
pub fn unpack() -> Result<UnpackedExample> {
    let folder = tempfile::Builder::new()
        .prefix("drtwin-example-")
        .tempdir()
        .context("cannot create a temporary folder for the built-in example")?;
    let unpacked = UnpackedExample { folder };
    let root = unpacked.root();
    std::fs::create_dir(&root).with_context(|| format!("cannot create `{}`", root.display()))?;
    write_entries(&EXAMPLE, &root)?;
    Ok(unpacked)
}

fn write_entries(dir: &Dir<'_>, root: &Path) -> Result<()> {
    for entry in dir.entries() {
        match entry {
            DirEntry::Dir(child) => {
                let path = root.join(child.path());
                std::fs::create_dir_all(&path)
                    .with_context(|| format!("cannot create `{}`", path.display()))?;
                write_entries(child, root)?;
            }
            DirEntry::File(file) => {
                let path = root.join(file.path());
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent)
                        .with_context(|| format!("cannot create `{}`", parent.display()))?;
                }
                std::fs::write(&path, file.contents())
                    .with_context(|| format!("cannot write `{}`", path.display()))?;
            }
        }
    }
    Ok(())
}
