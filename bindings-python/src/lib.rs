//! The `salespipe._salespipe` extension module: the core engine for Python.
//!
//! Thin by design: this crate converts values and errors and holds no domain logic. The
//! public, typed Python API is `python/salespipe/__init__.py` over this module; its stub is
//! `python/salespipe/_salespipe.pyi`, checked by `mypy.stubtest`.

mod analytics;
mod columns;
mod competitor;
mod convert;
mod engine;
mod error;
mod frames;
mod money;
mod snapshot;
mod target;

use pyo3::prelude::*;

/// The module's own allocations (the codes of a frame's columns, the reports, the Arrow
/// tables it hands out) come from mimalloc, as polars' and pydantic-core's do: it keeps and
/// reuses the memory of one call for the next, where the system allocator gives the large
/// buffers back and every call pays to fault fresh, zeroed pages in again (a fifth of a
/// funnel call over 1M opportunities from string columns; `benches/README.md`, "Python").
/// Python's own objects keep Python's allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The stable error codes, in the core's order (each has an exception class).
#[pyfunction]
fn error_codes() -> Vec<&'static str> {
    salespipe::ErrorCode::ALL
        .iter()
        .map(|c| c.as_str())
        .collect()
}

#[pymodule(gil_used = false)]
fn _salespipe(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("SCHEMA_VERSION", salespipe::SCHEMA_VERSION)?;
    m.add_class::<engine::Engine>()?;
    m.add_class::<engine::ManualClock>()?;
    m.add_class::<analytics::FunnelReport>()?;
    m.add_function(wrap_pyfunction!(analytics::funnel, m)?)?;
    m.add_function(wrap_pyfunction!(analytics::funnel_both, m)?)?;
    m.add_function(wrap_pyfunction!(analytics::forecast, m)?)?;
    m.add_function(wrap_pyfunction!(analytics::calibration, m)?)?;
    m.add_function(wrap_pyfunction!(engine::pipeline_from_json, m)?)?;
    m.add_function(wrap_pyfunction!(engine::pipeline_from_toml, m)?)?;
    m.add_function(wrap_pyfunction!(engine::validate_pipeline, m)?)?;
    m.add_function(wrap_pyfunction!(engine::validate_process, m)?)?;
    m.add_function(wrap_pyfunction!(money::money_parse, m)?)?;
    m.add_function(wrap_pyfunction!(money::money_format, m)?)?;
    m.add_function(wrap_pyfunction!(money::currency_code, m)?)?;
    m.add_function(wrap_pyfunction!(error_codes, m)?)?;
    m.add_function(wrap_pyfunction!(error::_raise_sample_error, m)?)?;
    m.add_function(wrap_pyfunction!(convert::to_json_py, m)?)?;
    m.add_function(wrap_pyfunction!(convert::parse_duration, m)?)?;
    m.add_function(wrap_pyfunction!(target::attainment, m)?)?;
    m.add_function(wrap_pyfunction!(target::expense_report, m)?)?;
    m.add_function(wrap_pyfunction!(target::source_report, m)?)?;
    m.add_function(wrap_pyfunction!(competitor::competitor_report, m)?)?;
    m.add_function(wrap_pyfunction!(frames::report_frame, m)?)?;
    m.add_function(wrap_pyfunction!(snapshot::forecast_snapshot, m)?)?;
    m.add_function(wrap_pyfunction!(snapshot::forecast_accuracy, m)?)?;
    m.add_function(wrap_pyfunction!(snapshot::rep_snapshot_figures, m)?)?;
    Ok(())
}
