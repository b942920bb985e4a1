//! `Engine` and `ManualClock`: the core engine behind a lock, spoken to in the core's JSON.
//!
//! Commands cross as the JSON form of [`salespipe::Command`] (the same the conformance
//! scenarios use); records come back as the core's serde JSON, which the Python layer
//! (`salespipe/_records.py`) turns into typed records. Nothing here decides anything.

use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use pyo3::prelude::*;
use pyo3::types::PyAny;
use salespipe::{Command, Engine as CoreEngine, ManualClock as CoreClock, StageId};
use serde_json::Value;

use crate::convert::{datetime, from_json, from_py, timestamp, to_py};
use crate::error::IntoPy;

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

/// Shares the engine's lock (queries). Call with the GIL released.
pub(crate) fn read(
    engine: &RwLock<CoreEngine>,
) -> salespipe::Result<RwLockReadGuard<'_, CoreEngine>> {
    engine.read().map_err(poisoned)
}

impl Engine {
    /// Takes the engine's lock alone (commands, `catch_up`). Call with the GIL released.
    fn write(&self) -> salespipe::Result<RwLockWriteGuard<'_, CoreEngine>> {
        self.inner.write().map_err(poisoned)
    }

    /// Runs `f` on the engine under the shared lock with the GIL released, and converts
    /// its JSON result (or error) once the lock is released and the GIL held again.
    fn query<'py, F>(&self, py: Python<'py>, f: F) -> PyResult<Bound<'py, PyAny>>
    where
        F: FnOnce(&CoreEngine) -> salespipe::Result<Value> + Send,
    {
        let value = py.detach(|| f(&*read(&self.inner)?)).py_err()?;
        from_json(py, &value)
    }
}

impl Engine {
    /// A query over a local day (`YYYY-MM-DD`, named `field` in errors) as of a tz-aware
    /// instant.
    fn day_query<'py, F>(
        &self,
        py: Python<'py>,
        (field, day): (&'static str, &str),
        as_of: &Bound<'py, PyAny>,
        f: F,
    ) -> PyResult<Bound<'py, PyAny>>
    where
        F: FnOnce(&CoreEngine, chrono::NaiveDate, salespipe::Timestamp) -> salespipe::Result<Value>
            + Send,
    {
        let as_of = timestamp(as_of, "as_of")?;
        self.query(py, |e| f(e, salespipe::parse_date(field, day)?, as_of))
    }
}

fn json<T: serde::Serialize>(v: T) -> salespipe::Result<Value> {
    serde_json::to_value(v).map_err(salespipe::Error::storage)
}

#[pymethods]
impl Engine {
    /// `store`: a path to a SQLite file (created if missing; replayed if it exists), or
    /// None for an in-memory store. `clock`: a `ManualClock`, or None for the system clock.
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
                Some(path) => builder.store(salespipe::store::SqliteStore::open(path)?),
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

    /// The clock's current time.
    fn now<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let now = py.detach(|| read(&self.inner).map(|e| e.now())).py_err()?;
        datetime(py, now)
    }

    /// Folds in events other engines appended to a shared store.
    fn catch_up(&self, py: Python<'_>) -> PyResult<()> {
        py.detach(|| self.write()?.catch_up()).py_err()
    }

    fn pipeline<'py>(&self, py: Python<'py>, id: &str) -> PyResult<Bound<'py, PyAny>> {
        self.query(py, |e| e.view().pipeline(&id.into()).and_then(json))
    }

    fn pipeline_version<'py>(
        &self,
        py: Python<'py>,
        id: &str,
        version: u32,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.query(py, |e| {
            e.view()
                .pipeline_version(&id.into(), version)
                .and_then(json)
        })
    }

    fn pipelines<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.query(py, |e| json(e.view().pipelines()))
    }

    fn process<'py>(&self, py: Python<'py>, id: &str) -> PyResult<Bound<'py, PyAny>> {
        self.query(py, |e| e.view().process(&id.into()).and_then(json))
    }

    fn processes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.query(py, |e| json(e.view().processes()))
    }

    fn users<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.query(py, |e| json(e.view().users()))
    }

    fn customers<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.query(py, |e| json(e.view().customers()))
    }

    fn user<'py>(&self, py: Python<'py>, id: &str) -> PyResult<Bound<'py, PyAny>> {
        self.query(py, |e| e.view().user(&id.into()).and_then(json))
    }

    fn customer<'py>(&self, py: Python<'py>, id: &str) -> PyResult<Bound<'py, PyAny>> {
        self.query(py, |e| e.view().customer(&id.into()).and_then(json))
    }

    fn opportunity<'py>(&self, py: Python<'py>, id: &str) -> PyResult<Bound<'py, PyAny>> {
        self.query(py, |e| e.view().opportunity(&id.into()).and_then(json))
    }

    fn opportunities<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.query(py, |e| json(e.view().opportunities()))
    }

    fn opportunities_in_stage<'py>(
        &self,
        py: Python<'py>,
        pipeline: &str,
        stage: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.query(py, |e| {
            json(
                e.view()
                    .opportunities_in_stage(&pipeline.into(), &StageId::new(stage)),
            )
        })
    }

    fn check<'py>(
        &self,
        py: Python<'py>,
        opportunity: &str,
        target: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.query(py, |e| {
            e.view()
                .check(&opportunity.into(), &StageId::new(target))
                .and_then(json)
        })
    }

    fn timeline<'py>(&self, py: Python<'py>, opportunity: &str) -> PyResult<Bound<'py, PyAny>> {
        self.query(py, |e| {
            e.view().timeline(&opportunity.into()).and_then(json)
        })
    }

    fn stage_name(
        &self,
        py: Python<'_>,
        pipeline: &str,
        version: u32,
        stage: &str,
    ) -> PyResult<String> {
        py.detach(|| {
            let e = read(&self.inner)?;
            Ok(e.view()
                .stage_name(&pipeline.into(), version, &StageId::new(stage)))
        })
        .py_err()
    }

    fn activity<'py>(&self, py: Python<'py>, id: &str) -> PyResult<Bound<'py, PyAny>> {
        self.query(py, |e| e.view().activity(&id.into()).and_then(json))
    }

    fn activities_for_customer<'py>(
        &self,
        py: Python<'py>,
        customer: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.query(py, |e| {
            json(e.view().activities_for_customer(&customer.into()))
        })
    }

    fn activities_for_opportunity<'py>(
        &self,
        py: Python<'py>,
        opportunity: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.query(py, |e| {
            json(e.view().activities_for_opportunity(&opportunity.into()))
        })
    }

    fn task<'py>(&self, py: Python<'py>, id: &str) -> PyResult<Bound<'py, PyAny>> {
        self.query(py, |e| e.view().task(&id.into()).and_then(json))
    }

    #[pyo3(signature = (owner = None))]
    fn open_tasks<'py>(&self, py: Python<'py>, owner: Option<&str>) -> PyResult<Bound<'py, PyAny>> {
        let owner = owner.map(salespipe::ActorId::from);
        self.query(py, |e| json(e.view().open_tasks(owner.as_ref())))
    }

    fn opportunity_as_of<'py>(
        &self,
        py: Python<'py>,
        id: &str,
        at: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let at = timestamp(at, "at")?;
        self.query(py, |e| {
            e.at(at)
                .and_then(|v| v.opportunity(&id.into()).cloned())
                .and_then(json)
        })
    }

    fn daily_report<'py>(
        &self,
        py: Python<'py>,
        rep: &str,
        day: &str,
        as_of: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.day_query(py, ("day", day), as_of, |e, day, as_of| {
            e.at(as_of)
                .and_then(|v| v.daily_report(&rep.into(), day))
                .and_then(json)
        })
    }

    fn daily_range_report<'py>(
        &self,
        py: Python<'py>,
        rep: &str,
        first: &str,
        last: &str,
        as_of: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.day_query(py, ("first", first), as_of, |e, first, as_of| {
            let last = salespipe::parse_date("last", last)?;
            e.at(as_of)
                .and_then(|v| v.daily_range_report(&rep.into(), first, last))
                .and_then(json)
        })
    }

    fn daily_team_report<'py>(
        &self,
        py: Python<'py>,
        manager: &str,
        day: &str,
        as_of: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.day_query(py, ("day", day), as_of, |e, day, as_of| {
            e.at(as_of)
                .and_then(|v| v.daily_team_report(&manager.into(), day))
                .and_then(json)
        })
    }

    #[pyo3(signature = (period, as_of = None, currency = None, time_zone = None))]
    fn attainment<'py>(
        &self,
        py: Python<'py>,
        period: &str,
        as_of: Option<&Bound<'py, PyAny>>,
        currency: Option<&str>,
        time_zone: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let q = crate::target::query(period, as_of, currency, time_zone)?;
        self.query(py, |e| e.view().attainment(&q).and_then(json))
    }

    fn expense<'py>(&self, py: Python<'py>, id: &str) -> PyResult<Bound<'py, PyAny>> {
        self.query(py, |e| e.view().expense(&id.into()).and_then(json))
    }

    fn expenses<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.query(py, |e| json(e.view().expenses()))
    }

    #[pyo3(signature = (from_ = None, to = None, as_of = None))]
    fn expense_report<'py>(
        &self,
        py: Python<'py>,
        from_: Option<&Bound<'py, PyAny>>,
        to: Option<&Bound<'py, PyAny>>,
        as_of: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let q = crate::target::expense_query(from_, to, as_of)?;
        self.query(py, |e| e.view().expense_report(&q).and_then(json))
    }

    #[pyo3(signature = (pipeline, as_of = None, window_from = None, window_to = None))]
    fn source_report<'py>(
        &self,
        py: Python<'py>,
        pipeline: &str,
        as_of: Option<&Bound<'py, PyAny>>,
        window_from: Option<&Bound<'py, PyAny>>,
        window_to: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let as_of = as_of.map(|t| timestamp(t, "as_of")).transpose()?;
        let from = window_from
            .map(|t| timestamp(t, "window_from"))
            .transpose()?;
        let to = window_to.map(|t| timestamp(t, "window_to")).transpose()?;
        let window = salespipe::analytics::Window::new(from, to);
        self.query(py, |e| {
            match as_of {
                Some(t) => e.at(t)?.source_report(&pipeline.into(), window),
                None => e.view().source_report(&pipeline.into(), window),
            }
            .and_then(json)
        })
    }

    fn sources<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.query(py, |e| json(e.view().sources()))
    }

    fn targets<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.query(py, |e| json(e.view().targets()))
    }

    #[pyo3(signature = (position = 0, limit = 1000))]
    fn events_after<'py>(
        &self,
        py: Python<'py>,
        position: u64,
        limit: usize,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.query(py, |e| e.view().events(position, limit).and_then(json))
    }

    /// Reminders due at `at` (all, or one recipient's, at most `limit`).
    #[pyo3(signature = (at, recipient = None, limit = 100))]
    fn due<'py>(
        &self,
        py: Python<'py>,
        at: &Bound<'py, PyAny>,
        recipient: Option<&str>,
        limit: usize,
    ) -> PyResult<Bound<'py, PyAny>> {
        let at = timestamp(at, "at")?;
        let recipient = recipient.map(salespipe::ActorId::from);
        self.query(py, |e| match &recipient {
            Some(r) => json(e.view().due_for(r, at, limit)),
            None => json(e.view().due(at)),
        })
    }

    /// Reminders coming due after `at`, up to `at + horizon`.
    fn upcoming<'py>(
        &self,
        py: Python<'py>,
        at: &Bound<'py, PyAny>,
        horizon: std::time::Duration,
    ) -> PyResult<Bound<'py, PyAny>> {
        let at = timestamp(at, "at")?;
        self.query(py, |e| json(e.view().upcoming(at, horizon)))
    }

    /// The next instant after `at` a reminder comes due, or None.
    fn next_due_after<'py>(
        &self,
        py: Python<'py>,
        at: &Bound<'py, PyAny>,
    ) -> PyResult<Option<Bound<'py, PyAny>>> {
        let at = timestamp(at, "at")?;
        let next = py
            .detach(|| read(&self.inner).map(|e| e.view().next_due_after(at)))
            .py_err()?;
        next.map(|t| datetime(py, t)).transpose()
    }

    fn reminder<'py>(&self, py: Python<'py>, id: &str) -> PyResult<Bound<'py, PyAny>> {
        self.query(py, |e| e.view().reminder(&id.into()).and_then(json))
    }

    fn reminder_rules<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.query(py, |e| json(e.view().reminder_rules()))
    }

    /// The funnel report over this engine's history of one pipeline.
    #[pyo3(signature = (pipeline, *, as_of = None, window_from = None, window_to = None, mode = "recorded", by = "owner"))]
    #[allow(clippy::too_many_arguments)]
    fn funnel(
        &self,
        py: Python<'_>,
        pipeline: &str,
        as_of: Option<&Bound<'_, PyAny>>,
        window_from: Option<&Bound<'_, PyAny>>,
        window_to: Option<&Bound<'_, PyAny>>,
        mode: &str,
        by: &str,
    ) -> PyResult<crate::analytics::FunnelReport> {
        let as_of = as_of.map(|t| timestamp(t, "as_of")).transpose()?;
        crate::analytics::engine_funnel(
            py,
            &self.inner,
            pipeline,
            as_of,
            window_from,
            window_to,
            mode,
            by,
        )
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        py.detach(|| {
            let e = read(&self.inner)?;
            Ok(format!(
                "Engine(position={}, now={})",
                e.view().state().position(),
                e.now()
            ))
        })
        .py_err()
    }

    /// The competitor report, now or as of `as_of`, counting closes in
    /// `[closed_from, closed_to)` only (open deals always count).
    #[pyo3(signature = (as_of = None, *, closed_from = None, closed_to = None))]
    fn competitor_report<'py>(
        &self,
        py: Python<'py>,
        as_of: Option<&Bound<'py, PyAny>>,
        closed_from: Option<&Bound<'py, PyAny>>,
        closed_to: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let params = crate::competitor::params(as_of, closed_from, closed_to)?;
        self.query(py, |e| {
            match params.as_of {
                Some(t) => e.at(t)?.competitor_report(params.closed),
                None => e.view().competitor_report(params.closed),
            }
            .and_then(json)
        })
    }

    fn forecast_snapshots<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.query(py, |e| json(e.view().forecast_snapshots()))
    }

    fn forecast_snapshot<'py>(&self, py: Python<'py>, id: &str) -> PyResult<Bound<'py, PyAny>> {
        let id = salespipe::SnapshotId::new(id);
        self.query(py, |e| e.view().forecast_snapshot(&id).and_then(json))
    }

    /// Forecast accuracy now, or as of `as_of`.
    #[pyo3(signature = (as_of = None))]
    fn forecast_accuracy<'py>(
        &self,
        py: Python<'py>,
        as_of: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let as_of = as_of.map(|t| timestamp(t, "as_of")).transpose()?;
        self.query(py, |e| {
            match as_of {
                Some(t) => e.at(t)?.forecast_accuracy(),
                None => e.view().forecast_accuracy(),
            }
            .and_then(json)
        })
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
