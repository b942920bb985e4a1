//! The competitor report (竞争对手报告): hand-computed figures through the engine (now, as of
//! an instant, within a window of closes), the column path and its bad input, and the
//! invariants (the order of rows or of independent opportunities' events is irrelevant).
#![allow(clippy::unwrap_used)]

mod common;
use common::*;

use proptest::prelude::*;
use salespipe::analytics::Window;
use salespipe::management::competitor::{
    competitor_report, CompetitorOutcome as Out, CompetitorParams, CompetitorReport, CompetitorRow,
};
use salespipe::*;

fn map(pairs: &[(&str, i64)]) -> std::collections::BTreeMap<String, i64> {
    pairs.iter().map(|(c, v)| ((*c).to_owned(), *v)).collect()
}

fn engine(clock: &ManualClock) -> Engine {
    let mut e = Engine::with_clock(clock.clone());
    e.register_user("admin", User::new("admin", "Admin", Role::Admin))
        .unwrap();
    e.register_user(
        "admin",
        User::new("wang", "王芳", Role::Rep).managed_by("admin"),
    )
    .unwrap();
    e.define_pipeline(
        "admin",
        Pipeline::builder("sales", "Sales")
            .stage(Stage::new("qualify", "识别潜在客户", 0.1))
            .stage(Stage::new("demo", "产品演示", 0.3))
            .stage(Stage::new("quote", "报价", 0.6))
            .allow_skip(true)
            .build()
            .unwrap(),
    )
    .unwrap();
    e.create_customer("wang", Customer::new("acme", "Acme"))
        .unwrap();
    e
}

fn deal(e: &mut Engine, id: &str, amount: Money, competitors: Vec<Competitor>) {
    let mut n = NewOpportunity::new(id, "sales", "acme", "wang", id, amount);
    n.competitors = competitors;
    e.create_opportunity("wang", n).unwrap();
}

fn c(name: &str) -> Competitor {
    Competitor::new(name)
}

const T1: &str = "2026-03-02T01:00:00Z";
const T2: &str = "2026-03-03T01:00:00Z";
const T3: &str = "2026-03-04T01:00:00Z";
const T4: &str = "2026-03-05T01:00:00Z";
const T5: &str = "2026-03-06T01:00:00Z";

/// o1 won against Globex and Initech (T1); o2 lost to Globex from demo (T2); o3 lost to Hooli
/// (not on its list) from qualify with Initech eliminated on it (T3); o4 lost to Globex from
/// quote (T4) and reopened (T5); o5 open against Globex in USD; o6 lost with no competitor;
/// o7 open against "globex" (another name: compared exactly).
fn history() -> (Engine, ManualClock) {
    let clock = ManualClock::new(t("2026-03-01T01:00:00Z"));
    let mut e = engine(&clock);
    deal(&mut e, "o1", cny(100_000), vec![c("Globex"), c("Initech")]);
    deal(&mut e, "o2", cny(50_000), vec![c("Globex")]);
    deal(
        &mut e,
        "o3",
        usd(20_000),
        vec![Competitor {
            status: CompetitorStatus::Eliminated,
            ..c("Initech")
        }],
    );
    deal(&mut e, "o4", cny(30_000), vec![c("Globex")]);
    deal(&mut e, "o5", usd(8_000), vec![c("Globex"), c("Globex")]);
    deal(&mut e, "o6", cny(1_000), Vec::new());
    deal(&mut e, "o7", cny(70_000), vec![c("globex")]);
    clock.set(t(T1));
    e.advance("wang", "o1", "demo").unwrap();
    e.win("wang", "o1").unwrap();
    e.lose("wang", "o6", "no budget", None).unwrap();
    clock.set(t(T2));
    e.advance("wang", "o2", "demo").unwrap();
    e.lose("wang", "o2", "price", Some("Globex".into()))
        .unwrap();
    clock.set(t(T3));
    e.lose("wang", "o3", "price", Some("Hooli".into())).unwrap();
    clock.set(t(T4));
    e.advance("wang", "o4", "quote").unwrap();
    e.lose("wang", "o4", "price", Some("Globex".into()))
        .unwrap();
    clock.set(t(T5));
    e.reopen("wang", "o4", None, "customer came back").unwrap();
    (e, clock)
}

fn names(r: &CompetitorReport) -> Vec<&str> {
    r.competitors
        .iter()
        .map(|c| c.competitor.as_str())
        .collect()
}

#[test]
fn every_figure_by_hand_now() {
    let (e, _) = history();
    let r = e.view().competitor_report(Window::all()).unwrap();
    assert_eq!(r.as_of, None);
    // o6 met nobody; the others count once each.
    assert_eq!(r.deals, 6);
    assert_eq!(names(&r), ["Globex", "Hooli", "Initech", "globex"]);

    // Globex: o1 won, o2 lost to them, o4 reopened (open), o5 open (listed twice, counted once).
    let g = r.get("Globex").unwrap();
    assert_eq!(
        (g.met, g.open, g.won, g.lost_to, g.lost_other),
        (4, 2, 1, 1, 0)
    );
    assert_eq!(g.win_rate, Some(0.5));
    assert_eq!(g.head_to_head_win_rate, Some(0.5));
    assert_eq!(g.open_amount, map(&[("CNY", 30_000), ("USD", 8_000)]));
    assert_eq!(g.won_amount, map(&[("CNY", 100_000)]));
    assert_eq!(g.lost_to_amount, map(&[("CNY", 50_000)]));
    assert!(g.lost_other_amount.is_empty());
    assert_eq!(g.lost_at_stage.len(), 1);
    let demo = &g.lost_at_stage[&StageId::new("demo")];
    assert_eq!(
        (demo.lost, demo.amount.clone()),
        (1, map(&[("CNY", 50_000)]))
    );

    // Hooli: named as the winner of o3 only.
    let h = r.get("Hooli").unwrap();
    assert_eq!((h.met, h.lost_to, h.win_rate), (1, 1, Some(0.0)));
    assert_eq!(h.head_to_head_win_rate, Some(0.0));
    assert_eq!(h.lost_to_amount, map(&[("USD", 20_000)]));
    assert_eq!(h.lost_at_stage[&StageId::new("qualify")].lost, 1);

    // Initech: won against on o1; eliminated on o3, which went to Hooli: lost, other.
    let i = r.get("Initech").unwrap();
    assert_eq!((i.met, i.won, i.lost_to, i.lost_other), (2, 1, 0, 1));
    assert_eq!(i.win_rate, Some(0.5));
    assert_eq!(i.head_to_head_win_rate, Some(1.0));
    assert_eq!(i.lost_other_amount, map(&[("USD", 20_000)]));
    assert!(i.lost_at_stage.is_empty());

    // "globex" is not "Globex": one open deal, no closed one, so no rate (None, never 0).
    let lower = r.get("globex").unwrap();
    assert_eq!((lower.met, lower.open), (1, 1));
    assert_eq!((lower.win_rate, lower.head_to_head_win_rate), (None, None));
    assert_eq!(lower.open_amount, map(&[("CNY", 70_000)]));
}

#[test]
fn as_of_an_instant_before_the_reopen_the_deal_is_lost_to_them() {
    let (e, _) = history();
    let before = t(T5).plus_millis(-1);
    let r = e
        .at(before)
        .and_then(|v| v.competitor_report(Window::all()))
        .unwrap();
    assert_eq!(r.as_of, Some(before));
    let g = r.get("Globex").unwrap();
    assert_eq!((g.met, g.open, g.won, g.lost_to), (4, 1, 1, 2));
    assert_eq!(g.win_rate, Some(1.0 / 3.0));
    assert_eq!(g.lost_to_amount, map(&[("CNY", 80_000)]));
    assert_eq!(g.open_amount, map(&[("USD", 8_000)]));
    let stages: Vec<(&str, u64)> = g
        .lost_at_stage
        .iter()
        .map(|(s, l)| (s.as_str(), l.lost))
        .collect();
    assert_eq!(stages, [("demo", 1), ("quote", 1)]);
    assert_eq!(
        g.lost_at_stage[&StageId::new("quote")].amount,
        map(&[("CNY", 30_000)])
    );

    // Before o2's loss: Globex has o1 won, o2, o4 and o5 open.
    let r = e
        .at(t(T2).plus_millis(-1))
        .and_then(|v| v.competitor_report(Window::all()))
        .unwrap();
    let g = r.get("Globex").unwrap();
    assert_eq!((g.open, g.won, g.lost_to), (3, 1, 0));
    assert_eq!(g.head_to_head_win_rate, Some(1.0));
    assert!(r.get("Hooli").is_none());

    // Before anything: empty, and the same through JSON.
    let r = e
        .at(t("2026-01-01T00:00:00Z"))
        .and_then(|v| v.competitor_report(Window::all()))
        .unwrap();
    assert_eq!((r.deals, r.competitors.len()), (0, 0));
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["competitors"], serde_json::json!([]));
}

#[test]
fn a_window_of_closes_keeps_open_deals_and_the_closes_inside_it() {
    let (e, _) = history();
    let params = CompetitorParams::default().closed(Window::new(Some(t(T2)), Some(t(T3))));
    let r = e.view().competitor_report(params.closed).unwrap();
    // Only o2 closed in [T2, T3); o4, o5, o7 are open; o1 (T1) and o3 (T3) are out.
    assert_eq!(r.deals, 4);
    assert_eq!(names(&r), ["Globex", "globex"]);
    let g = r.get("Globex").unwrap();
    assert_eq!((g.met, g.open, g.won, g.lost_to), (3, 2, 0, 1));
    assert_eq!(g.win_rate, Some(0.0));
    assert!(g.won_amount.is_empty());

    let bad = CompetitorParams::default().closed(Window::new(Some(t(T3)), Some(t(T2))));
    let err = e.view().competitor_report(bad.closed).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Validation);
    assert!(err.to_string().contains("closed.to"), "{err}");
}

#[test]
fn an_amount_change_moves_the_money_at_stake() {
    let (mut e, clock) = history();
    clock.set(t("2026-03-07T01:00:00Z"));
    e.update_opportunity(
        "wang",
        "o5",
        OpportunityPatch {
            amount: Some(usd(9_900)),
            ..Default::default()
        },
    )
    .unwrap();
    let now = e.view().competitor_report(Window::all()).unwrap();
    assert_eq!(
        now.get("Globex").unwrap().open_amount,
        map(&[("CNY", 30_000), ("USD", 9_900)])
    );
    let then = e
        .at(t(T5))
        .and_then(|v| v.competitor_report(Window::all()))
        .unwrap();
    assert_eq!(
        then.get("Globex").unwrap().open_amount,
        map(&[("CNY", 30_000), ("USD", 8_000)])
    );
}

#[test]
fn the_json_shape_is_stable_and_the_text_table_readable() {
    let (e, _) = history();
    let r = e.view().competitor_report(Window::all()).unwrap();
    let json = serde_json::to_value(&r).unwrap();
    let g = &json["competitors"][0];
    assert_eq!(g["competitor"], "Globex");
    assert_eq!(
        g["open_amount"],
        serde_json::json!({"CNY": 30000, "USD": 8000})
    );
    assert_eq!(
        g["lost_at_stage"],
        serde_json::json!({"demo": {"lost": 1, "amount": {"CNY": 50000}}})
    );
    assert_eq!(json["competitors"][3]["win_rate"], serde_json::Value::Null);
    assert_eq!(
        json["closed"],
        serde_json::json!({"from": null, "to": null})
    );
    let back: CompetitorReport = serde_json::from_value(json).unwrap();
    assert_eq!(back, r);

    let text = r.to_string();
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].starts_with("competitor report (everything known), 6 deals"),
        "{text}"
    );
    assert!(
        lines[1].starts_with("competitor") && lines[1].contains("win rate"),
        "{text}"
    );
    assert!(lines[2].starts_with("Globex"), "{text}");
    assert!(
        lines[2].contains("50.0%") && lines[2].contains("300.00 CNY + 80.00 USD"),
        "{text}"
    );
    assert!(
        lines[5].starts_with("globex") && lines[5].contains('—'),
        "{text}"
    );
    assert!(
        text.contains("lost to Globex at: demo 1 (500.00 CNY)"),
        "{text}"
    );
    assert!(
        text.contains("lost to Hooli at: qualify 1 (200.00 USD)"),
        "{text}"
    );
}

// ----- the column path --------------------------------------------------------------------

#[test]
fn rows_give_the_same_report_as_the_engine() {
    let at = t(T1);
    let rows = vec![
        CompetitorRow::new("o1", "Globex", cny(100_000), Out::Won).closed_at(at),
        CompetitorRow::new("o2", "Globex", cny(50_000), Out::LostTo)
            .closed_at(at)
            .lost_from("demo"),
        CompetitorRow::new("o2", "Initech", cny(50_000), Out::LostOther)
            .closed_at(at)
            .lost_from("demo"),
        CompetitorRow::new("o3", "Globex", usd(8_000), Out::Open),
        CompetitorRow::new("o4", "Initech", usd(1), Out::LostOther).closed_at(at),
    ];
    let r = competitor_report(&rows, &CompetitorParams::default()).unwrap();
    assert_eq!(r.deals, 4);
    let g = r.get("Globex").unwrap();
    assert_eq!((g.met, g.open, g.won, g.lost_to), (3, 1, 1, 1));
    let i = r.get("Initech").unwrap();
    // Lost twice to others: a win rate of 0, and no head-to-head deal at all.
    assert_eq!(
        (i.lost_other, i.win_rate, i.head_to_head_win_rate),
        (2, Some(0.0), None)
    );
    assert_eq!(i.lost_other_amount, map(&[("CNY", 50_000), ("USD", 1)]));

    let empty = competitor_report(&[], &CompetitorParams::default()).unwrap();
    assert_eq!(empty, CompetitorReport::default());
}

#[test]
fn bad_rows_are_refused_naming_the_row_and_field() {
    let at = t(T1);
    let ok = || CompetitorRow::new("o1", "Globex", cny(100), Out::Open);
    let lost = || {
        CompetitorRow::new("o1", "Globex", cny(100), Out::LostTo)
            .closed_at(at)
            .lost_from("demo")
    };
    let cases: Vec<(Vec<CompetitorRow>, CompetitorParams, &str)> = vec![
        (
            vec![CompetitorRow::new("o1", "Globex", cny(-1), Out::Open)],
            CompetitorParams::default(),
            "rows[0].amount",
        ),
        (
            vec![ok(), CompetitorRow::new("o2", " ", cny(1), Out::Open)],
            CompetitorParams::default(),
            "rows[1].competitor",
        ),
        (
            vec![CompetitorRow::new("", "Globex", cny(1), Out::Open)],
            CompetitorParams::default(),
            "rows[0].opportunity",
        ),
        (
            vec![CompetitorRow::new("o1", "Globex", cny(1), Out::Won)],
            CompetitorParams::default(),
            "rows[0].closed_at",
        ),
        (
            vec![ok().closed_at(at)],
            CompetitorParams::default(),
            "rows[0].closed_at",
        ),
        (
            vec![lost()],
            CompetitorParams::default().as_of(at.plus_millis(-1)),
            "rows[0].closed_at",
        ),
        (
            vec![ok().lost_from("demo")],
            CompetitorParams::default(),
            "rows[0].lost_from",
        ),
        (
            vec![CompetitorRow::new("o1", "Globex", cny(1), Out::LostTo).closed_at(at)],
            CompetitorParams::default(),
            "rows[0].lost_from",
        ),
        (
            vec![ok(), ok()],
            CompetitorParams::default(),
            "rows[1].competitor",
        ),
        (
            vec![
                ok(),
                CompetitorRow::new("o1", "Initech", cny(101), Out::Open),
            ],
            CompetitorParams::default(),
            "rows[1].amount",
        ),
        (
            vec![
                lost(),
                CompetitorRow::new("o1", "Initech", cny(100), Out::Open),
            ],
            CompetitorParams::default(),
            "rows[1].outcome",
        ),
        (
            vec![
                lost(),
                CompetitorRow::new("o1", "Initech", cny(100), Out::LostOther)
                    .closed_at(at.plus_millis(1)),
            ],
            CompetitorParams::default(),
            "rows[1].closed_at",
        ),
        (
            vec![
                lost(),
                CompetitorRow::new("o1", "Initech", cny(100), Out::LostOther)
                    .closed_at(at)
                    .lost_from("quote"),
            ],
            CompetitorParams::default(),
            "rows[1].lost_from",
        ),
        (
            vec![
                lost(),
                CompetitorRow {
                    competitor: "Initech".into(),
                    ..lost()
                },
            ],
            CompetitorParams::default(),
            "rows[1].outcome",
        ),
    ];
    for (rows, params, field) in cases {
        let err = competitor_report(&rows, &params).unwrap_err();
        assert_eq!(err.code(), ErrorCode::Validation, "{field}: {err}");
        assert!(err.to_string().contains(field), "expected {field}: {err}");
    }
    // Overflow is a money error, not a wrong sum.
    let big = |id: &str| CompetitorRow::new(id, "Globex", cny(i64::MAX), Out::Open);
    let err = competitor_report(&[big("a"), big("b")], &CompetitorParams::default()).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Money);
}

// ----- invariants ---------------------------------------------------------------------------

/// One generated deal: amount, currency, which of the names are on it, and how it ends
/// (0 open, 1 won, 2 lost to no one named, 3 lost to a listed name, 4 lost to an outsider,
/// 5 lost to a listed name then reopened).
#[derive(Debug, Clone)]
struct Deal {
    amount: i64,
    usd: bool,
    on: Vec<bool>,
    end: u8,
    advance: bool,
}

const NAMES: [&str; 3] = ["Globex", "Initech", "Hooli"];

fn deals() -> impl Strategy<Value = Vec<Deal>> {
    prop::collection::vec(
        (
            0i64..1_000_000,
            any::<bool>(),
            prop::collection::vec(any::<bool>(), 3),
            0u8..6,
            any::<bool>(),
        )
            .prop_map(|(amount, usd, on, end, advance)| Deal {
                amount,
                usd,
                on,
                end,
                advance,
            }),
        0..12,
    )
}

type Step = Box<dyn Fn(&mut Engine) -> Result<()>>;

fn script(i: usize, d: &Deal) -> Vec<Step> {
    let id = format!("o{i}");
    let listed: Vec<&str> = NAMES
        .iter()
        .zip(&d.on)
        .filter(|(_, on)| **on)
        .map(|(n, _)| *n)
        .collect();
    let amount = if d.usd { usd(d.amount) } else { cny(d.amount) };
    let mut n = NewOpportunity::new(id.as_str(), "sales", "acme", "wang", id.as_str(), amount);
    n.competitors = listed.iter().map(|n| c(n)).collect();
    let mut steps: Vec<Step> = vec![Box::new(move |e: &mut Engine| {
        e.create_opportunity("wang", n.clone())
    })];
    if d.advance {
        let id = id.clone();
        steps.push(Box::new(move |e: &mut Engine| {
            e.advance("wang", id.as_str(), "demo")
        }));
    }
    let winner = listed.first().map(|s| (*s).to_owned());
    let lose = |who: Option<String>| -> Step {
        let id = id.clone();
        Box::new(move |e: &mut Engine| e.lose("wang", id.as_str(), "price", who.clone()))
    };
    match d.end {
        1 => {
            let id = id.clone();
            steps.push(Box::new(move |e: &mut Engine| e.win("wang", id.as_str())));
        }
        2 => steps.push(lose(None)),
        3 => steps.push(lose(winner)),
        4 => steps.push(lose(Some("Outsider".into()))),
        5 => {
            steps.push(lose(winner));
            let id = id.clone();
            steps.push(Box::new(move |e: &mut Engine| {
                e.reopen("wang", id.as_str(), None, "back")
            }));
        }
        _ => {}
    }
    steps
}

/// Runs the scripts, taking the next step of script `order[k] % remaining` at step k (each
/// script keeps its own order), then the rest in turn.
fn run(deals: &[Deal], order: &[usize]) -> CompetitorReport {
    let clock = ManualClock::new(t(T1));
    let mut e = engine(&clock);
    let mut scripts: Vec<std::collections::VecDeque<Step>> = deals
        .iter()
        .enumerate()
        .map(|(i, d)| script(i, d).into())
        .collect();
    let mut k = 0;
    loop {
        let live: Vec<usize> = (0..scripts.len())
            .filter(|i| !scripts[*i].is_empty())
            .collect();
        if live.is_empty() {
            break;
        }
        let pick = live[order.get(k).copied().unwrap_or(0) % live.len()];
        k += 1;
        if let Some(step) = scripts[pick].pop_front() {
            step(&mut e).unwrap();
        }
    }
    e.view().competitor_report(Window::all()).unwrap()
}

fn row_strategy() -> impl Strategy<Value = Vec<CompetitorRow>> {
    deals().prop_map(|deals| {
        let mut rows = Vec::new();
        for (i, d) in deals.iter().enumerate() {
            let amount = if d.usd { usd(d.amount) } else { cny(d.amount) };
            let at = Timestamp::from_millis(1_772_323_200_000 + i64::from(d.end) * 86_400_000);
            for (j, name) in NAMES.iter().enumerate() {
                if !d.on[j] {
                    continue;
                }
                let first = d.on.iter().position(|b| *b) == Some(j);
                let row = CompetitorRow::new(format!("o{i}"), *name, amount, Out::Open);
                rows.push(match d.end {
                    0 | 5 => row,
                    1 => CompetitorRow {
                        outcome: Out::Won,
                        ..row
                    }
                    .closed_at(at),
                    3 if first => CompetitorRow {
                        outcome: Out::LostTo,
                        ..row
                    }
                    .closed_at(at)
                    .lost_from("demo"),
                    _ => CompetitorRow {
                        outcome: Out::LostOther,
                        ..row
                    }
                    .closed_at(at)
                    .lost_from("demo"),
                });
            }
        }
        rows
    })
}

proptest! {
    #[test]
    fn the_order_of_independent_opportunities_events_does_not_matter(
        deals in deals(),
        order in prop::collection::vec(any::<usize>(), 0..60),
    ) {
        let sequential = run(&deals, &[]);
        let interleaved = run(&deals, &order);
        prop_assert_eq!(&interleaved, &sequential);
        let mut reversed = deals;
        reversed.reverse();
        // Ids follow positions, so reversing renames the deals; the report holds no ids.
        prop_assert_eq!(&run(&reversed, &order), &sequential);
        for f in &sequential.competitors {
            prop_assert_eq!(f.met, f.open + f.won + f.lost_to + f.lost_other);
            prop_assert_eq!(f.lost_at_stage.values().map(|s| s.lost).sum::<u64>(), f.lost_to);
            prop_assert_eq!(f.win_rate.is_none(), f.won + f.lost_to + f.lost_other == 0);
        }
    }

    #[test]
    fn the_order_of_rows_does_not_matter(rows in row_strategy(), seed in any::<u64>()) {
        let params = CompetitorParams::default();
        let r = competitor_report(&rows, &params).unwrap();
        let mut shuffled = rows.clone();
        // A deterministic shuffle from the seed.
        let mut s = seed;
        for i in (1..shuffled.len()).rev() {
            s = s.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            let j = usize::try_from(s >> 33).unwrap() % (i + 1);
            shuffled.swap(i, j);
        }
        prop_assert_eq!(&competitor_report(&shuffled, &params).unwrap(), &r);
        let met: u64 = r.competitors.iter().map(|c| c.met).sum();
        prop_assert_eq!(met, rows.len() as u64);
    }
}
