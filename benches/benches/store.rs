//! The SQLite event store against raw `rusqlite` inserting the same rows with the same
//! durability setting, and loading 1,000,000 events back.
//!
//! Run: `cargo bench -p salespipe-benches --bench store` (figures in `benches/README.md`).
#![allow(clippy::unwrap_used)] // benchmark setup

use std::path::Path;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use rusqlite::types::Value;
use rusqlite::{params, params_from_iter, Connection, TransactionBehavior};
use salespipe::store::{SqliteOptions, SqliteStore, Synchronous};
use salespipe::{Event, EventStore, NewEvent, Timestamp};
use salespipe_benches::{event_json, opportunity_history, EVENTS_PER_OPPORTUNITY};

/// Events loaded back in the load benchmark.
const LOAD_EVENTS: u64 = 1_000_000;

/// An endless sequence of commands: each opportunity's history, `per_append` events per
/// append, opportunity after opportunity. Yields (stream, expected version, events).
struct Commands {
    per_append: usize,
    n: u64,
    pending: Vec<(String, u64, Vec<NewEvent>)>,
}

impl Commands {
    fn new(per_append: usize) -> Self {
        Commands {
            per_append,
            n: 0,
            pending: Vec::new(),
        }
    }

    fn next(&mut self) -> (String, u64, Vec<NewEvent>) {
        if self.pending.is_empty() {
            let at = Timestamp::from_millis(1_772_413_200_000 + self.n as i64 * 60_000);
            let (stream, events) = opportunity_history(self.n, at).unwrap();
            self.n += 1;
            let mut version = 0;
            for chunk in events.chunks(self.per_append) {
                self.pending.push((stream.clone(), version, chunk.to_vec()));
                version += chunk.len() as u64;
            }
            self.pending.reverse();
        }
        self.pending.pop().unwrap()
    }
}

/// A hand-written event table: the same columns, key and uniqueness as salespipe's, in WAL
/// mode with the same `synchronous`.
fn raw_table(path: &Path, sync: Synchronous) -> Connection {
    let conn = Connection::open(path).unwrap();
    conn.pragma_update_and_check(None, "journal_mode", "WAL", |_| Ok(()))
        .unwrap();
    conn.pragma_update(None, "synchronous", sync_pragma(sync))
        .unwrap();
    conn.execute_batch(
        "CREATE TABLE events (
            position INTEGER PRIMARY KEY, stream TEXT NOT NULL, version INTEGER NOT NULL,
            at INTEGER NOT NULL, actor TEXT NOT NULL, schema INTEGER NOT NULL,
            data TEXT NOT NULL, UNIQUE (stream, version))",
    )
    .unwrap();
    conn
}

/// The read-model tables and indexes salespipe keeps (same DDL as its schema version 2),
/// without its triggers: for the raw baseline that writes the same rows.
const READ_MODEL_DDL: &str = "
    CREATE TABLE rm_opportunities (
        id TEXT PRIMARY KEY, pipeline TEXT NOT NULL, stage TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('open', 'won', 'lost')), owner TEXT NOT NULL,
        customer TEXT NOT NULL, name TEXT NOT NULL, amount_minor INTEGER NOT NULL,
        currency TEXT NOT NULL) WITHOUT ROWID;
    CREATE INDEX rm_opportunities_open_by_stage
        ON rm_opportunities (pipeline, stage, id) WHERE status = 'open';
    CREATE INDEX rm_opportunities_open_by_owner
        ON rm_opportunities (owner, id) WHERE status = 'open';
    CREATE TABLE rm_tasks (
        id TEXT PRIMARY KEY, owner TEXT NOT NULL, due INTEGER NOT NULL, done INTEGER NOT NULL,
        done_at INTEGER, data TEXT NOT NULL) WITHOUT ROWID;
    CREATE INDEX rm_tasks_open_by_owner ON rm_tasks (owner, due, id) WHERE done = 0;
    CREATE INDEX rm_tasks_open_by_due ON rm_tasks (due, id) WHERE done = 0;
    CREATE TABLE rm_activities (
        id TEXT PRIMARY KEY, customer TEXT NOT NULL, at INTEGER NOT NULL,
        data TEXT NOT NULL) WITHOUT ROWID;
    CREATE INDEX rm_activities_by_customer ON rm_activities (customer, at, id);
";

/// The read-model statement salespipe runs for an event, with its parameters.
fn read_model_op(e: &NewEvent) -> Option<(&'static str, Vec<Value>)> {
    let t = |s: &str| Value::Text(s.to_owned());
    Some(match &e.event {
        Event::OpportunityCreated { opportunity: n } => (
            "INSERT OR REPLACE INTO rm_opportunities \
             (id, pipeline, stage, status, owner, customer, name, amount_minor, currency) \
             VALUES (?1, ?2, ?3, 'open', ?4, ?5, ?6, ?7, ?8)",
            vec![
                t(n.id.as_str()),
                t(n.pipeline.as_str()),
                t(n.stage.as_ref().map_or("", |s| s.as_str())),
                t(n.owner.as_str()),
                t(n.customer.as_str()),
                t(&n.name),
                Value::Integer(n.amount.minor()),
                t(n.amount.currency().code()),
            ],
        ),
        Event::Moved {
            opportunity, to, ..
        } => (
            "UPDATE rm_opportunities SET status = 'open', stage = ?2 WHERE id = ?1",
            vec![t(opportunity.as_str()), t(to.as_str())],
        ),
        Event::ActivityLogged { activity } => (
            "INSERT OR REPLACE INTO rm_activities (id, customer, at, data) \
             VALUES (?1, ?2, ?3, ?4)",
            vec![
                t(activity.id.as_str()),
                t(activity.customer.as_str()),
                Value::Integer(activity.at.as_millis()),
                Value::Text(serde_json::to_string(activity).unwrap()),
            ],
        ),
        Event::TaskCreated { task } => (
            "INSERT OR REPLACE INTO rm_tasks (id, owner, due, done, done_at, data) \
             VALUES (?1, ?2, ?3, 0, NULL, ?4)",
            vec![
                t(task.id.as_str()),
                t(task.owner.as_str()),
                Value::Integer(task.due.as_millis()),
                Value::Text(serde_json::to_string(task).unwrap()),
            ],
        ),
        Event::TaskDone { task, done } => (
            "UPDATE rm_tasks SET done = ?2, done_at = ?3 WHERE id = ?1",
            vec![
                t(task.as_str()),
                Value::Integer(i64::from(*done)),
                Value::Integer(e.at.as_millis()),
            ],
        ),
        _ => return None,
    })
}

fn sync_pragma(sync: Synchronous) -> &'static str {
    match sync {
        Synchronous::Normal => "NORMAL",
        _ => "FULL",
    }
}

/// A raw row: everything computed before the timed insert, with the read-model statement
/// salespipe would run for it.
type Row = (
    i64,
    String,
    i64,
    i64,
    String,
    String,
    Option<(&'static str, Vec<Value>)>,
);

fn bench_append(c: &mut Criterion) {
    for (sync, name) in [(Synchronous::Full, "full"), (Synchronous::Normal, "normal")] {
        for per_append in [1, EVENTS_PER_OPPORTUNITY] {
            let mut group = c.benchmark_group(format!("append/{name}/{per_append}_events"));
            group
                .sample_size(20)
                .warm_up_time(Duration::from_secs(1))
                .measurement_time(Duration::from_secs(4))
                .throughput(Throughput::Elements(per_append as u64));

            let dir = tempfile::tempdir().unwrap();
            let store = SqliteStore::open_with(
                dir.path().join("salespipe.sqlite"),
                SqliteOptions::default().synchronous(sync),
            )
            .unwrap();
            let mut commands = Commands::new(per_append);
            group.bench_function("salespipe", |b| {
                b.iter_batched(
                    || commands.next(),
                    |(stream, expected, events)| store.append(&stream, expected, events).unwrap(),
                    BatchSize::SmallInput,
                )
            });

            for (name, same_rows) in [
                ("raw_rusqlite_events", false),
                ("raw_rusqlite_same_rows", true),
            ] {
                let mut raw = raw_table(&dir.path().join(format!("{name}.sqlite")), sync);
                if same_rows {
                    raw.execute_batch(READ_MODEL_DDL).unwrap();
                }
                let mut commands = Commands::new(per_append);
                let mut position = 0i64;
                group.bench_function(name, |b| {
                    b.iter_batched(
                        || {
                            let (stream, expected, events) = commands.next();
                            events
                                .iter()
                                .enumerate()
                                .map(|(i, e)| {
                                    position += 1;
                                    (
                                        position,
                                        stream.clone(),
                                        (expected + i as u64 + 1) as i64,
                                        e.at.as_millis(),
                                        e.actor.to_string(),
                                        event_json(&e.event),
                                        if same_rows { read_model_op(e) } else { None },
                                    )
                                })
                                .collect::<Vec<Row>>()
                        },
                        |rows| {
                            let tx = raw
                                .transaction_with_behavior(TransactionBehavior::Immediate)
                                .unwrap();
                            {
                                let mut insert = tx
                                    .prepare_cached(
                                        "INSERT INTO events \
                                         (position, stream, version, at, actor, schema, data) \
                                         VALUES (?1, ?2, ?3, ?4, ?5, 1, ?6)",
                                    )
                                    .unwrap();
                                for r in &rows {
                                    insert
                                        .execute(params![r.0, r.1, r.2, r.3, r.4, r.5])
                                        .unwrap();
                                }
                                for (sql, args) in rows.iter().filter_map(|r| r.6.as_ref()) {
                                    tx.prepare_cached(sql)
                                        .unwrap()
                                        .execute(params_from_iter(args))
                                        .unwrap();
                                }
                            }
                            tx.commit().unwrap();
                        },
                        BatchSize::SmallInput,
                    )
                });
            }
            group.finish();
        }
    }
}

fn bench_load(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("load.sqlite");
    {
        let store = SqliteStore::open_with(
            &path,
            SqliteOptions::default().synchronous(Synchronous::Normal),
        )
        .unwrap();
        let mut commands = Commands::new(EVENTS_PER_OPPORTUNITY);
        while store.head().unwrap() < LOAD_EVENTS {
            let (stream, expected, mut events) = commands.next();
            let room = (LOAD_EVENTS - store.head().unwrap()) as usize;
            events.truncate(room);
            store.append(&stream, expected, events).unwrap();
        }
    }
    let store = SqliteStore::open(&path).unwrap();
    let mut group = c.benchmark_group("load_1m_events");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(15))
        .throughput(Throughput::Elements(LOAD_EVENTS));
    group.bench_function("salespipe_read_all", |b| {
        b.iter(|| {
            let mut after = 0;
            let mut n = 0u64;
            loop {
                let page = store.read_all(after, 4096).unwrap();
                let Some(last) = page.last() else { break };
                after = last.position;
                n += page.len() as u64;
            }
            assert_eq!(n, LOAD_EVENTS);
        })
    });
    group.bench_function("salespipe_scan", |b| {
        b.iter(|| {
            let mut n = 0u64;
            let last = store.scan(0, &mut |_| n += 1).unwrap();
            assert_eq!((n, last), (LOAD_EVENTS, LOAD_EVENTS));
        })
    });
    let raw = Connection::open(&path).unwrap();
    group.bench_function("raw_rusqlite_rows_without_parsing", |b| {
        b.iter(|| {
            let mut stmt = raw
                .prepare_cached(
                    "SELECT position, stream, version, at, actor, schema, data \
                     FROM events ORDER BY position",
                )
                .unwrap();
            let rows = stmt
                .query_map([], |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, i64>(2)?,
                        r.get::<_, i64>(3)?,
                        r.get::<_, String>(4)?,
                        r.get::<_, i64>(5)?,
                        r.get::<_, String>(6)?,
                    ))
                })
                .unwrap();
            assert_eq!(rows.count() as u64, LOAD_EVENTS);
        })
    });
    group.finish();
}

criterion_group!(benches, bench_append, bench_load);
criterion_main!(benches);
