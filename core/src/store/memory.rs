use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};

use super::EventStore;
use crate::error::{Error, Result};
use crate::event::{NewEvent, RecordedEvent, SCHEMA_VERSION};

#[derive(Debug, Default)]
struct Inner {
    events: Vec<RecordedEvent>,
    streams: HashMap<String, Vec<usize>, foldhash::fast::RandomState>,
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
        if events.is_empty() {
            return Err(Error::validation("events", "nothing to append"));
        }
        let mut inner = self.inner.write().unwrap_or_else(PoisonError::into_inner);
        let actual = inner.streams.get(stream).map_or(0, |v| v.len() as u64);
        if actual != expected {
            return Err(Error::Conflict {
                stream: stream.to_owned(),
                expected,
                actual,
            });
        }
        let mut out = Vec::with_capacity(events.len());
        let first = inner.events.len();
        for (i, e) in events.into_iter().enumerate() {
            out.push(RecordedEvent {
                position: (first + i) as u64 + 1,
                stream: stream.to_owned(),
                version: expected + i as u64 + 1,
                at: e.at,
                actor: e.actor,
                schema: SCHEMA_VERSION,
                event: e.event,
            });
        }
        inner.events.extend(out.iter().cloned());
        let positions = first..first + out.len();
        match inner.streams.get_mut(stream) {
            Some(idx) => idx.extend(positions),
            None => {
                inner.streams.insert(stream.to_owned(), positions.collect());
            }
        }
        Ok(out)
    }

    fn read_stream(&self, stream: &str, after_version: u64) -> Result<Vec<RecordedEvent>> {
        let inner = self.inner.read().unwrap_or_else(PoisonError::into_inner);
        let Some(idx) = inner.streams.get(stream) else {
            return Ok(Vec::new());
        };
        let skip = usize::try_from(after_version).unwrap_or(usize::MAX);
        Ok(idx
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
        Ok(inner.streams.get(stream).map_or(0, |v| v.len() as u64))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn passes_the_store_conformance_suite() {
        super::super::conformance::run_all(super::InMemoryStore::new);
    }
}
