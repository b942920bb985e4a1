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
