//! From the text keys of a host's columns to the codes [`FunnelInput`](super::FunnelInput)
//! reads: opportunity ids, stage ids and group keys. Every binding reads columns its own way
//! (Arrow arrays, JavaScript typed arrays); the rules of turning their strings into codes
//! are here once, and none of them allocates per row:
//!
//! - [`OppIndex`]: the opportunity table's ids. A table sorted by id (as exports and Parquet
//!   files usually are) needs no hash map: an id is compared with a hinted row first (the
//!   next opportunity, for an event table sorted by opportunity), then found by binary
//!   search; an unsorted table gets one hash map;
//! - [`StageCodes`]: stage ids (and `won` / `lost`) found by their length, then compared;
//! - [`GroupCoder`]: group keys numbered as pandas' `groupby` numbers them (numbers by value,
//!   text by code point, the missing key last), each row's key hashed once, only the
//!   distinct keys sorted.
//!
//! ```
//! use salespipe::analytics::keys::{GroupCoder, GroupKey, OppIndex};
//! let index = OppIndex::new(vec!["a-1", "a-2", "a-3"]).unwrap();
//! assert_eq!(index.find("a-2", 0), Some(1));
//! let mut groups = GroupCoder::default();
//! let rows: Vec<u32> = ["b", "a", "b"].iter().map(|k| groups.code(GroupKey::Text(k))).collect();
//! let (codes, names, keyless) = groups.finish(&rows, false);
//! assert_eq!((codes, names, keyless), (vec![1, 0, 1], vec!["a".into(), "b".into()], None));
//! ```

use foldhash::{HashMap, HashMapExt};

use super::table::{StageInfo, LOST_CODE, WON_CODE};

/// String equality without a call to `memcmp` for ids up to 16 bytes (two overlapping word
/// loads per side), `==` for longer ones: ids are compared millions of times per report and
/// the library call costs more than the comparison.
///
/// ```
/// use salespipe::analytics::keys::same_text;
/// assert!(same_text("opp-0000042", "opp-0000042"));
/// assert!(!same_text("opp-0000042", "opp-0000043"));
/// ```
#[inline]
pub fn same_text(a: &str, b: &str) -> bool {
    same_bytes(a.as_bytes(), b.as_bytes())
}

/// [`same_text`] on bytes.
#[inline]
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    match n {
        0 => true,
        1..=3 => a == b,
        4..=7 => word4(a, 0) == word4(b, 0) && word4(a, n - 4) == word4(b, n - 4),
        8..=16 => word8(a, 0) == word8(b, 0) && word8(a, n - 8) == word8(b, n - 8),
        _ => a == b,
    }
}

/// [`same_bytes`] without a branch on the bytes for texts of 8 to 16 bytes (two words each,
/// compared together), for loops where which answer comes is not predictable.
#[inline(always)]
fn same_flat(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n == b.len() && (8..=16).contains(&n) {
        ((word8(a, 0) ^ word8(b, 0)) | (word8(a, n - 8) ^ word8(b, n - 8))) == 0
    } else {
        same_bytes(a, b)
    }
}

/// The 8 bytes of `s` from `at` as a word (0 when they are not there).
#[inline]
fn word8(s: &[u8], at: usize) -> u64 {
    s.get(at..at + 8)
        .and_then(|w| w.try_into().ok())
        .map_or(0, u64::from_le_bytes)
}

/// The 4 bytes of `s` from `at` as a word (0 when they are not there).
#[inline]
fn word4(s: &[u8], at: usize) -> u32 {
    s.get(at..at + 4)
        .and_then(|w| w.try_into().ok())
        .map_or(0, u32::from_le_bytes)
}

/// An offset of Arrow's text layouts: `i32` (`Utf8`) or `i64` (`LargeUtf8`).
pub trait Offset: Copy {
    /// The offset as a position; `None` when negative.
    fn position(self) -> Option<usize>;
}

impl Offset for i32 {
    #[inline]
    fn position(self) -> Option<usize> {
        usize::try_from(self).ok()
    }
}

impl Offset for i64 {
    #[inline]
    fn position(self) -> Option<usize> {
        usize::try_from(self).ok()
    }
}

/// A chunk of text in Arrow's layout, borrowed: row `i` is the bytes of `values` from
/// `offsets[i] - base` to `offsets[i + 1] - base` (`base` is the first offset when `values`
/// starts where the strings start, 0 when it is the whole data buffer). Nothing is checked
/// when it is made; a row whose offsets fall outside `values` is reported by the functions
/// that read it, as that row. Missing values (a validity bitmap) are the caller's to check:
/// a row is read as the bytes its offsets span.
///
/// ```
/// use salespipe::analytics::keys::TextChunk;
/// let chunk = TextChunk::new(&[0i32, 3, 7], b"oneFour", 0);
/// assert_eq!((chunk.len(), chunk.get(1)), (2, Some(&b"Four"[..])));
/// ```
#[derive(Debug, Clone, Copy)]
pub struct TextChunk<'a, O> {
    offsets: &'a [O],
    values: &'a [u8],
    base: usize,
}

impl<'a, O: Offset> TextChunk<'a, O> {
    /// The chunk of `offsets` (one more than the rows) into `values`, less `base`.
    pub fn new(offsets: &'a [O], values: &'a [u8], base: usize) -> Self {
        TextChunk {
            offsets,
            values,
            base,
        }
    }

    /// The number of rows.
    pub fn len(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    /// True for a chunk without rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Where row `row`'s bytes are in `values`; `None` for a row out of range or offsets
    /// outside `values`.
    #[inline]
    fn span(&self, row: usize) -> Option<(usize, usize)> {
        let start = self.offsets.get(row)?.position()?.checked_sub(self.base)?;
        let end = self
            .offsets
            .get(row + 1)?
            .position()?
            .checked_sub(self.base)?;
        (start <= end && end <= self.values.len()).then_some((start, end))
    }

    /// The bytes of row `row`; `None` for a row out of range or offsets outside `values`.
    #[inline]
    pub fn get(&self, row: usize) -> Option<&'a [u8]> {
        let (start, end) = self.span(row)?;
        self.values.get(start..end)
    }
}

/// The opportunity table's string ids, to find an event's opportunity row by its id.
#[derive(Debug, Clone)]
pub struct OppIndex<'a> {
    ids: Vec<&'a str>,
    /// Strictly increasing: binary search serves, and no id repeats.
    sorted: bool,
    /// Built only for an unsorted table.
    map: HashMap<&'a [u8], u64>,
}

impl<'a> OppIndex<'a> {
    /// The index of the ids in table order (row `i` has code `i`). `Err((row, id))` names
    /// the row of an id seen before, and the id.
    pub fn new(ids: Vec<&'a str>) -> Result<Self, (usize, &'a str)> {
        let mut strictly = true;
        for (i, w) in ids.windows(2).enumerate() {
            match w[0].cmp(w[1]) {
                std::cmp::Ordering::Less => {}
                std::cmp::Ordering::Equal => return Err((i + 1, w[1])),
                std::cmp::Ordering::Greater => {
                    strictly = false;
                    break;
                }
            }
        }
        let mut map = HashMap::new();
        if !strictly {
            map.reserve(ids.len());
            for (i, &id) in ids.iter().enumerate() {
                if map.insert(id.as_bytes(), i as u64).is_some() {
                    return Err((i, id));
                }
            }
        }
        Ok(OppIndex {
            ids,
            sorted: strictly,
            map,
        })
    }

    /// The number of opportunities.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// True for an empty table.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The id of row `row`.
    pub fn id(&self, row: usize) -> Option<&'a str> {
        self.ids.get(row).copied()
    }

    /// The row of `id`, trying row `hint` first (an event table sorted by opportunity asks
    /// for the row after the previous event's).
    pub fn find(&self, id: &str, hint: usize) -> Option<u64> {
        self.find_bytes(id.as_bytes(), hint)
    }

    fn find_bytes(&self, id: &[u8], hint: usize) -> Option<u64> {
        if self
            .ids
            .get(hint)
            .is_some_and(|h| same_bytes(h.as_bytes(), id))
        {
            return Some(hint as u64);
        }
        if self.sorted {
            self.ids
                .binary_search_by(|x| x.as_bytes().cmp(id))
                .ok()
                .map(|i| i as u64)
        } else {
            self.map.get(id).copied()
        }
    }

    /// The row of the next event's `id` in an event table: the previous event's opportunity
    /// first (consecutive events of one opportunity), then the one after it (a table sorted
    /// by opportunity), then a search. `prev` carries the previous answer between calls.
    ///
    /// ```
    /// use salespipe::analytics::keys::OppIndex;
    /// let index = OppIndex::new(vec!["a", "b"]).unwrap();
    /// let mut prev = None;
    /// let rows: Vec<_> = ["a", "a", "b", "a"].iter().map(|e| index.follow(e, &mut prev)).collect();
    /// assert_eq!(rows, vec![Some(0), Some(0), Some(1), Some(0)]);
    /// ```
    pub fn follow(&self, id: &str, prev: &mut Option<u64>) -> Option<u64> {
        self.follow_bytes(id.as_bytes(), prev)
    }

    #[inline]
    fn follow_bytes(&self, id: &[u8], prev: &mut Option<u64>) -> Option<u64> {
        if let Some(p) = *prev {
            if self
                .ids
                .get(p as usize)
                .is_some_and(|x| same_bytes(x.as_bytes(), id))
            {
                return Some(p);
            }
        }
        let row = self.find_bytes(id, prev.map_or(0, |p| p as usize + 1))?;
        *prev = Some(row);
        Some(row)
    }

    /// [`follow`](Self::follow) for every row of a chunk of an event table's id column, the
    /// rows pushed onto `out` (`prev` carries the last answer from chunk to chunk).
    /// `Err(row)`: the first row of the chunk whose id is not in the table, or whose offsets
    /// fall outside the chunk's values (nothing is pushed for it or after it).
    ///
    /// ```
    /// use salespipe::analytics::keys::{OppIndex, TextChunk};
    /// let index = OppIndex::new(vec!["a", "b"]).unwrap();
    /// let (mut rows, mut prev) = (Vec::new(), None);
    /// index.follow_chunk(TextChunk::new(&[0i32, 1, 2, 3], b"aab", 0), &mut prev, &mut rows).unwrap();
    /// assert_eq!(rows, vec![0, 0, 1]);
    /// let unknown = index.follow_chunk(TextChunk::new(&[0i32, 1, 2], b"bc", 0), &mut prev, &mut rows);
    /// assert_eq!(unknown, Err(1));
    /// ```
    pub fn follow_chunk<O: Offset>(
        &self,
        chunk: TextChunk<'_, O>,
        prev: &mut Option<u64>,
        out: &mut Vec<u64>,
    ) -> Result<(), usize> {
        out.reserve(chunk.len());
        // The previous row's id and code: a row is that opportunity again or the next one
        // in the table (an event table sorted by opportunity), both compared every time, so
        // that which of the two it is costs no mispredicted branch; anything else searches.
        let mut last: Option<(&[u8], u64)> = None;
        for row in 0..chunk.len() {
            let id = chunk.get(row).ok_or(row)?;
            let code = match last {
                Some((before, code)) => {
                    let next = self
                        .ids
                        .get(code as usize + 1)
                        .map_or(&b""[..], |s| s.as_bytes());
                    let (same, is_next) = (same_flat(id, before), same_flat(id, next));
                    if same | is_next {
                        code + u64::from(!same)
                    } else {
                        self.follow_bytes(id, prev).ok_or(row)?
                    }
                }
                None => self.follow_bytes(id, prev).ok_or(row)?,
            };
            *prev = Some(code);
            last = Some((id, code));
            out.push(code);
        }
        Ok(())
    }

    /// [`follow_chunk`](Self::follow_chunk) for a chunk of Arrow's `utf8_view` layout
    /// (polars' strings): `views` are the chunk's 16-byte views, `table_views` those of the
    /// opportunity table when its ids are one `utf8_view` array, and `text(i)` row `i`'s
    /// string. A row is the previous row's opportunity again (an equal view is an equal
    /// string within one array) or the next one in the table (equal inline views of two
    /// arrays are equal strings: the view holds the bytes), both compared every time;
    /// anything else is looked up by its text. `Err(row)`: the first row not in the table.
    ///
    /// ```
    /// use salespipe::analytics::keys::OppIndex;
    /// let view = |s: &str| {
    ///     let mut b = [0u8; 16];
    ///     b[..4].copy_from_slice(&(s.len() as u32).to_le_bytes());
    ///     b[4..4 + s.len()].copy_from_slice(s.as_bytes());
    ///     u128::from_le_bytes(b)
    /// };
    /// let index = OppIndex::new(vec!["a", "b"]).unwrap();
    /// let table = [view("a"), view("b")];
    /// let events = ["a", "a", "b", "z"];
    /// let views: Vec<u128> = events.iter().map(|e| view(e)).collect();
    /// let (mut rows, mut prev) = (Vec::new(), None);
    /// let got = index.follow_views(&views, Some(&table), |i| events[i], &mut prev, &mut rows);
    /// assert_eq!((got, rows), (Err(3), vec![0, 0, 1]));
    /// ```
    pub fn follow_views<'t>(
        &self,
        views: &[u128],
        table_views: Option<&[u128]>,
        text: impl Fn(usize) -> &'t str,
        prev: &mut Option<u64>,
        out: &mut Vec<u64>,
    ) -> Result<(), usize> {
        out.reserve(views.len());
        let mut before: Option<(u128, u64)> = None;
        for (row, &view) in views.iter().enumerate() {
            let quick = before.and_then(|(v0, c0)| {
                let next = table_views
                    .and_then(|t| t.get(c0 as usize + 1))
                    .copied()
                    .unwrap_or(NO_VIEW);
                let same = view == v0;
                let is_next = ((view as u32) <= 12) & (view == next);
                (same | is_next).then(|| c0 + u64::from(!same))
            });
            let code = match quick {
                Some(c) => c,
                None => self.follow(text(row), prev).ok_or(row)?,
            };
            *prev = Some(code);
            before = Some((view, code));
            out.push(code);
        }
        Ok(())
    }
}

/// Stage ids (and `won` / `lost`) found without hashing their text: an id of at most 8
/// bytes by its bytes as one word (a probe of a small table), a longer one by its length,
/// then compared.
#[derive(Debug, Clone)]
pub struct StageCodes<'a> {
    by_len: Vec<Vec<(&'a str, u16)>>,
    /// The ids of at most 8 bytes: `(word, length, code)` by [`slot`]; open addressing,
    /// never more than half full. An empty slot has the length [`EMPTY`].
    short: Vec<(u64, u8, u16)>,
}

/// Never equal to an inline view (its length, the low 4 bytes, reads 2^32 - 1, where an
/// inline string has at most 12 bytes): the "next opportunity" of the table's last row.
const NO_VIEW: u128 = u128::MAX;

/// The length of an empty slot of [`StageCodes::short`].
const EMPTY: u8 = u8::MAX;

/// The slot of a short id's word and length in a table of `mask + 1` slots.
#[inline]
fn slot(word: u64, len: usize, mask: usize) -> usize {
    ((word ^ len as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40) as usize & mask
}

/// The bytes of an id of at most 8 bytes as a word, zero-padded.
fn short_word(id: &[u8]) -> u64 {
    let mut bytes = [0u8; 8];
    for (b, &x) in bytes.iter_mut().zip(id) {
        *b = x;
    }
    u64::from_le_bytes(bytes)
}

impl<'a> StageCodes<'a> {
    /// The codes of `stages` (their position), `won` and `lost`.
    pub fn new(stages: &'a [StageInfo]) -> Self {
        let mut by_len: Vec<Vec<(&str, u16)>> = Vec::new();
        let all: Vec<(&str, u16)> = stages
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.as_str(), u16::try_from(i).unwrap_or(u16::MAX)))
            .chain([(crate::WON, WON_CODE), (crate::LOST, LOST_CODE)])
            .collect();
        let size = (all.len() * 2).next_power_of_two().max(16);
        let mut short = vec![(0u64, EMPTY, 0u16); size];
        for &(id, code) in &all {
            if by_len.len() <= id.len() {
                by_len.resize_with(id.len() + 1, Vec::new);
            }
            if let Some(same_len) = by_len.get_mut(id.len()) {
                if same_len.iter().any(|(s, _)| *s == id) {
                    continue; // the first of a repeated id keeps its code
                }
                same_len.push((id, code));
            }
            if id.len() <= 8 {
                let word = short_word(id.as_bytes());
                let mut i = slot(word, id.len(), size - 1);
                while short.get(i).is_some_and(|e| e.1 != EMPTY) {
                    i = (i + 1) & (size - 1);
                }
                if let Some(e) = short.get_mut(i) {
                    *e = (word, id.len() as u8, code);
                }
            }
        }
        StageCodes { by_len, short }
    }

    /// Every id with its code.
    pub fn ids(&self) -> impl Iterator<Item = (&'a str, u16)> + '_ {
        self.by_len.iter().flatten().copied()
    }

    /// The code of a stage id, `won` or `lost`; `None` for another text.
    pub fn code(&self, id: &str) -> Option<u16> {
        self.code_bytes(id.as_bytes())
    }

    fn code_bytes(&self, id: &[u8]) -> Option<u16> {
        if id.len() <= 8 {
            return self.short_code(short_word(id), id.len());
        }
        self.by_len
            .get(id.len())?
            .iter()
            .find(|(s, _)| same_bytes(s.as_bytes(), id))
            .map(|&(_, c)| c)
    }

    /// The code of the id of at most 8 bytes whose bytes, zero-padded, are `word`.
    #[inline]
    fn short_code(&self, word: u64, len: usize) -> Option<u16> {
        let mask = self.short.len() - 1;
        let mut i = slot(word, len, mask);
        loop {
            let &(w, l, code) = self.short.get(i)?;
            if w == word && usize::from(l) == len {
                return Some(code);
            }
            if l == EMPTY {
                return None;
            }
            i = (i + 1) & mask;
        }
    }

    /// The code of a string of Arrow's `utf8_view` layout by its view alone, for an inline
    /// string of at most 8 bytes (the view is its length in the low 4 bytes, then its bytes,
    /// zero-padded); `None` for any other view (look the string itself up with
    /// [`code`](Self::code)) or another text.
    ///
    /// ```
    /// use salespipe::analytics::keys::StageCodes;
    /// use salespipe::analytics::StageInfo;
    /// let stages = vec![StageInfo::new("demo", "D", 0.4)];
    /// let view = |s: &str| {
    ///     let mut b = [0u8; 16];
    ///     b[..4].copy_from_slice(&(s.len() as u32).to_le_bytes());
    ///     b[4..4 + s.len()].copy_from_slice(s.as_bytes());
    ///     u128::from_le_bytes(b)
    /// };
    /// let codes = StageCodes::new(&stages);
    /// assert_eq!(codes.code_view(view("demo")), Some(0));
    /// assert_eq!(codes.code_view(view("demos")), None);
    /// ```
    #[inline]
    pub fn code_view(&self, view: u128) -> Option<u16> {
        let len = view as u32 as usize;
        if len > 8 || (view >> 96) != 0 {
            return None;
        }
        self.short_code((view >> 32) as u64, len)
    }

    /// The code of every row of a chunk of a stage column, pushed onto `out`. An id of at
    /// most 8 bytes is read as one word where 8 bytes of `values` follow its start (every
    /// row but the last few). `Err(row)`: the first row of the chunk that is not a stage,
    /// `won` or `lost`, or whose offsets fall outside the chunk's values.
    ///
    /// ```
    /// use salespipe::analytics::keys::{StageCodes, TextChunk};
    /// use salespipe::analytics::{StageInfo, WON_CODE};
    /// let stages = vec![StageInfo::new("qualify", "Q", 0.2), StageInfo::new("demo", "D", 0.4)];
    /// let codes = StageCodes::new(&stages);
    /// let mut out = Vec::new();
    /// codes.code_chunk(TextChunk::new(&[0i32, 4, 11, 14], b"demoqualifywon", 0), &mut out).unwrap();
    /// assert_eq!(out, vec![1, 0, WON_CODE]);
    /// ```
    pub fn code_chunk<O: Offset>(
        &self,
        chunk: TextChunk<'_, O>,
        out: &mut Vec<u16>,
    ) -> Result<(), usize> {
        out.reserve(chunk.len());
        let values = chunk.values;
        for row in 0..chunk.len() {
            let (start, end) = chunk.span(row).ok_or(row)?;
            let len = end - start;
            let wide = values
                .get(start..start + 8)
                .and_then(|w| <[u8; 8]>::try_from(w).ok());
            let code = match wide {
                Some(w) if len <= 8 => {
                    let w = u64::from_le_bytes(w);
                    let word = if len == 8 {
                        w
                    } else {
                        w & ((1u64 << (8 * len)) - 1)
                    };
                    self.short_code(word, len)
                }
                _ => values.get(start..end).and_then(|id| self.code_bytes(id)),
            };
            out.push(code.ok_or(row)?);
        }
        Ok(())
    }
}

/// A group key: a value of a `by` column, ordered as `groupby` orders keys (numbers by
/// value, text by code point), the missing key last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum GroupKey<'a> {
    /// An integer (booleans are 0 and 1).
    Int(i128),
    /// A text.
    Text(&'a str),
    /// No value.
    Missing,
}

/// Numbers group keys: [`code`](Self::code) gives each row's key a provisional code (in the
/// order keys are first seen, one hash per row), [`finish`](Self::finish) renumbers them in
/// key order and names them.
#[derive(Debug, Clone, Default)]
pub struct GroupCoder<'a> {
    index: HashMap<GroupKey<'a>, u32>,
    keys: Vec<GroupKey<'a>>,
}

impl<'a> GroupCoder<'a> {
    /// The provisional code of a row's key.
    pub fn code(&mut self, key: GroupKey<'a>) -> u32 {
        let next = u32::try_from(self.keys.len()).unwrap_or(u32::MAX);
        *self.index.entry(key).or_insert_with(|| {
            self.keys.push(key);
            next
        })
    }

    /// The final code of every row (given its provisional code), the groups' names in code
    /// order (integers in decimal, or `True` / `False` when `boolean`), and the code of the
    /// group of missing keys, if any rows have one (its name is empty).
    pub fn finish(self, rows: &[u32], boolean: bool) -> (Vec<u32>, Vec<String>, Option<u32>) {
        let mut order: Vec<u32> = (0..u32::try_from(self.keys.len()).unwrap_or(u32::MAX)).collect();
        order.sort_unstable_by(|&a, &b| self.keys.get(a as usize).cmp(&self.keys.get(b as usize)));
        let mut rank = vec![0u32; order.len()];
        for (r, &k) in order.iter().enumerate() {
            if let Some(slot) = rank.get_mut(k as usize) {
                *slot = u32::try_from(r).unwrap_or(u32::MAX);
            }
        }
        let mut keyless = None;
        let names = order
            .iter()
            .enumerate()
            .map(|(r, &k)| match self.keys.get(k as usize) {
                Some(GroupKey::Int(v)) if boolean => {
                    if *v == 1 { "True" } else { "False" }.to_owned()
                }
                Some(GroupKey::Int(v)) => v.to_string(),
                Some(GroupKey::Text(t)) => (*t).to_owned(),
                Some(GroupKey::Missing) | None => {
                    keyless = u32::try_from(r).ok();
                    String::new()
                }
            })
            .collect();
        let codes = rows
            .iter()
            .map(|&c| rank.get(c as usize).copied().unwrap_or(u32::MAX))
            .collect();
        (codes, names, keyless)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_text_agrees_with_equality_at_every_length() {
        for n in 0..40 {
            let a = "a".repeat(n);
            assert!(same_text(&a, &a.clone()));
            for pos in 0..n {
                let mut b = a.clone().into_bytes();
                b[pos] = b'b';
                let b = String::from_utf8(b).unwrap_or_default();
                assert!(!same_text(&a, &b), "{n} {pos}");
            }
            assert!(!same_text(&a, &format!("{a}a")));
        }
    }

    #[test]
    fn sorted_and_unsorted_ids_are_found_and_repeats_named() {
        let sorted = OppIndex::new(vec!["a", "b", "c"]).unwrap_or_else(|_| unreachable!());
        assert_eq!(
            (sorted.find("c", 0), sorted.find("c", 2)),
            (Some(2), Some(2))
        );
        assert_eq!(sorted.find("z", 0), None);
        let unsorted = OppIndex::new(vec!["c", "a", "b"]).unwrap_or_else(|_| unreachable!());
        assert_eq!(unsorted.find("a", 7), Some(1));
        assert_eq!(OppIndex::new(vec!["a", "a"]).err(), Some((1, "a")));
        assert_eq!(OppIndex::new(vec!["b", "a", "b"]).err(), Some((2, "b")));
    }

    #[test]
    fn stages_are_found_by_length_then_text() {
        let stages = vec![
            StageInfo::new("qualify", "Q", 0.1),
            StageInfo::new("resolve", "R", 0.4),
            StageInfo::new("demo", "D", 0.2),
        ];
        let codes = StageCodes::new(&stages);
        assert_eq!(codes.code("resolve"), Some(1));
        assert_eq!(codes.code("demo"), Some(2));
        assert_eq!(codes.code("won"), Some(WON_CODE));
        assert_eq!(codes.code("lost"), Some(LOST_CODE));
        assert_eq!(codes.code("qualif"), None);
        assert_eq!(codes.ids().count(), 5);
    }

    /// A chunk in Arrow's layout of `rows`, with `pad` bytes after the last string.
    fn chunk_of(rows: &[String], pad: usize) -> (Vec<i64>, Vec<u8>) {
        let mut offsets = vec![0i64];
        let mut values = Vec::new();
        for r in rows {
            values.extend_from_slice(r.as_bytes());
            offsets.push(values.len() as i64);
        }
        values.extend(std::iter::repeat_n(b'x', pad));
        (offsets, values)
    }

    proptest::proptest! {
        /// A chunk's codes are the ids' codes one by one, whatever the lengths (short ids
        /// read as words, up to the last bytes of the buffer) and whatever the padding.
        #[test]
        fn chunks_are_coded_as_their_ids_one_by_one(
            ids in proptest::collection::vec("[a-c]{0,12}", 1..6),
            picks in proptest::collection::vec((0usize..8, "[a-c]{0,12}"), 0..40),
            pad in 0usize..10,
        ) {
            let stages: Vec<StageInfo> = ids.iter().map(|id| StageInfo::new(id.as_str(), "", 0.5)).collect();
            let codes = StageCodes::new(&stages);
            let rows: Vec<String> = picks
                .iter()
                .map(|(i, other)| ids.get(*i).cloned().unwrap_or_else(|| other.clone()))
                .collect();
            let (offsets, values) = chunk_of(&rows, pad);
            let mut out = Vec::new();
            let got = codes.code_chunk(TextChunk::new(&offsets, &values, 0), &mut out);
            let want: Vec<Option<u16>> = rows.iter().map(|r| {
                stages.iter().position(|s| s.id == *r).map(|i| i as u16)
                    .or(match r.as_str() { "won" => Some(WON_CODE), "lost" => Some(LOST_CODE), _ => None })
            }).collect();
            match want.iter().position(Option::is_none) {
                Some(bad) => proptest::prop_assert_eq!(got, Err(bad)),
                None => proptest::prop_assert_eq!(got, Ok(())),
            }
            let known: Vec<u16> = want.iter().map_while(|c| *c).collect();
            proptest::prop_assert_eq!(&out, &known);
            for (r, w) in rows.iter().zip(&want) {
                proptest::prop_assert_eq!(codes.code(r), *w);
                // the inline view of a utf8_view array (the ids here are at most 12 bytes)
                let mut b = [0u8; 16];
                b[..4].copy_from_slice(&(r.len() as u32).to_le_bytes());
                b[4..4 + r.len()].copy_from_slice(r.as_bytes());
                let by_view = codes.code_view(u128::from_le_bytes(b));
                proptest::prop_assert_eq!(by_view, if r.len() <= 8 { *w } else { None });
            }
        }

        /// `follow_chunk` answers as `follow` row by row, sorted table or not.
        #[test]
        fn id_chunks_follow_as_single_ids(
            n in 1usize..30,
            shuffle in proptest::bool::ANY,
            events in proptest::collection::vec(0usize..35, 0..60),
        ) {
            let mut ids: Vec<String> = (0..n).map(|i| format!("opp-{i:03}")).collect();
            if shuffle {
                ids.reverse();
            }
            let index = OppIndex::new(ids.iter().map(String::as_str).collect()).unwrap_or_else(|_| unreachable!());
            let rows: Vec<String> = events.iter().map(|&e| format!("opp-{e:03}")).collect();
            let (offsets, values) = chunk_of(&rows, 0);
            let (mut out, mut prev) = (Vec::new(), None);
            let got = index.follow_chunk(TextChunk::new(&offsets, &values, 0), &mut prev, &mut out);
            let mut one_prev = None;
            let want: Vec<Option<u64>> = rows.iter().map(|r| index.follow(r, &mut one_prev)).collect();
            match want.iter().position(Option::is_none) {
                Some(bad) => proptest::prop_assert_eq!(got, Err(bad)),
                None => proptest::prop_assert_eq!(got, Ok(())),
            }
            let known: Vec<u64> = want.iter().map_while(|c| *c).collect();
            proptest::prop_assert_eq!(&out, &known);
            // the same ids as inline views (every id here has 7 bytes), with the table's
            // views or without them
            let view = |s: &str| {
                let mut b = [0u8; 16];
                b[..4].copy_from_slice(&(s.len() as u32).to_le_bytes());
                b[4..4 + s.len()].copy_from_slice(s.as_bytes());
                u128::from_le_bytes(b)
            };
            let views: Vec<u128> = rows.iter().map(|r| view(r)).collect();
            let table: Vec<u128> = ids.iter().map(|i| view(i)).collect();
            for table_views in [Some(&table[..]), None] {
                let (mut by_view, mut prev) = (Vec::new(), None);
                let got = index.follow_views(&views, table_views, |i| rows[i].as_str(), &mut prev, &mut by_view);
                match want.iter().position(Option::is_none) {
                    Some(bad) => proptest::prop_assert_eq!(got, Err(bad)),
                    None => proptest::prop_assert_eq!(got, Ok(())),
                }
                proptest::prop_assert_eq!(&by_view, &known);
            }
        }
    }

    #[test]
    fn rows_outside_the_values_are_errors_not_panics() {
        let stages = vec![StageInfo::new("demo", "D", 0.2)];
        let codes = StageCodes::new(&stages);
        let mut out = Vec::new();
        // row 1 ends past the values; then rows starting before the base, or negative
        assert_eq!(
            codes.code_chunk(TextChunk::new(&[0i32, 4, 9], b"demo", 0), &mut out),
            Err(1)
        );
        assert_eq!(
            codes.code_chunk(TextChunk::new(&[2i32, 6], b"demo", 3), &mut out),
            Err(0)
        );
        assert_eq!(
            codes.code_chunk(TextChunk::new(&[-1i32, 3], b"demo", 0), &mut out),
            Err(0)
        );
        assert_eq!(out, vec![0], "row 0 of the first chunk, before its bad row");
        assert_eq!(
            codes.code_chunk(TextChunk::new(&[5i32, 9], b"demo", 5), &mut out),
            Ok(())
        );
        assert_eq!(out, vec![0, 0]);
        let index = OppIndex::new(vec!["a"]).unwrap_or_else(|_| unreachable!());
        let mut rows = Vec::new();
        assert_eq!(
            index.follow_chunk(
                TextChunk::new(&[0i64, 1, 3], b"ab", 0),
                &mut None,
                &mut rows
            ),
            Err(1)
        );
        assert_eq!(rows, vec![0]);
    }

    #[test]
    fn groups_come_out_in_key_order_the_missing_last() {
        let mut g = GroupCoder::default();
        let keys = [
            GroupKey::Int(10),
            GroupKey::Missing,
            GroupKey::Int(-2),
            GroupKey::Int(10),
        ];
        let rows: Vec<u32> = keys.iter().map(|&k| g.code(k)).collect();
        let (codes, names, keyless) = g.finish(&rows, false);
        assert_eq!(codes, vec![1, 2, 0, 1]);
        assert_eq!(names, vec!["-2", "10", ""]);
        assert_eq!(keyless, Some(2));
        let mut b = GroupCoder::default();
        let rows = [b.code(GroupKey::Int(1)), b.code(GroupKey::Int(0))];
        assert_eq!(b.finish(&rows, true).1, vec!["False", "True"]);
    }
}
