//! Property tests of the funnel (spec/kpi.md invariants).

#![allow(clippy::unwrap_used)]

use proptest::prelude::*;
use salespipe::analytics::*;

const N: u16 = 5;

fn stages() -> Vec<StageInfo> {
    (0..N)
        .map(|i| {
            StageInfo::new(
                format!("s{i}"),
                format!("Stage {i}"),
                f64::from(i + 1) / 6.0,
            )
            .rotting_after_ms(if i % 2 == 0 { Some(3_000) } else { None })
        })
        .collect()
}

/// One opportunity's history: (group, amount, created, steps of (dt, choice)).
type Opp = (u32, i64, i64, Vec<(i64, u16)>);

fn opp_strategy() -> impl Strategy<Value = Opp> {
    (
        0u32..4,
        0i64..10_000,
        0i64..20_000,
        prop::collection::vec((0i64..3_000, 0u16..(N + 4)), 1..9),
    )
}

/// Turns choices into a valid history. `no_skip` keeps every move to at most one stage
/// forward (creation in the first stage, wins from the last stage only).
fn build(opps: &[Opp], no_skip: bool) -> FunnelTable {
    let mut t = FunnelTable::new(stages());
    for (i, (g, amount, created, steps)) in opps.iter().enumerate() {
        let id = (i as u64) * 7 + 3;
        t.push_opportunity(id, *amount, *g, *created, NO_DATE);
        let mut at = *created;
        let mut open: Option<u16> = None; // current open stage
        let mut last_open: u16 = 0;
        for (k, &(dt, choice)) in steps.iter().enumerate() {
            at += if k == 0 { dt % 2 } else { dt % 1_500 };
            let stage = if k == 0 {
                if no_skip {
                    0
                } else {
                    choice % N
                }
            } else if open.is_none() {
                // closed: only a reopen
                let s = choice % N;
                if no_skip {
                    s.min(last_open + 1).min(N - 1)
                } else {
                    s
                }
            } else if choice < N {
                if no_skip {
                    choice.min(last_open + 1)
                } else {
                    choice
                }
            } else if choice == N || choice == N + 1 {
                if no_skip && last_open != N - 1 {
                    (last_open + 1).min(N - 1)
                } else {
                    WON_CODE
                }
            } else {
                LOST_CODE
            };
            if stage < N {
                open = Some(stage);
                last_open = stage;
            } else {
                open = None;
            }
            t.push_event(id, at, stage);
        }
    }
    t.group_names = (0..4).map(|g| format!("g{g}")).collect();
    t
}

/// The additive integer figures of a group report.
fn additive(r: &GroupReport) -> Vec<u64> {
    let mut v = vec![r.opportunities];
    for s in &r.stages {
        v.extend([
            s.entered,
            s.advanced,
            s.won,
            s.lost,
            s.lost_here,
            s.open_here,
            s.dwell.count,
            s.open_age.count,
            s.open_age.stale.unwrap_or(0),
            s.open_amount as u64,
        ]);
    }
    let p = &r.pipeline;
    v.extend([
        p.closed_won,
        p.closed_lost,
        p.won_amount as u64,
        p.open_count,
        p.open_amount as u64,
    ]);
    v.extend(r.transitions.counts.iter().flatten());
    v
}

fn shuffle_rows(t: &FunnelTable, seed: u64) -> FunnelTable {
    let n = t.event_opp.len();
    let mut perm: Vec<usize> = (0..n).collect();
    let mut x = seed | 1;
    for i in (1..n).rev() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        perm.swap(i, (x % (i as u64 + 1)) as usize);
    }
    // slots keep the shuffled opportunity order; within an opportunity, rows keep theirs
    let mut rows_of: std::collections::BTreeMap<u64, std::collections::VecDeque<usize>> =
        Default::default();
    for i in 0..n {
        rows_of.entry(t.event_opp[i]).or_default().push_back(i);
    }
    let mut u = t.clone();
    for (slot, &p) in perm.iter().enumerate() {
        let opp = t.event_opp[p];
        let Some(r) = rows_of.get_mut(&opp).and_then(|q| q.pop_front()) else {
            unreachable!()
        };
        u.event_opp[slot] = t.event_opp[r];
        u.event_at_ms[slot] = t.event_at_ms[r];
        u.event_stage[slot] = t.event_stage[r];
    }
    let m = t.opp.len();
    let mut operm: Vec<usize> = (0..m).collect();
    for i in (1..m).rev() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        operm.swap(i, (x % (i as u64 + 1)) as usize);
    }
    u.opp = operm.iter().map(|&i| t.opp[i]).collect();
    u.amount_minor = operm.iter().map(|&i| t.amount_minor[i]).collect();
    u.group = operm.iter().map(|&i| t.group[i]).collect();
    u.created_ms = operm.iter().map(|&i| t.created_ms[i]).collect();
    u.expected_close_ms = operm.iter().map(|&i| t.expected_close_ms[i]).collect();
    u
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn cumulative_entered_never_increases_down_the_funnel(
        opps in prop::collection::vec(opp_strategy(), 0..25),
        as_of in 0i64..40_000,
    ) {
        let t = build(&opps, false);
        let r = funnel(&t.input(), &FunnelParams::new(Timestamp::from_millis(as_of))
            .mode(Mode::Cumulative)).unwrap();
        for g in std::iter::once(&r.total).chain(&r.groups) {
            for w in g.stages.windows(2) {
                prop_assert!(w[0].entered >= w[1].entered, "{:?}", g.stages.iter().map(|s| s.entered).collect::<Vec<_>>());
            }
        }
    }

    #[test]
    fn grouped_reports_sum_to_the_ungrouped_one(
        opps in prop::collection::vec(opp_strategy(), 0..25),
        as_of in 0i64..40_000,
        from in prop::option::of(0i64..20_000),
        len in 0i64..30_000,
    ) {
        let t = build(&opps, false);
        let w = Window::new(from.map(Timestamp::from_millis), from.map(|f| Timestamp::from_millis(f + len)));
        let b = funnel_both(&t.input(), Timestamp::from_millis(as_of), w).unwrap();
        for r in [&b.recorded, &b.cumulative] {
            let total = additive(&r.total);
            let mut sum = vec![0u64; total.len()];
            for g in &r.groups {
                for (s, v) in sum.iter_mut().zip(additive(g)) {
                    *s += v;
                }
            }
            prop_assert_eq!(&sum, &total);
        }
    }

    #[test]
    fn recorded_equals_cumulative_without_skips(
        opps in prop::collection::vec(opp_strategy(), 0..25),
        as_of in 0i64..40_000,
        from in prop::option::of(0i64..20_000),
    ) {
        let t = build(&opps, true);
        let w = Window::new(from.map(Timestamp::from_millis), None);
        let mut b = funnel_both(&t.input(), Timestamp::from_millis(as_of), w).unwrap();
        b.cumulative.mode = Mode::Recorded;
        prop_assert_eq!(b.recorded, b.cumulative);
    }

    #[test]
    fn result_does_not_depend_on_the_row_order_of_different_opportunities(
        opps in prop::collection::vec(opp_strategy(), 0..25),
        as_of in 0i64..40_000,
        seed in any::<u64>(),
    ) {
        let t = build(&opps, false);
        let u = shuffle_rows(&t, seed);
        let at = Timestamp::from_millis(as_of);
        prop_assert_eq!(
            funnel_both(&t.input(), at, Window::all()).unwrap(),
            funnel_both(&u.input(), at, Window::all()).unwrap()
        );
    }
}
