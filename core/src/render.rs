//! The text reports print: money, percentages, ratios and missing values, one way everywhere.
//!
//! The management reports ([`crate::management`]) and the funnel report
//! ([`crate::analytics`]) render through these functions; it sits at the crate root, not in
//! `management`, because `management` already depends on `analytics` and the funnel's table
//! needs the same percentages and amounts.
//!
//! - A missing value is [`NONE`] (`—`).
//! - Money is a decimal amount with as many decimal places as its currency's minor unit has
//!   (`1234.50` CNY, `1500` JPY, `1.234` KWD): exact for [`Money`], rounded to the minor unit
//!   for amounts held as `f64` minor units (weighted pipelines, forecasts, biases).
//! - A percentage is a ratio × 100 with one decimal (`86.5%`); a ratio is two decimals and `x`
//!   (`3.00x`).

use std::collections::BTreeMap;

use crate::money::{Currency, Money};

/// What a report prints for a value it does not have.
pub(crate) const NONE: &str = "—";

/// `v` rendered by `f`, or [`NONE`].
pub(crate) fn opt<T>(v: Option<T>, f: impl FnOnce(T) -> String) -> String {
    v.map_or_else(|| NONE.to_owned(), f)
}

/// A ratio as a percentage with one decimal (`0.865` → `86.5%`), or [`NONE`].
pub(crate) fn percent(r: Option<f64>) -> String {
    opt(r, |r| format!("{:.1}%", r * 100.0))
}

/// A ratio with two decimals and `x` (`3` → `3.00x`), or [`NONE`].
pub(crate) fn ratio(r: Option<f64>) -> String {
    opt(r, |r| format!("{r:.2}x"))
}

/// Money without its currency, in the currency's decimal places (`1234.50`, `1500`).
pub(crate) fn money(m: Money) -> String {
    m.to_decimal_string()
}

/// [`money`], or [`NONE`].
pub(crate) fn opt_money(m: Option<Money>) -> String {
    opt(m, money)
}

/// The decimal places of a currency by ISO code; 2 for a code that is not ISO 4217.
fn exponent(code: &str) -> u32 {
    Currency::new(code).map_or(2, Currency::exponent)
}

/// An amount held as `f64` minor units (an expectation, not money), in major units with the
/// currency's decimal places: 12345.0 → `123.45` in CNY, `12345` in JPY, `12.345` in KWD.
pub(crate) fn minor_f64(v: f64, currency: Currency) -> String {
    minor_units(v, currency.exponent())
}

/// `f64` minor units in major units with `exponent` decimal places (the currency's).
pub(crate) fn minor_units(v: f64, exponent: u32) -> String {
    minor_f64_exp(v, exponent, false)
}

/// [`minor_f64`], or [`NONE`].
pub(crate) fn opt_minor_f64(v: Option<f64>, currency: Currency) -> String {
    opt(v, |v| minor_f64(v, currency))
}

fn minor_f64_exp(v: f64, exp: u32, signed: bool) -> String {
    let scale = 10f64.powi(i32::try_from(exp).unwrap_or(2));
    let places = exp as usize;
    if signed {
        format!("{:+.*}", places, v / scale)
    } else {
        format!("{:.*}", places, v / scale)
    }
}

/// Integer minor units in a currency given by ISO code (absent or unknown: the minor units
/// as they are).
pub(crate) fn minor_in(minor: i64, code: Option<&str>) -> String {
    match code.and_then(|c| Currency::new(c).ok()) {
        Some(c) => money(Money::from_minor(minor, c)),
        None => minor.to_string(),
    }
}

/// Per-currency totals (ISO code → minor units) joined by ` + ` (`1.50 CNY + 300 JPY`), or
/// [`NONE`] when there are none. A code that is not ISO 4217 prints its minor units.
pub(crate) fn money_map(map: &BTreeMap<String, i64>) -> String {
    if map.is_empty() {
        return NONE.to_owned();
    }
    map.iter()
        .map(|(c, v)| match Currency::new(c) {
            Ok(cur) => Money::from_minor(*v, cur).to_string(),
            Err(_) => format!("{v} {c}"),
        })
        .collect::<Vec<_>>()
        .join(" + ")
}

/// Per-currency `f64` minor units, signed, each with its currency (`+12.50 CNY -3 JPY`), or
/// [`NONE`].
pub(crate) fn signed_minor_map(map: &BTreeMap<String, f64>) -> String {
    if map.is_empty() {
        return NONE.to_owned();
    }
    map.iter()
        .map(|(c, v)| format!("{} {c}", minor_f64_exp(*v, exponent(c), true)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Per-currency ratios as percentages, each with its currency (`12.5% CNY, 3.0% USD`); empty
/// when there are none.
pub(crate) fn percent_map(map: &BTreeMap<String, f64>) -> String {
    map.iter()
        .map(|(c, v)| format!("{} {c}", percent(Some(*v))))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cur(code: &str) -> Currency {
        Currency::new(code).unwrap()
    }

    #[test]
    fn money_honours_the_currency_exponent() {
        assert_eq!(money(Money::from_minor(123_450, cur("CNY"))), "1234.50");
        assert_eq!(money(Money::from_minor(1500, cur("JPY"))), "1500");
        assert_eq!(money(Money::from_minor(1234, cur("KWD"))), "1.234");
        assert_eq!(minor_f64(12345.0, cur("CNY")), "123.45");
        assert_eq!(minor_f64(12345.0, cur("JPY")), "12345");
        assert_eq!(minor_f64(12345.0, cur("KWD")), "12.345");
        assert_eq!(minor_f64(-5.0, cur("USD")), "-0.05");
        assert_eq!(opt_minor_f64(None, cur("JPY")), "—");
        assert_eq!(opt_money(None), "—");
        assert_eq!(minor_in(1500, Some("JPY")), "1500");
        assert_eq!(minor_in(1500, Some("CNY")), "15.00");
        assert_eq!(minor_in(1500, None), "1500");
    }

    #[test]
    fn maps_name_their_currencies() {
        let m: BTreeMap<String, i64> = [("CNY", 150), ("JPY", 300), ("KWD", 1001), ("XXQ", 7)]
            .into_iter()
            .map(|(c, v)| (c.to_owned(), v))
            .collect();
        assert_eq!(money_map(&m), "1.50 CNY + 300 JPY + 1.001 KWD + 7 XXQ");
        assert_eq!(money_map(&BTreeMap::new()), "—");
        let w: BTreeMap<String, f64> = [("CNY", 1250.0), ("JPY", -3.0), ("KWD", 5.0)]
            .into_iter()
            .map(|(c, v)| (c.to_owned(), v))
            .collect();
        assert_eq!(signed_minor_map(&w), "+12.50 CNY -3 JPY +0.005 KWD");
        let p: BTreeMap<String, f64> = [("CNY", 0.125), ("USD", 0.03)]
            .into_iter()
            .map(|(c, v)| (c.to_owned(), v))
            .collect();
        assert_eq!(percent_map(&p), "12.5% CNY, 3.0% USD");
    }

    #[test]
    fn percent_and_ratio() {
        assert_eq!(percent(Some(0.865)), "86.5%");
        assert_eq!(percent(Some(1.0)), "100.0%");
        assert_eq!(percent(None), "—");
        assert_eq!(ratio(Some(3.0)), "3.00x");
        assert_eq!(ratio(None), "—");
    }
}
