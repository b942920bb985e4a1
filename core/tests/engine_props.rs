//! Property tests of the engine's invariants over random command sequences.

mod common;

use common::*;
use proptest::prelude::*;
use salespipe::*;

const OPPS: [&str; 3] = ["o1", "o2", "o3"];
const ACTORS: [&str; 5] = ["wang", "qian", "li", "zhao", "admin"];
const STAGES: [&str; 7] = [
    "qualify", "demo", "resolve", "quote", "contract", "won", "lost",
];

fn command_strategy() -> impl Strategy<Value = (usize, Command, u32)> {
    let opp = (0..OPPS.len()).prop_map(|i| OpportunityId::new(OPPS[i]));
    let stage = (0..STAGES.len()).prop_map(|i| StageId::new(STAGES[i]));
    let actor = 0..ACTORS.len();
    let minutes = 0u32..5000;
    let cmd = prop_oneof![
        (opp.clone(), -10i64..10_000_000).prop_map(|(o, a)| Command::CreateOpportunity {
            opportunity: new_opp(o.as_str(), a)
        }),
        (opp.clone(), stage.clone()).prop_map(|(o, s)| Command::Advance {
            opportunity: o,
            to: s
        }),
        (opp.clone(), stage.clone()).prop_map(|(o, s)| Command::ForceAdvance {
            opportunity: o,
            to: s,
            reason: "push".into()
        }),
        (opp.clone(), stage.clone()).prop_map(|(o, s)| Command::MoveBack {
            opportunity: o,
            to: s,
            reason: None
        }),
        opp.clone().prop_map(|o| Command::Win { opportunity: o }),
        (opp.clone(), prop::bool::ANY).prop_map(|(o, good)| Command::Lose {
            opportunity: o,
            reason: if good {
                "price".into()
            } else {
                "weather".into()
            },
            competitor: None
        }),
        (opp.clone(), prop::option::of(stage)).prop_map(|(o, s)| Command::Reopen {
            opportunity: o,
            stage: s,
            reason: "back".into()
        }),
        opp.clone().prop_map(|o| Command::Tick {
            opportunity: o,
            item: "budget confirmed".into()
        }),
        (opp.clone(), -10i64..10_000_000).prop_map(|(o, a)| Command::UpdateOpportunity {
            opportunity: o,
            patch: OpportunityPatch {
                amount: Some(cny(a)),
                ..Default::default()
            }
        }),
        (opp.clone(), 0u8..3).prop_map(|(o, r)| Command::SubmitApproval {
            opportunity: o,
            process: "quote-approval".into(),
            request: format!("r{r}").into()
        }),
        (opp.clone(), 0u8..3, prop::bool::ANY).prop_map(|(o, r, ok)| Command::DecideApproval {
            opportunity: o,
            request: format!("r{r}").into(),
            decision: if ok {
                Decision::Approve
            } else {
                Decision::Reject
            },
            comment: "c".into()
        }),
        (opp.clone(), 0u8..3).prop_map(|(o, r)| Command::ResubmitApproval {
            opportunity: o,
            request: format!("r{r}").into()
        }),
        (opp, 0u32..50).prop_map(|(o, n)| Command::LogActivity {
            activity: Activity::new(format!("a{n}"), "demo", "acme", Timestamp::from_millis(0))
                .on_opportunity(o)
        }),
    ];
    (actor, cmd, minutes)
}

fn stage_of(o: &Opportunity) -> (StageId, bool) {
    (o.stage.clone(), o.is_open())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn replay_rejection_and_closed_invariants(cmds in proptest::collection::vec(command_strategy(), 1..60)) {
        let clock = ManualClock::new(t("2026-03-02T01:00:00Z"));
        let store = InMemoryStore::new();
        let mut engine = Engine::builder().store(store.clone()).clock(clock.clone()).build().unwrap();
        setup(&mut engine);
        for (actor, cmd, minutes) in cmds {
            clock.advance(std::time::Duration::from_secs(u64::from(minutes) * 60));
            let cmd = match cmd {
                Command::LogActivity { mut activity } => { activity.at = clock.now(); Command::LogActivity { activity } }
                other => other,
            };
            let before = engine.view().state().clone();
            let head = store.head().unwrap();
            let closed_before: Vec<(OpportunityId, (StageId, bool))> =
                engine.view().opportunities().iter().map(|o| (o.id.clone(), stage_of(o))).collect();
            match engine.execute(ACTORS[actor], cmd.clone()) {
                Err(_) => {
                    // A rejected command changes nothing.
                    let after = engine.view().state().clone();
                    prop_assert_eq!(after, before, "a rejected command changed the state");
                    prop_assert_eq!(store.head().unwrap(), head);
                }
                Ok(events) => {
                    prop_assert!(!events.is_empty());
                    for (id, (stage, open)) in closed_before {
                        let now = engine.view().opportunity(&id).unwrap().clone();
                        // A closed opportunity never changes stage without a reopen.
                        if !open && !matches!(cmd, Command::Reopen { .. }) {
                            prop_assert!(!now.is_open());
                            prop_assert_eq!(&now.stage, &stage);
                        }
                    }
                }
            }
        }
        // Every stored move out of won/lost is a reopen.
        for e in store.read_all(0, usize::MAX).unwrap() {
            if let Event::Moved { from, how, .. } = &e.event {
                if from.as_str() == WON || from.as_str() == LOST {
                    prop_assert_eq!(*how, MoveKind::Reopened);
                }
            }
        }
        // Each timeline is what its stream's events say, entry for entry (the state keeps
        // it compactly; this checks nothing is lost or made up on the way).
        for e in store.read_all(0, usize::MAX).unwrap() {
            if let Event::OpportunityCreated { opportunity } = &e.event {
                let events = store.read_stream(&e.stream, 0).unwrap();
                let expected: Vec<_> = events.iter().filter_map(|e| match &e.event {
                    Event::OpportunityCreated { opportunity } => Some((
                        e.at, e.actor.clone(), None, opportunity.stage.clone().unwrap(),
                        TimelineKind::Created, None, None,
                    )),
                    Event::Moved { from, to, how, reason, competitor, .. } => Some((
                        e.at, e.actor.clone(), Some(from.clone()), to.clone(),
                        TimelineKind::from(*how), reason.clone(), competitor.clone(),
                    )),
                    _ => None,
                }).collect();
                let actual: Vec<_> = engine.view().timeline(&opportunity.id).unwrap().into_iter().map(|t| (
                    t.at, t.actor, t.from, t.to, t.how, t.reason, t.competitor,
                )).collect();
                prop_assert_eq!(actual, expected);
            }
        }
        // Replaying the stored events reproduces the state exactly.
        let replayed = Engine::builder().store(store).build().unwrap();
        prop_assert!(replayed.view().state() == engine.view().state(), "replay differs from the state");
        // Money: the pipeline total computed in money equals the exact integer sum.
        let amounts: Vec<Money> = engine.view().opportunities().iter().map(|o| o.amount).collect();
        let exact: i128 = amounts.iter().map(|m| i128::from(m.minor())).sum();
        let total = Money::sum(Currency::new("CNY").unwrap(), amounts).unwrap();
        prop_assert_eq!(i128::from(total.minor()), exact);
        for o in engine.view().opportunities() {
            prop_assert!(!o.amount.is_negative());
        }
    }

    #[test]
    fn product_derived_amounts_never_lose_a_minor_unit(
        lines in proptest::collection::vec((1u32..1000, 0i64..10_000_000, 0u32..=10_000), 1..20)
    ) {
        let mut engine = Engine::builder().clock(ManualClock::new(t("2026-03-02T01:00:00Z"))).build().unwrap();
        setup(&mut engine);
        let products: Vec<ProductLine> = lines
            .iter()
            .enumerate()
            .map(|(i, &(q, p, d))| ProductLine::new(format!("p{i}"), q, cny(p)).discount_bp(d))
            .collect();
        let expected: i128 = products.iter().map(|l| i128::from(l.total().unwrap().minor())).sum();
        let mut n = new_opp("o1", 0);
        n.amount_from_products = true;
        n.products = products;
        engine.create_opportunity("wang", n).unwrap();
        prop_assert_eq!(i128::from(engine.view().opportunity(&"o1".into()).unwrap().amount.minor()), expected);
    }
}
