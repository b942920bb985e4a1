//! The PostgreSQL event store on a server given by `SALESPIPE_PG_URL` (`scripts/test-postgres`
//! prints how to start one; any loopback server does):
//!
//! - **append**: 1, 4 and 16 concurrent writers, each with its own store (connection), each
//!   appending one-event commands (the common command) to streams of its own for a few
//!   seconds: commands per second and latency percentiles; against raw `INSERT`s of the same
//!   rows by the same client (`postgres` crate, a prepared one-row autocommit `INSERT` into a
//!   table of the same columns, primary key and `UNIQUE (stream, version)`, without the
//!   append lock or the trigger).
//! - **replay**: opening an engine on a schema of 1,000,000 events (a realistic history:
//!   opportunities created, ticked and advanced through five gated stages), and a bare
//!   `scan` of them.
//!
//! Run: `SALESPIPE_PG_URL=postgres://… cargo bench -p salespipe-benches --features postgres
//! --bench postgres` (figures in `benches/README.md`). Not criterion: concurrent writers and
//! one long replay do not fit its sampling; each figure is one timed run.
#![allow(clippy::unwrap_used, clippy::print_stdout, missing_docs)]

use std::io::Write;
use std::sync::Barrier;
use std::time::{Duration, Instant};

use postgres::{Client, Config, NoTls};
use salespipe::store::{PostgresOptions, PostgresStore};
use salespipe::{Engine, EventStore, NewEvent, Timestamp};
use salespipe_benches::{event_json, opportunity_history};

const RUN_FOR: Duration = Duration::from_secs(5);
const REPLAY_EVENTS: usize = 1_000_000;

fn raw(url: &str) -> Client {
    url.parse::<Config>().unwrap().connect(NoTls).unwrap()
}

fn schema_name(tag: &str) -> String {
    format!("bench_{tag}_{}", std::process::id())
}

/// The one-event commands of writer `w`: the histories of its own opportunities, event by
/// event. Yields (stream, expected version, event).
struct Commands {
    w: u64,
    n: u64,
    pending: Vec<(String, u64, NewEvent)>,
}

impl Commands {
    fn new(w: u64) -> Self {
        Commands {
            w,
            n: 0,
            pending: Vec::new(),
        }
    }

    fn next(&mut self) -> (String, u64, NewEvent) {
        if self.pending.is_empty() {
            let id = self.w * 1_000_000 + self.n;
            let at = Timestamp::from_millis(1_772_413_200_000 + id as i64 * 60_000);
            let (stream, events) = opportunity_history(id, at).unwrap();
            self.n += 1;
            self.pending = events
                .into_iter()
                .enumerate()
                .map(|(v, e)| (stream.clone(), v as u64, e))
                .collect();
            self.pending.reverse();
        }
        self.pending.pop().unwrap()
    }
}

struct Run {
    commands: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
}

impl Run {
    fn per_second(&self) -> f64 {
        self.commands as f64 / self.elapsed.as_secs_f64()
    }

    fn percentile(&mut self, p: f64) -> Duration {
        self.latencies.sort_unstable();
        let i = ((self.latencies.len() as f64 * p).ceil() as usize).saturating_sub(1);
        self.latencies[i.min(self.latencies.len() - 1)]
    }
}

/// `writers` threads running `one` (a command each call) for `RUN_FOR`, started together.
fn run<S: Send>(writers: u64, make: impl Fn(u64) -> S + Sync, one: impl Fn(&mut S) + Sync) -> Run {
    let barrier = Barrier::new(writers as usize);
    let per: Vec<(Vec<Duration>, Duration)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..writers)
            .map(|w| {
                let (barrier, make, one) = (&barrier, &make, &one);
                s.spawn(move || {
                    let mut state = make(w);
                    let mut lat = Vec::with_capacity(100_000);
                    barrier.wait();
                    let start = Instant::now();
                    while start.elapsed() < RUN_FOR {
                        let t = Instant::now();
                        one(&mut state);
                        lat.push(t.elapsed());
                    }
                    (lat, start.elapsed())
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let elapsed = per.iter().map(|(_, e)| *e).max().unwrap_or_default();
    let latencies: Vec<Duration> = per.into_iter().flat_map(|(l, _)| l).collect();
    Run {
        commands: latencies.len(),
        elapsed,
        latencies,
    }
}

fn appends(url: &str) {
    println!(
        "append: one-event commands, each writer its own connection and streams, {RUN_FOR:?} a run"
    );
    println!("| writers | salespipe commands/s | p50 | p99 | raw INSERTs/s | p50 | p99 | raw / salespipe |");
    println!("|---|---|---|---|---|---|---|---|");
    for writers in [1u64, 4, 16] {
        let schema = schema_name(&format!("append{writers}"));
        let opts = PostgresOptions::default().schema(&schema);
        drop(PostgresStore::open_with(url, opts.clone()).unwrap());
        let mut ours = run(
            writers,
            |w| {
                (
                    PostgresStore::open_with(url, opts.clone()).unwrap(),
                    Commands::new(w),
                )
            },
            |(store, commands)| {
                let (stream, version, event) = commands.next();
                store.append(&stream, version, vec![event]).unwrap();
            },
        );
        let raw_schema = schema_name(&format!("raw{writers}"));
        raw(url)
            .batch_execute(&format!(
                "CREATE SCHEMA {raw_schema}; CREATE TABLE {raw_schema}.events (
                    position bigserial PRIMARY KEY, stream text NOT NULL, version bigint NOT NULL,
                    at bigint NOT NULL, actor text NOT NULL, schema integer NOT NULL,
                    data text NOT NULL, UNIQUE (stream, version))"
            ))
            .unwrap();
        let insert = format!(
            "INSERT INTO {raw_schema}.events (stream, version, at, actor, schema, data) \
             VALUES ($1, $2, $3, $4, 1, $5)"
        );
        let mut theirs = run(
            writers,
            |w| {
                let mut client = raw(url);
                let stmt = client.prepare(&insert).unwrap();
                (client, stmt, Commands::new(w))
            },
            |(client, stmt, commands)| {
                let (stream, version, event) = commands.next();
                let data = event_json(&event.event);
                client
                    .execute(
                        &*stmt,
                        &[
                            &stream,
                            &(version as i64 + 1),
                            &event.at.as_millis(),
                            &event.actor.as_str(),
                            &data,
                        ],
                    )
                    .unwrap();
            },
        );
        println!(
            "| {writers} | {:.0} | {:.2} ms | {:.2} ms | {:.0} | {:.2} ms | {:.2} ms | {:.2}x |",
            ours.per_second(),
            ms(ours.percentile(0.5)),
            ms(ours.percentile(0.99)),
            theirs.per_second(),
            ms(theirs.percentile(0.5)),
            ms(theirs.percentile(0.99)),
            theirs.per_second() / ours.per_second()
        );
        raw(url)
            .batch_execute(&format!(
                "DROP SCHEMA {schema} CASCADE; DROP SCHEMA {raw_schema} CASCADE"
            ))
            .unwrap();
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Builds a realistic log of about `REPLAY_EVENTS` events in memory and copies it into a new
/// schema with `COPY` (the insert trigger off for the load; the rows are the store's own).
fn load(url: &str, schema: &str) -> usize {
    let n = REPLAY_EVENTS / 6;
    let mut e = salespipe_benches::engine_with(n).unwrap();
    for to in &salespipe_benches::ENGINE_STAGES[1..] {
        for i in 0..n {
            e.advance("rep", format!("o{i}"), *to).unwrap();
        }
    }
    let events = e.store().read_all(0, usize::MAX).unwrap();
    drop(PostgresStore::open_with(url, PostgresOptions::default().schema(schema)).unwrap());
    let mut c = raw(url);
    c.batch_execute(&format!(
        "ALTER TABLE {schema}.events DISABLE TRIGGER events_follow_head"
    ))
    .unwrap();
    let mut w = c
        .copy_in(&format!(
            "COPY {schema}.events (position, stream, version, at, actor, schema, data) FROM STDIN"
        ))
        .unwrap();
    let mut line = String::new();
    for r in &events {
        line.clear();
        let data = serde_json::to_string(&r.event)
            .unwrap()
            .replace('\\', "\\\\");
        line.push_str(&format!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\n",
            r.position,
            r.stream,
            r.version,
            r.at.as_millis(),
            r.actor.as_str(),
            r.schema,
            data
        ));
        w.write_all(line.as_bytes()).unwrap();
    }
    w.finish().unwrap();
    c.batch_execute(&format!(
        "ALTER TABLE {schema}.events ENABLE TRIGGER events_follow_head; ANALYZE {schema}.events"
    ))
    .unwrap();
    events.len()
}

fn replay(url: &str) {
    let schema = schema_name("replay");
    let t = Instant::now();
    let events = load(url, &schema);
    println!(
        "replay: {events} events loaded in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let opts = PostgresOptions::default().schema(&schema);
    for round in 1..=3 {
        let store = PostgresStore::open_with(url, opts.clone()).unwrap();
        let t = Instant::now();
        let mut seen = 0usize;
        store.scan(0, &mut |_| seen += 1).unwrap();
        let scan = t.elapsed();
        assert_eq!(seen, events);
        let t = Instant::now();
        let engine = Engine::builder().store(store).build().unwrap();
        let open = t.elapsed();
        assert_eq!(engine.view().state().position(), events as u64);
        println!(
            "replay round {round}: scan {:.2} s = {:.2} M events/s; engine open (scan + fold) \
             {:.2} s = {:.2} M events/s",
            scan.as_secs_f64(),
            events as f64 / scan.as_secs_f64() / 1e6,
            open.as_secs_f64(),
            events as f64 / open.as_secs_f64() / 1e6
        );
    }
    raw(url)
        .batch_execute(&format!("DROP SCHEMA {schema} CASCADE"))
        .unwrap();
}

fn main() {
    let Ok(url) = std::env::var("SALESPIPE_PG_URL") else {
        println!("SALESPIPE_PG_URL is not set: nothing to measure");
        return;
    };
    let only = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    if only.as_deref().is_none_or(|f| "append".contains(f)) {
        appends(&url);
    }
    if only.as_deref().is_none_or(|f| "replay".contains(f)) {
        replay(&url);
    }
    std::io::stdout().flush().unwrap();
}
