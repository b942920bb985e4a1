//! Reports as flat tables: what a binding hands to pandas, polars, Arrow JS or a spreadsheet.
//!
//! Every report of the core can be read as one or more [`Frame`]s: typed columns of equal
//! length, one row per thing the report counts (a stage of a group, a rep's day, a source, …),
//! built here once so that every binding shows the same table. The units are the same in
//! every frame:
//!
//! - **money**: integer minor units ([`Values::Int`]) with a `currency` column beside it; a
//!   figure that is a mean or a weighted sum is a float in minor units ([`Values::Float`]);
//!   per-currency maps become one row per currency;
//! - **durations**: [`Values::Duration`] in milliseconds (a dwell, an age, a sales cycle),
//!   never bare seconds in one table and days in another;
//! - **instants**: [`Values::Instant`], UTC milliseconds; **days**: [`Values::Date`];
//! - **rates**: floats in 0..=1; a rate of nothing is missing, never 0.
//!
//! Missing values are `None` in every column type.
//!
//! ```
//! use salespipe::frame::{Frame, Values};
//! let mut f = Frame::default();
//! f.text("stage", ["qualify", "demo"].map(|s| Some(s.to_owned())));
//! f.int("entered", [Some(10), Some(4)]);
//! assert_eq!(f.len(), 2);
//! assert!(matches!(f.column("entered").map(|c| &c.values), Some(Values::Int(v)) if v[1] == Some(4)));
//! ```

/// The values of one column. Every variant holds one `Option` per row.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Values {
    /// True / false.
    Bool(Vec<Option<bool>>),
    /// Counts, and money in minor units.
    Int(Vec<Option<i64>>),
    /// Rates, probabilities, and money means or weighted sums in minor units.
    Float(Vec<Option<f64>>),
    /// Ids, names, currency codes, kinds.
    Text(Vec<Option<String>>),
    /// Durations, milliseconds.
    Duration(Vec<Option<i64>>),
    /// Instants, UTC milliseconds since 1970-01-01.
    Instant(Vec<Option<i64>>),
    /// Calendar days, days since 1970-01-01.
    Date(Vec<Option<i32>>),
}

impl Values {
    /// The number of rows.
    pub fn len(&self) -> usize {
        match self {
            Values::Bool(v) => v.len(),
            Values::Int(v) | Values::Duration(v) | Values::Instant(v) => v.len(),
            Values::Float(v) => v.len(),
            Values::Text(v) => v.len(),
            Values::Date(v) => v.len(),
        }
    }

    /// True when there are no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One named column.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// The column's name (snake_case, the same in every binding).
    pub name: &'static str,
    /// Its values.
    pub values: Values,
}

/// A table of typed columns of equal length (see the [module docs](self) for the units).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Frame {
    columns: Vec<Column>,
}

/// A count as a frame integer (counts never come near `i64::MAX`; saturates if one did).
pub(crate) fn count(n: u64) -> Option<i64> {
    Some(i64::try_from(n).unwrap_or(i64::MAX))
}

/// Seconds as frame milliseconds.
pub(crate) fn seconds(s: Option<f64>) -> Option<i64> {
    s.map(|s| millis(s * 1000.0))
}

/// Days as frame milliseconds.
pub(crate) fn days(d: Option<f64>) -> Option<i64> {
    d.map(|d| millis(d * 86_400_000.0))
}

fn millis(ms: f64) -> i64 {
    // `as` saturates on overflow and maps NaN to 0; the reports' durations are finite and
    // far inside the range.
    ms.round() as i64
}

impl Frame {
    /// The columns, in order.
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// Moves the columns out.
    pub fn into_columns(self) -> Vec<Column> {
        self.columns
    }

    /// The column called `name`.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// The number of rows.
    pub fn len(&self) -> usize {
        self.columns.first().map_or(0, |c| c.values.len())
    }

    /// True when the frame has no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The first `n` rows (all of them when there are fewer).
    ///
    /// ```
    /// let mut f = salespipe::frame::Frame::default();
    /// f.int("n", [Some(1), Some(2), Some(3)]);
    /// assert_eq!(f.head(2).len(), 2);
    /// ```
    pub fn head(mut self, n: usize) -> Frame {
        for c in &mut self.columns {
            match &mut c.values {
                Values::Bool(v) => v.truncate(n),
                Values::Int(v) | Values::Duration(v) | Values::Instant(v) => v.truncate(n),
                Values::Float(v) => v.truncate(n),
                Values::Text(v) => v.truncate(n),
                Values::Date(v) => v.truncate(n),
            }
        }
        self
    }

    fn push(&mut self, name: &'static str, values: Values) {
        debug_assert!(
            self.columns.is_empty() || values.len() == self.len(),
            "column {name}: {} rows, the frame has {}",
            values.len(),
            self.len()
        );
        self.columns.push(Column { name, values });
    }

    /// Adds a boolean column.
    pub fn bool(&mut self, name: &'static str, v: impl IntoIterator<Item = Option<bool>>) {
        self.push(name, Values::Bool(v.into_iter().collect()));
    }

    /// Adds an integer column (counts, money in minor units).
    pub fn int(&mut self, name: &'static str, v: impl IntoIterator<Item = Option<i64>>) {
        self.push(name, Values::Int(v.into_iter().collect()));
    }

    /// Adds a float column.
    pub fn float(&mut self, name: &'static str, v: impl IntoIterator<Item = Option<f64>>) {
        self.push(name, Values::Float(v.into_iter().collect()));
    }

    /// Adds a text column.
    pub fn text(&mut self, name: &'static str, v: impl IntoIterator<Item = Option<String>>) {
        self.push(name, Values::Text(v.into_iter().collect()));
    }

    /// Adds a duration column, milliseconds.
    pub fn duration(&mut self, name: &'static str, v: impl IntoIterator<Item = Option<i64>>) {
        self.push(name, Values::Duration(v.into_iter().collect()));
    }

    /// Adds an instant column, UTC milliseconds.
    pub fn instant(&mut self, name: &'static str, v: impl IntoIterator<Item = Option<i64>>) {
        self.push(name, Values::Instant(v.into_iter().collect()));
    }

    /// Adds a date column, days since 1970-01-01.
    pub fn date(&mut self, name: &'static str, v: impl IntoIterator<Item = Option<i32>>) {
        self.push(name, Values::Date(v.into_iter().collect()));
    }
}

/// Days since 1970-01-01 of a calendar day.
pub(crate) fn epoch_days(d: chrono::NaiveDate) -> Option<i32> {
    let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1)?;
    i32::try_from(d.signed_duration_since(epoch).num_days()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_convert_to_milliseconds_and_days() {
        assert_eq!(seconds(Some(1.5)), Some(1500));
        assert_eq!(days(Some(0.5)), Some(43_200_000));
        assert_eq!(seconds(None), None);
        let d = chrono::NaiveDate::from_ymd_opt(1970, 1, 2);
        assert_eq!(d.and_then(epoch_days), Some(1));
        assert_eq!(count(u64::MAX), Some(i64::MAX));
    }

    #[test]
    fn a_frame_knows_its_columns_and_length() {
        let mut f = Frame::default();
        assert!(f.is_empty());
        f.bool("b", [Some(true), None]);
        f.duration("d", [Some(1), Some(2)]);
        assert_eq!(f.len(), 2);
        assert_eq!(f.columns().len(), 2);
        assert!(f.column("x").is_none());
        assert_eq!(f.into_columns()[1].name, "d");
    }
}
