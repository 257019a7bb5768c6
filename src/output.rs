//! Writing results without leaving anything half-written: every file goes to a temporary
//! name beside its target and is renamed into place, and a folder of files is written to a
//! staging folder first, so a failure leaves the previous output as it was.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::UserError;

/// Checks that `dir` can be an output folder: missing (it will be created) or a folder.
pub fn check_output_folder(dir: &Path) -> Result<()> {
    match fs::metadata(dir) {
        Ok(metadata) if metadata.is_dir() => Ok(()),
        Ok(_) => Err(UserError::new(format!("output folder `{}` is a file", dir.display()))
            .hint("name a folder with -o, or move the file away")
            .into()),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(error) => Err(UserError::new(format!("cannot use `{}`: {error}", dir.display()))
            .hint("check the folder's permissions")
            .into()),
    }
}

/// Checks that `file` can be written: its folder exists and it is not a folder itself.
pub fn check_output_file(file: &Path) -> Result<()> {
    if file.is_dir() {
        return Err(UserError::new(format!("output `{}` is a folder", file.display()))
            .hint("give a file name with -o")
            .into());
    }
    let parent = parent_of(file);
    if !parent.is_dir() {
        return Err(UserError::new(format!("folder `{}` does not exist", parent.display()))
            .hint("create it first, or choose another -o")
            .into());
    }
    Ok(())
}

fn parent_of(file: &Path) -> PathBuf {
    match file.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Writes `bytes` to `file` through a temporary sibling and a rename.
pub fn write_file(file: &Path, bytes: &[u8]) -> Result<()> {
    check_output_file(file)?;

    // A device or pipe (`-o /dev/null`, a FIFO) is written in place: renaming over it would
    // replace it with a regular file.
    if fs::metadata(file).is_ok_and(|metadata| !metadata.is_file()) {
        return fs::write(file, bytes)
            .with_context(|| format!("cannot write `{}`", file.display()));
    }
    let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let temporary = parent_of(file).join(format!(".{name}.drtwin-{}.tmp", std::process::id()));
    let written = fs::File::create(&temporary)
        .and_then(|mut handle| handle.write_all(bytes).and_then(|()| handle.sync_all()));
    if let Err(error) = written {
        let _ = fs::remove_file(&temporary);
        return Err(error).with_context(|| format!("cannot write `{}`", file.display()));
    }
    fs::rename(&temporary, file).with_context(|| format!("cannot write `{}`", file.display()))
}

/// Writes a set of files (paths relative to `dir`) into `dir`: all of them into a staging
/// folder first, then each renamed into place.
pub fn write_folder(dir: &Path, files: &[(String, Vec<u8>)]) -> Result<()> {
    check_output_folder(dir)?;
    fs::create_dir_all(dir).with_context(|| format!("cannot create `{}`", dir.display()))?;
    let staging = dir.join(format!(".drtwin-staging-{}", std::process::id()));
    let staged = stage(&staging, files);
    if let Err(error) = staged {
        let _ = fs::remove_dir_all(&staging);
        return Err(error);
    }

    for (relative, _) in files {
        let target = dir.join(relative);
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent)
                .with_context(|| format!("cannot create `{}`", parent.display()))?;
        }
        fs::rename(staging.join(relative), &target)
            .with_context(|| format!("cannot write `{}`", target.display()))?;
    }
    let _ = fs::remove_dir_all(&staging);
    Ok(())
}

fn stage(staging: &Path, files: &[(String, Vec<u8>)]) -> Result<()> {
    for (relative, bytes) in files {
        if Path::new(relative).is_absolute() || relative.split('/').any(|part| part == "..") {
            anyhow::bail!("refusing to write `{relative}` outside the output folder");
        }
        let path = staging.join(relative);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)
                .with_context(|| format!("cannot create `{}`", parent.display()))?;
        }
        fs::write(&path, bytes).with_context(|| format!("cannot write `{}`", path.display()))?;
    }
    Ok(())
}
