//! Issue 16, "nothing poisoned", as a property: after any sequence of commands, with hostile
//! values among them (huge durations and amounts, odd time zones, a clock that goes back or
//! jumps to the ends of time, many stages), whatever the engine accepted leaves every query
//! answerable. A refused command is fine; a query that fails for everyone is not.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use proptest::prelude::*;
use salespipe::*;
use serde_json::{json, Value};

const OPPS: [&str; 4] = ["o0", "o1", "o2", "o3"];
const CUSTOMERS: [&str; 2] = ["acme", "beta"];
const STAGES: [&str; 5] = ["s0", "s1", "s2", "won", "lost"];
const ZONES: [&str; 6] = [
    "Asia/Shanghai",
    "UTC",
    "Mars/Olympus",
    "",
    "America/St_Johns",
    "Pacific/Kiritimati",
];
const DURATIONS: [&str; 6] = [
    "1s",
    "14days",
    "3650days",
    "3651days",
    "500000000years",
    "0s",
];
const CURRENCIES: [&str; 2] = ["CNY", "JPY"];
const DATES: [&str; 5] = [
    "2026-04-30",
    "9999-12-31",
    "0000-01-01",
    "+200000-01-01",
    "-0001-12-31",
];
/// Instants the clock is set to: ordinary ones, going back, and the ends of time.
const INSTANTS: [&str; 7] = [
    "2026-03-02T01:00:00Z",
    "2026-03-05T12:00:00Z",
    "2026-02-01T00:00:00Z",
    "2025-12-31T23:59:59Z",
    "2026-06-30T16:00:00Z",
    "9999-12-31T00:00:00Z",
    "0000-01-02T00:00:00Z",
];

fn amounts() -> impl Strategy<Value = i64> {
    prop_oneof![
        0i64..10_000_000,
        Just(Money::MAX_MINOR),
        Just(Money::MAX_MINOR + 1),
        Just(i64::MAX),
        Just(-1),
    ]
}

fn pick<T: Copy + std::fmt::Debug + 'static>(xs: &'static [T]) -> impl Strategy<Value = T> {
    (0..xs.len()).prop_map(move |i| xs[i])
}

fn stages(n: usize, rot: &str) -> Vec<Value> {
    (0..n)
        .map(|i| {
            json!({"id": format!("s{i}"), "name": format!("S{i}"), "probability": 0.5,
                   "rotting_after": rot})
        })
        .collect()
}

/// One step: an actor, and a command as JSON, or a clock change (`{"clock": …}`).
fn step() -> impl Strategy<Value = (&'static str, Value)> {
    let opp = || pick(&OPPS);
    let stage = || pick(&STAGES);
    prop_oneof![
        pick(&INSTANTS).prop_map(|t| ("clock", json!({"clock": t}))),
        (pick(&ZONES), 0..3usize).prop_map(|(tz, i)| ("admin", json!({"type": "register_user",
            "user": {"id": (["qian", "zhao", "wang"][i]), "name": "x", "role": "rep", "manager": "li",
                     "time_zone": tz}}))),
        (prop_oneof![1..4usize, 60..70usize], pick(&DURATIONS), prop::bool::ANY).prop_map(
            |(n, rot, edit)| ("admin", json!({"type": if edit { "edit_pipeline" } else { "define_pipeline" },
                "pipeline": {"id": if edit { "p0" } else { "p1" }, "name": "P", "stages": stages(n, rot),
                             "allow_skip": true}}))
        ),
        (pick(&CUSTOMERS), pick(&DURATIONS), prop::bool::ANY).prop_map(|(c, d, new)| ("wang", json!({
            "type": if new { "create_customer" } else { "update_customer" },
            "customer": {"id": c, "name": c, "key": true, "cadence": d}}))),
        (opp(), amounts(), pick(&CURRENCIES), pick(&CUSTOMERS), pick(&DATES)).prop_map(|(o, a, cur, c, d)| ("wang", json!({
            "type": "create_opportunity", "opportunity": {"id": o, "pipeline": "p0", "customer": c,
            "owner": "wang", "name": o, "amount": {"minor": a, "currency": cur},
            "expected_close": d, "source": "web"}}))),
        (opp(), pick(&DATES)).prop_map(|(o, d)| ("wang", json!({
            "type": "update_opportunity", "opportunity": o, "patch": {"expected_close": d}}))),
        (opp(), amounts(), pick(&CURRENCIES)).prop_map(|(o, a, cur)| ("wang", json!({
            "type": "update_opportunity", "opportunity": o,
            "patch": {"amount": {"minor": a, "currency": cur}}}))),
        (opp(), amounts()).prop_map(|(o, a)| ("wang", json!({
            "type": "update_opportunity", "opportunity": o,
            "patch": {"products": [{"product": "erp", "quantity": 3,
                                    "unit_price": {"minor": a, "currency": "CNY"}}]}}))),
        (opp(), stage()).prop_map(|(o, s)| ("wang", json!({"type": "advance", "opportunity": o, "to": s}))),
        (opp(), stage()).prop_map(|(o, s)| ("wang", json!({"type": "move_back", "opportunity": o, "to": s, "reason": "x"}))),
        opp().prop_map(|o| ("wang", json!({"type": "win", "opportunity": o}))),
        opp().prop_map(|o| ("wang", json!({"type": "lose", "opportunity": o, "reason": "price", "competitor": "Rival"}))),
        opp().prop_map(|o| ("wang", json!({"type": "reopen", "opportunity": o, "stage": "s0", "reason": "back"}))),
        (opp(), pick(&INSTANTS), pick(&INSTANTS), 0..4u8).prop_map(|(o, at, next, i)| ("wang", json!({
            "type": "log_activity", "activity": {"id": format!("a{i}"), "kind": "visit", "customer": "acme",
            "at": at, "actor": "wang", "opportunity": o, "next_follow_up": next}}))),
        (pick(&INSTANTS), 0..3u8).prop_map(|(due, i)| ("wang", json!({"type": "create_task",
            "task": {"id": format!("t{i}"), "title": "x", "owner": "wang", "due": due, "customer": "acme"}}))),
        (pick(&ZONES), pick(&DURATIONS), pick(&DURATIONS), pick(&DURATIONS)).prop_map(|(tz, a, b, c)| ("admin", json!({
            "type": "set_reminder_rules", "rules": {"time_zone": tz, "escalate_after": a, "key_cadence": b,
            "approval_sla": c, "stale": {"in_stage": a, "idle": b, "follow_up_grace": c},
            "task_lead": {"before": a}}}))),
        (amounts(), pick(&CURRENCIES), 0..3usize).prop_map(|(a, cur, i)| ("admin", json!({"type": "set_target",
            "target": {"id": format!("g{i}"), "scope": (["rep:wang", "team:li", "company"][i]),
            "period": "2026-Q1", "revenue": {"minor": a, "currency": cur}, "deals": 3}}))),
        (pick(&DURATIONS)).prop_map(|d| ("admin", json!({"type": "define_process", "process": {
            "id": "proc", "name": "P", "steps": [{"name": "M", "approvers": ["li"]}], "sla": d}}))),
        (amounts(), 0..2u8).prop_map(|(a, i)| ("wang", json!({"type": "submit_expense", "expense": {
            "id": format!("e{i}"), "customer": "acme", "rep": "wang", "category": "travel",
            "amount": {"minor": a, "currency": "CNY"}, "date": "2026-03-03"}}))),
        (0..2u8).prop_map(|i| ("li", json!({"type": "decide_expense", "expense": format!("e{i}"),
            "decision": "approve"}))),
        (0..3usize).prop_map(|i| ("admin", json!({"type": "take_forecast_snapshot",
            "id": format!("s{i}"), "period": (["2026-Q1", "2026-Q2", "2026-03"][i]), "currency": "CNY"}))),
    ]
}

/// A small organisation, a pipeline, customers, one deal, an activity, a task, a process and
/// expenses configured.
fn setup(clock: &ManualClock) -> Engine {
    let mut e = Engine::builder().clock(clock.clone()).build().unwrap();
    for (actor, c) in [
        (
            "admin",
            json!({"type": "register_user", "user": {"id": "admin", "name": "A", "role": "admin"}}),
        ),
        (
            "admin",
            json!({"type": "register_user", "user": {"id": "li", "name": "L", "role": "manager", "manager": "admin"}}),
        ),
        (
            "admin",
            json!({"type": "register_user", "user": {"id": "wang", "name": "W", "role": "rep", "manager": "li"}}),
        ),
        (
            "admin",
            json!({"type": "define_pipeline", "pipeline": {"id": "p0", "name": "P",
            "stages": stages(3, "14days"), "lost_reasons": ["price"], "allow_skip": true}}),
        ),
        (
            "admin",
            json!({"type": "define_process", "process": {"id": "proc", "name": "P",
            "steps": [{"name": "M", "approvers": ["li"]}]}}),
        ),
        (
            "admin",
            json!({"type": "configure_expenses", "settings": {"process": "proc",
            "categories": [{"id": "travel", "name": "T"}]}}),
        ),
        (
            "wang",
            json!({"type": "create_customer", "customer": {"id": "acme", "name": "Acme", "key": true, "cadence": "14days"}}),
        ),
        (
            "wang",
            json!({"type": "create_opportunity", "opportunity": {"id": "o0", "pipeline": "p0",
            "customer": "acme", "owner": "wang", "name": "o0", "amount": {"minor": 100, "currency": "CNY"}}}),
        ),
        (
            "wang",
            json!({"type": "log_activity", "activity": {"id": "a0", "kind": "call", "customer": "acme",
            "at": "2026-03-02T01:00:00Z", "actor": "wang", "opportunity": "o0"}}),
        ),
        (
            "wang",
            json!({"type": "create_task", "task": {"id": "t0", "title": "x", "owner": "wang",
            "due": "2026-03-03T01:00:00Z", "customer": "acme"}}),
        ),
    ] {
        e.execute(actor, serde_json::from_value(c).unwrap())
            .unwrap();
    }
    e
}

/// Every query variant, over the entities of [`setup`], observed at `at`; the attainment in
/// the targets' currency, if any.
fn queries(at: Timestamp, target_currency: Option<&str>) -> Vec<Value> {
    let day = at.to_datetime().date_naive().to_string();
    let until = at.plus_millis(30 * 86_400_000).min(Timestamp::MAX_RFC3339);
    vec![
        json!({"type": "pipeline", "id": "p0"}),
        json!({"type": "pipelines"}),
        json!({"type": "process", "id": "proc"}),
        json!({"type": "processes"}),
        json!({"type": "user", "id": "wang"}),
        json!({"type": "users"}),
        json!({"type": "customer", "id": "acme"}),
        json!({"type": "customers"}),
        json!({"type": "opportunity", "id": "o0"}),
        json!({"type": "opportunities"}),
        json!({"type": "gate", "id": "o0", "target": "s2"}),
        json!({"type": "timeline", "id": "o0"}),
        json!({"type": "stage_name", "pipeline": "p0", "version": 1, "stage": "s0"}),
        json!({"type": "activity", "id": "a0"}),
        json!({"type": "activities", "customer": "acme"}),
        json!({"type": "task", "id": "t0"}),
        json!({"type": "open_tasks"}),
        json!({"type": "due", "at": at}),
        json!({"type": "due", "at": at, "recipient": "li"}),
        json!({"type": "upcoming", "at": at, "until": until}),
        json!({"type": "next_due_after", "at": at}),
        json!({"type": "reminder", "id": "key_customer/acme"}),
        json!({"type": "reminder_rules"}),
        json!({"type": "daily_report", "rep": "wang", "day": day}),
        json!({"type": "daily_range_report", "rep": "wang", "first": "2026-03-01", "last": "2026-03-07"}),
        json!({"type": "daily_team_report", "manager": "li", "day": day}),
        json!({"type": "daily_team_report", "manager": "admin", "day": "2026-03-02"}),
        json!({"type": "targets"}),
        json!({"type": "attainment", "period": "2026-Q1", "currency": target_currency.unwrap_or("CNY"),
               "time_zone": "UTC"}),
        json!({"type": "expense", "id": "e0"}),
        json!({"type": "expenses"}),
        json!({"type": "expense_settings"}),
        json!({"type": "expense_report"}),
        json!({"type": "sources"}),
        json!({"type": "source_report", "pipeline": "p0"}),
        json!({"type": "competitor_report"}),
        json!({"type": "forecast_snapshot", "id": "s0"}),
        json!({"type": "forecast_snapshots"}),
        json!({"type": "forecast_accuracy"}),
        json!({"type": "funnel", "pipeline": "p0"}),
        json!({"type": "funnel", "pipeline": "p0", "by": "source", "mode": "cumulative"}),
        json!({"type": "forecast", "pipeline": "p0"}),
        json!({"type": "forecast", "pipeline": "p0", "method": {"kind": "monte_carlo", "samples": 50, "seed": 1}}),
        json!({"type": "calibration", "pipeline": "p0"}),
        json!({"type": "events"}),
    ]
}

/// The errors that answer a question about one record rather than fail for everyone: a
/// reminder, expense or snapshot the commands never made is `not_found`; the gate of a closed deal is
/// an `invalid_transition`, towards a stage an edit removed `not_found`.
fn is_an_answer(q: &Value, code: ErrorCode) -> bool {
    match q["type"].as_str() {
        Some("reminder" | "expense" | "forecast_snapshot") => code == ErrorCode::NotFound,
        Some("gate") => matches!(code, ErrorCode::InvalidTransition | ErrorCode::NotFound),
        _ => false,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn whatever_the_engine_accepted_every_query_answers(steps in prop::collection::vec(step(), 1..24)) {
        let clock = ManualClock::new(t("2026-03-02T01:00:00Z"));
        let mut e = setup(&clock);
        for (actor, c) in steps {
            if let Some(at) = c.get("clock") {
                clock.set(serde_json::from_value(at.clone()).unwrap());
                continue;
            }
            // a value the JSON cannot even carry is refused on the way in as well
            let Ok(command) = serde_json::from_value::<Command>(c) else { continue };
            let _ = e.execute(actor, command);
        }
        let latest = e.view().events(0, 100_000).unwrap().last().unwrap().at;
        let currency = e
            .view()
            .targets()
            .first()
            .map(|t| t.revenue.currency().code().to_owned());
        for at in [None, Some(latest)] {
            // the instants and days asked about are ones the engine accepted
            for mut q in queries(latest, currency.as_deref()) {
                if let Some(at) = at.filter(|_| q["type"] != "events") {
                    q["as_of"] = json!(at);
                }
                let query: Query = serde_json::from_value(q.clone()).unwrap();
                match e.query("admin", query) {
                    Ok(r) => {
                        // and what a binding does with the answer works too
                        serde_json::to_value(&r).unwrap();
                    }
                    Err(err) if is_an_answer(&q, err.code()) => {}
                    Err(err) => prop_assert!(false, "{q} failed: {err}"),
                }
            }
        }
        // the log is in time order
        let events = e.view().events(0, 100_000).unwrap();
        prop_assert!(events.windows(2).all(|w| w[0].at <= w[1].at));
    }
}
