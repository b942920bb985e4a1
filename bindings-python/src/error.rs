//! Core errors → the Python exception tree declared in `salespipe/exceptions.py`.
//!
//! The tree lives in Python so `ValidationError` can also be a `ValueError` (and
//! `NotFound` a `LookupError`); Rust builds instances through `exceptions._from_core`, the one
//! mapping from [`salespipe::ErrorCode`] to class.

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use salespipe::Error;
use serde_json::Value;

/// The structured fields of an error, as JSON: the core's own serialization of the error
/// (`GateNotMet` carries its report) without its `code`, so a field the core adds reaches
/// Python without a change here.
fn details(e: &Error) -> Value {
    match serde_json::to_value(e) {
        Ok(Value::Object(mut fields)) => {
            fields.remove("code");
            Value::Object(fields)
        }
        // The core's errors serialize to objects; anything else would be a core bug, and the
        // exception still carries its code and message.
        _ => Value::Object(serde_json::Map::new()),
    }
}

fn build(py: Python<'_>, code: &str, message: String, details: &Value) -> PyErr {
    let made = (|| -> PyResult<PyErr> {
        let module = py.import("salespipe.exceptions")?;
        let d = crate::convert::from_json(py, details)?;
        let exc = module.call_method1("_from_core", (code, message.clone(), d))?;
        Ok(PyErr::from_value(exc))
    })();
    made.unwrap_or_else(|e| PyRuntimeError::new_err(format!("{code}: {message} ({e})")))
}

/// A core error as the matching `salespipe` exception.
pub(crate) fn to_py(e: Error) -> PyErr {
    Python::attach(|py| build(py, e.code().as_str(), e.to_string(), &details(&e)))
}

/// A `ValidationError` raised by the binding itself (bad Python input), naming `field`.
pub(crate) fn validation(field: &str, message: impl std::fmt::Display) -> PyErr {
    to_py(Error::validation(field, message.to_string()))
}

/// A `StorageError` for an unexpected serialization failure.
pub(crate) fn storage(message: impl std::fmt::Display) -> PyErr {
    to_py(Error::storage(message))
}

/// `Result<T, salespipe::Error>` → `PyResult<T>`.
pub(crate) trait IntoPy<T> {
    /// Maps the error to its Python exception.
    fn py_err(self) -> PyResult<T>;
}

impl<T> IntoPy<T> for salespipe::Result<T> {
    fn py_err(self) -> PyResult<T> {
        self.map_err(to_py)
    }
}

/// Raises the exception a sample core error of `code` maps to (tests reach every class
/// through the same mapping, including codes only a durable store or a race produces).
#[pyo3::pyfunction]
pub(crate) fn _raise_sample_error(code: &str) -> PyResult<()> {
    let code: salespipe::ErrorCode = code.parse().py_err()?;
    let e = match code {
        salespipe::ErrorCode::Conflict => Error::Conflict {
            stream: "opportunity/opp-1".into(),
            expected: 3,
            actual: 4,
        },
        salespipe::ErrorCode::UnsupportedVersion => Error::UnsupportedVersion {
            what: "event".into(),
            found: 9,
            supported: 1,
        },
        salespipe::ErrorCode::Storage => Error::storage("disk full"),
        salespipe::ErrorCode::Money => Error::money("overflow"),
        salespipe::ErrorCode::ApprovalPending => Error::ApprovalPending {
            request: "q-1".into(),
            message: "waiting".into(),
        },
        salespipe::ErrorCode::InvalidTransition => Error::transition("closed"),
        salespipe::ErrorCode::NotFound => Error::not_found("opportunity", "x"),
        salespipe::ErrorCode::AlreadyExists => Error::already_exists("opportunity", "x"),
        salespipe::ErrorCode::InvalidDefinition => Error::InvalidDefinition {
            problems: vec![salespipe::Problem::new("stages", "empty")],
        },
        salespipe::ErrorCode::PermissionDenied => Error::denied("wang", "configure"),
        salespipe::ErrorCode::GateNotMet => Error::GateNotMet {
            report: Box::new(salespipe::GateReport {
                opportunity: "opp-1".into(),
                from: "qualify".into(),
                target: "demo".into(),
                items: Vec::new(),
            }),
        },
        _ => Error::validation("code", code.as_str()),
    };
    Err(to_py(e))
}
