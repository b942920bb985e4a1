//! Hand-computed tests of every funnel KPI (spec/kpi.md), both modes.

#![allow(clippy::unwrap_used)]

use salespipe::analytics::*;
use salespipe::ErrorCode;

const DAY: i64 = 86_400_000;
const DAY_S: f64 = 86_400.0;

fn stages() -> Vec<StageInfo> {
    vec![
        StageInfo::new("q", "Qualify", 0.1),
        StageInfo::new("d", "Demo", 0.3),
        StageInfo::new("p", "Proposal", 0.6),
        StageInfo::new("c", "Contract", 0.9).rotting_after_ms(Some(5 * DAY)),
    ]
}

const Q: u16 = 0;
const D: u16 = 1;
const P: u16 = 2;
const C: u16 = 3;

/// opp, group, amount, created day; then events (opp, day, stage).
fn table(opps: &[(u64, u32, i64, i64)], events: &[(u64, i64, u16)]) -> FunnelTable {
    let mut t = FunnelTable::new(stages());
    for &(o, g, a, c) in opps {
        t.push_opportunity(o, a, g, c * DAY, NO_DATE);
    }
    for &(o, d, s) in events {
        t.push_event(o, d * DAY, s);
    }
    t
}

/// The main scenario: a straight win, a loss, a skip and a move back.
fn scenario() -> FunnelTable {
    table(
        &[
            (1, 0, 100, 0),
            (2, 1, 200, 1),
            (3, 0, 300, 2),
            (4, 1, 400, 3),
        ],
        &[
            (1, 0, Q),
            (1, 2, D),
            (1, 5, P),
            (1, 9, WON_CODE),
            (2, 1, Q),
            (2, 3, D),
            (2, 4, LOST_CODE),
            (3, 2, Q),
            (3, 6, C), // skips d and p
            (4, 3, Q),
            (4, 4, P), // skips d
            (4, 7, D), // moves back
        ],
    )
}

fn at(day: i64) -> Timestamp {
    Timestamp::from_millis(day * DAY)
}

fn both(t: &FunnelTable, as_of: i64, window: Window) -> FunnelReports {
    funnel_both(&t.input(), at(as_of), window).unwrap()
}

fn counts(r: &GroupReport) -> Vec<[u64; 5]> {
    r.stages
        .iter()
        .map(|s| [s.entered, s.advanced, s.won, s.lost_here, s.open_here])
        .collect()
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() <= 1e-9 * b.abs().max(1.0))
}

#[test]
fn recorded_counts_and_rates() {
    let r = both(&scenario(), 20, Window::all()).recorded;
    assert_eq!(r.total.opportunities, 4);
    assert_eq!(
        counts(&r.total),
        vec![
            [4, 4, 1, 0, 0],
            [3, 1, 1, 1, 1],
            [2, 1, 1, 0, 0],
            [1, 0, 0, 0, 1]
        ]
    );
    let q = &r.total.stages[0];
    assert_eq!(
        (q.advance_rate, q.win_rate, q.loss_rate),
        (Some(1.0), Some(0.25), Some(0.0))
    );
    let d = &r.total.stages[1];
    assert!(close(d.advance_rate, 1.0 / 3.0) && close(d.win_rate, 1.0 / 3.0));
    assert!(close(d.loss_rate, 1.0 / 3.0));
    let c = &r.total.stages[3];
    assert_eq!((c.advance_rate, c.win_rate), (Some(0.0), Some(0.0)));
    assert_eq!(r.total.stages[1].lost, 1);
    assert_eq!(r.total.stages[0].lost, 1);
}

#[test]
fn cumulative_counts_fill_skipped_stages() {
    let r = both(&scenario(), 20, Window::all()).cumulative;
    assert_eq!(
        counts(&r.total),
        vec![
            [4, 4, 1, 0, 0],
            [4, 3, 1, 1, 1],
            [3, 2, 1, 0, 0],
            [2, 1, 1, 0, 1]
        ]
    );
}

#[test]
fn dwell_nearest_rank_both_modes() {
    let b = both(&scenario(), 20, Window::all());
    let r = &b.recorded.total.stages;
    // q: 2, 2, 4, 1 days
    assert_eq!(r[0].dwell.count, 4);
    assert!(close(r[0].dwell.mean_seconds, 2.25 * DAY_S));
    assert_eq!(r[0].dwell.median_seconds, Some(2.0 * DAY_S));
    assert_eq!(r[0].dwell.p90_seconds, Some(4.0 * DAY_S));
    // d: 3, 1 (opp 4's stay in d is not completed)
    assert_eq!(r[1].dwell.count, 2);
    assert!(close(r[1].dwell.mean_seconds, 2.0 * DAY_S));
    assert_eq!(r[1].dwell.median_seconds, Some(DAY_S));
    assert_eq!(r[1].dwell.p90_seconds, Some(3.0 * DAY_S));
    // p: 4, 3
    assert_eq!(r[2].dwell.median_seconds, Some(3.0 * DAY_S));
    assert_eq!(r[2].dwell.p90_seconds, Some(4.0 * DAY_S));
    // c: nothing completed
    assert_eq!(r[3].dwell, Dwell::default());

    let c = &b.cumulative.total.stages;
    // d: 1, 3 and two zero-dwell skipped entries
    assert_eq!(c[1].dwell.count, 4);
    assert!(close(c[1].dwell.mean_seconds, DAY_S));
    assert_eq!(c[1].dwell.median_seconds, Some(0.0));
    assert_eq!(c[1].dwell.p90_seconds, Some(3.0 * DAY_S));
    // p: 3, 4 and one zero
    assert_eq!(c[2].dwell.count, 3);
    assert!(close(c[2].dwell.mean_seconds, 7.0 / 3.0 * DAY_S));
    assert_eq!(c[2].dwell.median_seconds, Some(3.0 * DAY_S));
    assert_eq!(c[2].dwell.p90_seconds, Some(4.0 * DAY_S));
    // c: the win skipped it: one zero
    assert_eq!(c[3].dwell.count, 1);
    assert_eq!(c[3].dwell.median_seconds, Some(0.0));
}

#[test]
fn open_age_stale_and_weighted_amounts() {
    let r = both(&scenario(), 20, Window::all()).recorded;
    let s = &r.total.stages;
    assert_eq!(s[3].open_age.count, 1);
    assert_eq!(s[3].open_age.mean_seconds, Some(14.0 * DAY_S));
    assert_eq!(s[3].open_age.stale, Some(1)); // 14 days > 5 days
    assert_eq!(s[1].open_age.count, 1);
    assert_eq!(s[1].open_age.mean_seconds, Some(13.0 * DAY_S));
    assert_eq!(s[1].open_age.stale, None); // no rotting limit
    assert_eq!((s[3].open_amount, s[3].weighted_open), (300, 300.0 * 0.9));
    assert_eq!((s[1].open_amount, s[1].weighted_open), (400, 400.0 * 0.3));
    assert_eq!((s[0].open_amount, s[0].weighted_open), (0, 0.0));
    // not stale as of day 10 (4 days in c)
    let r = both(&scenario(), 10, Window::all()).recorded;
    assert_eq!(r.total.stages[3].open_age.stale, Some(0));
}

#[test]
fn whole_pipeline_figures() {
    let r = both(&scenario(), 20, Window::all()).recorded;
    let p = &r.total.pipeline;
    assert_eq!((p.closed_won, p.closed_lost), (1, 1));
    assert_eq!(p.win_rate_closed, Some(0.5));
    assert_eq!((p.won_amount, p.avg_won_amount), (100, Some(100.0)));
    assert_eq!(p.avg_cycle_days, Some(9.0));
    assert_eq!((p.open_count, p.open_amount), (2, 700));
    assert!(close(Some(p.weighted_pipeline), 390.0));
    assert!(close(p.velocity_per_day, 2.0 * 0.5 * 100.0 / 9.0));
    // the modes agree on whole-pipeline figures
    let c = both(&scenario(), 20, Window::all()).cumulative;
    assert_eq!(c.total.pipeline, *p);
}

#[test]
fn groups_in_one_pass() {
    let r = both(&scenario(), 20, Window::all()).recorded;
    assert_eq!(r.groups.len(), 2);
    let g0 = &r.groups[0];
    let g1 = &r.groups[1];
    assert_eq!(g0.key.as_deref(), Some("0"));
    assert_eq!(g0.opportunities, 2);
    assert_eq!(g0.pipeline.win_rate_closed, Some(1.0));
    assert_eq!(g1.pipeline.win_rate_closed, Some(0.0));
    assert_eq!(g1.pipeline.avg_won_amount, None);
    assert_eq!(g1.pipeline.velocity_per_day, None);
    assert_eq!(
        counts(g0),
        vec![
            [2, 2, 1, 0, 0],
            [1, 1, 1, 0, 0],
            [1, 1, 1, 0, 0],
            [1, 0, 0, 0, 1]
        ]
    );
    assert_eq!(
        counts(g1),
        vec![
            [2, 2, 0, 0, 0],
            [2, 0, 0, 1, 1],
            [1, 0, 0, 0, 0],
            [0, 0, 0, 0, 0]
        ]
    );
    assert_eq!(g1.stages[3].advance_rate, None);
    // group quantiles are their own: g1's q stays are 2 and 1 days
    assert_eq!(g1.stages[0].dwell.median_seconds, Some(DAY_S));
}

#[test]
fn named_groups() {
    let mut t = scenario();
    t.group_names = vec!["wang".into(), "li".into()];
    let r = both(&t, 20, Window::all()).recorded;
    assert_eq!(r.group("li").unwrap().pipeline.closed_lost, 1);
}

#[test]
fn transition_matrix_shows_skips_and_moves_back() {
    let r = both(&scenario(), 20, Window::all()).recorded;
    let t = &r.total.transitions;
    assert_eq!(t.from, ["(new)", "q", "d", "p", "c", "won", "lost"]);
    assert_eq!(t.to, ["q", "d", "p", "c", "won", "lost"]);
    assert_eq!(
        t.counts,
        vec![
            vec![4, 0, 0, 0, 0, 0], // (new)
            vec![0, 2, 1, 1, 0, 0], // q → d, d, p (skip), c (skip)
            vec![0, 0, 1, 0, 0, 1], // d → p, lost
            vec![0, 1, 0, 0, 1, 0], // p → d (back), won
            vec![0; 6],
            vec![0; 6],
            vec![0; 6],
        ]
    );
    assert_eq!(
        r.total.transitions,
        both(&scenario(), 20, Window::all())
            .cumulative
            .total
            .transitions
    );
}

#[test]
fn reopen_after_loss() {
    let t = table(
        &[(1, 0, 50, 0)],
        &[(1, 0, Q), (1, 1, LOST_CODE), (1, 2, D), (1, 3, WON_CODE)],
    );
    let b = both(&t, 10, Window::all());
    let r = &b.recorded.total;
    assert_eq!(
        counts(r),
        vec![[1, 1, 1, 0, 0], [1, 1, 1, 0, 0], [0; 5], [0; 5]]
    );
    assert_eq!(r.pipeline.closed_won, 1);
    assert_eq!(r.pipeline.closed_lost, 0); // its state at as_of is won
    assert_eq!(r.pipeline.avg_cycle_days, Some(3.0));
    assert_eq!(r.transitions.counts[6][1], 1); // lost → d
    assert_eq!(r.stages[0].dwell.median_seconds, Some(DAY_S)); // q until the loss
                                                               // cumulative: the reopen into d fills nothing (q was the last open stage); the win fills p, c
    let c = &b.cumulative.total;
    assert_eq!(
        counts(c),
        vec![
            [1, 1, 1, 0, 0],
            [1, 1, 1, 0, 0],
            [1, 1, 1, 0, 0],
            [1, 1, 1, 0, 0]
        ]
    );
    // as of day 1.5 it is lost in q
    let t15 = funnel_both(
        &t.input(),
        Timestamp::from_millis(DAY + DAY / 2),
        Window::all(),
    )
    .unwrap();
    assert_eq!(counts(&t15.recorded.total)[0], [1, 0, 0, 1, 0]);
    assert_eq!(t15.recorded.total.pipeline.closed_lost, 1);
}

#[test]
fn reopen_into_a_later_stage_fills_from_the_last_open_stage() {
    let t = table(&[(1, 0, 50, 0)], &[(1, 0, Q), (1, 1, LOST_CODE), (1, 2, P)]);
    let c = both(&t, 10, Window::all()).cumulative;
    assert_eq!(
        counts(&c.total),
        vec![[1, 1, 0, 0, 0], [1, 1, 0, 0, 0], [1, 0, 0, 0, 1], [0; 5]]
    );
}

#[test]
fn equal_timestamps_keep_input_order() {
    // d and p at the same instant, then lost at the same instant: last open stage is p
    let t = table(
        &[(1, 0, 10, 0)],
        &[(1, 0, Q), (1, 5, D), (1, 5, P), (1, 5, LOST_CODE)],
    );
    let r = both(&t, 10, Window::all()).recorded;
    assert_eq!(
        counts(&r.total),
        vec![[1, 1, 0, 0, 0], [1, 1, 0, 0, 0], [1, 0, 0, 1, 0], [0; 5]]
    );
    assert_eq!(r.total.stages[1].dwell.median_seconds, Some(0.0));
    // swapped input order: p then d, so d is the last open stage and d is not advanced
    let t2 = table(
        &[(1, 0, 10, 0)],
        &[(1, 0, Q), (1, 5, P), (1, 5, D), (1, 5, LOST_CODE)],
    );
    let r2 = both(&t2, 10, Window::all()).recorded;
    assert_eq!(
        counts(&r2.total),
        vec![[1, 1, 0, 0, 0], [1, 0, 0, 1, 0], [1, 0, 0, 0, 0], [0; 5]]
    );
    // unsorted across opportunities, equal timestamps within one keep their order
    let mut t3 = t;
    t3.push_opportunity(0, 5, 0, 0, NO_DATE);
    t3.event_opp.insert(0, 0);
    t3.event_at_ms.insert(0, 0);
    t3.event_stage.insert(0, Q);
    t3.event_opp.insert(3, 0);
    t3.event_at_ms.insert(3, 9 * DAY);
    t3.event_stage.insert(3, D);
    let r3 = both(&t3, 10, Window::all()).recorded;
    assert_eq!(r3.total.stages[2].lost_here, 1);
    assert_eq!(r3.total.stages[1].lost_here, 0);
}

#[test]
fn as_of_ignores_later_events() {
    let r = both(&scenario(), 7, Window::all()).recorded;
    // opp 1 is open in p (won at 9 is ignored), opp 4 is open in p (back to d at 7 counts:
    // at == as_of is included)
    let p = &r.total.pipeline;
    assert_eq!((p.closed_won, p.closed_lost, p.open_count), (0, 1, 3));
    assert_eq!(r.total.stages[2].open_age.count, 1);
    assert_eq!(r.total.stages[2].open_age.mean_seconds, Some(2.0 * DAY_S));
    assert_eq!(r.total.stages[1].open_here, 1);
    let r6 = both(&scenario(), 6, Window::all()).recorded;
    assert_eq!(r6.total.stages[2].open_here, 2);
    // before anything happened: no opportunities
    let r0 = funnel_both(
        &scenario().input(),
        Timestamp::from_millis(-1),
        Window::all(),
    )
    .unwrap();
    assert_eq!(r0.recorded.total.opportunities, 0);
}

#[test]
fn narrow_window_cumulative_can_increase_down_the_funnel() {
    // entered q before the window, d inside it (the case spelled out in kpi.md)
    let t = table(&[(1, 0, 10, 0)], &[(1, 0, Q), (1, 2, D)]);
    let w = Window::new(Some(at(1)), Some(at(10)));
    let b = both(&t, 20, w);
    assert_eq!(b.cumulative.total.stages[0].entered, 0);
    assert_eq!(b.cumulative.total.stages[1].entered, 1);
    assert_eq!(b.recorded.total.stages[0].entered, 0);
    // the q stay began before the window: not in dwell; the transition at day 2 is
    assert_eq!(b.recorded.total.stages[0].dwell.count, 0);
    assert_eq!(b.recorded.total.transitions.counts[1][1], 1);
    assert_eq!(b.recorded.total.transitions.counts[0][0], 0);
}

#[test]
fn window_bounds_cohorts_and_closes() {
    // [3, 6): q entries of opp 4 (3); d entries of opp 2 (3); p of opp 1 (5), opp 4 (4)
    let b = both(&scenario(), 20, Window::new(Some(at(3)), Some(at(6))));
    let r = &b.recorded.total;
    assert_eq!(
        counts(r),
        vec![
            [1, 1, 0, 0, 0],
            [1, 0, 0, 1, 0],
            [2, 1, 1, 0, 0],
            [0, 0, 0, 0, 0]
        ]
    );
    // closes: lost at 4 in window, won at 9 not
    assert_eq!((r.pipeline.closed_won, r.pipeline.closed_lost), (0, 1));
    assert_eq!(r.pipeline.win_rate_closed, Some(0.0));
    // open figures do not depend on the window
    assert_eq!(r.pipeline.open_count, 2);
}

#[test]
fn empty_window_gives_absent_rates() {
    let b = both(&scenario(), 20, Window::new(Some(at(100)), Some(at(200))));
    for r in [&b.recorded.total, &b.cumulative.total] {
        for s in &r.stages {
            assert_eq!(
                (s.entered, s.advance_rate, s.win_rate, s.loss_rate),
                (0, None, None, None)
            );
            assert_eq!(s.dwell, Dwell::default());
        }
        let p = &r.pipeline;
        assert_eq!(
            (p.closed_won, p.win_rate_closed, p.avg_won_amount),
            (0, None, None)
        );
        assert_eq!((p.avg_cycle_days, p.velocity_per_day), (None, None));
        assert_eq!(p.open_count, 2);
    }
}

#[test]
fn empty_input_and_zero_denominators() {
    let t = FunnelTable::new(stages());
    let r = both(&t, 0, Window::all()).recorded;
    assert_eq!(r.total.opportunities, 0);
    assert!(r.groups.is_empty());
    assert!(r
        .total
        .stages
        .iter()
        .all(|s| s.advance_rate.is_none() && s.open_age.mean_seconds.is_none()));
    assert_eq!(r.total.pipeline.win_rate_closed, None);
    let json = serde_json::to_value(&r).unwrap();
    assert!(json["total"]["stages"][0]["advance_rate"].is_null());
    // only zero-cycle wins: velocity is absent, not infinite
    let t = table(&[(1, 0, 10, 0)], &[(1, 0, Q), (1, 0, WON_CODE)]);
    let p = both(&t, 1, Window::all()).recorded.total.pipeline;
    assert_eq!(p.avg_cycle_days, Some(0.0));
    assert_eq!(p.velocity_per_day, None);
}

#[test]
fn repeated_entry_into_the_same_stage_is_a_new_stay() {
    let t = table(&[(1, 0, 10, 0)], &[(1, 0, Q), (1, 1, Q), (1, 3, D)]);
    let r = both(&t, 5, Window::all()).recorded;
    assert_eq!(r.total.stages[0].entered, 1);
    assert_eq!(r.total.stages[0].dwell.count, 2);
    assert_eq!(r.total.stages[0].dwell.p90_seconds, Some(2.0 * DAY_S));
    assert_eq!(r.total.transitions.counts[1][0], 1);
}

fn err_field(t: &FunnelTable) -> String {
    match funnel_both(&t.input(), at(100), Window::all()) {
        Err(e) => {
            assert_eq!(e.code(), ErrorCode::Validation);
            match e {
                salespipe::Error::Validation { field, .. } => field,
                other => panic!("{other}"),
            }
        }
        Ok(_) => panic!("accepted"),
    }
}

#[test]
fn invalid_rows_are_named() {
    let mut t = scenario();
    t.event_stage[5] = 9;
    assert_eq!(err_field(&t), "events[5].stage");

    let mut t = scenario();
    t.event_at_ms[7] = DAY; // opp 3 created at day 2
    assert_eq!(err_field(&t), "events[7].at_ms");

    let t = table(
        &[(1, 0, 10, 0)],
        &[(1, 0, Q), (1, 1, WON_CODE), (1, 2, LOST_CODE)],
    );
    assert_eq!(err_field(&t), "events[2].stage"); // closed again without a reopen

    let t = table(&[(1, 0, 10, 0)], &[(1, 0, WON_CODE)]);
    assert_eq!(err_field(&t), "events[0].stage"); // first event must enter an open stage

    let mut t = scenario();
    t.amount_minor[1] = -1;
    assert_eq!(err_field(&t), "opportunities[1].amount_minor");

    let mut t = scenario();
    t.event_opp[11] = 99;
    assert_eq!(err_field(&t), "events[11].opp");

    let mut t = scenario();
    t.opp[2] = 1;
    assert!(err_field(&t).starts_with("opportunities["));

    let mut t = scenario();
    t.event_stage.pop();
    assert_eq!(err_field(&t), "events.stage");

    let mut t = scenario();
    t.group[0] = 1_000;
    assert_eq!(err_field(&t), "opportunities[0].group");

    // rows after as_of are validated too
    let t = table(
        &[(1, 0, 10, 0)],
        &[(1, 0, Q), (1, 200, WON_CODE), (1, 201, WON_CODE)],
    );
    assert_eq!(err_field(&t), "events[2].stage");
}

#[test]
fn unsorted_rows_name_their_original_index() {
    let mut t = scenario();
    t.event_opp.reverse();
    t.event_at_ms.reverse();
    t.event_stage.reverse();
    t.event_stage[0] = 42; // was the last row (opp 4 back to d)
    assert_eq!(err_field(&t), "events[0].stage");
}

#[test]
fn row_order_of_opportunities_does_not_matter() {
    let t = scenario();
    let base = both(&t, 20, Window::all());
    let mut u = t.clone();
    // interleave opportunities and shuffle the opportunity table
    let order = [11, 0, 7, 4, 9, 1, 5, 2, 8, 10, 3, 6];
    u.event_at_ms = order.iter().map(|&i| t.event_at_ms[i]).collect();
    u.event_opp = order.iter().map(|&i| t.event_opp[i]).collect();
    u.event_stage = order.iter().map(|&i| t.event_stage[i]).collect();
    u.opp.reverse();
    u.amount_minor.reverse();
    u.group.reverse();
    u.created_ms.reverse();
    u.expected_close_ms.reverse();
    assert_eq!(both(&u, 20, Window::all()), base);
}

#[test]
fn report_json_shape_is_stable() {
    let r = both(&scenario(), 20, Window::all()).recorded;
    let v = serde_json::to_value(&r).unwrap();
    assert_eq!(v["mode"], "recorded");
    assert_eq!(v["as_of"], "1970-01-21T00:00:00.000Z");
    assert!(v["window"]["from"].is_null());
    let s0 = &v["total"]["stages"][0];
    for key in [
        "id",
        "name",
        "probability",
        "entered",
        "advanced",
        "won",
        "lost",
        "lost_here",
        "open_here",
        "advance_rate",
        "win_rate",
        "loss_rate",
        "dwell",
        "open_age",
        "open_amount",
        "weighted_open",
    ] {
        assert!(s0.get(key).is_some(), "{key}");
    }
    for key in ["count", "mean_seconds", "median_seconds", "p90_seconds"] {
        assert!(s0["dwell"].get(key).is_some(), "{key}");
    }
    for key in [
        "closed_won",
        "closed_lost",
        "win_rate_closed",
        "won_amount",
        "avg_won_amount",
        "avg_cycle_days",
        "open_count",
        "open_amount",
        "weighted_pipeline",
        "velocity_per_day",
    ] {
        assert!(v["total"]["pipeline"].get(key).is_some(), "{key}");
    }
    assert_eq!(v["groups"][1]["key"], "1");
    let back: FunnelReport = serde_json::from_value(v).unwrap();
    assert_eq!(back, r);
}

#[test]
fn text_table_and_svg() {
    let r = both(&scenario(), 20, Window::all()).recorded;
    let text = r.to_string();
    assert!(text.contains("Qualify"), "{text}");
    assert!(
        text.contains("closed won 1 · lost 1 · win rate 50.0%"),
        "{text}"
    );
    assert!(text.contains("group"), "{text}");
    let svg = r.to_svg();
    assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
    assert_eq!(svg.matches("<rect").count(), 8);
    assert!(svg.contains("4 → 4"));
}

#[test]
fn huge_time_spans_take_the_wide_dwell_path() {
    // a span over 2^44 ms cannot be packed with its bucket: same results either way
    let far = 1i64 << 45;
    let mut t = FunnelTable::new(stages());
    t.push_opportunity(1, 10, 0, 0, NO_DATE);
    t.push_event(1, 0, Q);
    t.push_event(1, DAY, D);
    t.push_event(1, far, P);
    let r = funnel_both(&t.input(), Timestamp::from_millis(far), Window::all()).unwrap();
    let s = &r.recorded.total.stages;
    assert_eq!(s[0].dwell.median_seconds, Some(DAY_S));
    assert_eq!(s[1].dwell.median_seconds, Some((far - DAY) as f64 / 1000.0));
}

#[test]
fn an_empty_forecast_expects_positive_zero() {
    let empty = FunnelTable::new(stages());
    let nothing_in_period = table(&[(1, 0, 100, 0)], &[(1, 0, Q)]);
    let period = Window::new(Some(at(10)), Some(at(20))); // no expected close at all: NO_DATE
    for t in [&empty, &nothing_in_period] {
        let f = forecast(&t.input(), &ForecastParams::new(at(5), period)).unwrap();
        assert_eq!(f.opportunities, 0);
        assert_eq!(f.expected.to_bits(), 0.0f64.to_bits(), "{}", f.expected);
        let json = serde_json::to_string(&f).unwrap();
        assert!(json.contains(r#""expected":0.0,"#), "{json}");
    }
}

#[test]
fn an_expected_close_is_a_utc_midnight_or_no_date() {
    // midnights, before 1970 too, and NO_DATE are accepted
    let mut t = scenario();
    t.expected_close_ms = vec![0, 30 * DAY, -3 * DAY, NO_DATE];
    assert!(funnel_both(&t.input(), at(100), Window::all()).is_ok());
    for bad in [
        30 * DAY + 1,
        30 * DAY + 3_600_000,
        -1,
        -3 * DAY - 1,
        NO_DATE + 1,
    ] {
        let mut t = scenario();
        t.expected_close_ms[3] = bad;
        assert_eq!(err_field(&t), "opportunities[3].expected_close_ms", "{bad}");
        // the forecast and the calibration validate the same input
        let f = forecast(&t.input(), &ForecastParams::new(at(100), Window::all()));
        assert_eq!(f.unwrap_err().code(), ErrorCode::Validation);
        let c = calibration(&t.input(), at(100), Window::all());
        assert_eq!(c.unwrap_err().code(), ErrorCode::Validation);
    }
}
