//! JSON in, JSON out: the core's serde types from the values `index.js` hands over, and
//! instants between JavaScript `Date`s (chrono, through napi's `chrono_date`) and
//! [`Timestamp`]s.
//!
//! `index.js` has already turned nested `Date`s into RFC 3339 strings, `BigInt` minor units
//! into integers and refused JS floats as money; here a decimal string at an `amount` key
//! (`"1200.50 CNY"`) becomes the core's money (`{"minor": 120050, "currency": "CNY"}`).
//!
//! Nesting is bounded at [`MAX_DEPTH`] (128, serde_json's own limit for JSON text): `index.js`
//! refuses a deeper argument before napi converts it, and [`money_strings`], which recurses,
//! refuses one too (a validation error naming the path), so a value nested 20,000 deep is an
//! error and not a stack overflow.

use chrono::{DateTime, Utc};
use salespipe::{Error, Money, Result, Timestamp};
use serde_json::Value;

/// The deepest nesting a value may have (see the module's documentation).
pub const MAX_DEPTH: usize = 128;

/// Rewrites every decimal-string amount (`"amount": "1200.50 CNY"`) into the core's money;
/// a value nested deeper than [`MAX_DEPTH`] is a validation error naming its path.
pub fn money_strings(v: &mut Value, path: &str) -> Result<()> {
    money_strings_at(v, path, 0)
}

fn money_strings_at(v: &mut Value, path: &str, depth: usize) -> Result<()> {
    if depth > MAX_DEPTH {
        return Err(Error::validation(
            if path.is_empty() { "value" } else { path },
            format!("nested deeper than {MAX_DEPTH} levels (a salespipe value never is)"),
        ));
    }
    match v {
        Value::Object(map) => {
            for (k, item) in map.iter_mut() {
                let here = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                match item {
                    Value::String(s) if k == "amount" => {
                        *item = decimal_money(s, &here)?;
                    }
                    _ => money_strings_at(item, &here, depth + 1)?,
                }
            }
            Ok(())
        }
        Value::Array(items) => items
            .iter_mut()
            .enumerate()
            .try_for_each(|(i, item)| money_strings_at(item, &format!("{path}[{i}]"), depth + 1)),
        _ => Ok(()),
    }
}

/// `"1200.50 CNY"` as the core's money JSON; the error names `field`.
pub fn decimal_money(text: &str, field: &str) -> Result<Value> {
    let Some((amount, currency)) = text.trim().rsplit_once(' ') else {
        return Err(Error::validation(
            field,
            format!("{text:?} is not money: write \"1200.50 CNY\" or {{minor, currency}}"),
        ));
    };
    let money = Money::parse(amount.trim(), currency.trim()).map_err(|e| e.at(field))?;
    serde_json::to_value(money).map_err(Error::storage)
}

/// A core serde type from JSON; a shape error is a validation error naming `what`.
pub fn from_json<T: serde::de::DeserializeOwned>(mut v: Value, what: &str) -> Result<T> {
    money_strings(&mut v, "")?;
    serde_json::from_value(v).map_err(|e| Error::validation(what, e.to_string()))
}

/// A serialisable value as JSON.
pub fn to_json<T: serde::Serialize>(v: &T) -> Result<Value> {
    serde_json::to_value(v).map_err(Error::storage)
}

/// A JavaScript `Date` (as chrono) as a [`Timestamp`], checked to be in range.
pub fn timestamp(at: &DateTime<Utc>, field: &str) -> Result<Timestamp> {
    Timestamp::from_datetime(at).check(field)
}

/// A [`Timestamp`] as chrono, for a JavaScript `Date`.
pub fn date(t: Timestamp) -> DateTime<Utc> {
    t.to_datetime()
}

/// The bytes a [`Text`] holds inline (a JavaScript id, stage or item is far shorter).
const TEXT_INLINE: usize = 64;

/// A string argument read with one call into V8, through a buffer on the stack: the ids,
/// items and reasons of the typed commands. napi's own `String` asks V8 for the UTF-8 length,
/// zero-fills a heap buffer and has V8 copy into it (two calls and an allocation per
/// argument, then the core's id copies it once more into its shared string); a [`Text`] is
/// filled by one call and the core's id is made from it directly. A string that may not fit,
/// and anything that is not a string (the same error as `String`'s), go through `String`.
#[derive(Debug)]
pub struct Text(Repr);

/// A [`Text`]'s bytes; `Inline` is only made from bytes checked to be UTF-8.
#[derive(Debug)]
enum Repr {
    /// Up to [`TEXT_INLINE`] bytes, the first `len` of them the text.
    Inline { buf: [u8; TEXT_INLINE], len: usize },
    /// A longer string.
    Heap(String),
}

impl Text {
    /// The text.
    pub fn as_str(&self) -> &str {
        match &self.0 {
            // SAFETY: `Inline` is made only in `from_napi_value`, after `from_utf8` accepted
            // exactly these bytes, and never changed (the field is private to this module).
            Repr::Inline { buf, len } => unsafe { std::str::from_utf8_unchecked(&buf[..*len]) },
            Repr::Heap(s) => s,
        }
    }
}

impl napi::bindgen_prelude::TypeName for Text {
    fn type_name() -> &'static str {
        "string"
    }

    fn value_type() -> napi::ValueType {
        napi::ValueType::String
    }
}

impl napi::bindgen_prelude::FromNapiValue for Text {
    unsafe fn from_napi_value(
        env: napi::sys::napi_env,
        value: napi::sys::napi_value,
    ) -> napi::Result<Self> {
        let mut buf = [0u8; TEXT_INLINE];
        let mut len = 0usize;
        // SAFETY: the caller's environment and value; V8 writes at most `TEXT_INLINE - 1`
        // bytes and a terminating NUL into `buf`, and the count (without the NUL) into `len`.
        let status = unsafe {
            napi::sys::napi_get_value_string_utf8(
                env,
                value,
                buf.as_mut_ptr().cast(),
                TEXT_INLINE,
                &mut len,
            )
        };
        // V8 writes whole characters only, so a string it cut short left fewer than 4 bytes
        // of room: with 4 or more left the whole string is here.
        if status == napi::sys::Status::napi_ok
            && len + 4 < TEXT_INLINE
            && std::str::from_utf8(&buf[..len]).is_ok()
        {
            return Ok(Text(Repr::Inline { buf, len }));
        }
        // SAFETY: as above.
        unsafe { String::from_napi_value(env, value) }.map(|s| Text(Repr::Heap(s)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn decimal_amounts_become_minor_units() {
        let mut v = json!({"opportunity": {"amount": "1200.50 CNY", "name": "x"}});
        assert!(money_strings(&mut v, "").is_ok());
        assert_eq!(
            v["opportunity"]["amount"],
            json!({"minor": 120050, "currency": "CNY"})
        );
        let mut bad = json!({"opportunity": {"amount": "12,00"}});
        let e = money_strings(&mut bad, "").err();
        assert_eq!(e.map(|e| e.code().as_str()), Some("validation"));
    }

    #[test]
    fn deep_values_are_refused_naming_the_path() {
        // built and dropped iteratively below the bound; above it the error comes first
        let mut v = json!(1);
        for _ in 0..MAX_DEPTH {
            v = json!([v]);
        }
        assert!(money_strings(&mut v, "").is_ok());
        let mut deeper = json!({ "a": v });
        let e = money_strings(&mut deeper, "").err();
        assert_eq!(e.as_ref().map(|e| e.code().as_str()), Some("validation"));
        let text = e.map(|e| e.to_string()).unwrap_or_default();
        assert!(text.contains("nested deeper than 128"), "{text}");
        assert!(text.starts_with("a[0]"), "{text}");
    }

    #[test]
    fn json_text_keeps_serde_json_recursion_limit() {
        // no `unbounded_depth`: 20,000 levels of text are an error, not a stack overflow
        let text = "[".repeat(20_000);
        assert!(serde_json::from_str::<Value>(&text).is_err());
        assert!(salespipe::Pipeline::from_json(&text).is_err());
    }
}
