//! Two OS processes advance the same opportunities on one SQLite file. Every lost race
//! surfaces as `Conflict` (nothing else fails), and the final history equals a serial order of
//! the successful commands: replaying exactly those commands, one after the other, through a
//! fresh engine gives the same events, positions and versions as the file.
//!
//! The processes are this test binary, re-run with `SALESPIPE_RACE_CHILD` set.
#![cfg(feature = "sqlite")]
#![allow(clippy::unwrap_used, clippy::print_stdout)] // test helpers; the child reports on stdout

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command as Process, Stdio};
use std::time::{Duration, Instant};

use salespipe::store::SqliteStore;
use salespipe::*;

const CHILD_ENV: &str = "SALESPIPE_RACE_CHILD";
const ID_ENV: &str = "SALESPIPE_RACE_ID";
const COMMANDS: u32 = 150;
const OPPORTUNITIES: u32 = 3;

fn clock() -> ManualClock {
    ManualClock::new("2026-03-02T01:00:00Z".parse().unwrap())
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
    for o in 0..OPPORTUNITIES {
        engine
            .create_opportunity(
                "admin",
                NewOpportunity::new(
                    format!("opp-{o}"),
                    "sales",
                    "acme",
                    "admin",
                    "deal",
                    Money::parse("10", "CNY").unwrap(),
                ),
            )
            .unwrap();
    }
}

/// The marker that command `i` of process `p` leaves in its event.
fn marker(p: u32, i: u32) -> String {
    format!("p{p}-{i}")
}

/// Command `i` of process `p`: always valid, so losing a race is its only way to fail.
fn command(p: u32, i: u32) -> Command {
    let opportunity = OpportunityId::new(format!("opp-{}", i % OPPORTUNITIES));
    if i % 2 == 0 {
        Command::Tick {
            opportunity,
            item: marker(p, i),
        }
    } else {
        Command::UpdateOpportunity {
            opportunity,
            patch: OpportunityPatch {
                name: Some(marker(p, i)),
                ..OpportunityPatch::default()
            },
        }
    }
}

fn ready_file(path: &Path, p: u32) -> PathBuf {
    PathBuf::from(format!("{}.ready-{p}", path.display()))
}

/// A racing process: runs its commands as fast as it can and prints each outcome.
fn child(path: &Path, p: u32) {
    let store = SqliteStore::open(path).unwrap();
    // The engine reads the clock between catching up and appending: a slow clock widens
    // that window (as a slow host would), so the racers really overlap.
    let fixed = clock().now();
    let slow_clock = move || {
        std::thread::sleep(Duration::from_micros(500));
        fixed
    };
    let mut engine = Engine::builder()
        .store(store)
        .clock(slow_clock)
        .build()
        .unwrap();
    // Start together.
    std::fs::write(ready_file(path, p), b"").unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !ready_file(path, 1 - p).exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(1));
    }
    for i in 0..COMMANDS {
        match engine.execute("admin", command(p, i)) {
            Ok(rec) => println!("ok {p} {i} {} {}", rec[0].position, rec.len()),
            Err(Error::Conflict {
                expected, actual, ..
            }) => println!("conflict {p} {i} {expected} {actual}"),
            Err(e) => println!("error {p} {i} {e}"),
        }
    }
}

#[test]
fn race_child() {
    // Does nothing unless re-run as a racer by `two_processes_on_one_file_...`.
    if let (Ok(path), Ok(p)) = (std::env::var(CHILD_ENV), std::env::var(ID_ENV)) {
        child(Path::new(&path), p.parse().unwrap());
    }
}

#[test]
fn two_processes_on_one_file_conflict_cleanly_and_serialize() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("race.sqlite");
    let file = SqliteStore::open(&path).unwrap();
    setup(
        &mut Engine::builder()
            .store(file.clone())
            .clock(clock())
            .build()
            .unwrap(),
    );
    let setup_head = file.head().unwrap();

    let racers: Vec<_> = (0..2u32)
        .map(|p| {
            Process::new(std::env::current_exe().unwrap())
                .args(["race_child", "--exact", "--nocapture", "--test-threads=1"])
                .env(CHILD_ENV, &path)
                .env(ID_ENV, p.to_string())
                .stdout(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut ok = Vec::new(); // (first position, events, process, command)
    let mut conflicts = Vec::new();
    for racer in racers {
        let out = racer.wait_with_output().unwrap();
        assert!(out.status.success(), "a racer failed: {out:?}");
        for line in String::from_utf8(out.stdout).unwrap().lines() {
            // The harness prints "test race_child ... " before the racer's first line.
            let line = line.trim_start_matches("test race_child ... ");
            let f: Vec<&str> = line.split_whitespace().collect();
            let num = |i: usize| f[i].parse::<u64>().unwrap();
            match f[..] {
                ["ok", _, _, _, _] => ok.push((num(3), num(4), num(1) as u32, num(2) as u32)),
                ["conflict", _, _, _, _] => {
                    assert!(num(4) > num(3), "{line}: the other process had appended");
                    conflicts.push((num(1), num(2)));
                }
                ["error", ..] => panic!("only conflicts may fail: {line}"),
                _ => {} // the test harness's own lines
            }
        }
    }
    assert_eq!(ok.len() + conflicts.len(), 2 * COMMANDS as usize);
    eprintln!("{} commands won, {} lost a race", ok.len(), conflicts.len());
    assert!(!conflicts.is_empty(), "the racers never overlapped");

    // The file holds exactly the winners' events, back to back, gap-free.
    ok.sort();
    let all = file.read_all(0, usize::MAX).unwrap();
    let mut next = setup_head + 1;
    for &(first, n, p, i) in &ok {
        assert_eq!(first, next, "command {} is not where it said", marker(p, i));
        next += n;
    }
    assert_eq!(all.len() as u64, next - 1, "events beyond the winners'");
    let found: BTreeSet<String> = all
        .iter()
        .filter_map(|r| match &r.event {
            Event::ChecklistChanged { item, .. } => Some(item.clone()),
            Event::OpportunityUpdated { patch, .. } => patch.name.clone(),
            _ => None,
        })
        .collect();
    let won: BTreeSet<String> = ok.iter().map(|&(_, _, p, i)| marker(p, i)).collect();
    assert_eq!(
        found, won,
        "a lost command left an event, or a won one none"
    );

    // A serial order of the winners, replayed alone, gives the same history and state.
    let mut serial = Engine::builder().clock(clock()).build().unwrap();
    setup(&mut serial);
    for &(_, _, p, i) in &ok {
        serial.execute("admin", command(p, i)).unwrap();
    }
    assert_eq!(serial.store().read_all(0, usize::MAX).unwrap(), all);
    let replayed = Engine::builder().store(file).build().unwrap();
    assert_eq!(replayed.view().state(), serial.view().state());
}
