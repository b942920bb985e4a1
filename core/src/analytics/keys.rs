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
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let n = a.len();
    if n != b.len() {
        return false;
    }
    #[inline]
    fn word8(s: &[u8], at: usize) -> u64 {
        s.get(at..at + 8)
            .and_then(|w| w.try_into().ok())
            .map_or(0, u64::from_ne_bytes)
    }
    #[inline]
    fn word4(s: &[u8], at: usize) -> u32 {
        s.get(at..at + 4)
            .and_then(|w| w.try_into().ok())
            .map_or(0, u32::from_ne_bytes)
    }
    match n {
        0 => true,
        1..=3 => a == b,
        4..=7 => word4(a, 0) == word4(b, 0) && word4(a, n - 4) == word4(b, n - 4),
        8..=16 => word8(a, 0) == word8(b, 0) && word8(a, n - 8) == word8(b, n - 8),
        _ => a == b,
    }
}

/// The opportunity table's string ids, to find an event's opportunity row by its id.
#[derive(Debug, Clone)]
pub struct OppIndex<'a> {
    ids: Vec<&'a str>,
    /// Strictly increasing: binary search serves, and no id repeats.
    sorted: bool,
    /// Built only for an unsorted table.
    map: HashMap<&'a str, u64>,
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
                if map.insert(id, i as u64).is_some() {
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
        if self.ids.get(hint).is_some_and(|h| same_text(h, id)) {
            return Some(hint as u64);
        }
        if self.sorted {
            self.ids.binary_search(&id).ok().map(|i| i as u64)
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
        if let Some(p) = *prev {
            if self.id(p as usize).is_some_and(|x| same_text(x, id)) {
                return Some(p);
            }
        }
        let row = self.find(id, prev.map_or(0, |p| p as usize + 1))?;
        *prev = Some(row);
        Some(row)
    }
}

/// Stage ids (and `won` / `lost`) by their length: a row's id is compared with the few ids
/// of its length, never hashed.
#[derive(Debug, Clone)]
pub struct StageCodes<'a> {
    by_len: Vec<Vec<(&'a str, u16)>>,
}

impl<'a> StageCodes<'a> {
    /// The codes of `stages` (their position), `won` and `lost`.
    pub fn new(stages: &'a [StageInfo]) -> Self {
        let mut by_len: Vec<Vec<(&str, u16)>> = Vec::new();
        let all = stages
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.as_str(), u16::try_from(i).unwrap_or(u16::MAX)))
            .chain([(crate::WON, WON_CODE), (crate::LOST, LOST_CODE)]);
        for (id, code) in all {
            if by_len.len() <= id.len() {
                by_len.resize_with(id.len() + 1, Vec::new);
            }
            if let Some(slot) = by_len.get_mut(id.len()) {
                slot.push((id, code));
            }
        }
        StageCodes { by_len }
    }

    /// Every id with its code.
    pub fn ids(&self) -> impl Iterator<Item = (&'a str, u16)> + '_ {
        self.by_len.iter().flatten().copied()
    }

    /// The code of a stage id, `won` or `lost`; `None` for another text.
    pub fn code(&self, id: &str) -> Option<u16> {
        self.by_len
            .get(id.len())?
            .iter()
            .find(|(s, _)| same_text(s, id))
            .map(|&(_, c)| c)
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
