//! Property: for random histories and random instants, the engine's incrementally maintained
//! reminder index answers exactly what a brute-force scan of the whole state answers.
#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions

use std::time::Duration;

use proptest::prelude::*;
use salespipe::scan;
use salespipe::*;

const DAY_MS: i64 = 86_400_000;
const T0: i64 = 1_772_323_200_000; // 2026-03-01T00:00:00Z
const USERS: [&str; 4] = ["wang", "li", "zhao", "qian"];
const CUSTOMERS: [&str; 3] = ["acme", "globex", "initech"];
const STAGES: [&str; 3] = ["qualify", "demo", "quote"];
const ZONES: [&str; 4] = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Shanghai"];

#[derive(Debug, Clone)]
enum Op {
    Clock(i64),
    CreateOpp(u8, u8, u8),
    Activity {
        opp: Option<u8>,
        cust: u8,
        at: i64,
        follow_up: Option<i64>,
    },
    Task {
        owner: u8,
        due: i64,
        opp: Option<u8>,
    },
    TaskDone(u8, bool),
    Move(u8, u8),
    Lose(u8),
    Reopen(u8),
    CloseDate(u8, u8),
    Submit(u8, u8),
    Decide(u8, bool),
    Rules {
        tz: u8,
        esc: Option<u8>,
        idle: Option<u8>,
        quiet: bool,
        lead: u8,
        per_pipeline: bool,
    },
    Customer {
        cust: u8,
        key: bool,
        cadence: u8,
        owner: Option<u8>,
    },
    Manager(u8, Option<u8>),
    Mark {
        pick: u16,
        what: u8,
        until: i64,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let opt_small = proptest::option::of(0u8..4);
    prop_oneof![
        2 => (0i64..3 * DAY_MS).prop_map(Op::Clock),
        3 => (0u8..6, 0u8..3, 0u8..4).prop_map(|(o, c, u)| Op::CreateOpp(o, c, u)),
        4 => (proptest::option::of(0u8..6), 0u8..3, -DAY_MS..20 * DAY_MS, proptest::option::of(0i64..10 * DAY_MS))
            .prop_map(|(opp, cust, at, follow_up)| Op::Activity { opp, cust, at, follow_up }),
        3 => (0u8..4, -DAY_MS..20 * DAY_MS, proptest::option::of(0u8..6))
            .prop_map(|(owner, due, opp)| Op::Task { owner, due, opp }),
        2 => (0u8..8, any::<bool>()).prop_map(|(t, d)| Op::TaskDone(t, d)),
        2 => (0u8..6, 0u8..3).prop_map(|(o, s)| Op::Move(o, s)),
        1 => (0u8..6).prop_map(Op::Lose),
        1 => (0u8..6).prop_map(Op::Reopen),
        2 => (0u8..6, 0u8..40).prop_map(|(o, d)| Op::CloseDate(o, d)),
        2 => (0u8..6, 0u8..3).prop_map(|(o, r)| Op::Submit(o, r)),
        2 => (0u8..6, any::<bool>()).prop_map(|(o, a)| Op::Decide(o, a)),
        1 => (0u8..4, opt_small.clone(), opt_small.clone(), any::<bool>(), 0u8..3, any::<bool>())
            .prop_map(|(tz, esc, idle, quiet, lead, per_pipeline)| Op::Rules { tz, esc, idle, quiet, lead, per_pipeline }),
        1 => (0u8..3, any::<bool>(), 0u8..4, opt_small.clone())
            .prop_map(|(cust, key, cadence, owner)| Op::Customer { cust, key, cadence, owner }),
        1 => (1u8..4, opt_small).prop_map(|(u, m)| Op::Manager(u, m)),
        3 => (any::<u16>(), 0u8..3, 0i64..5 * DAY_MS).prop_map(|(pick, what, until)| Op::Mark { pick, what, until }),
    ]
}

fn ts(ms: i64) -> Timestamp {
    Timestamp::from_millis(ms)
}

fn setup(clock: &ManualClock) -> Engine {
    let mut e = Engine::builder().clock(clock.clone()).build().unwrap();
    e.register_user("boss", User::new("boss", "Boss", Role::Admin))
        .unwrap();
    for u in USERS {
        e.register_user("boss", User::new(u, u, Role::Manager).managed_by("boss"))
            .unwrap();
    }
    let mut process = ApprovalProcess::new("qa", "Quote approval")
        .step(ApprovalStep {
            name: "Managers".into(),
            approvers: vec!["li".into(), "zhao".into()],
            policy: StepPolicy::All,
        })
        .step(ApprovalStep {
            name: "Boss".into(),
            approvers: vec!["qian".into()],
            policy: StepPolicy::Any,
        });
    process.sla = Some(Duration::from_secs(36 * 3600));
    e.execute("boss", Command::DefineProcess { process })
        .unwrap();
    e.define_pipeline(
        "boss",
        Pipeline::builder("sales", "Sales")
            .stage(Stage::new("qualify", "Q", 0.1).rotting_after(Duration::from_secs(5 * 86_400)))
            .stage(Stage::new("demo", "D", 0.3))
            .stage(Stage::new("quote", "Q", 0.6).rotting_after(Duration::from_secs(2 * 86_400)))
            .allow_skip(true)
            .build()
            .unwrap(),
    )
    .unwrap();
    for c in CUSTOMERS {
        e.create_customer("boss", Customer::new(c, c)).unwrap();
    }
    e
}

fn opp_id(i: u8) -> String {
    format!("opp-{i}")
}

fn run(e: &mut Engine, clock: &ManualClock, op: &Op, n: usize) {
    let now = clock.now().as_millis();
    let d = |days: u8| Some(Duration::from_secs(u64::from(days) * 86_400 / 2 + 3600));
    let _ = match op.clone() {
        Op::Clock(ms) => {
            clock.set(ts(now + ms));
            Ok(())
        }
        Op::CreateOpp(o, c, u) => e.create_opportunity(
            USERS[u as usize],
            NewOpportunity::new(
                opp_id(o),
                "sales",
                CUSTOMERS[c as usize],
                USERS[u as usize],
                "deal",
                Money::parse("100", "CNY").unwrap(),
            ),
        ),
        Op::Activity {
            opp,
            cust,
            at,
            follow_up,
        } => {
            let cust = match opp.and_then(|o| {
                e.view()
                    .opportunity(&opp_id(o).into())
                    .ok()
                    .map(|o| o.customer.to_string())
            }) {
                Some(c) => c,
                None => CUSTOMERS[cust as usize].to_owned(),
            };
            let mut a = Activity::new(format!("act-{n}"), "call", cust.as_str(), ts(now + at));
            a.opportunity = opp.map(|o| opp_id(o).into());
            a.next_follow_up = follow_up.map(|f| ts(now + at + f));
            e.log_activity("wang", a)
        }
        Op::Task { owner, due, opp } => {
            let mut t = Task::new(
                format!("task-{}", n % 8),
                "t",
                USERS[owner as usize],
                ts(now + due),
            );
            t.opportunity = opp.map(|o| opp_id(o).into());
            e.create_task("boss", t)
        }
        Op::TaskDone(t, done) => {
            let id = format!("task-{t}");
            if done {
                e.complete_task("boss", id.as_str())
            } else {
                e.execute("boss", Command::ReopenTask { task: id.into() })
                    .map(drop)
            }
        }
        Op::Move(o, s) => {
            let to = STAGES[s as usize];
            match e.advance("boss", opp_id(o), to) {
                Ok(()) => Ok(()),
                Err(_) => e.move_back("boss", opp_id(o), to, None),
            }
        }
        Op::Lose(o) => e.lose("boss", opp_id(o), "price", None),
        Op::Reopen(o) => e.reopen("boss", opp_id(o), None, "back"),
        Op::CloseDate(o, days) => {
            let date = ts(T0 + i64::from(days) * DAY_MS).to_datetime().date_naive();
            e.update_opportunity(
                "boss",
                opp_id(o),
                OpportunityPatch {
                    expected_close: Some(Some(date)),
                    ..Default::default()
                },
            )
        }
        Op::Submit(o, r) => {
            let req = format!("req-{o}-{r}");
            match e.submit_approval("wang", opp_id(o), "qa", req.as_str()) {
                Ok(()) => Ok(()),
                Err(_) => e
                    .execute(
                        "wang",
                        Command::ResubmitApproval {
                            opportunity: opp_id(o).into(),
                            request: req.as_str().into(),
                        },
                    )
                    .map(drop),
            }
        }
        Op::Decide(o, approve) => {
            let view = e.view();
            let Ok(opp) = view.opportunity(&opp_id(o).into()) else {
                return;
            };
            let Some(req) = opp.approvals.last().cloned() else {
                return;
            };
            let Ok(process) = view.process(&req.process) else {
                return;
            };
            let Some(who) = req.waiting_on(process).first().map(|a| a.to_string()) else {
                return;
            };
            drop(view);
            let decision = if approve {
                Decision::Approve
            } else {
                Decision::Reject
            };
            e.decide_approval(who.as_str(), opp_id(o), req.id, decision, "because")
        }
        Op::Rules {
            tz,
            esc,
            idle,
            quiet,
            lead,
            per_pipeline,
        } => {
            let mut rules = ReminderRules {
                time_zone: ZONES[tz as usize].into(),
                escalate_after: esc.and_then(d),
                key_cadence: Some(Duration::from_secs(4 * 86_400)),
                approval_sla: Some(Duration::from_secs(86_400)),
                quiet_hours: quiet.then(|| QuietHours {
                    from: "21:00:00".parse().unwrap(),
                    to: "07:30:00".parse().unwrap(),
                }),
                task_lead: match lead {
                    0 => TaskLead::Before(Duration::from_secs(7200)),
                    1 => TaskLead::Local {
                        days_before: 1,
                        at: "09:00:00".parse().unwrap(),
                    },
                    _ => TaskLead::Local {
                        days_before: 0,
                        at: "02:30:00".parse().unwrap(),
                    },
                },
                ..ReminderRules::default()
            };
            rules.stale.idle = idle.and_then(d);
            if per_pipeline {
                rules.pipelines.insert(
                    "sales".into(),
                    PipelineRules {
                        time_zone: Some("America/New_York".into()),
                        escalate_after: Some(Duration::from_secs(3600)),
                        task_lead: Some(TaskLead::Local {
                            days_before: 2,
                            at: "23:30:00".parse().unwrap(),
                        }),
                        ..PipelineRules::default()
                    }
                    .stage(
                        "demo",
                        StaleRule {
                            in_stage: Some(Duration::from_secs(86_400)),
                            ..StaleRule::default()
                        },
                    ),
                );
            }
            e.execute("boss", Command::SetReminderRules { rules })
                .map(drop)
        }
        Op::Customer {
            cust,
            key,
            cadence,
            owner,
        } => {
            let mut c = Customer::new(CUSTOMERS[cust as usize], "c");
            c.key = key;
            c.cadence = (cadence > 0).then(|| Duration::from_secs(u64::from(cadence) * 86_400));
            c.owner = owner.map(|o| USERS[o as usize].into());
            e.execute("boss", Command::UpdateCustomer { customer: c })
                .map(drop)
        }
        Op::Manager(u, m) => {
            let mut user = User::new(USERS[u as usize], "u", Role::Manager);
            user.manager = m.filter(|m| *m != u).map(|m| USERS[m as usize].into());
            e.register_user("boss", user)
        }
        Op::Mark { pick, what, until } => {
            let known = scan(e.view().state());
            if known.is_empty() {
                return;
            }
            let r = &known[pick as usize % known.len()];
            match what {
                0 => e.execute(
                    "boss",
                    Command::AcknowledgeReminder {
                        reminder: r.id.clone(),
                    },
                ),
                1 => e.execute(
                    "boss",
                    Command::SnoozeReminder {
                        reminder: r.id.clone(),
                        until: ts(now + until),
                    },
                ),
                _ => e.execute(
                    "boss",
                    Command::DismissReminder {
                        reminder: r.id.clone(),
                    },
                ),
            }
            .map(drop)
        }
    };
}

fn check(e: &Engine, instants: &[i64]) -> Result<(), TestCaseError> {
    let all = scan(e.view().state());
    let base = e.now().as_millis();
    for &off in instants {
        let now = ts(base + off);
        let expected: Vec<Reminder> = all.iter().filter(|r| r.is_due_at(now)).cloned().collect();
        prop_assert_eq!(&e.view().due(now), &expected, "due at {}", now);
        for u in USERS.iter().chain(["boss"].iter()) {
            let mine: Vec<Reminder> = expected
                .iter()
                .filter(|r| r.recipient.as_str() == *u)
                .take(3)
                .cloned()
                .collect();
            prop_assert_eq!(
                &e.view().due_for(&(*u).into(), now, 3),
                &mine,
                "due_for {} at {}",
                u,
                now
            );
        }
        let next = all.iter().map(|r| r.due).filter(|d| *d > now).min();
        prop_assert_eq!(e.view().next_due_after(now), next, "next_due_after {}", now);
        let horizon = Duration::from_secs(2 * 86_400);
        let end = now.plus(horizon);
        let up: Vec<Reminder> = all
            .iter()
            .filter(|r| r.due > now && r.due <= end)
            .cloned()
            .collect();
        prop_assert_eq!(&e.view().upcoming(now, horizon), &up, "upcoming {}", now);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn index_equals_brute_force_scan(
        ops in proptest::collection::vec(op(), 1..60),
        instants in proptest::collection::vec(-3 * DAY_MS..30 * DAY_MS, 1..6),
    ) {
        let clock = ManualClock::new(ts(T0));
        let mut e = setup(&clock);
        for (n, op) in ops.iter().enumerate() {
            run(&mut e, &clock, op, n);
            if n % 10 == 9 {
                check(&e, &instants)?;
            }
        }
        check(&e, &instants)?;
        // A replay of the store builds the same index.
        let replayed = Engine::builder().shared_store(e.store().clone()).build().unwrap();
        for &off in &instants {
            let now = ts(e.now().as_millis() + off);
            prop_assert_eq!(replayed.view().due(now), e.view().due(now));
            // And so does an index built in one scan over the state.
            let built = ReminderIndex::build(e.view().state());
            prop_assert_eq!(built.due(e.view().state(), now), e.view().due(now));
            prop_assert_eq!(built.next_due_after(now), e.view().next_due_after(now));
        }
    }
}
