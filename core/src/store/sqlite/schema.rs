//! Opening a file safely: look at the header before SQLite touches the file, identify the
//! database before writing anything, then switch to WAL and apply forward migrations.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use rusqlite::config::DbConfig;
use rusqlite::{params, Connection, TransactionBehavior};

use super::{read_model, sql_error, SqliteOptions};
use crate::error::{Error, Result};

/// The schema version this build writes and the newest it opens.
pub(super) const CURRENT_VERSION: u32 = 2;

/// `PRAGMA application_id` of a salespipe store: the bytes `SPip`.
pub(super) const APPLICATION_ID: i32 = i32::from_be_bytes(*b"SPip");

const MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// One forward step of the schema.
struct Migration {
    version: u32,
    description: &'static str,
    sql: &'static str,
    /// The step adds or changes a read model: rebuild them from the events afterwards.
    rebuilds_read_models: bool,
}

/// Every migration, oldest first. Never edit a released step; add a new one.
const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        description: "event log",
        sql: "
            CREATE TABLE salespipe_schema (
                version     INTEGER PRIMARY KEY,
                description TEXT NOT NULL,
                applied_by  TEXT NOT NULL
            );
            CREATE TABLE events (
                position INTEGER PRIMARY KEY,
                stream   TEXT    NOT NULL,
                version  INTEGER NOT NULL,
                at       INTEGER NOT NULL,
                actor    TEXT    NOT NULL,
                schema   INTEGER NOT NULL,
                data     TEXT    NOT NULL,
                UNIQUE (stream, version)
            );
            CREATE TRIGGER events_position_follows_head BEFORE INSERT ON events
            WHEN NEW.position IS NOT 1 + COALESCE((SELECT MAX(position) FROM events), 0)
            BEGIN SELECT RAISE(ABORT, 'salespipe: event position must be head + 1'); END;
            CREATE TRIGGER events_version_follows_stream BEFORE INSERT ON events
            WHEN NEW.version IS NOT
                1 + COALESCE((SELECT MAX(version) FROM events WHERE stream = NEW.stream), 0)
            BEGIN SELECT RAISE(ABORT, 'salespipe: event version must be stream version + 1'); END;
            CREATE TRIGGER events_no_update BEFORE UPDATE ON events
            BEGIN SELECT RAISE(ABORT, 'salespipe: events are append-only'); END;
            CREATE TRIGGER events_no_delete BEFORE DELETE ON events
            BEGIN SELECT RAISE(ABORT, 'salespipe: events are append-only'); END;
        ",
        rebuilds_read_models: false,
    },
    Migration {
        version: 2,
        description: "read models: open opportunities by stage and owner, tasks, activities",
        sql: read_model::SCHEMA,
        rebuilds_read_models: true,
    },
];

/// What the caller asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    /// [`SqliteStore::open`](super::SqliteStore::open): an existing store, or a new one
    /// where there is no file.
    Open,
    /// [`SqliteStore::create`](super::SqliteStore::create): a new store, where there is no
    /// file or an empty one.
    Create,
}

/// What [`inspect_file`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Inspected {
    /// No file: create one.
    Missing,
    /// A file SQLite may open (a salespipe store as far as the header says, or an empty
    /// file that [`Mode::Create`] asked for).
    Openable,
}

/// Checks the file's header before SQLite opens it, so that random bytes, a truncated file
/// or a file of a newer schema are refused with a precise message and never touched.
/// An empty file is refused by [`Mode::Open`] (it is not a store; only [`Mode::Create`]
/// makes one there), and any non-empty file by [`Mode::Create`].
pub(super) fn inspect_file(path: &Path, mode: Mode) -> Result<Inspected> {
    let name = path.display();
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Inspected::Missing),
        Err(e) => return Err(Error::storage(format!("cannot read {name}: {e}"))),
    };
    if meta.is_dir() {
        return Err(Error::storage(format!(
            "{name} is a directory, not a salespipe store"
        )));
    }
    let len = meta.len();
    match mode {
        Mode::Create if len > 0 => {
            return Err(Error::storage(format!(
                "{name} already exists ({len} bytes): SqliteStore::create makes a new store \
                 only where there is no file or an empty one; SqliteStore::open opens a store"
            )))
        }
        Mode::Create => return Ok(Inspected::Openable),
        // A crash of a SQLite writer may leave the whole database in the log.
        Mode::Open if len == 0 && !wal_has_content(path) => {
            return Err(Error::storage(format!(
                "{name} is empty (0 bytes), not a salespipe store: SqliteStore::open creates a \
                 store only where there is no file; to make one in this file, use \
                 SqliteStore::create (or delete the file)"
            )))
        }
        Mode::Open if len == 0 => return Ok(Inspected::Openable),
        Mode::Open => {}
    }
    let mut header = [0u8; 100];
    let n = read_up_to(path, &mut header)
        .map_err(|e| Error::storage(format!("cannot read {name}: {e}")))?;
    let got = &header[..n];
    if n < header.len() {
        if got.starts_with(MAGIC) || MAGIC.starts_with(got) {
            return Err(Error::storage(format!(
                "{name} is truncated: {len} bytes, shorter than a SQLite header"
            )));
        }
        return Err(not_sqlite(path));
    }
    if !got.starts_with(MAGIC) {
        return Err(not_sqlite(path));
    }
    let raw_page_size = u16::from_be_bytes([header[16], header[17]]);
    let page_size = if raw_page_size == 1 {
        65_536
    } else {
        u32::from(raw_page_size)
    };
    if !(512..=65_536).contains(&page_size) || !page_size.is_power_of_two() {
        return Err(Error::storage(format!(
            "{name} has a corrupt SQLite header (page size {raw_page_size})"
        )));
    }
    let user_version = be32(&header, 60);
    let application_id = be32(&header, 68) as i32;
    if application_id == APPLICATION_ID && user_version > CURRENT_VERSION {
        return Err(newer_schema(u64::from(user_version)));
    }
    if application_id != APPLICATION_ID && application_id != 0 {
        return Err(other_application(path, application_id));
    }
    // The header's page count is valid when the change counter matches "version valid for".
    // A log with content may legitimately hold pages past the end of the main file (a crash
    // during a checkpoint): then SQLite's own recovery decides.
    let page_count = be32(&header, 28);
    let valid = be32(&header, 24) == be32(&header, 92);
    let expected = u64::from(page_count) * u64::from(page_size);
    if valid && page_count > 0 && len < expected && !wal_has_content(path) {
        return Err(Error::storage(format!(
            "{name} is truncated: {len} bytes, its header says {expected}"
        )));
    }
    Ok(Inspected::Openable)
}

/// Makes a new store at `path`, which had no file: builds it under a temporary name next to
/// it and links it into place only once complete, so that no other opener ever sees a
/// half-made (empty) file there. Returns `false` if a file appeared at `path` meanwhile
/// (another process made it), leaving that file alone.
pub(super) fn create_file(path: &Path, options: &SqliteOptions) -> Result<bool> {
    use std::time::{SystemTime, UNIX_EPOCH};
    let name = path.display();
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".new-{}-{nanos}", std::process::id()));
    let tmp = std::path::PathBuf::from(tmp);
    let made = (|| {
        let conn = Connection::open_with_flags(&tmp, create_flags())
            .map_err(|e| Error::storage(format!("cannot create {name}: {e}")))?;
        let conn = prepare(conn, Some(&tmp), options)?;
        conn.close().map_err(|(_, e)| sql_error(e))?;
        File::open(&tmp)
            .and_then(|f| f.sync_all())
            .map_err(|e| Error::storage(format!("cannot create {name}: {e}")))?;
        match std::fs::hard_link(&tmp, path) {
            Ok(()) => {
                sync_parent(path);
                Ok(true)
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
            // No hard links here (some network or FAT file systems): create in place.
            Err(_) => {
                let conn = Connection::open_with_flags(path, create_flags())
                    .map_err(|e| Error::storage(format!("cannot create {name}: {e}")))?;
                drop(prepare(conn, Some(path), options)?);
                Ok(true)
            }
        }
    })();
    for leftover in [tmp.clone(), wal_path(&tmp), shm_path(&tmp)] {
        let _ = std::fs::remove_file(leftover);
    }
    made
}

/// Flags to open a file that may not exist yet.
pub(super) fn create_flags() -> rusqlite::OpenFlags {
    use rusqlite::OpenFlags as F;
    F::SQLITE_OPEN_READ_WRITE | F::SQLITE_OPEN_CREATE | F::SQLITE_OPEN_NO_MUTEX
}

/// Flags to open an existing file (never creating an empty one).
pub(super) fn existing_flags() -> rusqlite::OpenFlags {
    use rusqlite::OpenFlags as F;
    F::SQLITE_OPEN_READ_WRITE | F::SQLITE_OPEN_NO_MUTEX
}

/// Makes a new directory entry durable (best effort; not possible everywhere).
fn sync_parent(path: &Path) {
    #[cfg(unix)]
    if let Some(dir) = path.parent() {
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        let _ = File::open(dir).and_then(|d| d.sync_all());
    }
    #[cfg(not(unix))]
    let _ = path;
}

fn read_up_to(path: &Path, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut f = File::open(path)?;
    let mut n = 0;
    while n < buf.len() {
        match f.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

fn be32(header: &[u8; 100], at: usize) -> u32 {
    u32::from_be_bytes([header[at], header[at + 1], header[at + 2], header[at + 3]])
}

/// The write-ahead log of the database in `path`.
pub(super) fn wal_path(path: &Path) -> std::path::PathBuf {
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    wal.into()
}

/// The shared-memory index of the database in `path`.
pub(super) fn shm_path(path: &Path) -> std::path::PathBuf {
    let mut shm = path.as_os_str().to_owned();
    shm.push("-shm");
    shm.into()
}

fn wal_has_content(path: &Path) -> bool {
    std::fs::metadata(wal_path(path)).is_ok_and(|m| m.len() > 0)
}

fn not_sqlite(path: &Path) -> Error {
    Error::storage(format!(
        "{} is not a SQLite database (no SQLite header), so not a salespipe store",
        path.display()
    ))
}

fn other_application(path: &Path, application_id: i32) -> Error {
    Error::storage(format!(
        "{} is a SQLite database of another application (application_id {application_id:#010x}), \
         not a salespipe store",
        path.display()
    ))
}

fn newer_schema(found: u64) -> Error {
    Error::UnsupportedVersion {
        what: "salespipe database schema".to_owned(),
        found,
        supported: u64::from(CURRENT_VERSION),
    }
}

/// What a connection's database is.
enum Found {
    /// An empty database: becomes a new store.
    Fresh,
    /// A salespipe store of this schema version (at most [`CURRENT_VERSION`]).
    Salespipe(u32),
}

/// Identifies the database with reads only.
fn identify(conn: &Connection, name: &str) -> Result<Found> {
    let read_error = |e: rusqlite::Error| match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::NotADatabase) => {
            Error::storage(format!("{name} is not a SQLite database ({e})"))
        }
        Some(rusqlite::ErrorCode::DatabaseCorrupt) => {
            Error::storage(format!("{name} is corrupt ({e})"))
        }
        _ => Error::storage(format!("cannot read {name}: {e}")),
    };
    let application_id: i32 = conn
        .pragma_query_value(None, "application_id", |r| r.get(0))
        .map_err(read_error)?;
    let user_version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(read_error)?;
    let objects: i64 = conn
        .query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))
        .map_err(read_error)?;
    if application_id == APPLICATION_ID {
        let version = u32::try_from(user_version).map_err(|_| {
            Error::storage(format!(
                "{name} has a corrupt schema version {user_version}"
            ))
        })?;
        if version > CURRENT_VERSION {
            return Err(newer_schema(u64::from(version)));
        }
        Ok(Found::Salespipe(version))
    } else if application_id == 0 && user_version == 0 && objects == 0 {
        Ok(Found::Fresh)
    } else if application_id == 0 {
        Err(Error::storage(format!(
            "{name} is a SQLite database but not a salespipe store \
             (no salespipe application_id, {objects} schema objects)"
        )))
    } else {
        Err(Error::storage(format!(
            "{name} is a SQLite database of another application \
             (application_id {application_id:#010x}), not a salespipe store"
        )))
    }
}

/// Makes a freshly opened connection ready: identifies the database before writing anything,
/// then sets WAL mode and `synchronous`, and applies the pending migrations.
pub(super) fn prepare(
    mut conn: Connection,
    path: Option<&Path>,
    options: &SqliteOptions,
) -> Result<Connection> {
    let name = path.map_or_else(|| ":memory:".to_owned(), |p| p.display().to_string());
    conn.busy_timeout(options.busy_timeout).map_err(sql_error)?;
    // Until the file is known to be ours, closing the connection must not checkpoint a
    // write-ahead log into it (that would rewrite a file we refuse).
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, true)
        .map_err(sql_error)?;
    // Opening a file in WAL mode creates an empty log (and `-shm`) that a close without a
    // checkpoint leaves behind: if there was no log before, a refused file gets its normal
    // close (which checkpoints nothing, as nothing was written, and removes them).
    let had_log = path.is_some_and(|p| wal_path(p).exists());
    let checked =
        identify(&conn, &name).and_then(|found| match (options.integrity_check.pragma(), found) {
            (Some(pragma), Found::Salespipe(_)) => check_integrity(&conn, &name, pragma),
            _ => Ok(()),
        });
    if let Err(e) = checked {
        if !had_log {
            // Best effort: the refusal is the error that matters.
            let _ = conn.set_db_config(DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, false);
        }
        return Err(e);
    }
    if path.is_some() {
        let mode: String = conn
            .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))
            .map_err(sql_error)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(Error::storage(format!(
                "cannot switch {name} to WAL mode (it stays in {mode} mode)"
            )));
        }
    }
    conn.pragma_update(None, "synchronous", options.synchronous.pragma())
        .map_err(sql_error)?;
    migrate(&mut conn, &name)?;
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, false)
        .map_err(sql_error)?;
    Ok(conn)
}

/// Runs `PRAGMA quick_check` or `integrity_check` (reads only) and refuses a damaged file with
/// the first lines SQLite reports.
fn check_integrity(conn: &Connection, name: &str, pragma: &str) -> Result<()> {
    const SHOWN: usize = 5;
    let damaged = |what: String| {
        Error::storage(format!(
            "{name} is damaged (PRAGMA {pragma}: {what}); it was not opened and nothing was \
             written to it: restore it from a backup"
        ))
    };
    let mut stmt = conn
        .prepare(&format!("PRAGMA {pragma}({})", SHOWN + 1))
        .map_err(|e| damaged(e.to_string()))?;
    let lines = stmt
        .query_map([], |r| r.get::<_, String>(0))
        .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
        .map_err(|e| damaged(e.to_string()))?;
    if lines.len() == 1 && lines[0] == "ok" {
        return Ok(());
    }
    let mut what = lines
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join("; ");
    if lines.len() > SHOWN {
        what.push_str("; …");
    }
    Err(damaged(what))
}

/// Applies the pending migrations in one write transaction. It identifies the database again
/// under the write lock, so two processes opening one new file migrate it once.
fn migrate(conn: &mut Connection, name: &str) -> Result<()> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(sql_error)?;
    let from = match identify(&tx, name)? {
        Found::Fresh => 0,
        Found::Salespipe(v) => v,
    };
    if from == CURRENT_VERSION {
        return Ok(());
    }
    if from == 0 {
        tx.pragma_update(None, "application_id", APPLICATION_ID)
            .map_err(sql_error)?;
    }
    let mut rebuild = false;
    for m in MIGRATIONS.iter().filter(|m| m.version > from) {
        tx.execute_batch(m.sql).map_err(|e| {
            Error::storage(format!(
                "migrating {name} to schema version {} failed: {e}",
                m.version
            ))
        })?;
        tx.execute(
            "INSERT INTO salespipe_schema (version, description, applied_by) VALUES (?1, ?2, ?3)",
            params![
                m.version,
                m.description,
                concat!("salespipe ", env!("CARGO_PKG_VERSION"))
            ],
        )
        .map_err(sql_error)?;
        rebuild |= m.rebuilds_read_models;
    }
    if rebuild {
        read_model::rebuild(&tx)?;
    }
    tx.pragma_update(None, "user_version", CURRENT_VERSION)
        .map_err(sql_error)?;
    tx.commit().map_err(sql_error)
}
