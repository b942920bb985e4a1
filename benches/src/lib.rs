//! Shared helpers of salespipe's benches: loading the peer comparison's raw columns.

#![deny(missing_docs)]

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use salespipe::analytics::{FunnelTable, StageInfo};

/// Reads a file of little-endian fixed-width values in 1 MiB chunks (no second full copy).
fn read_col<T, const W: usize>(path: &Path, from: fn([u8; W]) -> T) -> io::Result<Vec<T>> {
    let mut f = File::open(path)?;
    let len = f.metadata()?.len() as usize;
    let mut out = Vec::with_capacity(len / W);
    let mut buf = vec![0u8; (1 << 20) / W * W];
    loop {
        let mut filled = 0;
        while filled < buf.len() {
            let k = f.read(&mut buf[filled..])?;
            if k == 0 {
                break;
            }
            filled += k;
        }
        for c in buf[..filled].chunks_exact(W) {
            let mut a = [0u8; W];
            a.copy_from_slice(c);
            out.push(from(a));
        }
        if filled < buf.len() {
            break;
        }
    }
    Ok(out)
}

/// The generated data set of `benches/peers/gen.py` in directory `dir`, with its `meta.json`.
#[derive(Debug)]
pub struct PeerData {
    /// The columns.
    pub table: FunnelTable,
    /// `as_of` in UTC ms.
    pub as_of_ms: i64,
    /// Window start, UTC ms.
    pub window_from_ms: i64,
    /// Window end, UTC ms.
    pub window_to_ms: i64,
}

impl PeerData {
    /// Loads the raw columns and `meta.json`.
    pub fn load(dir: &Path) -> io::Result<PeerData> {
        let meta: serde_json::Value = serde_json::from_reader(File::open(dir.join("meta.json"))?)
            .map_err(io::Error::other)?;
        let stages: Vec<StageInfo> =
            serde_json::from_value(meta["stages"].clone()).map_err(io::Error::other)?;
        let num = |k: &str| {
            meta[k]
                .as_i64()
                .ok_or_else(|| io::Error::other(format!("meta.json: {k} missing")))
        };
        let mut t = FunnelTable::new(stages);
        t.event_opp = read_col(&dir.join("events_opp.u64"), u64::from_le_bytes)?;
        t.event_at_ms = read_col(&dir.join("events_at.i64"), i64::from_le_bytes)?;
        t.event_stage = read_col(&dir.join("events_stage.u16"), u16::from_le_bytes)?;
        t.opp = read_col(&dir.join("opps_opp.u64"), u64::from_le_bytes)?;
        t.amount_minor = read_col(&dir.join("opps_amount.i64"), i64::from_le_bytes)?;
        t.group = read_col(&dir.join("opps_owner.u32"), u32::from_le_bytes)?;
        t.created_ms = read_col(&dir.join("opps_created.i64"), i64::from_le_bytes)?;
        t.expected_close_ms = read_col(&dir.join("opps_close.i64"), i64::from_le_bytes)?;
        Ok(PeerData {
            table: t,
            as_of_ms: num("as_of_ms")?,
            window_from_ms: num("window_from_ms")?,
            window_to_ms: num("window_to_ms")?,
        })
    }

    /// Bytes held by the input columns.
    pub fn input_bytes(&self) -> usize {
        let t = &self.table;
        t.event_opp.len() * 8
            + t.event_at_ms.len() * 8
            + t.event_stage.len() * 2
            + t.opp.len() * (8 + 8 + 4 + 8 + 8)
    }

    /// Shuffles the event rows of different opportunities (Fisher–Yates, fixed seed), keeping
    /// each opportunity's rows in their order, to measure the unsorted path.
    pub fn shuffle_events(&mut self, seed: u64) {
        let t = &mut self.table;
        let n = t.event_opp.len();
        // a random permutation of the opportunities' blocks would keep rows together; a row
        // permutation interleaves them: sort rows by a random key per opportunity and a
        // running index within it, so each opportunity keeps its internal order
        let mut x = seed | 1;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut idx: Vec<u32> = (0..n as u32).collect();
        for i in (1..n).rev() {
            let j = (next() % (i as u64 + 1)) as usize;
            idx.swap(i, j);
        }
        // idx is a random row order; restore each opportunity's internal order by handing
        // its rows out in original order to the slots it occupies
        let mut slot_rows = idx.clone();
        slot_rows.sort_by_key(|&r| (t.event_opp[r as usize], r));
        let mut slots: Vec<u32> = (0..n as u32).collect();
        slots.sort_by_key(|&s| (t.event_opp[idx[s as usize] as usize], s));
        let mut perm = vec![0u32; n];
        for (s, r) in slots.iter().zip(&slot_rows) {
            perm[*s as usize] = *r;
        }
        let opp: Vec<u64> = perm.iter().map(|&r| t.event_opp[r as usize]).collect();
        let at: Vec<i64> = perm.iter().map(|&r| t.event_at_ms[r as usize]).collect();
        let st: Vec<u16> = perm.iter().map(|&r| t.event_stage[r as usize]).collect();
        t.event_opp = opp;
        t.event_at_ms = at;
        t.event_stage = st;
    }
}
