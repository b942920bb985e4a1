use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};

use super::EventStore;
use crate::error::{Error, Result};
use crate::event::{NewEvent, RecordedEvent, SCHEMA_VERSION};

#[derive(Debug, Default)]
struct Inner {
    events: Vec<RecordedEvent>,
    streams: HashMap<Arc<str>, Stream, foldhash::fast::RandomState>,
}

/// A stream's shared name and the indexes of its events in `Inner::events`.
#[derive(Debug)]
struct Stream {
    name: Arc<str>,
    events: Vec<usize>,
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
    fn append(
        &self,
        stream: &str,
        expected: u64,
        events: Vec<NewEvent>,
    ) -> Result<Vec<RecordedEvent>> {
        let mut out = Vec::with_capacity(events.len());
        self.append_with(stream, expected, events, &mut |e| out.push(e.clone()))?;
        Ok(out)
    }

    /// Records the events straight into the log and lends them from there: no copy.
    fn append_with(
        &self,
        stream: &str,
        expected: u64,
        events: Vec<NewEvent>,
        f: &mut dyn FnMut(&RecordedEvent),
    ) -> Result<u64> {
        if events.is_empty() {
            return Err(Error::validation("events", "nothing to append"));
        }
        let mut guard = self.inner.write().unwrap_or_else(PoisonError::into_inner);
        let Inner {
            events: log,
            streams,
        } = &mut *guard;
        let entry = match streams.get_mut(stream) {
            Some(entry) => entry,
            None => {
                let name: Arc<str> = Arc::from(stream);
                streams.entry(Arc::clone(&name)).or_insert(Stream {
                    name,
                    events: Vec::new(),
                })
            }
        };
        let actual = entry.events.len() as u64;
        if actual != expected {
            return Err(Error::Conflict {
                stream: stream.to_owned(),
                expected,
                actual,
            });
        }
        let first = log.len();
        log.extend(events.into_iter().enumerate().map(|(i, e)| RecordedEvent {
            position: (first + i) as u64 + 1,
            stream: Arc::clone(&entry.name),
            version: expected + i as u64 + 1,
            at: e.at,
            actor: e.actor,
            schema: SCHEMA_VERSION,
            event: e.event,
        }));
        entry.events.extend(first..log.len());
        log[first..].iter().for_each(f);
        Ok(log.len() as u64)
    }

    fn read_stream(&self, stream: &str, after_version: u64) -> Result<Vec<RecordedEvent>> {
        let inner = self.inner.read().unwrap_or_else(PoisonError::into_inner);
        let Some(idx) = inner.streams.get(stream) else {
            return Ok(Vec::new());
        };
        let skip = usize::try_from(after_version).unwrap_or(usize::MAX);
        Ok(idx
            .events
            .iter()
            .skip(skip)
            .map(|&i| inner.events[i].clone())
            .collect())
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
        Ok(inner
            .streams
            .get(stream)
            .map_or(0, |s| s.events.len() as u64))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn passes_the_store_conformance_suite() {
        super::super::conformance::run_all(super::InMemoryStore::new);
    }
}
