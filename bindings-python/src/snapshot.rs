//! Forecast snapshots and accuracy over plain records: the column path of
//! [`salespipe::management::snapshot`]; the engine's path is `Engine.take_forecast_snapshot` /
//! `Engine.forecast_accuracy`.

use pyo3::prelude::*;
use pyo3::types::PyAny;
use salespipe::analytics::ForecastMethod;
use salespipe::management::snapshot::{
    self as sn, ActualRow, ForecastSnapshot, PushRow, RepSnapshot,
};
use salespipe::management::target::{AttainmentInput, DealRow, Target};
use salespipe::User;

use crate::convert::{from_py, timestamp, to_py};
use crate::error::IntoPy;

/// A snapshot over plain records (users, targets, deals: records or their JSON), taken at
/// `as_of`, with the default forecast method; returns its JSON.
#[pyfunction]
#[pyo3(signature = (id, users, targets, deals, period, as_of, currency = None, time_zone = None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn forecast_snapshot<'py>(
    py: Python<'py>,
    id: &str,
    users: &Bound<'py, PyAny>,
    targets: &Bound<'py, PyAny>,
    deals: &Bound<'py, PyAny>,
    period: &str,
    as_of: &Bound<'py, PyAny>,
    currency: Option<&str>,
    time_zone: Option<String>,
) -> PyResult<Bound<'py, PyAny>> {
    let users: Vec<User> = from_py(users, "users")?;
    let targets: Vec<Target> = from_py(targets, "targets")?;
    let deals: Vec<DealRow> = from_py(deals, "deals")?;
    let q = crate::target::query(period, Some(as_of), currency, time_zone)?;
    let snapshot = py
        .detach(|| {
            sn::forecast_snapshot(
                id,
                &AttainmentInput {
                    users: &users,
                    targets: &targets,
                    deals: &deals,
                },
                &q,
                ForecastMethod::default(),
            )
        })
        .py_err()?;
    to_py(py, &snapshot)
}

/// The four forecasts a rep's snapshot row (a record or its JSON) makes: the core's
/// `RepSnapshot::figures`, as JSON.
#[pyfunction]
pub(crate) fn rep_snapshot_figures<'py>(
    py: Python<'py>,
    rep: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let rep: RepSnapshot = from_py(rep, "rep")?;
    to_py(py, &rep.figures())
}

/// Forecast accuracy over plain records (snapshots, actual rows, push rows: records or their
/// JSON) as of a tz-aware instant; returns its JSON.
#[pyfunction]
pub(crate) fn forecast_accuracy<'py>(
    py: Python<'py>,
    snapshots: &Bound<'py, PyAny>,
    actuals: &Bound<'py, PyAny>,
    pushes: &Bound<'py, PyAny>,
    as_of: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let snapshots: Vec<ForecastSnapshot> = from_py(snapshots, "snapshots")?;
    let actuals: Vec<ActualRow> = from_py(actuals, "actuals")?;
    let pushes: Vec<PushRow> = from_py(pushes, "pushes")?;
    let at = timestamp(as_of, "as_of")?;
    let report = py
        .detach(|| {
            sn::forecast_accuracy(
                &sn::AccuracyInput {
                    snapshots: &snapshots,
                    actuals: &actuals,
                    pushes: &pushes,
                },
                at,
            )
        })
        .py_err()?;
    to_py(py, &report)
}
