//! Reports out as Arrow tables: the core's [`Frame`]s built into Arrow record batches here and
//! handed to Python through the Arrow PyCapsule interface (`__arrow_c_stream__`), so
//! pyarrow, polars and pandas (through pyarrow) read them without a Python row loop.

use std::sync::Arc;

use arrow_array::builder::{
    BooleanBuilder, Date32Builder, DurationMillisecondBuilder, Float64Builder, Int64Builder,
    StringBuilder, TimestampMillisecondBuilder,
};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, TimeUnit};
use pyo3::prelude::*;
use pyo3_arrow::PyTable;
use salespipe::analytics::{Calibration, Forecast};
use salespipe::frame::{Frame, Values};
use salespipe::management::competitor::CompetitorReport;
use salespipe::management::daily::{RangeReport, TeamDailyReport};
use salespipe::management::expense::ExpenseReport;
use salespipe::management::source::SourceReport;
use salespipe::management::target::AttainmentReport;

use crate::convert::from_py;
use crate::error::validation;

fn array(values: &Values) -> (DataType, ArrayRef) {
    match values {
        Values::Bool(v) => {
            let mut b = BooleanBuilder::with_capacity(v.len());
            b.extend(v.iter().copied());
            (DataType::Boolean, Arc::new(b.finish()))
        }
        Values::Int(v) => {
            let mut b = Int64Builder::with_capacity(v.len());
            b.extend(v.iter().copied());
            (DataType::Int64, Arc::new(b.finish()))
        }
        Values::Float(v) => {
            let mut b = Float64Builder::with_capacity(v.len());
            b.extend(v.iter().copied());
            (DataType::Float64, Arc::new(b.finish()))
        }
        Values::Text(v) => {
            let mut b =
                StringBuilder::with_capacity(v.len(), v.iter().flatten().map(String::len).sum());
            for s in v {
                b.append_option(s.as_deref());
            }
            (DataType::Utf8, Arc::new(b.finish()))
        }
        Values::Duration(v) => {
            let mut b = DurationMillisecondBuilder::with_capacity(v.len());
            b.extend(v.iter().copied());
            (
                DataType::Duration(TimeUnit::Millisecond),
                Arc::new(b.finish()),
            )
        }
        Values::Instant(v) => {
            let mut b = TimestampMillisecondBuilder::with_capacity(v.len()).with_timezone("UTC");
            b.extend(v.iter().copied());
            let a = b.finish();
            (a.data_type().clone(), Arc::new(a))
        }
        Values::Date(v) => {
            let mut b = Date32Builder::with_capacity(v.len());
            b.extend(v.iter().copied());
            (DataType::Date32, Arc::new(b.finish()))
        }
        // `Values` is non-exhaustive: a column type this binding does not know yet comes out
        // as all missing text rather than failing the whole report.
        #[allow(unreachable_patterns)]
        other => {
            let mut b = StringBuilder::new();
            for _ in 0..other.len() {
                b.append_null();
            }
            (DataType::Utf8, Arc::new(b.finish()))
        }
    }
}

/// A frame as an Arrow table (one record batch) for Python.
pub(crate) fn table(frame: Frame) -> PyResult<PyTable> {
    let mut fields = Vec::new();
    let mut arrays = Vec::new();
    for c in frame.into_columns() {
        let (dt, a) = array(&c.values);
        fields.push(Field::new(c.name, dt, true));
        arrays.push(a);
    }
    let schema = Arc::new(Schema::new(fields));
    let batch = RecordBatch::try_new(schema.clone(), arrays)
        .map_err(|e| crate::error::storage(e.to_string()))?;
    PyTable::try_new(vec![batch], schema)
}

/// The frames a report has, by report kind and table name (see [`report_frame`]).
const TABLES: &[(&str, &[&str])] = &[
    ("funnel", &["stages", "pipeline", "transitions"]),
    ("forecast", &["forecast"]),
    ("calibration", &["stages"]),
    ("team_daily", &["reps", "amounts", "activities"]),
    ("range", &["days", "amounts", "activities"]),
    ("attainment", &["scopes", "other_currencies"]),
    ("sources", &["sources", "costs"]),
    ("competitors", &["competitors", "amounts", "stages"]),
    ("expenses", &["customers", "categories", "reps"]),
];

fn unknown(kind: &str, name: &str) -> PyErr {
    let known = TABLES
        .iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, t)| t.join(", "))
        .unwrap_or_default();
    validation(
        "table",
        format!("{name:?} is not a table of the {kind} report (tables: {known})"),
    )
}

/// One table of a report given as its JSON (`kind`: funnel, forecast, calibration,
/// team_daily, range, attainment, sources, competitors, expenses), as an Arrow table.
#[pyfunction]
pub(crate) fn report_frame(
    report: &Bound<'_, PyAny>,
    kind: &str,
    table: &str,
) -> PyResult<PyTable> {
    let frame = match kind {
        "funnel" => {
            let r: salespipe::analytics::FunnelReport = from_py(report, "report")?;
            funnel_frame(&r, table)?
        }
        "forecast" if table == "forecast" => from_py::<Forecast>(report, "report")?.frame(),
        "calibration" if table == "stages" => from_py::<Calibration>(report, "report")?.frame(),
        "team_daily" => {
            let r: TeamDailyReport = from_py(report, "report")?;
            match table {
                "reps" => r.frame(),
                "amounts" => r.amounts_frame(),
                "activities" => r.activities_frame(),
                _ => return Err(unknown(kind, table)),
            }
        }
        "range" => {
            let r: RangeReport = from_py(report, "report")?;
            match table {
                "days" => r.frame(),
                "amounts" => r.amounts_frame(),
                "activities" => r.activities_frame(),
                _ => return Err(unknown(kind, table)),
            }
        }
        "attainment" => {
            let r: AttainmentReport = from_py(report, "report")?;
            match table {
                "scopes" => r.frame(),
                "other_currencies" => r.other_currencies_frame(),
                _ => return Err(unknown(kind, table)),
            }
        }
        "sources" => {
            let r: SourceReport = from_py(report, "report")?;
            match table {
                "sources" => r.frame(),
                "costs" => r.costs_frame(),
                _ => return Err(unknown(kind, table)),
            }
        }
        "competitors" => {
            let r: CompetitorReport = from_py(report, "report")?;
            match table {
                "competitors" => r.frame(),
                "amounts" => r.amounts_frame(),
                "stages" => r.stages_frame(),
                _ => return Err(unknown(kind, table)),
            }
        }
        "expenses" => {
            let r: ExpenseReport = from_py(report, "report")?;
            match table {
                "customers" => r.customers_frame(),
                "categories" => r.categories_frame(),
                "reps" => r.reps_frame(),
                _ => return Err(unknown(kind, table)),
            }
        }
        _ if TABLES.iter().any(|(k, _)| *k == kind) => return Err(unknown(kind, table)),
        _ => {
            return Err(validation(
                "kind",
                format!("{kind:?} is not a report with frames"),
            ))
        }
    };
    self::table(frame)
}

/// One table of a funnel report (`stages`, `pipeline`, `transitions`).
pub(crate) fn funnel_frame(r: &salespipe::analytics::FunnelReport, table: &str) -> PyResult<Frame> {
    Ok(match table {
        "stages" => r.stages_frame(),
        "pipeline" => r.pipeline_frame(),
        "transitions" => r.transitions_frame(),
        _ => return Err(unknown("funnel", table)),
    })
}
