use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};

use super::EventStore;
use crate::error::{Error, Result};
use crate::event::{NewEvent, RecordedEvent, SCHEMA_VERSION};

#[derive(Debug, Default)]
struct Inner {
    events: Vec<RecordedEvent>,
    /// For each event of `events`, the index of the previous event of its stream ([`NONE`]
    /// for a stream's first): the streams are chained through the log, so an append
    /// allocates nothing per stream beyond its entry in `streams`.
    previous: Vec<usize>,
    streams: HashMap<Arc<str>, Stream, foldhash::fast::RandomState>,
}

/// No previous event.
const NONE: usize = usize::MAX;

/// A stream's shared name, its version (how many events it has) and the index of its last
/// event in `Inner::events`.
#[derive(Debug)]
struct Stream {
    name: Arc<str>,
    version: u64,
    last: usize,
}

impl Inner {
    /// Records `events` at the end of the log as the next versions of `stream` if its
    /// version is `expected`, and returns the index of the first one.
    fn record(
        &mut self,
        stream: &str,
        expected: u64,
        events: &mut dyn ExactSizeIterator<Item = NewEvent>,
    ) -> Result<usize> {
        if events.len() == 0 {
            return Err(Error::validation("events", "nothing to append"));
        }
        let Inner {
            events: log,
            previous,
            streams,
        } = self;
        let entry = match streams.get_mut(stream) {
            Some(entry) => entry,
            None => {
                let name: Arc<str> = Arc::from(stream);
                streams.entry(Arc::clone(&name)).or_insert(Stream {
                    name,
                    version: 0,
                    last: NONE,
                })
            }
        };
        if entry.version != expected {
            return Err(Error::Conflict {
                stream: stream.to_owned(),
                expected,
                actual: entry.version,
            });
        }
        let first = log.len();
        log.reserve(events.len());
        for (i, e) in events.enumerate() {
            let index = first + i;
            log.push(RecordedEvent {
                position: index as u64 + 1,
                stream: Arc::clone(&entry.name),
                version: expected + i as u64 + 1,
                at: e.at,
                actor: e.actor,
                schema: SCHEMA_VERSION,
                event: e.event,
            });
            previous.push(entry.last);
            entry.last = index;
        }
        entry.version = expected + (log.len() - first) as u64;
        Ok(first)
    }
}

/// An event store in memory. Clones share the same log, so several engines can work on one
/// store (as several processes share one database).
///
/// ```
/// use salespipe::{Engine, InMemoryStore};
/// let store = InMemoryStore::new();
/// let a = Engine::builder().store(store.clone()).build().unwrap();
/// let b = Engine::builder().store(store).build().unwrap();
/// # let _ = (a, b);
/// ```
#[derive(Debug, Clone, Default)]
pub struct InMemoryStore {
    inner: Arc<RwLock<Inner>>,
}

impl InMemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        InMemoryStore::default()
    }
}

impl EventStore for InMemoryStore {
    /// Records the events straight from the iterator into the log and lends them from there.
    fn append_iter(
        &self,
        stream: &str,
        expected: u64,
        events: &mut dyn ExactSizeIterator<Item = NewEvent>,
        f: &mut dyn FnMut(&RecordedEvent),
    ) -> Result<u64> {
        let mut guard = self.inner.write().unwrap_or_else(PoisonError::into_inner);
        let first = guard.record(stream, expected, events)?;
        guard.events[first..].iter().for_each(f);
        Ok(guard.events.len() as u64)
    }

    fn read_stream(&self, stream: &str, after_version: u64) -> Result<Vec<RecordedEvent>> {
        let inner = self.inner.read().unwrap_or_else(PoisonError::into_inner);
        let Some(entry) = inner.streams.get(stream) else {
            return Ok(Vec::new());
        };
        // Walk the chain back from the last event, then put the events in order.
        let wanted = usize::try_from(entry.version.saturating_sub(after_version)).unwrap_or(0);
        let mut out = Vec::with_capacity(wanted);
        let mut at = entry.last;
        while out.len() < wanted && at != NONE {
            out.push(inner.events[at].clone());
            at = inner.previous[at];
        }
        out.reverse();
        Ok(out)
    }

    fn read_all(&self, after_position: u64, limit: usize) -> Result<Vec<RecordedEvent>> {
        let inner = self.inner.read().unwrap_or_else(PoisonError::into_inner);
        let start = usize::try_from(after_position)
            .unwrap_or(usize::MAX)
            .min(inner.events.len());
        let end = start.saturating_add(limit).min(inner.events.len());
        Ok(inner.events[start..end].to_vec())
    }

    fn scan(&self, after_position: u64, f: &mut dyn FnMut(&RecordedEvent)) -> Result<u64> {
        let inner = self.inner.read().unwrap_or_else(PoisonError::into_inner);
        let start = usize::try_from(after_position)
            .unwrap_or(usize::MAX)
            .min(inner.events.len());
        inner.events[start..].iter().for_each(f);
        Ok(inner.events.len().max(start) as u64)
    }

    fn head(&self) -> Result<u64> {
        Ok(self
            .inner
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .events
            .len() as u64)
    }

    fn stream_version(&self, stream: &str) -> Result<u64> {
        let inner = self.inner.read().unwrap_or_else(PoisonError::into_inner);
        Ok(inner.streams.get(stream).map_or(0, |s| s.version))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn passes_the_store_conformance_suite() {
        super::super::conformance::run_all(super::InMemoryStore::new);
    }
}
