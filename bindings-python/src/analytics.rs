//! Funnel, forecast and calibration over DataFrames.
//!
//! Frames (pyarrow, polars, pandas ≥ 2.2) cross through the Arrow PyCapsule stream interface
//! (`__arrow_c_stream__`, via `pyo3-arrow`): one input path for all three. Columns already in
//! the core's dtypes (u64 ids, i64 milliseconds, u16 stage codes, u32 group codes, i64 minor
//! units) and without nulls are borrowed, not copied; other integer widths, timestamps of any
//! unit, dates and string ids / stage ids / group keys are converted once. Floats are refused
//! as money and as time. The computation runs with the GIL released.

use std::collections::HashMap;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Int64Type, TimestampMillisecondType, UInt16Type, UInt32Type, UInt64Type};
use arrow_array::{Array, ArrayRef, ArrowPrimitiveType, RecordBatch};
use arrow_buffer::ScalarBuffer;
use arrow_schema::{DataType, TimeUnit};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3_arrow::PyTable;
use salespipe::analytics::{
    self as an, FunnelInput, FunnelParams, Mode, Opportunities, StageEvents, StageInfo, Window,
    LOST_CODE, NO_DATE, WON_CODE,
};
use salespipe::{Currency, Pipeline};

use crate::convert::{from_py, timestamp, to_py};
use crate::error::{validation, IntoPy};

/// One input table, as one record batch.
struct Frame {
    name: &'static str,
    batch: RecordBatch,
}

fn wrong_dtype(path: &str, dt: &DataType, want: &str) -> PyErr {
    PyTypeError::new_err(format!(
        "{path}: dtype {dt} is not supported; expected {want}"
    ))
}

impl Frame {
    fn load(obj: &Bound<'_, PyAny>, name: &'static str) -> PyResult<Frame> {
        let table: PyTable = obj.extract().map_err(|_| {
            PyTypeError::new_err(format!(
                "{name}: expected a pandas, polars or pyarrow table (an object with \
                 __arrow_c_stream__), got {}",
                obj.get_type()
                    .name()
                    .map(|n| n.to_string())
                    .unwrap_or_default()
            ))
        })?;
        let (batches, schema) = table.into_inner();
        let batch = match batches.as_slice() {
            [one] => one.clone(),
            _ => arrow_select::concat::concat_batches(&schema, &batches)
                .map_err(|e| validation(name, e))?,
        };
        Ok(Frame { name, batch })
    }

    fn len(&self) -> usize {
        self.batch.num_rows()
    }

    fn path(&self, col: &str) -> String {
        format!("{}.{col}", self.name)
    }

    fn column(&self, col: &str) -> PyResult<Option<&ArrayRef>> {
        Ok(self.batch.column_by_name(col))
    }

    fn required(&self, col: &str) -> PyResult<&ArrayRef> {
        self.column(col)?.ok_or_else(|| {
            let names: Vec<String> = self
                .batch
                .schema()
                .fields()
                .iter()
                .map(|f| f.name().clone())
                .collect();
            validation(
                &self.path(col),
                format!("missing column (columns: {})", names.join(", ")),
            )
        })
    }
}

fn no_nulls(a: &ArrayRef, path: &str) -> PyResult<()> {
    if a.null_count() > 0 {
        return Err(validation(
            path,
            format!("{} missing values", a.null_count()),
        ));
    }
    Ok(())
}

/// The values of a primitive column: borrowed when the dtype matches, else cast (integers
/// only; a value that does not fit is an error, not a wrap).
fn primitive<T: ArrowPrimitiveType>(a: &ArrayRef, path: &str) -> PyResult<ScalarBuffer<T::Native>> {
    if a.data_type() == &T::DATA_TYPE {
        no_nulls(a, path)?;
        return Ok(a.as_primitive::<T>().values().clone());
    }
    if !a.data_type().is_integer() {
        return Err(wrong_dtype(
            path,
            a.data_type(),
            &format!("integers ({})", T::DATA_TYPE),
        ));
    }
    no_nulls(a, path)?;
    let cast = arrow_cast::cast(a, &T::DATA_TYPE).map_err(|e| validation(path, e))?;
    if cast.null_count() > 0 {
        return Err(validation(
            path,
            format!("values out of range for {}", T::DATA_TYPE),
        ));
    }
    Ok(cast.as_primitive::<T>().values().clone())
}

/// A time column as UTC milliseconds: tz-aware timestamps of any unit, dates, or int64
/// milliseconds. Naive timestamps are refused, as naive datetimes are. Nulls become `null_as`
/// when given, else are an error.
fn millis(a: &ArrayRef, path: &str, null_as: Option<i64>) -> PyResult<ScalarBuffer<i64>> {
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
            a,
            &DataType::Timestamp(TimeUnit::Millisecond, Some(tz.clone())),
        )
        .map_err(|e| validation(path, e))?,
        DataType::Date32 | DataType::Date64 => {
            let d64 = arrow_cast::cast(a, &DataType::Date64).map_err(|e| validation(path, e))?;
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
        DataType::Int64 if ms.null_count() == 0 => ms.as_primitive::<Int64Type>().values().clone(),
        _ => {
            let cast = arrow_cast::cast(&ms, &DataType::Int64).map_err(|e| validation(path, e))?;
            if cast.null_count() > ms.null_count() {
                return Err(validation(path, "values out of range"));
            }
            cast.as_primitive::<Int64Type>().values().clone()
        }
    };
    if ms.null_count() == 0 {
        return Ok(values);
    }
    let Some(fill) = null_as else {
        return Err(validation(
            path,
            format!("{} missing values", ms.null_count()),
        ));
    };
    Ok(values
        .iter()
        .enumerate()
        .map(|(i, v)| if ms.is_null(i) { fill } else { *v })
        .collect())
}

fn is_text(dt: &DataType) -> bool {
    match dt {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => true,
        DataType::Dictionary(_, v) => is_text(v),
        _ => false,
    }
}

/// A text column as owned strings (`None` for nulls).
fn strings(a: &ArrayRef, path: &str) -> PyResult<Vec<Option<String>>> {
    let s = arrow_cast::cast(a, &DataType::Utf8).map_err(|e| validation(path, e))?;
    let s = s.as_string::<i32>();
    Ok((0..s.len())
        .map(|i| (!s.is_null(i)).then(|| s.value(i).to_owned()))
        .collect())
}

/// Opportunity ids: integers (borrowed when u64) or strings (coded densely in the order of
/// the opportunity table).
enum Ids {
    Int,
    Text(HashMap<String, u64>),
}

fn opp_ids(a: &ArrayRef, path: &str, ids: &mut Option<Ids>) -> PyResult<ScalarBuffer<u64>> {
    if !is_text(a.data_type()) {
        if matches!(ids, Some(Ids::Text(_))) {
            return Err(PyTypeError::new_err(format!(
                "{path}: integer ids, but the opportunities table has string ids"
            )));
        }
        *ids = Some(Ids::Int);
        return primitive::<UInt64Type>(a, path);
    }
    let values = strings(a, path)?;
    match ids {
        Some(Ids::Int) => Err(PyTypeError::new_err(format!(
            "{path}: string ids, but the opportunities table has integer ids"
        ))),
        Some(Ids::Text(map)) => values
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let v = v
                    .as_deref()
                    .ok_or_else(|| validation(path, format!("row {i}: missing id")))?;
                map.get(v).copied().ok_or_else(|| {
                    validation(
                        path,
                        format!("row {i}: opportunity {v:?} is not in the opportunities table"),
                    )
                })
            })
            .collect(),
        None => {
            let mut map = HashMap::with_capacity(values.len());
            let mut out = Vec::with_capacity(values.len());
            for (i, v) in values.into_iter().enumerate() {
                let v = v.ok_or_else(|| validation(path, format!("row {i}: missing id")))?;
                let code = i as u64;
                if map.insert(v.clone(), code).is_some() {
                    return Err(validation(path, format!("duplicate opportunity {v:?}")));
                }
                out.push(code);
            }
            *ids = Some(Ids::Text(map));
            Ok(out.into())
        }
    }
}

/// Stage codes: u16 codes (borrowed), other integers, or stage ids of the pipeline plus
/// `won` / `lost`.
fn stage_codes(a: &ArrayRef, path: &str, stages: &[StageInfo]) -> PyResult<ScalarBuffer<u16>> {
    if !is_text(a.data_type()) {
        return primitive::<UInt16Type>(a, path);
    }
    let mut map: HashMap<&str, u16> = HashMap::new();
    for (i, s) in stages.iter().enumerate() {
        map.insert(s.id.as_str(), u16::try_from(i).unwrap_or(u16::MAX));
    }
    map.insert(salespipe::WON, WON_CODE);
    map.insert(salespipe::LOST, LOST_CODE);
    strings(a, path)?
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let v = v
                .as_deref()
                .ok_or_else(|| validation(path, format!("row {i}: missing stage")))?;
            map.get(v).copied().ok_or_else(|| {
                validation(
                    path,
                    format!("row {i}: {v:?} is not a stage of the pipeline (nor won/lost)"),
                )
            })
        })
        .collect()
}

/// Group codes and names: u32 codes (named by their code) or keys of any text column
/// (named by the key, coded in order of first appearance; nulls are `(none)`).
fn groups(a: &ArrayRef, path: &str) -> PyResult<(ScalarBuffer<u32>, Vec<String>)> {
    if !is_text(a.data_type()) {
        if a.data_type().is_floating() {
            return Err(wrong_dtype(
                path,
                a.data_type(),
                "integer codes or text keys",
            ));
        }
        if !a.data_type().is_integer() {
            let s = arrow_cast::cast(a, &DataType::Utf8)
                .map_err(|_| wrong_dtype(path, a.data_type(), "integer codes or text keys"))?;
            return groups(&s, path);
        }
        return Ok((primitive::<UInt32Type>(a, path)?, Vec::new()));
    }
    let mut names: Vec<String> = Vec::new();
    let mut codes: HashMap<String, u32> = HashMap::new();
    let mut out = Vec::with_capacity(a.len());
    for v in strings(a, path)? {
        let key = v.unwrap_or_else(|| "(none)".to_owned());
        let next = u32::try_from(names.len()).unwrap_or(u32::MAX);
        let code = *codes.entry(key.clone()).or_insert_with(|| {
            names.push(key);
            next
        });
        out.push(code);
    }
    Ok((out.into(), names))
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
    let mut ids = None;
    let opp = opp_ids(op.required("opp")?, &op.path("opp"), &mut ids)?;
    let amount_col = op.required("amount")?;
    if amount_col.data_type().is_floating()
        || matches!(
            amount_col.data_type(),
            DataType::Decimal128(..) | DataType::Decimal256(..)
        )
    {
        return Err(PyTypeError::new_err(format!(
            "opportunities.amount: dtype {} is not money; pass integer minor units \
             (e.g. cents as int64)",
            amount_col.data_type()
        )));
    }
    let amount = primitive::<Int64Type>(amount_col, &op.path("amount"))?;
    let created = millis(op.required("created")?, &op.path("created"), None)?;
    let close = match op.column("expected_close")? {
        Some(c) => millis(c, &op.path("expected_close"), Some(NO_DATE))?,
        None => vec![NO_DATE; op.len()].into(),
    };
    let (group, group_names) = match by {
        Some(col) => groups(op.required(col)?, &op.path(col))?,
        None => (vec![0u32; op.len()].into(), vec!["(all)".to_owned()]),
    };
    let ev_opp = opp_ids(ev.required("opp")?, &ev.path("opp"), &mut ids)?;
    let ev_at = millis(ev.required("at")?, &ev.path("at"), None)?;
    let ev_stage = stage_codes(ev.required("stage")?, &ev.path("stage"), &stages)?;
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
        currency,
    })
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
    let report = py.detach(|| an::funnel(&cols.input(), &params)).py_err()?;
    Ok(report.into())
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
        .py_err()?;
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
        .py_err()?;
    to_py(py, &c)
}
