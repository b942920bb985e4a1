//! The source report (来源统计): hand-computed figures, the funnel it reuses, costs from
//! approved expenses, the configured list, and independence from the order of deals.
#![allow(clippy::unwrap_used)]

mod common;
use common::*;

use proptest::prelude::*;
use salespipe::analytics::{funnel, FunnelParams, FunnelTable, GroupBy, Window};
use salespipe::management::expense::{Expense, ExpenseCategory, ExpenseSettings};
use salespipe::management::source::Source;
use salespipe::*;

const DAY: i64 = 86_400_000;

fn engine(clock: &ManualClock) -> Engine {
    let mut e = Engine::with_clock(clock.clone());
    e.register_user("admin", User::new("admin", "Admin", Role::Admin))
        .unwrap();
    e.register_user("admin", User::new("li", "李经理", Role::Manager))
        .unwrap();
    e.register_user(
        "admin",
        User::new("wang", "王芳", Role::Rep).managed_by("li"),
    )
    .unwrap();
    e.define_pipeline(
        "admin",
        Pipeline::builder("sales", "Sales")
            .stage(Stage::new("qualify", "识别潜在客户", 0.2))
            .stage(Stage::new("quote", "报价", 0.6))
            .lost_reasons(["price"])
            .allow_skip(true)
            .build()
            .unwrap(),
    )
    .unwrap();
    e.execute(
        "admin",
        Command::ConfigureSources {
            sources: vec![
                Source::new("业务员开发", "own prospecting"),
                Source::new("网络推广", "web"),
                Source::new("百度推广", "search ads"),
                Source::new("高交会", "trade fair"),
            ],
        },
    )
    .unwrap();
    e.execute(
        "admin",
        Command::DefineProcess {
            process: ApprovalProcess::new("exp", "费用审批").step(ApprovalStep {
                name: "Manager".into(),
                approvers: vec!["li".into()],
                policy: StepPolicy::Any,
            }),
        },
    )
    .unwrap();
    e.execute(
        "admin",
        Command::ConfigureExpenses {
            settings: ExpenseSettings::new("exp").category(ExpenseCategory::new("booth", "展位")),
        },
    )
    .unwrap();
    e.create_customer("wang", Customer::new("acme", "Acme"))
        .unwrap();
    e
}

fn opp(e: &mut Engine, id: &str, amount: i64, source: Option<&str>) {
    let mut n = NewOpportunity::new(id, "sales", "acme", "wang", id, cny(amount));
    n.source = source.map(str::to_owned);
    e.create_opportunity("wang", n).unwrap();
}

#[test]
fn figures_per_source_reuse_the_funnel_and_add_costs() {
    let clock = ManualClock::new(t("2026-03-01T00:00:00Z"));
    let mut e = engine(&clock);
    opp(&mut e, "f1", 100_000, Some("高交会"));
    opp(&mut e, "f2", 300_000, Some("高交会"));
    opp(&mut e, "f3", 50_000, Some("高交会"));
    opp(&mut e, "w1", 20_000, Some("网络推广"));
    opp(&mut e, "n1", 9_000, None);
    clock.set(t("2026-03-03T00:00:00Z")); // two days later
    e.win("wang", "f1").unwrap();
    clock.set(t("2026-03-05T00:00:00Z")); // four days after creation
    e.win("wang", "f2").unwrap();
    e.lose("wang", "f3", "price", None).unwrap();
    // a booth at the fair (tagged) and a dinner on a fair deal (its opportunity's source)
    let day: chrono::NaiveDate = "2026-03-01".parse().unwrap();
    e.execute(
        "wang",
        Command::SubmitExpense {
            expense: Expense::new("booth", "acme", "wang", "booth", cny(60_000), day)
                .source("高交会"),
        },
    )
    .unwrap();
    e.execute(
        "wang",
        Command::SubmitExpense {
            expense: Expense::new("dinner", "acme", "wang", "booth", cny(4_000), day)
                .opportunity("f2"),
        },
    )
    .unwrap();
    e.execute(
        "wang",
        Command::SubmitExpense {
            expense: Expense::new("pending", "acme", "wang", "booth", cny(999), day)
                .source("高交会"),
        },
    )
    .unwrap();
    e.execute(
        "li",
        Command::DecideExpense {
            expense: "booth".into(),
            decision: Decision::Approve,
            comment: "".into(),
        },
    )
    .unwrap();
    e.execute(
        "li",
        Command::DecideExpense {
            expense: "dinner".into(),
            decision: Decision::Approve,
            comment: "".into(),
        },
    )
    .unwrap();

    let r = e
        .view()
        .source_report(&"sales".into(), Window::all())
        .unwrap();
    let fair = r.row("高交会").unwrap();
    assert!(fair.configured);
    assert_eq!((fair.created, fair.won, fair.lost, fair.open), (3, 2, 1, 0));
    assert_eq!(fair.win_rate, Some(2.0 / 3.0));
    assert_eq!(fair.revenue, 400_000);
    assert_eq!(fair.avg_cycle_days, Some(3.0));
    assert_eq!(fair.cost["CNY"], 64_000); // the pending 9.99 is not a cost yet
    assert_eq!(fair.cost_per_won["CNY"], 32_000.0);
    let web = r.row("网络推广").unwrap();
    assert_eq!((web.created, web.won, web.open), (1, 0, 1));
    assert_eq!(web.win_rate, None);
    assert!(web.cost_per_won.is_empty());
    // configured sources without deals have rows, with absent ratios
    let ads = r.row("百度推广").unwrap();
    assert_eq!((ads.created, ads.win_rate), (0, None));
    // configured order first, `(none)` last
    let order: Vec<&str> = r.sources.iter().map(|s| s.source.as_str()).collect();
    assert_eq!(
        order,
        ["业务员开发", "网络推广", "百度推广", "高交会", "(none)"]
    );
    assert_eq!(r.row("(none)").unwrap().created, 1);
    assert!(r.to_string().contains("trade fair"));

    // the same figures as the funnel grouped by source, computed directly
    let events = e.view().events(0, 10_000).unwrap();
    let table = FunnelTable::from_events(
        e.view().pipeline(&"sales".into()).unwrap(),
        &events,
        GroupBy::Source,
    )
    .unwrap();
    let f = funnel(&table.input(), &FunnelParams::new(e.now())).unwrap();
    let g = f.group("高交会").unwrap();
    assert_eq!(g.pipeline.won_amount, fair.revenue);
    assert_eq!(g.pipeline.avg_cycle_days, fair.avg_cycle_days);

    // as of before the wins
    let before = e
        .at(t("2026-03-02T00:00:00Z"))
        .and_then(|v| v.source_report(&"sales".into(), Window::all()))
        .unwrap();
    let fair = before.row("高交会").unwrap();
    assert_eq!((fair.won, fair.open), (0, 3));
    assert!(fair.cost.is_empty());
    // a window from 4 March: f1's win (3 March) closes outside it, f2's and f3's inside
    let later = e
        .view()
        .source_report(
            &"sales".into(),
            Window::new(Some(t("2026-03-04T00:00:00Z")), None),
        )
        .unwrap();
    let fair = later.row("高交会").unwrap();
    assert_eq!((fair.won, fair.lost, fair.revenue), (1, 1, 300_000));
    assert!(fair.cost.is_empty()); // the expenses are dated 1 March, before the window
}

#[test]
fn unknown_sources_are_refused_once_a_list_is_configured() {
    let clock = ManualClock::new(t("2026-03-01T00:00:00Z"));
    let mut e = engine(&clock);
    let position = e.view().state().position();
    let mut n = NewOpportunity::new("x", "sales", "acme", "wang", "x", cny(1));
    n.source = Some("carrier pigeon".into());
    let err = e.create_opportunity("wang", n).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Validation);
    assert!(err.to_string().contains("source"), "{err}");
    assert!(err.to_string().contains("高交会"), "{err}");
    opp(&mut e, "ok", 1, Some("网络推广"));
    let err = e
        .update_opportunity(
            "wang",
            "ok",
            OpportunityPatch {
                source: Some(Some("nope".into())),
                ..Default::default()
            },
        )
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Validation);
    let day: chrono::NaiveDate = "2026-03-01".parse().unwrap();
    let err = e
        .execute(
            "wang",
            Command::SubmitExpense {
                expense: Expense::new("x", "acme", "wang", "booth", cny(1), day).source("nope"),
            },
        )
        .unwrap_err();
    assert!(err.to_string().contains("expense.source"), "{err}");
    let err = e
        .execute(
            "admin",
            Command::ConfigureSources {
                sources: vec![Source::new("a", "A"), Source::new("a", "")],
            },
        )
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidDefinition);
    assert!(err.to_string().contains("sources[1].id"), "{err}");
    assert!(err.to_string().contains("sources[1].name"), "{err}");
    assert_eq!(e.view().state().position(), position + 1); // only "ok"
                                                           // extending the list: the new source is accepted, old deals keep theirs
    let mut list = e.view().sources().unwrap().to_vec();
    list.push(Source::new("carrier pigeon", "pigeons"));
    e.execute("admin", Command::ConfigureSources { sources: list })
        .unwrap();
    opp(&mut e, "p", 1, Some("carrier pigeon"));
    let r = e
        .view()
        .source_report(&"sales".into(), Window::all())
        .unwrap();
    assert_eq!(r.row("carrier pigeon").unwrap().created, 1);
    assert_eq!(r.row("网络推广").unwrap().created, 1);
}

proptest! {
    #[test]
    fn the_report_does_not_depend_on_the_order_of_independent_deals(
        deals in prop::collection::vec((0usize..4, 1i64..1_000_000, 0u8..3, 1i64..30), 1..12),
    ) {
        let sources = ["业务员开发", "网络推广", "高交会", ""];
        let run = |order: &[usize]| {
            let clock = ManualClock::new(t("2026-03-01T00:00:00Z"));
            let mut e = engine(&clock);
            // every deal is created at the same instant and closed at its own later instant
            for &i in order {
                let (s, amount, _, _) = deals[i];
                opp(&mut e, &format!("d{i}"), amount, Some(sources[s]).filter(|x| !x.is_empty()));
            }
            let mut closes: Vec<(i64, usize)> = order.iter().map(|&i| (deals[i].3, i)).collect();
            closes.sort();
            for (days, i) in closes {
                clock.set(t("2026-03-01T00:00:00Z").plus_millis(days * DAY));
                match deals[i].2 {
                    0 => e.win("wang", format!("d{i}").as_str()).unwrap(),
                    1 => e.lose("wang", format!("d{i}").as_str(), "price", None).unwrap(),
                    _ => {}
                }
            }
            clock.set(t("2026-04-15T00:00:00Z"));
            e.view().source_report(&"sales".into(), Window::all()).unwrap()
        };
        let forward: Vec<usize> = (0..deals.len()).collect();
        let backward: Vec<usize> = forward.iter().rev().copied().collect();
        let a = run(&forward);
        let b = run(&backward);
        prop_assert_eq!(&a.sources, &b.sources);
        let created: u64 = a.sources.iter().map(|s| s.created).sum();
        prop_assert_eq!(created, deals.len() as u64);
    }
}
