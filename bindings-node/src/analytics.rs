//! Funnel, forecast and calibration over columns: Apache Arrow JS tables or plain objects of
//! typed arrays, read without a copy where they already have the core's dtypes.
//!
//! `index.js` takes a table apart into one [`NativeColumn`] per input column, each a list of chunks
//! (an Arrow table's record batches; a plain array is one chunk) of typed arrays: the values
//! (`BigUint64Array` ids, `BigInt64Array` minor units and times, `Uint16Array` stage codes,
//! ...), Arrow's UTF-8 layout (bytes + `Int32Array` offsets), dictionary keys with their
//! dictionary, and Arrow's validity bitmap. Here those arrays are read in place:
//!
//! - a one-chunk column without nulls already in the core's dtype (u64 ids, i64 minor units,
//!   i64 milliseconds, u16 stage codes) is borrowed, not copied (the synchronous calls);
//! - other integer widths, time units (s, ms, µs, ns, days), whole `Float64Array`
//!   milliseconds, several chunks and string ids / stage ids / group keys are converted once;
//!   strings are read from the UTF-8 bytes without a JavaScript string per row, and a
//!   dictionary's values are looked up once each;
//! - floats are refused as money and as ids; a missing value is refused except in
//!   `expected_close` (no date) and the `by` column (the keyless group).
//!
//! The Promise versions copy the arrays once on the calling thread (a `memcpy` per column)
//! and do everything else on libuv's thread pool: JavaScript may then write to, transfer or
//! detach its buffers while the work runs without the work seeing it.

use std::borrow::Cow;
use std::cell::Cell;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use napi::bindgen_prelude::{
    AsyncTask, BigInt64Array, BigUint64Array, Float64Array, Int32Array, Uint16Array, Uint32Array,
    Uint8Array,
};
use napi::{Env, Task};
use salespipe::analytics::keys::{GroupCoder, GroupKey, OppIndex, StageCodes, TextChunk};
use salespipe::analytics::{
    self as an, FunnelInput, FunnelParams, Mode, Opportunities, StageEvents, StageInfo, Window,
    NO_DATE,
};
use salespipe::{Currency, Error, Pipeline, Result, Timestamp};
use serde_json::Value;

use crate::convert::{from_json, timestamp, to_json};
use crate::engine::Json;
use crate::error::{guard, guard_task, JsResult};

/// Internal (what `index.js` hands the addon; call `funnel` & co.): one chunk of a column,
/// as `index.js` extracts it: exactly one of the value fields (or
/// `keys` with `utf8`/`offsets` or `strings` as the dictionary), maybe a validity bitmap.
#[napi(object, object_to_js = false)]
#[allow(missing_debug_implementations)]
pub struct NativeChunk {
    /// Rows in the chunk.
    pub length: u32,
    /// Unsigned 64-bit integers (ids).
    pub u64: Option<BigUint64Array>,
    /// Signed 64-bit integers (minor units, times in `NativeColumn.unit`, ids, group keys).
    pub i64: Option<BigInt64Array>,
    /// Signed 32-bit integers.
    pub i32: Option<Int32Array>,
    /// Unsigned 32-bit integers.
    pub u32: Option<Uint32Array>,
    /// Unsigned 16-bit integers (stage codes).
    pub u16: Option<Uint16Array>,
    /// Doubles: whole milliseconds in a time column; refused elsewhere.
    pub f64: Option<Float64Array>,
    /// UTF-8 bytes of the strings (Arrow's `Utf8` layout, with `offsets`).
    pub utf8: Option<Uint8Array>,
    /// `length + 1` offsets into `utf8` (of the dictionary when `keys` is set).
    pub offsets: Option<Int32Array>,
    /// JavaScript strings (`null`: missing).
    pub strings: Option<Vec<Option<String>>>,
    /// Dictionary keys: indexes into the strings of `utf8`/`offsets` or `strings`.
    pub keys: Option<Int32Array>,
    /// Arrow's validity bitmap: bit `validityOffset + i` set = row `i` present.
    pub validity: Option<Uint8Array>,
    /// The bit of row 0 in `validity`.
    pub validity_offset: Option<u32>,
}

/// Internal (`index.js` → addon): one input column: its path for error messages (`events.opp`), the unit of its integers
/// when it holds times (`ms`, the default, `s`, `us`, `ns` or `day`), and its chunks.
#[napi(object, object_to_js = false)]
#[allow(missing_debug_implementations)]
pub struct NativeColumn {
    /// Where the column is, for error messages (`opportunities.amount`).
    pub path: String,
    /// The unit of a time column's integers.
    pub unit: Option<String>,
    /// The chunks, in row order.
    pub chunks: Vec<NativeChunk>,
}

/// Internal (`index.js` → addon): the columns of the two tables (see `index.js` for how they are found by name).
#[napi(object, object_to_js = false)]
#[allow(missing_debug_implementations)]
pub struct NativeColumns {
    /// `events.opp`: the opportunity of each stage change.
    pub event_opp: NativeColumn,
    /// `events.at`: when the stage was entered.
    pub event_at: NativeColumn,
    /// `events.stage`: the stage entered (stage id, `won`, `lost`, or its code).
    pub event_stage: NativeColumn,
    /// `opportunities.opp`: the opportunity id (unique).
    pub opp: NativeColumn,
    /// `opportunities.amount`: whole minor units.
    pub amount: NativeColumn,
    /// `opportunities.created`: when it was created.
    pub created: NativeColumn,
    /// `opportunities.expected_close`: UTC midnight of the expected close date, or missing.
    pub expected_close: Option<NativeColumn>,
    /// The `by` column of the opportunities: the group of each.
    pub group: Option<NativeColumn>,
}

/// Internal (`index.js` → addon): the parameters of the three computations (each reads its
/// own).
#[napi(object, object_to_js = false)]
#[allow(missing_debug_implementations)]
pub struct NativeOptions {
    /// The instant the figures are as of.
    pub as_of: DateTime<Utc>,
    /// Start of the cohort window (funnel, calibration) or forecast period, inclusive.
    pub from: Option<DateTime<Utc>>,
    /// End of the window or period, exclusive.
    pub to: Option<DateTime<Utc>>,
    /// `recorded` (default) or `cumulative` (funnel).
    pub mode: Option<String>,
    /// The currency the amounts are in (funnel, forecast).
    pub currency: Option<String>,
    /// The stage probabilities to use (forecast; the core's JSON).
    pub probabilities: Option<Value>,
    /// The forecast method (the core's JSON).
    pub method: Option<Value>,
}

// ----- the chunks, borrowed or owned -----------------------------------------------------

/// The values of a chunk.
#[derive(Debug, Clone)]
enum Values<'a> {
    U64(Cow<'a, [u64]>),
    I64(Cow<'a, [i64]>),
    I32(Cow<'a, [i32]>),
    U32(Cow<'a, [u32]>),
    U16(Cow<'a, [u16]>),
    F64(Cow<'a, [f64]>),
    /// Arrow's UTF-8 layout: the text the offsets span (checked to be UTF-8 once, when the
    /// chunk is read), with `base` the first offset (the text's start in the data buffer).
    Utf8 {
        text: Cow<'a, str>,
        base: i32,
        offsets: Cow<'a, [i32]>,
    },
    Strings(Cow<'a, [Option<String>]>),
    Dict {
        keys: Cow<'a, [i32]>,
        dict: Box<Values<'a>>,
    },
}

impl<'a> Values<'a> {
    /// Strings in Arrow's UTF-8 layout: `offsets` (one more than the strings) into `data`.
    /// The bytes from the first offset to the last are checked to be UTF-8 here, once; a
    /// string is then a slice of them, checked against the bounds and character boundaries.
    fn utf8(data: Cow<'a, [u8]>, offsets: Cow<'a, [i32]>, path: &str) -> Result<Values<'a>> {
        let (first, last) = match (offsets.first(), offsets.last()) {
            (Some(&f), Some(&l)) => (f, l),
            _ => (0, 0),
        };
        let span = usize::try_from(first)
            .ok()
            .zip(usize::try_from(last).ok())
            .filter(|(f, l)| f <= l && *l <= data.len())
            .ok_or_else(|| Error::validation(path, "string offsets out of bounds"))?;
        let not_utf8 = |e: std::str::Utf8Error| {
            Error::validation(
                path,
                format!(
                    "not UTF-8 (byte {} of the strings)",
                    span.0 + e.valid_up_to()
                ),
            )
        };
        let text = match data {
            Cow::Borrowed(d) => {
                Cow::Borrowed(std::str::from_utf8(&d[span.0..span.1]).map_err(not_utf8)?)
            }
            Cow::Owned(mut d) => {
                d.truncate(span.1);
                d.drain(..span.0);
                Cow::Owned(String::from_utf8(d).map_err(|e| not_utf8(e.utf8_error()))?)
            }
        };
        Ok(Values::Utf8 {
            text,
            base: first,
            offsets,
        })
    }

    fn into_owned(self) -> Values<'static> {
        fn own<T: Clone>(c: Cow<'_, [T]>) -> Cow<'static, [T]> {
            Cow::Owned(c.into_owned())
        }
        match self {
            Values::U64(v) => Values::U64(own(v)),
            Values::I64(v) => Values::I64(own(v)),
            Values::I32(v) => Values::I32(own(v)),
            Values::U32(v) => Values::U32(own(v)),
            Values::U16(v) => Values::U16(own(v)),
            Values::F64(v) => Values::F64(own(v)),
            Values::Utf8 {
                text,
                base,
                offsets,
            } => Values::Utf8 {
                text: Cow::Owned(text.into_owned()),
                base,
                offsets: own(offsets),
            },
            Values::Strings(v) => Values::Strings(own(v)),
            Values::Dict { keys, dict } => Values::Dict {
                keys: own(keys),
                dict: Box::new(dict.into_owned()),
            },
        }
    }

    /// The number of values (of strings, for text).
    fn len(&self) -> usize {
        match self {
            Values::U64(v) => v.len(),
            Values::I64(v) => v.len(),
            Values::I32(v) => v.len(),
            Values::U32(v) => v.len(),
            Values::U16(v) => v.len(),
            Values::F64(v) => v.len(),
            Values::Utf8 { offsets, .. } => offsets.len().saturating_sub(1),
            Values::Strings(v) => v.len(),
            Values::Dict { keys, .. } => keys.len(),
        }
    }

    fn is_text(&self) -> bool {
        matches!(
            self,
            Values::Utf8 { .. } | Values::Strings(_) | Values::Dict { .. }
        )
    }

    /// The string at `i` of a plain text chunk (`None`: not text, or a missing string).
    fn text(&self, i: usize, path: &str) -> Result<Option<&str>> {
        match self {
            Values::Utf8 {
                text,
                base,
                offsets,
            } => {
                let (Some(&start), Some(&end)) = (offsets.get(i), offsets.get(i + 1)) else {
                    return Ok(None);
                };
                let at = |o: i32| usize::try_from(i64::from(o) - i64::from(*base)).ok();
                at(start)
                    .zip(at(end))
                    .and_then(|(s, e)| text.get(s..e))
                    .map(Some)
                    .ok_or_else(|| {
                        Error::validation(
                            path,
                            format!("row {i}: string offsets out of bounds or inside a character"),
                        )
                    })
            }
            Values::Strings(v) => Ok(v.get(i).and_then(|s| s.as_deref())),
            _ => Ok(None),
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Values::U64(_) => "BigUint64Array",
            Values::I64(_) => "BigInt64Array",
            Values::I32(_) => "Int32Array",
            Values::U32(_) => "Uint32Array",
            Values::U16(_) => "Uint16Array",
            Values::F64(_) => "Float64Array (floats)",
            Values::Utf8 { .. } | Values::Strings(_) => "strings",
            Values::Dict { .. } => "dictionary strings",
        }
    }
}

/// Codes a whole chunk of Arrow's UTF-8 layout onto the codes (see
/// `Col::text_codes_with`).
type WholeChunk<'w, T> =
    dyn FnMut(TextChunk<'_, i32>, &mut Vec<T>) -> std::result::Result<(), usize> + 'w;

/// A chunk: its values and validity.
#[derive(Debug, Clone)]
struct Chunk<'a> {
    len: usize,
    values: Values<'a>,
    validity: Option<(Cow<'a, [u8]>, usize)>,
}

impl Chunk<'_> {
    fn is_null(&self, i: usize) -> bool {
        match &self.validity {
            None => false,
            Some((bits, offset)) => {
                let b = offset + i;
                bits.get(b / 8)
                    .is_none_or(|byte| (byte >> (b % 8)) & 1 == 0)
            }
        }
    }

    fn null_count(&self) -> usize {
        if self.validity.is_none() {
            return 0;
        }
        (0..self.len).filter(|&i| self.is_null(i)).count()
    }

    fn into_owned(self) -> Chunk<'static> {
        Chunk {
            len: self.len,
            values: self.values.into_owned(),
            validity: self
                .validity
                .map(|(bits, offset)| (Cow::Owned(bits.into_owned()), offset)),
        }
    }
}

/// A column: its path, time unit and chunks.
#[derive(Debug, Clone)]
struct Col<'a> {
    path: String,
    unit: Unit,
    chunks: Vec<Chunk<'a>>,
}

/// The unit of a time column's integers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unit {
    Day,
    S,
    Ms,
    Us,
    Ns,
}

impl Unit {
    fn parse(u: Option<&str>, path: &str) -> Result<Unit> {
        Ok(match u {
            None | Some("ms") => Unit::Ms,
            Some("s") => Unit::S,
            Some("us") => Unit::Us,
            Some("ns") => Unit::Ns,
            Some("day") => Unit::Day,
            Some(other) => {
                return Err(Error::validation(
                    path,
                    format!("{other:?} is not a time unit (s, ms, us, ns, day)"),
                ))
            }
        })
    }

    /// `v` in this unit as milliseconds (floor), `None` when out of range.
    fn millis(self, v: i64) -> Option<i64> {
        match self {
            Unit::Day => v.checked_mul(86_400_000),
            Unit::S => v.checked_mul(1000),
            Unit::Ms => Some(v),
            Unit::Us => Some(v.div_euclid(1000)),
            Unit::Ns => Some(v.div_euclid(1_000_000)),
        }
    }
}

/// A typed array's first `len` values (all of them must be there).
fn prefix<'a, T>(values: &'a [T], len: usize, path: &str) -> Result<Cow<'a, [T]>>
where
    T: Clone,
{
    values.get(..len).map(Cow::Borrowed).ok_or_else(|| {
        Error::validation(
            path,
            format!("a chunk of {len} rows has only {} values", values.len()),
        )
    })
}

impl<'a> Col<'a> {
    /// Borrows the typed arrays of a [`NativeColumn`].
    fn borrow(c: &'a NativeColumn) -> Result<Col<'a>> {
        let path = c.path.as_str();
        let mut chunks = Vec::with_capacity(c.chunks.len());
        for ch in &c.chunks {
            let len = ch.length as usize;
            let text = || -> Result<Values<'a>> {
                if let Some(strings) = &ch.strings {
                    return Ok(Values::Strings(Cow::Borrowed(strings.as_slice())));
                }
                match (&ch.utf8, &ch.offsets) {
                    (Some(data), Some(offsets)) => {
                        Values::utf8(Cow::Borrowed(&data[..]), Cow::Borrowed(&offsets[..]), path)
                    }
                    _ => Err(Error::validation(path, "a chunk without values")),
                }
            };
            let values = if let Some(keys) = &ch.keys {
                Values::Dict {
                    keys: prefix(&keys[..], len, path)?,
                    dict: Box::new(text()?),
                }
            } else if let Some(v) = &ch.u64 {
                Values::U64(prefix(&v[..], len, path)?)
            } else if let Some(v) = &ch.i64 {
                Values::I64(prefix(&v[..], len, path)?)
            } else if let Some(v) = &ch.i32 {
                Values::I32(prefix(&v[..], len, path)?)
            } else if let Some(v) = &ch.u32 {
                Values::U32(prefix(&v[..], len, path)?)
            } else if let Some(v) = &ch.u16 {
                Values::U16(prefix(&v[..], len, path)?)
            } else if let Some(v) = &ch.f64 {
                Values::F64(prefix(&v[..], len, path)?)
            } else {
                text()?
            };
            if !matches!(values, Values::Dict { .. }) && values.len() < len {
                return Err(Error::validation(
                    path,
                    format!("a chunk of {len} rows has only {} values", values.len()),
                ));
            }
            let validity = match &ch.validity {
                Some(bits) => {
                    let offset = ch.validity_offset.unwrap_or(0) as usize;
                    if bits.len() * 8 < offset + len {
                        return Err(Error::validation(path, "validity bitmap too short"));
                    }
                    Some((Cow::Borrowed(&bits[..]), offset))
                }
                None => None,
            };
            chunks.push(Chunk {
                len,
                values,
                validity,
            });
        }
        Ok(Col {
            path: c.path.clone(),
            unit: Unit::parse(c.unit.as_deref(), path)?,
            chunks,
        })
    }

    fn into_owned(self) -> Col<'static> {
        Col {
            path: self.path,
            unit: self.unit,
            chunks: self.chunks.into_iter().map(Chunk::into_owned).collect(),
        }
    }

    fn len(&self) -> usize {
        self.chunks.iter().map(|c| c.len).sum()
    }

    fn is_text(&self) -> bool {
        self.chunks.iter().any(|c| c.values.is_text())
    }

    fn missing(&self, row: usize, what: &str) -> Error {
        Error::validation(&self.path, format!("row {row}: missing {what}"))
    }

    fn wrong(&self, kind: &str, want: &str) -> Error {
        Error::validation(
            &self.path,
            format!("{kind} are not supported here; expected {want}"),
        )
    }

    /// The only chunk's values when it has no nulls (to borrow them).
    fn single(&self) -> Option<&Values<'a>> {
        match self.chunks.as_slice() {
            [one] if one.validity.is_none() || one.null_count() == 0 => Some(&one.values),
            _ => None,
        }
    }

    /// Every row as an integer (`None`: missing), across chunks; an error for text and floats
    /// (unless `floats` allows whole ones).
    fn each_int(
        &self,
        want: &str,
        floats: bool,
        mut f: impl FnMut(usize, Option<i128>) -> Result<()>,
    ) -> Result<()> {
        let mut row = 0;
        for ch in &self.chunks {
            for i in 0..ch.len {
                let v = if ch.is_null(i) {
                    None
                } else {
                    Some(
                        match &ch.values {
                            Values::U64(v) => v.get(i).map(|&x| i128::from(x)),
                            Values::I64(v) => v.get(i).map(|&x| i128::from(x)),
                            Values::I32(v) => v.get(i).map(|&x| i128::from(x)),
                            Values::U32(v) => v.get(i).map(|&x| i128::from(x)),
                            Values::U16(v) => v.get(i).map(|&x| i128::from(x)),
                            Values::F64(v) if floats => match v.get(i) {
                                Some(&x)
                                    if x.is_finite() && x.fract() == 0.0 && x.abs() < 9.3e18 =>
                                {
                                    Some(x as i128)
                                }
                                Some(x) => {
                                    return Err(Error::validation(
                                        &self.path,
                                        format!("row {row}: {x} is not a whole number"),
                                    ))
                                }
                                None => None,
                            },
                            other => return Err(self.wrong(other.kind(), want)),
                        }
                        .ok_or_else(|| self.missing(row, "value"))?,
                    )
                };
                f(row, v)?;
                row += 1;
            }
        }
        Ok(())
    }

    /// The column as `T`, borrowed when `borrow` finds it in place; else converted (a value
    /// that does not fit is an error, not a wrap).
    fn ints<T: TryFrom<i128> + Copy + Clone>(
        &self,
        want: &str,
        borrow: impl FnOnce(&Values<'a>) -> Option<Cow<'a, [T]>>,
    ) -> Result<Cow<'a, [T]>> {
        if let Some(v) = self.single().and_then(borrow) {
            return Ok(v);
        }
        let mut out = Vec::with_capacity(self.len());
        self.each_int(want, false, |row, v| {
            let v = v.ok_or_else(|| self.missing(row, "value"))?;
            out.push(T::try_from(v).map_err(|_| {
                Error::validation(&self.path, format!("row {row}: {v} is out of range"))
            })?);
            Ok(())
        })?;
        Ok(Cow::Owned(out))
    }

    /// A time column as UTC milliseconds; a missing value is `null_as` when given.
    fn millis(&self, null_as: Option<i64>) -> Result<Cow<'a, [i64]>> {
        if self.unit == Unit::Ms {
            if let Some(Values::I64(v)) = self.single() {
                return Ok(v.clone());
            }
        }
        if self.is_text() {
            return Err(self.wrong(
                "strings",
                "times (Dates, Arrow timestamps or dates, BigInt64Array milliseconds)",
            ));
        }
        let mut out = Vec::with_capacity(self.len());
        let unit = self.unit;
        self.each_int("times", true, |row, v| {
            let ms = match v {
                Some(v) => i64::try_from(v)
                    .ok()
                    .and_then(|v| unit.millis(v))
                    .ok_or_else(|| {
                        Error::validation(&self.path, format!("row {row}: {v} is out of range"))
                    })?,
                None => null_as.ok_or_else(|| self.missing(row, "time"))?,
            };
            out.push(ms);
            Ok(())
        })?;
        Ok(Cow::Owned(out))
    }

    /// Calls `code` once per row of a text column, or once per distinct dictionary key a
    /// chunk uses; `Ok(None)` for a column that is not text. `whole`, when given, codes a
    /// chunk of Arrow's UTF-8 layout without missing values at once (the core's chunk
    /// functions, pushing onto the codes; `Err(i)`: row `i` of the chunk could not be coded,
    /// and `code` on that row says why).
    fn text_codes_with<T: Copy>(
        &self,
        what: &str,
        mut code: impl FnMut(usize, &str) -> Result<T>,
        mut whole: Option<&mut WholeChunk<'_, T>>,
    ) -> Result<Option<Vec<T>>> {
        if !self.is_text() {
            return Ok(None);
        }
        let mut out = Vec::with_capacity(self.len());
        let mut row = 0;
        for ch in &self.chunks {
            match &ch.values {
                Values::Dict { keys, dict } => {
                    let mut memo: Vec<Option<T>> = vec![None; dict.len()];
                    for i in 0..ch.len {
                        if ch.is_null(i) {
                            return Err(self.missing(row, what));
                        }
                        let k = keys
                            .get(i)
                            .and_then(|&k| usize::try_from(k).ok())
                            .filter(|&k| k < memo.len())
                            .ok_or_else(|| {
                                Error::validation(
                                    &self.path,
                                    format!("row {row}: dictionary key out of range"),
                                )
                            })?;
                        let c = match memo.get(k).copied().flatten() {
                            Some(c) => c,
                            None => {
                                let text = dict
                                    .text(k, &self.path)?
                                    .ok_or_else(|| self.missing(row, what))?;
                                let c = code(row, text)?;
                                if let Some(m) = memo.get_mut(k) {
                                    *m = Some(c);
                                }
                                c
                            }
                        };
                        out.push(c);
                        row += 1;
                    }
                }
                Values::Utf8 {
                    text,
                    base,
                    offsets,
                } if whole.is_some() && ch.null_count() == 0 => {
                    let base = usize::try_from(*base).unwrap_or(usize::MAX);
                    let chunk = TextChunk::new(
                        offsets.get(..=ch.len).unwrap_or(offsets),
                        text.as_bytes(),
                        base,
                    );
                    if let Some(Err(i)) = whole.as_mut().map(|w| w(chunk, &mut out)) {
                        let text = ch
                            .values
                            .text(i, &self.path)?
                            .ok_or_else(|| self.missing(row + i, what))?;
                        code(row + i, text)?;
                        return Err(Error::validation(
                            &self.path,
                            format!("row {}: {text:?} could not be read", row + i),
                        ));
                    }
                    row += ch.len;
                }
                values if values.is_text() => {
                    for i in 0..ch.len {
                        let text = if ch.is_null(i) {
                            None
                        } else {
                            values.text(i, &self.path)?
                        };
                        out.push(code(row, text.ok_or_else(|| self.missing(row, what))?)?);
                        row += 1;
                    }
                }
                other => return Err(self.wrong(other.kind(), "strings in every chunk")),
            }
        }
        Ok(Some(out))
    }

    /// Every row's string (`None`: missing), borrowed from the column.
    fn texts(&self) -> Result<Vec<Option<&str>>> {
        let mut out = Vec::with_capacity(self.len());
        for ch in &self.chunks {
            for i in 0..ch.len {
                if ch.is_null(i) {
                    out.push(None);
                    continue;
                }
                out.push(match &ch.values {
                    Values::Dict { keys, dict } => {
                        let k = keys
                            .get(i)
                            .and_then(|&k| usize::try_from(k).ok())
                            .filter(|&k| k < dict.len())
                            .ok_or_else(|| {
                                Error::validation(
                                    &self.path,
                                    format!("row {}: dictionary key out of range", out.len()),
                                )
                            })?;
                        dict.text(k, &self.path)?
                    }
                    values => values.text(i, &self.path)?,
                });
            }
        }
        Ok(out)
    }
}

// ----- from columns to the core's input --------------------------------------------------

/// Opportunity ids: integers (borrowed when u64) or strings (coded densely in the order of
/// the opportunity table, borrowed from it; see the core's [`OppIndex`]).
enum Ids<'c> {
    Int,
    Text(OppIndex<'c>),
}

fn u64s<'a>(col: &Col<'a>) -> Result<Cow<'a, [u64]>> {
    col.ints("integer or string ids", |v| match v {
        Values::U64(v) => Some(v.clone()),
        _ => None,
    })
}

fn opp_ids<'a, 'c>(col: &'c Col<'a>, ids: &mut Option<Ids<'c>>) -> Result<Cow<'a, [u64]>> {
    let path = col.path.as_str();
    match ids {
        Some(Ids::Text(index)) => {
            // An event table sorted by opportunity: the previous event's opportunity, then
            // the next one, cost a comparison each; anything else a search (`follow`).
            let prev: Cell<Option<u64>> = Cell::new(None);
            let one = |row: usize, v: &str| {
                let mut p = prev.get();
                let found = index.follow(v, &mut p);
                prev.set(p);
                found.ok_or_else(|| {
                    Error::validation(
                        path,
                        format!("row {row}: opportunity {v:?} is not in the opportunities table"),
                    )
                })
            };
            let mut whole = |chunk: TextChunk<'_, i32>, out: &mut Vec<u64>| {
                let mut p = prev.get();
                let coded = index.follow_chunk(chunk, &mut p, out);
                prev.set(p);
                coded
            };
            let codes = col.text_codes_with("id", one, Some(&mut whole))?;
            codes.map(Cow::Owned).ok_or_else(|| {
                Error::validation(
                    path,
                    "integer ids, but the opportunities table has string ids",
                )
            })
        }
        Some(Ids::Int) if !col.is_text() => u64s(col),
        Some(Ids::Int) => Err(Error::validation(
            path,
            "string ids, but the opportunities table has integer ids",
        )),
        None if col.is_text() => {
            let texts = col.texts()?;
            let mut list = Vec::with_capacity(texts.len());
            for (row, t) in texts.into_iter().enumerate() {
                list.push(t.ok_or_else(|| col.missing(row, "id"))?);
            }
            let n = list.len() as u64;
            let index = OppIndex::new(list).map_err(|(_, id)| {
                Error::validation(path, format!("duplicate opportunity {id:?}"))
            })?;
            *ids = Some(Ids::Text(index));
            Ok(Cow::Owned((0..n).collect()))
        }
        None => {
            *ids = Some(Ids::Int);
            u64s(col)
        }
    }
}

/// Stage codes: u16 codes (borrowed), other integers, or stage ids of the pipeline plus
/// `won` / `lost` (plain or dictionary text).
fn stage_codes<'a>(col: &Col<'a>, stages: &[StageInfo]) -> Result<Cow<'a, [u16]>> {
    let ids = StageCodes::new(stages);
    let mut whole = |chunk: TextChunk<'_, i32>, out: &mut Vec<u16>| ids.code_chunk(chunk, out);
    let codes = col.text_codes_with(
        "stage",
        |row, v| {
            ids.code(v).ok_or_else(|| {
                Error::validation(
                    &col.path,
                    format!("row {row}: {v:?} is not a stage of the pipeline (nor won/lost)"),
                )
            })
        },
        Some(&mut whole),
    )?;
    match codes {
        Some(codes) => Ok(Cow::Owned(codes)),
        None => col.ints(
            "stage ids (strings) or Uint16Array stage codes",
            |v| match v {
                Values::U16(v) => Some(v.clone()),
                _ => None,
            },
        ),
    }
}

/// Group codes (in sorted key order, the core's [`GroupCoder`]), names and the keyless group,
/// from the `by` column: integer or text keys; floats are refused.
fn groups(col: &Col<'_>) -> Result<(Vec<u32>, Vec<String>, Option<u32>)> {
    let mut coder = GroupCoder::default();
    let mut rows = Vec::with_capacity(col.len());
    if col.is_text() {
        for t in col.texts()? {
            rows.push(coder.code(t.map_or(GroupKey::Missing, GroupKey::Text)));
        }
    } else {
        col.each_int("integer or string group keys", false, |_, v| {
            rows.push(coder.code(v.map_or(GroupKey::Missing, GroupKey::Int)));
            Ok(())
        })?;
    }
    Ok(coder.finish(&rows, false))
}

/// The columns of both tables, detached from napi's typed arrays.
#[derive(Debug, Clone)]
struct Cols<'a> {
    event_opp: Col<'a>,
    event_at: Col<'a>,
    event_stage: Col<'a>,
    opp: Col<'a>,
    amount: Col<'a>,
    created: Col<'a>,
    expected_close: Option<Col<'a>>,
    group: Option<Col<'a>>,
}

impl<'a> Cols<'a> {
    fn borrow(c: &'a NativeColumns) -> Result<Cols<'a>> {
        Ok(Cols {
            event_opp: Col::borrow(&c.event_opp)?,
            event_at: Col::borrow(&c.event_at)?,
            event_stage: Col::borrow(&c.event_stage)?,
            opp: Col::borrow(&c.opp)?,
            amount: Col::borrow(&c.amount)?,
            created: Col::borrow(&c.created)?,
            expected_close: c.expected_close.as_ref().map(Col::borrow).transpose()?,
            group: c.group.as_ref().map(Col::borrow).transpose()?,
        })
    }

    fn into_owned(self) -> Cols<'static> {
        Cols {
            event_opp: self.event_opp.into_owned(),
            event_at: self.event_at.into_owned(),
            event_stage: self.event_stage.into_owned(),
            opp: self.opp.into_owned(),
            amount: self.amount.into_owned(),
            created: self.created.into_owned(),
            expected_close: self.expected_close.map(Col::into_owned),
            group: self.group.map(Col::into_owned),
        }
    }
}

/// The owned-or-borrowed columns behind a [`FunnelInput`].
struct Columns<'a> {
    stages: Vec<StageInfo>,
    ev_opp: Cow<'a, [u64]>,
    ev_at: Cow<'a, [i64]>,
    ev_stage: Cow<'a, [u16]>,
    opp: Cow<'a, [u64]>,
    amount: Cow<'a, [i64]>,
    group: Vec<u32>,
    created: Cow<'a, [i64]>,
    close: Cow<'a, [i64]>,
    group_names: Vec<String>,
    null_group: Option<u32>,
    currency: Option<Currency>,
}

impl Columns<'_> {
    fn input(&self) -> FunnelInput<'_> {
        FunnelInput {
            stages: &self.stages,
            events: StageEvents {
                opp: &self.ev_opp,
                at_ms: &self.ev_at,
                stage: &self.ev_stage,
            },
            opportunities: Opportunities {
                opp: &self.opp,
                amount_minor: &self.amount,
                group: &self.group,
                created_ms: &self.created,
                expected_close_ms: &self.close,
            },
            group_names: &self.group_names,
            null_group: self.null_group,
            currency: self.currency,
        }
    }
}

/// The core's input from the columns, the pipeline and the currency.
fn columns<'a>(
    cols: &'a Cols<'a>,
    pipeline: &Pipeline,
    currency: Option<&str>,
) -> Result<Columns<'a>> {
    let stages = StageInfo::from_pipeline(pipeline);
    let mut ids = None;
    let opp = opp_ids(&cols.opp, &mut ids)?;
    let amount = cols.amount.ints(
        "whole minor units (BigInt64Array, Arrow Int64, or bigints)",
        |v| match v {
            Values::I64(v) => Some(v.clone()),
            _ => None,
        },
    )?;
    let created = cols.created.millis(None)?;
    let close = match &cols.expected_close {
        Some(c) => c.millis(Some(NO_DATE))?,
        None => Cow::Owned(vec![NO_DATE; opp.len()]),
    };
    let (group, group_names, null_group) = match &cols.group {
        Some(c) => groups(c)?,
        None => (vec![0u32; opp.len()], vec!["(all)".to_owned()], None),
    };
    let ev_opp = opp_ids(&cols.event_opp, &mut ids)?;
    let ev_at = cols.event_at.millis(None)?;
    let ev_stage = stage_codes(&cols.event_stage, &stages)?;
    let currency = currency.map(Currency::new).transpose()?;
    Ok(Columns {
        stages,
        ev_opp,
        ev_at,
        ev_stage,
        opp,
        amount,
        group,
        created,
        close,
        group_names,
        null_group,
        currency,
    })
}

fn window(o: &NativeOptions, from: &str, to: &str) -> Result<Window> {
    let f = o.from.as_ref().map(|t| timestamp(t, from)).transpose()?;
    let t = o.to.as_ref().map(|t| timestamp(t, to)).transpose()?;
    Ok(Window::new(f, t))
}

fn mode(m: Option<&str>) -> Result<Mode> {
    match m {
        None | Some("recorded") => Ok(Mode::Recorded),
        Some("cumulative") => Ok(Mode::Cumulative),
        Some(other) => Err(Error::validation(
            "options.mode",
            format!("{other:?} is not a mode (recorded, cumulative)"),
        )),
    }
}

/// What to compute, with its parameters read from the options.
#[derive(Debug, Clone)]
enum Work {
    Funnel(FunnelParams),
    Forecast(Box<an::ForecastParams>),
    Calibration(Timestamp, Window),
}

impl Work {
    fn funnel(o: &NativeOptions) -> Result<Work> {
        let params = FunnelParams::new(timestamp(&o.as_of, "options.asOf")?)
            .window(window(o, "options.window.from", "options.window.to")?)
            .mode(mode(o.mode.as_deref())?);
        Ok(Work::Funnel(params))
    }

    fn forecast(o: &NativeOptions) -> Result<Work> {
        let mut params = an::ForecastParams::new(
            timestamp(&o.as_of, "options.asOf")?,
            window(o, "options.period.from", "options.period.to")?,
        );
        if let Some(p) = &o.probabilities {
            params.probabilities = from_json(p.clone(), "options.probabilities")?;
        }
        if let Some(m) = &o.method {
            params.method = from_json(m.clone(), "options.method")?;
        }
        Ok(Work::Forecast(Box::new(params)))
    }

    fn calibration(o: &NativeOptions) -> Result<Work> {
        Ok(Work::Calibration(
            timestamp(&o.as_of, "options.asOf")?,
            window(o, "options.window.from", "options.window.to")?,
        ))
    }
}

/// What a computation gives.
#[derive(Debug)]
pub enum Outcome {
    /// A funnel report.
    Funnel(Box<an::FunnelReport>),
    /// A forecast or calibration, as its JSON.
    Json(Value),
}

/// Runs `work` over the columns.
fn run(
    cols: &Cols<'_>,
    pipeline: &Pipeline,
    currency: Option<&str>,
    work: &Work,
) -> Result<Outcome> {
    let c = columns(cols, pipeline, currency)?;
    let input = c.input();
    // the core's errors name its input columns (`events[3].at_ms`): name the tables' own
    let by = cols
        .group
        .as_ref()
        .and_then(|g| g.path.rsplit_once('.'))
        .map(|(_, col)| col);
    let terms = |e| an::in_table_terms(e, by);
    Ok(match work {
        Work::Funnel(p) => Outcome::Funnel(Box::new(an::funnel(&input, p).map_err(terms)?)),
        Work::Forecast(p) => Outcome::Json(to_json(&an::forecast(&input, p).map_err(terms)?)?),
        Work::Calibration(at, w) => {
            Outcome::Json(to_json(&an::calibration(&input, *at, *w).map_err(terms)?)?)
        }
    })
}

/// A funnel report: the core's `FunnelReport` (`toJSON()`, `toString()`, `toSvg()`; `index.js`
/// adds `toArrow()`).
#[napi]
#[derive(Debug)]
pub struct FunnelReport {
    inner: Arc<an::FunnelReport>,
}

impl FunnelReport {
    /// A core report as the JavaScript class.
    pub(crate) fn of(report: an::FunnelReport) -> Self {
        FunnelReport {
            inner: Arc::new(report),
        }
    }
}

/// One currency's funnel of the engine's history (`Engine.funnel`): the currency (`null`
/// for an engine without deals), the report, and how many stored rows were left out as bad.
#[napi(object, object_from_js = false)]
#[allow(missing_debug_implementations)]
pub struct FunnelSection {
    /// The ISO 4217 code of the section's deals (`null`: an engine without deals).
    #[napi(ts_type = "string | null")]
    pub currency: napi::Either<String, napi::bindgen_prelude::Null>,
    /// The section's report.
    pub report: FunnelReport,
    /// Stored rows left out because they could not be read (0 normally).
    #[napi(js_name = "left_out")]
    pub left_out: f64,
}

impl FunnelSection {
    /// The JavaScript sections of the engine's funnel.
    pub(crate) fn of(sections: Vec<salespipe::CurrencySection<an::FunnelReport>>) -> Vec<Self> {
        sections
            .into_iter()
            .map(|s| FunnelSection {
                currency: match s.currency {
                    Some(c) => napi::Either::A(c.to_string()),
                    None => napi::Either::B(napi::bindgen_prelude::Null),
                },
                report: FunnelReport::of(s.report),
                left_out: s.left_out as f64,
            })
            .collect()
    }
}

#[napi]
impl FunnelReport {
    /// The report's JSON (the core's shape, as the engine's `funnel` query gives it).
    #[napi(js_name = "toJSON", ts_return_type = "FunnelReportJson")]
    pub fn to_json(&self) -> napi::Result<Value, String> {
        guard(|| to_json(&*self.inner))
    }

    /// The text table.
    #[napi(js_name = "toString")]
    pub fn to_text(&self) -> String {
        self.inner.to_string()
    }

    /// The SVG funnel chart.
    #[napi]
    pub fn to_svg(&self) -> String {
        self.inner.to_svg()
    }
}

fn pipeline_of(pipeline: Value) -> Result<Pipeline> {
    from_json(pipeline, "pipeline")
}

fn sync(
    columns: &NativeColumns,
    pipeline: Value,
    options: &NativeOptions,
    work: fn(&NativeOptions) -> Result<Work>,
) -> JsResult<Outcome> {
    guard(|| {
        let pipeline = pipeline_of(pipeline)?;
        let work = work(options)?;
        let cols = Cols::borrow(columns)?;
        run(&cols, &pipeline, options.currency.as_deref(), &work)
    })
}

fn report(o: Outcome) -> JsResult<FunnelReport> {
    match o {
        Outcome::Funnel(r) => Ok(FunnelReport {
            inner: Arc::from(r),
        }),
        Outcome::Json(_) => guard(|| Err(Error::storage("a funnel gave no funnel report"))),
    }
}

fn json(o: Outcome) -> JsResult<Value> {
    match o {
        Outcome::Json(v) => Ok(v),
        Outcome::Funnel(r) => guard(|| to_json(&r)),
    }
}

/// The funnel report over columns (the tables as `index.js` takes them apart).
#[napi(js_name = "funnelColumns", skip_typescript)]
pub fn funnel_columns(
    columns: NativeColumns,
    pipeline: Value,
    options: NativeOptions,
) -> napi::Result<FunnelReport, String> {
    report(sync(&columns, pipeline, &options, Work::funnel)?)
}

/// The forecast over columns: its JSON.
#[napi(js_name = "forecastColumns", skip_typescript)]
pub fn forecast_columns(
    columns: NativeColumns,
    pipeline: Value,
    options: NativeOptions,
) -> napi::Result<Value, String> {
    json(sync(&columns, pipeline, &options, Work::forecast)?)
}

/// The calibration over columns: its JSON.
#[napi(js_name = "calibrationColumns", skip_typescript)]
pub fn calibration_columns(
    columns: NativeColumns,
    pipeline: Value,
    options: NativeOptions,
) -> napi::Result<Value, String> {
    json(sync(&columns, pipeline, &options, Work::calibration)?)
}

/// The columns (copied), pipeline, currency and parameters of an [`AnalyticsTask`].
type Job = (Cols<'static>, Pipeline, Option<String>, Work);

/// An analytics computation on libuv's thread pool, over columns copied on the calling thread.
#[derive(Debug)]
pub struct AnalyticsTask {
    /// The job, or the encoded error of its arguments (the Promise rejects with it).
    job: Option<std::result::Result<Job, String>>,
}

impl AnalyticsTask {
    fn new(
        columns: &NativeColumns,
        pipeline: Value,
        options: &NativeOptions,
        work: fn(&NativeOptions) -> Result<Work>,
    ) -> Self {
        let job = guard(|| {
            let pipeline = pipeline_of(pipeline)?;
            let work = work(options)?;
            let cols = Cols::borrow(columns)?.into_owned();
            Ok((cols, pipeline, options.currency.clone(), work))
        })
        .map_err(|e| e.reason);
        AnalyticsTask { job: Some(job) }
    }

    fn compute_outcome(&mut self) -> napi::Result<Outcome> {
        match self.job.take() {
            Some(Ok((cols, pipeline, currency, work))) => {
                guard_task(|| run(&cols, &pipeline, currency.as_deref(), &work))
            }
            Some(Err(reason)) => Err(napi::Error::new(napi::Status::GenericFailure, reason)),
            None => guard_task(|| Err(Error::storage("the task already ran"))),
        }
    }
}

/// [`AnalyticsTask`] resolving to a [`FunnelReport`].
#[derive(Debug)]
pub struct FunnelTask(AnalyticsTask);

impl Task for FunnelTask {
    type Output = Outcome;
    type JsValue = FunnelReport;

    fn compute(&mut self) -> napi::Result<Outcome> {
        self.0.compute_outcome()
    }

    fn resolve(&mut self, _env: Env, output: Outcome) -> napi::Result<FunnelReport> {
        report(output).map_err(|e| napi::Error::new(napi::Status::GenericFailure, e.reason))
    }
}

/// [`AnalyticsTask`] resolving to JSON.
#[derive(Debug)]
pub struct JsonTask(AnalyticsTask);

impl Task for JsonTask {
    type Output = Outcome;
    type JsValue = Json;

    fn compute(&mut self) -> napi::Result<Outcome> {
        self.0.compute_outcome()
    }

    fn resolve(&mut self, _env: Env, output: Outcome) -> napi::Result<Json> {
        json(output)
            .map(Json)
            .map_err(|e| napi::Error::new(napi::Status::GenericFailure, e.reason))
    }
}

/// `funnelColumns` on libuv's thread pool.
#[napi(js_name = "funnelColumnsAsync", skip_typescript)]
pub fn funnel_columns_async(
    columns: NativeColumns,
    pipeline: Value,
    options: NativeOptions,
) -> AsyncTask<FunnelTask> {
    AsyncTask::new(FunnelTask(AnalyticsTask::new(
        &columns,
        pipeline,
        &options,
        Work::funnel,
    )))
}

/// `forecastColumns` on libuv's thread pool.
#[napi(js_name = "forecastColumnsAsync", skip_typescript)]
pub fn forecast_columns_async(
    columns: NativeColumns,
    pipeline: Value,
    options: NativeOptions,
) -> AsyncTask<JsonTask> {
    AsyncTask::new(JsonTask(AnalyticsTask::new(
        &columns,
        pipeline,
        &options,
        Work::forecast,
    )))
}

/// `calibrationColumns` on libuv's thread pool.
#[napi(js_name = "calibrationColumnsAsync", skip_typescript)]
pub fn calibration_columns_async(
    columns: NativeColumns,
    pipeline: Value,
    options: NativeOptions,
) -> AsyncTask<JsonTask> {
    AsyncTask::new(JsonTask(AnalyticsTask::new(
        &columns,
        pipeline,
        &options,
        Work::calibration,
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use salespipe::analytics::WON_CODE;

    fn col(values: Values<'static>, len: usize) -> Col<'static> {
        Col {
            path: "t.c".to_owned(),
            unit: Unit::Ms,
            chunks: vec![Chunk {
                len,
                values,
                validity: None,
            }],
        }
    }

    fn utf8(strings: &[&str]) -> Values<'static> {
        let mut data = Vec::new();
        let mut offsets = vec![0i32];
        for s in strings {
            data.extend_from_slice(s.as_bytes());
            offsets.push(i32::try_from(data.len()).unwrap_or(i32::MAX));
        }
        match Values::utf8(Cow::Owned(data), Cow::Owned(offsets), "test") {
            Ok(v) => v,
            Err(e) => panic!("{e}"),
        }
    }

    fn message<T: std::fmt::Debug>(r: Result<T>) -> String {
        match r {
            Ok(v) => format!("ok: {v:?}"),
            Err(e) => format!("{}: {e}", e.code().as_str()),
        }
    }

    #[test]
    fn time_units_become_milliseconds_flooring() {
        let mut c = col(Values::I64(Cow::Owned(vec![-1, 1_500, 2_999])), 3);
        c.unit = Unit::Us;
        assert_eq!(c.millis(None).ok().as_deref(), Some(&[-1, 1, 2][..]));
        c.unit = Unit::S;
        assert_eq!(
            c.millis(None).ok().as_deref(),
            Some(&[-1000, 1_500_000, 2_999_000][..])
        );
        let mut days = col(Values::I32(Cow::Owned(vec![1])), 1);
        days.unit = Unit::Day;
        assert_eq!(days.millis(None).ok().as_deref(), Some(&[86_400_000][..]));
        let mut huge = col(Values::I64(Cow::Owned(vec![i64::MAX])), 1);
        huge.unit = Unit::S;
        assert!(message(huge.millis(None)).starts_with("validation: t.c: row 0"));
        let floats = col(Values::F64(Cow::Owned(vec![1.0, 2.5])), 2);
        assert!(message(floats.millis(None)).contains("row 1: 2.5 is not a whole number"));
        let nan = col(Values::F64(Cow::Owned(vec![f64::NAN])), 1);
        assert!(message(nan.millis(None)).starts_with("validation"));
    }

    #[test]
    fn integers_convert_checked() {
        let ids = col(Values::U64(Cow::Owned(vec![7, 8])), 2);
        assert_eq!(u64s(&ids).ok().as_deref(), Some(&[7, 8][..]));
        let narrow = col(Values::U32(Cow::Owned(vec![7, 8])), 2);
        assert_eq!(u64s(&narrow).ok().as_deref(), Some(&[7, 8][..]));
        let negative = col(Values::I32(Cow::Owned(vec![-7])), 1);
        assert!(message(u64s(&negative)).contains("row 0: -7 is out of range"));
        let floats = col(Values::F64(Cow::Owned(vec![7.0])), 1);
        assert!(message(u64s(&floats)).contains("Float64Array (floats) are not supported"));
    }

    #[test]
    fn validity_bits_count_from_their_offset() {
        // from bit 3 of 0b0010_0000: rows 0 and 1 missing, row 2 present
        let mut c = col(Values::I64(Cow::Owned(vec![10, 20, 30])), 3);
        if let Some(ch) = c.chunks.first_mut() {
            ch.validity = Some((Cow::Owned(vec![0b0010_0000]), 3));
        }
        assert_eq!(c.millis(Some(-1)).ok().as_deref(), Some(&[-1, -1, 30][..]));
        assert!(message(c.millis(None)).contains("row 0: missing time"));
    }

    #[test]
    fn bad_offsets_and_keys_are_errors_not_panics() {
        let raw = |data: &[u8], offsets: &[i32]| {
            Values::utf8(Cow::Owned(data.to_vec()), Cow::Owned(offsets.to_vec()), "t")
        };
        assert!(message(raw(b"ab", &[0, 5])).contains("string offsets out of bounds"));
        assert!(message(raw(b"ab", &[2, 0])).contains("out of bounds"));
        assert!(message(raw(&[b'a', 0xff], &[0, 2])).contains("not UTF-8 (byte 1"));
        // Offsets going backwards inside the span, or cutting a character: that row's error.
        let mid = raw(b"ab", &[0, 2, 1, 2]).map(|v| col(v, 3));
        assert!(message(mid.and_then(|c| c.texts().map(|t| t.len())))
            .contains("row 1: string offsets out of bounds or inside a character"));
        let cut = raw("é".as_bytes(), &[0, 1, 2]).map(|v| col(v, 2));
        assert!(message(cut.and_then(|c| c.texts().map(|t| t.len())))
            .contains("row 0: string offsets out of bounds or inside a character"));
        // A chunk that starts inside the buffer (a slice) reads from its first offset, and
        // bytes outside its span are never read.
        let sliced = raw(&[0xff, b'x', b'y', 0xfe], &[1, 2, 3]).map(|v| col(v, 2));
        assert_eq!(
            sliced
                .and_then(|c| c.texts().map(|t| t
                    .into_iter()
                    .map(|s| s.map(str::to_owned))
                    .collect::<Vec<_>>()))
                .ok(),
            Some(vec![Some("x".to_owned()), Some("y".to_owned())])
        );
        let dict = Values::Dict {
            keys: Cow::Owned(vec![0, 2]),
            dict: Box::new(utf8(&["x", "y"])),
        };
        let c = col(dict, 2);
        assert!(message(c.texts()).contains("row 1: dictionary key out of range"));
        let codes = c.text_codes_with("stage", |_, _| Ok(0u16), None);
        assert!(message(codes).contains("row 1: dictionary key out of range"));
        let negative = Values::Dict {
            keys: Cow::Owned(vec![-1]),
            dict: Box::new(utf8(&["x"])),
        };
        assert!(message(col(negative, 1).texts()).contains("dictionary key out of range"));
    }

    #[test]
    fn dictionary_values_are_looked_up_once_each() {
        let dict = Values::Dict {
            keys: Cow::Owned(vec![1, 0, 1, 1]),
            dict: Box::new(utf8(&["qualify", "won"])),
        };
        let c = col(dict, 4);
        let mut calls = 0;
        let codes = c.text_codes_with(
            "stage",
            |_, t| {
                calls += 1;
                Ok(if t == "won" { WON_CODE } else { 0 })
            },
            None,
        );
        assert_eq!(
            codes.ok().flatten(),
            Some(vec![WON_CODE, 0, WON_CODE, WON_CODE])
        );
        assert_eq!(calls, 2);
    }

    #[test]
    fn groups_sort_by_key_with_the_keyless_group_last() {
        let text = col(
            Values::Strings(Cow::Owned(vec![Some("b".into()), None, Some("a".into())])),
            3,
        );
        let (codes, names, null) = groups(&text).unwrap_or_default();
        assert_eq!(names, vec!["a", "b", ""]);
        assert_eq!(codes, vec![1, 2, 0]);
        assert_eq!(null, Some(2));
        let ints = col(Values::I64(Cow::Owned(vec![10, 2, 10])), 3);
        let (codes, names, null) = groups(&ints).unwrap_or_default();
        assert_eq!(codes, vec![1, 0, 1]);
        assert_eq!(names, vec!["2", "10"]);
        assert_eq!(null, None);
        let floats = col(Values::F64(Cow::Owned(vec![1.0])), 1);
        assert!(message(groups(&floats)).starts_with("validation: t.c: Float64Array"));
    }
}
