//! The engine bench's two loops, once each, for `valgrind --tool=callgrind`: instruction
//! counts are stable under machine load where wall-clock time is not.
//!
//! usage: engine-probe setup|advance|replay|time
//!
//! - `setup`: builds the bench's engine (20,000 opportunities) and the history the replay
//!   reads, and stops;
//! - `advance`: `setup`, then the 80,000 gate-checked advances of `gate_checked_advances`
//!   on a second engine built like the bench's;
//! - `replay`: `setup`, then one replay of the 120,004 events by a new engine, as `replay`;
//! - `time`: `setup`, then the best wall-clock time of 5 advance loops and 10 replays.
//!
//! Per-operation counts: (`advance` − `setup`) / 80,000 and (`replay` − `setup`) / 120,004,
//! or only the measured loop, collected on its own function:
//!
//! ```sh
//! cargo build --profile profiling -p salespipe-benches --bin engine-probe
//! valgrind --tool=callgrind --collect-atstart=no --toggle-collect='*measured_advances*' \
//!     --callgrind-out-file=/tmp/cg.advance target/profiling/engine-probe advance
//! valgrind --tool=callgrind --collect-atstart=no --toggle-collect='*measured_replay*' \
//!     --callgrind-out-file=/tmp/cg.replay target/profiling/engine-probe replay
//! callgrind_annotate --inclusive=yes /tmp/cg.advance | head -60
//! ```

use std::sync::Arc;

use salespipe::{ActorId, Engine, EventStore, OpportunityId, StageId};
use salespipe_benches::{engine_with, ENGINE_STAGES};

const N: usize = 20_000;

/// With `--features mimalloc`, the process allocator a host may choose instead of the system's.
#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> salespipe::Result<()> {
    let mode = std::env::args().nth(1).unwrap_or_default();
    let ids: Vec<OpportunityId> = (0..N)
        .map(|i| OpportunityId::new(format!("o{i}")))
        .collect();
    let rep = ActorId::new("rep");
    let stages: Vec<StageId> = ENGINE_STAGES.iter().map(StageId::new).collect();
    // The same set-up in every mode: the engine to advance and the history to replay.
    let mut fresh = engine_with(N)?;
    let history = engine_with(N)?;
    let mut walked = Engine::builder()
        .shared_store(history.store().clone())
        .build()?;
    for to in &stages[1..] {
        for id in &ids {
            walked.advance(rep.clone(), id.clone(), to.clone())?;
        }
    }
    let store = walked.store().clone();
    let events = store.head()?;
    match mode.as_str() {
        "setup" => {}
        "advance" => measured_advances(&mut fresh, &rep, &ids, &stages)?,
        "replay" => measured_replay(store, events)?,
        "time" => {
            // Wall-clock, best of several runs (a quick A/B; criterion is the reference).
            let mut best = (f64::MAX, f64::MAX);
            for _ in 0..5 {
                let mut e = engine_with(N)?;
                let t = std::time::Instant::now();
                measured_advances(&mut e, &rep, &ids, &stages)?;
                best.0 = best.0.min(t.elapsed().as_secs_f64());
            }
            for _ in 0..10 {
                let t = std::time::Instant::now();
                measured_replay(store.clone(), events)?;
                best.1 = best.1.min(t.elapsed().as_secs_f64());
            }
            eprintln!(
                "advances {:.0}/s, replayed events {:.0}/s (best of 5 and 10)",
                (4 * N) as f64 / best.0,
                events as f64 / best.1
            );
        }
        _ => {
            eprintln!("usage: engine-probe setup|advance|replay|time");
            std::process::exit(2);
        }
    }
    drop(fresh);
    Ok(())
}

/// The loop of `gate_checked_advances` (a function of its own for `--toggle-collect`).
#[inline(never)]
fn measured_advances(
    e: &mut Engine,
    rep: &ActorId,
    ids: &[OpportunityId],
    stages: &[StageId],
) -> salespipe::Result<()> {
    for to in &stages[1..] {
        for id in ids {
            e.advance(rep.clone(), id.clone(), to.clone())?;
        }
    }
    Ok(())
}

/// One iteration of `replay`: a new engine folds the store, and is dropped.
#[inline(never)]
fn measured_replay(store: Arc<dyn EventStore>, events: u64) -> salespipe::Result<()> {
    let e = Engine::builder().shared_store(store).build()?;
    if e.view().state().position() != events {
        return Err(salespipe::Error::storage("replay stopped short"));
    }
    Ok(())
}
