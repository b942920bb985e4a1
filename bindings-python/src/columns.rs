//! Reading frame columns into the core's analytics columns, at the speed of the core.
//!
//! A frame arrives as Arrow record batches (pyarrow, polars, pandas ≥ 2.2 through the Arrow
//! PyCapsule stream). The rules that keep the conversion within a small factor of the
//! analytics themselves:
//!
//! - nothing is allocated per row: strings are compared and hashed where they sit in the
//!   Arrow buffers;
//! - text columns are read chunk by chunk, never concatenated (a pyarrow table read from
//!   Parquet has one chunk per row group);
//! - a dictionary column (pyarrow `dictionary`, polars `Categorical` / `Enum`, pandas
//!   `category`) is looked up once per dictionary value, then read through its codes;
//! - opportunity ids: when the opportunity table is sorted by id (as exports and Parquet
//!   files usually are) no hash map is built at all: an event's id is first compared with
//!   the id after the previous event's (the next opportunity of a sorted event table), then
//!   found by binary search; an unsorted table gets one hash map;
//! - stage ids are found by length, then compared: no hashing.
//!
//! Every error names the frame's column and the row position (`events[3].stage`), which the
//! Python layer turns into the frame's index label.

use arrow_array::cast::AsArray;
use arrow_array::types::{
    ArrowDictionaryKeyType, Decimal128Type, Int16Type, Int32Type, Int64Type, Int8Type, UInt16Type,
    UInt32Type, UInt64Type, UInt8Type,
};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_buffer::ArrowNativeType;
use arrow_schema::DataType;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3_arrow::PyTable;
use salespipe::analytics::keys::{GroupCoder, GroupKey, OppIndex, StageCodes, TextChunk};
use salespipe::analytics::StageInfo;

use crate::error::validation;

/// One input table: its record batches, as they came.
pub(crate) struct Frame {
    pub(crate) name: &'static str,
    batches: Vec<RecordBatch>,
    columns: Vec<String>,
    rows: usize,
}

/// One column of a frame: its chunks, one per record batch.
pub(crate) struct Column<'a> {
    /// `frame.column`, for messages.
    pub(crate) path: String,
    frame: &'static str,
    name: &'a str,
    pub(crate) chunks: Vec<&'a ArrayRef>,
}

impl Frame {
    pub(crate) fn load(obj: &Bound<'_, PyAny>, name: &'static str) -> PyResult<Frame> {
        let table: PyTable = obj.extract().map_err(|e| {
            let ty = obj
                .get_type()
                .name()
                .map(|n| n.to_string())
                .unwrap_or_default();
            if obj.hasattr("__arrow_c_stream__").unwrap_or(false) {
                // A frame that exports Arrow but whose export failed: say why (pandas gives a
                // column pyarrow cannot convert, with its name, in the message).
                PyTypeError::new_err(format!("{name}: the {ty} could not be read as Arrow: {e}"))
            } else {
                PyTypeError::new_err(format!(
                    "{name}: expected a pandas, polars or pyarrow table (an object with \
                     __arrow_c_stream__), got {ty}"
                ))
            }
        })?;
        let (batches, schema) = table.into_inner();
        let columns = schema.fields().iter().map(|f| f.name().clone()).collect();
        let rows = batches.iter().map(RecordBatch::num_rows).sum();
        Ok(Frame {
            name,
            batches,
            columns,
            rows,
        })
    }

    pub(crate) fn len(&self) -> usize {
        self.rows
    }

    pub(crate) fn column<'a>(&'a self, col: &'a str) -> Option<Column<'a>> {
        let i = self.columns.iter().position(|c| c == col)?;
        Some(Column {
            path: format!("{}.{col}", self.name),
            frame: self.name,
            name: col,
            chunks: self.batches.iter().map(|b| b.column(i)).collect(),
        })
    }

    pub(crate) fn required<'a>(&'a self, col: &'a str) -> PyResult<Column<'a>> {
        self.column(col).ok_or_else(|| {
            validation(
                &format!("{}.{col}", self.name),
                format!("missing column (columns: {})", self.columns.join(", ")),
            )
        })
    }
}

impl Column<'_> {
    /// The field of row `i` in messages: `events[3].stage`.
    pub(crate) fn at(&self, i: usize) -> String {
        format!("{}[{i}].{}", self.frame, self.name)
    }

    /// The column's Arrow type (of its first chunk; every chunk of a table has the same).
    pub(crate) fn data_type(&self) -> DataType {
        self.chunks
            .first()
            .map_or(DataType::Null, |c| c.data_type().clone())
    }

    /// The whole column as one array: the chunk itself when there is one, else the chunks
    /// concatenated (for fixed-width columns, which are copied once anyway).
    pub(crate) fn single(&self) -> PyResult<ArrayRef> {
        match self.chunks.as_slice() {
            [one] => Ok((*one).clone()),
            [] => Ok(arrow_array::new_empty_array(&self.data_type())),
            many => {
                let refs: Vec<&dyn Array> = many.iter().map(|a| a.as_ref()).collect();
                arrow_select::concat::concat(&refs).map_err(|e| validation(&self.path, e))
            }
        }
    }

    /// The position of the first missing value, if any.
    pub(crate) fn first_null(&self) -> Option<usize> {
        let mut base = 0;
        for c in &self.chunks {
            if let Some(i) = first_null(c) {
                return Some(base + i);
            }
            base += c.len();
        }
        None
    }

    pub(crate) fn is_text(&self) -> bool {
        is_text(&self.data_type())
    }
}

pub(crate) fn is_text(dt: &DataType) -> bool {
    match dt {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => true,
        DataType::Dictionary(_, v) => is_text(v),
        _ => false,
    }
}

/// The strings of a plain text array, borrowed; `None` for another dtype.
fn strings(a: &ArrayRef) -> Option<Vec<Option<&str>>> {
    Some(match a.data_type() {
        DataType::Utf8 => a.as_string::<i32>().iter().collect(),
        DataType::LargeUtf8 => a.as_string::<i64>().iter().collect(),
        DataType::Utf8View => a.as_string_view().iter().collect(),
        _ => return None,
    })
}

/// Calls `f(row, value)` for every row of a plain text chunk, the strings borrowed; false
/// for another dtype.
fn each_plain<'a>(
    a: &'a ArrayRef,
    base: usize,
    f: &mut impl FnMut(usize, Option<&'a str>) -> PyResult<()>,
) -> PyResult<bool> {
    match a.data_type() {
        DataType::Utf8 => a
            .as_string::<i32>()
            .iter()
            .enumerate()
            .try_for_each(|(i, v)| f(base + i, v))?,
        DataType::LargeUtf8 => a
            .as_string::<i64>()
            .iter()
            .enumerate()
            .try_for_each(|(i, v)| f(base + i, v))?,
        DataType::Utf8View => a
            .as_string_view()
            .iter()
            .enumerate()
            .try_for_each(|(i, v)| f(base + i, v))?,
        _ => return Ok(false),
    }
    Ok(true)
}

/// The code of every row of a text column (plain or dictionary-encoded): `code(row, text)`
/// is called once per row of a plain chunk, once per dictionary value a dictionary chunk
/// uses (its result reused for every row with that value). A missing value is an error
/// naming the row. `Ok(None)` for a column that is not text.
pub(crate) fn text_codes<'a, T: Copy>(
    col: &Column<'a>,
    what: &str,
    mut code: impl FnMut(usize, &'a str) -> PyResult<T>,
) -> PyResult<Option<Vec<T>>> {
    if !col.is_text() {
        return Ok(None);
    }
    let missing = |i: usize| validation(&col.at(i), format!("missing {what}"));
    let mut out: Vec<T> = Vec::with_capacity(col.chunks.iter().map(|c| c.len()).sum());
    let mut base = 0;
    for chunk in &col.chunks {
        text_codes_chunk(chunk, base, &missing, &mut code, &mut out)?;
        base += chunk.len();
    }
    Ok(Some(out))
}

/// [`text_codes`] of one chunk whose first row is row `base` of the column, pushed onto
/// `out`.
fn text_codes_chunk<'a, T: Copy>(
    chunk: &'a ArrayRef,
    base: usize,
    missing: &dyn Fn(usize) -> PyErr,
    code: &mut impl FnMut(usize, &'a str) -> PyResult<T>,
    out: &mut Vec<T>,
) -> PyResult<()> {
    if let Some(dict) = chunk.as_any_dictionary_opt() {
        let texts = strings(dict.values()).ok_or_else(|| missing(base))?;
        let mut memo: Vec<Option<T>> = vec![None; texts.len()];
        for_each_key(chunk, &mut |i, k| {
            let row = base + i;
            let k = k.ok_or_else(|| missing(row))?;
            let c = match memo.get(k).copied().flatten() {
                Some(c) => c,
                None => {
                    let text = texts
                        .get(k)
                        .copied()
                        .flatten()
                        .ok_or_else(|| missing(row))?;
                    let c = code(row, text)?;
                    if let Some(m) = memo.get_mut(k) {
                        *m = Some(c);
                    }
                    c
                }
            };
            out.push(c);
            Ok(())
        })
    } else {
        each_plain(chunk, base, &mut |i, v| {
            out.push(code(i, v.ok_or_else(|| missing(i))?)?);
            Ok(())
        })?;
        Ok(())
    }
}

/// Calls `f(row, key)` for every row of a dictionary chunk with its key (`None` for a
/// missing value), read in the keys' own type: no array of normalised keys is made.
fn for_each_key(
    chunk: &ArrayRef,
    f: &mut impl FnMut(usize, Option<usize>) -> PyResult<()>,
) -> PyResult<()> {
    fn each<K: ArrowDictionaryKeyType>(
        chunk: &ArrayRef,
        f: &mut impl FnMut(usize, Option<usize>) -> PyResult<()>,
    ) -> PyResult<()> {
        let dict = chunk.as_dictionary::<K>();
        let keys = dict.keys();
        if keys.null_count() == 0 {
            for (i, k) in keys.values().iter().enumerate() {
                f(i, k.to_usize())?;
            }
        } else {
            for (i, k) in keys.iter().enumerate() {
                f(i, k.and_then(|k| k.to_usize()))?;
            }
        }
        Ok(())
    }
    match chunk.data_type() {
        DataType::Dictionary(k, _) => match k.as_ref() {
            DataType::Int8 => each::<Int8Type>(chunk, f),
            DataType::Int16 => each::<Int16Type>(chunk, f),
            DataType::Int32 => each::<Int32Type>(chunk, f),
            DataType::Int64 => each::<Int64Type>(chunk, f),
            DataType::UInt8 => each::<UInt8Type>(chunk, f),
            DataType::UInt16 => each::<UInt16Type>(chunk, f),
            DataType::UInt32 => each::<UInt32Type>(chunk, f),
            DataType::UInt64 => each::<UInt64Type>(chunk, f),
            other => Err(PyTypeError::new_err(format!(
                "dictionary keys of type {other} are not supported"
            ))),
        },
        _ => Ok(()),
    }
}

/// The first missing row of a chunk, if any.
fn first_null(chunk: &ArrayRef) -> Option<usize> {
    if chunk.null_count() == 0 {
        return None;
    }
    (0..chunk.len()).find(|&i| chunk.is_null(i))
}

/// A plain `utf8` / `large_utf8` chunk as the core's [`TextChunk`], with its row's text for
/// messages.
enum Plain<'a> {
    Small(TextChunk<'a, i32>),
    Large(TextChunk<'a, i64>),
}

impl<'a> Plain<'a> {
    fn of(chunk: &'a ArrayRef) -> Option<Plain<'a>> {
        match chunk.data_type() {
            DataType::Utf8 => {
                let a = chunk.as_string::<i32>();
                Some(Plain::Small(TextChunk::new(
                    a.value_offsets(),
                    a.value_data(),
                    0,
                )))
            }
            DataType::LargeUtf8 => {
                let a = chunk.as_string::<i64>();
                Some(Plain::Large(TextChunk::new(
                    a.value_offsets(),
                    a.value_data(),
                    0,
                )))
            }
            _ => None,
        }
    }

    /// Row `row`'s text, for a message.
    fn text(&self, row: usize) -> String {
        let bytes = match self {
            Plain::Small(c) => c.get(row),
            Plain::Large(c) => c.get(row),
        };
        String::from_utf8_lossy(bytes.unwrap_or_default()).into_owned()
    }
}

// ----- opportunity ids -------------------------------------------------------------------

/// The opportunity table's string ids (the core's [`OppIndex`]), to find an event's
/// opportunity by its id.
pub(crate) struct OppIds<'a> {
    index: OppIndex<'a>,
    /// The views of a table whose ids are one `utf8_view` array (polars' strings), borrowed.
    views: Option<&'a [u128]>,
}

impl<'a> OppIds<'a> {
    /// Reads the id column of the opportunity table; `None` when it is not text. A repeated
    /// id is an error naming its second row.
    pub(crate) fn read(col: &Column<'a>) -> PyResult<Option<OppIds<'a>>> {
        let Some(ids) = text_codes(col, "id", |_, v| Ok(v))? else {
            return Ok(None);
        };
        let index = OppIndex::new(ids).map_err(|(row, id)| {
            validation(&col.at(row), format!("duplicate opportunity {id:?}"))
        })?;
        let views = match col.chunks.as_slice() {
            [one] => one.as_string_view_opt().map(|sv| &sv.views()[..]),
            _ => None,
        };
        Ok(Some(OppIds { index, views }))
    }

    pub(crate) fn len(&self) -> usize {
        self.index.len()
    }

    /// The opportunity row of every event ([`OppIndex::follow`]: the previous row's
    /// opportunity and the next one in the table are compared together, anything else is a
    /// search; plain chunks through [`OppIndex::follow_chunk`]). `utf8_view` columns
    /// (polars' strings) are compared by their views, as integers.
    pub(crate) fn codes(&self, col: &Column<'a>) -> PyResult<Option<Vec<u64>>> {
        if !col.is_text() {
            return Ok(None);
        }
        let missing = |i: usize| validation(&col.at(i), "missing id");
        let not_found = |i: usize, v: &str| {
            validation(
                &col.at(i),
                format!("opportunity {v:?} is not in the opportunities table"),
            )
        };
        let mut out = Vec::with_capacity(col.chunks.iter().map(|c| c.len()).sum());
        let mut base = 0;
        let mut prev: Option<u64> = None;
        for chunk in &col.chunks {
            if let Some(sv) = chunk.as_string_view_opt() {
                if let Some(i) = first_null(chunk) {
                    return Err(missing(base + i));
                }
                self.index
                    .follow_views(sv.views(), self.views, |i| sv.value(i), &mut prev, &mut out)
                    .map_err(|i| not_found(base + i, sv.value(i)))?;
            } else if let Some(plain) = Plain::of(chunk) {
                if let Some(i) = first_null(chunk) {
                    return Err(missing(base + i));
                }
                let coded = match &plain {
                    Plain::Small(c) => self.index.follow_chunk(*c, &mut prev, &mut out),
                    Plain::Large(c) => self.index.follow_chunk(*c, &mut prev, &mut out),
                };
                coded.map_err(|i| not_found(base + i, &plain.text(i)))?;
            } else {
                text_codes_chunk(
                    chunk,
                    base,
                    &missing,
                    &mut |i, v| {
                        self.index
                            .follow(v, &mut prev)
                            .ok_or_else(|| not_found(i, v))
                    },
                    &mut out,
                )?;
            }
            base += chunk.len();
        }
        Ok(Some(out))
    }
}

// ----- stages ----------------------------------------------------------------------------

/// Stage ids (the core's [`StageCodes`]), read from any text layout.
pub(crate) struct StageIds<'a> {
    codes: StageCodes<'a>,
}

impl<'a> StageIds<'a> {
    pub(crate) fn new(stages: &'a [StageInfo]) -> Self {
        StageIds {
            codes: StageCodes::new(stages),
        }
    }

    fn find(&self, id: &str) -> Option<u16> {
        self.codes.code(id)
    }

    /// The stage code of every row of a text column; `None` when it is not text. Short ids
    /// of `utf8_view` columns are found by their views ([`StageCodes::code_view`]), plain
    /// chunks a chunk at a time ([`StageCodes::code_chunk`]).
    pub(crate) fn codes(&self, col: &Column<'_>) -> PyResult<Option<Vec<u16>>> {
        if !col.is_text() {
            return Ok(None);
        }
        let missing = |i: usize| validation(&col.at(i), "missing stage");
        let unknown = |i: usize, v: &str| {
            validation(
                &col.at(i),
                format!("{v:?} is not a stage of the pipeline (nor won/lost)"),
            )
        };
        let mut out = Vec::with_capacity(col.chunks.iter().map(|c| c.len()).sum());
        let mut base = 0;
        for chunk in &col.chunks {
            if let Some(sv) = chunk.as_string_view_opt() {
                if let Some(i) = first_null(chunk) {
                    return Err(missing(base + i));
                }
                for (i, &view) in sv.views().iter().enumerate() {
                    let c = match self.codes.code_view(view) {
                        Some(c) => c,
                        None => {
                            let s = sv.value(i);
                            self.find(s).ok_or_else(|| unknown(base + i, s))?
                        }
                    };
                    out.push(c);
                }
            } else if let Some(plain) = Plain::of(chunk) {
                if let Some(i) = first_null(chunk) {
                    return Err(missing(base + i));
                }
                let coded = match &plain {
                    Plain::Small(c) => self.codes.code_chunk(*c, &mut out),
                    Plain::Large(c) => self.codes.code_chunk(*c, &mut out),
                };
                coded.map_err(|i| unknown(base + i, &plain.text(i)))?;
            } else {
                text_codes_chunk(
                    chunk,
                    base,
                    &missing,
                    &mut |i, v| self.find(v).ok_or_else(|| unknown(i, v)),
                    &mut out,
                )?;
            }
            base += chunk.len();
        }
        Ok(Some(out))
    }
}

// ----- groups ----------------------------------------------------------------------------

/// Group codes, names and the code of the keyless group from the `by` column, grouped by
/// value as pandas' `groupby` does: integer, text, dictionary (categorical) and boolean
/// columns, nulls included (one group whose report has no key, so a real `"(none)"` stays
/// its own group). Groups are numbered in sorted key order. Floats are refused (a float key
/// is rarely meant; cast first).
pub(crate) fn groups(col: &Column<'_>) -> PyResult<(Vec<u32>, Vec<String>, Option<u32>)> {
    let dt = col.data_type();
    let wrong = || {
        PyTypeError::new_err(format!(
            "{}: dtype {dt} is not supported; expected integer, text or categorical keys",
            col.path
        ))
    };
    let mut seen = GroupCoder::default();
    let mut first: Vec<u32> = Vec::with_capacity(col.chunks.iter().map(|c| c.len()).sum());
    if dt.is_integer() {
        // Every integer type but u64 fits i64; u64 goes through a 128-bit decimal.
        let wide = if dt == DataType::UInt64 {
            DataType::Decimal128(38, 0)
        } else {
            DataType::Int64
        };
        for chunk in &col.chunks {
            let a = arrow_cast::cast(chunk, &wide).map_err(|_| wrong())?;
            if wide == DataType::Int64 {
                let mut last: Option<(Option<i64>, u32)> = None;
                for v in a.as_primitive::<Int64Type>().iter() {
                    let c = match last {
                        Some((p, c)) if p == v => c,
                        _ => {
                            seen.code(v.map_or(GroupKey::Missing, |v| GroupKey::Int(i128::from(v))))
                        }
                    };
                    last = Some((v, c));
                    first.push(c);
                }
            } else {
                for v in a.as_primitive::<Decimal128Type>().iter() {
                    first.push(seen.code(v.map_or(GroupKey::Missing, GroupKey::Int)));
                }
            }
        }
    } else if col.is_text() {
        let mut base = 0;
        for chunk in &col.chunks {
            if let Some(dict) = chunk.as_any_dictionary_opt() {
                let texts = strings(dict.values()).ok_or_else(wrong)?;
                let mut memo: Vec<Option<u32>> = vec![None; texts.len()];
                for_each_key(chunk, &mut |_, k| {
                    let c = match k {
                        None => seen.code(GroupKey::Missing),
                        Some(k) => match memo.get(k).copied().flatten() {
                            Some(c) => c,
                            None => {
                                let key = texts
                                    .get(k)
                                    .copied()
                                    .flatten()
                                    .map_or(GroupKey::Missing, GroupKey::Text);
                                let c = seen.code(key);
                                if let Some(m) = memo.get_mut(k) {
                                    *m = Some(c);
                                }
                                c
                            }
                        },
                    };
                    first.push(c);
                    Ok(())
                })?;
            } else {
                each_plain(chunk, base, &mut |_, v| {
                    first.push(seen.code(v.map_or(GroupKey::Missing, GroupKey::Text)));
                    Ok(())
                })?;
            }
            base += chunk.len();
        }
    } else if dt == DataType::Boolean {
        for chunk in &col.chunks {
            for v in chunk.as_boolean().iter() {
                first
                    .push(seen.code(v.map_or(GroupKey::Missing, |b| GroupKey::Int(i128::from(b)))));
            }
        }
    } else {
        return Err(wrong());
    }
    Ok(seen.finish(&first, dt == DataType::Boolean))
}
