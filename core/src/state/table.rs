//! A kind of record the state keeps (customers, tasks, activities): rows in the order they were
//! first folded in, found by id, each with a number that never changes.

use std::borrow::Borrow;
use std::hash::Hash;

use crate::state::Map;

/// Rows found by id, numbered in the order they were first inserted. An index over the state
/// refers to a record by its number (four bytes) instead of a copy of its id; the rows sit in
/// one vector, so a kind of record costs its own size plus one index slot.
#[derive(Debug, Clone)]
pub(crate) struct Table<K, V> {
    rows: Vec<V>,
    /// The version of each row's stream (its last event's), by row number.
    versions: Vec<u64>,
    index: Map<K, u32>,
}

impl<K, V> Default for Table<K, V> {
    fn default() -> Self {
        Table {
            rows: Vec::new(),
            versions: Vec::new(),
            index: Map::default(),
        }
    }
}

/// Two tables are equal when they hold the same rows under the same numbers.
impl<K: Eq + Hash, V: PartialEq> PartialEq for Table<K, V> {
    fn eq(&self, other: &Self) -> bool {
        self.rows == other.rows && self.versions == other.versions && self.index == other.index
    }
}

impl<K: Eq + Hash, V> Table<K, V> {
    /// The row of `id`.
    pub fn get<Q>(&self, id: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.number(id).and_then(|n| self.row(n))
    }

    /// The row of `id`, to change in place.
    pub fn get_mut<Q>(&mut self, id: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let n = self.number(id)?;
        self.rows.get_mut(n as usize)
    }

    /// True when `id` has a row.
    pub fn contains_key<Q>(&self, id: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.index.contains_key(id)
    }

    /// The number of `id`'s row.
    pub fn number<Q>(&self, id: &Q) -> Option<u32>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.index.get(id).copied()
    }

    /// The id of a row as the table holds it (a shared string instead of a copy).
    pub fn key<Q>(&self, id: &Q) -> Option<&K>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.index.get_key_value(id).map(|(k, _)| k)
    }

    /// The row numbered `n`.
    pub fn row(&self, n: u32) -> Option<&V> {
        self.rows.get(n as usize)
    }

    /// Inserts the row of `id`, or replaces it in place (keeping its number); returns the
    /// row's number.
    pub fn insert(&mut self, id: K, row: V) -> u32 {
        if let Some(&n) = self.index.get(&id) {
            if let Some(slot) = self.rows.get_mut(n as usize) {
                *slot = row;
            }
            return n;
        }
        // More than 4 billion rows of one kind do not fit a 32-bit address space's memory
        // either; saturating keeps the numbers unique up to there.
        let n = u32::try_from(self.rows.len()).unwrap_or(u32::MAX);
        self.rows.push(row);
        self.versions.push(0);
        self.index.insert(id, n);
        n
    }

    /// The version of the stream of `id`'s row (0 until one is set).
    pub fn version<Q>(&self, id: &Q) -> Option<u64>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let n = self.number(id)?;
        self.versions.get(n as usize).copied()
    }

    /// Sets the version of the stream of `id`'s row; false when there is no such row.
    pub fn set_version<Q>(&mut self, id: &Q, version: u64) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let Some(n) = self.number(id) else {
            return false;
        };
        match self.versions.get_mut(n as usize) {
            Some(v) => {
                *v = version;
                true
            }
            None => false,
        }
    }

    /// Every row, in the order of insertion.
    pub fn values(&self) -> std::slice::Iter<'_, V> {
        self.rows.iter()
    }

    /// How many rows there are.
    pub fn len(&self) -> usize {
        self.rows.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_keep_their_number_when_replaced_and_come_back_in_insertion_order() {
        let mut t: Table<String, u32> = Table::default();
        assert_eq!(t.insert("b".into(), 1), 0);
        assert_eq!(t.insert("a".into(), 2), 1);
        assert_eq!(t.insert("b".into(), 3), 0);
        assert_eq!(t.len(), 2);
        assert_eq!(t.get("b"), Some(&3));
        assert_eq!(t.number("a"), Some(1));
        assert_eq!(t.row(1), Some(&2));
        assert_eq!(t.row(2), None);
        assert!(t.contains_key("a") && !t.contains_key("c"));
        assert_eq!(t.version("a"), Some(0));
        assert!(t.set_version("a", 3) && !t.set_version("c", 1));
        assert_eq!((t.version("a"), t.version("c")), (Some(3), None));
        t.set_version("a", 0);
        if let Some(v) = t.get_mut("a") {
            *v = 7;
        }
        assert_eq!(t.values().copied().collect::<Vec<_>>(), [3, 7]);
        let mut u = Table::default();
        u.insert("b".to_string(), 3);
        u.insert("a".to_string(), 7);
        assert_eq!(t, u);
        u.insert("c".to_string(), 0);
        assert_ne!(t, u);
    }
}
