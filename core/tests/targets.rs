//! Targets and attainment: hand-computed figures through the engine and the column path, bad
//! input, and the invariants (parts sum to the whole; the order of deals is irrelevant).
#![allow(clippy::unwrap_used)]

mod common;
use common::*;

use proptest::prelude::*;
use salespipe::management::target::*;
use salespipe::*;

fn rep(id: &str) -> Scope {
    Scope::Rep(id.into())
}

fn team(id: &str) -> Scope {
    Scope::Team(id.into())
}

fn q(y: i32, n: u32) -> Period {
    Period::quarter(y, n).unwrap()
}

fn opp(e: &mut Engine, id: &str, owner: &str, amount: Money, close: &str) {
    let mut n = NewOpportunity::new(id, "sales", "acme", owner, id, amount);
    n.expected_close = Some(close.parse().unwrap());
    e.create_opportunity(owner, n).unwrap();
}

/// Amounts print with the currency's decimal places: none for JPY, three for KWD, two for CNY.
#[test]
fn attainment_text_uses_the_currency_exponent() {
    let users = vec![User::new("wang", "王芳", Role::Rep)];
    for (code, target, won, gap) in [
        ("CNY", "2000.00", "1234.56", "765.44"),
        ("JPY", "200000", "123456", "76544"),
        ("KWD", "200.000", "123.456", "76.544"),
    ] {
        let c = Currency::new(code).unwrap();
        let targets = vec![Target::new(
            "t",
            rep("wang"),
            q(2026, 1),
            Money::from_minor(200_000, c),
        )];
        let deals = vec![DealRow::won(
            "wang",
            Money::from_minor(123_456, c),
            t("2026-01-10T00:00:00Z"),
        )];
        let input = AttainmentInput {
            users: &users,
            targets: &targets,
            deals: &deals,
        };
        let text = attainment(&input, &AttainmentQuery::new(q(2026, 1)))
            .unwrap()
            .to_string();
        let line = text.lines().find(|l| l.contains("rep:wang")).unwrap();
        let cells: Vec<&str> = line.split_whitespace().collect();
        // scope, name, target, won, att., pipeline, commit, gap, cover
        assert_eq!(cells[2..5], [target, won, "61.7%"], "{code}: {text}");
        assert_eq!(cells[7..], [gap, "0.00x"], "{code}: {text}");
    }
}

#[test]
fn won_counts_by_its_local_date_in_the_company_time_zone() {
    // Shanghai is UTC+8: the local 1 April begins at 2026-03-31T16:00Z.
    let clock = ManualClock::new(t("2026-03-01T00:00:00Z"));
    let mut e = mgmt_engine(&clock);
    e.execute(
        "admin",
        Command::SetTarget {
            target: Target::new("w-q1", rep("wang"), q(2026, 1), cny(1_000_000)),
        },
    )
    .unwrap();
    opp(&mut e, "late-march", "wang", cny(300_000), "2026-03-31");
    opp(&mut e, "early-april", "wang", cny(200_000), "2026-04-02");
    clock.set(t("2026-03-31T15:59:59.999Z")); // 23:59:59.999 local, 31 March
    e.win("wang", "late-march").unwrap();
    clock.set(t("2026-03-31T16:00:00Z")); // 00:00 local, 1 April
    e.win("wang", "early-april").unwrap();

    let r1 = e
        .view()
        .attainment(&AttainmentQuery::new(q(2026, 1)))
        .unwrap();
    let w = r1.row(&rep("wang")).unwrap();
    assert_eq!(w.closed_won, cny(300_000));
    assert_eq!(w.deals_won, 1);
    assert_eq!(w.attainment, Some(0.3));
    assert_eq!(w.gap, Some(cny(700_000)));
    assert_eq!(r1.time_zone, "Asia/Shanghai");
    // the same deals in UTC: both are March
    let utc = e
        .view()
        .attainment(&AttainmentQuery::new(q(2026, 1)).time_zone("UTC"))
        .unwrap();
    assert_eq!(utc.row(&rep("wang")).unwrap().closed_won, cny(500_000));
    // Q2 has no target: figures without ratios
    let r2 = e
        .view()
        .attainment(&AttainmentQuery::new(q(2026, 2)).currency(Currency::new("CNY").unwrap()))
        .unwrap();
    let w2 = r2.row(&rep("wang")).unwrap();
    assert_eq!(w2.closed_won, cny(200_000));
    assert_eq!((w2.attainment, w2.gap, w2.coverage), (None, None, None));
    // rolled up to li's team and the company
    assert_eq!(r1.row(&team("li")).unwrap().closed_won, cny(300_000));
    assert_eq!(r1.row(&Scope::Company).unwrap().closed_won, cny(300_000));
    assert_eq!(r1.row(&rep("wang")).unwrap().parent, Some(team("li")));
    assert_eq!(r1.row(&team("li")).unwrap().parent, Some(Scope::Company));
}

#[test]
fn a_deal_reopened_after_its_period_closed_counts_only_as_of_before_the_reopen() {
    let clock = ManualClock::new(t("2026-03-01T00:00:00Z"));
    let mut e = mgmt_engine(&clock);
    e.execute(
        "admin",
        Command::SetTarget {
            target: Target::new("w-q1", rep("wang"), q(2026, 1), cny(100_000)),
        },
    )
    .unwrap();
    opp(&mut e, "d", "wang", cny(80_000), "2026-03-20");
    clock.set(t("2026-03-20T02:00:00Z"));
    e.win("wang", "d").unwrap();
    clock.set(t("2026-04-05T02:00:00Z"));
    e.reopen("wang", "d", None, "customer cancelled").unwrap();
    clock.set(t("2026-04-06T02:00:00Z"));

    let before = e
        .view()
        .attainment(&AttainmentQuery::new(q(2026, 1)).as_of(t("2026-04-01T00:00:00Z")))
        .unwrap();
    assert_eq!(before.row(&rep("wang")).unwrap().attainment, Some(0.8));
    assert_eq!(before.as_of, Some(t("2026-04-01T00:00:00Z")));
    let now = e
        .view()
        .attainment(&AttainmentQuery::new(q(2026, 1)))
        .unwrap();
    let w = now.row(&rep("wang")).unwrap();
    assert_eq!(w.attainment, Some(0.0));
    // reopened into its stage, its close date (20 March) is still in Q1: open pipeline again
    assert_eq!(w.open_pipeline, cny(80_000));
    assert_eq!(w.coverage, Some(0.8));
    // won again in April: Q2's, not Q1's
    e.win("wang", "d").unwrap();
    let q2 = e
        .view()
        .attainment(&AttainmentQuery::new(q(2026, 2)).currency(Currency::new("CNY").unwrap()))
        .unwrap();
    assert_eq!(q2.row(&rep("wang")).unwrap().closed_won, cny(80_000));
    let q1 = e
        .view()
        .attainment(&AttainmentQuery::new(q(2026, 1)))
        .unwrap();
    assert_eq!(q1.row(&rep("wang")).unwrap().closed_won, cny(0));
}

#[test]
fn pipeline_weighted_commit_best_case_omitted_and_coverage() {
    let clock = ManualClock::new(t("2026-01-05T00:00:00Z"));
    let mut e = mgmt_engine(&clock);
    e.execute(
        "admin",
        Command::SetTarget {
            target: Target::new("w", rep("wang"), q(2026, 1), cny(1_000_000)).deals(4),
        },
    )
    .unwrap();
    opp(&mut e, "won", "wang", cny(400_000), "2026-02-01");
    e.win("wang", "won").unwrap();
    opp(&mut e, "q", "wang", cny(300_000), "2026-02-15"); // quote: best case, 0.5
    e.advance("wang", "q", "quote").unwrap();
    opp(&mut e, "c", "wang", cny(200_000), "2026-03-15"); // contract: commit, 0.9
    e.advance("wang", "c", "contract").unwrap();
    opp(&mut e, "p", "wang", cny(100_000), "2026-03-01"); // qualify: pipeline, 0.1
    opp(&mut e, "o", "wang", cny(50_000), "2026-03-01"); // omitted by the host
    e.update_opportunity(
        "wang",
        "o",
        OpportunityPatch {
            forecast_category: Some(Some(ForecastCategory::Omitted)),
            ..Default::default()
        },
    )
    .unwrap();
    opp(&mut e, "later", "wang", cny(999_000), "2026-04-01"); // Q2
    let mut undated = NewOpportunity::new("undated", "sales", "acme", "wang", "u", cny(7));
    undated.expected_close = None;
    e.create_opportunity("wang", undated).unwrap();
    opp(&mut e, "lost", "wang", cny(10_000), "2026-02-01");
    e.lose("wang", "lost", "price", None).unwrap();

    let r = e
        .view()
        .attainment(&AttainmentQuery::new(q(2026, 1)))
        .unwrap();
    let w = r.row(&rep("wang")).unwrap();
    assert_eq!(w.closed_won, cny(400_000));
    assert_eq!(w.open_pipeline, cny(600_000)); // q + c + p
    assert_eq!(w.open_deals, 3);
    assert_eq!(
        w.weighted_pipeline,
        300_000.0 * 0.5 + 200_000.0 * 0.9 + 100_000.0 * 0.1
    );
    assert_eq!(w.best_case, cny(300_000));
    assert_eq!(w.commit, cny(200_000));
    assert_eq!(w.omitted, cny(50_000));
    assert_eq!(w.commit_attainment, Some(0.6));
    assert_eq!(w.gap, Some(cny(600_000)));
    assert_eq!(w.coverage, Some(1.0));
    assert_eq!(w.deal_attainment, Some(0.25));
    assert_eq!(w.open_without_close_date, 1);
    // the text table shows it
    let text = r.to_string();
    assert!(text.contains("rep:wang"), "{text}");
    assert!(text.contains("40.0%"), "{text}");
    // JSON is stable: money as minor units and currency, the period as a string
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["period"], "2026-Q1");
    assert_eq!(json["rows"][0]["scope"], "company");
}

#[test]
fn exceeded_targets_and_empty_periods_give_absent_ratios_not_zero() {
    let users = [User::new("wang", "王芳", Role::Rep)];
    let q1 = q(2026, 1);
    let targets = [
        Target::new("w", rep("wang"), q1, cny(100)),
        Target::new("c", Scope::Company, q1, cny(0)),
    ];
    let deals = [DealRow::won("wang", cny(150), t("2026-02-01T00:00:00Z"))];
    let input = AttainmentInput {
        users: &users,
        targets: &targets,
        deals: &deals,
    };
    let r = attainment(&input, &AttainmentQuery::new(q1)).unwrap();
    let w = r.row(&rep("wang")).unwrap();
    assert_eq!(w.attainment, Some(1.5));
    assert_eq!(w.gap, Some(cny(-50)));
    assert_eq!(w.coverage, None); // nothing left to cover
    let c = r.row(&Scope::Company).unwrap();
    assert_eq!(c.attainment, None); // a zero target has no ratio
    assert_eq!(c.commit_attainment, None);
    // an empty period: zero amounts, a 0 % attainment against a real target, no coverage
    // ratio of an empty pipeline against nothing
    let none = AttainmentInput {
        users: &users,
        targets: &targets,
        deals: &[],
    };
    let r = attainment(&none, &AttainmentQuery::new(q1)).unwrap();
    let w = r.row(&rep("wang")).unwrap();
    assert_eq!(w.attainment, Some(0.0));
    assert_eq!(w.coverage, Some(0.0));
    assert_eq!(w.deal_attainment, None);
}

#[test]
fn mixed_currencies_are_kept_apart_or_refused() {
    let users = [User::new("wang", "王芳", Role::Rep)];
    let q1 = q(2026, 1);
    let deals = [
        DealRow::won("wang", cny(100), t("2026-02-01T00:00:00Z")),
        DealRow::won("wang", usd(70), t("2026-02-01T00:00:00Z")),
        DealRow::open("wang", usd(30), "2026-03-01".parse().unwrap(), 0.5),
    ];
    let targets = [Target::new("w", rep("wang"), q1, cny(1_000))];
    let r = attainment(
        &AttainmentInput {
            users: &users,
            targets: &targets,
            deals: &deals,
        },
        &AttainmentQuery::new(q1),
    )
    .unwrap();
    let w = r.row(&rep("wang")).unwrap();
    assert_eq!(w.closed_won, cny(100));
    assert_eq!(w.attainment, Some(0.1));
    assert_eq!(
        w.other_currencies["USD"],
        OtherCurrency {
            closed_won: 70,
            open_pipeline: 30
        }
    );
    assert_eq!(
        r.row(&Scope::Company).unwrap().other_currencies["USD"].closed_won,
        70
    );
    // targets in two currencies need an explicit one; a target in another is refused
    let two = [
        Target::new("w", rep("wang"), q1, cny(1_000)),
        Target::new("c", Scope::Company, q1, usd(1_000)),
    ];
    let input = AttainmentInput {
        users: &users,
        targets: &two,
        deals: &deals,
    };
    let e = attainment(&input, &AttainmentQuery::new(q1)).unwrap_err();
    assert_eq!(e.code(), ErrorCode::Money);
    assert!(e.to_string().contains("CNY, USD"), "{e}");
    let e = attainment(
        &input,
        &AttainmentQuery::new(q1).currency(Currency::new("CNY").unwrap()),
    )
    .unwrap_err();
    assert!(e.to_string().contains("target c is in USD"), "{e}");
    // no target and no currency: nothing to report in
    let e = attainment(
        &AttainmentInput {
            users: &users,
            targets: &[],
            deals: &deals,
        },
        &AttainmentQuery::new(q1),
    )
    .unwrap_err();
    assert!(e.to_string().contains("currency"), "{e}");
}

#[test]
fn decomposition_says_when_the_parts_do_not_sum_to_the_whole() {
    let clock = ManualClock::new(t("2026-01-05T00:00:00Z"));
    let mut e = mgmt_engine(&clock);
    let q1 = q(2026, 1);
    e.execute(
        "admin",
        Command::SetTarget {
            target: Target::new("li", team("li"), q1, cny(300)),
        },
    )
    .unwrap();
    e.execute(
        "admin",
        Command::SetTarget {
            target: Target::new("wang", rep("wang"), q1, cny(100)),
        },
    )
    .unwrap();
    let r = e.view().attainment(&AttainmentQuery::new(q1)).unwrap();
    assert_eq!(r.decomposition.len(), 1);
    let i = &r.decomposition[0];
    assert_eq!(i.scope, team("li"));
    assert_eq!((i.whole, i.parts), (cny(300), cny(100)));
    assert_eq!(i.missing, vec![rep("qian")]); // li's own quota is optional
    e.execute(
        "li",
        Command::SetTarget {
            target: Target::new("qian", rep("qian"), q1, cny(150)),
        },
    )
    .unwrap();
    let r = e.view().attainment(&AttainmentQuery::new(q1)).unwrap();
    assert_eq!(r.decomposition[0].parts, cny(250));
    assert!(r.decomposition[0].missing.is_empty());
    assert!(
        r.decomposition[0].message.contains("sum to 2.50"),
        "{}",
        r.decomposition[0].message
    );
    // replacing a part by id fixes it
    e.execute(
        "li",
        Command::SetTarget {
            target: Target::new("qian", rep("qian"), q1, cny(200)),
        },
    )
    .unwrap();
    let r = e.view().attainment(&AttainmentQuery::new(q1)).unwrap();
    assert!(r.decomposition.is_empty(), "{:?}", r.decomposition);
    assert_eq!(e.view().targets().len(), 3);
    // a company target over li's team (admin, at the top too, carries no quota)
    e.execute(
        "admin",
        Command::SetTarget {
            target: Target::new("co", Scope::Company, q1, cny(300)),
        },
    )
    .unwrap();
    let r = e.view().attainment(&AttainmentQuery::new(q1)).unwrap();
    assert!(r.decomposition.is_empty(), "{:?}", r.decomposition); // admin carries no quota
    e.execute(
        "admin",
        Command::SetTarget {
            target: Target::new("co", Scope::Company, q1, cny(400)),
        },
    )
    .unwrap();
    let r = e.view().attainment(&AttainmentQuery::new(q1)).unwrap();
    assert_eq!(r.decomposition.len(), 1);
    assert_eq!(r.decomposition[0].scope, Scope::Company);
    assert!(r.decomposition[0].missing.is_empty());
    assert_eq!(r.decomposition[0].parts, cny(300));
}

#[test]
fn bad_targets_are_refused_naming_the_field_and_nothing_changes() {
    let clock = ManualClock::new(t("2026-01-05T00:00:00Z"));
    let mut e = mgmt_engine(&clock);
    let q1 = q(2026, 1);
    e.execute(
        "admin",
        Command::SetTarget {
            target: Target::new("w", rep("wang"), q1, cny(100)),
        },
    )
    .unwrap();
    let before: Vec<Target> = e.view().targets().into_iter().cloned().collect();
    let position = e.view().state().position();

    let err = e
        .execute(
            "admin",
            Command::SetTarget {
                target: Target::new("x", rep("ghost"), q1, cny(100)),
            },
        )
        .unwrap_err();
    assert_eq!(
        err,
        Error::not_found_at("user", "ghost", "target.scope"),
        "the id is bare, the field apart"
    );
    assert_eq!(err.to_string(), "user ghost not found (target.scope)");

    // a month target beside the quarter is fine; a custom range only clashes with customs
    e.execute(
        "admin",
        Command::SetTarget {
            target: Target::new("x", rep("wang"), Period::month(2026, 1).unwrap(), cny(1)),
        },
    )
    .unwrap();
    let jan15 = "2026-01-15".parse().unwrap();
    let feb15 = "2026-02-15".parse().unwrap();
    e.execute(
        "admin",
        Command::SetTarget {
            target: Target::new(
                "y",
                rep("wang"),
                Period::custom(jan15, feb15).unwrap(),
                cny(1),
            ),
        },
    )
    .unwrap();
    let err = e
        .execute(
            "admin",
            Command::SetTarget {
                target: Target::new("z", rep("wang"), Period::month(2026, 1).unwrap(), cny(1)),
            },
        )
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Validation);
    assert!(err.to_string().contains("target.period"), "{err}");
    assert!(err.to_string().contains("overlaps target x"), "{err}");
    let err = e
        .execute(
            "admin",
            Command::SetTarget {
                target: Target::new("w2", rep("wang"), q1, cny(5)),
            },
        )
        .unwrap_err();
    assert!(err.to_string().contains("target.period"), "{err}");

    let err = e
        .execute(
            "admin",
            Command::SetTarget {
                target: Target::new("neg", rep("qian"), q1, cny(-1)),
            },
        )
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Validation);
    assert!(err.to_string().contains("target.revenue"), "{err}");

    // a rep does not set targets; a manager sets those below them, not their own team's
    let err = e
        .execute(
            "wang",
            Command::SetTarget {
                target: Target::new("self", rep("wang"), q(2026, 2), cny(1)),
            },
        )
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::PermissionDenied);
    let err = e
        .execute(
            "li",
            Command::SetTarget {
                target: Target::new("own", team("li"), q(2026, 2), cny(1)),
            },
        )
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::PermissionDenied);
    let err = e
        .execute("wang", Command::RemoveTarget { target: "w".into() })
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::PermissionDenied);
    let err = e
        .execute(
            "admin",
            Command::RemoveTarget {
                target: "nope".into(),
            },
        )
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound);

    // what succeeded above is the two extra targets, nothing else
    assert_eq!(e.view().state().position(), position + 2);
    e.execute("admin", Command::RemoveTarget { target: "x".into() })
        .unwrap();
    e.execute("admin", Command::RemoveTarget { target: "y".into() })
        .unwrap();
    let after: Vec<Target> = e.view().targets().into_iter().cloned().collect();
    assert_eq!(after, before);
}

/// A random org of one manager and `reps` reps, deals among them.
fn deal_strategy(reps: usize) -> impl Strategy<Value = Vec<(usize, i64, u8, u32)>> {
    prop::collection::vec((0..=reps, 0i64..1_000_000, 0u8..6, 0u32..120), 0..60)
}

fn org(reps: usize) -> Vec<User> {
    let mut v = vec![User::new("m", "Manager", Role::Manager)];
    for i in 0..reps {
        v.push(User::new(format!("r{i}"), format!("Rep {i}"), Role::Rep).managed_by("m"));
    }
    v
}

fn deals_of(raw: &[(usize, i64, u8, u32)]) -> Vec<DealRow> {
    let base: chrono::NaiveDate = "2026-01-01".parse().unwrap();
    raw.iter()
        .map(|&(who, amount, kind, day)| {
            let owner = if who == 0 {
                "m".to_owned()
            } else {
                format!("r{}", who - 1)
            };
            let date = base + chrono::Days::new(u64::from(day));
            let at = Timestamp::from_date(date).plus_millis(3_600_000);
            let cats = [
                ForecastCategory::Pipeline,
                ForecastCategory::BestCase,
                ForecastCategory::Commit,
                ForecastCategory::Omitted,
            ];
            match kind {
                0 | 1 => DealRow::won(owner, cny(amount), at),
                2 => DealRow {
                    outcome: DealOutcome::Lost,
                    ..DealRow::won(owner, cny(amount), at)
                },
                k => DealRow::open(owner, cny(amount), date, f64::from(day % 11) / 10.0)
                    .category(cats[usize::from(k) % 4]),
            }
        })
        .collect()
}

proptest! {
    #[test]
    fn reps_sum_to_the_team_and_the_order_of_deals_does_not_matter(
        reps in 1usize..5,
        raw in deal_strategy(4),
        seed in any::<u64>(),
    ) {
        let users = org(reps);
        let raw: Vec<_> = raw.into_iter().filter(|d| d.0 <= reps).collect();
        let deals = deals_of(&raw);
        let q1 = q(2026, 1);
        // decomposed targets: the team's is the sum of its reps'
        let mut targets: Vec<Target> = (0..reps)
            .map(|i| Target::new(format!("t{i}"), rep(&format!("r{i}")), q1, cny(100_000 * (i as i64 + 1))))
            .collect();
        let whole: i64 = targets.iter().map(|t| t.revenue.minor()).sum();
        targets.push(Target::new("team", team("m"), q1, cny(whole)));
        let input = AttainmentInput { users: &users, targets: &targets, deals: &deals };
        let r = attainment(&input, &AttainmentQuery::new(q1)).unwrap();
        prop_assert!(r.decomposition.is_empty());
        let team_row = r.row(&team("m")).unwrap();
        let parts: Vec<&AttainmentRow> = r.rows.iter().filter(|x| matches!(x.scope, Scope::Rep(_))).collect();
        let sum = |f: &dyn Fn(&AttainmentRow) -> i64| parts.iter().map(|x| f(x)).sum::<i64>();
        prop_assert_eq!(team_row.closed_won.minor(), sum(&|x| x.closed_won.minor()));
        prop_assert_eq!(team_row.open_pipeline.minor(), sum(&|x| x.open_pipeline.minor()));
        prop_assert_eq!(team_row.commit.minor(), sum(&|x| x.commit.minor()));
        prop_assert_eq!(team_row.best_case.minor(), sum(&|x| x.best_case.minor()));
        prop_assert_eq!(team_row.omitted.minor(), sum(&|x| x.omitted.minor()));
        prop_assert_eq!(team_row.deals_won, parts.iter().map(|x| x.deals_won).sum::<u64>());
        // the gaps of the reps with targets sum to the team's minus what the manager won alone
        let manager_won = r.row(&rep("m")).unwrap().closed_won.minor();
        let rep_gaps: i64 = parts.iter().filter_map(|x| x.gap.map(|g| g.minor())).sum();
        prop_assert_eq!(team_row.gap.unwrap().minor(), rep_gaps - manager_won);
        let weighted: f64 = parts.iter().map(|x| x.weighted_pipeline).sum();
        prop_assert!((team_row.weighted_pipeline - weighted).abs() < 1e-3);
        prop_assert_eq!(r.row(&Scope::Company).unwrap().closed_won, team_row.closed_won);

        // any order of the deals (and of the users and targets) gives the same report
        let mut shuffled = deals.clone();
        let mut users2 = users.clone();
        let mut targets2 = targets.clone();
        let mut s = seed;
        for i in (1..shuffled.len()).rev() {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            shuffled.swap(i, (s >> 33) as usize % (i + 1));
        }
        users2.reverse();
        targets2.reverse();
        let again = attainment(
            &AttainmentInput { users: &users2, targets: &targets2, deals: &shuffled },
            &AttainmentQuery::new(q1),
        ).unwrap();
        prop_assert_eq!(again, r);
    }
}
