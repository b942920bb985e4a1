//! Money: the core parses and formats decimal amounts; Python never does the arithmetic.

use pyo3::prelude::*;
use salespipe::{Currency, Money};

use crate::error::IntoPy;

/// Minor units of a decimal amount (`"1234.50"`, `"CNY"` → `123450`); more decimals than the
/// currency has is an error, not a rounding.
#[pyfunction]
pub(crate) fn money_parse(amount: &str, currency: &str) -> PyResult<i64> {
    Ok(Money::parse(amount, currency).py_err()?.minor())
}

/// The decimal amount of `minor` units (`123450`, `"CNY"` → `"1234.50"`).
#[pyfunction]
pub(crate) fn money_format(minor: i64, currency: &str) -> PyResult<String> {
    let c = Currency::new(currency).py_err()?;
    Ok(Money::from_minor(minor, c).to_decimal_string())
}

/// The canonical ISO 4217 code of a currency (raises for an unknown one).
#[pyfunction]
pub(crate) fn currency_code(currency: &str) -> PyResult<&'static str> {
    Ok(Currency::new(currency).py_err()?.code())
}
