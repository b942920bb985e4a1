//! The durable embedded store: one SQLite file (bundled SQLite through `rusqlite`), behind the
//! `sqlite` cargo feature, on by default.
//!
//! # Layout of the file
//!
//! - `events(position, stream, version, at, actor, schema, data)`: the log. `position` is the
//!   rowid, `UNIQUE(stream, version)` holds the optimistic-concurrency contract, and two
//!   `BEFORE INSERT` triggers refuse any row whose position is not `head + 1` or whose version
//!   is not the stream's version + 1, so the database itself refuses a lost update and a gap,
//!   whoever writes. `data` is the JSON of the [`Event`](crate::Event) (the same stable JSON
//!   as everywhere else); `schema` is the event's [`SCHEMA_VERSION`](crate::SCHEMA_VERSION).
//! - `rm_opportunities`, `rm_tasks`, `rm_activities`: read models, updated from the events
//!   in the transaction that appends them.
//! - `salespipe_schema`: one row per applied migration. `PRAGMA user_version` holds the
//!   current schema version and `PRAGMA application_id` marks the file as salespipe's.
//!
//! # What a host may do with the file
//!
//! (More in `docs/storage.md`.)
//!
//! - It **may** open the file from other processes: more stores (engines in several processes
//!   share one file), or any SQLite reader (the `sqlite3` shell, Python's `sqlite3`). It may
//!   open it again in the same process through [`SqliteStore::open`]. It may back it up with
//!   SQLite's online backup or `VACUUM INTO` from another process.
//! - It **must not**, in a process that has a store of the file open, open the file (or its
//!   `-wal` or `-shm`) by any other means: not with another SQLite library (Python's
//!   `sqlite3` next to the Python binding), not read-only (`mode=ro`, `immutable=1`), not as
//!   plain bytes (a checksum, a copy). SQLite's POSIX `fcntl` locks belong to the process, and
//!   closing any handle of the file drops them all; another connection may then checkpoint
//!   and delete the write-ahead log under the store. The store checks, before and after each
//!   commit, that its log and index are still the files at the path, and otherwise refuses
//!   the append with [`Error::Storage`] (nothing written; drop the store and open the file
//!   again) rather than acknowledge an append into a deleted log. It must not delete or
//!   replace the file, its `-wal` or `-shm` while a store has it open, nor put it on a
//!   network file system.
//! - Opening checks the file first: a missing file becomes a new store (built under a
//!   temporary name and linked into place when complete), an empty file is refused unless
//!   asked for with [`SqliteStore::create`], and a damaged one is refused after `PRAGMA
//!   quick_check` (see [`IntegrityCheck`]).

mod files;
mod read_model;
mod schema;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

use super::{encode, from_sql_int, saturating_sql_int, EventStore};
use crate::activity::{Activity, Task};
use crate::error::{Error, Result};
use crate::event::{check_schema, Event, NewEvent, RecordedEvent, SCHEMA_VERSION};
use crate::id::{ActorId, CustomerId, PipelineId, StageId};

pub use read_model::OpportunityRow;

/// How hard a commit waits for the disk. The file is always in WAL mode.
///
/// Both settings keep the database consistent (never corrupt, never a half-appended command)
/// through a process crash, an OS crash or a power loss; they differ in whether an append
/// that was already acknowledged may be lost by an OS crash or a power loss.
///
/// ```
/// use salespipe::store::{SqliteOptions, Synchronous};
/// let opts = SqliteOptions::default();
/// assert_eq!(opts.synchronous, Synchronous::Full);
/// let fast = SqliteOptions::default().synchronous(Synchronous::Normal);
/// assert_eq!(fast.synchronous, Synchronous::Normal);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Synchronous {
    /// `PRAGMA synchronous = FULL` (the default): every commit syncs the write-ahead log to
    /// disk before `append` returns, so an acknowledged append survives a process crash, an
    /// OS crash and a power loss. Costs one `fsync` per append.
    #[default]
    Full,
    /// `PRAGMA synchronous = NORMAL`: the log is synced only at checkpoints. An acknowledged
    /// append survives a process crash (the OS still holds the write), but the last appends
    /// before an OS crash or a power loss may be rolled back on the next open (whole
    /// commands, never a part of one). Much faster on slow disks; for hosts that can
    /// re-create the last few commands.
    Normal,
}

impl Synchronous {
    fn pragma(self) -> &'static str {
        match self {
            Synchronous::Full => "FULL",
            Synchronous::Normal => "NORMAL",
        }
    }
}

/// What [`SqliteStore::open_with`] checks of an existing file before using it.
///
/// A damaged page (a disk error, a file overwritten in the middle by another program) is
/// otherwise noticed only when a query happens to read it, possibly after more appends went
/// into the damaged file. A refused file is left as it was; restore it from a backup (or
/// recover what SQLite can with its `.recover` command) before opening it again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum IntegrityCheck {
    /// `PRAGMA quick_check` (the default): reads every page and checks the b-trees, but not
    /// that indexes match their tables. Linear in the file's size: about 1 ms per MB when
    /// the file is in the OS cache (0.26-0.34 s to open a file of 1M events, 288 MB), more
    /// from a cold disk: 5.2 s warm and 33.8 s cold for the 3.5 GiB file of 8.5M events of
    /// `benches/src/bin/million.rs` (see `benches/README.md`).
    #[default]
    Quick,
    /// `PRAGMA integrity_check`: `Quick` plus index-versus-table checks; about ten times
    /// slower (5 s for the same 288 MB).
    Full,
    /// No check on open: for very large files opened often, when the host checks them
    /// otherwise (e.g. a nightly `integrity_check`).
    Skip,
}

impl IntegrityCheck {
    fn pragma(self) -> Option<&'static str> {
        match self {
            IntegrityCheck::Quick => Some("quick_check"),
            IntegrityCheck::Full => Some("integrity_check"),
            IntegrityCheck::Skip => None,
        }
    }
}

/// How [`SqliteStore::open_with`] opens a file.
///
/// ```
/// use std::time::Duration;
/// use salespipe::store::{SqliteOptions, Synchronous};
/// let opts = SqliteOptions::default()
///     .synchronous(Synchronous::Normal)
///     .busy_timeout(Duration::from_secs(1));
/// assert_eq!(opts.busy_timeout, Duration::from_secs(1));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SqliteOptions {
    /// Durability of commits; default [`Synchronous::Full`] (no acknowledged loss).
    pub synchronous: Synchronous,
    /// How long an append waits for another writer (another process or another
    /// [`SqliteStore`] on the same file) before failing with [`Error::Storage`]; default 5 s.
    /// Writers queue instead of failing spuriously.
    pub busy_timeout: Duration,
    /// What is checked of an existing file on open; default [`IntegrityCheck::Quick`]. A
    /// damaged file is refused with [`Error::Storage`] naming the file and the damage.
    pub integrity_check: IntegrityCheck,
}

impl Default for SqliteOptions {
    fn default() -> Self {
        SqliteOptions {
            synchronous: Synchronous::Full,
            busy_timeout: Duration::from_secs(5),
            integrity_check: IntegrityCheck::Quick,
        }
    }
}

impl SqliteOptions {
    /// Sets [`SqliteOptions::synchronous`].
    pub fn synchronous(mut self, synchronous: Synchronous) -> Self {
        self.synchronous = synchronous;
        self
    }

    /// Sets [`SqliteOptions::busy_timeout`].
    pub fn busy_timeout(mut self, timeout: Duration) -> Self {
        self.busy_timeout = timeout;
        self
    }

    /// Sets [`SqliteOptions::integrity_check`].
    pub fn integrity_check(mut self, check: IntegrityCheck) -> Self {
        self.integrity_check = check;
        self
    }
}

/// An [`EventStore`] in one SQLite file: durable, shared safely by several processes, with
/// read models kept in the same transactions as the events.
///
/// - **Atomic appends.** Each `append` (one engine command) is one `BEGIN IMMEDIATE`
///   transaction: all its events and their read-model changes commit together or not at all.
/// - **Optimistic concurrency in the database.** `UNIQUE(stream, version)` and an insert
///   trigger refuse any event whose version is not the stream's version + 1, so two
///   processes appending to one stream cannot both win; the loser gets
///   [`Error::Conflict`] with the version it found. A writer that finds the file locked by
///   another writer waits up to [`SqliteOptions::busy_timeout`].
/// - **Gap-free positions in commit order.** SQLite has one writer at a time per file, and a
///   position is assigned as `head + 1` inside the write transaction (an insert trigger
///   refuses anything else). So positions are handed out in commit order, a rolled-back
///   append hands nothing out, and a reader paging with [`EventStore::read_all`] can never
///   see position `n + 1` before `n` has committed: it never skips an event.
/// - **Durability**: see [`Synchronous`]; the default is [`Synchronous::Full`].
/// - **Versioned schema.** Opening applies forward migrations. A file written by a newer
///   schema is refused with [`Error::UnsupportedVersion`]; a file that is not a salespipe
///   store (another SQLite database, random bytes, a truncated file) is refused with
///   [`Error::Storage`] saying which. A refused file is left as it was.
///
/// Clones share one connection (a `Mutex`); open the file again for a second connection.
///
/// ```
/// use salespipe::*;
/// use salespipe::store::SqliteStore;
/// let dir = tempfile::tempdir().map_err(Error::storage)?;
/// let path = dir.path().join("crm.sqlite");
/// let store = SqliteStore::open(&path)?;
/// let mut engine = Engine::builder().store(store.clone()).build()?;
/// engine.register_user("boss", User::new("boss", "Boss", Role::Admin))?;
/// engine.define_pipeline("boss", Pipeline::builder("sales", "Sales")
///     .stage(Stage::new("qualify", "识别潜在客户", 0.1))
///     .stage(Stage::new("demo", "产品演示", 0.3))
///     .build()?)?;
/// engine.create_customer("boss", Customer::new("acme", "Acme"))?;
/// engine.create_opportunity("boss", NewOpportunity::new("opp-1", "sales", "acme", "boss",
///     "Acme ERP", Money::parse("120000", "CNY")?))?;
/// engine.advance("boss", "opp-1", "demo")?;
///
/// // The read models answer without replaying the log.
/// let in_demo = store.open_opportunities_by_stage(&"sales".into(), &"demo".into())?;
/// assert_eq!(in_demo[0].id.as_str(), "opp-1");
///
/// // Another engine (or another process) opening the file sees the same history.
/// drop(engine);
/// let again = Engine::builder().store(SqliteStore::open(&path)?).build()?;
/// assert_eq!(again.view().opportunity(&"opp-1".into())?.stage.as_str(), "demo");
/// # Ok::<(), salespipe::Error>(())
/// ```
#[derive(Clone)]
pub struct SqliteStore {
    inner: Arc<Inner>,
}

struct Inner {
    conn: Mutex<Connection>,
    path: Option<PathBuf>,
    options: SqliteOptions,
    /// The files the connection holds open (for a file store): checked around each commit.
    files: Option<files::Held>,
}

impl fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.inner.path)
            .field("options", &self.inner.options)
            .finish()
    }
}

/// Columns of `events` in the order [`RowDecoder::row`] reads them.
const EVENT_COLUMNS: &str = "position, stream, version, at, actor, schema, data";

impl SqliteStore {
    /// The schema version this build writes, and the newest it opens.
    pub const SCHEMA_VERSION: u32 = schema::CURRENT_VERSION;

    /// The `PRAGMA application_id` that marks a file as a salespipe store (`"SPip"`).
    pub const APPLICATION_ID: i32 = schema::APPLICATION_ID;

    /// Opens the store in `path`, creating it if there is no file, with the default
    /// [`SqliteOptions`] (synchronous FULL). An existing empty file is refused (it is not a
    /// store, and may be a file the host meant to fill otherwise): make a store in it with
    /// [`SqliteStore::create`].
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        SqliteStore::open_with(path, SqliteOptions::default())
    }

    /// Opens the store in `path` with `options`, applying forward migrations; creates it if
    /// there is no file (built under a temporary name and linked into place once complete, so
    /// another process never sees a half-made store). Refuses, leaving the file as it was, a
    /// file of a newer schema ([`Error::UnsupportedVersion`]), and ([`Error::Storage`]) a file
    /// that is not a salespipe store, an empty file, and a damaged one (see
    /// [`SqliteOptions::integrity_check`]).
    pub fn open_with(path: impl AsRef<Path>, options: SqliteOptions) -> Result<Self> {
        SqliteStore::open_file(path.as_ref(), options, schema::Mode::Open)
    }

    /// Makes a new store in `path`, where there is no file or an empty one (e.g. a file made
    /// by `tempfile`), with the default [`SqliteOptions`]. Refuses any other file with
    /// [`Error::Storage`], a salespipe store included (open that with [`SqliteStore::open`]).
    pub fn create(path: impl AsRef<Path>) -> Result<Self> {
        SqliteStore::create_with(path, SqliteOptions::default())
    }

    /// [`SqliteStore::create`] with `options`.
    pub fn create_with(path: impl AsRef<Path>, options: SqliteOptions) -> Result<Self> {
        SqliteStore::open_file(path.as_ref(), options, schema::Mode::Create)
    }

    fn open_file(path: &Path, options: SqliteOptions, mode: schema::Mode) -> Result<Self> {
        // Decide and read the header with the registry locked, and count the file as open
        // before SQLite opens it: no other opener in this process reads the file's header
        // (an `open` and `close` of the file, which would drop this process's locks on it)
        // while a store of it is open.
        let registration = {
            let mut registry = files::registry();
            if files::is_open_here(&registry, path) {
                if mode == schema::Mode::Create {
                    return Err(Error::storage(format!(
                        "{} already exists: a store of it is open in this process",
                        path.display()
                    )));
                }
                // Already open in this process, so a salespipe store: reading its header
                // with a handle of our own would drop the open store's locks.
            } else if schema::inspect_file(path, mode)? == schema::Inspected::Missing {
                let made = schema::create_file(path, &options)?;
                if !made && mode == schema::Mode::Create {
                    return Err(Error::storage(format!(
                        "{} already exists: another process created it meanwhile",
                        path.display()
                    )));
                }
                if !made {
                    // Another process made a file there meanwhile: look at it as at any other.
                    schema::inspect_file(path, mode)?;
                }
            }
            files::Registration::new(&mut registry, path)
        };
        let flags = match mode {
            schema::Mode::Open => schema::existing_flags(),
            schema::Mode::Create => schema::create_flags(),
        };
        let conn = Connection::open_with_flags(path, flags)
            .map_err(|e| Error::storage(format!("cannot open {}: {e}", path.display())))?;
        let conn = schema::prepare(conn, Some(path), &options)?;
        let held = files::Held::new(registration, path);
        Ok(SqliteStore::from_connection(
            conn,
            Some(path.to_path_buf()),
            options,
            Some(held),
        ))
    }

    /// A store in memory (SQLite `:memory:`, no file): for tests of code that uses the read
    /// models. Clones share it; it disappears with the last clone.
    pub fn in_memory() -> Result<Self> {
        let options = SqliteOptions::default();
        let conn = Connection::open_in_memory().map_err(sql_error)?;
        let conn = schema::prepare(conn, None, &options)?;
        Ok(SqliteStore::from_connection(conn, None, options, None))
    }

    fn from_connection(
        conn: Connection,
        path: Option<PathBuf>,
        options: SqliteOptions,
        files: Option<files::Held>,
    ) -> Self {
        conn.set_prepared_statement_cache_capacity(32);
        SqliteStore {
            inner: Arc::new(Inner {
                conn: Mutex::new(conn),
                path,
                options,
                files,
            }),
        }
    }

    /// The file, or `None` for [`SqliteStore::in_memory`].
    pub fn path(&self) -> Option<&Path> {
        self.inner.path.as_deref()
    }

    /// The options the store was opened with.
    pub fn options(&self) -> &SqliteOptions {
        &self.inner.options
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        self.inner
            .conn
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Open opportunities in `stage` of `pipeline`, sorted by id (the read model behind
    /// [`View::opportunities_in_stage`](crate::View::opportunities_in_stage)).
    pub fn open_opportunities_by_stage(
        &self,
        pipeline: &PipelineId,
        stage: &StageId,
    ) -> Result<Vec<OpportunityRow>> {
        read_model::opportunities_by_stage(&self.conn(), pipeline, stage)
    }

    /// Open opportunities owned by `owner`, sorted by id.
    pub fn open_opportunities_by_owner(&self, owner: &ActorId) -> Result<Vec<OpportunityRow>> {
        read_model::opportunities_by_owner(&self.conn(), owner)
    }

    /// Open tasks, of one owner or of everybody, by due time then id (as
    /// [`View::open_tasks`](crate::View::open_tasks)).
    pub fn open_tasks(&self, owner: Option<&ActorId>) -> Result<Vec<Task>> {
        read_model::open_tasks(&self.conn(), owner)
    }

    /// The activities with a customer, oldest first, ties by id (as
    /// [`View::activities_for_customer`](crate::View::activities_for_customer)).
    pub fn activities_for_customer(&self, customer: &CustomerId) -> Result<Vec<Activity>> {
        read_model::activities_for_customer(&self.conn(), customer)
    }

    /// Drops and rebuilds every read model from the events, in one transaction (what a
    /// migration that adds or changes a read model does).
    pub fn rebuild_read_models(&self) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql_error)?;
        read_model::rebuild(&tx)?;
        tx.commit().map_err(sql_error)
    }
}

impl SqliteStore {
    /// Appends `events` in one transaction (see [`EventStore::append_iter`]) and returns
    /// them as recorded, once committed.
    fn write(
        &self,
        stream: &str,
        expected: u64,
        events: &mut dyn ExactSizeIterator<Item = NewEvent>,
    ) -> Result<Vec<RecordedEvent>> {
        if events.len() == 0 {
            return Err(Error::validation("events", "nothing to append"));
        }
        // Encode before taking the lock and the write transaction.
        let events = events
            .map(|e| encode(&e.event).map(|data| (e, data)))
            .collect::<Result<Vec<_>>>()?;
        let mut conn = self.conn();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql_error)?;
        // The database checks the expected version: the insert of version `expected + 1`
        // fails (unique key or trigger) unless the stream is at `expected`. The stream's
        // version is read only to report a conflict; reading it on every append would cost a
        // statement re-preparation (SQLite re-plans a query whose indexed `=` parameter
        // changes when STAT4 is compiled in, as in the bundled build).
        let Ok(expected_sql) = i64::try_from(expected) else {
            return Err(Error::Conflict {
                stream: stream.to_owned(),
                expected,
                actual: stream_version_in(&tx, stream)?,
            });
        };
        let head = head_in(&tx)?;
        let mut recorded = Vec::with_capacity(events.len());
        let name: Arc<str> = Arc::from(stream);
        {
            let mut insert = tx
                .prepare_cached(
                    "INSERT INTO events (position, stream, version, at, actor, schema, data) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )
                .map_err(sql_error)?;
            for (i, (e, data)) in events.into_iter().enumerate() {
                let i = i as u64 + 1;
                let position = head + i;
                let version = expected + i;
                let inserted = insert.execute(params![
                    to_sql_int("position", position)?,
                    stream,
                    expected_sql.saturating_add(i as i64),
                    e.at.as_millis(),
                    e.actor.as_str(),
                    SCHEMA_VERSION,
                    data,
                ]);
                if let Err(err) = inserted {
                    let constraint =
                        err.sqlite_error_code() == Some(rusqlite::ErrorCode::ConstraintViolation);
                    let actual = stream_version_in(&tx, stream)?;
                    return Err(if constraint && actual != expected {
                        Error::Conflict {
                            stream: stream.to_owned(),
                            expected,
                            actual,
                        }
                    } else {
                        sql_error(err)
                    });
                }
                recorded.push(RecordedEvent {
                    position,
                    stream: Arc::clone(&name),
                    version,
                    at: e.at,
                    actor: e.actor,
                    schema: SCHEMA_VERSION,
                    event: e.event,
                });
            }
        }
        for r in &recorded {
            read_model::apply(&tx, r)?;
        }
        // The log and the index must still be the files the connection writes: if another
        // handle of the file in this process was closed, the process lost its locks, and
        // another connection may have removed them (then this commit would go to a deleted
        // file and be lost).
        if let Some(files) = &self.inner.files {
            files.check(false)?; // the transaction rolls back
        }
        tx.commit().map_err(sql_error)?;
        if let Some(files) = &self.inner.files {
            files.check(true)?;
        }
        Ok(recorded)
    }
}

impl EventStore for SqliteStore {
    /// Lends the events it wrote, once committed.
    fn append_iter(
        &self,
        stream: &str,
        expected: u64,
        events: &mut dyn ExactSizeIterator<Item = NewEvent>,
        f: &mut dyn FnMut(&RecordedEvent),
    ) -> Result<u64> {
        let recorded = self.write(stream, expected, events)?;
        recorded.iter().for_each(f);
        Ok(recorded.last().map_or(0, |e| e.position))
    }

    /// Hands over the events it wrote instead of copies.
    fn append(
        &self,
        stream: &str,
        expected: u64,
        events: Vec<NewEvent>,
    ) -> Result<Vec<RecordedEvent>> {
        self.write(stream, expected, &mut events.into_iter())
    }

    fn read_stream(&self, stream: &str, after_version: u64) -> Result<Vec<RecordedEvent>> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare_cached(&format!(
                "SELECT {EVENT_COLUMNS} FROM events WHERE stream = ?1 AND version > ?2 \
                 ORDER BY version"
            ))
            .map_err(sql_error)?;
        let mut rows = stmt
            .query(params![stream, saturating_sql_int(after_version)])
            .map_err(sql_error)?;
        let mut out = Vec::new();
        let mut decoder = RowDecoder::default();
        while let Some(row) = rows.next().map_err(sql_error)? {
            out.push(decoder.row(row)?);
        }
        Ok(out)
    }

    fn read_all(&self, after_position: u64, limit: usize) -> Result<Vec<RecordedEvent>> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let conn = self.conn();
        let mut stmt = conn
            .prepare_cached(&format!(
                "SELECT {EVENT_COLUMNS} FROM events WHERE position > ?1 \
                 ORDER BY position LIMIT ?2"
            ))
            .map_err(sql_error)?;
        let limit_sql = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut rows = stmt
            .query(params![saturating_sql_int(after_position), limit_sql])
            .map_err(sql_error)?;
        let mut out = Vec::with_capacity(limit.min(4096));
        let mut decoder = RowDecoder::default();
        while let Some(row) = rows.next().map_err(sql_error)? {
            out.push(decoder.row(row)?);
        }
        Ok(out)
    }

    /// One statement streams every row: no pages, no intermediate vector. The connection stays
    /// locked while `f` runs, so `f` must not use this store.
    fn scan(&self, after_position: u64, f: &mut dyn FnMut(&RecordedEvent)) -> Result<u64> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare_cached(&format!(
                "SELECT {EVENT_COLUMNS} FROM events WHERE position > ?1 ORDER BY position"
            ))
            .map_err(sql_error)?;
        let mut rows = stmt
            .query(params![saturating_sql_int(after_position)])
            .map_err(sql_error)?;
        let mut last = after_position;
        let mut decoder = RowDecoder::default();
        while let Some(row) = rows.next().map_err(sql_error)? {
            let event = decoder.row(row)?;
            last = event.position;
            f(&event);
        }
        Ok(last)
    }

    fn head(&self) -> Result<u64> {
        head_in(&self.conn())
    }

    fn stream_version(&self, stream: &str) -> Result<u64> {
        stream_version_in(&self.conn(), stream)
    }
}

fn head_in(conn: &Connection) -> Result<u64> {
    let head: Option<i64> = conn
        .prepare_cached("SELECT MAX(position) FROM events")
        .and_then(|mut s| s.query_row([], |r| r.get(0)))
        .map_err(sql_error)?;
    from_sql_int("position", head.unwrap_or(0))
}

fn stream_version_in(conn: &Connection, stream: &str) -> Result<u64> {
    let version: Option<i64> = conn
        .prepare_cached("SELECT MAX(version) FROM events WHERE stream = ?1")
        .and_then(|mut s| s.query_row([stream], |r| r.get(0)))
        .optional()
        .map_err(sql_error)?
        .flatten();
    from_sql_int("version", version.unwrap_or(0))
}

/// A text column borrowed from the row (no intermediate `String`).
fn text_column<'r>(row: &'r rusqlite::Row<'_>, index: usize) -> Result<&'r str> {
    row.get_ref(index)
        .and_then(|v| v.as_str().map_err(Into::into))
        .map_err(sql_error)
}

/// Decodes rows of `SELECT {EVENT_COLUMNS}`, sharing the stream name and the actor with the
/// previous row when they are the same (a stream's events are often consecutive, and a log
/// has few actors): one `Arc` increment instead of an allocation per event.
#[derive(Default)]
struct RowDecoder {
    stream: Option<Arc<str>>,
    actor: Option<ActorId>,
}

impl RowDecoder {
    /// Decodes one row. The payload is parsed straight from SQLite's buffer; an event of a newer schema is [`Error::UnsupportedVersion`].
    fn row(&mut self, row: &rusqlite::Row<'_>) -> Result<RecordedEvent> {
        let position = from_sql_int("position", row.get(0).map_err(sql_error)?)?;
        let schema: i64 = row.get(5).map_err(sql_error)?;
        let schema = u32::try_from(schema)
            .map_err(|_| Error::storage(format!("event {position}: bad schema {schema}")))?;
        check_schema(schema)?;
        let event: Event = serde_json::from_str(text_column(row, 6)?)
            .map_err(|e| Error::storage(format!("event {position} is unreadable: {e}")))?;
        let stream = text_column(row, 1)?;
        let stream = match &self.stream {
            Some(last) if **last == *stream => Arc::clone(last),
            _ => Arc::clone(self.stream.insert(Arc::from(stream))),
        };
        let actor = text_column(row, 4)?;
        let actor = match &self.actor {
            Some(last) if last.as_str() == actor => last.clone(),
            _ => self.actor.insert(ActorId::new(actor)).clone(),
        };
        Ok(RecordedEvent {
            position,
            stream,
            version: from_sql_int("version", row.get(2).map_err(sql_error)?)?,
            at: crate::clock::Timestamp::from_millis(row.get(3).map_err(sql_error)?),
            actor,
            schema,
            event,
        })
    }
}

fn to_sql_int(what: &str, v: u64) -> Result<i64> {
    i64::try_from(v).map_err(|_| Error::validation(what, format!("{v} is too large")))
}

/// Maps a SQLite failure to [`Error::Storage`] with a message that says what happened.
fn sql_error(e: rusqlite::Error) -> Error {
    use rusqlite::ErrorCode as C;
    match e.sqlite_error_code() {
        Some(C::DatabaseBusy | C::DatabaseLocked) => Error::storage(format!(
            "database is busy: another writer held it past the busy timeout ({e})"
        )),
        Some(C::DatabaseCorrupt) => Error::storage(format!("database file is corrupt ({e})")),
        Some(C::NotADatabase) => Error::storage(format!("file is not a SQLite database ({e})")),
        Some(C::DiskFull) => Error::storage(format!("disk is full ({e})")),
        Some(C::ReadOnly) => Error::storage(format!("database is read-only ({e})")),
        _ => Error::storage(format!("sqlite: {e}")),
    }
}

#[cfg(test)]
mod tests;
