//! Event stores: where events live. [`InMemoryStore`] is the default; durable stores implement
//! the same [`EventStore`] trait and pass the same `conformance` suite (feature `testing`).
//! `SqliteStore` (cargo feature `sqlite`, on by default) is the durable embedded store: one
//! SQLite file. `PostgresStore` (cargo feature `postgres`, off by default) is the store several
//! engines on several servers share: one schema of a PostgreSQL database.

mod memory;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "sqlite")]
mod sqlite;

#[cfg(any(test, feature = "testing"))]
pub mod conformance;

use std::time::{Duration, Instant};

use crate::error::{Error, Result};
use crate::event::{Event, NewEvent, RecordedEvent};

pub use memory::InMemoryStore;
#[cfg(feature = "postgres")]
pub use postgres::{PostgresOptions, PostgresStore, DEFAULT_SCHEMA};
#[cfg(feature = "sqlite")]
pub use sqlite::{IntegrityCheck, OpportunityRow, SqliteOptions, SqliteStore, Synchronous};

/// How many events the default [`EventStore::scan`] reads at a time.
const SCAN_PAGE: usize = 4096;

/// An append-only log of events, split into streams, with optimistic concurrency.
///
/// Versions count the events of a stream (the first event is version 1; a stream that does
/// not exist has version 0). Positions number every event of the store from 1 without gaps,
/// in commit order.
///
/// A store implements one way to write, [`EventStore::append_iter`]; [`EventStore::append`]
/// is a convenience built on it.
pub trait EventStore: Send + Sync + std::fmt::Debug {
    /// Appends the events of `events` to `stream` in one atomic step, lends each recorded
    /// event to `f` and returns the position of the last one. The contract:
    ///
    /// - **Optimistic concurrency.** The events are written only if the version of `stream`
    ///   is `expected` (0 for a stream that does not exist yet); otherwise the result is
    ///   [`crate::Error::Conflict`] with the stream's actual version.
    /// - **All or nothing.** The events become the stream's versions `expected + 1`,
    ///   `expected + 2`, … and the store's next positions, together; on any error nothing is
    ///   written. An empty `events` is refused ([`crate::Error::Validation`], field
    ///   `events`).
    /// - **Lending.** `f` is called once per recorded event, in order, only after they are
    ///   committed and only when the append succeeds (on an error it is never called). The
    ///   events are lent, not given: a store that keeps events in memory lends its own copy,
    ///   so the engine's command path folds them in without a copy; a durable store lends
    ///   what it wrote. `f` must not use the store (a store may hold its lock meanwhile).
    /// - **Input.** `events` is consumed in order; its length is exact (a store may reserve
    ///   for it or check that it is not empty before reading it). The engine passes its
    ///   decided events through an iterator, so no `Vec<NewEvent>` is built for a command.
    fn append_iter(
        &self,
        stream: &str,
        expected: u64,
        events: &mut dyn ExactSizeIterator<Item = NewEvent>,
        f: &mut dyn FnMut(&RecordedEvent),
    ) -> Result<u64>;

    /// Appends like [`EventStore::append_iter`] and returns copies of the recorded events.
    /// A convenience for callers that keep them; a store may override it to hand over the
    /// events it built instead of copies (as `SqliteStore` does), with the same contract.
    fn append(
        &self,
        stream: &str,
        expected: u64,
        events: Vec<NewEvent>,
    ) -> Result<Vec<RecordedEvent>> {
        let mut out = Vec::with_capacity(events.len());
        self.append_iter(stream, expected, &mut events.into_iter(), &mut |e| {
            out.push(e.clone())
        })?;
        Ok(out)
    }

    /// The events of `stream` with a version above `after_version`, in order.
    fn read_stream(&self, stream: &str, after_version: u64) -> Result<Vec<RecordedEvent>>;

    /// Up to `limit` events with a position above `after_position`, in order.
    fn read_all(&self, after_position: u64, limit: usize) -> Result<Vec<RecordedEvent>>;

    /// Calls `f` on every event with a position above `after_position`, in order, and returns
    /// the position of the last one seen (`after_position` when there were none). Stores that
    /// can lend events without copying them override this; the default pages through
    /// [`EventStore::read_all`]. `f` must not write to the store.
    fn scan(&self, after_position: u64, f: &mut dyn FnMut(&RecordedEvent)) -> Result<u64> {
        let mut after = after_position;
        loop {
            let page = self.read_all(after, SCAN_PAGE)?;
            let Some(last) = page.last() else {
                return Ok(after);
            };
            after = last.position;
            page.iter().for_each(&mut *f);
        }
    }

    /// The position of the last event (0 when empty).
    fn head(&self) -> Result<u64>;

    /// The current version of `stream` (0 when it does not exist).
    fn stream_version(&self, stream: &str) -> Result<u64>;

    /// Blocks until the head is past `after` or `timeout` has passed, and returns the head
    /// (so a result `<= after` means the time ran out). Lets a host keep an engine current
    /// with what other engines append (see
    /// [`Engine::wait_for_events`](crate::Engine::wait_for_events)). The default polls
    /// [`EventStore::head`], sleeping 1 ms at first and up to 50 ms between polls; a store
    /// that can be told of appends (as `PostgresStore` through `LISTEN`) overrides it.
    fn wait_for_events(&self, after: u64, timeout: Duration) -> Result<u64> {
        let deadline = Instant::now() + timeout;
        let mut pause = Duration::from_millis(1);
        loop {
            let head = self.head()?;
            let now = Instant::now();
            if head > after || now >= deadline {
                return Ok(head);
            }
            std::thread::sleep(pause.min(deadline - now));
            pause = (pause * 2).min(Duration::from_millis(50));
        }
    }
}

/// A position or version as the SQL integer both database stores keep (`i64`), saturating:
/// past `i64::MAX` there is nothing anyway.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) fn saturating_sql_int(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// A position or version read back from a database store; negative means a damaged file.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) fn from_sql_int(what: &str, v: i64) -> Result<u64> {
    u64::try_from(v).map_err(|_| Error::storage(format!("negative {what} {v} in the database")))
}

/// The JSON of an event, checked to read back as the same event: an event the log could not
/// return (a `NaN` number, a timestamp outside the years 0000-9999) is refused here, before
/// anything is written, instead of making every later read of the log fail.
pub(crate) fn encode(event: &Event) -> Result<String> {
    let data = serde_json::to_string(event)
        .map_err(|e| Error::validation("event", format!("cannot be encoded: {e}")))?;
    match serde_json::from_str::<Event>(&data) {
        Ok(back) if &back == event => Ok(data),
        Ok(_) => Err(Error::validation(
            "event",
            format!("does not read back as written (a NaN number?): {data}"),
        )),
        Err(e) => Err(Error::validation(
            "event",
            format!("does not read back as written: {e}"),
        )),
    }
}
