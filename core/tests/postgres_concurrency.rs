//! Many writers on one PostgreSQL schema.
//!
//! - Four engines in four OS processes (this test binary re-run with `SALESPIPE_PG_RACE_*`
//!   set) run random commands for a bounded time, many on the same opportunities. Every
//!   acknowledged command is in the log exactly once, back to back where it said; every
//!   lost race is a `conflict` and left nothing; afterwards each engine's state (folded
//!   command by command, with catch-ups and waits) equals a fresh replay of the log.
//! - The no-skip property: writers whose commits are randomly delayed (the append function
//!   called inside a transaction that sleeps before committing) while a reader tails
//!   `scan(after)`: over many runs, the reader's sequence is the final log, with no gap and
//!   nothing out of order.
#![cfg(feature = "postgres")]
#![allow(clippy::unwrap_used, clippy::print_stdout)] // test helpers; the child reports on stdout

mod pg_support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command as Process, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use pg_support::*;
use salespipe::*;

const CHILD_ENV: &str = "SALESPIPE_PG_RACE_SCHEMA";
const ID_ENV: &str = "SALESPIPE_PG_RACE_ID";
const DIR_ENV: &str = "SALESPIPE_PG_RACE_DIR";
const PROCESSES: u32 = 4;
const SHARED: u64 = 3;
const RUN_FOR: Duration = Duration::from_secs(4);

fn clock() -> ManualClock {
    ManualClock::new("2026-03-02T01:00:00Z".parse().unwrap())
}

fn opportunity(engine: &mut Engine, id: &str) {
    engine
        .create_opportunity(
            "admin",
            NewOpportunity::new(
                id,
                "sales",
                "acme",
                "admin",
                "deal",
                Money::parse("10", "CNY").unwrap(),
            ),
        )
        .unwrap();
}

fn setup(engine: &mut Engine) {
    engine
        .register_user("admin", User::new("admin", "Admin", Role::Admin))
        .unwrap();
    engine
        .define_pipeline(
            "admin",
            Pipeline::builder("sales", "Sales")
                .stage(Stage::new("qualify", "识别潜在客户", 0.1))
                .stage(Stage::new("demo", "产品演示", 0.3))
                .build()
                .unwrap(),
        )
        .unwrap();
    engine
        .create_customer("admin", Customer::new("acme", "Acme"))
        .unwrap();
    for o in 0..SHARED {
        opportunity(engine, &format!("opp-{o}"));
    }
    for p in 0..PROCESSES {
        opportunity(engine, &format!("own-{p}"));
    }
}

/// A random command of process `p` leaving `marker` in its one event: always valid, so a
/// lost race (`conflict`) is its only way to fail.
fn command(rng: &mut Rng, p: u32, marker: &str) -> Command {
    let shared = OpportunityId::new(format!("opp-{}", rng.below(SHARED)));
    match rng.below(4) {
        0 => Command::Tick {
            opportunity: shared,
            item: marker.to_owned(),
        },
        1 => Command::UpdateOpportunity {
            opportunity: shared,
            patch: OpportunityPatch {
                name: Some(marker.to_owned()),
                ..OpportunityPatch::default()
            },
        },
        2 => Command::Tick {
            opportunity: OpportunityId::new(format!("own-{p}")),
            item: marker.to_owned(),
        },
        _ => Command::CreateTask {
            task: Task::new(
                marker,
                "follow up",
                "admin",
                Timestamp::from_millis(1_772_500_000_000),
            ),
        },
    }
}

/// The marker an event carries, if it is one of the racers'.
fn marker_of(e: &RecordedEvent) -> Option<String> {
    match &e.event {
        Event::ChecklistChanged { item, .. } => Some(item.clone()),
        Event::OpportunityUpdated { patch, .. } => patch.name.clone(),
        Event::TaskCreated { task } => Some(task.id.as_str().to_owned()),
        _ => None,
    }
}

fn flag(dir: &Path, what: &str, p: u32) -> PathBuf {
    dir.join(format!("{what}-{p}"))
}

fn wait_for_all(dir: &Path, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while (0..PROCESSES).any(|p| !flag(dir, what, p).exists()) {
        assert!(
            Instant::now() < deadline,
            "the other racers never got to {what}"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// A racing process: random commands for `RUN_FOR`, each outcome printed; then, once every
/// racer is done, its state against a fresh replay.
fn child(url: &str, schema: &str, p: u32, dir: &Path) {
    let mut engine = Engine::builder()
        .store(open(url, schema))
        .clock(clock())
        .build()
        .unwrap();
    let seed = u64::from(p + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ u64::from(std::process::id());
    let mut rng = Rng(seed | 1);
    std::fs::write(flag(dir, "ready", p), b"").unwrap();
    wait_for_all(dir, "ready");
    let deadline = Instant::now() + RUN_FOR;
    let mut i = 0u64;
    while Instant::now() < deadline {
        i += 1;
        let marker = format!("p{p}-{i}");
        let cmd = command(&mut rng, p, &marker);
        match engine.execute("admin", cmd) {
            Ok(rec) => println!("ok {marker} {} {}", rec[0].position, rec.len()),
            Err(Error::Conflict {
                expected, actual, ..
            }) => println!("conflict {marker} {expected} {actual}"),
            Err(e) => println!("error {marker} {e}"),
        }
        // Now and then, take in what the others did without a command.
        if rng.below(8) == 0 {
            engine.wait_for_events(Duration::from_millis(1)).unwrap();
        }
    }
    std::fs::write(flag(dir, "done", p), b"").unwrap();
    wait_for_all(dir, "done");
    // Everything is appended now: wait until this engine has it all (woken by the store).
    let head = engine.store().head().unwrap();
    while engine.view().state().position() < head {
        engine.wait_for_events(Duration::from_secs(5)).unwrap();
    }
    let fresh = Engine::builder()
        .store(open(url, schema))
        .clock(clock())
        .build()
        .unwrap();
    assert_eq!(engine.view().state(), fresh.view().state(), "process {p}");
    println!("state-equal {p} {}", engine.view().state().position());
}

#[test]
fn race_child() {
    // Does nothing unless re-run as a racer by `four_processes_...`.
    if let (Ok(schema), Ok(p), Ok(dir), Ok(url)) = (
        std::env::var(CHILD_ENV),
        std::env::var(ID_ENV),
        std::env::var(DIR_ENV),
        std::env::var("SALESPIPE_PG_URL"),
    ) {
        child(&url, &schema, p.parse().unwrap(), Path::new(&dir));
    }
}

#[test]
fn four_processes_on_one_schema_conflict_cleanly_and_agree() {
    let Some(url) = server() else { return };
    let schema = fresh_schema("race");
    let _cleanup = Cleanup {
        url: url.clone(),
        schema: schema.clone(),
    };
    let store = open(&url, &schema);
    setup(
        &mut Engine::builder()
            .store(store.clone())
            .clock(clock())
            .build()
            .unwrap(),
    );
    let setup_head = store.head().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let racers: Vec<_> = (0..PROCESSES)
        .map(|p| {
            Process::new(std::env::current_exe().unwrap())
                .args(["race_child", "--exact", "--nocapture", "--test-threads=1"])
                .env(CHILD_ENV, &schema)
                .env(ID_ENV, p.to_string())
                .env(DIR_ENV, dir.path())
                .env("SALESPIPE_PG_URL", &url)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut acked = BTreeMap::new(); // marker -> (first position, events)
    let mut conflicts = Vec::new();
    let mut agreed = Vec::new();
    let outputs: Vec<_> = racers
        .into_iter()
        .map(|r| r.wait_with_output().unwrap())
        .collect();

    for (p, out) in outputs.iter().enumerate() {
        assert!(
            out.status.success(),
            "racer {p} failed: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    for out in outputs {
        for line in String::from_utf8(out.stdout).unwrap().lines() {
            let line = line.trim_start_matches("test race_child ... ");
            let f: Vec<&str> = line.split_whitespace().collect();
            match f[..] {
                ["ok", marker, first, n] => {
                    let first: u64 = first.parse().unwrap();
                    let n: u64 = n.parse().unwrap();
                    assert!(acked.insert(marker.to_owned(), (first, n)).is_none());
                }
                ["conflict", marker, expected, actual] => {
                    assert_ne!(expected, actual, "{line}");
                    conflicts.push(marker.to_owned());
                }
                ["state-equal", p, position] => agreed.push((p.to_owned(), position.to_owned())),
                ["error", ..] => panic!("only conflicts may fail: {line}"),
                _ => {} // the test harness's own lines
            }
        }
    }
    println!(
        "{} commands acknowledged, {} lost a race",
        acked.len(),
        conflicts.len()
    );
    assert!(acked.len() > 20, "the racers hardly ran");
    assert!(!conflicts.is_empty(), "the racers never overlapped");

    // The log: positions 1..=n without gaps; each acknowledged command's events exactly
    // where it said, and nowhere else; nothing of a lost command.
    let all = store.read_all(0, usize::MAX).unwrap();
    assert_eq!(
        all.iter().map(|e| e.position).collect::<Vec<_>>(),
        (1..=all.len() as u64).collect::<Vec<_>>()
    );
    let mut seen = BTreeMap::<String, Vec<u64>>::new();
    for e in &all[usize::try_from(setup_head).unwrap()..] {
        let marker = marker_of(e).expect("an event that no racer wrote");
        seen.entry(marker).or_default().push(e.position);
    }
    for (marker, (first, n)) in &acked {
        let positions = seen
            .remove(marker)
            .expect("an acknowledged command is missing");
        assert_eq!(
            positions,
            (*first..first + n).collect::<Vec<_>>(),
            "{marker} is not exactly once where it was acknowledged"
        );
    }
    assert!(
        seen.is_empty(),
        "events of commands that were not acknowledged: {seen:?}"
    );
    // Every engine's state equals a fresh replay at the final head.
    let head = all.len().to_string();
    agreed.sort();
    assert_eq!(
        agreed,
        (0..PROCESSES)
            .map(|p| (p.to_string(), head.clone()))
            .collect::<Vec<_>>()
    );
    let fresh = Engine::builder().store(store).build().unwrap();
    assert_eq!(fresh.view().state().position(), all.len() as u64);
}

fn task_done(n: i64) -> NewEvent {
    NewEvent {
        at: Timestamp::from_millis(n),
        actor: "tester".into(),
        event: Event::TaskDone {
            task: format!("t{n}").into(),
            done: n % 2 == 0,
        },
    }
}

/// One run of the no-skip check: `WRITERS` threads append (half through the store, half
/// through the append function in a transaction that sleeps 0-3 ms before committing)
/// while a reader tails the log with `scan(after)`.
fn no_skip_run(url: &str, run: u64) -> (usize, usize) {
    const WRITERS: u64 = 4;
    const APPENDS: u64 = 25;
    let schema = fresh_schema("noskip");
    let _cleanup = Cleanup {
        url: url.to_owned(),
        schema: schema.clone(),
    };
    let reader = open(url, &schema);
    let done = AtomicBool::new(false);
    let mut tailed = Vec::new();
    let mut scans = 0;
    std::thread::scope(|s| {
        let writers: Vec<_> = (0..WRITERS)
            .map(|w| {
                let schema = &schema;
                s.spawn(move || {
                    let mut rng = Rng((run * 131 + w + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15));
                    let store = open(url, schema);
                    let mut client = raw(url);
                    let stream = format!("w{w}");
                    let mut version = 0i64;
                    for i in 0..APPENDS {
                        let n = 1 + rng.below(3);
                        let events: Vec<NewEvent> = (0..n)
                            .map(|k| task_done((w * 1000 + i * 10 + k) as i64))
                            .collect();
                        if w % 2 == 0 {
                            store.append(&stream, version as u64, events).unwrap();
                        } else {
                            // The same append function, but the commit comes a random
                            // while after the rows are in.
                            let mut tx = client.transaction().unwrap();
                            let at: Vec<i64> = events.iter().map(|e| e.at.as_millis()).collect();
                            let actors: Vec<&str> =
                                events.iter().map(|e| e.actor.as_str()).collect();
                            let data: Vec<String> = events
                                .iter()
                                .map(|e| serde_json::to_string(&e.event).unwrap())
                                .collect();
                            tx.query_one(
                                &format!("SELECT \"{schema}\".append($1, $2, $3, $4, 1, $5)"),
                                &[&stream, &version, &at, &actors, &data],
                            )
                            .unwrap();
                            let pause = rng.below(4) as f64 / 1000.0;
                            tx.execute("SELECT pg_sleep($1)", &[&pause]).unwrap();
                            tx.commit().unwrap();
                        }
                        version += n as i64;
                        if rng.below(3) == 0 {
                            std::thread::sleep(Duration::from_micros(rng.below(2000)));
                        }
                    }
                })
            })
            .collect();
        let tail = s.spawn(|| {
            let mut after = 0;
            loop {
                let finished = done.load(Ordering::SeqCst);
                let mut batch = Vec::new();
                let last = reader.scan(after, &mut |e| batch.push(e.position)).unwrap();
                scans += 1;
                for (k, p) in batch.iter().enumerate() {
                    assert_eq!(*p, after + 1 + k as u64, "run {run}: a gap or a reorder");
                }
                assert_eq!(last, after + batch.len() as u64);
                after = last;
                tailed.extend(batch);
                if finished {
                    break;
                }
            }
        });
        for w in writers {
            w.join().unwrap();
        }
        done.store(true, Ordering::SeqCst);
        tail.join().unwrap();
    });
    let fin: Vec<u64> = reader
        .read_all(0, usize::MAX)
        .unwrap()
        .iter()
        .map(|e| e.position)
        .collect();
    assert_eq!(tailed, fin, "run {run}: the tail is not the final log");
    (fin.len(), scans)
}

#[test]
fn a_reader_tailing_scan_never_skips_an_event_of_a_slow_commit() {
    let Some(url) = server() else { return };
    const RUNS: u64 = 15;
    let (mut events, mut scans) = (0, 0);
    for run in 0..RUNS {
        let (e, s) = no_skip_run(&url, run);
        events += e;
        scans += s;
    }
    println!("{RUNS} runs, {events} events tailed in {scans} scans, none skipped");
}

/// The choreography that makes a `bigserial` log skip, run against a plain `bigserial`
/// table and against the store: A takes a position and holds its commit back for 300 ms; B
/// appends 50 ms later and commits at once; a reader tails the log in between and after.
/// With `bigserial` the reader sees B's event, moves past A's lower position and never sees
/// A's event. With the store, B waits for A (the append lock), takes the next position, and
/// the reader's tail is the whole log in order.
#[test]
fn the_skip_a_bigserial_log_allows_cannot_happen_in_the_store() {
    let Some(url) = server() else { return };
    let schema = fresh_schema("choreo");
    let _cleanup = Cleanup {
        url: url.clone(),
        schema: schema.clone(),
    };
    let s = format!("\"{schema}\"");
    let store = open(&url, &schema);
    raw(&url)
        .batch_execute(&format!(
            "CREATE TABLE {s}.naive (id bigserial PRIMARY KEY, who text NOT NULL)"
        ))
        .unwrap();

    // A plain bigserial table: the reader skips A's row.
    let tail_naive = |c: &mut Client, after: &mut i64, seen: &mut Vec<String>| {
        for row in c
            .query(
                &format!("SELECT id, who FROM {s}.naive WHERE id > $1 ORDER BY id"),
                &[&*after],
            )
            .unwrap()
        {
            *after = row.get(0);
            seen.push(row.get(1));
        }
    };
    let mut seen = Vec::new();
    std::thread::scope(|scope| {
        scope.spawn(|| {
            let mut a = raw(&url);
            let mut tx = a.transaction().unwrap();
            tx.execute(&format!("INSERT INTO {s}.naive (who) VALUES ('a')"), &[])
                .unwrap();
            std::thread::sleep(Duration::from_millis(300));
            tx.commit().unwrap();
        });
        std::thread::sleep(Duration::from_millis(50));
        raw(&url)
            .execute(&format!("INSERT INTO {s}.naive (who) VALUES ('b')"), &[])
            .unwrap();
        let mut reader = raw(&url);
        let mut after = 0;
        tail_naive(&mut reader, &mut after, &mut seen);
        std::thread::sleep(Duration::from_millis(500)); // A has committed by now
        tail_naive(&mut reader, &mut after, &mut seen);
    });
    assert_eq!(seen, ["b"], "the naive log was expected to skip A's row");

    // The store: B's append waits for A's commit and comes after it; nothing is skipped.
    let mut tailed = Vec::new();
    let mut b_waited = Duration::ZERO;
    std::thread::scope(|scope| {
        scope.spawn(|| {
            let mut a = raw(&url);
            let mut tx = a.transaction().unwrap();
            let data = serde_json::to_string(&task_done(1).event).unwrap();
            tx.query_one(
                &format!("SELECT {s}.append('a', 0, ARRAY[1]::bigint[], ARRAY['a'], 1, ARRAY[$1])"),
                &[&data],
            )
            .unwrap();
            std::thread::sleep(Duration::from_millis(300));
            tx.commit().unwrap();
        });
        std::thread::sleep(Duration::from_millis(50));
        let b = scope.spawn(|| {
            let t = Instant::now();
            store.append("b", 0, vec![task_done(2)]).unwrap();
            t.elapsed()
        });
        let reader = open(&url, &schema);
        let mut after = 0;
        std::thread::sleep(Duration::from_millis(50));
        after = reader
            .scan(after, &mut |e| tailed.push(e.stream.to_string()))
            .unwrap();
        b_waited = b.join().unwrap();
        std::thread::sleep(Duration::from_millis(100));
        reader
            .scan(after, &mut |e| tailed.push(e.stream.to_string()))
            .unwrap();
    });
    assert_eq!(tailed, ["a", "b"]);
    assert!(
        b_waited >= Duration::from_millis(150),
        "B did not wait for A's commit: {b_waited:?}"
    );
    let all: Vec<(u64, String)> = store
        .read_all(0, 10)
        .unwrap()
        .iter()
        .map(|e| (e.position, e.stream.to_string()))
        .collect();
    assert_eq!(all, [(1, "a".to_owned()), (2, "b".to_owned())]);
}
