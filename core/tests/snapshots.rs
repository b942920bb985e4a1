//! Forecast snapshots and accuracy: hand-computed figures through the engine (Shanghai period
//! edges, frozen figures, pushes, a reopen after the period) and the column path, bad input,
//! and the invariant that the order of independent rows does not matter.
#![allow(clippy::unwrap_used)]

mod common;
use common::*;

use proptest::prelude::*;
use salespipe::analytics::ForecastMethod;
use salespipe::management::snapshot::*;
use salespipe::management::target::*;
use salespipe::*;

fn cny_code() -> Option<Currency> {
    Some(Currency::new("CNY").unwrap())
}

fn opp(e: &mut Engine, id: &str, owner: &str, amount: Money, close: &str, stage: &str) {
    let mut n = NewOpportunity::new(id, "sales", "acme", owner, id, amount);
    n.expected_close = Some(close.parse().unwrap());
    e.create_opportunity(owner, n).unwrap();
    if stage != "qualify" {
        e.advance(owner, id, stage).unwrap();
    }
}

fn close(e: &mut Engine, id: &str, owner: &str, date: &str) {
    let patch = OpportunityPatch {
        expected_close: Some(Some(date.parse().unwrap())),
        ..OpportunityPatch::default()
    };
    e.update_opportunity(owner, id, patch).unwrap();
}

fn cmp<'a>(r: &'a ForecastAccuracy, snapshot: &str, rep: &str) -> &'a Comparison {
    r.comparisons
        .iter()
        .find(|c| c.snapshot.as_str() == snapshot && c.rep.as_str() == rep)
        .unwrap()
}

/// The story of the engine tests (Asia/Shanghai, so Q1 ends at 2026-03-31T16:00Z and April
/// at 2026-04-30T16:00Z):
/// - 20 Jan: wang wins w-won 1,000.00; opens w-commit 2,000.00 (contract 0.9, commit, close
///   20 Mar), w-best 1,000.00 (quote 0.5, best case, close 25 Mar); qian opens q-pipe
///   4,000.00 (qualify 0.1, close 10 Mar) and q-usd $500.00.
/// - 1 Feb: li takes s1 of Q1.
/// - 5 Mar: w-commit becomes 2,500.00; q-pipe pushed to 31 Mar, then pulled in to 5 Mar.
/// - 10 Mar: w-commit won. 20 Mar: w-best pushed to 10 Apr.
/// - 31 Mar 16:30Z (00:30 on 1 April in Shanghai): qian wins q-pipe.
/// - 2 Apr: wang opens w-apr 1,000.00 (contract, close 15 Apr); li takes s2 of April.
/// - 5 Apr, 25 Apr: w-best pushed to 20 Apr, then 1 May (three pushes). 10 Apr: w-apr won.
/// - 3 May: w-apr reopened. Now: 4 May.
fn story() -> (ManualClock, Engine) {
    let clock = ManualClock::new(t("2026-01-20T02:00:00Z"));
    let mut e = mgmt_engine(&clock);
    opp(
        &mut e,
        "w-won",
        "wang",
        cny(100_000),
        "2026-01-20",
        "qualify",
    );
    e.win("wang", "w-won").unwrap();
    opp(
        &mut e,
        "w-commit",
        "wang",
        cny(200_000),
        "2026-03-20",
        "contract",
    );
    opp(
        &mut e,
        "w-best",
        "wang",
        cny(100_000),
        "2026-03-25",
        "quote",
    );
    opp(
        &mut e,
        "q-pipe",
        "qian",
        cny(400_000),
        "2026-03-10",
        "qualify",
    );
    opp(
        &mut e,
        "q-usd",
        "qian",
        usd(50_000),
        "2026-03-15",
        "qualify",
    );
    clock.set(t("2026-02-01T00:00:00Z"));
    e.execute(
        "li",
        Command::TakeForecastSnapshot {
            id: "s1".into(),
            period: Period::quarter(2026, 1).unwrap(),
            currency: cny_code(),
        },
    )
    .unwrap();
    clock.set(t("2026-03-05T02:00:00Z"));
    let patch = OpportunityPatch {
        amount: Some(cny(250_000)),
        ..OpportunityPatch::default()
    };
    e.update_opportunity("wang", "w-commit", patch).unwrap();
    close(&mut e, "q-pipe", "qian", "2026-03-31");
    close(&mut e, "q-pipe", "qian", "2026-03-05");
    clock.set(t("2026-03-10T02:00:00Z"));
    e.win("wang", "w-commit").unwrap();
    clock.set(t("2026-03-20T02:00:00Z"));
    close(&mut e, "w-best", "wang", "2026-04-10");
    clock.set(t("2026-03-31T16:30:00Z"));
    e.win("qian", "q-pipe").unwrap();
    clock.set(t("2026-04-02T02:00:00Z"));
    opp(
        &mut e,
        "w-apr",
        "wang",
        cny(100_000),
        "2026-04-15",
        "contract",
    );
    e.execute(
        "li",
        Command::TakeForecastSnapshot {
            id: "s2".into(),
            period: Period::month(2026, 4).unwrap(),
            currency: cny_code(),
        },
    )
    .unwrap();
    clock.set(t("2026-04-05T02:00:00Z"));
    close(&mut e, "w-best", "wang", "2026-04-20");
    clock.set(t("2026-04-10T02:00:00Z"));
    e.win("wang", "w-apr").unwrap();
    clock.set(t("2026-04-25T02:00:00Z"));
    close(&mut e, "w-best", "wang", "2026-05-01");
    clock.set(t("2026-05-03T02:00:00Z"));
    e.reopen("wang", "w-apr", None, "contract cancelled")
        .unwrap();
    clock.set(t("2026-05-04T02:00:00Z"));
    (clock, e)
}

#[test]
fn a_snapshot_freezes_attainment_figures_and_the_distribution_per_rep() {
    let (_clock, e) = story();
    let s1 = e.view().forecast_snapshot(&"s1".into()).unwrap().clone();
    assert_eq!(s1.taken_at, t("2026-02-01T00:00:00Z"));
    assert_eq!(s1.time_zone, "Asia/Shanghai");
    let reps: Vec<&str> = s1.reps.iter().map(|r| r.rep.as_str()).collect();
    assert_eq!(reps, ["li", "qian", "wang"]);
    let w = s1.rep(&"wang".into()).unwrap();
    assert_eq!(w.closed_won, cny(100_000));
    assert_eq!(w.open_pipeline, cny(300_000));
    assert_eq!(w.open_deals, 2);
    // 2,000.00 × 0.9 + 1,000.00 × 0.5
    assert_eq!(w.weighted_pipeline, 230_000.0);
    // frozen: w-commit was raised to 2,500.00 after the snapshot
    assert_eq!(w.commit, cny(200_000));
    assert_eq!(w.best_case, cny(100_000));
    // totals 0, 1,000, 2,000, 3,000 with probabilities .05, .05, .45, .45
    assert_eq!((w.p10, w.p50, w.p90), (100_000, 200_000, 300_000));
    assert_eq!(w.method, "exact");
    let f = w.figures();
    assert_eq!(
        (f.weighted, f.commit, f.best_case, f.p50),
        (330_000.0, 300_000.0, 400_000.0, 300_000.0)
    );
    let q = s1.rep(&"qian".into()).unwrap();
    assert_eq!(q.weighted_pipeline, 40_000.0);
    // 0 with probability .9: even the P90 is 0
    assert_eq!((q.p10, q.p50, q.p90), (0, 0, 0));
    // the dollar deal is kept apart, not forecast
    assert_eq!(q.other_currencies["USD"].open_pipeline, 50_000);
    // the same figures as the attainment of Q1 as of the snapshot's instant
    let a = e
        .view()
        .attainment(
            &AttainmentQuery::new(Period::quarter(2026, 1).unwrap())
                .as_of(s1.taken_at)
                .currency(s1.currency),
        )
        .unwrap();
    let row = a.row(&Scope::Rep("wang".into())).unwrap();
    assert_eq!(row.weighted_pipeline, w.weighted_pipeline);
    assert_eq!(row.commit, w.commit);

    // April: qian's deal won at 00:30 on 1 April, Shanghai time, is April's
    let s2 = e.view().forecast_snapshot(&"s2".into()).unwrap().clone();
    assert_eq!(s2.rep(&"qian".into()).unwrap().closed_won, cny(400_000));
    let w2 = s2.rep(&"wang".into()).unwrap();
    assert_eq!(w2.weighted_pipeline, 140_000.0);
    assert_eq!((w2.p10, w2.p50, w2.p90), (100_000, 100_000, 200_000));
    let text = s1.to_string();
    assert!(
        text.contains("2026-Q1") && text.contains("3300.00"),
        "{text}"
    );
}

#[test]
fn accuracy_starts_at_the_local_end_of_the_period() {
    let (_clock, e) = story();
    let before = e
        .at(t("2026-03-31T15:59:59.999Z"))
        .and_then(|v| v.forecast_accuracy())
        .unwrap();
    assert!(before.comparisons.is_empty());
    assert_eq!(before.pending, vec![SnapshotId::new("s1")]);
    assert!(before.reps.is_empty());

    let at = e
        .at(t("2026-03-31T16:00:00Z"))
        .and_then(|v| v.forecast_accuracy())
        .unwrap();
    assert!(at.pending.is_empty()); // s2 is not taken yet as of then
    let w = cmp(&at, "s1", "wang");
    assert_eq!(w.actual, cny(350_000)); // 1,000.00 + 2,500.00
    assert_eq!(w.error.weighted, -20_000.0);
    assert_eq!(w.error.commit, -50_000.0);
    assert_eq!(w.error.best_case, 50_000.0);
    assert_eq!(w.error.p50, -50_000.0);
    let ape = w.absolute_percentage_error.unwrap();
    assert!((ape.weighted - 20_000.0 / 350_000.0).abs() < 1e-12);
    // li and qian won nothing in Q1 (qian's deal closed on 1 April local): no ratio
    let q = cmp(&at, "s1", "qian");
    assert_eq!(q.actual, cny(0));
    assert_eq!(q.error.weighted, 40_000.0);
    assert_eq!(q.absolute_percentage_error, None);
    let qa = at.rep(&"qian".into(), cny(0).currency()).unwrap();
    assert_eq!(qa.weighted.mape, None);
    assert_eq!(qa.weighted.mape_snapshots, 0);
    assert_eq!(qa.weighted.bias, Some(40_000.0));
}

#[test]
fn accuracy_across_periods_and_a_deal_reopened_after_its_period() {
    let (_clock, e) = story();
    let c = cny(0).currency();
    // 2 May: April ended, w-apr still won
    let may2 = e
        .at(t("2026-05-02T00:00:00Z"))
        .and_then(|v| v.forecast_accuracy())
        .unwrap();
    let w2 = cmp(&may2, "s2", "wang");
    assert_eq!(w2.actual, cny(100_000));
    assert_eq!(w2.error.weighted, 40_000.0);
    assert_eq!(w2.error.commit, 0.0);
    assert_eq!(w2.error.best_case, 100_000.0);
    let wa = may2.rep(&"wang".into(), c).unwrap();
    assert_eq!(wa.snapshots, 2);
    assert_eq!(
        wa.periods,
        vec![
            Period::quarter(2026, 1).unwrap(),
            Period::month(2026, 4).unwrap()
        ]
    );
    assert_eq!(wa.weighted.bias, Some(10_000.0)); // (−20,000 + 40,000) ÷ 2
    assert_eq!(wa.weighted.mean_absolute_error, Some(30_000.0));
    let mape = (20_000.0 / 350_000.0 + 0.4) / 2.0;
    assert!((wa.weighted.mape.unwrap() - mape).abs() < 1e-12);
    assert_eq!(wa.weighted.mape_snapshots, 2);
    assert_eq!(wa.commit.bias, Some(-25_000.0));
    // qian: April's 4,000.00 forecast exactly (already won at the snapshot)
    let qa = may2.rep(&"qian".into(), c).unwrap();
    assert_eq!(qa.weighted.mape, Some(0.0));
    assert_eq!(qa.weighted.mape_snapshots, 1);
    assert_eq!(qa.weighted.bias, Some(20_000.0)); // (40,000 + 0) ÷ 2

    // now, after the reopen on 3 May: w-apr was not won in April after all
    let now = e.view().forecast_accuracy().unwrap();
    let w2 = cmp(&now, "s2", "wang");
    assert_eq!(w2.actual, cny(0));
    assert_eq!(w2.error.weighted, 140_000.0);
    assert_eq!(w2.absolute_percentage_error, None);
    let wa = now.rep(&"wang".into(), c).unwrap();
    assert_eq!(wa.weighted.bias, Some(60_000.0));
    assert_eq!(wa.weighted.mape_snapshots, 1);
    assert!((wa.weighted.mape.unwrap() - 20_000.0 / 350_000.0).abs() < 1e-12);
}

#[test]
fn pushed_deals_are_counted_and_flagged_at_three() {
    let (_clock, e) = story();
    let r = e.view().forecast_accuracy().unwrap();
    let got: Vec<(&str, u32, bool)> = r
        .pushed
        .iter()
        .map(|p| (p.opportunity.as_str(), p.pushes, p.flagged))
        .collect();
    // q-pipe: pushed once, then pulled in (not a push)
    assert_eq!(got, [("w-best", 3, true), ("q-pipe", 1, false)]);
    assert_eq!(r.flag_at, 3);
    // as of before the third push
    let r = e
        .at(t("2026-04-20T00:00:00Z"))
        .and_then(|v| v.forecast_accuracy())
        .unwrap();
    assert_eq!((r.pushed[0].pushes, r.pushed[0].flagged), (2, false));
    let text = e.view().forecast_accuracy().unwrap().to_string();
    assert!(text.contains("! w-best"), "{text}");
    assert!(text.contains("wang"), "{text}");
}

#[test]
fn bad_snapshot_commands_are_refused_naming_the_field_and_nothing_changes() {
    let (clock, mut e) = story();
    let before = e.store().head().unwrap();
    let q1 = Period::quarter(2026, 1).unwrap();
    let may = Period::month(2026, 5).unwrap();
    let err = e
        .execute(
            "li",
            Command::TakeForecastSnapshot {
                id: "s1".into(),
                period: may,
                currency: cny_code(),
            },
        )
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::AlreadyExists);
    let err = e
        .execute(
            "li",
            Command::TakeForecastSnapshot {
                id: "s9".into(),
                period: q1,
                currency: cny_code(),
            },
        )
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Validation);
    assert!(err.to_string().contains("period"), "{err}");
    let err = e
        .execute(
            "wang",
            Command::TakeForecastSnapshot {
                id: "s9".into(),
                period: may,
                currency: cny_code(),
            },
        )
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::PermissionDenied);
    // no targets for May: the currency must be named
    let err = e
        .execute(
            "li",
            Command::TakeForecastSnapshot {
                id: "s9".into(),
                period: may,
                currency: None,
            },
        )
        .unwrap_err();
    assert!(err.to_string().contains("currency"), "{err}");
    let err = e
        .execute(
            "li",
            Command::TakeForecastSnapshot {
                id: " ".into(),
                period: may,
                currency: cny_code(),
            },
        )
        .unwrap_err();
    assert!(err.to_string().contains("id"), "{err}");
    // an unknown period form, through the command's JSON
    let bad: Result<Command, _> =
        serde_json::from_str(r#"{"type":"take_forecast_snapshot","id":"s9","period":"2026-Q5"}"#);
    assert!(bad.unwrap_err().to_string().contains("period"));
    assert_eq!(e.store().head().unwrap(), before);
    assert_eq!(e.view().forecast_snapshots().len(), 2);
    // a period ends at local midnight: 30 April 16:00Z is already May in Shanghai
    clock.set(t("2026-05-31T15:59:59Z"));
    e.execute(
        "li",
        Command::TakeForecastSnapshot {
            id: "s-may".into(),
            period: may,
            currency: cny_code(),
        },
    )
    .unwrap();
    clock.set(t("2026-05-31T16:00:00Z"));
    let june = Period::month(2026, 5).unwrap();
    assert!(e
        .execute(
            "li",
            Command::TakeForecastSnapshot {
                id: "s-late".into(),
                period: june,
                currency: cny_code()
            }
        )
        .is_err());
}

#[test]
fn snapshots_replay_from_the_store_and_survive_as_json() {
    let (_clock, e) = story();
    let mut replayed = State::default();
    for rec in e.view().events(0, usize::MAX).unwrap() {
        replayed.apply(&rec);
    }
    let s1 = e.view().forecast_snapshot(&"s1".into()).unwrap().clone();
    let json = serde_json::to_string(&s1).unwrap();
    let back: ForecastSnapshot = serde_json::from_str(&json).unwrap();
    assert_eq!(back, s1);
    let r = e.view().forecast_accuracy().unwrap();
    let back: ForecastAccuracy = serde_json::from_str(&serde_json::to_string(&r).unwrap()).unwrap();
    assert_eq!(back, r);
    assert_eq!(
        serde_json::to_value(&r).unwrap()["reps"][0]["weighted"]["mape"],
        serde_json::Value::Null
    );
}

// ----- plain columns ---------------------------------------------------------------------

fn users() -> Vec<User> {
    vec![
        User::new("wang", "王芳", Role::Rep),
        User::new("zhao", "赵强", Role::Rep),
    ]
}

fn q1() -> Period {
    Period::quarter(2026, 1).unwrap()
}

fn snap(id: &str, deals: &[DealRow], currency: &str) -> ForecastSnapshot {
    let users = users();
    forecast_snapshot(
        id,
        &AttainmentInput {
            users: &users,
            targets: &[],
            deals,
        },
        &AttainmentQuery::new(q1())
            .as_of(t("2026-02-01T00:00:00Z"))
            .currency(Currency::new(currency).unwrap()),
        ForecastMethod::default(),
    )
    .unwrap()
}

#[test]
fn columns_keep_currencies_apart() {
    let deals = vec![
        DealRow::open("wang", cny(100_000), "2026-03-01".parse().unwrap(), 0.5),
        DealRow::open("wang", usd(10_000), "2026-03-01".parse().unwrap(), 0.5),
    ];
    let snaps = vec![snap("c", &deals, "CNY"), snap("u", &deals, "USD")];
    assert_eq!(
        snaps[1].rep(&"wang".into()).unwrap().weighted_pipeline,
        5_000.0
    );
    let actuals = vec![
        ActualRow::new(q1(), "wang", cny(40_000)),
        ActualRow::new(q1(), "zhao", cny(0)),
    ];
    // USD snapshots need USD actuals: a CNY actual is refused, never converted
    let err = forecast_accuracy(
        &AccuracyInput {
            snapshots: &snaps,
            actuals: &actuals,
            pushes: &[],
        },
        t("2026-04-01T00:00:00Z"),
    )
    .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Money);
    // per (period, time zone, rep) the actual is one amount; a second snapshot currency is
    // compared per currency when the host supplies it in the right currency
    let r = forecast_accuracy(
        &AccuracyInput {
            snapshots: &snaps[..1],
            actuals: &actuals,
            pushes: &[],
        },
        t("2026-04-01T00:00:00Z"),
    )
    .unwrap();
    let w = r.rep(&"wang".into(), cny(0).currency()).unwrap();
    assert_eq!(w.weighted.bias, Some(10_000.0));
    assert_eq!(w.weighted.mape, Some(0.25));
    let usd_only = vec![
        ActualRow::new(q1(), "wang", usd(5_000)),
        ActualRow::new(q1(), "zhao", usd(0)),
    ];
    let r = forecast_accuracy(
        &AccuracyInput {
            snapshots: &snaps[1..],
            actuals: &usd_only,
            pushes: &[],
        },
        t("2026-04-01T00:00:00Z"),
    )
    .unwrap();
    assert_eq!(r.reps[0].currency, Currency::new("USD").unwrap());
    assert_eq!(r.reps[0].weighted.mape, Some(0.0));
}

/// Amounts print with the currency's decimal places: none for JPY, three for KWD, two for CNY
/// (snapshots used to divide every amount by 100).
#[test]
fn snapshot_and_accuracy_text_use_the_currency_exponent() {
    for (code, won, weighted, p90, bias) in [
        ("CNY", "1234.56", "1284.56", "1334.56", "284.56"),
        ("JPY", "123456", "128456", "133456", "28456"),
        ("KWD", "123.456", "128.456", "133.456", "28.456"),
    ] {
        let c = Currency::new(code).unwrap();
        let deals = vec![
            DealRow::won(
                "wang",
                Money::from_minor(123_456, c),
                t("2026-01-10T00:00:00Z"),
            ),
            DealRow::open(
                "wang",
                Money::from_minor(10_000, c),
                "2026-03-01".parse().unwrap(),
                0.5,
            ),
        ];
        let s = snap("s", &deals, code);
        let text = s.to_string();
        let line = text.lines().find(|l| l.starts_with("wang")).unwrap();
        let cells: Vec<&str> = line.split_whitespace().collect();
        // rep, name, won, weighted, commit, best case, P50, P90
        assert_eq!(
            cells[2..],
            [won, weighted, won, won, won, p90],
            "{code}: {text}"
        );
        let actuals = vec![
            ActualRow::new(q1(), "wang", Money::from_minor(100_000, c)),
            ActualRow::new(q1(), "zhao", Money::from_minor(0, c)),
        ];
        let r = forecast_accuracy(
            &AccuracyInput {
                snapshots: std::slice::from_ref(&s),
                actuals: &actuals,
                pushes: &[],
            },
            t("2026-04-01T00:00:00Z"),
        )
        .unwrap();
        let text = r.to_string();
        let line = text.lines().find(|l| l.starts_with("wang")).unwrap();
        let cells: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(cells[1], code, "{text}");
        assert_eq!(cells[3], bias, "{code}: {text}");
    }
}

#[test]
fn an_empty_input_has_no_rows_and_no_ratios() {
    let r = forecast_accuracy(
        &AccuracyInput {
            snapshots: &[],
            actuals: &[],
            pushes: &[],
        },
        t("2026-04-01T00:00:00Z"),
    )
    .unwrap();
    assert!(r.comparisons.is_empty() && r.reps.is_empty() && r.pushed.is_empty());
    // a snapshot with nothing won or open: figures 0, actual 0, MAPE absent
    let s = snap("s", &[], "CNY");
    let actuals = vec![
        ActualRow::new(q1(), "wang", cny(0)),
        ActualRow::new(q1(), "zhao", cny(0)),
    ];
    let r = forecast_accuracy(
        &AccuracyInput {
            snapshots: &[s],
            actuals: &actuals,
            pushes: &[],
        },
        t("2026-04-01T00:00:00Z"),
    )
    .unwrap();
    assert_eq!(r.reps.len(), 2);
    assert!(r
        .reps
        .iter()
        .all(|x| x.p50.mape.is_none() && x.p50.bias == Some(0.0)));
}

#[test]
fn bad_rows_are_refused_naming_the_field() {
    let s = snap("s", &[], "CNY");
    let ok = vec![
        ActualRow::new(q1(), "wang", cny(0)),
        ActualRow::new(q1(), "zhao", cny(0)),
    ];
    let run = |snaps: &[ForecastSnapshot], actuals: &[ActualRow], pushes: &[PushRow]| {
        forecast_accuracy(
            &AccuracyInput {
                snapshots: snaps,
                actuals,
                pushes,
            },
            t("2026-04-01T00:00:00Z"),
        )
        .unwrap_err()
        .to_string()
    };
    let e = run(&[s.clone(), s.clone()], &ok, &[]);
    assert!(e.contains("snapshots[1].id"), "{e}");
    let mut twice = s.clone();
    twice.reps.push(twice.reps[0].clone());
    assert!(run(&[twice], &ok, &[]).contains("snapshots[0].reps[2].rep"));
    let mut tz = s.clone();
    tz.time_zone = "Mars/Olympus".into();
    assert!(run(&[tz], &ok, &[]).contains("snapshots[0].time_zone"));
    let e = run(std::slice::from_ref(&s), &ok[..1], &[]);
    assert!(e.contains("actuals") && e.contains("zhao"), "{e}");
    let neg = vec![ok[0].clone(), ActualRow::new(q1(), "zhao", cny(-1))];
    assert!(run(std::slice::from_ref(&s), &neg, &[]).contains("actuals[1].won"));
    let dup = vec![ok[0].clone(), ok[0].clone()];
    assert!(run(std::slice::from_ref(&s), &dup, &[]).contains("actuals[1]"));
    let pushes = vec![PushRow::new("o", "wang", 1), PushRow::new("o", "wang", 2)];
    assert!(run(&[], &[], &pushes).contains("pushes[1].opportunity"));
    // a snapshot needs its instant and an id
    let users = users();
    let input = AttainmentInput {
        users: &users,
        targets: &[],
        deals: &[],
    };
    let q = AttainmentQuery::new(q1()).currency(Currency::new("CNY").unwrap());
    let e = forecast_snapshot("s", &input, &q, ForecastMethod::default()).unwrap_err();
    assert!(e.to_string().contains("as_of"), "{e}");
    let q = q.as_of(t("2026-02-01T00:00:00Z"));
    let e = forecast_snapshot("", &input, &q, ForecastMethod::default()).unwrap_err();
    assert!(e.to_string().contains("id"), "{e}");
}

fn shuffle<T>(v: &mut [T], mut s: u64) {
    for i in (1..v.len()).rev() {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        v.swap(i, (s >> 33) as usize % (i + 1));
    }
}

proptest! {
    #[test]
    fn the_order_of_independent_rows_does_not_change_snapshots_or_accuracy(
        raw in prop::collection::vec((0usize..2, 1i64..100_000, 0u8..4, 0u32..80, 0u8..11), 0..12),
        won in prop::collection::vec((0usize..2, 0i64..200_000), 2),
        pushes in prop::collection::vec(0u32..5, 0..8),
        seed in any::<u64>(),
    ) {
        let base: chrono::NaiveDate = "2026-01-01".parse().unwrap();
        let who = ["wang", "zhao"];
        let cats = [ForecastCategory::Pipeline, ForecastCategory::BestCase,
            ForecastCategory::Commit, ForecastCategory::Omitted];
        let deals: Vec<DealRow> = raw.iter().map(|&(w, a, c, day, p)| {
            let date = base + chrono::Days::new(u64::from(day));
            DealRow::open(who[w], cny(a), date, f64::from(p) / 10.0).category(cats[usize::from(c)])
        }).collect();
        let mut shuffled = deals.clone();
        shuffle(&mut shuffled, seed);
        let a = snap("s", &deals, "CNY");
        let b = snap("s", &shuffled, "CNY");
        prop_assert_eq!(&a, &b);
        let other = snap("t", &deals[..deals.len() / 2], "CNY");

        let actuals: Vec<ActualRow> = (0..2)
            .map(|i| ActualRow::new(q1(), who[i], cny(won[i].1)))
            .collect();
        let push_rows: Vec<PushRow> = pushes.iter().enumerate()
            .map(|(i, &n)| PushRow::new(format!("o{i}"), who[i % 2], n))
            .collect();
        let snaps = vec![a, other];
        let at = t("2026-04-01T00:00:00Z");
        let r1 = forecast_accuracy(
            &AccuracyInput { snapshots: &snaps, actuals: &actuals, pushes: &push_rows }, at,
        ).unwrap();
        let (mut s2, mut a2, mut p2) = (snaps, actuals, push_rows);
        s2.reverse();
        a2.reverse();
        shuffle(&mut p2, seed ^ 1);
        let r2 = forecast_accuracy(
            &AccuracyInput { snapshots: &s2, actuals: &a2, pushes: &p2 }, at,
        ).unwrap();
        prop_assert_eq!(r1, r2);
    }
}

// ----- interleaving independent opportunities' events through the engine ------------------

/// A deal: owner (0 wang, 1 qian), amount, stage (0–2), pushes before the snapshot, what
/// happens before it (0 nothing, 1 won, 2 won then reopened) and after it (0 nothing, 1 won,
/// 2 lost).
type Deal = (usize, i64, usize, u8, u8, u8);

type Step = Box<dyn FnOnce(&mut Engine) -> Result<()>>;

fn scripts(deals: &[Deal]) -> (Vec<Vec<Step>>, Vec<Vec<Step>>) {
    let mut before: Vec<Vec<Step>> = Vec::new();
    let mut after: Vec<Vec<Step>> = Vec::new();
    for (i, &(who, amount, stage, pushes, pre, post)) in deals.iter().enumerate() {
        let owner = ["wang", "qian"][who];
        let id = format!("d{i}");
        let mut b: Vec<Step> = Vec::new();
        let (o, idc) = (owner, id.clone());
        b.push(Box::new(move |e: &mut Engine| {
            let mut n = NewOpportunity::new(idc.as_str(), "sales", "acme", o, "d", cny(amount));
            n.expected_close = Some("2026-03-01".parse().unwrap());
            n.stage = Some(["qualify", "quote", "contract"][stage].into());
            e.create_opportunity(o, n)
        }));
        for k in 0..pushes {
            let idc = id.clone();
            b.push(Box::new(move |e: &mut Engine| {
                let day = format!("2026-03-{:02}", 2 + u32::from(k));
                let patch = OpportunityPatch {
                    expected_close: Some(Some(day.parse().unwrap())),
                    ..OpportunityPatch::default()
                };
                e.update_opportunity(o, idc.as_str(), patch)
            }));
        }
        if pre >= 1 {
            let idc = id.clone();
            b.push(Box::new(move |e: &mut Engine| e.win(o, idc.as_str())));
        }
        if pre == 2 {
            let idc = id.clone();
            b.push(Box::new(move |e: &mut Engine| {
                e.reopen(o, idc.as_str(), None, "back")
            }));
        }
        let mut a: Vec<Step> = Vec::new();
        if pre != 1 && post == 1 {
            let idc = id.clone();
            a.push(Box::new(move |e: &mut Engine| e.win(o, idc.as_str())));
        }
        if pre != 1 && post == 2 {
            let idc = id.clone();
            a.push(Box::new(move |e: &mut Engine| {
                e.lose(o, idc.as_str(), "price", None)
            }));
        }
        before.push(b);
        after.push(a);
    }
    (before, after)
}

/// Runs each group of scripts, taking the next step of script `order[k] % remaining` at step
/// k (each script keeps its own order).
fn interleave(e: &mut Engine, scripts: Vec<Vec<Step>>, order: &[usize]) {
    let mut scripts: Vec<std::collections::VecDeque<Step>> =
        scripts.into_iter().map(Into::into).collect();
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
            step(e).unwrap();
        }
    }
}

fn run_story(deals: &[Deal], order: &[usize]) -> (ForecastSnapshot, ForecastAccuracy) {
    let clock = ManualClock::new(t("2026-02-01T00:00:00Z"));
    let mut e = mgmt_engine(&clock);
    let (before, after) = scripts(deals);
    interleave(&mut e, before, order);
    e.execute(
        "li",
        Command::TakeForecastSnapshot {
            id: "s".into(),
            period: Period::quarter(2026, 1).unwrap(),
            currency: cny_code(),
        },
    )
    .unwrap();
    clock.set(t("2026-03-10T00:00:00Z"));
    interleave(&mut e, after, order);
    clock.set(t("2026-04-02T00:00:00Z"));
    let snap = e.view().forecast_snapshot(&"s".into()).unwrap().clone();
    (snap, e.view().forecast_accuracy().unwrap())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    #[test]
    fn the_order_of_independent_opportunities_events_does_not_change_the_report(
        deals in prop::collection::vec((0usize..2, 1i64..500_000, 0usize..3, 0u8..4, 0u8..3, 0u8..3), 0..8),
        order in prop::collection::vec(any::<usize>(), 0..40),
    ) {
        let sequential = run_story(&deals, &[]);
        let interleaved = run_story(&deals, &order);
        prop_assert_eq!(&interleaved, &sequential);
        let (snap, acc) = sequential;
        // the per-rep figures add up to what the deals say
        let won: i64 = snap.reps.iter().map(|r| r.closed_won.minor()).sum();
        let pre_won: i64 = deals.iter().filter(|d| d.4 == 1).map(|d| d.1).sum();
        prop_assert_eq!(won, pre_won);
        let flagged = deals.iter().filter(|d| d.3 >= 3).count();
        prop_assert_eq!(acc.pushed.iter().filter(|p| p.flagged).count(), flagged);
        prop_assert_eq!(acc.comparisons.len(), snap.reps.len());
    }
}

#[test]
fn a_target_set_later_in_another_currency_does_not_break_the_comparison() {
    let clock = ManualClock::new(t("2026-02-01T00:00:00Z"));
    let mut e = mgmt_engine(&clock);
    opp(&mut e, "d", "wang", cny(100_000), "2026-03-01", "contract");
    let q1 = Period::quarter(2026, 1).unwrap();
    e.execute(
        "li",
        Command::TakeForecastSnapshot {
            id: "s".into(),
            period: q1,
            currency: cny_code(),
        },
    )
    .unwrap();
    e.execute(
        "admin",
        Command::SetTarget {
            target: Target::new("t", Scope::Rep("wang".into()), q1, usd(1_000)),
        },
    )
    .unwrap();
    // a CNY snapshot of a period whose targets are now in USD: refused, the currency is named
    let err = e
        .execute(
            "li",
            Command::TakeForecastSnapshot {
                id: "s2".into(),
                period: q1,
                currency: cny_code(),
            },
        )
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Money);
    e.win("wang", "d").unwrap();
    clock.set(t("2026-04-01T00:00:00Z"));
    let r = e.view().forecast_accuracy().unwrap();
    assert_eq!(cmp(&r, "s", "wang").actual, cny(100_000));
    // 1,000.00 × 0.9 forecast, 1,000.00 won
    assert_eq!(cmp(&r, "s", "wang").error.weighted, -10_000.0);
    assert_eq!(cmp(&r, "s", "wang").error.commit, 0.0);
}
