//! Faults under a PostgreSQL store: the server restarted (`pg_ctl restart -m immediate`, a
//! crash as far as the server knows) in the middle of a write loop, and a client SIGKILLed in
//! the middle of its transactions. Afterwards: no partial batch, no duplicate, nothing that
//! was acknowledged lost, positions still 1..n; the writer saw `storage` errors and recovered
//! by reconnecting (the store reconnects on the next call).
//!
//! The tests in this file run one at a time (a restart would break the other).
#![cfg(feature = "postgres")]
#![allow(clippy::unwrap_used, clippy::print_stdout)]

mod pg_support;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Command as Process, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use pg_support::*;
use salespipe::store::PostgresStore;
use salespipe::*;

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

const BATCH: u64 = 3;

/// The events of batch `k`: `n` events, each naming its batch and its place in it.
fn batch(k: u64, n: u64) -> Vec<NewEvent> {
    (0..n)
        .map(|j| NewEvent {
            at: Timestamp::from_millis(1_772_413_200_000),
            actor: "writer".into(),
            event: Event::TaskDone {
                task: format!("b{k}-{j}-of-{n}").into(),
                done: true,
            },
        })
        .collect()
}

/// Checks the log: positions 1..n; every batch whole (all its events, consecutive, in
/// order) and at most once; every acknowledged batch there. Returns how many batches.
fn verify(store: &PostgresStore, acked: &[u64]) -> usize {
    let all = store.read_all(0, usize::MAX).unwrap();
    assert_eq!(
        all.iter().map(|e| e.position).collect::<Vec<_>>(),
        (1..=all.len() as u64).collect::<Vec<_>>(),
        "a gap in positions"
    );
    let mut batches = BTreeMap::<u64, u64>::new();
    let mut i = 0;
    while i < all.len() {
        let Event::TaskDone { task, .. } = &all[i].event else {
            panic!("an event no writer wrote");
        };
        let parts: Vec<&str> = task.as_str().split(['b', '-']).collect();
        let (k, j, n): (u64, u64, u64) = (
            parts[1].parse().unwrap(),
            parts[2].parse().unwrap(),
            parts[4].parse().unwrap(),
        );
        assert_eq!(j, 0, "batch {k} starts in its middle at position {}", i + 1);
        for (offset, e) in all[i..].iter().take(n as usize).enumerate() {
            let Event::TaskDone { task, .. } = &e.event else {
                panic!("an event no writer wrote")
            };
            assert_eq!(
                task.as_str(),
                format!("b{k}-{offset}-of-{n}"),
                "batch {k} is partial"
            );
        }
        assert!(batches.insert(k, n).is_none(), "batch {k} is there twice");
        i += n as usize;
    }
    for k in acked {
        assert!(batches.contains_key(k), "acknowledged batch {k} was lost");
    }
    batches.len()
}

#[test]
fn a_server_restart_mid_write_loses_nothing_and_the_store_reconnects() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let Some(url) = server() else { return };
    let Some(pg_ctl) = pg_ctl() else { return };
    let schema = fresh_schema("restart");
    let _cleanup = Cleanup {
        url: url.clone(),
        schema: schema.clone(),
    };
    let store = open(&url, &schema);
    let stop = AtomicBool::new(false);
    let restarted = AtomicBool::new(false);
    let (acked, errors, after_restart) = std::thread::scope(|s| {
        let writer = s.spawn(|| {
            let mut acked = Vec::new();
            let mut errors = Vec::new();
            let mut after_restart = 0;
            let mut version = 0;
            let mut k = 0;
            while !stop.load(Ordering::SeqCst) {
                k += 1;
                match store.append("w", version, batch(k, BATCH)) {
                    Ok(_) => {
                        acked.push(k);
                        version += BATCH;
                        if restarted.load(Ordering::SeqCst) {
                            after_restart += 1;
                        }
                    }
                    Err(e) => {
                        assert_eq!(e.code(), ErrorCode::Storage, "{e}");
                        errors.push(e.to_string());
                        // Learn whether it committed once the server is back: each call
                        // reconnects.
                        let deadline = Instant::now() + Duration::from_secs(60);
                        version = loop {
                            match store.stream_version("w") {
                                Ok(v) => break v,
                                Err(e) => {
                                    assert_eq!(e.code(), ErrorCode::Storage, "{e}");
                                    assert!(Instant::now() < deadline, "never came back: {e}");
                                    std::thread::sleep(Duration::from_millis(50));
                                }
                            }
                        };
                    }
                }
            }
            (acked, errors, after_restart)
        });
        std::thread::sleep(Duration::from_millis(700));
        let status = Process::new(&pg_ctl[0])
            .args(&pg_ctl[1..])
            .args(["restart", "-m", "immediate"])
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "pg_ctl restart failed");
        restarted.store(true, Ordering::SeqCst);
        std::thread::sleep(Duration::from_millis(1500));
        stop.store(true, Ordering::SeqCst);
        writer.join().unwrap()
    });
    println!(
        "{} batches acknowledged ({after_restart} after the restart), {} storage errors, \
         first: {}",
        acked.len(),
        errors.len(),
        errors.first().map_or("", String::as_str)
    );
    assert!(!errors.is_empty(), "the restart went unnoticed");
    assert!(after_restart > 0, "no recovery after the restart");
    let batches = verify(&open(&url, &schema), &acked);
    assert!(batches >= acked.len());
}

const KILL_CHILD_ENV: &str = "SALESPIPE_PG_KILL_SCHEMA";
const KILL_MODE_ENV: &str = "SALESPIPE_PG_KILL_MODE";

/// The process to be killed: appends batches of 1-300 events as fast as it can, printing
/// each acknowledged one. In mode `tx` each append is the append function inside an explicit
/// transaction that sleeps 20 ms before committing (so a kill often lands between the
/// insert and the commit, with the append lock held).
fn kill_child(url: &str, schema: &str, mode: &str) {
    use std::io::Write;
    let store = open(url, schema);
    let mut client = raw(url);
    let mut version = store.stream_version("w").unwrap();
    let mut rng = Rng(u64::from(std::process::id()) | 1);
    let mut stdout = std::io::stdout();
    for _ in 0..100_000 {
        let k = rng.next() >> 1;
        let n = 1 + rng.below(300);
        let events = batch(k, n);
        if mode == "tx" {
            let mut tx = client.transaction().unwrap();
            let at: Vec<i64> = events.iter().map(|e| e.at.as_millis()).collect();
            let actors: Vec<&str> = events.iter().map(|e| e.actor.as_str()).collect();
            let data: Vec<String> = events
                .iter()
                .map(|e| serde_json::to_string(&e.event).unwrap())
                .collect();
            tx.query_one(
                &format!("SELECT \"{schema}\".append('w', $1, $2, $3, 1, $4)"),
                &[&i64::try_from(version).unwrap(), &at, &actors, &data],
            )
            .unwrap();
            tx.execute("SELECT pg_sleep(0.02)", &[]).unwrap();
            tx.commit().unwrap();
        } else {
            store.append("w", version, events).unwrap();
        }
        version += n;
        writeln!(stdout, "ack {k}").unwrap();
        stdout.flush().unwrap();
    }
}

#[test]
fn kill_child_entry() {
    // Does nothing unless re-run by `a_client_killed_...`.
    if let (Ok(schema), Ok(mode), Ok(url)) = (
        std::env::var(KILL_CHILD_ENV),
        std::env::var(KILL_MODE_ENV),
        std::env::var("SALESPIPE_PG_URL"),
    ) {
        kill_child(&url, &schema, &mode);
    }
}

#[test]
fn a_client_killed_mid_transaction_leaves_no_partial_batch_and_no_stuck_lock() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let Some(url) = server() else { return };
    let schema = fresh_schema("kill");
    let _cleanup = Cleanup {
        url: url.clone(),
        schema: schema.clone(),
    };
    let store = open(&url, &schema);
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let mut acked = Vec::new();
    const RUNS: u64 = 10;
    for run in 0..RUNS {
        let mode = if run % 2 == 0 { "store" } else { "tx" };
        let mut child = Process::new(std::env::current_exe().unwrap())
            .args([
                "kill_child_entry",
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(KILL_CHILD_ENV, &schema)
            .env(KILL_MODE_ENV, mode)
            .env("SALESPIPE_PG_URL", &url)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
                .filter_map(|l| {
                    l.trim_start_matches("test kill_child_entry ... ")
                        .strip_prefix("ack ")
                        .map(|k| k.trim().parse::<u64>().unwrap())
                })
                .collect::<Vec<u64>>()
        });
        std::thread::sleep(Duration::from_millis(300 + rng.below(400)));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        acked.extend(reader.join().unwrap());
        // The server ends the killed client's work (an append statement it had already
        // received may still commit, unacknowledged; an open transaction rolls back) and
        // frees the append lock: the next append goes through promptly.
        let t = Instant::now();
        let probe = (1u64 << 62) + run;
        loop {
            let v = store.stream_version("w").unwrap();
            match store.append("w", v, batch(probe, 1)) {
                Ok(_) => break,
                Err(Error::Conflict { .. }) => assert!(t.elapsed() < Duration::from_secs(10)),
                Err(e) => panic!("{e}"),
            }
        }
        acked.push(probe);
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "the lock stayed taken"
        );
    }
    let batches = verify(&store, &acked);
    println!(
        "{RUNS} clients killed; {} batches acknowledged, {batches} in the log, {} events",
        acked.len(),
        store.head().unwrap()
    );
    assert!(acked.len() > 2 * RUNS as usize, "the children hardly wrote");
}
