//! Issue 16, "nothing poisoned": a value the engine accepts must never make a later read fail.
//! Each test writes the hostile value the issue names and checks that it is refused on the
//! way in (a `validation` error naming the field), or that every read still succeeds.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use salespipe::*;
use std::time::Duration;

use serde_json::{json, Value};

fn cmd(e: &mut Engine, actor: &str, c: Value) -> Result<Vec<RecordedEvent>> {
    let c: Command = serde_json::from_value(c).unwrap();
    e.execute(actor, c)
}

fn ask(e: &Engine, q: Value) -> Result<Value> {
    let q: Query = serde_json::from_value(q).unwrap();
    let r = e.query(Reader::Host, q)?; // some stores here are hand-written, without users
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

/// A command refused with a `validation` or `invalid_definition` error whose text names
/// `field`.
fn refused_naming(r: Result<Vec<RecordedEvent>>, field: &str) {
    let err = r.expect_err("must be refused");
    assert!(
        matches!(
            err.code(),
            ErrorCode::Validation | ErrorCode::InvalidDefinition
        ),
        "{err}"
    );
    assert!(err.to_string().contains(field), "{err} should name {field}");
}

const FOREVER: Duration = Duration::from_secs(u64::MAX / 4);

#[test]
fn durations_above_the_limit_are_refused_naming_the_field() {
    let clock = ManualClock::new(t("2026-03-02T01:00:00Z"));
    let mut e = engine(&clock);
    let p = Pipeline::builder("p2", "P")
        .stage(Stage::new("a", "A", 0.1).rotting_after(FOREVER))
        .build();
    // the builder already refuses it; the command refuses it when built by hand
    assert!(p.is_err());
    let mut p = Pipeline::builder("p2", "P")
        .stage(Stage::new("a", "A", 0.1))
        .build()
        .unwrap();
    p.stages[0].rotting_after = Some(FOREVER);
    refused_naming(
        e.execute("admin", Command::DefinePipeline { pipeline: p }),
        "stages[0].rotting_after",
    );
    refused_naming(
        e.execute(
            "wang",
            Command::CreateCustomer {
                customer: Customer::new("big", "Big").key_account(FOREVER),
            },
        ),
        "customer.cadence",
    );
    refused_naming(
        e.execute(
            "wang",
            Command::UpdateCustomer {
                customer: Customer::new("acme", "Acme").key_account(FOREVER),
            },
        ),
        "customer.cadence",
    );
    let mut process = ApprovalProcess::new("p", "P").step(ApprovalStep {
        name: "M".into(),
        approvers: vec!["li".into()],
        policy: StepPolicy::Any,
    });
    process.sla = Some(FOREVER);
    refused_naming(
        e.execute("admin", Command::DefineProcess { process }),
        "sla",
    );
    let rules = |f: &dyn Fn(&mut ReminderRules)| {
        let mut r = ReminderRules {
            time_zone: "UTC".into(),
            ..ReminderRules::default()
        };
        f(&mut r);
        Command::SetReminderRules { rules: r }
    };
    for (field, f) in [
        (
            "key_cadence",
            &(|r: &mut ReminderRules| r.key_cadence = Some(FOREVER)) as &dyn Fn(&mut ReminderRules),
        ),
        ("approval_sla", &|r| r.approval_sla = Some(FOREVER)),
        ("escalate_after", &|r| r.escalate_after = Some(FOREVER)),
        ("stale.in_stage", &|r| r.stale.in_stage = Some(FOREVER)),
        ("stale.idle", &|r| r.stale.idle = Some(FOREVER)),
        ("stale.follow_up_grace", &|r| {
            r.stale.follow_up_grace = FOREVER
        }),
        ("task_lead.before", &|r| {
            r.task_lead = TaskLead::Before(FOREVER)
        }),
        ("task_lead.local.days_before", &|r| {
            r.task_lead = TaskLead::Local {
                days_before: u32::MAX,
                at: chrono::NaiveTime::MIN,
            }
        }),
    ] {
        refused_naming(e.execute("admin", rules(f)), field);
    }
    // the limit itself is accepted, and every read of it round-trips through JSON
    e.execute(
        "wang",
        Command::CreateCustomer {
            customer: Customer::new("slow", "Slow").key_account(clock::MAX_DURATION),
        },
    )
    .unwrap();
    let customers = ask(&e, json!({"type": "customers"})).unwrap();
    let back: Vec<Customer> = serde_json::from_value(customers).unwrap();
    assert_eq!(back.len(), 2);
    ask(&e, json!({"type": "pipelines"})).unwrap();
    ask(
        &e,
        json!({"type": "next_due_after", "at": "2026-03-02T01:00:00Z"}),
    )
    .unwrap();
}

#[test]
fn reminders_near_the_end_of_time_do_not_fail() {
    let clock = ManualClock::new(t("9999-12-01T00:00:00Z"));
    let mut e = engine(&clock);
    e.execute(
        "wang",
        Command::CreateCustomer {
            customer: Customer::new("k", "K").key_account(clock::MAX_DURATION),
        },
    )
    .unwrap();
    let mut p = Pipeline::builder("slow", "Slow")
        .stage(Stage::new("a", "A", 0.1).rotting_after(clock::MAX_DURATION))
        .build()
        .unwrap();
    p.stages[0].rotting_after = Some(clock::MAX_DURATION);
    e.execute("admin", Command::DefinePipeline { pipeline: p })
        .unwrap();
    cmd(&mut e, "wang", new_deal("o1", 100)).unwrap();
    for q in [
        json!({"type": "next_due_after", "at": "9999-12-01T00:00:00Z"}),
        json!({"type": "due", "at": "9999-12-31T00:00:00Z"}),
        json!({"type": "upcoming", "at": "9999-12-01T00:00:00Z", "until": "9999-12-31T23:59:59Z"}),
        json!({"type": "opportunities"}),
        json!({"type": "funnel", "pipeline": "sales"}),
    ] {
        ask(&e, q.clone()).unwrap_or_else(|err| panic!("{q}: {err}"));
    }
}

/// Appends `event` straight to the store, as an older engine that did not check it did.
fn legacy(store: &InMemoryStore, at: &str, event: Event) {
    let stream = event.stream();
    let version = store.read_stream(&stream, 0).unwrap().len() as u64;
    store
        .append(
            &stream,
            version,
            vec![NewEvent {
                at: t(at),
                actor: "admin".into(),
                event,
            }],
        )
        .unwrap();
}

#[test]
fn a_huge_duration_already_in_the_log_does_not_break_the_reads() {
    let clock = ManualClock::new(t("2026-03-02T01:00:00Z"));
    let store = InMemoryStore::new();
    let mut e = Engine::builder()
        .store(store.clone())
        .clock(clock)
        .build()
        .unwrap();
    cmd(
        &mut e,
        "admin",
        json!({"type": "register_user", "user": {"id": "admin", "name": "Admin", "role": "admin"}}),
    )
    .unwrap();
    cmd(
        &mut e,
        "admin",
        json!({"type": "register_user", "user": {"id": "wang", "name": "Wang", "role": "rep"}}),
    )
    .unwrap();
    let mut p = Pipeline::builder("sales", "Sales")
        .stage(Stage::new("qualify", "Q", 0.1))
        .build()
        .unwrap();
    p.stages[0].rotting_after = Some(FOREVER);
    legacy(
        &store,
        "2026-03-02T01:00:00Z",
        Event::PipelineDefined {
            pipeline: Box::new(p),
        },
    );
    legacy(
        &store,
        "2026-03-02T01:00:00Z",
        Event::CustomerCreated {
            customer: Box::new(Customer::new("acme", "Acme").key_account(FOREVER)),
        },
    );
    legacy(
        &store,
        "2026-03-02T01:00:00Z",
        Event::ReminderRulesSet {
            rules: Box::new(ReminderRules {
                key_cadence: Some(FOREVER),
                stale: StaleRule {
                    follow_up_grace: FOREVER,
                    ..StaleRule::default()
                },
                ..ReminderRules::default()
            }),
        },
    );
    cmd(&mut e, "admin", new_deal("o1", 100)).unwrap();
    let rules = ask(&e, json!({"type": "reminder_rules"})).unwrap();
    let rules: ReminderRules = serde_json::from_value(rules).unwrap();
    assert_eq!(rules.key_cadence, Some(clock::MAX_DURATION));
    assert_eq!(rules.stale.follow_up_grace, clock::MAX_DURATION);
    for q in [
        json!({"type": "pipelines"}),
        json!({"type": "customers"}),
        json!({"type": "next_due_after", "at": "2026-03-02T01:00:00Z"}),
        json!({"type": "due", "at": "2030-01-01T00:00:00Z"}),
        json!({"type": "funnel", "pipeline": "sales"}),
    ] {
        ask(&e, q.clone()).unwrap_or_else(|err| panic!("{q}: {err}"));
    }
    // what a binding does with the answer: read it back
    let customers = ask(&e, json!({"type": "customers"})).unwrap();
    let back: Vec<Customer> = serde_json::from_value(customers).unwrap();
    assert_eq!(
        back[0].cadence,
        Some(clock::MAX_DURATION),
        "read as the limit"
    );
    let pipelines = ask(&e, json!({"type": "pipelines"})).unwrap();
    let back: Vec<Pipeline> = serde_json::from_value(pipelines).unwrap();
    assert_eq!(back[0].stages[0].rotting_after, Some(clock::MAX_DURATION));
}

#[test]
fn an_unknown_user_time_zone_is_refused() {
    let clock = ManualClock::new(t("2026-03-02T01:00:00Z"));
    let mut e = engine(&clock);
    for tz in ["Mars/Olympus", "", "+08:00"] {
        let r = cmd(
            &mut e,
            "admin",
            json!({"type": "register_user", "user": {"id": "qian", "name": "Qian", "role": "rep",
                "manager": "li", "time_zone": tz}}),
        );
        refused_naming(r, "user.time_zone");
    }
    ask(
        &e,
        json!({"type": "daily_team_report", "manager": "li", "day": "2026-03-02"}),
    )
    .unwrap();
}

#[test]
fn a_bad_time_zone_already_in_the_log_leaves_only_that_rep_out_of_the_team_report() {
    let clock = ManualClock::new(t("2026-03-02T01:00:00Z"));
    let store = InMemoryStore::new();
    let mut e = Engine::builder()
        .store(store.clone())
        .clock(clock)
        .build()
        .unwrap();
    for c in [
        json!({"type": "register_user", "user": {"id": "admin", "name": "Admin", "role": "admin"}}),
        json!({"type": "register_user", "user": {"id": "li", "name": "Li", "role": "manager"}}),
        json!({"type": "register_user", "user": {"id": "wang", "name": "Wang", "role": "rep",
            "manager": "li", "time_zone": "Asia/Shanghai"}}),
    ] {
        cmd(&mut e, "admin", c).unwrap();
    }
    legacy(
        &store,
        "2026-03-02T01:00:00Z",
        Event::UserRegistered {
            user: User::new("qian", "Qian", Role::Rep)
                .managed_by("li")
                .time_zone("Mars/Olympus"),
        },
    );
    cmd(
        &mut e,
        "wang",
        json!({"type": "create_customer", "customer": {"id": "acme", "name": "Acme"}}),
    )
    .unwrap();
    let team = ask(
        &e,
        json!({"type": "daily_team_report", "manager": "li", "day": "2026-03-02"}),
    )
    .unwrap();
    let rows = team["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{team}");
    assert_eq!(rows[0]["rep"], json!("wang"));
    assert_eq!(team["totals"]["new_customers"], json!(1), "{team}");
    let left_out = team["left_out"].as_array().unwrap();
    assert_eq!(left_out.len(), 1, "{team}");
    assert_eq!(left_out[0]["rep"], json!("qian"));
    assert!(
        left_out[0]["reason"]
            .as_str()
            .unwrap()
            .contains("Mars/Olympus"),
        "{team}"
    );
    // the rep's own report is an error naming the zone; everyone else's stands
    let err = ask(
        &e,
        json!({"type": "daily_report", "rep": "qian", "day": "2026-03-02"}),
    )
    .unwrap_err();
    assert!(err.to_string().contains("Mars/Olympus"), "{err}");
    ask(
        &e,
        json!({"type": "daily_report", "rep": "wang", "day": "2026-03-02"}),
    )
    .unwrap();
    // a clean team report keeps its JSON shape: no `left_out`
    let li_alone = ask(
        &e,
        json!({"type": "daily_team_report", "manager": "wang", "day": "2026-03-02"}),
    )
    .unwrap();
    assert!(li_alone.get("left_out").is_none(), "{li_alone}");
}

#[test]
fn amounts_beyond_the_maximum_are_refused_and_deals_at_the_maximum_sum() {
    let clock = ManualClock::new(t("2026-03-02T01:00:00Z"));
    let mut e = engine(&clock);
    let max = Money::MAX_MINOR;
    refused_naming(cmd(&mut e, "wang", new_deal("huge", i64::MAX)), "amount");
    refused_naming(cmd(&mut e, "wang", new_deal("huge", max + 1)), "amount");
    refused_naming(
        cmd(
            &mut e,
            "wang",
            json!({"type": "create_opportunity", "opportunity": {"id": "lines", "pipeline": "sales",
                "customer": "acme", "owner": "wang", "name": "lines",
                "amount": {"minor": 0, "currency": "CNY"}, "amount_from_products": true,
                "products": [{"product": "erp", "quantity": 2,
                              "unit_price": {"minor": max, "currency": "CNY"}}]}}),
        ),
        "products[0].total",
    );
    for i in 0..4 {
        cmd(&mut e, "wang", new_deal(&format!("m{i}"), max)).unwrap();
    }
    refused_naming(
        cmd(
            &mut e,
            "wang",
            json!({"type": "update_opportunity", "opportunity": "m0",
                "patch": {"amount": {"minor": max + 1, "currency": "CNY"}}}),
        ),
        "amount",
    );
    refused_naming(
        cmd(
            &mut e,
            "admin",
            json!({"type": "set_target", "target": {"id": "t", "scope": "rep:wang", "period": "2026-Q1",
                "revenue": {"minor": i64::MAX, "currency": "CNY"}}}),
        ),
        "target.revenue",
    );
    cmd(
        &mut e,
        "admin",
        json!({"type": "set_target", "target": {"id": "t", "scope": "rep:wang", "period": "2026-Q1",
            "revenue": {"minor": max, "currency": "CNY"}}}),
    )
    .unwrap();
    cmd(
        &mut e,
        "admin",
        json!({"type": "set_target", "target": {"id": "t2", "scope": "rep:li", "period": "2026-Q1",
            "revenue": {"minor": max, "currency": "CNY"}}}),
    )
    .unwrap();
    for id in ["m1", "m2"] {
        cmd(&mut e, "wang", json!({"type": "win", "opportunity": id})).unwrap();
    }
    cmd(
        &mut e,
        "wang",
        json!({"type": "lose", "opportunity": "m3", "reason": "price", "competitor": "Rival"}),
    )
    .unwrap();
    for q in [
        json!({"type": "funnel", "pipeline": "sales"}),
        json!({"type": "forecast", "pipeline": "sales"}),
        json!({"type": "calibration", "pipeline": "sales"}),
        json!({"type": "attainment", "period": "2026-Q1", "currency": "CNY", "time_zone": "UTC"}),
        json!({"type": "daily_report", "rep": "wang", "day": "2026-03-02"}),
        json!({"type": "daily_team_report", "manager": "li", "day": "2026-03-02"}),
        json!({"type": "source_report", "pipeline": "sales"}),
        json!({"type": "competitor_report"}),
    ] {
        ask(&e, q.clone()).unwrap_or_else(|err| panic!("{q}: {err}"));
    }
    let f = ask(&e, json!({"type": "funnel", "pipeline": "sales"})).unwrap();
    assert_eq!(
        f[0]["report"]["total"]["pipeline"]["won_amount"],
        json!(2 * max),
        "{f}"
    );
}

#[test]
fn a_pipeline_with_more_stages_than_the_funnel_reads_is_refused() {
    let clock = ManualClock::new(t("2026-03-02T01:00:00Z"));
    let mut e = engine(&clock);
    let stages = |n: usize| -> Vec<Value> {
        (0..n)
            .map(|i| json!({"id": format!("s{i}"), "name": format!("S{i}"), "probability": 0.5}))
            .collect()
    };
    let r = cmd(
        &mut e,
        "admin",
        json!({"type": "define_pipeline", "pipeline": {"id": "long", "name": "Long", "stages": stages(65)}}),
    );
    let err = r.expect_err("65 stages must be refused");
    assert_eq!(err.code(), ErrorCode::InvalidDefinition, "{err}");
    assert!(err.to_string().contains("stages: 65 open stages"), "{err}");
    let r = cmd(
        &mut e,
        "admin",
        json!({"type": "edit_pipeline", "pipeline": {"id": "sales", "name": "Sales", "stages": stages(65)}}),
    );
    refused_naming(r, "65 open stages");
    cmd(
        &mut e,
        "admin",
        json!({"type": "define_pipeline", "pipeline": {"id": "long", "name": "Long", "stages": stages(64),
            "allow_skip": true}}),
    )
    .unwrap();
    cmd(
        &mut e,
        "wang",
        json!({"type": "create_opportunity", "opportunity": {"id": "o1", "pipeline": "long",
            "customer": "acme", "owner": "wang", "name": "o1",
            "amount": {"minor": 1, "currency": "CNY"}}}),
    )
    .unwrap();
    cmd(
        &mut e,
        "wang",
        json!({"type": "advance", "opportunity": "o1", "to": "s63"}),
    )
    .unwrap();
    let f = ask(&e, json!({"type": "funnel", "pipeline": "long"})).unwrap();
    assert_eq!(
        f[0]["report"]["total"]["stages"][63]["entered"],
        json!(1),
        "{f}"
    );
}

#[test]
fn deals_in_two_currencies_leave_the_minority_out_of_the_source_report() {
    let clock = ManualClock::new(t("2026-03-02T01:00:00Z"));
    let mut e = engine(&clock);
    cmd(&mut e, "wang", new_deal("c1", 100)).unwrap();
    cmd(&mut e, "wang", new_deal("c2", 100)).unwrap();
    cmd(
        &mut e,
        "wang",
        json!({"type": "create_opportunity", "opportunity": {"id": "j1", "pipeline": "sales",
            "customer": "acme", "owner": "wang", "name": "j1",
            "amount": {"minor": 5, "currency": "JPY"}, "source": "web"}}),
    )
    .unwrap();
    let r = ask(&e, json!({"type": "source_report", "pipeline": "sales"})).unwrap();
    assert_eq!(r["currency"], json!("CNY"), "{r}");
    assert_eq!(r["left_out"], json!(1), "{r}");
    assert_eq!(r["sources"][0]["created"], json!(2), "{r}");
}

#[test]
fn the_targets_of_a_period_share_a_currency() {
    let clock = ManualClock::new(t("2026-03-02T01:00:00Z"));
    let mut e = engine(&clock);
    cmd(
        &mut e,
        "admin",
        json!({"type": "set_target", "target": {"id": "a", "scope": "rep:wang", "period": "2026-Q1",
            "revenue": {"minor": 100, "currency": "CNY"}}}),
    )
    .unwrap();
    refused_naming(
        cmd(
            &mut e,
            "admin",
            json!({"type": "set_target", "target": {"id": "b", "scope": "team:li", "period": "2026-03",
                "revenue": {"minor": 100, "currency": "JPY"}}}),
        ),
        "target.revenue",
    );
    ask(
        &e,
        json!({"type": "attainment", "period": "2026-Q1", "time_zone": "UTC"}),
    )
    .unwrap();
}

#[test]
fn an_amount_beyond_the_limit_already_in_the_log_is_left_out_of_the_funnel_and_counted() {
    let clock = ManualClock::new(t("2026-03-02T01:00:00Z"));
    let store = InMemoryStore::new();
    let mut e = Engine::builder()
        .store(store.clone())
        .clock(clock)
        .build()
        .unwrap();
    for c in [
        json!({"type": "register_user", "user": {"id": "wang", "name": "Wang", "role": "admin"}}),
        json!({"type": "define_pipeline", "pipeline": {"id": "sales", "name": "Sales",
            "stages": [{"id": "qualify", "name": "Q", "probability": 0.1},
                       {"id": "demo", "name": "D", "probability": 0.3}]}}),
        json!({"type": "create_customer", "customer": {"id": "acme", "name": "Acme"}}),
        new_deal("o1", 100),
        new_deal("o2", 100),
        new_deal("o3", 100),
    ] {
        cmd(&mut e, "wang", c).unwrap();
    }
    // two deals an older engine let grow to i64::MAX minor units
    for id in ["o1", "o2"] {
        let huge = cny(i64::MAX);
        let stream = e
            .view()
            .events(0, 100)
            .unwrap()
            .into_iter()
            .find(|r| r.event.opportunity().is_some_and(|o| o.as_str() == id))
            .unwrap()
            .stream;
        let version = store.read_stream(&stream, 0).unwrap().len() as u64;
        store
            .append(
                &stream,
                version,
                vec![NewEvent {
                    at: t("2026-03-02T01:00:00Z"),
                    actor: "wang".into(),
                    event: Event::OpportunityUpdated {
                        opportunity: id.into(),
                        patch: Box::new(OpportunityPatch {
                            amount: Some(huge),
                            ..OpportunityPatch::default()
                        }),
                        amount: huge,
                    },
                }],
            )
            .unwrap();
    }
    let mut fresh = Engine::builder()
        .store(store)
        .clock(ManualClock::new(t("2026-03-03T00:00:00Z")))
        .build()
        .unwrap();
    let f = ask(&fresh, json!({"type": "funnel", "pipeline": "sales"})).unwrap();
    assert_eq!(f[0]["left_out"], json!(2), "{f}");
    assert_eq!(f[0]["report"]["total"]["opportunities"], json!(1), "{f}");
    assert_eq!(
        f[0]["report"]["total"]["pipeline"]["open_amount"],
        json!(100),
        "{f}"
    );
    let forecast = ask(&fresh, json!({"type": "forecast", "pipeline": "sales"})).unwrap();
    assert_eq!(forecast[0]["left_out"], json!(2), "{forecast}");
    ask(&fresh, json!({"type": "calibration", "pipeline": "sales"})).unwrap();
    let s = ask(
        &fresh,
        json!({"type": "source_report", "pipeline": "sales"}),
    )
    .unwrap();
    assert_eq!(s["left_out"], json!(2), "{s}");
    // won, they are left out of the attainment and counted
    for id in ["o1", "o2"] {
        cmd(
            &mut fresh,
            "wang",
            json!({"type": "advance", "opportunity": id, "to": "demo"}),
        )
        .unwrap();
        cmd(
            &mut fresh,
            "wang",
            json!({"type": "win", "opportunity": id}),
        )
        .unwrap();
    }
    let a = ask(
        &fresh,
        json!({"type": "attainment", "period": "2026-Q1", "currency": "CNY", "time_zone": "UTC"}),
    )
    .unwrap();
    assert_eq!(a["left_out"], json!(2), "{a}");
    let f = ask(&fresh, json!({"type": "funnel", "pipeline": "sales"})).unwrap();
    assert_eq!(f[0]["left_out"], json!(2), "{f}");
    // a clean section keeps its JSON shape
    let mut clean = engine(&ManualClock::new(t("2026-03-02T01:00:00Z")));
    cmd(&mut clean, "wang", new_deal("o1", 100)).unwrap();
    let f = ask(&clean, json!({"type": "funnel", "pipeline": "sales"})).unwrap();
    assert!(f[0].get("left_out").is_none(), "{f}");
}
