//! The POSIX lock trap: SQLite on Unix locks the file with `fcntl` locks, which belong to the
//! process, and closing *any* handle of the file in the process drops all of them. Within one
//! SQLite library this is handled (it shares one lock record per file); a handle of the file
//! opened and closed by anything else in the process (another SQLite library, as in Python's
//! `sqlite3`, or a plain `open`/`close`) silently drops this store's locks. Another connection
//! may then find the file unlocked when it closes, checkpoint the log and delete it (and the
//! `-shm` index) under this store, whose later commits would go to the deleted log and be
//! lost.
//!
//! Two defences: this module's registry makes sure salespipe itself never opens a handle of
//! a file that a store in this process has open (a second `SqliteStore::open` of the same
//! file skips reading the header), and [`Held::check`] refuses a commit when the log or the
//! index is no longer the file the connection has open.
//!
//! The registry is the core's one piece of process-wide state, on purpose: the locks it
//! protects belong to the process, not to a store, so only a process-wide count can know
//! whether touching the file would drop another store's locks.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};

use super::schema::{shm_path, wal_path};
use crate::error::{Error, Result};

/// A file's identity: device and inode.
type FileId = (u64, u64);

/// How many stores of this process have each database file open.
pub(super) struct Registry(HashMap<FileId, usize>);

static REGISTRY: OnceLock<Mutex<Registry>> = OnceLock::new();

pub(super) fn registry() -> MutexGuard<'static, Registry> {
    REGISTRY
        .get_or_init(|| Mutex::new(Registry(HashMap::new())))
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
}

#[cfg(unix)]
fn file_id(path: &Path) -> Option<FileId> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

#[cfg(not(unix))]
fn file_id(_path: &Path) -> Option<FileId> {
    // Windows locks (LockFileEx) belong to a handle: no trap, nothing to track.
    None
}

/// Whether a store of this process has the file at `path` open.
pub(super) fn is_open_here(registry: &Registry, path: &Path) -> bool {
    file_id(path).is_some_and(|id| registry.0.contains_key(&id))
}

/// A database file counted as open by a store of this process (from before SQLite opens
/// it until the store is dropped).
pub(super) struct Registration(Option<FileId>);

impl Registration {
    /// Counts the file at `path` as open here (nothing where files have no identity).
    pub(super) fn new(registry: &mut Registry, path: &Path) -> Registration {
        let id = file_id(path);
        if let Some(id) = id {
            *registry.0.entry(id).or_insert(0) += 1;
        }
        Registration(id)
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        let Some(id) = self.0 else { return };
        let mut registry = registry();
        if let Some(n) = registry.0.get_mut(&id) {
            *n -= 1;
            if *n == 0 {
                registry.0.remove(&id);
            }
        }
    }
}

/// The files of an open store: its registration, and the identities its log and index had
/// when it was opened.
pub(super) struct Held {
    _registration: Registration,
    path: std::path::PathBuf,
    log: Option<(FileId, FileId)>,
}

impl Held {
    /// Notes the identities of the log and the index of the freshly opened store of `path`.
    pub(super) fn new(registration: Registration, path: &Path) -> Held {
        let log = file_id(&wal_path(path)).zip(file_id(&shm_path(path)));
        Held {
            _registration: registration,
            path: path.to_path_buf(),
            log,
        }
    }

    /// Refuses if the log or the index at the file's path is not the one the connection has
    /// open. `committed` says whether the transaction already committed (then its fate is
    /// unknown).
    pub(super) fn check(&self, committed: bool) -> Result<()> {
        let Some((wal, shm)) = self.log else {
            return Ok(());
        };
        if file_id(&wal_path(&self.path)) == Some(wal)
            && file_id(&shm_path(&self.path)) == Some(shm)
        {
            return Ok(());
        }
        let name = self.path.display();
        let what = if committed {
            "this append was committed to a log that was then removed: it may be lost; \
             open the file again and look for it"
        } else {
            "this append was refused and nothing was written"
        };
        Err(Error::storage(format!(
            "the write-ahead log of {name} was removed or replaced under this store ({what}). \
             Cause: this process opened and closed the database file other than through \
             salespipe (e.g. with another SQLite library such as Python's sqlite3, or a plain \
             file open/close), which drops all of the process's SQLite locks on it, and another \
             connection then checkpointed and removed the log. Appends acknowledged before were \
             checkpointed into the file first. Drop this store and open the file again; never \
             open the file by other means in a process that has a store of it open"
        )))
    }
}
