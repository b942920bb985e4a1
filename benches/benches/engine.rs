//! The in-memory engine: gate-checked advances per second and events replayed per second.
//!
//! `cargo bench -p salespipe-benches --bench engine`
#![allow(clippy::unwrap_used, missing_docs)]

use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use salespipe::*;

const STAGES: [&str; 5] = ["qualify", "demo", "resolve", "quote", "contract"];

/// Five stages, each gated by a checklist item and a field comparison (sub-goal mode).
fn pipeline() -> Pipeline {
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
    b.build().unwrap()
}

/// An engine holding `n` opportunities in the first stage with every gate met.
fn engine_with(n: usize) -> Engine {
    let mut e = Engine::builder()
        .clock(ManualClock::new(Timestamp::from_millis(1_750_000_000_000)))
        .build()
        .unwrap();
    e.register_user("admin", User::new("admin", "Admin", Role::Admin))
        .unwrap();
    e.register_user(
        "admin",
        User::new("rep", "Rep", Role::Rep).managed_by("admin"),
    )
    .unwrap();
    e.define_pipeline("admin", pipeline()).unwrap();
    e.create_customer("rep", Customer::new("c", "Customer"))
        .unwrap();
    let cny = Currency::new("CNY").unwrap();
    for i in 0..n {
        let id = format!("o{i}");
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
        )
        .unwrap();
        e.tick("rep", id.as_str(), "ok").unwrap();
    }
    e
}

fn advances(c: &mut Criterion) {
    const N: usize = 20_000;
    let ids: Vec<OpportunityId> = (0..N)
        .map(|i| OpportunityId::new(format!("o{i}")))
        .collect();
    // Hosts keep their ids; building them is not part of an advance.
    let rep = ActorId::new("rep");
    let stages: Vec<StageId> = STAGES.iter().map(StageId::new).collect();
    let mut g = c.benchmark_group("engine");
    g.throughput(Throughput::Elements((N * 4) as u64));
    g.sample_size(10);
    g.bench_function("gate_checked_advances", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let mut e = engine_with(N);
                let start = Instant::now();
                for to in &stages[1..] {
                    for id in &ids {
                        e.advance(rep.clone(), id.clone(), to.clone()).unwrap();
                    }
                }
                total += start.elapsed();
            }
            total
        })
    });
    g.finish();
}

fn replay(c: &mut Criterion) {
    const N: usize = 20_000;
    let e = engine_with(N);
    let mut e2 = Engine::builder()
        .shared_store(e.store().clone())
        .build()
        .unwrap();
    for to in &STAGES[1..] {
        for i in 0..N {
            e2.advance("rep", format!("o{i}"), *to).unwrap();
        }
    }
    let events = e2.store().head().unwrap();
    let store = e2.store().clone();
    let mut g = c.benchmark_group("engine");
    g.throughput(Throughput::Elements(events));
    g.sample_size(10);
    g.bench_function("replay", |b| {
        b.iter(|| {
            let e = Engine::builder()
                .shared_store(store.clone())
                .build()
                .unwrap();
            assert_eq!(e.state().position(), events);
        })
    });
    g.finish();
}

criterion_group!(benches, advances, replay);
criterion_main!(benches);
