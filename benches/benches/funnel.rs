//! Criterion bench of the funnel report (both modes, 200 groups) over a synthetic history
//! built in-process (no generated files needed): sorted input and shuffled input.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use salespipe::analytics::{
    funnel_both, FunnelTable, StageInfo, Window, LOST_CODE, NO_DATE, WON_CODE,
};
use salespipe::Timestamp;

const DAY: i64 = 86_400_000;

/// A deterministic history: five stages, skips, moves back, wins, losses and reopens.
fn history(opps: u64) -> FunnelTable {
    let stages = (0..5)
        .map(|i| {
            StageInfo::new(format!("s{i}"), format!("S{i}"), f64::from(i + 1) / 6.0)
                .rotting_after_ms(Some(30 * DAY))
        })
        .collect();
    let mut t = FunnelTable::new(stages);
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for o in 0..opps {
        let created = (next() % (365 * DAY as u64)) as i64;
        t.push_opportunity(
            o,
            (next() % 1_000_000) as i64,
            (next() % 200) as u32,
            created,
            NO_DATE,
        );
        let mut at = created;
        let mut cur: u16 = 0;
        t.push_event(o, at, cur);
        for _ in 0..(next() % 6) {
            at += (next() % (20 * DAY as u64)) as i64;
            cur = if cur >= 5 {
                (next() % 5) as u16
            } else {
                match next() % 10 {
                    0..=4 => cur + 1,
                    5 => cur + 2,
                    6 => cur.saturating_sub(1),
                    7 | 8 => WON_CODE,
                    _ => LOST_CODE,
                }
            };
            if (5..WON_CODE).contains(&cur) {
                cur = WON_CODE;
            }
            t.push_event(o, at, cur);
            if cur >= WON_CODE {
                cur = 5;
            }
        }
    }
    t
}

fn shuffled(t: &FunnelTable) -> FunnelTable {
    // reverse the rows: opportunities interleave differently, each keeps its own order after
    // the funnel's stable sort only if times differ, so reverse whole opportunities instead
    let mut u = t.clone();
    let n = t.event_opp.len();
    let mut start = 0;
    let mut blocks = Vec::new();
    while start < n {
        let mut end = start + 1;
        while end < n && t.event_opp[end] == t.event_opp[start] {
            end += 1;
        }
        blocks.push(start..end);
        start = end;
    }
    let (mut a, mut b) = (0, blocks.len());
    let mut order = Vec::with_capacity(blocks.len());
    while a < b {
        order.push(a);
        a += 1;
        if a < b {
            b -= 1;
            order.push(b);
        }
    }
    u.event_opp.clear();
    u.event_at_ms.clear();
    u.event_stage.clear();
    for i in order {
        for r in blocks[i].clone() {
            u.push_event(t.event_opp[r], t.event_at_ms[r], t.event_stage[r]);
        }
    }
    u
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("funnel_both");
    g.sample_size(10);
    for opps in [10_000u64, 100_000] {
        let t = history(opps);
        let u = shuffled(&t);
        let as_of = Timestamp::from_millis(400 * DAY);
        let w = Window::new(
            Some(Timestamp::from_millis(30 * DAY)),
            Some(Timestamp::from_millis(330 * DAY)),
        );
        g.throughput(Throughput::Elements(t.event_opp.len() as u64));
        g.bench_with_input(BenchmarkId::new("sorted", opps), &t, |b, t| {
            b.iter(|| funnel_both(&t.input(), as_of, w))
        });
        g.bench_with_input(BenchmarkId::new("unsorted", opps), &u, |b, u| {
            b.iter(|| funnel_both(&u.input(), as_of, w))
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
