//! Targets, attainment and expenses: the reports over plain records (the engine answers its
//! own through `Engine.query`).

use pyo3::prelude::*;
use pyo3::types::PyAny;
use salespipe::management::target::{self as tg, AttainmentQuery, DealRow, Period, Target};
use salespipe::{Currency, User};

use crate::convert::{from_py, timestamp, to_py};
use crate::error::IntoPy;

/// The core query from the Python arguments (`period` as `"2026-Q1"`, a tz-aware `as_of`).
pub(crate) fn query(
    period: &str,
    as_of: Option<&Bound<'_, PyAny>>,
    currency: Option<&str>,
    time_zone: Option<String>,
) -> PyResult<AttainmentQuery> {
    let period: Period = period.parse().py_err()?;
    let mut q = AttainmentQuery::new(period);
    if let Some(at) = as_of {
        q.as_of = Some(timestamp(at, "as_of")?);
    }
    if let Some(c) = currency {
        q.currency = Some(Currency::new(c).py_err()?);
    }
    q.time_zone = time_zone;
    Ok(q)
}

/// Attainment over plain records: users, targets and deals (records or their JSON).
#[pyfunction]
#[pyo3(signature = (users, targets, deals, period, as_of = None, currency = None, time_zone = None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn attainment<'py>(
    py: Python<'py>,
    users: &Bound<'py, PyAny>,
    targets: &Bound<'py, PyAny>,
    deals: &Bound<'py, PyAny>,
    period: &str,
    as_of: Option<&Bound<'py, PyAny>>,
    currency: Option<&str>,
    time_zone: Option<String>,
) -> PyResult<Bound<'py, PyAny>> {
    let users: Vec<User> = from_py(users, "users")?;
    let targets: Vec<Target> = from_py(targets, "targets")?;
    let deals: Vec<DealRow> = from_py(deals, "deals")?;
    let q = query(period, as_of, currency, time_zone)?;
    let report = py
        .detach(|| {
            tg::attainment(
                &tg::AttainmentInput {
                    users: &users,
                    targets: &targets,
                    deals: &deals,
                },
                &q,
            )
        })
        .py_err()?;
    to_py(py, &report)
}

/// The core expense query from the Python arguments (dates as `datetime.date`).
pub(crate) fn expense_query(
    from: Option<&Bound<'_, PyAny>>,
    to: Option<&Bound<'_, PyAny>>,
    as_of: Option<&Bound<'_, PyAny>>,
) -> PyResult<salespipe::management::expense::ExpenseQuery> {
    Ok(salespipe::management::expense::ExpenseQuery {
        from: from.map(|d| from_py(d, "from")).transpose()?,
        to: to.map(|d| from_py(d, "to")).transpose()?,
        as_of: as_of.map(|t| timestamp(t, "as_of")).transpose()?,
    })
}

/// The expense report over plain records: expense rows and won rows (records or their JSON).
#[pyfunction]
#[pyo3(signature = (rows, won, from_ = None, to = None, as_of = None))]
pub(crate) fn expense_report<'py>(
    py: Python<'py>,
    rows: &Bound<'py, PyAny>,
    won: &Bound<'py, PyAny>,
    from_: Option<&Bound<'py, PyAny>>,
    to: Option<&Bound<'py, PyAny>>,
    as_of: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let rows: Vec<salespipe::management::expense::ExpenseRow> = from_py(rows, "rows")?;
    let won: Vec<salespipe::management::expense::WonRow> = from_py(won, "won")?;
    let q = expense_query(from_, to, as_of)?;
    let report = py
        .detach(|| salespipe::management::expense::expense_report(&rows, &won, &q))
        .py_err()?;
    to_py(py, &report)
}

/// The source report from a funnel report grouped by source (over frames, `by` = the source
/// column), the approved costs per source and the configured sources.
#[pyfunction]
#[pyo3(signature = (funnel, costs = None, sources = None))]
pub(crate) fn source_report<'py>(
    py: Python<'py>,
    funnel: PyRef<'py, crate::analytics::FunnelReport>,
    costs: Option<&Bound<'py, PyAny>>,
    sources: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    type Costs = std::collections::BTreeMap<String, std::collections::BTreeMap<String, i64>>;
    let costs: Costs = match costs {
        Some(c) => from_py(c, "costs")?,
        None => Costs::new(),
    };
    let sources: Vec<salespipe::management::source::Source> = match sources {
        Some(s) => from_py(s, "sources")?,
        None => Vec::new(),
    };
    let report =
        salespipe::management::source::source_report_from(funnel.report(), &costs, &sources);
    to_py(py, &report)
}
