//! Rust-side tests of the FFI layer (bdk-ffi's `src/tests/`): the exported objects called as
//! Rust, before any foreign language is involved.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::convert::{system_time, timestamp};
use crate::engine::{Engine, ManualClock};
use crate::error::{guard, SalespipeError};
use crate::ids::{ActorRef, OpportunityRef, StageRef};
use crate::types::{
    Money, NewCustomer, NewOpportunity, OpportunityStatus, ReminderKind, Role, TimelineKind, User,
};

const PIPELINE: &str = r#"{"id": "sales", "name": "Sales", "lost_reasons": ["price"],
  "stages": [
    {"id": "qualify", "name": "识别潜在客户", "probability": 0.1,
     "exit": [{"type": "checklist", "item": "budget confirmed"}]},
    {"id": "demo", "name": "产品演示", "probability": 0.3}]}"#;

fn at(text: &str) -> SystemTime {
    system_time(text.parse().expect("a test instant"))
}

fn user(id: &str, role: Role, manager: Option<&str>) -> User {
    User {
        id: id.into(),
        name: id.to_uppercase(),
        role,
        manager: manager.map(Into::into),
        time_zone: None,
    }
}

/// An engine with a boss, a rep, the pipeline, a customer and `opp-1` in `qualify`.
fn engine_with_deal(path: Option<String>) -> (Arc<Engine>, Arc<ManualClock>) {
    let clock = ManualClock::new(at("2026-03-02T01:00:00Z")).unwrap();
    let engine = Engine::new(path, Some(clock.clone())).unwrap();
    engine
        .register_user("boss".into(), user("boss", Role::Admin, None))
        .unwrap();
    engine
        .register_user("boss".into(), user("wang", Role::Rep, Some("boss")))
        .unwrap();
    engine
        .define_pipeline("boss".into(), PIPELINE.into())
        .unwrap();
    engine
        .create_customer(
            "wang".into(),
            NewCustomer {
                id: "acme".into(),
                name: "Acme".into(),
                kind: crate::types::CustomerKind::B2b,
                owner: Some("wang".into()),
                key: true,
                cadence: Some(Duration::from_secs(14 * 86_400)),
                contacts: vec![],
            },
        )
        .unwrap();
    engine
        .create_opportunity(
            "wang".into(),
            NewOpportunity {
                id: "opp-1".into(),
                pipeline: "sales".into(),
                customer: "acme".into(),
                owner: "wang".into(),
                name: "Acme ERP".into(),
                amount: Money {
                    minor: 12_000_000,
                    currency: "CNY".into(),
                },
                expected_close: Some("2026-06-30".into()),
                source: None,
                stage: None,
                contacts: vec![],
            },
        )
        .unwrap();
    (engine, clock)
}

#[test]
fn typed_commands_and_reads_walk_a_deal() {
    let (engine, clock) = engine_with_deal(None);
    let err = engine
        .advance("wang".into(), "opp-1".into(), "demo".into())
        .unwrap_err();
    match &err {
        SalespipeError::GateNotMet { report, detail } => {
            assert!(!report.met);
            assert_eq!(report.items.len(), 1);
            assert_eq!(report.items[0].stage_name, "识别潜在客户");
            assert!(report.items[0].requirement.contains("budget confirmed"));
            assert!(detail.contains("budget confirmed"), "{detail}");
        }
        other => panic!("expected GateNotMet, got {other:?}"),
    }
    assert_eq!(err.code(), "gate_not_met");
    engine
        .tick("wang".into(), "opp-1".into(), "budget confirmed".into())
        .unwrap();
    let report = engine
        .check("opp-1".into(), "demo".into(), Some("wang".into()))
        .unwrap();
    assert!(report.met);
    clock.advance(Duration::from_secs(3600)).unwrap();
    let head = engine.head().unwrap();
    engine
        .advance("wang".into(), "opp-1".into(), "demo".into())
        .unwrap();
    // the typed verb returns nothing: its events are in the log, after the head
    let events = engine.events(head, 100, None).unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].at, at("2026-03-02T02:00:00Z"));
    assert_eq!(events[0].kind, "moved");
    let o = engine.opportunity("opp-1".into(), None, None).unwrap();
    assert_eq!(o.stage, "demo");
    assert_eq!(o.amount.minor, 12_000_000);
    assert_eq!(o.checklist, vec!["budget confirmed".to_owned()]);
    assert_eq!(o.expected_close.as_deref(), Some("2026-06-30"));
    let before = engine
        .opportunity("opp-1".into(), None, Some(at("2026-03-02T01:30:00Z")))
        .unwrap();
    assert_eq!(before.stage, "qualify");
    engine
        .lose(
            "wang".into(),
            "opp-1".into(),
            "price".into(),
            Some("Rival".into()),
        )
        .unwrap();
    let timeline = engine.timeline("opp-1".into(), None, None).unwrap();
    let hows: Vec<TimelineKind> = timeline.iter().map(|e| e.how).collect();
    assert_eq!(
        hows,
        vec![
            TimelineKind::Created,
            TimelineKind::SubGoal,
            TimelineKind::Lost
        ]
    );
    let o = engine.opportunity("opp-1".into(), None, None).unwrap();
    assert_eq!(
        o.status,
        OpportunityStatus::Lost {
            reason: "price".into(),
            competitor: Some("Rival".into())
        }
    );
}

#[test]
fn reminders_come_due_and_say_when_next() {
    let (engine, _clock) = engine_with_deal(None);
    let next = engine
        .next_due_after(at("2026-03-02T01:00:00Z"), None)
        .unwrap()
        .expect("the key customer's cadence comes due");
    assert!(next > at("2026-03-02T01:00:00Z"));
    let due = engine.due(next, None, None, None).unwrap();
    assert!(!due.is_empty());
    assert!(due
        .iter()
        .any(|r| r.kind == ReminderKind::KeyCustomerCadence));
    assert!(engine
        .due(at("2026-03-02T01:00:00Z"), None, None, None)
        .unwrap()
        .is_empty());
}

#[test]
fn json_paths_and_refusals_write_nothing() {
    let (engine, _clock) = engine_with_deal(None);
    let head = engine.head().unwrap();
    let err = engine
        .execute(
            "wang".into(),
            r#"{"type": "advance", "opportunity": "opp-9", "to": "demo"}"#.into(),
        )
        .unwrap_err();
    assert_eq!(err.code(), "not_found");
    assert!(matches!(err, SalespipeError::NotFound { ref id, .. } if id == "opp-9"));
    let err = engine
        .execute("wang".into(), r#"{"type": "advance"}"#.into())
        .unwrap_err();
    assert_eq!(err.code(), "validation");
    let err = engine.execute("wang".into(), "{".into()).unwrap_err();
    assert!(matches!(err, SalespipeError::Validation { ref field, .. } if field == "command"));
    assert_eq!(engine.head().unwrap(), head);
    let answer = engine
        .query(None, r#"{"type": "opportunity", "id": "opp-1"}"#.into())
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(&answer).unwrap();
    assert_eq!(v["amount"]["minor"], 12_000_000);
    let err = engine
        .query(
            Some("nobody".into()),
            r#"{"type": "opportunity", "id": "opp-1"}"#.into(),
        )
        .unwrap_err();
    assert!(
        matches!(err.code_str(), "permission_denied" | "not_found"),
        "{err:?}"
    );
}

#[test]
fn money_crosses_as_minor_units() {
    let m = crate::types::money_parse("1200.50".into(), "CNY".into()).unwrap();
    assert_eq!(
        m,
        Money {
            minor: 120_050,
            currency: "CNY".into()
        }
    );
    assert_eq!(crate::types::money_to_decimal(m).unwrap(), "1200.50");
    let err = crate::types::money_parse("12.345".into(), "CNY".into()).unwrap_err();
    assert!(matches!(err.code_str(), "validation" | "money"), "{err:?}");
    let err = crate::types::money_to_decimal(Money {
        minor: 1,
        currency: "XXQ".into(),
    })
    .unwrap_err();
    assert!(matches!(err.code_str(), "validation" | "money"), "{err:?}");
}

#[test]
fn instants_round_trip_before_and_after_1970() {
    for ms in [0_i64, 1, -1, 1_772_413_200_123, -86_400_001] {
        let t = salespipe::Timestamp::from_millis(ms);
        assert_eq!(timestamp(system_time(t), "at").unwrap(), t);
    }
    let half_ms_before = UNIX_EPOCH - Duration::from_micros(500);
    assert_eq!(
        timestamp(half_ms_before, "at").unwrap().as_millis(),
        -1,
        "rounded down"
    );
    let far = UNIX_EPOCH + Duration::from_secs(400_000_000_000);
    let err = timestamp(far, "at").unwrap_err();
    assert!(matches!(err, SalespipeError::Validation { ref field, .. } if field == "at"));
}

#[test]
fn a_panic_becomes_an_internal_error() {
    let r: Result<(), SalespipeError> = guard(|| panic!("boom"));
    let err = r.unwrap_err();
    assert_eq!(err.code(), "internal");
    assert!(err.to_string().contains("boom"));
}

#[test]
fn a_sqlite_file_reopens_in_a_second_engine() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir
        .path()
        .join("pipe.sqlite")
        .to_string_lossy()
        .into_owned();
    let (engine, _clock) = engine_with_deal(Some(path.clone()));
    let head = engine.head().unwrap();
    drop(engine);
    let again = Engine::open(path).unwrap();
    assert_eq!(again.head().unwrap(), head);
    assert_eq!(
        again.opportunity("opp-1".into(), None, None).unwrap().name,
        "Acme ERP"
    );
}

#[test]
fn two_threads_share_one_engine() {
    let (engine, _clock) = engine_with_deal(None);
    let threads: Vec<_> = (0..2)
        .map(|t| {
            let engine = Arc::clone(&engine);
            std::thread::spawn(move || {
                for i in 0..20 {
                    let item = format!("item {t}-{i}");
                    engine.tick("wang".into(), "opp-1".into(), item).unwrap();
                    engine.opportunity("opp-1".into(), None, None).unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let o = engine.opportunity("opp-1".into(), None, None).unwrap();
    assert_eq!(o.checklist.len(), 40);
}

#[test]
fn every_core_code_has_its_variant() {
    for code in salespipe::ErrorCode::ALL {
        let err = crate::error::sample_error(code.as_str().into()).unwrap_err();
        assert_eq!(err.code_str(), code.as_str(), "{err:?}");
        assert!(!err.to_string().is_empty());
    }
    let err = crate::error::sample_error("internal".into()).unwrap_err();
    assert!(matches!(err, SalespipeError::Internal { .. }));
    let err = crate::error::sample_error("nope".into()).unwrap_err();
    assert!(matches!(err, SalespipeError::Validation { ref field, .. } if field == "code"));
    match crate::error::sample_error("gate_not_met".into()).unwrap_err() {
        SalespipeError::GateNotMet { report, .. } => {
            assert_eq!(report.items[0].stage, "qualify");
            assert!(!report.met);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn typed_reports_read_the_core_reports() {
    use crate::reports::{ForecastMethod, FunnelGroupBy, FunnelMode};
    let (engine, clock) = engine_with_deal(None);
    engine
        .tick("wang".into(), "opp-1".into(), "budget confirmed".into())
        .unwrap();
    clock.advance(Duration::from_secs(3_600)).unwrap();
    engine
        .advance("wang".into(), "opp-1".into(), "demo".into())
        .unwrap();

    let funnel = engine
        .funnel(
            "sales".into(),
            None,
            None,
            Some(FunnelMode::Cumulative),
            Some(FunnelGroupBy::Owner),
            None,
            None,
        )
        .unwrap();
    assert_eq!(funnel.len(), 1);
    assert_eq!(funnel[0].currency.as_deref(), Some("CNY"));
    let report = &funnel[0].report;
    assert_eq!(report.mode, FunnelMode::Cumulative);
    assert_eq!(report.total.opportunities, 1);
    assert_eq!(report.total.stages[0].id, "qualify");
    assert_eq!(report.total.stages[0].entered, 1);
    assert_eq!(report.total.stages[0].advanced, 1);
    assert_eq!(report.total.stages[0].dwell.mean_seconds, Some(3_600.0));
    assert_eq!(report.total.pipeline.open_amount, 12_000_000);
    assert_eq!(report.groups.len(), 1);
    assert_eq!(report.groups[0].key.as_deref(), Some("wang"));

    let forecast = engine
        .forecast(
            "sales".into(),
            Some(at("2026-04-01T00:00:00Z")),
            Some(at("2026-07-01T00:00:00Z")),
            None,
            Some(ForecastMethod::Exact),
            None,
            None,
        )
        .unwrap();
    assert_eq!(forecast.len(), 1);
    let f = &forecast[0].report;
    assert_eq!((f.opportunities, f.amount), (1, 12_000_000));
    assert!((f.expected - 3_600_000.0).abs() < 1e-6, "{}", f.expected);
    assert_eq!(f.method, "exact");
    assert_eq!(f.stage_probabilities, vec![0.1, 0.3]);

    let calibration = engine
        .calibration("sales".into(), None, None, None, None)
        .unwrap();
    let c = &calibration[0].report;
    assert_eq!(c.predictions, 0, "nothing closed yet");
    let stages: Vec<&str> = c.stages.iter().map(|s| s.stage.as_str()).collect();
    assert_eq!(stages, ["qualify", "demo"]);

    let sources = engine
        .source_report("sales".into(), None, None, None, None)
        .unwrap();
    assert_eq!(sources.currency.as_deref(), Some("CNY"));
    let none = sources.sources.iter().find(|s| s.source == "(none)");
    assert_eq!(none.map(|s| (s.created, s.open)), Some((1, 1)));

    let competitors = engine.competitor_report(None, None, None, None).unwrap();
    assert_eq!(competitors.deals, 0);
    let expenses = engine.expense_report(None, None, None, None).unwrap();
    assert_eq!(expenses.total.count, 0);
    assert!(engine.forecast_snapshots(None, None).unwrap().is_empty());
    let accuracy = engine.forecast_accuracy(None, None).unwrap();
    assert!(accuracy.comparisons.is_empty());

    let err = engine
        .forecast_snapshot("nope".into(), None, None)
        .unwrap_err();
    assert_eq!(err.code(), "not_found");
    let err = engine
        .funnel("nope".into(), None, None, None, None, None, None)
        .unwrap_err();
    assert_eq!(err.code(), "not_found");
    let far = UNIX_EPOCH + Duration::from_secs(400_000_000_000);
    let err = engine
        .calibration("sales".into(), Some(far), None, None, None)
        .unwrap_err();
    assert!(
        matches!(err, SalespipeError::Validation { ref field, .. } if field == "window.from"),
        "{err:?}"
    );
    let err = engine
        .expense_report(Some("2026-13-01".into()), None, None, None)
        .unwrap_err();
    assert_eq!(err.code(), "validation");
}

/// The typed records are converted to the core's types directly (no JSON): each typed
/// command records the same events as the command JSON the binding used to build, run
/// through `execute`; a bad date names its field; a refused typed command writes nothing.
#[test]
fn typed_records_record_what_their_command_json_records() {
    use crate::types::{Contact, CustomerKind, Decision, NewActivity, NewTask};
    let start = at("2026-03-02T01:00:00Z");
    let fresh = || {
        let engine = Engine::new(None, Some(ManualClock::new(start).unwrap())).unwrap();
        for (id, role, manager) in [
            ("boss", Role::Admin, None),
            ("wang", Role::Rep, Some("boss")),
        ] {
            engine
                .register_user("boss".into(), user(id, role, manager))
                .unwrap();
        }
        engine
            .define_pipeline("boss".into(), PIPELINE.into())
            .unwrap();
        engine
            .define_process(
                "boss".into(),
                r#"{"id": "quote", "name": "Quote", "steps": [{"name": "Boss", "approvers": ["boss"]}]}"#
                    .into(),
            )
            .unwrap();
        engine
    };
    let typed = fresh();
    let json = fresh();
    let head = typed.head().unwrap();
    assert_eq!(head, json.head().unwrap());

    typed
        .register_user(
            "boss".into(),
            User {
                id: "li".into(),
                name: "李".into(),
                role: Role::Manager,
                manager: Some("boss".into()),
                time_zone: Some("Asia/Shanghai".into()),
            },
        )
        .unwrap();
    typed
        .create_customer(
            "wang".into(),
            NewCustomer {
                id: "acme".into(),
                name: "Acme".into(),
                kind: CustomerKind::B2c,
                owner: Some("wang".into()),
                key: true,
                // held to whole milliseconds, as the JSON's "90000ms" was
                cadence: Some(Duration::from_micros(90_000_500)),
                contacts: vec![Contact {
                    id: "c1".into(),
                    name: "赵总".into(),
                    title: Some("CTO".into()),
                    email: None,
                    phone: Some("+86 10 1234".into()),
                }],
            },
        )
        .unwrap();
    typed
        .create_opportunity(
            "wang".into(),
            NewOpportunity {
                id: "opp-1".into(),
                pipeline: "sales".into(),
                customer: "acme".into(),
                owner: "wang".into(),
                name: "Acme ERP".into(),
                amount: Money {
                    minor: 12_000_000,
                    currency: "CNY".into(),
                },
                expected_close: Some("2026-06-30".into()),
                source: Some("referral".into()),
                stage: Some("qualify".into()),
                contacts: vec!["c1".into()],
            },
        )
        .unwrap();
    typed
        .log_activity(
            "wang".into(),
            NewActivity {
                id: "act-1".into(),
                kind: "visit".into(),
                customer: "acme".into(),
                at: start,
                actor: None,
                contact: Some("c1".into()),
                opportunity: Some("opp-1".into()),
                notes: Some("met the CTO".into()),
                next_follow_up: Some(at("2026-03-09T01:00:00Z")),
            },
        )
        .unwrap();
    typed
        .create_task(
            "wang".into(),
            NewTask {
                id: "task-1".into(),
                title: "Send the quote".into(),
                owner: "wang".into(),
                due: at("2026-03-04T01:00:00Z"),
                customer: Some("acme".into()),
                opportunity: Some("opp-1".into()),
            },
        )
        .unwrap();
    typed
        .tick("wang".into(), "opp-1".into(), "budget confirmed".into())
        .unwrap();
    typed
        .advance("wang".into(), "opp-1".into(), "demo".into())
        .unwrap();
    typed
        .submit_approval("wang".into(), "opp-1".into(), "quote".into(), "r-1".into())
        .unwrap();
    typed
        .decide_approval(
            "boss".into(),
            "opp-1".into(),
            "r-1".into(),
            Decision::Reject,
            Some("too deep".into()),
        )
        .unwrap();
    typed.complete_task("wang".into(), "task-1".into()).unwrap();
    typed
        .move_back(
            "wang".into(),
            "opp-1".into(),
            "qualify".into(),
            Some("again".into()),
        )
        .unwrap();
    typed
        .lose(
            "wang".into(),
            "opp-1".into(),
            "price".into(),
            Some("Rival".into()),
        )
        .unwrap();
    typed
        .reopen(
            "wang".into(),
            "opp-1".into(),
            "back".into(),
            Some("demo".into()),
        )
        .unwrap();
    typed.win("wang".into(), "opp-1".into()).unwrap();

    for (actor, command) in [
        (
            "boss",
            r#"{"type": "register_user", "user": {"id": "li", "name": "李", "role": "manager", "manager": "boss", "time_zone": "Asia/Shanghai"}}"#,
        ),
        (
            "wang",
            r#"{"type": "create_customer", "customer": {"id": "acme", "name": "Acme", "kind": "b2c", "owner": "wang", "key": true, "cadence": "90000ms", "contacts": [{"id": "c1", "name": "赵总", "title": "CTO", "phone": "+86 10 1234"}]}}"#,
        ),
        (
            "wang",
            r#"{"type": "create_opportunity", "opportunity": {"id": "opp-1", "pipeline": "sales", "customer": "acme", "owner": "wang", "name": "Acme ERP", "amount": {"minor": 12000000, "currency": "CNY"}, "expected_close": "2026-06-30", "source": "referral", "stage": "qualify", "contacts": ["c1"]}}"#,
        ),
        (
            "wang",
            r#"{"type": "log_activity", "activity": {"id": "act-1", "kind": "visit", "customer": "acme", "at": "2026-03-02T01:00:00Z", "contact": "c1", "opportunity": "opp-1", "notes": "met the CTO", "next_follow_up": "2026-03-09T01:00:00Z"}}"#,
        ),
        (
            "wang",
            r#"{"type": "create_task", "task": {"id": "task-1", "title": "Send the quote", "owner": "wang", "due": "2026-03-04T01:00:00Z", "customer": "acme", "opportunity": "opp-1"}}"#,
        ),
        (
            "wang",
            r#"{"type": "tick", "opportunity": "opp-1", "item": "budget confirmed"}"#,
        ),
        (
            "wang",
            r#"{"type": "advance", "opportunity": "opp-1", "to": "demo"}"#,
        ),
        (
            "wang",
            r#"{"type": "submit_approval", "opportunity": "opp-1", "process": "quote", "request": "r-1"}"#,
        ),
        (
            "boss",
            r#"{"type": "decide_approval", "opportunity": "opp-1", "request": "r-1", "decision": "reject", "comment": "too deep"}"#,
        ),
        ("wang", r#"{"type": "complete_task", "task": "task-1"}"#),
        (
            "wang",
            r#"{"type": "move_back", "opportunity": "opp-1", "to": "qualify", "reason": "again"}"#,
        ),
        (
            "wang",
            r#"{"type": "lose", "opportunity": "opp-1", "reason": "price", "competitor": "Rival"}"#,
        ),
        (
            "wang",
            r#"{"type": "reopen", "opportunity": "opp-1", "reason": "back", "stage": "demo"}"#,
        ),
        ("wang", r#"{"type": "win", "opportunity": "opp-1"}"#),
    ] {
        json.execute(actor.into(), command.into())
            .unwrap_or_else(|e| panic!("{command}: {e}"));
    }
    let log = |e: &Engine| -> Vec<String> {
        e.events(head, 1000, None)
            .unwrap()
            .into_iter()
            .map(|e| e.json)
            .collect()
    };
    let (typed_log, json_log) = (log(&typed), log(&json));
    assert!(typed_log.len() >= 14, "{typed_log:#?}");
    assert_eq!(typed_log, json_log);

    // a bad date names its field; a refused typed command writes nothing
    let before = typed.head().unwrap();
    let err = typed
        .create_opportunity(
            "wang".into(),
            NewOpportunity {
                id: "opp-2".into(),
                pipeline: "sales".into(),
                customer: "acme".into(),
                owner: "wang".into(),
                name: "Bad date".into(),
                amount: Money {
                    minor: 1,
                    currency: "CNY".into(),
                },
                expected_close: Some("30/06/2026".into()),
                source: None,
                stage: None,
                contacts: vec![],
            },
        )
        .unwrap_err();
    assert!(
        matches!(err, SalespipeError::Validation { ref field, .. } if field == "opportunity.expected_close"),
        "{err:?}"
    );
    let err = typed
        .update_opportunity("wang".into(), "opp-1".into(), r#"{"nme": "x"}"#.into())
        .unwrap_err();
    assert!(
        matches!(err, SalespipeError::Validation { ref field, .. } if field == "patch.nme"),
        "{err:?}"
    );
    assert_eq!(typed.head().unwrap(), before);
}

/// The ref verbs record what the string verbs record: the same walk on two engines, one
/// through each, leaves the same event log, timeline and opportunity.
#[test]
fn ref_verbs_do_what_the_string_verbs_do() {
    let (by_string, _) = engine_with_deal(None);
    by_string
        .tick("wang".into(), "opp-1".into(), "budget confirmed".into())
        .unwrap();
    by_string
        .advance("wang".into(), "opp-1".into(), "demo".into())
        .unwrap();
    by_string
        .move_back(
            "wang".into(),
            "opp-1".into(),
            "qualify".into(),
            Some("new stakeholder".into()),
        )
        .unwrap();
    by_string
        .advance("wang".into(), "opp-1".into(), "demo".into())
        .unwrap();
    by_string
        .move_back("wang".into(), "opp-1".into(), "qualify".into(), None)
        .unwrap();
    by_string
        .advance("wang".into(), "opp-1".into(), "demo".into())
        .unwrap();
    by_string.win("wang".into(), "opp-1".into()).unwrap();

    let (by_ref, _) = engine_with_deal(None);
    let wang = ActorRef::new("wang".into()).unwrap();
    let opp = OpportunityRef::new("opp-1".into()).unwrap();
    let (qualify, demo) = (
        StageRef::new("qualify".into()).unwrap(),
        StageRef::new("demo".into()).unwrap(),
    );
    by_ref
        .tick_ref(&wang, &opp, "budget confirmed".into())
        .unwrap();
    by_ref.advance_ref(&wang, &opp, &demo).unwrap();
    by_ref
        .move_back_ref(&wang, &opp, &qualify, Some("new stakeholder".into()))
        .unwrap();
    by_ref.advance_ref(&wang, &opp, &demo).unwrap();
    by_ref.move_back_ref(&wang, &opp, &qualify, None).unwrap();
    by_ref.advance_ref(&wang, &opp, &demo).unwrap();
    by_ref.win_ref(&wang, &opp).unwrap();

    let log = |e: &Engine| e.events(0, 1000, None).unwrap();
    assert_eq!(log(&by_string).len(), log(&by_ref).len());
    assert_eq!(log(&by_string), log(&by_ref));
    let timeline = |e: &Engine| e.timeline("opp-1".into(), None, None).unwrap();
    assert_eq!(timeline(&by_string), timeline(&by_ref));
    assert_eq!(timeline(&by_ref).len(), 7, "{:?}", timeline(&by_ref));
    let deal = |e: &Engine| e.opportunity("opp-1".into(), None, None).unwrap();
    assert_eq!(deal(&by_string), deal(&by_ref));
    assert_eq!(deal(&by_ref).status, OpportunityStatus::Won);
}

/// A refused ref verb throws what the string verb throws, and writes nothing.
#[test]
fn ref_verbs_refuse_like_the_string_verbs() {
    let (engine, _) = engine_with_deal(None);
    let head = engine.head().unwrap();
    let wang = ActorRef::new("wang".into()).unwrap();
    let same = |by_string: SalespipeError, by_ref: SalespipeError| {
        assert_eq!(by_string.code(), by_ref.code());
        assert_eq!(by_string.to_string(), by_ref.to_string());
        assert_eq!(format!("{by_string:?}"), format!("{by_ref:?}"));
        by_ref
    };
    // the gate: the same report
    let err = same(
        engine
            .advance("wang".into(), "opp-1".into(), "demo".into())
            .unwrap_err(),
        engine
            .advance_ref(
                &wang,
                &OpportunityRef::new("opp-1".into()).unwrap(),
                &StageRef::new("demo".into()).unwrap(),
            )
            .unwrap_err(),
    );
    assert!(matches!(err, SalespipeError::GateNotMet { .. }), "{err:?}");
    // an unknown opportunity
    let err = same(
        engine.win("wang".into(), "opp-9".into()).unwrap_err(),
        engine
            .win_ref(&wang, &OpportunityRef::new("opp-9".into()).unwrap())
            .unwrap_err(),
    );
    assert!(
        matches!(err, SalespipeError::NotFound { ref id, .. } if id == "opp-9"),
        "{err:?}"
    );
    // a stage the pipeline lacks
    let nowhere = StageRef::new("nowhere".into()).unwrap();
    let opp = OpportunityRef::new("opp-1".into()).unwrap();
    let err = same(
        engine
            .move_back("wang".into(), "opp-1".into(), "nowhere".into(), None)
            .unwrap_err(),
        engine
            .move_back_ref(&wang, &opp, &nowhere, None)
            .unwrap_err(),
    );
    assert_ne!(err.code(), "internal", "{err:?}");
    same(
        engine
            .tick("nobody".into(), "opp-1".into(), "x".into())
            .unwrap_err(),
        engine
            .tick_ref(&ActorRef::new("nobody".into()).unwrap(), &opp, "x".into())
            .unwrap_err(),
    );
    assert_eq!(
        engine.head().unwrap(),
        head,
        "a refused command writes nothing"
    );
}

/// A ref is checked once, when made, and compares, hashes and prints as its id.
#[test]
fn refs_are_checked_when_made_and_compare_by_id() {
    for (field, made) in [
        ("actor", ActorRef::new(" ".into()).map(|_| ())),
        (
            "opportunity",
            OpportunityRef::new(String::new()).map(|_| ()),
        ),
        ("stage", StageRef::new("\t".into()).map(|_| ())),
    ] {
        match made {
            Err(SalespipeError::Validation { field: f, detail }) => {
                assert_eq!(f, field);
                assert!(detail.contains("must not be empty"), "{detail}");
            }
            other => panic!("{field}: expected Validation, got {other:?}"),
        }
    }
    // the core's own message for a blank actor of a string verb
    let (engine, _) = engine_with_deal(None);
    let by_string = engine
        .advance(" ".into(), "opp-1".into(), "demo".into())
        .unwrap_err();
    let by_ref = ActorRef::new(" ".into()).unwrap_err();
    assert_eq!(by_string.to_string(), by_ref.to_string());
    // a long id is no error (the core sets no bound)
    let long = "o".repeat(10_000);
    assert_eq!(OpportunityRef::new(long.clone()).unwrap().id(), long);

    let a = OpportunityRef::new("opp-1".into()).unwrap();
    let b = OpportunityRef::new("opp-1".into()).unwrap();
    let c = OpportunityRef::new("opp-2".into()).unwrap();
    assert_eq!(a, b);
    assert_ne!(a, c);
    let set: std::collections::HashSet<_> = [a.clone(), b, c].into_iter().collect();
    assert_eq!(set.len(), 2);
    assert_eq!(a.to_string(), "opp-1");
    assert_eq!(a.id(), "opp-1");
    assert_eq!(a.core(), &salespipe::OpportunityId::new("opp-1"));
}

/// Bad input through the typed API and the command JSON: a typed error naming the field, and
/// nothing written (what `TestSalespipe.kt`'s `testBadInput` checks from Kotlin).
#[test]
fn bad_input_names_the_field_and_writes_nothing() {
    let (engine, _clock) = engine_with_deal(None);
    let head = engine.head().unwrap();
    let deal = |minor: i64| NewOpportunity {
        id: "opp-9".into(),
        pipeline: "sales".into(),
        customer: "acme".into(),
        owner: "wang".into(),
        name: "Bad".into(),
        amount: Money {
            minor,
            currency: "CNY".into(),
        },
        expected_close: None,
        source: None,
        stage: None,
        contacts: vec![],
    };
    let refusal = |e: SalespipeError| match e {
        SalespipeError::Validation { field, detail } => format!("{field} | {detail}"),
        other => format!("{}: {other:?}", other.code()),
    };
    let malformed = refusal(
        engine
            .execute("wang".into(), "{\"type\": ".into())
            .unwrap_err(),
    );
    assert!(malformed.starts_with("command"), "{malformed}");
    let negative = refusal(
        engine
            .create_opportunity("wang".into(), deal(-1))
            .unwrap_err(),
    );
    assert!(negative.starts_with("amount | "), "{negative}");
    let float = refusal(
        engine
            .execute(
                "wang".into(),
                r#"{"type": "create_opportunity", "opportunity": {"id": "opp-9", "pipeline": "sales", "customer": "acme", "owner": "wang", "name": "F", "amount": {"minor": 10.5, "currency": "CNY"}}}"#.into(),
            )
            .unwrap_err(),
    );
    assert!(
        float.starts_with("command | ") && float.contains("invalid type: floating point `10.5`"),
        "{float}"
    );
    let null = refusal(
        engine
            .execute(
                "wang".into(),
                r#"{"type": "create_opportunity", "opportunity": {"id": null, "pipeline": "sales", "customer": "acme", "owner": "wang", "name": "N", "amount": {"minor": 1, "currency": "CNY"}}}"#.into(),
            )
            .unwrap_err(),
    );
    assert!(
        null.starts_with("command | ") && null.contains("invalid type: null"),
        "{null}"
    );
    let stage = engine
        .advance("wang".into(), "opp-1".into(), "nowhere".into())
        .unwrap_err();
    assert!(
        matches!(&stage, SalespipeError::NotFound { kind, id, .. } if kind == "stage" && id == "nowhere"),
        "{stage:?}"
    );
    // A record's JSON names the path inside it.
    let pipeline = refusal(
        engine
            .define_pipeline(
                "boss".into(),
                r#"{"id": "p2", "name": "P2", "stages": [{"id": "a", "name": "A", "probability": 0.1}, {"id": "b", "name": 7, "probability": 0.2}]}"#.into(),
            )
            .unwrap_err(),
    );
    assert!(
        pipeline.starts_with("pipeline.stages[1].name | "),
        "{pipeline}"
    );
    assert_eq!(engine.head().unwrap(), head);
}
