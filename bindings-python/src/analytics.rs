//! Funnel, forecast and calibration over DataFrames.
//!
//! Frames (pyarrow, polars, pandas ≥ 2.2) cross through the Arrow PyCapsule stream interface
//! (`__arrow_c_stream__`, via `pyo3-arrow`): one input path for all three. Columns already in
//! the core's dtypes (u64 ids, i64 milliseconds, u16 stage codes, u32 group codes, i64 minor
//! units) and without nulls are borrowed, not copied; other integer widths, timestamps of any
//! unit, dates and string ids / stage ids / group keys are converted once. Floats are refused
//! as money and as time. The computation runs with the GIL released.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Int64Type, TimestampMillisecondType, UInt16Type, UInt64Type};
use arrow_array::{Array, ArrayRef, ArrowPrimitiveType};
use arrow_buffer::ScalarBuffer;
use arrow_schema::{DataType, TimeUnit};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3_arrow::PyTable;
use salespipe::analytics::{
    self as an, FunnelInput, FunnelParams, Mode, Opportunities, StageEvents, StageInfo, Window,
    NO_DATE,
};
use salespipe::frame::Values;
use salespipe::{Currency, Pipeline};

use crate::columns::{groups, Column, Frame, OppIds, StageIds};
use crate::convert::{from_py, timestamp, to_py};
use crate::error::{validation, IntoPy};

fn wrong_dtype(path: &str, dt: &DataType, want: &str) -> PyErr {
    PyTypeError::new_err(format!(
        "{path}: dtype {dt} is not supported; expected {want}"
    ))
}

fn no_nulls(col: &Column<'_>) -> PyResult<()> {
    match col.first_null() {
        Some(i) => Err(validation(&col.at(i), "missing value")),
        None => Ok(()),
    }
}

/// The values of a primitive column: borrowed when the dtype matches and it is one chunk,
/// else cast (integers only; a value that does not fit is an error naming its row, not a
/// wrap).
fn primitive<T: ArrowPrimitiveType>(col: &Column<'_>) -> PyResult<ScalarBuffer<T::Native>> {
    let dt = col.data_type();
    if !dt.is_integer() {
        return Err(wrong_dtype(
            &col.path,
            &dt,
            &format!("integers ({})", T::DATA_TYPE),
        ));
    }
    no_nulls(col)?;
    let a = col.single()?;
    if dt == T::DATA_TYPE {
        return Ok(a.as_primitive::<T>().values().clone());
    }
    let cast = arrow_cast::cast(&a, &T::DATA_TYPE).map_err(|e| validation(&col.path, e))?;
    if let Some(i) = (0..cast.len()).find(|&i| cast.is_null(i)) {
        return Err(validation(
            &col.at(i),
            format!("value out of range for {}", T::DATA_TYPE),
        ));
    }
    Ok(cast.as_primitive::<T>().values().clone())
}

/// A time column as UTC milliseconds: tz-aware timestamps of any unit, dates, or int64
/// milliseconds. Naive timestamps are refused, as naive datetimes are. Nulls become `null_as`
/// when given, else are an error naming the row.
fn millis(col: &Column<'_>, null_as: Option<i64>) -> PyResult<ScalarBuffer<i64>> {
    let path = col.path.as_str();
    if null_as.is_none() {
        no_nulls(col)?;
    }
    let a = col.single()?;
    let ms: ArrayRef = match a.data_type() {
        DataType::Timestamp(_, None) => {
            return Err(validation(
                path,
                "naive timestamps (no time zone): localize them first, e.g. \
                 df[col].dt.tz_localize(\"UTC\") (pandas) or pl.col(col).dt.replace_time_zone(\"UTC\") (polars)",
            ))
        }
        DataType::Timestamp(TimeUnit::Millisecond, Some(_)) => a.clone(),
        DataType::Timestamp(_, Some(tz)) => arrow_cast::cast(
            &a,
            &DataType::Timestamp(TimeUnit::Millisecond, Some(tz.clone())),
        )
        .map_err(|e| validation(path, e))?,
        DataType::Date32 | DataType::Date64 => {
            let d64 = arrow_cast::cast(&a, &DataType::Date64).map_err(|e| validation(path, e))?;
            arrow_cast::cast(&d64, &DataType::Int64).map_err(|e| validation(path, e))?
        }
        dt if dt.is_integer() => a.clone(),
        dt => {
            return Err(wrong_dtype(
                path,
                dt,
                "tz-aware timestamps, dates or int64 UTC milliseconds",
            ))
        }
    };
    let values: ScalarBuffer<i64> = match ms.data_type() {
        DataType::Timestamp(..) => ms
            .as_primitive::<TimestampMillisecondType>()
            .values()
            .clone(),
        DataType::Int64 => ms.as_primitive::<Int64Type>().values().clone(),
        _ => {
            let cast = arrow_cast::cast(&ms, &DataType::Int64).map_err(|e| validation(path, e))?;
            if let Some(i) = (0..cast.len()).find(|&i| cast.is_null(i) && !ms.is_null(i)) {
                return Err(validation(&col.at(i), "value out of range"));
            }
            cast.as_primitive::<Int64Type>().values().clone()
        }
    };
    match null_as {
        Some(fill) if ms.null_count() > 0 => Ok(values
            .iter()
            .enumerate()
            .map(|(i, v)| if ms.is_null(i) { fill } else { *v })
            .collect()),
        _ => Ok(values),
    }
}

/// The owned-or-borrowed columns behind a [`FunnelInput`].
struct Columns {
    stages: Vec<StageInfo>,
    ev_opp: ScalarBuffer<u64>,
    ev_at: ScalarBuffer<i64>,
    ev_stage: ScalarBuffer<u16>,
    opp: ScalarBuffer<u64>,
    amount: ScalarBuffer<i64>,
    group: ScalarBuffer<u32>,
    created: ScalarBuffer<i64>,
    close: ScalarBuffer<i64>,
    group_names: Vec<String>,
    null_group: Option<u32>,
    currency: Option<Currency>,
}

impl Columns {
    fn input(&self) -> FunnelInput<'_> {
        FunnelInput {
            stages: &self.stages,
            events: StageEvents {
                opp: &self.ev_opp,
                at_ms: &self.ev_at,
                stage: &self.ev_stage,
            },
            opportunities: Opportunities {
                opp: &self.opp,
                amount_minor: &self.amount,
                group: &self.group,
                created_ms: &self.created,
                expected_close_ms: &self.close,
            },
            group_names: &self.group_names,
            null_group: self.null_group,
            currency: self.currency,
        }
    }
}

/// Reads the two frames. Column names: events `opp`, `at`, `stage`; opportunities `opp`,
/// `amount` (integer minor units), `created`, optional `expected_close`, and the `by` column.
fn columns(
    events: &Bound<'_, PyAny>,
    opportunities: &Bound<'_, PyAny>,
    pipeline: &Bound<'_, PyAny>,
    by: Option<&str>,
    currency: Option<&str>,
) -> PyResult<Columns> {
    let pipeline: Pipeline = from_py(pipeline, "pipeline")?;
    let stages = StageInfo::from_pipeline(&pipeline);
    let ev = Frame::load(events, "events")?;
    let op = Frame::load(opportunities, "opportunities")?;
    let op_opp = op.required("opp")?;
    let ev_opp = ev.required("opp")?;
    let (opp, ev_opp): (ScalarBuffer<u64>, ScalarBuffer<u64>) = match OppIds::read(&op_opp)? {
        Some(ids) => {
            let codes = ids.codes(&ev_opp)?.ok_or_else(|| {
                PyTypeError::new_err(format!(
                    "{}: integer ids, but the opportunities table has string ids",
                    ev_opp.path
                ))
            })?;
            ((0..ids.len() as u64).collect(), codes.into())
        }
        None if ev_opp.is_text() => {
            return Err(PyTypeError::new_err(format!(
                "{}: string ids, but the opportunities table has integer ids",
                ev_opp.path
            )))
        }
        None => (
            primitive::<UInt64Type>(&op_opp)?,
            primitive::<UInt64Type>(&ev_opp)?,
        ),
    };
    let amount_col = op.required("amount")?;
    let amount_dt = amount_col.data_type();
    if amount_dt.is_floating()
        || matches!(
            amount_dt,
            DataType::Decimal128(..) | DataType::Decimal256(..)
        )
    {
        return Err(PyTypeError::new_err(format!(
            "opportunities.amount: dtype {amount_dt} is not money; pass integer minor units \
             (e.g. cents as int64)"
        )));
    }
    let amount = primitive::<Int64Type>(&amount_col)?;
    let created = millis(&op.required("created")?, None)?;
    let close = match op.column("expected_close") {
        Some(c) => millis(&c, Some(NO_DATE))?,
        None => vec![NO_DATE; op.len()].into(),
    };
    let (group, group_names, null_group) = match by {
        Some(col) => {
            let (codes, names, null) = groups(&op.required(col)?)?;
            (codes.into(), names, null)
        }
        None => (vec![0u32; op.len()].into(), vec!["(all)".to_owned()], None),
    };
    let ev_at = millis(&ev.required("at")?, None)?;
    let stage_col = ev.required("stage")?;
    let ev_stage = match StageIds::new(&stages).codes(&stage_col)? {
        Some(codes) => codes.into(),
        None => primitive::<UInt16Type>(&stage_col)?,
    };
    let currency = currency.map(Currency::new).transpose().py_err()?;
    Ok(Columns {
        stages,
        ev_opp,
        ev_at,
        ev_stage,
        opp,
        amount,
        group,
        created,
        close,
        group_names,
        null_group,
        currency,
    })
}

/// A core analytics error with the frames' own column names: `events[3].at_ms` names the
/// frame column `at`, `opportunities[2].group` the `by` column (the core's names are those of
/// its input columns).
fn in_frame_terms(e: salespipe::Error, by: Option<&str>) -> PyErr {
    crate::error::to_py(an::in_table_terms(e, by))
}

fn window(from: Option<&Bound<'_, PyAny>>, to: Option<&Bound<'_, PyAny>>) -> PyResult<Window> {
    let from = from.map(|t| timestamp(t, "window[0]")).transpose()?;
    let to = to.map(|t| timestamp(t, "window[1]")).transpose()?;
    Ok(Window::new(from, to))
}

fn mode(m: &str) -> PyResult<Mode> {
    match m {
        "recorded" => Ok(Mode::Recorded),
        "cumulative" => Ok(Mode::Cumulative),
        other => Err(validation(
            "mode",
            format!("{other:?} is not a mode (recorded, cumulative)"),
        )),
    }
}

/// A funnel report: the core's `FunnelReport`.
#[pyclass(module = "salespipe._salespipe", name = "FunnelReport", frozen)]
#[derive(Debug)]
pub(crate) struct FunnelReport {
    inner: Arc<an::FunnelReport>,
}

impl FunnelReport {
    /// The core report.
    pub(crate) fn report(&self) -> &an::FunnelReport {
        &self.inner
    }
}

impl From<an::FunnelReport> for FunnelReport {
    fn from(report: an::FunnelReport) -> Self {
        FunnelReport {
            inner: Arc::new(report),
        }
    }
}

#[pymethods]
impl FunnelReport {
    /// The report's JSON (the same shape as the Rust report).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &*self.inner)
    }

    /// The SVG funnel chart.
    fn to_svg(&self) -> String {
        self.inner.to_svg()
    }

    /// The text table.
    fn __str__(&self) -> String {
        self.inner.to_string()
    }

    /// One table of the report (`stages`, `pipeline`, `transitions`) as an Arrow table
    /// (`__arrow_c_stream__`), built from the report in Rust.
    /// `groups=False` keeps the total's rows only.
    #[pyo3(signature = (table, groups = true))]
    fn frame(&self, table: &str, groups: bool) -> PyResult<PyTable> {
        let mut frame = crate::frames::funnel_frame(&self.inner, table)?;
        if !groups {
            // The total's rows come first, marked by the `total` column.
            let n = match frame.column("total").map(|c| &c.values) {
                Some(Values::Bool(total)) => total.iter().take_while(|t| **t == Some(true)).count(),
                _ => frame.len(),
            };
            frame = frame.head(n);
        }
        crate::frames::table(frame)
    }
}

/// The funnel report over frames (see the module docs for the columns).
#[pyfunction]
#[pyo3(signature = (events, opportunities, pipeline, *, as_of, window_from = None, window_to = None, mode = "recorded", by = None, currency = None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn funnel(
    py: Python<'_>,
    events: &Bound<'_, PyAny>,
    opportunities: &Bound<'_, PyAny>,
    pipeline: &Bound<'_, PyAny>,
    as_of: &Bound<'_, PyAny>,
    window_from: Option<&Bound<'_, PyAny>>,
    window_to: Option<&Bound<'_, PyAny>>,
    mode: &str,
    by: Option<&str>,
    currency: Option<&str>,
) -> PyResult<FunnelReport> {
    let cols = columns(events, opportunities, pipeline, by, currency)?;
    let params = FunnelParams::new(timestamp(as_of, "as_of")?)
        .window(window(window_from, window_to)?)
        .mode(self::mode(mode)?);
    let report = py
        .detach(|| an::funnel(&cols.input(), &params))
        .map_err(|e| in_frame_terms(e, by))?;
    Ok(report.into())
}

/// Both funnel modes from one reading of the frames and one pass (the core's `funnel_both`):
/// `(recorded, cumulative)`.
#[pyfunction]
#[pyo3(signature = (events, opportunities, pipeline, *, as_of, window_from = None, window_to = None, by = None, currency = None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn funnel_both(
    py: Python<'_>,
    events: &Bound<'_, PyAny>,
    opportunities: &Bound<'_, PyAny>,
    pipeline: &Bound<'_, PyAny>,
    as_of: &Bound<'_, PyAny>,
    window_from: Option<&Bound<'_, PyAny>>,
    window_to: Option<&Bound<'_, PyAny>>,
    by: Option<&str>,
    currency: Option<&str>,
) -> PyResult<(FunnelReport, FunnelReport)> {
    let cols = columns(events, opportunities, pipeline, by, currency)?;
    let at = timestamp(as_of, "as_of")?;
    let w = window(window_from, window_to)?;
    let both = py
        .detach(|| an::funnel_both(&cols.input(), at, w))
        .map_err(|e| in_frame_terms(e, by))?;
    Ok((both.recorded.into(), both.cumulative.into()))
}

/// The forecast of the won amount for a period, over frames; returns its JSON.
#[pyfunction]
#[pyo3(signature = (events, opportunities, pipeline, *, as_of, period_from = None, period_to = None, probabilities = None, method = None, currency = None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn forecast<'py>(
    py: Python<'py>,
    events: &Bound<'py, PyAny>,
    opportunities: &Bound<'py, PyAny>,
    pipeline: &Bound<'py, PyAny>,
    as_of: &Bound<'py, PyAny>,
    period_from: Option<&Bound<'py, PyAny>>,
    period_to: Option<&Bound<'py, PyAny>>,
    probabilities: Option<&Bound<'py, PyAny>>,
    method: Option<&Bound<'py, PyAny>>,
    currency: Option<&str>,
) -> PyResult<Bound<'py, PyAny>> {
    let cols = columns(events, opportunities, pipeline, None, currency)?;
    let mut params =
        an::ForecastParams::new(timestamp(as_of, "as_of")?, window(period_from, period_to)?);
    if let Some(p) = probabilities {
        params.probabilities = from_py(p, "probabilities")?;
    }
    if let Some(m) = method {
        params.method = from_py(m, "method")?;
    }
    let f = py
        .detach(|| an::forecast(&cols.input(), &params))
        .map_err(|e| in_frame_terms(e, None))?;
    to_py(py, &f)
}

/// How well the stage probabilities predicted the outcomes, over frames; returns its JSON.
#[pyfunction]
#[pyo3(signature = (events, opportunities, pipeline, *, as_of, window_from = None, window_to = None))]
pub(crate) fn calibration<'py>(
    py: Python<'py>,
    events: &Bound<'py, PyAny>,
    opportunities: &Bound<'py, PyAny>,
    pipeline: &Bound<'py, PyAny>,
    as_of: &Bound<'py, PyAny>,
    window_from: Option<&Bound<'py, PyAny>>,
    window_to: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let cols = columns(events, opportunities, pipeline, None, None)?;
    let at = timestamp(as_of, "as_of")?;
    let w = window(window_from, window_to)?;
    let c = py
        .detach(|| an::calibration(&cols.input(), at, w))
        .map_err(|e| in_frame_terms(e, None))?;
    to_py(py, &c)
}
