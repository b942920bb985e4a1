//! Money as integer minor units of an ISO 4217 currency: never a float, never a silent overflow.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{Error, Result};

/// An ISO 4217 currency code (`CNY`, `USD`, `EUR`, `JPY` ...), validated against the ISO list.
///
/// ```
/// use salespipe::Currency;
/// let cny: Currency = "CNY".parse().unwrap();
/// assert_eq!(cny.code(), "CNY");
/// assert_eq!(cny.exponent(), 2);
/// assert!("XXQ".parse::<Currency>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Currency(iso_currency::Currency);

impl Currency {
    /// The currency with this three-letter code.
    pub fn new(code: &str) -> Result<Self> {
        iso_currency::Currency::from_code(code)
            .map(Currency)
            .ok_or_else(|| {
                Error::validation("currency", format!("{code:?} is not an ISO 4217 code"))
            })
    }

    /// The three-letter code.
    pub fn code(self) -> &'static str {
        self.0.code()
    }

    /// How many decimal places the minor unit has (2 for CNY and USD, 0 for JPY).
    pub fn exponent(self) -> u32 {
        u32::from(self.0.exponent().unwrap_or(0))
    }
}

impl PartialOrd for Currency {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Currency {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.code().cmp(other.code())
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl std::str::FromStr for Currency {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Currency::new(s)
    }
}

impl Serialize for Currency {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Currency::new(&s).map_err(serde::de::Error::custom)
    }
}

/// An amount of money: integer minor units (cents, fen) and a currency.
///
/// Serialized as `{"minor": 123456, "currency": "CNY"}`. Arithmetic is checked: mixing
/// currencies or overflowing `i64` is an [`Error::Money`], never a wrong number.
///
/// ```
/// use salespipe::Money;
/// let price = Money::parse("1234.50", "CNY").unwrap();
/// assert_eq!(price.minor(), 123450);
/// let two = price.checked_mul(2).unwrap();
/// assert_eq!(two.to_string(), "2469.00 CNY");
/// assert!(price.checked_add(Money::parse("1", "USD").unwrap()).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    minor: i64,
    currency: Currency,
}

impl Money {
    /// The largest amount, in minor units, the engine accepts in any one money value of a
    /// command (a deal's amount, a product line's unit price and total, a target's revenue,
    /// an expense): 10^14, e.g. one trillion yuan (1 万亿 CNY). Chosen so that
    ///
    /// - a sum of up to 92,233 such amounts (every deal of a report at the maximum) still
    ///   fits the `i64` every report total is; the sums the reports take are checked as well
    ///   (or taken in `i128`), so a larger total is a `money` error, never a wrong number;
    /// - every amount is exact as a JSON number in JavaScript and as an `f64` (below 2^53).
    ///
    /// ```
    /// use salespipe::{Currency, Money};
    /// let cny = Currency::new("CNY")?;
    /// assert!(Money::from_minor(Money::MAX_MINOR, cny).check("amount").is_ok());
    /// let err = Money::from_minor(Money::MAX_MINOR + 1, cny).check("amount").unwrap_err();
    /// assert!(err.to_string().contains("amount"));
    /// # Ok::<(), salespipe::Error>(())
    /// ```
    pub const MAX_MINOR: i64 = 100_000_000_000_000;

    /// Checks that the amount's magnitude is at most [`Money::MAX_MINOR`]; the error is a
    /// [`Error::Validation`] naming `field`.
    pub fn check(self, field: &str) -> Result<Self> {
        if self.minor.unsigned_abs() > Self::MAX_MINOR.unsigned_abs() {
            Err(Error::validation(
                field,
                format!(
                    "{self} is beyond the limit of {} minor units",
                    Self::MAX_MINOR
                ),
            ))
        } else {
            Ok(self)
        }
    }

    /// `minor` minor units of `currency`.
    pub const fn from_minor(minor: i64, currency: Currency) -> Self {
        Money { minor, currency }
    }

    /// Zero of `currency`.
    pub const fn zero(currency: Currency) -> Self {
        Money { minor: 0, currency }
    }

    /// Parses a decimal amount (`"1234.5"`, `"-3"`) in a currency given by code. More decimal
    /// places than the currency has is an error, not a rounding.
    pub fn parse(amount: &str, currency: &str) -> Result<Self> {
        let currency = Currency::new(currency)?;
        let exp = currency.exponent();
        let bad = || Error::validation("amount", format!("{amount:?} is not a decimal amount"));
        let s = amount.trim();
        let (neg, digits) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s.strip_prefix('+').unwrap_or(s)),
        };
        let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
        if int.is_empty() && frac.is_empty() {
            return Err(bad());
        }
        if !int.chars().chain(frac.chars()).all(|c| c.is_ascii_digit()) {
            return Err(bad());
        }
        if frac.len() > exp as usize {
            return Err(Error::validation(
                "amount",
                format!("{amount:?} has more than {exp} decimal places for {currency}"),
            ));
        }
        let overflow = || Error::money(format!("{amount} {currency} overflows"));
        let mut minor: i64 = 0;
        for c in int.chars().chain(frac.chars()) {
            let d = i64::from(c.to_digit(10).unwrap_or(0));
            minor = minor
                .checked_mul(10)
                .and_then(|m| m.checked_add(d))
                .ok_or_else(overflow)?;
        }
        for _ in frac.len()..exp as usize {
            minor = minor.checked_mul(10).ok_or_else(overflow)?;
        }
        Ok(Money {
            minor: if neg { -minor } else { minor },
            currency,
        })
    }

    /// The amount in minor units.
    pub const fn minor(self) -> i64 {
        self.minor
    }

    /// The currency.
    pub const fn currency(self) -> Currency {
        self.currency
    }

    /// True when the amount is below zero.
    pub const fn is_negative(self) -> bool {
        self.minor < 0
    }

    fn same_currency(self, other: Money) -> Result<()> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(Error::money(format!(
                "cannot combine {} with {}",
                self.currency, other.currency
            )))
        }
    }

    /// `self + other`; an error on mixed currencies or overflow.
    pub fn checked_add(self, other: Money) -> Result<Money> {
        self.same_currency(other)?;
        self.minor
            .checked_add(other.minor)
            .map(|minor| Money { minor, ..self })
            .ok_or_else(|| Error::money(format!("{self} + {other} overflows")))
    }

    /// `self - other`; an error on mixed currencies or overflow.
    pub fn checked_sub(self, other: Money) -> Result<Money> {
        self.same_currency(other)?;
        self.minor
            .checked_sub(other.minor)
            .map(|minor| Money { minor, ..self })
            .ok_or_else(|| Error::money(format!("{self} - {other} overflows")))
    }

    /// `self × n`; an error on overflow.
    pub fn checked_mul(self, n: i64) -> Result<Money> {
        self.minor
            .checked_mul(n)
            .map(|minor| Money { minor, ..self })
            .ok_or_else(|| Error::money(format!("{self} × {n} overflows")))
    }

    /// The sum of `items`, all in `currency`; an error on a foreign currency or overflow.
    pub fn sum<I: IntoIterator<Item = Money>>(currency: Currency, items: I) -> Result<Money> {
        items
            .into_iter()
            .try_fold(Money::zero(currency), Money::checked_add)
    }

    /// The amount as a plain decimal string without currency (`"1234.50"`).
    pub fn to_decimal_string(self) -> String {
        let exp = self.currency.exponent();
        let sign = if self.minor < 0 { "-" } else { "" };
        let abs = self.minor.unsigned_abs();
        if exp == 0 {
            return format!("{sign}{abs}");
        }
        let scale = 10u64.pow(exp);
        format!(
            "{sign}{}.{:0width$}",
            abs / scale,
            abs % scale,
            width = exp as usize
        )
    }

    /// The amount as an `f64` in major units, for ratios and charts only — never for sums.
    pub fn to_major_f64(self) -> f64 {
        self.minor as f64 / 10f64.powi(self.currency.exponent() as i32)
    }
}

/// Adds `m` to per-currency totals (ISO code → minor units); an error on overflow.
pub(crate) fn add_money(totals: &mut BTreeMap<String, i64>, m: Money) -> Result<()> {
    add_minor(totals, m.currency().code(), m.minor())
}

/// Adds `minor` units of the currency `code` to per-currency totals; an error on overflow.
pub(crate) fn add_minor(totals: &mut BTreeMap<String, i64>, code: &str, minor: i64) -> Result<()> {
    let e = totals.entry(code.to_owned()).or_insert(0);
    *e = e
        .checked_add(minor)
        .ok_or_else(|| Error::money(format!("total {code} overflows")))?;
    Ok(())
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.to_decimal_string(), self.currency)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn cny() -> Currency {
        Currency::new("CNY").unwrap()
    }

    #[test]
    fn parse_and_display() {
        assert_eq!(Money::parse("0.05", "CNY").unwrap().minor(), 5);
        assert_eq!(
            Money::parse("-12", "USD").unwrap().to_string(),
            "-12.00 USD"
        );
        assert_eq!(Money::parse("1500", "JPY").unwrap().to_string(), "1500 JPY");
        assert!(Money::parse("1.234", "CNY").is_err());
        assert!(Money::parse("1.5", "JPY").is_err());
        assert!(Money::parse("abc", "CNY").is_err());
        assert!(Money::parse(".", "CNY").is_err());
        assert!(Money::parse("1", "ABC").is_err());
        assert_eq!(
            Money::parse("99999999999999999999", "CNY")
                .unwrap_err()
                .code(),
            crate::ErrorCode::Money
        );
    }

    #[test]
    fn overflow_and_currency_mix_are_errors() {
        let max = Money::from_minor(i64::MAX, cny());
        assert!(max.checked_add(Money::from_minor(1, cny())).is_err());
        assert!(max.checked_mul(2).is_err());
        assert!(Money::from_minor(i64::MIN, cny())
            .checked_sub(Money::from_minor(1, cny()))
            .is_err());
        let usd = Money::from_minor(1, Currency::new("USD").unwrap());
        assert_eq!(
            Money::zero(cny()).checked_add(usd).unwrap_err().code(),
            crate::ErrorCode::Money
        );
    }

    #[test]
    fn json_shape() {
        let m = Money::parse("10.01", "EUR").unwrap();
        assert_eq!(
            serde_json::to_string(&m).unwrap(),
            r#"{"minor":1001,"currency":"EUR"}"#
        );
        let back: Money = serde_json::from_str(r#"{"minor":1001,"currency":"EUR"}"#).unwrap();
        assert_eq!(back, m);
        assert!(serde_json::from_str::<Money>(r#"{"minor":1,"currency":"EUX"}"#).is_err());
    }

    proptest! {
        #[test]
        fn sums_never_lose_a_minor_unit(parts in proptest::collection::vec(-1_000_000_000_000i64..1_000_000_000_000, 0..200)) {
            let exact: i128 = parts.iter().map(|&p| i128::from(p)).sum();
            let total = Money::sum(cny(), parts.iter().map(|&p| Money::from_minor(p, cny()))).unwrap();
            prop_assert_eq!(i128::from(total.minor()), exact);
        }

        #[test]
        fn decimal_string_round_trips(minor in any::<i64>().prop_filter("not min", |m| *m != i64::MIN)) {
            let m = Money::from_minor(minor, cny());
            prop_assert_eq!(Money::parse(&m.to_decimal_string(), "CNY").unwrap(), m);
        }
    }
}
