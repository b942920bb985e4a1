//! Issue 16, "nothing poisoned": a value the engine accepts must never make a later read fail.
//! Each test writes the hostile value the issue names and checks that it is refused on the
//! way in (a `validation` error naming the field), or that every read still succeeds.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use salespipe::*;
use serde_json::{json, Value};

fn cmd(e: &mut Engine, actor: &str, c: Value) -> Result<Vec<RecordedEvent>> {
    let c: Command = serde_json::from_value(c).unwrap();
    e.execute(actor, c)
}

fn ask(e: &Engine, q: Value) -> Result<Value> {
    let q: Query = serde_json::from_value(q).unwrap();
    let r = e.query("admin", q)?;
    Ok(serde_json::to_value(&r).unwrap())
}

/// admin → li → wang, a three-stage pipeline, customer acme, at 2026-03-02T01:00Z.
fn engine(clock: &ManualClock) -> Engine {
    let mut e = Engine::builder().clock(clock.clone()).build().unwrap();
    cmd(
        &mut e,
        "admin",
        json!({"type": "register_user", "user": {"id": "admin", "name": "Admin", "role": "admin"}}),
    )
    .unwrap();
    cmd(
        &mut e,
        "admin",
        json!({"type": "register_user", "user": {"id": "li", "name": "Li", "role": "manager"}}),
    )
    .unwrap();
    cmd(
        &mut e,
        "admin",
        json!({"type": "register_user", "user": {"id": "wang", "name": "Wang", "role": "rep", "manager": "li"}}),
    )
    .unwrap();
    cmd(
        &mut e,
        "admin",
        json!({"type": "define_pipeline", "pipeline": {"id": "sales", "name": "Sales",
            "stages": [{"id": "qualify", "name": "Q", "probability": 0.1},
                       {"id": "demo", "name": "D", "probability": 0.3},
                       {"id": "quote", "name": "Qu", "probability": 0.6}],
            "lost_reasons": ["price"], "allow_skip": true}}),
    )
    .unwrap();
    cmd(
        &mut e,
        "wang",
        json!({"type": "create_customer", "customer": {"id": "acme", "name": "Acme"}}),
    )
    .unwrap();
    e
}

fn new_deal(id: &str, minor: i64) -> Value {
    json!({"type": "create_opportunity", "opportunity": {"id": id, "pipeline": "sales",
        "customer": "acme", "owner": "wang", "name": id,
        "amount": {"minor": minor, "currency": "CNY"}, "source": "web"}})
}

#[test]
fn a_clock_set_back_never_stamps_an_event_before_the_last_one() {
    let clock = ManualClock::new(t("2026-03-02T01:00:00Z"));
    let mut e = engine(&clock);
    cmd(&mut e, "wang", new_deal("o1", 100)).unwrap();
    let created = e.view().opportunity(&"o1".into()).unwrap().created_at;
    clock.set(t("2026-03-01T00:00:00Z"));
    let moved = cmd(
        &mut e,
        "wang",
        json!({"type": "advance", "opportunity": "o1", "to": "demo"}),
    )
    .unwrap();
    assert_eq!(moved.len(), 1);
    assert_eq!(
        moved[0].at, created,
        "stamped no earlier than the stream's last event"
    );
    let f = ask(&e, json!({"type": "funnel", "pipeline": "sales"})).unwrap();
    assert_eq!(
        f[0]["report"]["total"]["stages"][1]["entered"],
        json!(1),
        "{f}"
    );
    // the whole log stays in order
    let events = e.view().events(0, 1000).unwrap();
    assert!(events.windows(2).all(|w| w[0].at <= w[1].at));
}

#[test]
fn an_out_of_order_move_already_in_the_log_does_not_break_the_funnel() {
    let clock = ManualClock::new(t("2026-03-02T01:00:00Z"));
    let store = InMemoryStore::new();
    let mut e = Engine::builder()
        .store(store.clone())
        .clock(clock.clone())
        .build()
        .unwrap();
    for c in [
        json!({"type": "register_user", "user": {"id": "wang", "name": "Wang", "role": "admin"}}),
        json!({"type": "define_pipeline", "pipeline": {"id": "sales", "name": "Sales",
            "stages": [{"id": "qualify", "name": "Q", "probability": 0.1},
                       {"id": "demo", "name": "D", "probability": 0.3}]}}),
        json!({"type": "create_customer", "customer": {"id": "acme", "name": "Acme"}}),
        new_deal("o1", 100),
    ] {
        cmd(&mut e, "wang", c).unwrap();
    }
    // what an engine with a clock a day behind appended before time was kept in order
    let stream = e
        .view()
        .events(0, 100)
        .unwrap()
        .last()
        .unwrap()
        .stream
        .clone();
    store
        .append(
            &stream,
            1,
            vec![NewEvent {
                at: t("2026-03-01T01:00:00Z"),
                actor: "wang".into(),
                event: Event::Moved {
                    opportunity: "o1".into(),
                    from: "qualify".into(),
                    to: "demo".into(),
                    how: MoveKind::Simple,
                    reason: None,
                    competitor: None,
                },
            }],
        )
        .unwrap();
    let fresh = Engine::builder().store(store).clock(clock).build().unwrap();
    let f = ask(&fresh, json!({"type": "funnel", "pipeline": "sales"})).unwrap();
    let stages = &f[0]["report"]["total"]["stages"];
    assert_eq!(stages[1]["entered"], json!(1), "{f}");
    assert_eq!(stages[0]["dwell"]["mean_seconds"], json!(0.0), "{f}");
    ask(&fresh, json!({"type": "forecast", "pipeline": "sales"})).unwrap();
    ask(&fresh, json!({"type": "calibration", "pipeline": "sales"})).unwrap();
    ask(
        &fresh,
        json!({"type": "source_report", "pipeline": "sales"}),
    )
    .unwrap();
}
