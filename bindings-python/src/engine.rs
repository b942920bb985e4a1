//! `Engine` and `ManualClock`: the core engine behind a lock, spoken to in the core's JSON.
//!
//! Commands cross as the JSON form of [`salespipe::Command`] and queries as that of
//! [`salespipe::Query`] (the forms the conformance scenarios use); answers come back as the
//! core's serde JSON, which the Python layer (`salespipe/_records.py`) turns into typed
//! records. Nothing here decides anything.

use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use pyo3::prelude::*;
use pyo3::types::PyAny;
use salespipe::{Command, Engine as CoreEngine, ManualClock as CoreClock, Query, QueryResult};
use serde_json::Value;

use crate::analytics::FunnelReport;
use crate::convert::{datetime, from_json, from_py, timestamp, to_py};
use crate::error::IntoPy;

/// Whether a `store` argument names a PostgreSQL database rather than a SQLite file.
fn is_postgres_url(s: &str) -> bool {
    s.starts_with("postgres://") || s.starts_with("postgresql://")
}

/// A clock that moves only when told to; share it with an `Engine` to control time in tests.
#[pyclass(module = "salespipe._salespipe", name = "ManualClock", frozen)]
#[derive(Debug, Clone)]
pub(crate) struct ManualClock {
    pub(crate) inner: CoreClock,
}

#[pymethods]
impl ManualClock {
    #[new]
    fn new(at: &Bound<'_, PyAny>) -> PyResult<Self> {
        Ok(ManualClock {
            inner: CoreClock::new(timestamp(at, "at")?),
        })
    }

    /// The clock's time (tz-aware, UTC).
    fn now<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        datetime(py, salespipe::Clock::now(&self.inner))
    }

    /// Sets the time.
    fn set(&self, at: &Bound<'_, PyAny>) -> PyResult<()> {
        self.inner.set(timestamp(at, "at")?);
        Ok(())
    }

    /// Moves the time forward by a `timedelta`.
    fn advance(&self, delta: std::time::Duration) {
        self.inner.advance(delta);
    }

    fn __repr__(&self) -> String {
        format!("ManualClock({})", salespipe::Clock::now(&self.inner))
    }
}

/// The sales-pipeline engine (in-memory store unless a store is given).
///
/// The core engine sits behind a read-write lock: queries and reports (`&CoreEngine`) share
/// it, commands and `catch_up` (`&mut CoreEngine`) take it alone. Every wait for the lock
/// happens with the GIL released (inside `py.detach`), and nothing touches Python while
/// holding it: errors become exceptions after the lock is released. So a thread holding
/// the GIL never waits for the lock, and one holding the lock never waits for the GIL.
#[pyclass(module = "salespipe._salespipe", name = "Engine", frozen)]
#[derive(Debug)]
pub(crate) struct Engine {
    inner: RwLock<CoreEngine>,
}

/// The error of a lock a panicking thread left poisoned.
fn poisoned<T>(_: T) -> salespipe::Error {
    salespipe::Error::storage("the engine's lock is poisoned")
}

fn json<T: serde::Serialize>(v: T) -> salespipe::Result<Value> {
    serde_json::to_value(v).map_err(salespipe::Error::storage)
}

impl Engine {
    /// Shares the engine's lock (queries). Call with the GIL released.
    fn read(&self) -> salespipe::Result<RwLockReadGuard<'_, CoreEngine>> {
        self.inner.read().map_err(poisoned)
    }

    /// Takes the engine's lock alone (commands, `catch_up`). Call with the GIL released.
    fn write(&self) -> salespipe::Result<RwLockWriteGuard<'_, CoreEngine>> {
        self.inner.write().map_err(poisoned)
    }
}

#[pymethods]
impl Engine {
    /// `store`: a `postgres://` (or `postgresql://`) URL of a PostgreSQL database (its
    /// `?schema=` parameter picks the schema), a path to a SQLite file (created if missing;
    /// replayed if it exists), or None for an in-memory store. `clock`: a `ManualClock`, or None for the system clock.
    #[new]
    #[pyo3(signature = (clock = None, store = None))]
    fn new(
        py: Python<'_>,
        clock: Option<&ManualClock>,
        store: Option<std::path::PathBuf>,
    ) -> PyResult<Self> {
        let clock = clock.map(|c| c.inner.clone());
        let engine = py.detach(|| {
            let builder = CoreEngine::builder();
            let builder = match clock {
                Some(c) => builder.clock(c),
                None => builder,
            };
            let builder = match store {
                Some(path) => match path.to_str().filter(|s| is_postgres_url(s)) {
                    Some(url) => builder.store(salespipe::store::PostgresStore::open(url)?),
                    None => builder.store(salespipe::store::SqliteStore::open(path)?),
                },
                None => builder,
            };
            builder.build()
        });
        Ok(Engine {
            inner: RwLock::new(engine.py_err()?),
        })
    }

    /// Runs a command (the JSON form of `salespipe::Command`, as a dict) as `actor`; returns
    /// the recorded events.
    fn execute<'py>(
        &self,
        py: Python<'py>,
        actor: &str,
        command: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let command: Command = from_py(command, "command")?;
        let events = py
            .detach(|| self.write()?.execute(actor, command).and_then(json))
            .py_err()?;
        from_json(py, &events)
    }

    /// Answers a query (the JSON form of `salespipe::Query`, as a dict) as `actor` (`None`:
    /// the host, who reads everything); returns the answer's JSON (`salespipe::QueryResult`).
    fn query<'py>(
        &self,
        py: Python<'py>,
        actor: Option<&str>,
        query: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let query: Query = from_py(query, "query")?;
        let reader = reader(actor);
        let answer = py
            .detach(|| self.read()?.query(reader, query).and_then(json))
            .py_err()?;
        from_json(py, &answer)
    }

    /// Answers a funnel query (`{"type": "funnel", ...}`) as `actor` (`None`: the host):
    /// one `(currency, FunnelReport)` per currency section.
    fn funnel(
        &self,
        py: Python<'_>,
        actor: Option<&str>,
        query: &Bound<'_, PyAny>,
    ) -> PyResult<Vec<(Option<&'static str>, FunnelReport)>> {
        let query: Query = from_py(query, "query")?;
        let reader = reader(actor);
        let sections = py
            .detach(|| match self.read()?.query(reader, query)? {
                QueryResult::Funnel(sections) => Ok(sections),
                _ => Err(salespipe::Error::validation("type", "not a funnel query")),
            })
            .py_err()?;
        Ok(sections
            .into_iter()
            .map(|s| (s.currency.map(|c| c.code()), FunnelReport::from(s.report)))
            .collect())
    }

    /// The clock's current time.
    fn now<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let now = py.detach(|| self.read().map(|e| e.now())).py_err()?;
        datetime(py, now)
    }

    /// Folds in events other engines appended to a shared store.
    fn catch_up(&self, py: Python<'_>) -> PyResult<()> {
        py.detach(|| self.write()?.catch_up()).py_err()
    }

    /// `Engine::wait_for_events`: waits up to `timeout` seconds for events other engines
    /// append, folds them in and returns how many. The wait holds neither the GIL nor the
    /// engine's lock (other threads keep using the engine); only the fold takes the lock.
    fn wait_for_events(&self, py: Python<'_>, timeout: f64) -> PyResult<u64> {
        let timeout = std::time::Duration::try_from_secs_f64(timeout).map_err(|_| {
            salespipe::Error::validation("timeout", format!("{timeout} is not a number of seconds"))
        });
        py.detach(|| {
            let timeout = timeout?;
            let (store, before) = {
                let e = self.read()?;
                (
                    std::sync::Arc::clone(e.store()),
                    e.view().state().position(),
                )
            };
            let head = store.wait_for_events(before, timeout)?;
            if head <= before {
                return Ok(0);
            }
            let mut e = self.write()?;
            let from = e.view().state().position();
            e.catch_up()?;
            Ok(e.view().state().position().saturating_sub(from))
        })
        .py_err()
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        py.detach(|| {
            let e = self.read()?;
            Ok(format!(
                "Engine(position={}, now={})",
                e.view().state().position(),
                e.now()
            ))
        })
        .py_err()
    }
}

/// Parses and validates a pipeline from JSON text; returns its JSON.
#[pyfunction]
pub(crate) fn pipeline_from_json<'py>(py: Python<'py>, text: &str) -> PyResult<Bound<'py, PyAny>> {
    to_py(py, &salespipe::Pipeline::from_json(text).py_err()?)
}

/// Parses and validates a pipeline from TOML text; returns its JSON.
#[pyfunction]
pub(crate) fn pipeline_from_toml<'py>(py: Python<'py>, text: &str) -> PyResult<Bound<'py, PyAny>> {
    to_py(py, &salespipe::Pipeline::from_toml(text).py_err()?)
}

/// Validates a pipeline given as a dict (raises `InvalidDefinition`); returns its JSON.
#[pyfunction]
pub(crate) fn validate_pipeline<'py>(
    py: Python<'py>,
    pipeline: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let p: salespipe::Pipeline = from_py(pipeline, "pipeline")?;
    p.validate().py_err()?;
    to_py(py, &p)
}

/// Validates an approval process given as a dict; returns its JSON.
#[pyfunction]
pub(crate) fn validate_process<'py>(
    py: Python<'py>,
    process: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let p: salespipe::ApprovalProcess = from_py(process, "process")?;
    p.validate().py_err()?;
    to_py(py, &p)
}

/// The core's reader for a Python `actor`: a user, or the host for `None`.
fn reader(actor: Option<&str>) -> salespipe::Reader {
    actor.map_or(salespipe::Reader::Host, salespipe::Reader::from)
}
