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
use arrow_array::types::{Int64Type, TimestampMillisecondType, UInt16Type, UInt64Type};
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

/// Calls `f` with each row of a plain text column (`utf8`, `large_utf8`, `utf8_view`), the
/// strings borrowed from the column: no allocation per row. False for another dtype.
fn each_text<'a>(
    a: &'a ArrayRef,
    mut f: impl FnMut(usize, Option<&'a str>) -> PyResult<()>,
) -> PyResult<bool> {
    match a.data_type() {
        DataType::Utf8 => a
            .as_string::<i32>()
            .iter()
            .enumerate()
            .try_for_each(|(i, v)| f(i, v))?,
        DataType::LargeUtf8 => a
            .as_string::<i64>()
            .iter()
            .enumerate()
            .try_for_each(|(i, v)| f(i, v))?,
        DataType::Utf8View => a
            .as_string_view()
            .iter()
            .enumerate()
            .try_for_each(|(i, v)| f(i, v))?,
        _ => return Ok(false),
    }
    Ok(true)
}

/// The code of every row of a text column (plain, or dictionary-encoded as pyarrow's
/// `dictionary`, polars' `Categorical` / `Enum` and pandas' `category` arrive): `code` is
/// called once per distinct dictionary value a row uses, or once per row of a plain column,
/// on borrowed strings. A missing value is an error naming the row (`what` says what is
/// missing). `Ok(None)` for a column that is not text.
fn text_codes<'a, T: Copy>(
    a: &'a ArrayRef,
    path: &str,
    what: &str,
    mut code: impl FnMut(usize, &'a str) -> PyResult<T>,
) -> PyResult<Option<Vec<T>>> {
    let missing = |i: usize| validation(path, format!("row {i}: missing {what}"));
    let mut out = Vec::with_capacity(a.len());
    if let Some(dict) = a.as_any_dictionary_opt() {
        let values = dict.values();
        let keys = dict.normalized_keys();
        let mut memo: Vec<Option<T>> = vec![None; values.len()];
        let mut texts: Vec<Option<&'a str>> = Vec::with_capacity(values.len());
        if !each_text(values, |_, v| {
            texts.push(v);
            Ok(())
        })? {
            return Ok(None);
        }
        for (i, &k) in keys.iter().enumerate() {
            if a.is_null(i) {
                return Err(missing(i));
            }
            let c = match memo.get(k).copied().flatten() {
                Some(c) => c,
                None => {
                    let text = texts.get(k).copied().flatten().ok_or_else(|| missing(i))?;
                    let c = code(i, text)?;
                    if let Some(m) = memo.get_mut(k) {
                        *m = Some(c);
                    }
                    c
                }
            };
            out.push(c);
        }
        return Ok(Some(out));
    }
    let text = each_text(a, |i, v| {
        out.push(code(i, v.ok_or_else(|| missing(i))?)?);
        Ok(())
    })?;
    Ok(text.then_some(out))
}

/// Opportunity ids: integers (borrowed when u64) or strings (coded densely in the order of
/// the opportunity table, borrowed from it).
enum Ids<'a> {
    Int,
    Text(HashMap<&'a str, u64>),
}

fn opp_ids<'a>(
    a: &'a ArrayRef,
    path: &str,
    ids: &mut Option<Ids<'a>>,
) -> PyResult<ScalarBuffer<u64>> {
    match ids {
        Some(Ids::Text(map)) => {
            let codes = text_codes(a, path, "id", |i, v| {
                map.get(v).copied().ok_or_else(|| {
                    validation(
                        path,
                        format!("row {i}: opportunity {v:?} is not in the opportunities table"),
                    )
                })
            })?;
            codes.map(Into::into).ok_or_else(|| {
                PyTypeError::new_err(format!(
                    "{path}: integer ids, but the opportunities table has string ids"
                ))
            })
        }
        Some(Ids::Int) if !is_text(a.data_type()) => primitive::<UInt64Type>(a, path),
        Some(Ids::Int) => Err(PyTypeError::new_err(format!(
            "{path}: string ids, but the opportunities table has integer ids"
        ))),
        None => {
            let mut map: HashMap<&'a str, u64> = HashMap::with_capacity(a.len());
            let mut next = 0u64;
            let codes = text_codes(a, path, "id", |_, v| {
                if map.insert(v, next).is_some() {
                    return Err(validation(path, format!("duplicate opportunity {v:?}")));
                }
                next += 1;
                Ok(next - 1)
            })?;
            match codes {
                Some(codes) => {
                    *ids = Some(Ids::Text(map));
                    Ok(codes.into())
                }
                None => {
                    *ids = Some(Ids::Int);
                    primitive::<UInt64Type>(a, path)
                }
            }
        }
    }
}

/// Stage codes: u16 codes (borrowed), other integers, or stage ids of the pipeline plus
/// `won` / `lost` (plain or dictionary text).
fn stage_codes(a: &ArrayRef, path: &str, stages: &[StageInfo]) -> PyResult<ScalarBuffer<u16>> {
    let mut map: HashMap<&str, u16> = HashMap::with_capacity(stages.len() + 2);
    for (i, s) in stages.iter().enumerate() {
        map.insert(s.id.as_str(), u16::try_from(i).unwrap_or(u16::MAX));
    }
    map.insert(salespipe::WON, WON_CODE);
    map.insert(salespipe::LOST, LOST_CODE);
    let codes = text_codes(a, path, "stage", |i, v| {
        map.get(v).copied().ok_or_else(|| {
            validation(
                path,
                format!("row {i}: {v:?} is not a stage of the pipeline (nor won/lost)"),
            )
        })
    })?;
    match codes {
        Some(codes) => Ok(codes.into()),
        None => primitive::<UInt16Type>(a, path),
    }
}

/// A group key: a value of the `by` column, ordered as `groupby` orders keys (numbers by
/// value, text by code point), the missing key last.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Key<'a> {
    Int(i128),
    Text(&'a str),
    Missing,
}

/// Group codes and names from the `by` column, grouped by value as pandas' `groupby` does:
/// integer, text, dictionary (categorical) and boolean columns, nulls included (one group
/// whose report has no key, so a real `"(none)"` stays its own group). Groups are numbered
/// in sorted key order. Floats are refused (a float key is rarely meant; cast first).
fn groups(a: &ArrayRef, path: &str) -> PyResult<(Vec<u32>, Vec<String>, Option<u32>)> {
    let dt = a.data_type();
    if dt.is_floating() {
        return Err(wrong_dtype(path, dt, "integer, text or categorical keys"));
    }
    // The key of each row, borrowed; then the distinct keys sorted, then the codes.
    let keys: Vec<Key<'_>> = if dt.is_integer() {
        let wide = arrow_cast::cast(a, &DataType::Decimal128(38, 0))
            .map_err(|_| wrong_dtype(path, dt, "integer, text or categorical keys"))?;
        let wide = wide.as_primitive::<arrow_array::types::Decimal128Type>();
        wide.iter()
            .map(|v| v.map_or(Key::Missing, Key::Int))
            .collect()
    } else if let Some(keys) = text_keys(a)? {
        keys
    } else if dt == &DataType::Boolean {
        a.as_boolean()
            .iter()
            .map(|v| v.map_or(Key::Missing, |b| Key::Int(i128::from(b))))
            .collect()
    } else {
        return Err(wrong_dtype(path, dt, "integer, text or categorical keys"));
    };
    let mut distinct: Vec<&Key<'_>> = keys.iter().collect();
    distinct.sort_unstable();
    distinct.dedup();
    let code_of: HashMap<&Key<'_>, u32> = distinct
        .iter()
        .enumerate()
        .map(|(i, k)| (*k, u32::try_from(i).unwrap_or(u32::MAX)))
        .collect();
    let boolean = dt == &DataType::Boolean;
    let names: Vec<String> = distinct
        .iter()
        .map(|k| match k {
            Key::Int(v) if boolean => if *v == 1 { "True" } else { "False" }.to_owned(),
            Key::Int(v) => v.to_string(),
            Key::Text(t) => (*t).to_owned(),
            Key::Missing => String::new(),
        })
        .collect();
    let null_group = code_of.get(&Key::Missing).copied();
    let codes = keys
        .iter()
        .map(|k| code_of.get(k).copied().unwrap_or(u32::MAX))
        .collect();
    Ok((codes, names, null_group))
}

/// The keys of a text column, plain or dictionary-encoded; `None` for another dtype.
fn text_keys(a: &ArrayRef) -> PyResult<Option<Vec<Key<'_>>>> {
    if let Some(dict) = a.as_any_dictionary_opt() {
        let mut texts: Vec<Option<&str>> = Vec::with_capacity(dict.values().len());
        if !each_text(dict.values(), |_, v| {
            texts.push(v);
            Ok(())
        })? {
            return Ok(None);
        }
        let keys = dict.normalized_keys();
        return Ok(Some(
            keys.iter()
                .enumerate()
                .map(|(i, &k)| match texts.get(k).copied().flatten() {
                    Some(t) if !a.is_null(i) => Key::Text(t),
                    _ => Key::Missing,
                })
                .collect(),
        ));
    }
    let mut out = Vec::with_capacity(a.len());
    let text = each_text(a, |_, v| {
        out.push(v.map_or(Key::Missing, Key::Text));
        Ok(())
    })?;
    Ok(text.then_some(out))
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
    let (group, group_names, null_group) = match by {
        Some(col) => {
            let (codes, names, null) = groups(op.required(col)?, &op.path(col))?;
            (codes.into(), names, null)
        }
        None => (vec![0u32; op.len()].into(), vec!["(all)".to_owned()], None),
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
        null_group,
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
