//! The Rust side of the mobile benchmarks (`bindings-mobile/bench/run.sh` runs it next to
//! `Bench.kt`), printing one JSON line per measurement:
//!
//! - `advances <opportunities>`: the engine of `benches/benches/engine.rs`
//!   `gate_checked_advances` (the pipeline and world of `benches/src/engine.rs`
//!   `engine_with`, rebuilt here so this crate needs no criterion), in memory, timing
//!   `opportunities × 4` gate-checked advances through the core directly.
//! - `advances-binding <opportunities>`: the same advances through this crate's exported
//!   `Engine`, called from Rust: the binding's own work per call, without the FFI.
//! - `advances-binding-ref <opportunities>`: the same through the binding's hot path,
//!   `Engine::advance_ref` on id objects made once.
//! - `write <path> <events>`: writes a SQLite file of at least `events` events through the
//!   engine (the same world, every deal advanced to the last stage), `synchronous = NORMAL`.
//! - `open <path>`: times opening that file (`SqliteStore::open` and the engine's replay),
//!   in this fresh process.
//!
//! - `pipeline-json`: prints the bench pipeline as the core's JSON (the Kotlin side defines
//!   the same one).
//!
//! Setup failures end the process with a message and exit code 1.
#![allow(clippy::print_stdout)] // a command-line tool that prints its measurements

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use salespipe::store::{SqliteOptions, SqliteStore, Synchronous};
use salespipe::{
    Currency, Customer, Engine, FieldOp, FieldValue, ManualClock, Money, NewOpportunity, Pipeline,
    Requirement, Role, Stage, Timestamp, User,
};

/// The stages of the bench pipeline (`benches/src/engine.rs` `ENGINE_STAGES`).
const STAGES: [&str; 5] = ["qualify", "demo", "resolve", "quote", "contract"];

/// Five stages, each gated by a checklist item and a field comparison, as
/// `benches/src/engine.rs` `engine_pipeline`.
fn pipeline() -> salespipe::Result<Pipeline> {
    let mut b = Pipeline::builder("sales", "Sales");
    for (i, id) in STAGES.iter().enumerate() {
        b = b.stage(
            Stage::new(*id, *id, 0.1 + 0.15 * i as f64)
                .requires(Requirement::checklist("ok"))
                .requires(Requirement::field(
                    "amount",
                    FieldOp::Gt,
                    FieldValue::Number(0.0),
                )),
        );
    }
    b.build()
}

/// Users, pipeline and customer of `engine_with`.
fn setup(e: &mut Engine) -> salespipe::Result<()> {
    e.register_user("admin", User::new("admin", "Admin", Role::Admin))?;
    e.register_user(
        "admin",
        User::new("rep", "Rep", Role::Rep).managed_by("admin"),
    )?;
    e.define_pipeline("admin", pipeline()?)?;
    e.create_customer("rep", Customer::new("c", "Customer"))?;
    Ok(())
}

/// Opportunity `o<i>` in the first stage with its gates met.
fn add_opportunity(e: &mut Engine, i: usize) -> salespipe::Result<()> {
    let id = format!("o{i}");
    let cny = Currency::new("CNY")?;
    e.create_opportunity(
        "rep",
        NewOpportunity::new(
            id.as_str(),
            "sales",
            "c",
            "rep",
            "deal",
            Money::from_minor(1000, cny),
        ),
    )?;
    e.tick("rep", id.as_str(), "ok")?;
    Ok(())
}

fn clock() -> ManualClock {
    ManualClock::new(Timestamp::from_millis(1_750_000_000_000))
}

fn advances(n: usize) -> salespipe::Result<()> {
    let mut e = Engine::builder().clock(clock()).build()?;
    setup(&mut e)?;
    for i in 0..n {
        add_opportunity(&mut e, i)?;
    }
    let ids: Vec<String> = (0..n).map(|i| format!("o{i}")).collect();
    let start = Instant::now();
    for to in &STAGES[1..] {
        for id in &ids {
            e.advance("rep", id.as_str(), *to)?;
        }
    }
    let seconds = start.elapsed().as_secs_f64();
    let count = n * (STAGES.len() - 1);
    println!(
        "{{\"bench\":\"gate_checked_advances\",\"side\":\"rust\",\"advances\":{count},\"seconds\":{seconds:.6},\"per_second\":{:.0}}}",
        count as f64 / seconds
    );
    Ok(())
}

/// The world of [`advances`] built through this crate's exported `Engine` called from Rust,
/// with opportunities `o0`, `o1` … ticked; returns the engine and the ids.
fn binding_world(n: usize) -> salespipe::Result<(Arc<salespipe_mobile::Engine>, Vec<String>)> {
    use salespipe_mobile::types::{
        CustomerKind, Money as FfiMoney, NewCustomer, NewOpportunity as FfiNew, Role as FfiRole,
        User as FfiUser,
    };
    let clock = salespipe_mobile::ManualClock::new(
        std::time::UNIX_EPOCH + std::time::Duration::from_millis(1_750_000_000_000),
    )
    .map_err(fail)?;
    let e = salespipe_mobile::Engine::new(None, Some(clock)).map_err(fail)?;
    let user = |id: &str, role, manager: Option<&str>| FfiUser {
        id: id.to_owned(),
        name: id.to_owned(),
        role,
        manager: manager.map(str::to_owned),
        time_zone: None,
    };
    e.register_user("admin".into(), user("admin", FfiRole::Admin, None))
        .map_err(fail)?;
    e.register_user("admin".into(), user("rep", FfiRole::Rep, Some("admin")))
        .map_err(fail)?;
    let pipeline = serde_json::to_string(&pipeline()?)
        .map_err(|e| salespipe::Error::storage(format!("pipeline JSON: {e}")))?;
    e.define_pipeline("admin".into(), pipeline).map_err(fail)?;
    let customer = NewCustomer {
        id: "c".into(),
        name: "Customer".into(),
        kind: CustomerKind::B2b,
        owner: None,
        key: false,
        cadence: None,
        contacts: vec![],
    };
    e.create_customer("rep".into(), customer).map_err(fail)?;
    let ids: Vec<String> = (0..n).map(|i| format!("o{i}")).collect();
    for id in &ids {
        let o = FfiNew {
            id: id.clone(),
            pipeline: "sales".into(),
            customer: "c".into(),
            owner: "rep".into(),
            name: "deal".into(),
            amount: FfiMoney {
                minor: 1000,
                currency: "CNY".into(),
            },
            expected_close: None,
            source: None,
            stage: None,
            contacts: vec![],
        };
        e.create_opportunity("rep".into(), o).map_err(fail)?;
        e.tick("rep".into(), id.clone(), "ok".into())
            .map_err(fail)?;
    }
    Ok((e, ids))
}

/// A binding error as a core error, for this tool's one error type.
fn fail(e: salespipe_mobile::SalespipeError) -> salespipe::Error {
    salespipe::Error::storage(e.to_string())
}

/// Prints one `gate_checked_advances` line.
fn report(side: &str, count: usize, seconds: f64) {
    println!(
        "{{\"bench\":\"gate_checked_advances\",\"side\":\"{side}\",\"advances\":{count},\"seconds\":{seconds:.6},\"per_second\":{:.0}}}",
        count as f64 / seconds
    );
}

/// The same advances through this crate's exported `Engine` called from Rust: the binding's
/// own work per call (the panic guard, the lock, the ids from owned `String`s, as lifted
/// from the FFI) without the FFI.
fn advances_binding(n: usize) -> salespipe::Result<()> {
    let (e, ids) = binding_world(n)?;
    let start = Instant::now();
    for to in &STAGES[1..] {
        for id in &ids {
            e.advance("rep".to_owned(), id.clone(), (*to).to_owned())
                .map_err(fail)?;
        }
    }
    report(
        "rust-binding",
        n * (STAGES.len() - 1),
        start.elapsed().as_secs_f64(),
    );
    Ok(())
}

/// The same advances through the binding's hot path (`advance_ref`, the refs made once
/// before the timing), called from Rust: the guard, the lock, three id clones, no FFI.
fn advances_binding_ref(n: usize) -> salespipe::Result<()> {
    use salespipe_mobile::{ActorRef, OpportunityRef, StageRef};
    let (e, ids) = binding_world(n)?;
    let rep = ActorRef::new("rep".into()).map_err(fail)?;
    let stages = STAGES[1..]
        .iter()
        .map(|s| StageRef::new((*s).to_owned()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(fail)?;
    let ids = ids
        .into_iter()
        .map(OpportunityRef::new)
        .collect::<Result<Vec<_>, _>>()
        .map_err(fail)?;
    let start = Instant::now();
    for to in &stages {
        for id in &ids {
            e.advance_ref(&rep, id, to).map_err(fail)?;
        }
    }
    report(
        "rust-binding-ref",
        n * (STAGES.len() - 1),
        start.elapsed().as_secs_f64(),
    );
    Ok(())
}

fn write(path: &str, events: u64) -> salespipe::Result<()> {
    let options = SqliteOptions::default().synchronous(Synchronous::Normal);
    let store = SqliteStore::open_with(path, options)?;
    let mut e = Engine::builder().clock(clock()).store(store).build()?;
    if e.store().head()? == 0 {
        setup(&mut e)?;
    }
    let start = Instant::now();
    let mut i = 0usize;
    while e.store().head()? < events {
        add_opportunity(&mut e, i)?;
        let id = format!("o{i}");
        for to in &STAGES[1..] {
            e.advance("rep", id.as_str(), *to)?;
        }
        i += 1;
    }
    let head = e.store().head()?;
    println!(
        "{{\"bench\":\"write_sqlite\",\"side\":\"rust\",\"events\":{head},\"opportunities\":{i},\"seconds\":{:.3}}}",
        start.elapsed().as_secs_f64()
    );
    Ok(())
}

fn open(path: &str) -> salespipe::Result<()> {
    let start = Instant::now();
    let e = Engine::builder().store(SqliteStore::open(path)?).build()?;
    let seconds = start.elapsed().as_secs_f64();
    let events = e.store().head()?;
    println!(
        "{{\"bench\":\"open_sqlite\",\"side\":\"rust\",\"events\":{events},\"seconds\":{seconds:.6},\"events_per_second\":{:.0}}}",
        events as f64 / seconds
    );
    Ok(())
}

/// Prints the bench pipeline as the core's JSON, for the Kotlin side to define the same one.
fn pipeline_json() -> salespipe::Result<()> {
    let json = serde_json::to_string(&pipeline()?)
        .map_err(|e| salespipe::Error::storage(format!("pipeline JSON: {e}")))?;
    println!("{json}");
    Ok(())
}

fn usage() -> ExitCode {
    eprintln!("usage: salespipe-mobile-bench advances <opportunities> | advances-binding <opportunities> | advances-binding-ref <opportunities> | write <path> <events> | open <path> | pipeline-json");
    ExitCode::FAILURE
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let run = match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["advances", n] => match n.parse() {
            Ok(n) => advances(n),
            Err(_) => return usage(),
        },
        ["advances-binding", n] => match n.parse() {
            Ok(n) => advances_binding(n),
            Err(_) => return usage(),
        },
        ["advances-binding-ref", n] => match n.parse() {
            Ok(n) => advances_binding_ref(n),
            Err(_) => return usage(),
        },
        ["write", path, events] => match events.parse() {
            Ok(events) => write(path, events),
            Err(_) => return usage(),
        },
        ["open", path] => open(path),
        ["pipeline-json"] => pipeline_json(),
        _ => return usage(),
    };
    match run {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("salespipe-mobile-bench: {e}");
            ExitCode::FAILURE
        }
    }
}
