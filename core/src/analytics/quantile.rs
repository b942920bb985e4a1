//! Nearest-rank quantiles, computed exactly with integer ranks.

/// A quantile given exactly as per-mille (`500` = median, `900` = P90), so that the rank
/// `ceil(p * n)` is computed in integers and every implementation agrees.
///
/// ```
/// use salespipe::analytics::Quantile;
/// assert_eq!(Quantile::P90.rank(10), 9);
/// assert_eq!(Quantile::MEDIAN.rank(4), 2);
/// assert_eq!(Quantile::MEDIAN.rank(5), 3);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Quantile(pub u32);

impl Quantile {
    /// P10.
    pub const P10: Quantile = Quantile(100);
    /// The median, P50.
    pub const MEDIAN: Quantile = Quantile(500);
    /// P90.
    pub const P90: Quantile = Quantile(900);

    /// The 1-based nearest rank `ceil(p * n)`, at least 1 (0 when `n` is 0).
    pub fn rank(self, n: u64) -> u64 {
        if n == 0 {
            return 0;
        }
        let p = u128::from(self.0.min(1000));
        let r = (u128::from(n) * p).div_ceil(1000);
        u64::try_from(r).unwrap_or(n).clamp(1, n)
    }
}

/// The nearest-rank quantile of the multiset `zeros` × `0` ∪ `values`, where every value is
/// non-negative. `values` is reordered (selection, linear time). `None` when empty.
///
/// ```
/// use salespipe::analytics::{nearest_rank, Quantile};
/// let mut v = vec![30, 10, 20];
/// assert_eq!(nearest_rank(&mut v, 0, Quantile::MEDIAN), Some(20));
/// assert_eq!(nearest_rank(&mut v, 3, Quantile::MEDIAN), Some(0));
/// assert_eq!(nearest_rank(&mut v, 3, Quantile::P90), Some(30));
/// ```
pub fn nearest_rank(values: &mut [i64], zeros: u64, q: Quantile) -> Option<i64> {
    let n = zeros + values.len() as u64;
    let rank = q.rank(n);
    if rank == 0 {
        return None;
    }
    if rank <= zeros {
        return Some(0);
    }
    let idx = usize::try_from(rank - zeros - 1).ok()?;
    if idx >= values.len() {
        return None;
    }
    let (_, v, _) = values.select_nth_unstable(idx);
    Some(*v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_are_exact() {
        for n in 1..1000u64 {
            assert_eq!(Quantile::P90.rank(n), (9 * n).div_ceil(10));
            assert_eq!(Quantile::MEDIAN.rank(n), n.div_ceil(2));
        }
        assert_eq!(Quantile(0).rank(5), 1);
        assert_eq!(Quantile(1000).rank(5), 5);
    }

    #[test]
    fn empty_is_none() {
        assert_eq!(nearest_rank(&mut [], 0, Quantile::MEDIAN), None);
    }
}
