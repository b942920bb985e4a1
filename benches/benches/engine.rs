//! The in-memory engine: gate-checked advances per second and events replayed per second.
//!
//! `cargo bench -p salespipe-benches --bench engine` (the system allocator), and
//! `cargo bench -p salespipe-benches --bench engine --features mimalloc` (mimalloc).
#![allow(clippy::unwrap_used, missing_docs)]

use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use salespipe::*;
use salespipe_benches::ENGINE_STAGES as STAGES;

/// With `--features mimalloc`, the process allocator a host may choose instead of the system's.
#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The bench's engine: `n` opportunities in the first stage with every gate met.
fn engine_with(n: usize) -> Engine {
    salespipe_benches::engine_with(n).unwrap()
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
            assert_eq!(e.view().state().position(), events);
        })
    });
    // Opening as a host does: the replay alone, the engine dropped outside the timing (a host
    // opens once per process; the teardown is not part of opening).
    g.bench_function("replay_open", |b| {
        b.iter_with_large_drop(|| {
            let e = Engine::builder()
                .shared_store(store.clone())
                .build()
                .unwrap();
            assert_eq!(e.view().state().position(), events);
            e
        })
    });
    g.finish();
}

criterion_group!(benches, advances, replay);
criterion_main!(benches);
