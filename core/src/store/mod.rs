//! Event stores: where events live. [`InMemoryStore`] is the default; durable stores implement
//! the same [`EventStore`] trait and pass the same [`conformance`] suite. `SqliteStore` (cargo
//! feature `sqlite`, on by default) is the durable embedded store: one SQLite file.

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

    /// The events of `stream` with a version above `after_version`, in order.
    fn read_stream(&self, stream: &str, after_version: u64) -> Result<Vec<RecordedEvent>>;

    /// Up to `limit` events with a position above `after_position`, in order.
    fn read_all(&self, after_position: u64, limit: usize) -> Result<Vec<RecordedEvent>>;

    /// The position of the last event (0 when empty).
    fn head(&self) -> Result<u64>;

    /// The current version of `stream` (0 when it does not exist).
    fn stream_version(&self, stream: &str) -> Result<u64>;
}
