//! The rep's daily report (销售日报): hand-computed figures through the engine, the column
//! path, and the invariants (a range is the sum of its days; the order of rows is irrelevant).
#![allow(clippy::unwrap_used)]

use chrono::NaiveDate;
use proptest::prelude::*;
use salespipe::management::daily::{DailyFact, DailyIndex, DailyRow};
use salespipe::*;

fn t(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn pipeline() -> Pipeline {
    Pipeline::builder("sales", "Sales")
        .stage(Stage::new("qualify", "识别潜在客户", 0.1))
        .stage(Stage::new("demo", "产品演示", 0.3))
        .stage(Stage::new("quote", "报价", 0.6))
        .allow_skip(true)
        .build()
        .unwrap()
}

/// A rep in Asia/Shanghai (UTC+8): the local 2 March runs [03-01T16:00Z, 03-02T16:00Z).
fn engine(clock: &ManualClock) -> Engine {
    let mut e = Engine::with_clock(clock.clone());
    e.register_user("admin", User::new("admin", "Admin", Role::Admin))
        .unwrap();
    e.register_user(
        "admin",
        User::new("li", "李经理", Role::Manager).managed_by("admin"),
    )
    .unwrap();
    e.register_user(
        "admin",
        User::new("wang", "王芳", Role::Rep)
            .managed_by("li")
            .time_zone("Asia/Shanghai"),
    )
    .unwrap();
    e.define_pipeline("admin", pipeline()).unwrap();
    e
}

fn cny(minor: i64) -> Money {
    Money::from_minor(minor, Currency::new("CNY").unwrap())
}

#[test]
fn a_shanghai_day_ends_at_16_00_utc_and_every_figure_is_counted() {
    let clock = ManualClock::new(t("2026-03-01T15:59:59.999Z"));
    let mut e = engine(&clock);
    // 23:59:59.999 local on 1 March: the day before.
    e.create_customer("wang", Customer::new("early", "Early Ltd"))
        .unwrap();
    clock.set(t("2026-03-01T16:00:00Z")); // 00:00 local, 2 March
                                          // A first query builds the index; every later event keeps it current.
    let first = e
        .at(clock.now())
        .and_then(|v| v.daily_report(&"wang".into(), day(2026, 3, 1)))
        .unwrap();
    assert_eq!(first.figures.new_customers, 1);
    e.create_customer("wang", Customer::new("acme", "Acme"))
        .unwrap();
    e.create_opportunity(
        "wang",
        NewOpportunity::new("o1", "sales", "acme", "wang", "ERP", cny(100_000)),
    )
    .unwrap();
    e.create_opportunity(
        "wang",
        NewOpportunity::new("o2", "sales", "acme", "wang", "CRM", cny(50_000)),
    )
    .unwrap();
    clock.set(t("2026-03-02T02:00:00Z"));
    e.advance("wang", "o1", "demo").unwrap(); // 100000 x (0.3 - 0.1) = +20000
    e.advance("wang", "o1", "quote").unwrap(); // 100000 x (0.6 - 0.3) = +30000
    e.move_back("wang", "o1", "demo", Some("customer paused".into()))
        .unwrap();
    e.win("wang", "o2").unwrap(); // 50000 x (1 - 0.1) = +45000
    e.log_activity(
        "wang",
        Activity::new("a1", "call", "acme", clock.now())
            .on_opportunity("o1")
            .follow_up_at(t("2026-03-02T17:00:00Z")), // 01:00 local on 3 March: tomorrow
    )
    .unwrap();
    e.log_activity(
        "wang",
        Activity::new("a2", "call", "acme", clock.now()).follow_up_at(t("2026-03-03T16:00:00Z")), // 00:00 local on 4 March: not tomorrow
    )
    .unwrap();
    e.log_activity("wang", Activity::new("a3", "visit", "acme", clock.now()))
        .unwrap();
    e.create_task(
        "wang",
        Task::new("t1", "send quote", "wang", t("2026-03-02T03:00:00Z")),
    )
    .unwrap();
    e.create_task(
        "wang",
        Task::new("t2", "call back", "wang", t("2026-03-02T04:00:00Z")),
    )
    .unwrap();
    e.complete_task("wang", "t2").unwrap();
    clock.set(t("2026-03-02T16:00:00Z")); // 00:00 local on 3 March: the next day
    e.create_customer("wang", Customer::new("late", "Late Ltd"))
        .unwrap();

    let r = e
        .at(t("2026-03-05T00:00:00Z"))
        .and_then(|v| v.daily_report(&"wang".into(), day(2026, 3, 2)))
        .unwrap();
    assert_eq!(r.time_zone, "Asia/Shanghai");
    assert_eq!(
        (r.from, r.to),
        (t("2026-03-01T16:00:00Z"), t("2026-03-02T16:00:00Z"))
    );
    let f = &r.figures;
    assert_eq!(f.new_customers, 1);
    assert_eq!(f.new_opportunities, 2);
    assert_eq!(f.new_opportunity_amount["CNY"], 150_000);
    assert_eq!((f.advances, f.moves_back), (3, 1)); // demo, quote and the win
    assert!((f.weighted_change["CNY"] - 95_000.0).abs() < 1e-6);
    assert!((f.weighted_before["CNY"] - (10_000.0 + 30_000.0 + 5_000.0)).abs() < 1e-6);
    assert!((f.weighted_after["CNY"] - (30_000.0 + 60_000.0 + 50_000.0)).abs() < 1e-6);
    assert_eq!((f.won, f.won_amount["CNY"]), (1, 50_000));
    assert_eq!(f.lost, 0);
    assert!(f.lost_amount.is_empty());
    assert_eq!(f.activities["call"], 2);
    assert_eq!(f.activities["visit"], 1);
    assert_eq!(f.tasks_completed, 1);
    assert_eq!(f.tasks_overdue, 1); // t1, due 11:00 local, never done
    assert_eq!(f.follow_ups_next_day, 1);

    // An engine that reads the same store builds the index from the events: same report.
    let other = Engine::builder()
        .shared_store(e.store().clone())
        .build()
        .unwrap();
    assert_eq!(
        other
            .at(t("2026-03-05T00:00:00Z"))
            .and_then(|v| v.daily_report(&"wang".into(), day(2026, 3, 2)))
            .unwrap(),
        r
    );
    // So does one that builds its indexes while opening (in the same pass as the state),
    // and its reminders are the lazily built index's.
    let eager = Engine::builder()
        .shared_store(e.store().clone())
        .indexes_on_open(true)
        .build()
        .unwrap();
    let as_of = t("2026-03-05T00:00:00Z");
    assert_eq!(
        eager
            .view()
            .daily_report(&"wang".into(), day(2026, 3, 2))
            .unwrap(),
        other
            .view()
            .daily_report(&"wang".into(), day(2026, 3, 2))
            .unwrap()
    );
    assert_eq!(
        eager
            .at(as_of)
            .and_then(|v| v.daily_team_report(&"li".into(), day(2026, 3, 2)))
            .unwrap(),
        other
            .at(as_of)
            .and_then(|v| v.daily_team_report(&"li".into(), day(2026, 3, 2)))
            .unwrap()
    );
    assert_eq!(eager.view().due(as_of), other.view().due(as_of));
    assert!(!eager.view().due(as_of).is_empty());

    // The day before holds only the customer created at 23:59:59.999 local.
    let before = e
        .at(t("2026-03-05T00:00:00Z"))
        .and_then(|v| v.daily_report(&"wang".into(), day(2026, 3, 1)))
        .unwrap();
    assert_eq!(before.figures.new_customers, 1);
    assert_eq!(before.figures.new_opportunities, 0);
    // As of 03:00Z the win (02:00Z) counts, the customer of 16:00Z does not exist yet.
    let early = e
        .at(t("2026-03-02T03:00:00Z"))
        .and_then(|v| v.daily_report(&"wang".into(), day(2026, 3, 3)))
        .unwrap();
    assert_eq!(early.figures.new_customers, 0);

    // The text table names the rep and the figures; the JSON reads back.
    let text = r.to_string();
    assert!(text.contains("wang"), "{text}");
    let json = serde_json::to_string(&r).unwrap();
    let back: DailyReport = serde_json::from_str(&json).unwrap();
    assert_eq!(back, r);

    // The team of li: one row (wang) and the totals.
    let team = e
        .at(t("2026-03-05T00:00:00Z"))
        .and_then(|v| v.daily_team_report(&"li".into(), day(2026, 3, 2)))
        .unwrap();
    assert_eq!(team.rows.len(), 1);
    assert_eq!(team.totals.won_amount["CNY"], 50_000);
}

#[test]
fn currencies_are_kept_apart_and_an_empty_day_is_all_zero() {
    let clock = ManualClock::new(t("2026-03-02T01:00:00Z"));
    let mut e = engine(&clock);
    e.create_customer("wang", Customer::new("acme", "Acme"))
        .unwrap();
    let usd = Money::from_minor(12_345, Currency::new("USD").unwrap());
    e.create_opportunity(
        "wang",
        NewOpportunity::new("o1", "sales", "acme", "wang", "A", cny(99_999)),
    )
    .unwrap();
    e.create_opportunity(
        "wang",
        NewOpportunity::new("o2", "sales", "acme", "wang", "B", usd),
    )
    .unwrap();
    e.win("wang", "o1").unwrap();
    e.lose("wang", "o2", "price", None).unwrap();
    let f = e
        .at(clock.now())
        .and_then(|v| v.daily_report(&"wang".into(), day(2026, 3, 2)))
        .unwrap()
        .figures;
    assert_eq!(f.new_opportunity_amount.len(), 2);
    assert_eq!(f.new_opportunity_amount["CNY"], 99_999);
    assert_eq!(f.new_opportunity_amount["USD"], 12_345);
    assert_eq!((f.won, f.won_amount["CNY"]), (1, 99_999));
    assert_eq!((f.lost, f.lost_amount["USD"]), (1, 12_345));
    assert!(!f.won_amount.contains_key("USD"));

    let empty = e
        .at(clock.now())
        .and_then(|v| v.daily_report(&"wang".into(), day(2026, 2, 1)))
        .unwrap()
        .figures;
    assert_eq!(empty, Default::default());
}

#[test]
fn bad_input_is_a_clear_error() {
    let clock = ManualClock::new(t("2026-03-02T01:00:00Z"));
    let e = engine(&clock);
    let err = e
        .at(clock.now())
        .and_then(|v| v.daily_report(&"nobody".into(), day(2026, 3, 2)))
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound);
    let err = e
        .at(clock.now())
        .and_then(|v| v.daily_range_report(&"wang".into(), day(2026, 3, 2), day(2026, 3, 1)))
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Validation);
    let index = DailyIndex::default();
    let err = index
        .report(&"wang".into(), day(2026, 3, 2), "Mars/Olympus", clock.now())
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Validation);
    assert!(err.to_string().contains("Mars/Olympus"), "{err}");
}

fn fact(kind: u8, amount: i64, currency: &str) -> DailyFact {
    let amount = Money::from_minor(amount, Currency::new(currency).unwrap());
    match kind % 7 {
        0 => DailyFact::NewCustomer,
        1 => DailyFact::NewContact,
        2 => DailyFact::NewOpportunity { amount },
        3 => DailyFact::StageMove {
            forward: amount.minor() % 2 == 0,
            amount,
            before_probability: 0.25,
            after_probability: 0.5,
        },
        4 => DailyFact::Won { amount },
        5 => DailyFact::Lost { amount },
        _ => DailyFact::Activity {
            kind: if amount.minor() % 2 == 0 {
                "call"
            } else {
                "visit"
            }
            .into(),
            follow_up: None,
        },
    }
}

fn rows_strategy() -> impl Strategy<Value = Vec<DailyRow>> {
    prop::collection::vec(
        (
            0u8..3,
            0i64..(10 * 86_400_000),
            any::<u8>(),
            0i64..1_000_000,
            prop::sample::select(vec!["CNY", "USD"]),
        ),
        0..80,
    )
    .prop_map(|v| {
        v.into_iter()
            .map(|(rep, ms, kind, amount, cur)| {
                let at = Timestamp::from_millis(1_772_323_200_000 + ms); // 2026-03-01T00:00Z
                DailyRow::new(format!("rep{rep}"), at, fact(kind, amount, cur))
            })
            .collect()
    })
}

fn additive(f: &DailyFigures) -> impl PartialEq + std::fmt::Debug {
    (
        (f.new_customers, f.new_contacts, f.new_opportunities),
        f.new_opportunity_amount.clone(),
        (f.advances, f.moves_back, f.won, f.lost),
        (f.won_amount.clone(), f.lost_amount.clone()),
        f.activities.clone(),
        f.tasks_completed,
    )
}

proptest! {
    #[test]
    fn a_range_is_the_sum_of_its_days_and_row_order_does_not_matter(
        rows in rows_strategy(),
        tz in prop::sample::select(vec!["UTC", "Asia/Shanghai", "America/New_York"]),
    ) {
        let as_of = Timestamp::from_millis(1_772_323_200_000 + 20 * 86_400_000);
        let index = DailyIndex::from_rows(rows.clone());
        let mut reversed = rows.clone();
        reversed.reverse();
        let index_rev = DailyIndex::from_rows(reversed);
        for rep in ["rep0", "rep1", "rep2"] {
            let rep = ActorId::new(rep);
            let range = index.range(&rep, day(2026, 2, 28), day(2026, 3, 12), tz, as_of).unwrap();
            let mut sum = DailyFigures::default();
            for d in &range.days {
                sum.add(&d.figures).unwrap();
            }
            prop_assert_eq!(additive(&sum), additive(&range.total));
            for (c, v) in &range.total.weighted_change {
                prop_assert!((sum.weighted_change[c] - v).abs() <= 1e-9 * v.abs().max(1.0));
            }
            let range_rev = index_rev.range(&rep, day(2026, 2, 28), day(2026, 3, 12), tz, as_of).unwrap();
            prop_assert_eq!(additive(&range_rev.total), additive(&range.total));
            // Every row of the rep falls in exactly one day of the range.
            let n = rows.iter().filter(|r| r.rep == rep).count() as u64;
            let f = &range.total;
            let counted = f.new_customers + f.new_contacts + f.new_opportunities + f.advances
                + f.moves_back + f.won + f.lost + f.activities.values().sum::<u64>();
            prop_assert_eq!(counted, n);
        }
    }
}
