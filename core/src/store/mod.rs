//! Event stores: where events live. [`InMemoryStore`] is the default; durable stores implement
//! the same [`EventStore`] trait and pass the same `conformance` suite (feature `testing`).
//! `SqliteStore` (cargo feature `sqlite`, on by default) is the durable embedded store: one
//! SQLite file.

mod memory;
#[cfg(feature = "sqlite")]
mod sqlite;

#[cfg(any(test, feature = "testing"))]
pub mod conformance;

use crate::error::Result;
use crate::event::{NewEvent, RecordedEvent};

pub use memory::InMemoryStore;
#[cfg(feature = "sqlite")]
pub use sqlite::{OpportunityRow, SqliteOptions, SqliteStore, Synchronous};

/// How many events the default [`EventStore::scan`] reads at a time.
const SCAN_PAGE: usize = 4096;

/// An append-only log of events, split into streams, with optimistic concurrency.
///
/// Versions count the events of a stream (the first event is version 1; a stream that does
/// not exist has version 0). Positions number every event of the store from 1 without gaps,
/// in commit order.
pub trait EventStore: Send + Sync + std::fmt::Debug {
    /// Appends `events` to `stream` in one atomic step if the stream's version is `expected`;
    /// otherwise [`crate::Error::Conflict`] and nothing is written. Returns the recorded events.
    fn append(
        &self,
        stream: &str,
        expected: u64,
        events: Vec<NewEvent>,
    ) -> Result<Vec<RecordedEvent>>;

    /// Appends like [`EventStore::append`], then lends the recorded events to `f`, in order,
    /// instead of returning them, and returns the position of the last one. Stores that keep
    /// events in memory override it to hand out their own copy (the engine's command path
    /// uses it); the default calls [`EventStore::append`]. `f` must not use the store.
    fn append_with(
        &self,
        stream: &str,
        expected: u64,
        events: Vec<NewEvent>,
        f: &mut dyn FnMut(&RecordedEvent),
    ) -> Result<u64> {
        let recorded = self.append(stream, expected, events)?;
        recorded.iter().for_each(&mut *f);
        Ok(recorded.last().map_or(0, |e| e.position))
    }

    /// Appends like [`EventStore::append_with`], taking the events from an iterator. Stores
    /// that keep events in memory override it to record them without an intermediate vector
    /// (the engine's command path uses it); the default collects them and calls
    /// [`EventStore::append_with`].
    fn append_iter(
        &self,
        stream: &str,
        expected: u64,
        events: &mut dyn ExactSizeIterator<Item = NewEvent>,
        f: &mut dyn FnMut(&RecordedEvent),
    ) -> Result<u64> {
        self.append_with(stream, expected, events.collect(), f)
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
}
