//! The competitor report (竞争对手报告) over host rows: the column path of
//! [`salespipe::management::competitor`]; the engine's path is `Engine.competitor_report`.

use pyo3::prelude::*;
use pyo3::types::PyAny;
use salespipe::analytics::Window;
use salespipe::management::competitor::{CompetitorParams, CompetitorRow};

use crate::convert::{from_py, timestamp, to_py};
use crate::error::IntoPy;

/// The report's parameters from optional tz-aware datetimes.
pub(crate) fn params(
    as_of: Option<&Bound<'_, PyAny>>,
    closed_from: Option<&Bound<'_, PyAny>>,
    closed_to: Option<&Bound<'_, PyAny>>,
) -> PyResult<CompetitorParams> {
    let at = |v: Option<&Bound<'_, PyAny>>, field| v.map(|t| timestamp(t, field)).transpose();
    Ok(CompetitorParams {
        as_of: at(as_of, "as_of")?,
        closed: Window::new(at(closed_from, "closed.from")?, at(closed_to, "closed.to")?),
    })
}

/// The competitor report over `rows` (the core's `CompetitorRow` JSON: dicts or records);
/// returns the report's JSON. Bad rows raise `ValidationError` naming `rows[i].field`.
#[pyfunction]
#[pyo3(signature = (rows, *, as_of = None, closed_from = None, closed_to = None))]
pub(crate) fn competitor_report<'py>(
    py: Python<'py>,
    rows: &Bound<'py, PyAny>,
    as_of: Option<&Bound<'py, PyAny>>,
    closed_from: Option<&Bound<'py, PyAny>>,
    closed_to: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let rows: Vec<CompetitorRow> = from_py(rows, "rows")?;
    let params = params(as_of, closed_from, closed_to)?;
    let report = py
        .detach(|| salespipe::competitor_report(&rows, &params))
        .py_err()?;
    to_py(py, &report)
}
