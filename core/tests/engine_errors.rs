//! Every variant of the error enum, produced by the public API.

mod common;

use std::collections::HashSet;

use common::*;
use salespipe::*;

#[test]
fn every_error_code_is_produced() {
    let clock = ManualClock::new(t("2026-03-02T01:00:00Z"));
    let store = InMemoryStore::new();
    let mut e = Engine::builder()
        .store(store.clone())
        .clock(clock.clone())
        .build()
        .unwrap();
    setup(&mut e);
    let mut seen = HashSet::new();
    let mut saw = |r: Result<()>, code: ErrorCode| {
        let err = r.expect_err("must fail");
        assert_eq!(err.code(), code, "{err}");
        assert!(!err.to_string().is_empty());
        seen.insert(err.code());
        err
    };

    e.create_opportunity("wang", new_opp("o1", 100)).unwrap();
    let err = saw(e.advance("wang", "o1", "demo"), ErrorCode::GateNotMet);
    let report = err.gate_report().unwrap();
    assert_eq!(report.missing().count(), 1);
    assert!(err.to_string().contains("budget confirmed"), "{err}");

    e.create_opportunity(
        "wang",
        NewOpportunity {
            stage: Some("quote".into()),
            ..new_opp("o2", 100)
        },
    )
    .unwrap();
    e.submit_approval("wang", "o2", "quote-approval", "r1")
        .unwrap();
    saw(
        e.advance("wang", "o2", "contract"),
        ErrorCode::ApprovalPending,
    );
    saw(
        e.move_back("wang", "o1", "contract", None),
        ErrorCode::InvalidTransition,
    );
    saw(e.advance("wang", "nope", "demo"), ErrorCode::NotFound);
    saw(
        e.create_customer("wang", Customer::new("acme", "again")),
        ErrorCode::AlreadyExists,
    );
    saw(
        e.define_pipeline(
            "admin",
            Pipeline {
                version: 1,
                ..five_stages()
            },
        ),
        ErrorCode::AlreadyExists,
    );
    let bad = Pipeline {
        id: "p2".into(),
        stages: vec![Stage::new("a", "A", 1.5)],
        ..five_stages()
    };
    saw(
        e.define_pipeline("admin", bad),
        ErrorCode::InvalidDefinition,
    );
    saw(
        e.create_opportunity("wang", new_opp("o3", -1)),
        ErrorCode::Validation,
    );
    let mut overflow = new_opp("o4", 0);
    overflow.amount_from_products = true;
    overflow.products = vec![
        ProductLine::new("a", 1, cny(i64::MAX)),
        ProductLine::new("b", 1, cny(i64::MAX)),
    ];
    saw(e.create_opportunity("wang", overflow), ErrorCode::Money);
    saw(e.advance("qian", "o1", "demo"), ErrorCode::PermissionDenied);
    saw(
        e.decide_approval("wang", "o2", "r1", Decision::Approve, ""),
        ErrorCode::PermissionDenied,
    );

    // Conflict: a stale expected version.
    let stale = store.stream_version("opportunity/o1").unwrap() - 1;
    let ev = NewEvent {
        at: clock.now(),
        actor: "wang".into(),
        event: Event::ChecklistChanged {
            opportunity: "o1".into(),
            item: "x".into(),
            ticked: true,
        },
    };
    let err = store.append("opportunity/o1", stale, vec![ev]).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Conflict);
    seen.insert(err.code());

    // Stored data from a newer version, and unreadable data.
    let rec = store.read_all(0, 1).unwrap().remove(0);
    let newer = RecordedEvent {
        schema: SCHEMA_VERSION + 1,
        ..rec
    };
    let err = RecordedEvent::from_json(&newer.to_json()).unwrap_err();
    assert_eq!(err.code(), ErrorCode::UnsupportedVersion);
    assert!(err.to_string().contains("this build reads up to"), "{err}");
    seen.insert(err.code());
    let err = RecordedEvent::from_json("not json").unwrap_err();
    assert_eq!(err.code(), ErrorCode::Storage);
    seen.insert(err.code());

    let all: HashSet<ErrorCode> = ErrorCode::ALL.into_iter().collect();
    assert_eq!(
        seen,
        all,
        "missing: {:?}",
        all.difference(&seen).collect::<Vec<_>>()
    );
}

#[test]
fn errors_name_the_field() {
    let mut e = Engine::builder()
        .clock(ManualClock::new(t("2026-03-02T01:00:00Z")))
        .build()
        .unwrap();
    setup(&mut e);
    let err = e.create_opportunity("wang", new_opp("o1", -5)).unwrap_err();
    assert_eq!(err.to_string(), "amount: -0.05 CNY is negative");
    let mut n = new_opp("o1", 5);
    n.contacts = vec!["ghost".into()];
    assert_eq!(
        e.create_opportunity("wang", n).unwrap_err().to_string(),
        "contacts[0]: ghost is not a contact of acme"
    );
    let err = e.lose("wang", "missing", "price", None).unwrap_err();
    assert_eq!(err.to_string(), "opportunity missing not found");
    assert_eq!(err, Error::not_found("opportunity", "missing"));
    let mut n = new_opp("o1", 5);
    n.owner = "ghost".into();
    let err = e.create_opportunity("admin", n).unwrap_err();
    assert_eq!(err, Error::not_found_at("user", "ghost", "owner"));
    assert_eq!(err.to_string(), "user ghost not found (owner)");
    // product lines: a bad discount, a line that overflows, lines whose sum overflows
    let lines = |l: Vec<ProductLine>| {
        let mut n = new_opp("o2", 0);
        n.amount_from_products = true;
        n.products = l;
        n
    };
    let err = e
        .create_opportunity(
            "wang",
            lines(vec![
                ProductLine::new("a", 1, cny(5)),
                ProductLine::new("b", 1, cny(5)).discount_bp(20_000),
            ]),
        )
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "products[1].discount_bp: 20000 is above 10000"
    );
    let err = e
        .create_opportunity("wang", lines(vec![ProductLine::new("a", 3, cny(i64::MAX))]))
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Money);
    assert!(err.to_string().starts_with("money: products[0]: "), "{err}");
    let max = ProductLine::new("a", 1, cny(i64::MAX));
    let err = e
        .create_opportunity("wang", lines(vec![max.clone(), max]))
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Money);
    assert!(err.to_string().starts_with("money: products: "), "{err}");
    assert!(e.view().state().opportunity(&"o2".into()).is_none());
}

#[test]
fn values_that_cannot_be_stored_are_refused() {
    let clock = ManualClock::new(t("2026-03-02T01:00:00Z"));
    let mut e = Engine::builder().clock(clock.clone()).build().unwrap();
    setup(&mut e);
    let far = Timestamp::from_millis(i64::MAX / 2);
    let err = e
        .log_activity("wang", Activity::new("a1", "call", "acme", far))
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Validation);
    assert!(err.to_string().starts_with("activity.at:"), "{err}");
    let err = e
        .create_task(
            "wang",
            Task::new("t1", "x", "wang", Timestamp::from_millis(i64::MIN)),
        )
        .unwrap_err();
    assert!(err.to_string().starts_with("task.due:"), "{err}");
    let mut n = new_opp("o1", 5);
    n.fields
        .insert("score".into(), FieldValue::Number(f64::NAN));
    let err = e.create_opportunity("wang", n).unwrap_err();
    assert_eq!(err.to_string(), "fields.score: NaN is not a finite number");
    let bad = Pipeline {
        id: "p2".into(),
        stages: vec![Stage::new("a", "A", 0.5).requires(Requirement::field(
            "score",
            FieldOp::Gt,
            FieldValue::Number(f64::INFINITY),
        ))],
        ..five_stages()
    };
    assert_eq!(
        e.define_pipeline("admin", bad).unwrap_err().code(),
        ErrorCode::InvalidDefinition
    );
    // A clock outside the storable range refuses every command.
    let before = e.view().state().position();
    clock.set(far);
    let err = e.tick("wang", "o1", "x").unwrap_err();
    assert!(err.to_string().starts_with("clock:"), "{err}");
    assert_eq!(e.view().state().position(), before);
}

/// A new pipeline's own problems and the approval processes it names that do not exist are
/// reported together, as an edit reports them, and nothing is written.
#[test]
fn a_new_pipeline_reports_every_problem_at_once_undefined_processes_included() {
    let mut e = Engine::with_clock(ManualClock::new(t("2026-03-02T09:00:00Z")));
    setup(&mut e);
    let before = e.view().state().position();
    let bad = Pipeline {
        id: "p2".into(),
        stages: vec![
            Stage::new("a", "A", 1.5),
            Stage::new("b", "B", 0.5).requires(Requirement::approval("nope")),
        ],
        ..five_stages()
    };
    let err = e.define_pipeline("admin", bad).unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidDefinition);
    let text = err.to_string();
    assert!(text.contains("stages[0].probability"), "{text}");
    assert!(text.contains("stages[1].exit[0].process"), "{text}");
    assert_eq!(e.view().state().position(), before);
}
