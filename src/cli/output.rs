//! Writing outputs safely: to a temporary file beside the target, renamed
//! into place only when complete, and never over an input of the run.
//!
//! - A symlink is followed: the file it names is replaced (atomically) and
//!   the link stays.
//! - A target that exists and is not a regular file (`/dev/null`,
//!   `/dev/stdout`, a FIFO, a socket) is opened and written in place;
//!   `/dev/stdout` (or `/dev/fd/N`) redirected to a file is appended to.
//! - A regular target keeps its permission bits; a new file gets 0666 minus
//!   the process umask, like any file a command creates.
//! - [`check_outputs`] refuses, before any work, an output that is the same
//!   file as an input (or as another output).

use std::ffi::{CStr, CString};
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::ptr;
use std::sync::atomic::{AtomicBool, AtomicPtr, Ordering};
use std::sync::Mutex;

use anyhow::{bail, Context, Result};

/// A file being written. A regular target gets a hidden temporary file in
/// its directory, which becomes the target only on [`AtomicFile::commit`];
/// dropped uncommitted (an error, a panic), the temporary file is removed;
/// killed, the target is never a half-written file. A device, FIFO or
/// socket is written in place.
pub struct AtomicFile {
    /// The path as given, for messages.
    path: PathBuf,
    /// The file the bytes end up in (symlinks followed).
    target: PathBuf,
    /// The temporary file, if there is one.
    tmp_path: Option<PathBuf>,
    out: Option<Sink>,
}

/// Where the bytes of an [`AtomicFile`] go.
enum Sink {
    /// A temporary file, renamed over the target on commit.
    Temp(BufWriter<tempfile::NamedTempFile>),
    /// An existing device, FIFO or socket, written where it is.
    InPlace(BufWriter<File>),
}

/// Temporary files being written, removed by the interrupt handler.
static PENDING: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// On Ctrl-C or SIGTERM, remove the temporary files of unfinished outputs
/// and exit with status 130: an interrupted run leaves no target file and
/// no hidden partial file behind. On SIGBUS the same, with a message and
/// status [`SIGBUS_EXIT`].
pub fn clean_up_on_interrupt() {
    clean_up_on_sigbus();
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
    unregister_for_sigbus(tmp_path);
}

/// The exit status after a SIGBUS (128 + 7, what a shell reports for a
/// process the signal killed, as 130 is for Ctrl-C).
pub const SIGBUS_EXIT: i32 = 135;

/// What the SIGBUS handler prints.
const SIGBUS_MESSAGE: &[u8] =
    b"error: a memory-mapped input file changed or was truncated while being read\n";

/// Temporary files being written, for the SIGBUS handler, which may not
/// take a lock (the faulting thread may hold [`PENDING`]'s) nor allocate:
/// each slot holds a NUL-terminated path or null. A path is leaked on
/// purpose when its slot is cleared: the handler, running on another
/// thread, could be reading it. More than 32 outputs at once would leave
/// the extra ones out; no command writes more than 5.
static SIGBUS_SLOTS: [AtomicPtr<libc::c_char>; 32] =
    [const { AtomicPtr::new(ptr::null_mut()) }; 32];

fn register_for_sigbus(tmp_path: &Path) {
    use std::os::unix::ffi::OsStrExt;
    let Ok(path) = CString::new(tmp_path.as_os_str().as_bytes()) else {
        return;
    };
    let raw = path.into_raw();
    for slot in &SIGBUS_SLOTS {
        if slot
            .compare_exchange(ptr::null_mut(), raw, Ordering::SeqCst, Ordering::SeqCst)
            .is_ok()
        {
            return;
        }
    }
    // No free slot: give the path back.
    // SAFETY: `raw` came from `CString::into_raw` above and was not stored.
    drop(unsafe { CString::from_raw(raw) });
}

fn unregister_for_sigbus(tmp_path: &Path) {
    use std::os::unix::ffi::OsStrExt;
    let wanted = tmp_path.as_os_str().as_bytes();
    for slot in &SIGBUS_SLOTS {
        let p = slot.load(Ordering::SeqCst);
        // SAFETY: non-null slot values are leaked `CString`s, never freed.
        if !p.is_null() && unsafe { CStr::from_ptr(p) }.to_bytes() == wanted {
            let _ = slot.compare_exchange(p, ptr::null_mut(), Ordering::SeqCst, Ordering::SeqCst);
        }
    }
}

/// Set by the first thread to enter [`on_sigbus`].
static SIGBUS_SEEN: AtomicBool = AtomicBool::new(false);

/// The SIGBUS handler: only async-signal-safe calls (`write`, `unlink`,
/// `_exit`, `pause`) and atomics. Several worker threads may fault at
/// once: the first cleans up and exits, the others wait for it (returning
/// would run the faulting access again; the default action would kill the
/// process before the clean-up).
extern "C" fn on_sigbus(_signal: libc::c_int) {
    // SAFETY: `write`, `unlink`, `_exit` and `pause` are async-signal-safe;
    // the slots hold null or NUL-terminated strings that are never freed.
    unsafe {
        if SIGBUS_SEEN.swap(true, Ordering::SeqCst) {
            loop {
                libc::pause();
            }
        }
        libc::write(2, SIGBUS_MESSAGE.as_ptr().cast(), SIGBUS_MESSAGE.len());
        for slot in &SIGBUS_SLOTS {
            let p = slot.load(Ordering::SeqCst);
            if !p.is_null() {
                libc::unlink(p);
            }
        }
        libc::_exit(SIGBUS_EXIT);
    }
}

/// On SIGBUS, which a memory-mapped input (a `.fifu` vector file) raises
/// when it is truncated while being read, print what happened, remove the
/// temporary files of unfinished outputs and exit with [`SIGBUS_EXIT`]
/// (the default action killed the process without a word and left the
/// hidden temporary output behind).
fn clean_up_on_sigbus() {
    // SAFETY: a zeroed `sigaction` is valid; the handler is an
    // `extern "C" fn(c_int)`, as `sa_sigaction` without SA_SIGINFO wants.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = on_sigbus as extern "C" fn(libc::c_int) as libc::sighandler_t;
        libc::sigemptyset(&mut action.sa_mask);
        action.sa_flags = 0;
        libc::sigaction(libc::SIGBUS, &action, ptr::null_mut());
    }
}

/// The directory part of `path` (`.` for a bare file name).
fn dir_of(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// The file that writing `path` must replace: symlinks followed (a link
/// to a file not yet there included), the directory made canonical.
fn real_target(path: &Path) -> io::Result<PathBuf> {
    let mut path = path.to_path_buf();
    // As many links as Linux follows before ELOOP.
    for _ in 0..40 {
        match std::fs::symlink_metadata(&path) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let link = std::fs::read_link(&path)?;
                path = dir_of(&path).join(link);
            }
            _ => {
                let name = path.file_name().ok_or_else(|| {
                    io::Error::new(io::ErrorKind::InvalidInput, "not a file name")
                })?;
                return Ok(std::fs::canonicalize(dir_of(&path))?.join(name));
            }
        }
    }
    Err(io::Error::other("too many levels of symbolic links"))
}

/// Whether `path` names a descriptor the process already has open
/// (`/dev/stdout`, `/dev/fd/N`, `/proc/self/fd/N`, through any symlinks).
fn is_open_descriptor(path: &Path) -> bool {
    let mut path = path.to_path_buf();
    for _ in 0..40 {
        if ["/dev/fd/", "/proc/self/fd/", "/proc/thread-self/fd/"]
            .iter()
            .any(|prefix| path.starts_with(prefix))
        {
            return true;
        }
        match std::fs::read_link(&path) {
            Ok(link) => path = dir_of(&path).join(link),
            Err(_) => return false,
        }
    }
    false
}

/// Whether `path` is standard output (`-`) or an existing device, FIFO or
/// socket: written as a stream, in place, with a name that says nothing
/// about the format.
pub fn is_stream(path: &Path) -> bool {
    path == Path::new("-")
        || std::fs::metadata(path).is_ok_and(|meta| !meta.is_file() && !meta.is_dir())
}

/// Refuse an output file name that does not end in one of `accepted`
/// (compared ignoring case), naming the flag and the accepted list;
/// `otherwise` says what else would do (`or --output-format`). Streams
/// ([`is_stream`]) pass: their format comes from elsewhere.
pub fn check_extension(flag: &str, path: &Path, accepted: &[&str], otherwise: &str) -> Result<()> {
    if is_stream(path) {
        return Ok(());
    }
    let name = path.to_string_lossy().to_ascii_lowercase();
    if accepted.iter().any(|ext| name.ends_with(ext)) {
        return Ok(());
    }
    let list = match accepted {
        [] => String::new(),
        [one] => one.to_string(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    };
    bail!(
        "{flag} {}: unknown output extension: expected {list}{otherwise}",
        path.display()
    )
}

/// What makes two paths the same file for [`check_outputs`].
#[derive(PartialEq, Eq)]
enum FileId {
    /// An existing regular file: device and inode, so hard links and
    /// symlinks to it count as the same file.
    #[cfg(unix)]
    Inode(u64, u64),
    /// A file not there yet (or, off Unix, any file): its canonical
    /// directory and name.
    Name(PathBuf),
}

/// The identity of `path`, if it is a regular file or, with `or_new`, a
/// file not yet created in an existing directory. Devices, FIFOs and
/// sockets have none: writing them destroys nothing stored.
fn file_id(path: &Path, or_new: bool) -> Option<FileId> {
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_file() => {
            #[cfg(unix)]
            {
                use std::os::unix::fs::MetadataExt;
                Some(FileId::Inode(meta.dev(), meta.ino()))
            }
            #[cfg(not(unix))]
            {
                std::fs::canonicalize(path).ok().map(FileId::Name)
            }
        }
        Ok(_) => None,
        Err(_) if or_new => real_target(path).ok().map(FileId::Name),
        Err(_) => None,
    }
}

/// Refuse, before any work, an output that is the same file as an input
/// of the run (device and inode, symlinks followed) or as an earlier
/// output (for files not yet there: canonical directory and name). Each
/// entry is (flag, path); `-` (stdin/stdout) is skipped, and so are inputs
/// that do not exist (reading them fails with its own message).
///
/// The error names both flags and the path: `--output in.csv is the same
/// file as --input: choose another output path`.
pub fn check_outputs(inputs: &[(&str, &Path)], outputs: &[(&str, &Path)]) -> Result<()> {
    let dash = Path::new("-");
    let inputs: Vec<(&str, &Path, FileId)> = inputs
        .iter()
        .filter(|(_, path)| *path != dash)
        .filter_map(|&(flag, path)| file_id(path, false).map(|id| (flag, path, id)))
        .collect();
    let mut seen: Vec<(&str, &Path, FileId)> = Vec::new();
    for &(flag, path) in outputs.iter().filter(|(_, path)| *path != dash) {
        let Some(id) = file_id(path, true) else {
            continue;
        };
        let clash = inputs
            .iter()
            .chain(&seen)
            .find(|(_, _, other)| *other == id);
        if let Some((other_flag, other_path, _)) = clash {
            let also = if *other_path == path {
                String::new()
            } else {
                format!(" ({})", other_path.display())
            };
            bail!(
                "{flag} {} is the same file as {other_flag}{also}: choose another output path",
                path.display()
            );
        }
        seen.push((flag, path, id));
    }
    Ok(())
}

impl AtomicFile {
    /// Write `path` (a device, a FIFO, a descriptor) in place, opened with
    /// `options`: nothing to rename.
    fn in_place(path: &Path, options: &std::fs::OpenOptions) -> Result<AtomicFile> {
        let file = options
            .open(path)
            .with_context(|| format!("opening {} for writing", path.display()))?;
        Ok(AtomicFile {
            path: path.to_path_buf(),
            target: path.to_path_buf(),
            tmp_path: None,
            out: Some(Sink::InPlace(BufWriter::with_capacity(1 << 16, file))),
        })
    }

    /// Start writing `path`; its directory must exist. A symlink is
    /// followed to the file it names; an existing device, FIFO or socket
    /// is opened for writing in place.
    pub fn create(path: &Path) -> Result<AtomicFile> {
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() => bail!("{}: is a directory", path.display()),
            Ok(meta) if !meta.is_file() => {
                return AtomicFile::in_place(path, std::fs::OpenOptions::new().write(true));
            }
            _ => {}
        }
        if is_open_descriptor(path) {
            // `/dev/stdout` redirected to a file (`>> log`): add to what the
            // shell opened, do not replace the file under it.
            return AtomicFile::in_place(path, std::fs::OpenOptions::new().append(true));
        }
        let dir = dir_of(path);
        if !dir.is_dir() {
            bail!("{}: directory does not exist", dir.display());
        }
        let target = real_target(path)
            .with_context(|| format!("{}: cannot find the file to write", path.display()))?;
        let target_dir = dir_of(&target);
        // An existing file keeps its permission bits; a new one gets what
        // any created file gets (0666 minus the umask).
        let keep = std::fs::metadata(&target)
            .ok()
            .map(|meta| meta.permissions());
        let prefix = format!(
            ".{}.",
            target
                .file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default()
        );
        let mut builder = tempfile::Builder::new();
        builder.prefix(&prefix).suffix(".tmp");
        #[cfg(unix)]
        builder.permissions(new_file_permissions());
        let tmp = builder
            .tempfile_in(target_dir)
            .with_context(|| format!("{}: cannot create a temporary file", target_dir.display()))?;
        if let Some(permissions) = keep {
            tmp.as_file()
                .set_permissions(permissions)
                .with_context(|| format!("{}: cannot copy its permissions", path.display()))?;
        }
        let tmp_path = tmp.path().to_path_buf();
        if let Ok(mut paths) = PENDING.lock() {
            paths.push(tmp_path.clone());
        }
        register_for_sigbus(&tmp_path);
        Ok(AtomicFile {
            path: path.to_path_buf(),
            target,
            tmp_path: Some(tmp_path),
            out: Some(Sink::Temp(BufWriter::with_capacity(1 << 20, tmp))),
        })
    }

    fn out(&mut self) -> io::Result<&mut dyn SeekWrite> {
        match self.out.as_mut() {
            Some(Sink::Temp(out)) => Ok(out),
            Some(Sink::InPlace(out)) => Ok(out),
            None => Err(io::Error::other("the file was already committed")),
        }
    }

    /// Flush, sync and rename into place (a device, FIFO or socket is only
    /// flushed).
    pub fn commit(mut self) -> Result<()> {
        let path = self.path.clone();
        let out = self
            .out
            .take()
            .ok_or_else(|| anyhow::anyhow!("{} was already committed", path.display()))?;
        match out {
            Sink::InPlace(mut out) => out
                .flush()
                .with_context(|| format!("writing {}", path.display())),
            Sink::Temp(out) => {
                let tmp = out
                    .into_inner()
                    .map_err(|e| e.into_error())
                    .with_context(|| format!("writing {}", path.display()))?;
                tmp.as_file()
                    .sync_all()
                    .with_context(|| format!("writing {}", path.display()))?;
                tmp.persist(&self.target)
                    .map_err(|e| e.error)
                    .with_context(|| format!("renaming into {}", self.target.display()))?;
                Ok(())
            }
        }
    }
}

/// `Write + Seek` as one object-safe trait.
trait SeekWrite: Write + io::Seek {}
impl<T: Write + io::Seek> SeekWrite for T {}

impl Drop for AtomicFile {
    /// The temporary file itself is removed by `NamedTempFile`'s own drop
    /// (or was renamed by `commit`); only the interrupt list is updated.
    fn drop(&mut self) {
        if let Some(tmp_path) = &self.tmp_path {
            forget(tmp_path);
        }
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
    /// Some formats (finalfusion) seek back to fill in chunk sizes; a FIFO
    /// or terminal written in place cannot.
    fn seek(&mut self, pos: io::SeekFrom) -> io::Result<u64> {
        self.out()?.seek(pos)
    }
}

/// Write `path` through `write`; a regular target appears only if `write`
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

/// A stream (standard output) for writers whose signature asks for
/// `Seek` but that only seek in formats refused for streams: seeking is an
/// error.
pub struct Unseekable<W>(pub W);

impl<W: Write> Write for Unseekable<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

impl<W> io::Seek for Unseekable<W> {
    fn seek(&mut self, _pos: io::SeekFrom) -> io::Result<u64> {
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "cannot seek in a stream",
        ))
    }
}

/// Permissions a new output is created with: 0666, from which the kernel
/// takes away the process umask (0644 with the usual 022).
#[cfg(unix)]
fn new_file_permissions() -> std::fs::Permissions {
    use std::os::unix::fs::PermissionsExt;
    std::fs::Permissions::from_mode(0o666)
}
