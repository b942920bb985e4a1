//! Conversions between Python values and the core's JSON (the lingua franca of the core's
//! serde types), and between `datetime` and [`Timestamp`].
//!
//! Python → JSON accepts what a Python caller naturally has: dicts, lists, str, int, float,
//! bool, None, tz-aware `datetime` (naive ones are refused), `date`, `timedelta`, `enum.Enum`
//! members and the binding's records (anything with a `to_dict()` method, such as `Money`).
//! `Decimal` and floats never become money: money crosses as `Money` (minor units + currency).
//!
//! Both directions stop at [`MAX_DEPTH`] (128) levels of nesting with a `ValidationError`
//! naming the path: the conversions recurse, and a value nested 20,000 deep would otherwise
//! overflow the stack and kill the process. 128 is serde_json's own recursion limit for JSON
//! text, so every value the engine accepts as text it accepts as Python too, and no command or
//! query of the core comes near it. A self-referencing list (or a `to_dict()` returning its
//! own object) is refused the same way.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{
    PyBool, PyDate, PyDateTime, PyDelta, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple,
};
use salespipe::Timestamp;
use serde_json::{Map, Number, Value};

use crate::error::validation;

/// The deepest nesting the conversions accept (see the module's documentation).
pub(crate) const MAX_DEPTH: usize = 128;

fn too_deep(path: &str) -> PyErr {
    validation(
        path,
        format!("nested deeper than {MAX_DEPTH} levels (a salespipe value never is)"),
    )
}

/// A Python value as JSON; `path` names the value in error messages.
pub(crate) fn to_json(obj: &Bound<'_, PyAny>, path: &str) -> PyResult<Value> {
    to_json_at(obj, path, 0)
}

/// [`to_json`] at nesting `depth`.
fn to_json_at(obj: &Bound<'_, PyAny>, path: &str, depth: usize) -> PyResult<Value> {
    if depth > MAX_DEPTH {
        return Err(too_deep(path));
    }
    if obj.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if obj.is_instance_of::<PyInt>() {
        if let Ok(i) = obj.extract::<i64>() {
            return Ok(Value::from(i));
        }
        if let Ok(u) = obj.extract::<u64>() {
            return Ok(Value::from(u));
        }
        return Err(validation(path, "integer out of range"));
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        let v = f.value();
        return Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| validation(path, format!("{v} is not a finite number")));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Value::String(text(s, path)?));
    }
    // datetime before date: a datetime is a date.
    if obj.is_instance_of::<PyDateTime>() {
        return Ok(Value::String(timestamp(obj, path)?.to_string()));
    }
    if obj.is_instance_of::<PyDate>() {
        let iso: String = obj.call_method0("isoformat")?.extract()?;
        return Ok(Value::String(iso));
    }
    if obj.is_instance_of::<PyDelta>() {
        let secs: f64 = obj.call_method0("total_seconds")?.extract()?;
        if secs < 0.0 {
            return Err(validation(path, "a duration must not be negative"));
        }
        // humantime accepts "1500ms"; whole milliseconds are the core's resolution.
        return Ok(Value::String(format!(
            "{}ms",
            (secs * 1000.0).round() as u64
        )));
    }
    if let Ok(d) = obj.cast::<PyDict>() {
        let mut map = Map::new();
        for (k, v) in d.iter() {
            let key = k.cast::<PyString>().map_err(|_| {
                PyTypeError::new_err(format!("{path}: dictionary keys must be str"))
            })?;
            let key = text(key, path)?;
            let value = to_json_at(&v, &format!("{path}.{key}"), depth + 1)?;
            map.insert(key, value);
        }
        return Ok(Value::Object(map));
    }
    if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        let mut out = Vec::new();
        for (i, item) in obj.try_iter()?.enumerate() {
            out.push(to_json_at(&item?, &format!("{path}[{i}]"), depth + 1)?);
        }
        return Ok(Value::Array(out));
    }
    let py = obj.py();
    let enum_type = py.import("enum")?.getattr("Enum")?;
    if obj.is_instance(&enum_type)? {
        return to_json_at(&obj.getattr("value")?, path, depth + 1);
    }
    let decimal = py.import("decimal")?.getattr("Decimal")?;
    if obj.is_instance(&decimal)? {
        return Err(PyTypeError::new_err(format!(
            "{path}: a bare Decimal is not money; use salespipe.Money(Decimal(...), currency) \
             or Money.from_minor(int, currency)"
        )));
    }
    if obj.hasattr("to_dict")? {
        return to_json_at(&obj.call_method0("to_dict")?, path, depth + 1);
    }
    Err(PyTypeError::new_err(format!(
        "{path}: cannot pass a {} to salespipe",
        obj.get_type().name()?
    )))
}

/// A `str` as UTF-8; one that is not (a lone surrogate such as `"\ud800"`) is a validation
/// error naming `path` instead of Python's `UnicodeEncodeError`.
fn text(s: &Bound<'_, PyString>, path: &str) -> PyResult<String> {
    s.to_cow()
        .map(std::borrow::Cow::into_owned)
        .map_err(|_| validation(path, "a str that is not valid UTF-8 (a lone surrogate)"))
}

/// JSON as a Python value (dict, list, str, int, float, bool, None).
pub(crate) fn from_json<'py>(py: Python<'py>, v: &Value) -> PyResult<Bound<'py, PyAny>> {
    from_json_at(py, v, 0).map_err(|e| match e {
        Deep(path) => too_deep(&format!("value{path}")),
        Py(e) => e,
    })
}

/// Why [`from_json_at`] stopped: too deep (the path, built on the way out) or Python's error.
enum FromJsonError {
    Deep(String),
    Py(PyErr),
}
use FromJsonError::{Deep, Py};

impl From<PyErr> for FromJsonError {
    fn from(e: PyErr) -> Self {
        Py(e)
    }
}

impl From<std::convert::Infallible> for FromJsonError {
    fn from(e: std::convert::Infallible) -> Self {
        match e {}
    }
}

/// [`from_json`] at nesting `depth`; the path of a too-deep value is only built when one is
/// found, so the common case costs no string.
fn from_json_at<'py>(
    py: Python<'py>,
    v: &Value,
    depth: usize,
) -> Result<Bound<'py, PyAny>, FromJsonError> {
    if depth > MAX_DEPTH {
        return Err(Deep(String::new()));
    }
    Ok(match v {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any()
            } else if let Some(u) = n.as_u64() {
                u.into_pyobject(py)?.into_any()
            } else {
                n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any()
            }
        }
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(a) => {
            let list = PyList::empty(py);
            for (i, item) in a.iter().enumerate() {
                let item = from_json_at(py, item, depth + 1).map_err(|e| match e {
                    Deep(p) => Deep(format!("[{i}]{p}")),
                    e => e,
                })?;
                list.append(item)?;
            }
            list.into_any()
        }
        Value::Object(m) => {
            let dict = PyDict::new(py);
            for (k, item) in m {
                let item = from_json_at(py, item, depth + 1).map_err(|e| match e {
                    Deep(p) => Deep(format!(".{k}{p}")),
                    e => e,
                })?;
                dict.set_item(k, item)?;
            }
            dict.into_any()
        }
    })
}

/// A serde value as a Python value.
pub(crate) fn to_py<'py, T: serde::Serialize>(
    py: Python<'py>,
    v: &T,
) -> PyResult<Bound<'py, PyAny>> {
    let json = serde_json::to_value(v).map_err(|e| crate::error::storage(e.to_string()))?;
    from_json(py, &json)
}

/// A Python value (see [`to_json`]) as a core serde type; `what` names it in errors.
pub(crate) fn from_py<T: serde::de::DeserializeOwned>(
    obj: &Bound<'_, PyAny>,
    what: &str,
) -> PyResult<T> {
    let json = to_json(obj, what)?;
    // The error names the path inside the value: `pipeline.stages[1].name`.
    serde_path_to_error::deserialize(json).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." {
            what.to_owned()
        } else if path.starts_with('[') {
            format!("{what}{path}")
        } else {
            format!("{what}.{path}")
        };
        validation(&field, e.into_inner().to_string())
    })
}

/// A tz-aware `datetime` as a [`Timestamp`] (milliseconds, UTC). Naive datetimes are refused:
/// the engine cannot guess their zone.
pub(crate) fn timestamp(obj: &Bound<'_, PyAny>, path: &str) -> PyResult<Timestamp> {
    if !obj.is_instance_of::<PyDateTime>() {
        return Err(PyTypeError::new_err(format!(
            "{path}: expected a timezone-aware datetime, got {}",
            obj.get_type().name()?
        )));
    }
    if obj.call_method0("utcoffset")?.is_none() {
        return Err(validation(
            path,
            "naive datetime: pass a timezone-aware datetime, e.g. datetime(..., tzinfo=timezone.utc)",
        ));
    }
    let utc = obj
        .py()
        .import("datetime")?
        .getattr("timezone")?
        .getattr("utc")?;
    let dt: chrono::DateTime<chrono::Utc> = obj.call_method1("astimezone", (utc,))?.extract()?;
    Ok(Timestamp::from_datetime(&dt))
}

/// A [`Timestamp`] as a tz-aware UTC `datetime`.
pub(crate) fn datetime<'py>(py: Python<'py>, t: Timestamp) -> PyResult<Bound<'py, PyAny>> {
    let dt = t.to_datetime();
    Ok(dt.into_pyobject(py)?.into_any())
}

/// Any Python value the binding accepts (see [`to_json`]) as plain JSON-compatible Python.
#[pyfunction(name = "to_json", signature = (obj, path = "value"))]
pub(crate) fn to_json_py<'py>(obj: &Bound<'py, PyAny>, path: &str) -> PyResult<Bound<'py, PyAny>> {
    from_json(obj.py(), &to_json(obj, path)?)
}

/// A duration in the core's JSON form (`"14days"`, `"1h 30m"`) as a `timedelta`.
#[pyfunction]
pub(crate) fn parse_duration(text: &str) -> PyResult<std::time::Duration> {
    #[derive(serde::Deserialize)]
    struct D(#[serde(with = "humantime_serde")] std::time::Duration);
    serde_json::from_value::<D>(Value::String(text.to_owned()))
        .map(|d| d.0)
        .map_err(|e| validation("duration", e.to_string()))
}
