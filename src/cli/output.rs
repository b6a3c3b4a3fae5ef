//! Writing outputs atomically: to a temporary file beside the target,
//! renamed into place only when complete.

use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::{Context, Result};

/// A file being written: bytes go to a hidden temporary file in the target
/// directory, which becomes `path` only on [`AtomicFile::commit`]. Dropped
/// uncommitted (an error, a panic), the temporary file is removed; killed,
/// the target path is never a half-written file.
pub struct AtomicFile {
    path: PathBuf,
    tmp_path: PathBuf,
    out: Option<BufWriter<tempfile::NamedTempFile>>,
}

/// Temporary files being written, removed by the interrupt handler.
static PENDING: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// On Ctrl-C or SIGTERM, remove the temporary files of unfinished outputs
/// and exit with status 130: an interrupted run leaves no target file and
/// no hidden partial file behind.
pub fn clean_up_on_interrupt() {
    let _ = ctrlc::set_handler(|| {
        if let Ok(paths) = PENDING.lock() {
            for path in paths.iter() {
                let _ = std::fs::remove_file(path);
            }
        }
        std::process::exit(130);
    });
}

fn forget(tmp_path: &Path) {
    if let Ok(mut paths) = PENDING.lock() {
        paths.retain(|p| p != tmp_path);
    }
}

impl AtomicFile {
    /// Start writing `path`; its directory must exist.
    pub fn create(path: &Path) -> Result<AtomicFile> {
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        if !dir.is_dir() {
            anyhow::bail!("{}: directory does not exist", dir.display());
        }
        let tmp = tempfile::Builder::new()
            .prefix(&format!(
                ".{}.",
                path.file_name()
                    .map(|n| n.to_string_lossy())
                    .unwrap_or_default()
            ))
            .suffix(".tmp")
            .tempfile_in(dir)
            .with_context(|| format!("{}: cannot create a temporary file", dir.display()))?;
        let tmp_path = tmp.path().to_path_buf();
        if let Ok(mut paths) = PENDING.lock() {
            paths.push(tmp_path.clone());
        }
        Ok(AtomicFile {
            path: path.to_path_buf(),
            tmp_path,
            out: Some(BufWriter::with_capacity(1 << 20, tmp)),
        })
    }

    fn out(&mut self) -> io::Result<&mut BufWriter<tempfile::NamedTempFile>> {
        self.out
            .as_mut()
            .ok_or_else(|| io::Error::other("the file was already committed"))
    }

    /// Flush, sync and rename into place.
    pub fn commit(mut self) -> Result<()> {
        let path = self.path.clone();
        let out = self
            .out
            .take()
            .ok_or_else(|| anyhow::anyhow!("{} was already committed", path.display()))?;
        let tmp = out
            .into_inner()
            .map_err(|e| e.into_error())
            .with_context(|| format!("writing {}", path.display()))?;
        set_default_permissions(tmp.as_file())
            .with_context(|| format!("writing {}", path.display()))?;
        tmp.as_file()
            .sync_all()
            .with_context(|| format!("writing {}", path.display()))?;
        tmp.persist(&path)
            .map_err(|e| e.error)
            .with_context(|| format!("renaming into {}", path.display()))?;
        Ok(())
    }
}

impl Drop for AtomicFile {
    /// The temporary file itself is removed by `NamedTempFile`'s own drop
    /// (or was renamed by `commit`); only the interrupt list is updated.
    fn drop(&mut self) {
        forget(&self.tmp_path);
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.out()?.write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.out()?.write_all(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out()?.flush()
    }
}

impl io::Seek for AtomicFile {
    /// Some formats (finalfusion) seek back to fill in chunk sizes.
    fn seek(&mut self, pos: io::SeekFrom) -> io::Result<u64> {
        self.out()?.seek(pos)
    }
}

/// Write `path` through `write`; the target appears only if `write`
/// succeeds, so a failure or crash never leaves half a file behind.
pub fn atomic_write<F>(path: &Path, write: F) -> Result<()>
where
    F: FnOnce(&mut AtomicFile) -> Result<()>,
{
    let mut file = AtomicFile::create(path)?;
    write(&mut file)?;
    file.commit()
}

/// Standard output, locked and buffered; write errors propagate (a broken
/// pipe ends the program quietly in `main`).
pub fn stdout() -> BufWriter<io::StdoutLock<'static>> {
    BufWriter::new(io::stdout().lock())
}

/// Temporary files are created private (0600); a finished output gets the
/// usual 0644, like any file a command writes.
#[cfg(unix)]
fn set_default_permissions(file: &std::fs::File) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    file.set_permissions(std::fs::Permissions::from_mode(0o644))
}

#[cfg(not(unix))]
fn set_default_permissions(_file: &std::fs::File) -> std::io::Result<()> {
    Ok(())
}
