//! Reads as the policy decides: a rep sees their own, a manager their subtree, an admin
//! everything, an unregistered reader nothing; the host reads everything; a custom policy
//! may open every read.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use salespipe::*;

fn engine() -> Engine {
    let mut e = Engine::with_clock(ManualClock::new(t("2026-03-02T09:00:00Z")));
    setup(&mut e);
    e.create_customer("qian", Customer::new("globex", "Globex").owned_by("qian"))
        .unwrap();
    e.create_opportunity("wang", new_opp("o1", 100_000))
        .unwrap();
    let mut o2 = new_opp("o2", 50_000);
    o2.customer = "globex".into();
    o2.owner = "qian".into();
    e.create_opportunity("qian", o2).unwrap();
    e
}

fn ids(r: QueryResult) -> Vec<String> {
    match r {
        QueryResult::Opportunities(list) => list.into_iter().map(|o| o.id.to_string()).collect(),
        QueryResult::Customers(list) => list.into_iter().map(|c| c.id.to_string()).collect(),
        other => panic!("{other:?}"),
    }
}

fn opportunities(e: &Engine, reader: impl Into<Reader>) -> Vec<String> {
    ids(e
        .query(
            reader,
            Query::Opportunities {
                pipeline: None,
                stage: None,
                as_of: None,
            },
        )
        .unwrap())
}

#[test]
fn each_reader_sees_their_share() {
    let e = engine();
    assert_eq!(opportunities(&e, "wang"), ["o1"]);
    assert_eq!(opportunities(&e, "qian"), ["o2"]);
    assert_eq!(opportunities(&e, "li"), ["o1", "o2"]); // their subtree
    assert_eq!(opportunities(&e, "admin"), ["o1", "o2"]);
    assert_eq!(opportunities(&e, Reader::Host), ["o1", "o2"]);
    let customers = |r: &str| ids(e.query(r, Query::Customers { as_of: None }).unwrap());
    assert_eq!(customers("wang"), ["acme"]); // acme is nobody's: everyone's
    assert_eq!(customers("qian"), ["acme", "globex"]);

    let one = |r: &str, id: &str| {
        e.query(
            r,
            Query::Opportunity {
                id: id.into(),
                as_of: None,
            },
        )
    };
    let err = one("qian", "o1").unwrap_err();
    assert_eq!(err.code(), ErrorCode::PermissionDenied);
    assert!(err.to_string().contains("o1"), "{err}");
    assert!(one("li", "o1").is_ok());
    let gate = e.query(
        "qian",
        Query::Gate {
            id: "o1".into(),
            target: "demo".into(),
            as_of: None,
        },
    );
    assert_eq!(gate.unwrap_err().code(), ErrorCode::PermissionDenied);
    let err = e
        .query("mallory", Query::Users { as_of: None })
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::PermissionDenied);
}

#[test]
fn the_funnel_counts_the_deals_in_sight_and_company_reads_need_an_admin() {
    let e = engine();
    let funnel = |r: &str| -> u64 {
        let QueryResult::Funnel(sections) = e
            .query(
                r,
                Query::Funnel {
                    pipeline: "sales".into(),
                    options: FunnelOptions::default(),
                    as_of: None,
                },
            )
            .unwrap()
        else {
            panic!()
        };
        sections
            .iter()
            .map(|s| s.report.total.stages[0].entered)
            .sum()
    };
    assert_eq!(funnel("wang"), 1);
    assert_eq!(funnel("li"), 2);
    assert_eq!(funnel("admin"), 2);
    let events = e.query(
        "li",
        Query::Events {
            after: 0,
            limit: None,
        },
    );
    assert_eq!(events.unwrap_err().code(), ErrorCode::PermissionDenied);
    assert!(e
        .query(
            "admin",
            Query::Events {
                after: 0,
                limit: None
            }
        )
        .is_ok());
}

/// A host that does its own read control opens every read through its policy.
#[test]
fn a_policy_may_open_every_read() {
    #[derive(Debug)]
    struct OpenReads;
    impl Policy for OpenReads {
        fn allows(&self, d: Directory<'_>, a: &ActorId, action: Action<'_>) -> bool {
            DefaultPolicy.allows(d, a, action)
        }
        fn visibility(&self, _: Directory<'_>, _: &ActorId) -> Visibility {
            Visibility::Everything
        }
    }
    let base = engine();
    let e = Engine::builder()
        .shared_store(base.store().clone())
        .policy(OpenReads)
        .build()
        .unwrap();
    assert_eq!(opportunities(&e, "wang"), ["o1", "o2"]);
}
