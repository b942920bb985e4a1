//! Instants, JSON and names between the core and foreign code.
//!
//! Instants cross as `SystemTime` (uniffi's timestamp: Kotlin `java.time.Instant`, Swift
//! `Date`) and are held to the core's millisecond [`Timestamp`]s; a time before 1970 works,
//! one outside the years 0000 to 9999 is a validation error naming the argument.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use salespipe::Timestamp;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::{Result, SalespipeError};

/// A foreign instant as a [`Timestamp`] (whole milliseconds, rounded down); the error
/// names `field`.
pub fn timestamp(t: SystemTime, field: &str) -> Result<Timestamp> {
    let too_far = || {
        SalespipeError::from(salespipe::Error::validation(
            field,
            "the instant is outside the years 0000 to 9999",
        ))
    };
    let ms = match t.duration_since(UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_millis()).map_err(|_| too_far())?,
        Err(before) => {
            let d = before.duration();
            // round down: 0.5 ms before 1970 is -1 ms
            let whole = d.as_millis() + u128::from(d.subsec_nanos() % 1_000_000 != 0);
            i64::try_from(whole).map(|ms| -ms).map_err(|_| too_far())?
        }
    };
    Ok(Timestamp::from_millis(ms).check(field)?)
}

/// A [`Timestamp`] as a foreign instant.
pub fn system_time(t: Timestamp) -> SystemTime {
    let ms = t.as_millis();
    let d = Duration::from_millis(ms.unsigned_abs());
    let moved = if ms >= 0 {
        UNIX_EPOCH.checked_add(d)
    } else {
        UNIX_EPOCH.checked_sub(d)
    };
    // every checked Timestamp fits in a SystemTime; an unchecked extreme saturates at 1970
    moved.unwrap_or(UNIX_EPOCH)
}

/// A core serde type from JSON text; a shape error is a validation error naming `what`.
pub fn from_text<T: DeserializeOwned>(text: &str, what: &str) -> Result<T> {
    let mut de = serde_json::Deserializer::from_str(text);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| at_path(what, e))?;
    de.end()
        .map_err(|e| salespipe::Error::validation(what, e.to_string()))?;
    Ok(value)
}

/// A core serde type from a JSON value; a shape error is a validation error naming `what`
/// and the path inside it.
pub fn from_value<T: DeserializeOwned>(v: Value, what: &str) -> Result<T> {
    serde_path_to_error::deserialize(v).map_err(|e| at_path(what, e))
}

/// A shape error as a validation error whose field is `what` followed by the path of the
/// value at fault (`command.opportunity.amount.minor`), as far as serde can tell it.
fn at_path<E: std::fmt::Display>(what: &str, e: serde_path_to_error::Error<E>) -> SalespipeError {
    let path = e.path().to_string();
    // `?` is a place serde could not name (a map key not read yet).
    let field = if path.is_empty() || path == "." || path == "?" {
        what.to_owned()
    } else if path.starts_with('[') {
        format!("{what}{path}")
    } else {
        format!("{what}.{path}")
    };
    salespipe::Error::validation(field, e.inner().to_string()).into()
}

/// A serialisable value as JSON text.
pub fn to_text<T: Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| salespipe::Error::storage(e.to_string()).into())
}

/// A serialisable value as a JSON value.
pub fn to_value<T: Serialize>(v: &T) -> Result<Value> {
    serde_json::to_value(v).map_err(|e| salespipe::Error::storage(e.to_string()).into())
}

/// The serde name of a unit-like core enum value (`sub_goal`, `follow_up` ...), or of a
/// tagged one (its `type` / `kind` key).
pub fn serde_name<T: Serialize>(v: &T) -> Result<String> {
    match to_value(v)? {
        Value::String(s) => Ok(s),
        Value::Object(map) => {
            let tag = map
                .iter()
                .find(|(k, _)| k.as_str() == "type" || k.as_str() == "kind");
            match (tag, map.keys().next()) {
                (Some((_, Value::String(name))), _) => Ok(name.clone()),
                // an externally tagged variant: `{"variant": {...}}`
                (None, Some(key)) if map.len() == 1 => Ok(key.clone()),
                _ => Err(SalespipeError::internal(format!(
                    "an enum value without a name: {}",
                    Value::Object(map.clone())
                ))),
            }
        }
        other => Err(SalespipeError::internal(format!(
            "an enum value without a name: {other}"
        ))),
    }
}

/// An object with its `null` fields left out (in the core's JSON, absent means default).
pub fn compact(fields: Value) -> Value {
    match fields {
        Value::Object(fields) => Value::Object(
            fields
                .into_iter()
                .filter(|(_, v)| !v.is_null())
                .collect::<Map<String, Value>>(),
        ),
        other => other,
    }
}

/// `{"type": kind, ...fields}` with the `null` fields left out: a command or a query.
pub fn tagged(kind: &str, fields: Value) -> Value {
    let mut map = Map::new();
    map.insert("type".to_owned(), Value::String(kind.to_owned()));
    if let Value::Object(fields) = compact(fields) {
        map.extend(fields);
    }
    Value::Object(map)
}

/// An optional foreign instant as an optional [`Timestamp`].
pub fn opt_timestamp(t: Option<SystemTime>, field: &str) -> Result<Option<Timestamp>> {
    t.map(|t| timestamp(t, field)).transpose()
}
