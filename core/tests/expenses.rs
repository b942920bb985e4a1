//! Expenses per customer (费用控制): approval through the quote machinery, hand-computed
//! reports, bad input, and order independence.
#![allow(clippy::unwrap_used)]

mod common;
use common::*;

use proptest::prelude::*;
use salespipe::management::expense::*;
use salespipe::*;

fn day(s: &str) -> chrono::NaiveDate {
    s.parse().unwrap()
}

/// admin; li manages wang and qian; li approves expenses, zhao (finance) approves gifts after li.
fn engine(clock: &ManualClock) -> Engine {
    let mut e = Engine::with_clock(clock.clone());
    e.register_user("admin", User::new("admin", "Admin", Role::Admin))
        .unwrap();
    e.register_user("admin", User::new("li", "李经理", Role::Manager))
        .unwrap();
    e.register_user("admin", User::new("zhao", "赵财务", Role::Manager))
        .unwrap();
    for r in ["wang", "qian"] {
        e.register_user("admin", User::new(r, r, Role::Rep).managed_by("li"))
            .unwrap();
    }
    let step = |name: &str, who: &str| ApprovalStep {
        name: name.into(),
        approvers: vec![who.into()],
        policy: StepPolicy::Any,
    };
    e.execute(
        "admin",
        Command::DefineProcess {
            process: ApprovalProcess::new("expense", "费用审批").step(step("Manager", "li")),
        },
    )
    .unwrap();
    e.execute(
        "admin",
        Command::DefineProcess {
            process: ApprovalProcess::new("gifts", "礼品审批")
                .step(step("Manager", "li"))
                .step(step("Finance", "zhao")),
        },
    )
    .unwrap();
    e.execute(
        "admin",
        Command::ConfigureExpenses {
            settings: ExpenseSettings::new("expense")
                .category(ExpenseCategory::new("entertainment", "业务招待"))
                .category(ExpenseCategory::new("travel", "差旅"))
                .category(ExpenseCategory {
                    process: Some("gifts".into()),
                    ..ExpenseCategory::new("gifts", "礼品")
                }),
        },
    )
    .unwrap();
    e.define_pipeline(
        "admin",
        Pipeline::builder("sales", "Sales")
            .stage(Stage::new("qualify", "Qualify", 0.2))
            .build()
            .unwrap(),
    )
    .unwrap();
    e.create_customer("wang", Customer::new("acme", "Acme"))
        .unwrap();
    e.create_customer("qian", Customer::new("globex", "Globex"))
        .unwrap();
    e
}

fn exp(id: &str, customer: &str, rep: &str, category: &str, amount: Money, date: &str) -> Expense {
    Expense::new(id, customer, rep, category, amount, day(date))
}

#[test]
fn approval_rejection_resubmission_and_the_report_by_customer_category_rep() {
    let clock = ManualClock::new(t("2026-03-02T01:00:00Z"));
    let mut e = engine(&clock);
    let mut deal = NewOpportunity::new("o1", "sales", "acme", "wang", "ERP", cny(1_000_000));
    deal.source = Some("高交会".into());
    e.create_opportunity("wang", deal).unwrap();
    e.win("wang", "o1").unwrap();

    e.execute(
        "wang",
        Command::SubmitExpense {
            expense: exp(
                "e1",
                "acme",
                "wang",
                "entertainment",
                cny(88_000),
                "2026-03-02",
            )
            .opportunity("o1"),
        },
    )
    .unwrap();
    e.execute(
        "wang",
        Command::SubmitExpense {
            expense: exp("e2", "acme", "wang", "travel", cny(50_000), "2026-03-03"),
        },
    )
    .unwrap();
    e.execute(
        "qian",
        Command::SubmitExpense {
            expense: exp("e3", "globex", "qian", "gifts", cny(30_000), "2026-03-04"),
        },
    )
    .unwrap();
    e.execute(
        "qian",
        Command::SubmitExpense {
            expense: exp("e4", "globex", "qian", "travel", usd(9_900), "2026-03-05"),
        },
    )
    .unwrap();
    e.execute(
        "wang",
        Command::SubmitExpense {
            expense: exp("e5", "acme", "wang", "travel", cny(1_000), "2026-02-27"),
        },
    )
    .unwrap();
    clock.set(t("2026-03-06T01:00:00Z"));
    e.execute(
        "li",
        Command::DecideExpense {
            expense: "e1".into(),
            decision: Decision::Approve,
            comment: "".into(),
        },
    )
    .unwrap();
    e.execute(
        "li",
        Command::DecideExpense {
            expense: "e2".into(),
            decision: Decision::Reject,
            comment: "too expensive: economy class".into(),
        },
    )
    .unwrap();
    e.execute(
        "li",
        Command::DecideExpense {
            expense: "e3".into(),
            decision: Decision::Approve,
            comment: "".into(),
        },
    )
    .unwrap(); // step 2 (finance) waits
    e.execute(
        "li",
        Command::DecideExpense {
            expense: "e4".into(),
            decision: Decision::Approve,
            comment: "".into(),
        },
    )
    .unwrap();
    assert_eq!(
        e.view().expense(&"e3".into()).unwrap().status(),
        ExpenseStatus::Pending
    );
    assert_eq!(
        e.view().expense(&"e2".into()).unwrap().status(),
        ExpenseStatus::Rejected
    );
    let mid = e.now();

    clock.set(t("2026-03-07T01:00:00Z"));
    e.execute(
        "wang",
        Command::ResubmitExpense {
            expense: "e2".into(),
            amount: Some(cny(30_000)),
            note: Some("economy".into()),
        },
    )
    .unwrap();
    let x = e.view().expense(&"e2".into()).unwrap().clone();
    assert_eq!((x.request.round, x.request.step), (2, 0));
    assert_eq!(x.expense.amount, cny(30_000));
    assert_eq!(x.request.decisions.len(), 1); // round 1's rejection is kept
    e.execute(
        "li",
        Command::DecideExpense {
            expense: "e2".into(),
            decision: Decision::Approve,
            comment: "ok".into(),
        },
    )
    .unwrap();

    let march = ExpenseQuery {
        from: Some(day("2026-03-01")),
        to: Some(day("2026-04-01")),
        as_of: None,
    };
    let r = e.view().expense_report(&march).unwrap();
    // the company: approved e1 + e2 (CNY) and e4 (USD), pending e3, e5 is February
    assert_eq!(r.total.approved["CNY"], 118_000);
    assert_eq!(r.total.approved["USD"], 9_900);
    assert_eq!(r.total.pending["CNY"], 30_000);
    assert!(r.total.rejected.is_empty());
    assert_eq!(r.total.count, 4);
    let acme = &r.customers[0];
    assert_eq!(acme.customer, "acme");
    assert_eq!(acme.totals.approved["CNY"], 118_000);
    assert_eq!(acme.won["CNY"], 1_000_000);
    assert_eq!(acme.expense_to_won["CNY"], 0.118);
    let globex = &r.customers[1];
    assert!(globex.expense_to_won.is_empty()); // nothing won: no ratio, not 0
    let travel = r
        .categories
        .iter()
        .find(|c| c.category == "travel")
        .unwrap();
    assert_eq!(travel.totals.approved["CNY"], 30_000);
    assert_eq!(travel.share["CNY"], 30_000.0 / 118_000.0);
    assert_eq!(travel.share["USD"], 1.0);
    let gifts = r.categories.iter().find(|c| c.category == "gifts").unwrap();
    assert!(gifts.share.is_empty()); // nothing approved yet
    let wang = r.reps.iter().find(|x| x.rep == "wang").unwrap();
    assert_eq!(wang.totals.approved["CNY"], 118_000);
    assert!(r.to_string().contains("by category"));

    // as of before the resubmission: e2 rejected at 500.00, e3 pending
    let before = e
        .view()
        .expense_report(&ExpenseQuery {
            as_of: Some(mid),
            ..march
        })
        .unwrap();
    assert_eq!(before.total.rejected["CNY"], 50_000);
    assert_eq!(before.total.approved["CNY"], 88_000);

    // finance approves the gift: approved by both steps
    e.execute(
        "zhao",
        Command::DecideExpense {
            expense: "e3".into(),
            decision: Decision::Approve,
            comment: "".into(),
        },
    )
    .unwrap();
    assert_eq!(
        e.view().expense(&"e3".into()).unwrap().status(),
        ExpenseStatus::Approved
    );
    // withdrawn expenses are counted apart
    e.execute(
        "wang",
        Command::SubmitExpense {
            expense: exp("e6", "acme", "wang", "travel", cny(700), "2026-03-09"),
        },
    )
    .unwrap();
    e.execute(
        "wang",
        Command::WithdrawExpense {
            expense: "e6".into(),
        },
    )
    .unwrap();
    let r = e.view().expense_report(&march).unwrap();
    assert_eq!(r.total.withdrawn["CNY"], 700);
    assert_eq!(r.total.approved["CNY"], 148_000);
}

#[test]
fn bad_expenses_and_bad_decisions_are_refused_and_nothing_changes() {
    let clock = ManualClock::new(t("2026-03-02T01:00:00Z"));
    let mut e = engine(&clock);
    e.create_opportunity(
        "qian",
        NewOpportunity::new("g1", "sales", "globex", "qian", "g", cny(1)),
    )
    .unwrap();
    e.execute(
        "wang",
        Command::SubmitExpense {
            expense: exp("ok", "acme", "wang", "travel", cny(100), "2026-03-02"),
        },
    )
    .unwrap();
    let position = e.view().state().position();
    let code = |r: Result<Vec<RecordedEvent>>| r.unwrap_err();

    let err = code(e.execute(
        "wang",
        Command::SubmitExpense {
            expense: exp("x", "acme", "wang", "yacht", cny(1), "2026-03-02"),
        },
    ));
    assert_eq!(err.code(), ErrorCode::Validation);
    assert!(err.to_string().contains("expense.category"), "{err}");
    assert!(
        err.to_string().contains("entertainment, travel, gifts"),
        "{err}"
    );
    for amount in [cny(-1), cny(0)] {
        let err = code(e.execute(
            "wang",
            Command::SubmitExpense {
                expense: exp("x", "acme", "wang", "travel", amount, "2026-03-02"),
            },
        ));
        assert_eq!(err.code(), ErrorCode::Validation);
        assert!(err.to_string().contains("expense.amount"), "{err}");
    }
    let err = code(e.execute(
        "wang",
        Command::SubmitExpense {
            expense: exp("x", "nobody", "wang", "travel", cny(1), "2026-03-02"),
        },
    ));
    assert_eq!(
        err,
        Error::not_found_at("customer", "nobody", "expense.customer")
    );
    let err = code(e.execute(
        "wang",
        Command::SubmitExpense {
            expense: exp("x", "acme", "ghost", "travel", cny(1), "2026-03-02"),
        },
    ));
    assert!(err.to_string().contains("expense.rep"), "{err}");
    let err = code(e.execute(
        "wang",
        Command::SubmitExpense {
            expense: exp("x", "acme", "wang", "travel", cny(1), "2026-03-02").opportunity("g1"),
        },
    ));
    assert!(err.to_string().contains("expense.opportunity"), "{err}");
    let err = code(e.execute(
        "wang",
        Command::SubmitExpense {
            expense: exp("ok", "acme", "wang", "travel", cny(1), "2026-03-02"),
        },
    ));
    assert_eq!(err.code(), ErrorCode::AlreadyExists);
    // another rep's expense
    let err = code(e.execute(
        "qian",
        Command::SubmitExpense {
            expense: exp("x", "acme", "wang", "travel", cny(1), "2026-03-02"),
        },
    ));
    assert_eq!(err.code(), ErrorCode::PermissionDenied);

    // li may not submit an expense that only li could approve: nobody decides their own
    // request, so it could never be decided
    let err = code(e.execute(
        "li",
        Command::SubmitExpense {
            expense: exp("by-li", "acme", "wang", "travel", cny(5), "2026-03-02"),
        },
    ));
    assert_eq!(err.code(), ErrorCode::Validation);
    assert!(err.to_string().contains("step 1 \"Manager\""), "{err}");
    assert!(err.to_string().contains("own request"), "{err}");

    // with zhao and admin beside li on the step, li submits for wang and may not approve it
    // (the submitter); wang may not either (not an approver, and it is wang's own)
    e.execute(
        "admin",
        Command::DefineProcess {
            process: ApprovalProcess::new("expense", "费用审批").step(ApprovalStep {
                name: "Manager".into(),
                approvers: vec!["li".into(), "zhao".into(), "admin".into()],
                policy: StepPolicy::Any,
            }),
        },
    )
    .unwrap();
    e.execute(
        "li",
        Command::SubmitExpense {
            expense: exp("by-li", "acme", "wang", "travel", cny(5), "2026-03-02"),
        },
    )
    .unwrap();
    let err = code(e.execute(
        "li",
        Command::DecideExpense {
            expense: "by-li".into(),
            decision: Decision::Approve,
            comment: "".into(),
        },
    ));
    assert_eq!(err.code(), ErrorCode::PermissionDenied);
    assert!(err.to_string().contains("own"), "{err}");
    let err = code(e.execute(
        "wang",
        Command::DecideExpense {
            expense: "ok".into(),
            decision: Decision::Approve,
            comment: "".into(),
        },
    ));
    assert_eq!(err.code(), ErrorCode::PermissionDenied);
    let err = code(e.execute(
        "qian",
        Command::DecideExpense {
            expense: "ok".into(),
            decision: Decision::Approve,
            comment: "".into(),
        },
    ));
    assert_eq!(err.code(), ErrorCode::PermissionDenied); // not an approver of step 1
    let err = code(e.execute(
        "li",
        Command::DecideExpense {
            expense: "ok".into(),
            decision: Decision::Reject,
            comment: "  ".into(),
        },
    ));
    assert_eq!(err.code(), ErrorCode::Validation);
    let err = code(e.execute(
        "li",
        Command::DecideExpense {
            expense: "nope".into(),
            decision: Decision::Approve,
            comment: "".into(),
        },
    ));
    assert_eq!(err.code(), ErrorCode::NotFound);
    let err = code(e.execute(
        "wang",
        Command::ResubmitExpense {
            expense: "ok".into(),
            amount: None,
            note: None,
        },
    ));
    assert_eq!(err.code(), ErrorCode::InvalidTransition);

    // an approver cannot approve their own expense: neither one they submitted, nor one
    // their manager submitted for them
    e.register_user(
        "admin",
        User::new("li", "李经理", Role::Manager).managed_by("admin"),
    )
    .unwrap();
    for (by, id) in [("li", "li-own"), ("admin", "for-li")] {
        e.execute(
            by,
            Command::SubmitExpense {
                expense: exp(id, "acme", "li", "travel", cny(5), "2026-03-02"),
            },
        )
        .unwrap();
        let err = code(e.execute(
            "li",
            Command::DecideExpense {
                expense: id.into(),
                decision: Decision::Approve,
                comment: "".into(),
            },
        ));
        assert_eq!(err.code(), ErrorCode::PermissionDenied);
        assert!(err.to_string().contains("own"), "{err}");
    }

    // the approved path still works, and nothing else was written
    e.execute(
        "li",
        Command::DecideExpense {
            expense: "ok".into(),
            decision: Decision::Approve,
            comment: "".into(),
        },
    )
    .unwrap();
    let err = code(e.execute(
        "wang",
        Command::WithdrawExpense {
            expense: "ok".into(),
        },
    ));
    assert_eq!(err.code(), ErrorCode::InvalidTransition);
    // the process, by-li, the user update, li-own, for-li, the approval: six events
    assert_eq!(e.view().state().position(), position + 6);

    // settings naming undefined processes are refused, listing every problem
    let err = e
        .execute(
            "admin",
            Command::ConfigureExpenses {
                settings: ExpenseSettings::new("none").category(ExpenseCategory {
                    process: Some("nope".into()),
                    ..ExpenseCategory::new("travel", "")
                }),
            },
        )
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidDefinition);
    assert!(err.to_string().contains("categories[0].process"), "{err}");
    assert!(err.to_string().contains("categories[0].name"), "{err}");
}

#[test]
fn the_column_path_refuses_bad_rows_naming_the_field() {
    let row = |id: &str, amount: Money| {
        ExpenseRow::new(
            id,
            "acme",
            "wang",
            "travel",
            amount,
            ExpenseStatus::Approved,
        )
    };
    let q = ExpenseQuery::default();
    let err = expense_report(&[row("a", cny(0))], &[], &q).unwrap_err();
    assert!(err.to_string().contains("rows[0].amount"), "{err}");
    let err = expense_report(&[row("a", cny(1)), row("a", cny(1))], &[], &q).unwrap_err();
    assert!(err.to_string().contains("rows[1].id"), "{err}");
    let err = expense_report(&[row("", cny(1))], &[], &q).unwrap_err();
    assert!(err.to_string().contains("rows[0].id"), "{err}");
    let bad = ExpenseQuery {
        from: Some(day("2026-03-02")),
        to: Some(day("2026-03-01")),
        as_of: None,
    };
    assert!(expense_report(&[], &[], &bad).is_err());
    // an empty period: empty maps, no ratios
    let r = expense_report(&[], &[], &q).unwrap();
    assert_eq!(r.total, ExpenseTotals::default());
}

proptest! {
    #[test]
    fn the_order_of_rows_does_not_change_the_report(
        raw in prop::collection::vec((0usize..3, 0usize..3, 0usize..3, 1i64..100_000, 0u8..4, any::<bool>()), 0..40),
        seed in any::<u64>(),
    ) {
        let statuses = [ExpenseStatus::Approved, ExpenseStatus::Pending, ExpenseStatus::Rejected, ExpenseStatus::Withdrawn];
        let rows: Vec<ExpenseRow> = raw.iter().enumerate().map(|(i, &(c, k, r, a, s, dollars))| {
            let amount = if dollars { usd(a) } else { cny(a) };
            ExpenseRow::new(format!("e{i}"), format!("c{c}"), format!("r{r}"), ["travel", "gifts", "samples"][k], amount, statuses[usize::from(s)])
        }).collect();
        let won = vec![WonRow { customer: "c0".into(), amount: cny(1_000_000), closed_at: t("2026-03-01T00:00:00Z") }];
        let q = ExpenseQuery::default();
        let r = expense_report(&rows, &won, &q).unwrap();
        // the parts add up to the whole
        let sum = |f: &dyn Fn(&ExpenseTotals) -> i64| r.customers.iter().map(|c| f(&c.totals)).sum::<i64>();
        let cny_of = |m: &std::collections::BTreeMap<String, i64>| m.get("CNY").copied().unwrap_or(0);
        prop_assert_eq!(sum(&|t| cny_of(&t.approved)), cny_of(&r.total.approved));
        prop_assert_eq!(r.categories.iter().map(|c| cny_of(&c.totals.pending)).sum::<i64>(), cny_of(&r.total.pending));
        let mut shuffled = rows;
        let mut s = seed;
        for i in (1..shuffled.len()).rev() {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            shuffled.swap(i, (s >> 33) as usize % (i + 1));
        }
        prop_assert_eq!(expense_report(&shuffled, &won, &q).unwrap(), r);
    }
}
