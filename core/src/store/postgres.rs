//! The shared server store: one schema of a PostgreSQL database (the synchronous client of
//! rust-postgres, the `postgres` crate), behind the `postgres` cargo feature, off by default.
//! Several engines in several processes on several machines share it.
//!
//! # Layout of the schema
//!
//! Everything lives in one schema (`salespipe` unless [`PostgresOptions::schema`] says
//! otherwise, so several tenants can share a server and a database):
//!
//! - `events(position, stream, version, at, actor, schema, data)`: the log. `position` is the
//!   primary key, `UNIQUE (stream, version)` holds the optimistic-concurrency contract, and a
//!   `BEFORE INSERT` trigger refuses any row whose position is not `head + 1` or whose version
//!   is not its stream's version + 1, so the database itself refuses a gap and a lost
//!   update, whoever writes. Updates, deletes and `TRUNCATE` are refused. `data` is the JSON
//!   of the [`Event`](crate::Event) as text, byte for byte as written (the same stable JSON
//!   as everywhere else); `schema` the event's [`SCHEMA_VERSION`](crate::SCHEMA_VERSION).
//! - `append(stream, expected, at[], actor[], schema, data[])`: the one function an append
//!   calls (one statement, one round trip, one transaction).
//! - `salespipe_schema(version, application, description, applied_by, applied_at)`: one row
//!   per applied migration. A schema without it (and not empty), or whose table has other
//!   columns or another `application`, is not salespipe's and is refused without being
//!   touched; a newer version is refused with [`Error::UnsupportedVersion`].
//!
//! # How positions stay gap-free in commit order
//!
//! A reader polling [`EventStore::scan`] (or [`EventStore::read_all`]) with the last position
//! it saw must never skip an event that commits later with a lower position. With a
//! `bigserial` that can happen: transaction A takes position 7, B takes 8 and commits first,
//! a reader sees 8 and moves past 7 before A commits. This store avoids it by **serialising
//! appends under a transaction-scoped advisory lock** (`pg_advisory_xact_lock`, one key per
//! schema): the append function takes the lock, then reads the stream's version and the head
//! with fresh snapshots (`READ COMMITTED`: each statement of the function sees every append
//! committed before it got the lock), inserts at `head + 1 …` and holds the lock until its
//! transaction ends. PostgreSQL releases a transaction's locks only after its commit is
//! visible to new snapshots, so the next append starts from a head that includes it, and:
//!
//! - positions are handed out in commit order, and a rolled-back append (a conflict, a lost
//!   connection, a killed client) hands nothing out: no gaps;
//! - a snapshot that sees position `n + 1` sees `n` (`n` committed before `n + 1`'s
//!   transaction began), so one `SELECT … WHERE position > after ORDER BY position` never
//!   returns a later event without the earlier ones.
//!
//! The insert trigger takes the same lock, so a writer that bypasses the function (plain
//! `INSERT`s) is serialised and checked too.
//!
//! **What it costs:** appends to one schema run one at a time, whatever stream they touch, so
//! their throughput is bounded by one append's latency inside the server (the lock is held
//! from the function's start through the commit, including the WAL flush when
//! `synchronous_commit` is on): about the rate of a single client doing one-row
//! autocommit `INSERT`s. Concurrent writers queue on the lock instead of failing. Readers
//! take no lock and never wait for writers. The alternative, commit-order filtering (a
//! `bigserial` plus reading only below the oldest in-progress transaction's position, e.g.
//! with `pg_snapshot_xmin`), lets writers commit in parallel but makes every reader wait for
//! the slowest writer and needs a transaction id per row; for a sales pipeline (commands
//! per second, not per microsecond) serialised appends are simpler and cheaper overall.
//!
//! # Connections, failures and recovery
//!
//! A store holds one connection for reads and appends (clones share it; open the URL again
//! for a second connection) and, once [`EventStore::wait_for_events`] is called, a second one
//! that `LISTEN`s. When the server goes away (a restart, a network failure) the call that
//! noticed fails with [`Error::Storage`] and the next call connects again. An append whose
//! connection was lost while committing may or may not have committed: its error says so,
//! nothing half-written can be seen either way, and an engine folds it in on its next
//! catch-up if it did. TLS is not supported yet (connect over a Unix socket, loopback or a
//! tunnel; `sslmode=require` is refused).

mod schema;

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use postgres::fallible_iterator::FallibleIterator;
use postgres::{Client, Config, NoTls, Statement};

use super::{encode, from_sql_int, saturating_sql_int, EventStore};
use crate::error::{Error, Result};
use crate::event::{check_schema, Event, NewEvent, RecordedEvent, SCHEMA_VERSION};
use crate::id::ActorId;

/// The schema used when [`PostgresOptions::schema`] is not set.
pub const DEFAULT_SCHEMA: &str = "salespipe";

/// How [`PostgresStore::open_with`] opens a database.
///
/// ```
/// use std::time::Duration;
/// use salespipe::store::PostgresOptions;
/// let opts = PostgresOptions::default()
///     .schema("tenant_42")
///     .connect_timeout(Duration::from_secs(2));
/// assert_eq!(opts.schema, "tenant_42");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PostgresOptions {
    /// The schema that holds the store (default `salespipe`): lowercase ASCII letters,
    /// digits and `_`, starting with a letter or `_`, at most 48 bytes. A URL's `schema`
    /// query parameter sets it too (`postgres://host/db?schema=tenant_42`).
    pub schema: String,
    /// How long connecting may take before failing with [`Error::Storage`]; default 10 s.
    pub connect_timeout: Duration,
    /// How often [`EventStore::wait_for_events`] asks for the head while it waits, as well
    /// as listening for notifications (the fallback when notifications cannot arrive, e.g.
    /// through a pooler in transaction mode); default 1 s.
    pub poll_interval: Duration,
}

impl Default for PostgresOptions {
    fn default() -> Self {
        PostgresOptions {
            schema: DEFAULT_SCHEMA.to_owned(),
            connect_timeout: Duration::from_secs(10),
            poll_interval: Duration::from_secs(1),
        }
    }
}

impl PostgresOptions {
    /// Sets [`PostgresOptions::schema`].
    pub fn schema(mut self, schema: impl Into<String>) -> Self {
        self.schema = schema.into();
        self
    }

    /// Sets [`PostgresOptions::connect_timeout`].
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Sets [`PostgresOptions::poll_interval`].
    pub fn poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = interval;
        self
    }
}

/// The names derived from the schema.
#[derive(Debug, Clone)]
struct Names {
    schema: String,
    /// The schema as a quoted identifier.
    quoted: String,
    /// The database, for messages.
    database: String,
    /// The advisory-lock key every append to this schema takes.
    append_lock: i64,
    /// The advisory-lock key migrations of this schema take.
    migrate_lock: i64,
    /// The channel appends notify.
    channel: String,
}

impl Names {
    fn new(schema: &str, database: &str) -> Result<Self> {
        let valid = !schema.is_empty()
            && schema.len() <= 48
            && schema
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            && !schema.as_bytes()[0].is_ascii_digit()
            && !schema.starts_with("pg_");
        if !valid {
            return Err(Error::validation(
                "schema",
                format!(
                    "{schema:?} is not a valid schema name: use lowercase ASCII letters, digits \
                     and _, start with a letter or _, not pg_, at most 48 bytes"
                ),
            ));
        }
        // "SPip" in the high half, a hash of the schema in the low half: tenants of one
        // database get different locks (a collision would only serialise them together).
        let hash = fnv1a(schema.as_bytes());
        let high = i64::from(i32::from_be_bytes(*b"SPip")) << 32;
        Ok(Names {
            schema: schema.to_owned(),
            quoted: format!("\"{schema}\""),
            database: database.to_owned(),
            append_lock: high | i64::from(hash),
            migrate_lock: high | i64::from(hash ^ 0x5a5a_5a5a),
            channel: format!("salespipe_{schema}"),
        })
    }
}

fn fnv1a(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(*b)).wrapping_mul(0x0100_0193)
    })
}

/// An [`EventStore`] in one schema of a PostgreSQL database: durable, shared by engines in
/// any number of processes and machines.
///
/// - **Atomic appends.** Each append (one engine command) is one statement calling the
///   schema's `append` function: all its events commit together or none does.
/// - **Optimistic concurrency in the database.** `UNIQUE (stream, version)`, the version
///   check of the append function and an insert trigger refuse any event whose version is not
///   its stream's version + 1; the loser of a race gets [`Error::Conflict`] with the version
///   it found.
/// - **Gap-free positions in commit order**, under a transaction-scoped advisory lock: see
///   the module documentation for how, and what it costs.
/// - **Versioned schema.** Opening applies forward migrations (once, even when several
///   engines open a new database together). A schema written by a newer version is refused
///   with [`Error::UnsupportedVersion`]; a schema holding another application's tables (even
///   ones named like salespipe's) is refused with [`Error::Storage`]; both are left as they
///   were.
/// - **Change notification.** Each append notifies the schema's channel at commit;
///   [`EventStore::wait_for_events`] listens on it (and polls the head as a fallback), so
///   an engine on another server learns of new events promptly (see
///   [`Engine::wait_for_events`](crate::Engine::wait_for_events)).
///
/// ```no_run
/// use salespipe::*;
/// use salespipe::store::{PostgresOptions, PostgresStore};
/// let store = PostgresStore::open_with(
///     "postgres://app@db.internal/crm",
///     PostgresOptions::default().schema("tenant_42"),
/// )?;
/// let engine = Engine::builder().store(store).build()?;
/// # let _ = engine;
/// # Ok::<(), salespipe::Error>(())
/// ```
#[derive(Clone)]
pub struct PostgresStore {
    inner: Arc<Inner>,
}

struct Inner {
    config: Config,
    /// Where, for messages (no password).
    target: String,
    names: Names,
    options: PostgresOptions,
    conn: Mutex<Option<Conn>>,
    listener: Mutex<Option<Client>>,
}

impl fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresStore")
            .field("server", &self.inner.target)
            .field("schema", &self.inner.names.schema)
            .finish()
    }
}

/// A connection and its prepared statements.
struct Conn {
    client: Client,
    append: Statement,
    read_stream: Statement,
    read_all: Statement,
    scan: Statement,
    head: Statement,
    stream_version: Statement,
}

/// Columns of `events` in the order [`RowDecoder::row`] reads them.
const EVENT_COLUMNS: &str = "position, stream, version, at, actor, schema, data";

impl PostgresStore {
    /// The schema version this build writes, and the newest it opens.
    pub const SCHEMA_VERSION: u32 = schema::CURRENT_VERSION;

    /// Opens the store at `url` (`postgres://user:password@host:port/database`, or a
    /// libpq-style `host=… dbname=…` string) in the default schema (`salespipe`, or the URL's
    /// `schema` parameter), creating the schema and its tables when they do not exist.
    pub fn open(url: &str) -> Result<Self> {
        PostgresStore::open_with(url, PostgresOptions::default())
    }

    /// Opens the store at `url` with `options` (the URL's `schema` parameter wins over
    /// [`PostgresOptions::schema`]): connects, identifies the schema and applies forward
    /// migrations. Refuses, changing nothing, a schema of a newer version
    /// ([`Error::UnsupportedVersion`]) and one that is not a salespipe store
    /// ([`Error::Storage`]); an unreachable server or a refused login is [`Error::Storage`].
    pub fn open_with(url: &str, mut options: PostgresOptions) -> Result<Self> {
        let (url, schema) = split_schema_param(url);
        if let Some(schema) = schema {
            options.schema = schema;
        }
        let mut config: Config = url
            .parse()
            .map_err(|e| Error::validation("url", format!("not a PostgreSQL URL: {e}")))?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(options.connect_timeout);
        }
        if config.get_application_name().is_none() {
            config.application_name("salespipe");
        }
        let target = describe(&config);
        let database = config
            .get_dbname()
            .or(config.get_user())
            .unwrap_or("postgres")
            .to_owned();
        let names = Names::new(&options.schema, &database)?;
        let inner = Inner {
            config,
            target,
            names,
            options,
            conn: Mutex::new(None),
            listener: Mutex::new(None),
        };
        let mut client = inner.connect_client()?;
        schema::prepare(&mut client, &inner.names)?;
        let conn = inner.prepare_statements(client)?;
        *inner.conn.lock().unwrap_or_else(PoisonError::into_inner) = Some(conn);
        Ok(PostgresStore {
            inner: Arc::new(inner),
        })
    }

    /// The schema that holds the store.
    pub fn schema(&self) -> &str {
        &self.inner.names.schema
    }

    /// The options the store was opened with.
    pub fn options(&self) -> &PostgresOptions {
        &self.inner.options
    }

    /// Runs `f` on the connection, connecting first if there is none; forgets a connection
    /// that turned out to be closed, so that the next call connects again.
    fn with_conn<T>(&self, f: impl FnOnce(&mut Conn) -> Result<T>) -> Result<T> {
        let mut guard = self.inner.lock_conn();
        if guard.as_ref().is_some_and(|c| c.client.is_closed()) {
            *guard = None;
        }
        let conn = match &mut *guard {
            Some(conn) => conn,
            None => {
                let client = self.inner.connect_client()?;
                guard.insert(self.inner.prepare_statements(client)?)
            }
        };
        let out = f(conn);
        if conn.client.is_closed() {
            *guard = None;
        }
        out
    }

    /// Appends `events` in one statement and returns them as recorded, once committed.
    fn write(
        &self,
        stream: &str,
        expected: u64,
        events: &mut dyn ExactSizeIterator<Item = NewEvent>,
    ) -> Result<Vec<RecordedEvent>> {
        if events.len() == 0 {
            return Err(Error::validation("events", "nothing to append"));
        }
        let conflict = |actual| Error::Conflict {
            stream: stream.to_owned(),
            expected,
            actual,
        };
        let Ok(expected_sql) = i64::try_from(expected) else {
            return Err(conflict(self.stream_version(stream)?));
        };
        let events: Vec<NewEvent> = events.collect();
        let mut at = Vec::with_capacity(events.len());
        let mut actors = Vec::with_capacity(events.len());
        let mut data = Vec::with_capacity(events.len());
        for e in &events {
            at.push(e.at.as_millis());
            actors.push(e.actor.as_str());
            data.push(encode(&e.event)?);
        }
        let schema = i32::try_from(SCHEMA_VERSION).unwrap_or(i32::MAX);
        let head = self.with_conn(|c| {
            let row = c.client.query_one(
                &c.append,
                &[&stream, &expected_sql, &at, &actors, &schema, &data],
            );
            match row {
                Ok(row) => from_sql_int("position", try_get(&row, 0)?),
                Err(e) => Err(append_error(&e, &self.inner.names, stream, expected)),
            }
        })?;
        let name: Arc<str> = Arc::from(stream);
        Ok(events
            .into_iter()
            .enumerate()
            .map(|(i, e)| RecordedEvent {
                position: head + i as u64 + 1,
                stream: Arc::clone(&name),
                version: expected + i as u64 + 1,
                at: e.at,
                actor: e.actor,
                schema: SCHEMA_VERSION,
                event: e.event,
            })
            .collect())
    }

    /// Waits on the listening connection for a notification or `slice`, whichever first.
    /// Returns `false` when listening is not possible (then the caller sleeps instead).
    fn listen_for(&self, slice: Duration) -> bool {
        let mut guard = self
            .inner
            .listener
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if guard.as_ref().is_some_and(Client::is_closed) {
            *guard = None;
        }
        let Some(client) = guard.as_mut() else {
            let listen = format!("LISTEN \"{}\"", self.inner.names.channel);
            let Ok(mut client) = self.inner.connect_client() else {
                return false;
            };
            if client.batch_execute(&listen).is_err() {
                return false;
            }
            // An append that committed between the caller's look at the head and the
            // LISTEN sent no notification here: return at once so that the caller looks at
            // the head again, now that later appends will notify.
            *guard = Some(client);
            return true;
        };
        {
            let mut notifications = client.notifications();
            // Drain what is pending, then wait for one more (or the slice).
            let mut got = false;
            while let Ok(Some(_)) = notifications.iter().next() {
                got = true;
            }
            if !got {
                let _ = notifications.timeout_iter(slice).next();
            }
        }
        if client.is_closed() {
            *guard = None;
        }
        true
    }
}

impl Inner {
    fn lock_conn(&self) -> MutexGuard<'_, Option<Conn>> {
        self.conn.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn connect_client(&self) -> Result<Client> {
        let mut client = self.config.connect(NoTls).map_err(|e| {
            Error::storage(format!(
                "cannot connect to PostgreSQL at {}: {}",
                self.target,
                error_text(&e)
            ))
        })?;
        // The append function's reads rely on a new snapshot per statement.
        client
            .batch_execute("SET default_transaction_isolation = 'read committed'")
            .map_err(|e| pg_error(&e, "cannot set up the connection"))?;
        Ok(client)
    }

    fn prepare_statements(&self, mut client: Client) -> Result<Conn> {
        let s = &self.names.quoted;
        let mut prepare = |sql: String| {
            client
                .prepare(&sql)
                .map_err(|e| pg_error(&e, "cannot prepare a statement"))
        };
        let append = prepare(format!(
            "SELECT {s}.append($1::text, $2::bigint, $3::bigint[], $4::text[], $5::integer, \
             $6::text[])"
        ))?;
        let read_stream = prepare(format!(
            "SELECT {EVENT_COLUMNS} FROM {s}.events WHERE stream = $1 AND version > $2 \
             ORDER BY version"
        ))?;
        let read_all = prepare(format!(
            "SELECT {EVENT_COLUMNS} FROM {s}.events WHERE position > $1 \
             ORDER BY position LIMIT $2"
        ))?;
        let scan = prepare(format!(
            "SELECT {EVENT_COLUMNS} FROM {s}.events WHERE position > $1 ORDER BY position"
        ))?;
        let head = prepare(format!(
            "SELECT COALESCE(max(position), 0)::bigint FROM {s}.events"
        ))?;
        let stream_version = prepare(format!(
            "SELECT COALESCE(max(version), 0)::bigint FROM {s}.events WHERE stream = $1"
        ))?;
        Ok(Conn {
            client,
            append,
            read_stream,
            read_all,
            scan,
            head,
            stream_version,
        })
    }
}

impl EventStore for PostgresStore {
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
        let after = saturating_sql_int(after_version);
        self.with_conn(|c| {
            let mut rows = c
                .client
                .query_raw(
                    &c.read_stream,
                    [&stream as &(dyn postgres::types::ToSql + Sync), &after],
                )
                .map_err(|e| pg_error(&e, "cannot read a stream"))?;
            let mut out = Vec::new();
            let mut decoder = RowDecoder::default();
            while let Some(row) = rows
                .next()
                .map_err(|e| pg_error(&e, "cannot read a stream"))?
            {
                out.push(decoder.row(&row)?);
            }
            Ok(out)
        })
    }

    fn read_all(&self, after_position: u64, limit: usize) -> Result<Vec<RecordedEvent>> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let after = saturating_sql_int(after_position);
        let limit_sql = i64::try_from(limit).unwrap_or(i64::MAX);
        self.with_conn(|c| {
            let mut rows = c
                .client
                .query_raw(&c.read_all, [after, limit_sql])
                .map_err(|e| pg_error(&e, "cannot read the log"))?;
            let mut out = Vec::with_capacity(limit.min(4096));
            let mut decoder = RowDecoder::default();
            while let Some(row) = rows
                .next()
                .map_err(|e| pg_error(&e, "cannot read the log"))?
            {
                out.push(decoder.row(&row)?);
            }
            Ok(out)
        })
    }

    /// One statement streams every row (one snapshot, so no gap), decoding each as it
    /// arrives. The connection stays locked while `f` runs, so `f` must not use this store.
    fn scan(&self, after_position: u64, f: &mut dyn FnMut(&RecordedEvent)) -> Result<u64> {
        let after = saturating_sql_int(after_position);
        self.with_conn(|c| {
            let mut rows = c
                .client
                .query_raw(&c.scan, [after])
                .map_err(|e| pg_error(&e, "cannot read the log"))?;
            let mut last = after_position;
            let mut decoder = RowDecoder::default();
            while let Some(row) = rows
                .next()
                .map_err(|e| pg_error(&e, "cannot read the log"))?
            {
                let event = decoder.row(&row)?;
                last = event.position;
                f(&event);
            }
            Ok(last)
        })
    }

    fn head(&self) -> Result<u64> {
        self.with_conn(|c| {
            let row = c
                .client
                .query_one(&c.head, &[])
                .map_err(|e| pg_error(&e, "cannot read the head"))?;
            from_sql_int("position", try_get(&row, 0)?)
        })
    }

    fn stream_version(&self, stream: &str) -> Result<u64> {
        self.with_conn(|c| {
            let row = c
                .client
                .query_one(&c.stream_version, &[&stream])
                .map_err(|e| pg_error(&e, "cannot read a stream's version"))?;
            from_sql_int("version", try_get(&row, 0)?)
        })
    }

    /// Listens on the schema's channel (a second connection, made on first use) and asks for
    /// the head every [`PostgresOptions::poll_interval`] as well; without a listening
    /// connection, it polls.
    fn wait_for_events(&self, after: u64, timeout: Duration) -> Result<u64> {
        let deadline = Instant::now() + timeout;
        loop {
            let head = self.head()?;
            let now = Instant::now();
            if head > after || now >= deadline {
                return Ok(head);
            }
            let slice = (deadline - now).min(self.inner.options.poll_interval);
            if !self.listen_for(slice) {
                std::thread::sleep(slice.min(Duration::from_millis(100)));
            }
        }
    }
}

/// Takes a `schema=` parameter out of a URL's query string (libpq would refuse it).
fn split_schema_param(url: &str) -> (String, Option<String>) {
    let Some((base, query)) = url.split_once('?') else {
        return (url.to_owned(), None);
    };
    let mut schema = None;
    let rest: Vec<&str> = query
        .split('&')
        .filter(|kv| match kv.split_once('=') {
            Some(("schema", v)) => {
                schema = Some(v.to_owned());
                false
            }
            _ => true,
        })
        .collect();
    if rest.is_empty() {
        (base.to_owned(), schema)
    } else {
        (format!("{base}?{}", rest.join("&")), schema)
    }
}

/// Where a configuration connects, without its password.
fn describe(config: &Config) -> String {
    use postgres::config::Host;
    let hosts: Vec<String> = config
        .get_hosts()
        .iter()
        .map(|h| match h {
            Host::Tcp(name) => name.clone(),
            #[cfg(unix)]
            Host::Unix(path) => path.display().to_string(),
        })
        .collect();
    let port = config
        .get_ports()
        .first()
        .map_or_else(String::new, |p| format!(":{p}"));
    format!(
        "{}@{}{port}/{}",
        config.get_user().unwrap_or("?"),
        if hosts.is_empty() {
            "localhost".to_owned()
        } else {
            hosts.join(",")
        },
        config.get_dbname().unwrap_or("")
    )
}

fn try_get<'a, T: postgres::types::FromSql<'a>>(row: &'a postgres::Row, i: usize) -> Result<T> {
    row.try_get(i)
        .map_err(|e| Error::storage(format!("postgres: unexpected column {i}: {e}")))
}

/// Decodes rows of `SELECT {EVENT_COLUMNS}`, sharing the stream name and the actor with the
/// previous row when they are the same (one `Arc` increment instead of an allocation).
#[derive(Default)]
struct RowDecoder {
    stream: Option<Arc<str>>,
    actor: Option<ActorId>,
}

impl RowDecoder {
    fn row(&mut self, row: &postgres::Row) -> Result<RecordedEvent> {
        let position = from_sql_int("position", try_get(row, 0)?)?;
        let schema: i32 = try_get(row, 5)?;
        let schema = u32::try_from(schema)
            .map_err(|_| Error::storage(format!("event {position}: bad schema {schema}")))?;
        check_schema(schema)?;
        let event: Event = serde_json::from_str(try_get(row, 6)?)
            .map_err(|e| Error::storage(format!("event {position} is unreadable: {e}")))?;
        let stream: &str = try_get(row, 1)?;
        let stream = match &self.stream {
            Some(last) if **last == *stream => Arc::clone(last),
            _ => Arc::clone(self.stream.insert(Arc::from(stream))),
        };
        let actor: &str = try_get(row, 4)?;
        let actor = match &self.actor {
            Some(last) if last.as_str() == actor => last.clone(),
            _ => self.actor.insert(ActorId::new(actor)).clone(),
        };
        Ok(RecordedEvent {
            position,
            stream,
            version: from_sql_int("version", try_get(row, 2)?)?,
            at: crate::clock::Timestamp::from_millis(try_get(row, 3)?),
            actor,
            schema,
            event,
        })
    }
}

/// The server's message (with its detail) or the client's.
fn error_text(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => match db.detail() {
            Some(detail) => format!("{} ({detail})", db.message()),
            None => db.message().to_owned(),
        },
        None => e.to_string(),
    }
}

/// Whether the connection is gone (closed, or a socket error).
fn connection_failed(e: &postgres::Error) -> bool {
    use std::error::Error as _;
    e.is_closed() || e.source().is_some_and(|s| s.is::<std::io::Error>())
}

/// Maps a PostgreSQL failure to [`Error::Storage`], saying what was being done and what
/// happened in the words a host can act on.
fn pg_error(e: &postgres::Error, doing: &str) -> Error {
    use postgres::error::SqlState as S;
    if connection_failed(e) {
        return Error::storage(format!(
            "{doing}: the connection to PostgreSQL failed ({e}); the next call reconnects"
        ));
    }
    let text = error_text(e);
    match e.code() {
        Some(c) if *c == S::INSUFFICIENT_PRIVILEGE => Error::storage(format!(
            "{doing}: permission denied ({text}): the role lacks a privilege salespipe needs"
        )),
        Some(c) if *c == S::READ_ONLY_SQL_TRANSACTION => Error::storage(format!(
            "{doing}: the server or the session is read-only ({text})"
        )),
        Some(c) if *c == S::ADMIN_SHUTDOWN || *c == S::CRASH_SHUTDOWN => Error::storage(format!(
            "{doing}: the server is shutting down ({text}); the next call reconnects"
        )),
        Some(c) if *c == S::DISK_FULL => Error::storage(format!("{doing}: disk is full ({text})")),
        _ => Error::storage(format!("{doing}: {text}")),
    }
}

/// Maps a failed append: a version conflict (from the function, the trigger or the unique
/// key) is [`Error::Conflict`]; a lost connection says that the outcome is unknown.
fn append_error(e: &postgres::Error, names: &Names, stream: &str, expected: u64) -> Error {
    use postgres::error::SqlState as S;
    if let Some(db) = e.as_db_error() {
        let conflict_code = db.code().code() == "SP409";
        let unique =
            *db.code() == S::UNIQUE_VIOLATION && db.constraint() == Some("events_stream_version");
        if conflict_code || unique {
            let actual = db.detail().and_then(|d| d.parse::<u64>().ok());
            if let Some(actual) = actual {
                return Error::Conflict {
                    stream: stream.to_owned(),
                    expected,
                    actual,
                };
            }
            return Error::storage(format!(
                "append to {stream} refused as a conflict without the stream's version ({})",
                error_text(e)
            ));
        }
        if *db.code() == S::UNDEFINED_FUNCTION || *db.code() == S::UNDEFINED_TABLE {
            return Error::storage(format!(
                "the salespipe schema {} is gone or damaged ({}); nothing was written",
                names.schema,
                error_text(e)
            ));
        }
        return pg_error(
            e,
            &format!("append to {stream} failed; nothing was written"),
        );
    }
    if !connection_failed(e) {
        return pg_error(
            e,
            &format!("append to {stream} failed; nothing was written"),
        );
    }
    Error::storage(format!(
        "append to {stream}: the connection to PostgreSQL failed ({e}), so whether it \
         committed is unknown (an engine folds it in on its next catch-up if it did); the \
         next call reconnects"
    ))
}

#[cfg(test)]
mod tests;
