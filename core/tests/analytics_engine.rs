//! The funnel, forecast and calibration over the engine's own events.

#![allow(clippy::unwrap_used)]

use std::time::Duration;

use salespipe::analytics::*;
use salespipe::*;

const DAY: Duration = Duration::from_secs(86_400);

fn pipeline(stages: &[(&str, f64)]) -> Pipeline {
    let mut b = Pipeline::builder("sales", "Sales").allow_skip(true);
    for (id, p) in stages {
        b = b.stage(Stage::new(*id, id.to_uppercase(), *p));
    }
    b.build().unwrap()
}

fn engine() -> (Engine, ManualClock) {
    let clock = ManualClock::new("2026-03-02T00:00:00Z".parse().unwrap());
    let mut e = Engine::with_clock(clock.clone());
    e.register_user("admin", User::new("admin", "Admin", Role::Admin))
        .unwrap();
    e.register_user(
        "admin",
        User::new("wang", "Wang", Role::Rep).managed_by("admin"),
    )
    .unwrap();
    e.register_user(
        "admin",
        User::new("li", "Li", Role::Rep).managed_by("admin"),
    )
    .unwrap();
    e.define_pipeline(
        "admin",
        pipeline(&[
            ("qualify", 0.1),
            ("demo", 0.3),
            ("quote", 0.6),
            ("contract", 0.9),
        ]),
    )
    .unwrap();
    e.create_customer("wang", Customer::new("acme", "Acme"))
        .unwrap();
    (e, clock)
}

fn opp(e: &mut Engine, id: &str, owner: &str, amount: &str) {
    let mut o = NewOpportunity::new(
        id,
        "sales",
        "acme",
        owner,
        id,
        Money::parse(amount, "CNY").unwrap(),
    );
    o.expected_close = Some(chrono::NaiveDate::from_ymd_opt(2026, 4, 1).unwrap());
    e.create_opportunity(owner, o).unwrap();
}

fn events(e: &Engine) -> Vec<RecordedEvent> {
    e.view().events(0, usize::MAX).unwrap()
}

#[test]
fn funnel_from_engine_events() {
    let (mut e, clock) = engine();
    opp(&mut e, "o1", "wang", "1000.00");
    opp(&mut e, "o2", "li", "500.00");
    clock.advance(DAY);
    e.advance("wang", "o1", "demo").unwrap();
    e.lose("li", "o2", "price", None).unwrap();
    clock.advance(DAY);
    e.advance("wang", "o1", "quote").unwrap();
    e.reopen("admin", "o2", Some("demo".into()), "came back")
        .unwrap();
    clock.advance(DAY);
    e.win("wang", "o1").unwrap();
    let p = e.view().pipeline(&"sales".into()).unwrap().clone();
    let t = FunnelTable::from_events(&p, &events(&e), GroupBy::Owner).unwrap();
    assert_eq!(t.opp_ids, ["o1", "o2"]);
    assert_eq!(t.group_names, ["li", "wang"]); // sorted, as groupby sorts
    assert_eq!(t.group, [1, 0]);
    assert_eq!(t.amount_minor, [100_000, 50_000]);
    assert_eq!(t.event_stage, [0, 0, 1, LOST_CODE, 2, 1, WON_CODE]);
    let r = funnel(&t.input(), &FunnelParams::new(e.now())).unwrap();
    assert_eq!(r.currency.as_deref(), Some("CNY"));
    assert_eq!(r.total.pipeline.closed_won, 1);
    assert_eq!(r.total.pipeline.avg_cycle_days, Some(3.0));
    assert_eq!(r.total.stage("demo").unwrap().entered, 2);
    assert_eq!(r.total.stage("demo").unwrap().open_here, 1);
    assert_eq!(r.group("li").unwrap().transitions.counts[6][1], 1); // lost → demo
    assert_eq!(r.group("wang").unwrap().pipeline.won_amount, 100_000);
}

#[test]
fn removed_stages_resolve_through_the_edit_mapping() {
    let (mut e, clock) = engine();
    opp(&mut e, "o1", "wang", "10.00");
    clock.advance(DAY);
    e.advance("wang", "o1", "demo").unwrap();
    clock.advance(DAY);
    // demo is removed and mapped onto qualify
    e.execute(
        "admin",
        Command::EditPipeline {
            pipeline: pipeline(&[("qualify", 0.1), ("quote", 0.6), ("contract", 0.9)]),
            mapping: [("demo".into(), "qualify".into())].into_iter().collect(),
        },
    )
    .unwrap();
    clock.advance(DAY);
    e.advance("wang", "o1", "quote").unwrap();
    let p = e.view().pipeline(&"sales".into()).unwrap().clone();
    let t = FunnelTable::from_events(&p, &events(&e), GroupBy::Source).unwrap();
    // qualify → (demo ≡ qualify, dropped) → quote
    assert_eq!(t.event_stage, [0, 1]);
    assert_eq!(t.group_names, ["(none)"]);
    let r = funnel(&t.input(), &FunnelParams::new(e.now())).unwrap();
    assert_eq!(r.total.stages[0].dwell.median_seconds, Some(3.0 * 86_400.0));
}

#[test]
fn forecast_exact_and_monte_carlo() {
    let (mut e, clock) = engine();
    opp(&mut e, "o1", "wang", "100.00");
    opp(&mut e, "o2", "wang", "200.00");
    opp(&mut e, "o3", "li", "400.00");
    clock.advance(DAY);
    e.force_advance("admin", "o2", "quote", "fast").unwrap(); // p = 0.6
    e.force_advance("admin", "o3", "contract", "fast").unwrap(); // p = 0.9
    let p = e.view().pipeline(&"sales".into()).unwrap().clone();
    let t = FunnelTable::from_events(&p, &events(&e), GroupBy::Owner).unwrap();
    let april = Timestamp::from_date(chrono::NaiveDate::from_ymd_opt(2026, 4, 1).unwrap());
    let period = Window::new(Some(april), Some(april.plus(DAY)));
    let f = forecast(&t.input(), &ForecastParams::new(e.now(), period)).unwrap();
    assert_eq!(f.method, "exact");
    assert_eq!(f.opportunities, 3);
    assert_eq!(f.amount, 70_000);
    assert!((f.expected - (10_000.0 * 0.1 + 20_000.0 * 0.6 + 40_000.0 * 0.9)).abs() < 1e-6);
    // totals: P(no 400) = 0.1, so P10 is reached with the 400 absent: the largest total
    // without it is 300 (0.1·0.6·0.1 = .006 ...). CDF: 0:.036 100:.04 200:.094 300:.1
    assert_eq!(f.p10, 30_000);
    // 400: .424, 500: .46, 600: .946 → P50 = 600, P90 = 600
    assert_eq!(f.p50, 60_000);
    assert_eq!(f.p90, 60_000);

    let mc = ForecastParams {
        method: ForecastMethod::MonteCarlo {
            samples: 20_000,
            seed: 7,
        },
        ..ForecastParams::new(e.now(), period)
    };
    let a = forecast(&t.input(), &mc).unwrap();
    let b = forecast(&t.input(), &mc).unwrap();
    assert_eq!(a, b);
    assert_eq!(a.method, "monte_carlo");
    assert_eq!((a.p50, a.p90), (60_000, 60_000));
    // outside the period: nothing
    let none = forecast(
        &t.input(),
        &ForecastParams::new(e.now(), Window::new(None, Some(april))),
    )
    .unwrap();
    assert_eq!((none.opportunities, none.p90, none.expected), (0, 0, 0.0));
}

#[test]
fn forecast_with_empirical_probabilities_and_calibration() {
    let (mut e, clock) = engine();
    for i in 0..4 {
        opp(&mut e, &format!("h{i}"), "wang", "100.00");
    }
    clock.advance(DAY);
    e.advance("wang", "h0", "demo").unwrap();
    e.advance("wang", "h1", "demo").unwrap();
    clock.advance(DAY);
    e.win("wang", "h0").unwrap();
    e.lose("wang", "h1", "price", None).unwrap();
    e.lose("wang", "h2", "price", None).unwrap();
    // h3 stays open in qualify
    let p = e.view().pipeline(&"sales".into()).unwrap().clone();
    let t = FunnelTable::from_events(&p, &events(&e), GroupBy::Owner).unwrap();
    let params = ForecastParams {
        probabilities: Probabilities::Empirical {
            training: Window::all(),
            mode: Mode::Recorded,
        },
        ..ForecastParams::new(e.now(), Window::all())
    };
    let f = forecast(&t.input(), &params).unwrap();
    // qualify: 4 entered, 1 won → 0.25; quote (nobody entered) falls back to 0.6
    assert_eq!(f.stage_probabilities, vec![0.25, 0.5, 0.6, 0.9]);
    assert_eq!(f.opportunities, 1);
    assert!((f.expected - 2_500.0).abs() < 1e-9);

    let c = calibration(&t.input(), e.now(), Window::all()).unwrap();
    // qualify: 3 closed (1 won) predicted 0.1; demo: 2 closed (1 won) predicted 0.3
    assert_eq!(c.predictions, 5);
    let q = &c.stages[0];
    assert_eq!((q.closed, q.won), (3, 1));
    assert!((q.observed.unwrap() - 1.0 / 3.0).abs() < 1e-12);
    let bq = (0.81 + 2.0 * 0.01) / 3.0;
    assert!((q.brier.unwrap() - bq).abs() < 1e-12);
    let d = &c.stages[1];
    let bd = (0.49 + 0.09) / 2.0;
    assert!((d.brier.unwrap() - bd).abs() < 1e-12);
    assert!((c.brier.unwrap() - (0.81 + 0.02 + 0.49 + 0.09) / 5.0).abs() < 1e-12);
    assert_eq!(c.stages[2].brier, None);
}

/// The engine's funnel as of an instant uses the pipeline as it was then: a stage removed by a
/// later edit still counts, and the query path (which reads only the event log) agrees with a
/// view of the past.
#[test]
fn the_engines_funnel_as_of_before_an_edit_sees_the_pipeline_of_then() {
    let clock = ManualClock::new("2026-03-02T00:00:00Z".parse().unwrap());
    let mut e = Engine::with_clock(clock.clone());
    e.register_user("admin", User::new("admin", "Admin", Role::Admin))
        .unwrap();
    e.define_pipeline("admin", pipeline(&[("a", 0.1), ("b", 0.5), ("c", 0.8)]))
        .unwrap();
    e.create_customer("admin", Customer::new("acme", "Acme"))
        .unwrap();
    let cny = |minor| Money::from_minor(minor, "CNY".parse().unwrap());
    e.create_opportunity(
        "admin",
        NewOpportunity::new("o1", "sales", "acme", "admin", "ERP", cny(100)),
    )
    .unwrap();
    clock.advance(DAY);
    e.advance("admin", "o1", "b").unwrap();
    let before_edit = e.now();
    clock.advance(DAY);
    let mut edited = pipeline(&[("a", 0.1), ("c", 0.8)]);
    edited.version = 2;
    e.execute(
        "admin",
        Command::EditPipeline {
            pipeline: edited,
            mapping: [("b".into(), "c".into())].into_iter().collect(),
        },
    )
    .unwrap();

    let asked = e
        .query(
            "admin",
            serde_json::from_value(serde_json::json!({
                "type": "funnel", "pipeline": "sales", "as_of": before_edit.to_string()
            }))
            .unwrap(),
        )
        .unwrap();
    let QueryResult::Funnel(sections) = asked else {
        panic!("a funnel answer: {asked:?}")
    };
    let past = e
        .at(before_edit)
        .unwrap()
        .funnel(&"sales".into(), &FunnelOptions::default())
        .unwrap();
    assert_eq!(sections, past);
    let stages: Vec<(&str, u64)> = sections[0]
        .report
        .total
        .stages
        .iter()
        .map(|s| (s.id.as_str(), s.entered))
        .collect();
    assert_eq!(stages, [("a", 1), ("b", 1), ("c", 0)]);
    // Now, the removed stage's history counts in the stage it maps to.
    let now = e
        .view()
        .funnel(&"sales".into(), &FunnelOptions::default())
        .unwrap();
    let stages: Vec<(&str, u64)> = now[0]
        .report
        .total
        .stages
        .iter()
        .map(|s| (s.id.as_str(), s.entered))
        .collect();
    assert_eq!(stages, [("a", 1), ("c", 1)]);
}

#[test]
fn caller_sizes_are_bounded_through_the_query() {
    // issue 16: u32::MAX samples (~34 GB), an unbounded exact support and usize::MAX limits
    // are refused or honoured without allocating by the caller's number
    let (mut e, _clock) = engine();
    opp(&mut e, "o1", "wang", "100.00");
    let ask = |q: serde_json::Value| {
        let q: Query = serde_json::from_value(q).unwrap();
        e.query("admin", q)
    };
    let refused = |r: Result<QueryResult>, field: &str| {
        let err = r.unwrap_err();
        assert_eq!(err.code().as_str(), "validation");
        assert!(err.to_string().contains(field), "{err}");
    };
    refused(
        ask(serde_json::json!({"type": "forecast", "pipeline": "sales",
            "method": {"kind": "monte_carlo", "samples": u32::MAX, "seed": 1}})),
        "method.samples",
    );
    refused(
        ask(serde_json::json!({"type": "forecast", "pipeline": "sales",
            "method": {"kind": "auto", "max_support": u64::MAX, "samples": 10, "seed": 1}})),
        "method.max_support",
    );
    refused(
        ask(serde_json::json!({"type": "forecast", "pipeline": "sales",
            "method": {"kind": "auto", "max_support": 10, "samples": MAX_SAMPLES + 1, "seed": 1}})),
        "1000000",
    );
    assert!(
        ask(serde_json::json!({"type": "forecast", "pipeline": "sales",
        "method": {"kind": "monte_carlo", "samples": 1000, "seed": 1}}))
        .is_ok()
    );
    let events = ask(serde_json::json!({"type": "events", "limit": u64::MAX})).unwrap();
    assert!(
        serde_json::to_value(events)
            .unwrap()
            .as_array()
            .unwrap()
            .len()
            > 1
    );
    let due = ask(
        serde_json::json!({"type": "due", "at": "2026-03-02T00:00:00Z",
        "recipient": "wang", "limit": u64::MAX}),
    );
    assert!(due.is_ok());
}
