//! Crash safety: a child process appends commands in a loop and reports each acknowledged
//! one on stdout; the test kills it with SIGKILL at random moments (25 times), reopens the
//! file after each kill and checks that every acknowledged command is there, that no command
//! is there in part, and that replaying the file through an `Engine` gives a valid state that
//! the read models agree with.
//!
//! The child is this same test binary, re-run with `SALESPIPE_CRASH_CHILD` set.
//!
//! A SIGKILL does not lose what the OS already holds, so this shows atomicity and recovery
//! from a process crash, not durability against a power loss (that is `Synchronous::Full`'s
//! fsync, which no process-level test can show).
#![cfg(all(feature = "sqlite", unix))]
#![allow(clippy::unwrap_used)] // test helpers, not library code

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command as Process, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use salespipe::event::opportunity_stream;
use salespipe::store::SqliteStore;
use salespipe::*;

const KILLS: u64 = 25;
const CHILD_ENV: &str = "SALESPIPE_CRASH_CHILD";
const RUN_ENV: &str = "SALESPIPE_CRASH_RUN";
/// Items ticked by a batch: a batch is one append of 1 + ITEMS + 1 events.
const ITEMS: usize = 8;

fn pipeline() -> Pipeline {
    Pipeline::builder("sales", "Sales")
        .stage(Stage::new("qualify", "识别潜在客户", 0.1))
        .stage(Stage::new("demo", "产品演示", 0.3))
        .stage(Stage::new("quote", "报价", 0.6))
        .build()
        .unwrap()
}

fn setup(engine: &mut Engine) {
    if engine.view().user(&"admin".into()).is_ok() {
        return;
    }
    engine
        .register_user("admin", User::new("admin", "Admin", Role::Admin))
        .unwrap();
    engine.define_pipeline("admin", pipeline()).unwrap();
    engine
        .create_customer("admin", Customer::new("acme", "Acme"))
        .unwrap();
}

/// One append of many events, written straight to the store: an opportunity created,
/// ITEMS long checklist items ticked, and a move to `demo`.
fn batch(k: u64, at: Timestamp) -> Vec<NewEvent> {
    let id = OpportunityId::new(format!("bat-{k}"));
    let mut opp = NewOpportunity::new(
        id.clone(),
        "sales",
        "acme",
        "admin",
        format!("batch {k}"),
        Money::parse("100", "CNY").unwrap(),
    );
    opp.stage = Some("qualify".into());
    let mut events = vec![Event::OpportunityCreated {
        opportunity: Box::new(opp),
    }];
    for j in 0..ITEMS {
        events.push(Event::ChecklistChanged {
            opportunity: id.clone(),
            item: format!("item {j} {}", "x".repeat(2000)),
            ticked: true,
        });
    }
    events.push(Event::Moved {
        opportunity: id,
        from: "qualify".into(),
        to: "demo".into(),
        how: MoveKind::Simple,
        reason: None,
        competitor: None,
    });
    events
        .into_iter()
        .map(|event| NewEvent {
            at,
            actor: "admin".into(),
            event,
        })
        .collect()
}

/// The child: appends commands until killed, printing `ack <k> <kind>` after each.
fn child(path: &Path, run: u64) {
    let store = SqliteStore::open(path).unwrap();
    let clock = ManualClock::new("2026-03-02T01:00:00Z".parse().unwrap());
    let mut engine = Engine::builder()
        .store(store.clone())
        .clock(clock.clone())
        .build()
        .unwrap();
    setup(&mut engine);
    let mut out = std::io::stdout().lock();
    writeln!(out, "ready").unwrap();
    out.flush().unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    for i in 0u64.. {
        if Instant::now() > deadline {
            break; // orphaned: the parent is gone
        }
        let k = run * 1_000_000 + i;
        let kind = i % 4;
        match kind {
            0 => engine.create_opportunity(
                "admin",
                NewOpportunity::new(
                    format!("opp-{k}"),
                    "sales",
                    "acme",
                    "admin",
                    "deal",
                    Money::parse("10", "CNY").unwrap(),
                ),
            ),
            1 => engine.create_task(
                "admin",
                Task::new(format!("task-{k}"), "call", "admin", clock.now())
                    .on_opportunity(format!("opp-{}", k - 1)),
            ),
            2 => engine.advance("admin", format!("opp-{}", k - 2), "demo"),
            _ => store
                .append(
                    &opportunity_stream(&format!("bat-{k}").into()),
                    0,
                    batch(k, clock.now()),
                )
                .map(drop),
        }
        .unwrap_or_else(|e| panic!("command {k} failed: {e}"));
        writeln!(out, "ack {k} {kind}").unwrap();
        out.flush().unwrap();
        clock.advance(Duration::from_secs(1));
    }
}

#[test]
fn crash_child() {
    // Does nothing unless re-run as the child by `sigkill_at_random_points_loses_nothing`.
    if let (Ok(path), Ok(run)) = (std::env::var(CHILD_ENV), std::env::var(RUN_ENV)) {
        child(Path::new(&path), run.parse().unwrap());
    }
}

struct Rng(u64);
impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

#[test]
fn sigkill_at_random_points_loses_nothing() {
    let seed = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    let mut rng = Rng(seed);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crash.sqlite");
    let mut acked: BTreeMap<u64, u64> = BTreeMap::new();
    for run in 1..=KILLS {
        let mut child = Process::new(std::env::current_exe().unwrap())
            .args(["crash_child", "--exact", "--nocapture", "--test-threads=1"])
            .env(CHILD_ENV, &path)
            .env(RUN_ENV, run.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        // Read the child's lines on a thread, so that the kill can come at any moment.
        let (tx, rx) = mpsc::channel();
        let stdout = child.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let wait_line = |rx: &mpsc::Receiver<String>| {
            rx.recv_timeout(Duration::from_secs(30))
                .unwrap_or_else(|_| panic!("child {run} went silent (seed {seed})"))
        };
        // The harness prints "test crash_child ... " before the child's first line.
        while !wait_line(&rx).ends_with("ready") {}
        // Kill after a random number of acknowledgements, then a random few milliseconds
        // more (often in the middle of an append).
        let mut record = |line: &str| {
            let mut parts = line.split_whitespace();
            if parts.next() != Some("ack") {
                return false;
            }
            let k: u64 = parts.next().unwrap().parse().unwrap();
            acked.insert(k, parts.next().unwrap().parse().unwrap());
            true
        };
        let target = rng.below(12);
        let mut seen = 0;
        while seen < target {
            if record(&wait_line(&rx)) {
                seen += 1;
            }
        }
        std::thread::sleep(Duration::from_micros(rng.below(4000)));
        child.kill().unwrap(); // SIGKILL
        let status = child.wait().unwrap();
        assert!(!status.success(), "the child was killed, not finished");
        reader.join().unwrap();
        for line in rx.try_iter() {
            record(&line);
        }
        verify(&path, &acked, run, seed);
    }
    assert!(acked.len() as u64 >= KILLS, "the children made progress");
}

/// Reopens the file and checks it against what was acknowledged.
fn verify(path: &Path, acked: &BTreeMap<u64, u64>, run: u64, seed: u64) {
    let ctx = format!("after kill {run} (seed {seed})");
    let store = SqliteStore::open(path).unwrap_or_else(|e| panic!("reopen {ctx}: {e}"));
    let engine = Engine::builder()
        .store(store.clone())
        .build()
        .unwrap_or_else(|e| panic!("replay {ctx}: {e}"));

    // The log: positions 1..=head, every stream's versions 1..=v, every batch whole.
    let all = store.read_all(0, usize::MAX).unwrap();
    assert_eq!(all.len() as u64, store.head().unwrap(), "{ctx}");
    let mut versions: BTreeMap<&str, u64> = BTreeMap::new();
    for (i, e) in all.iter().enumerate() {
        assert_eq!(e.position, i as u64 + 1, "{ctx}");
        let v = versions.entry(&e.stream).or_default();
        *v += 1;
        assert_eq!(e.version, *v, "{ctx}: {}", e.stream);
    }
    let mut present = BTreeSet::new();
    for (stream, v) in &versions {
        if let Some(k) = stream.strip_prefix("opportunity/bat-") {
            assert_eq!(*v as usize, ITEMS + 2, "{ctx}: batch {k} is partial");
            present.insert(k.parse::<u64>().unwrap());
        }
    }

    // Every acknowledged command is there.
    for (&k, &kind) in acked {
        match kind {
            0 => assert!(
                engine
                    .view()
                    .opportunity(&format!("opp-{k}").into())
                    .is_ok(),
                "{ctx}: {k}"
            ),
            1 => assert!(
                engine.view().task(&format!("task-{k}").into()).is_ok(),
                "{ctx}: {k}"
            ),
            2 => assert_eq!(
                engine
                    .view()
                    .opportunity(&format!("opp-{}", k - 2).into())
                    .unwrap()
                    .stage
                    .as_str(),
                "demo",
                "{ctx}: {k}"
            ),
            _ => {
                assert!(present.contains(&k), "{ctx}: batch {k} lost");
                let o = engine
                    .view()
                    .opportunity(&format!("bat-{k}").into())
                    .unwrap()
                    .clone();
                assert_eq!((o.stage.as_str(), o.checklist.len()), ("demo", ITEMS));
            }
        }
    }
    // Beyond the acknowledged ones, at most the command in flight at the kill.
    let this_run = |k: &u64| *k / 1_000_000 == run && !acked.contains_key(k);
    let unacked = present.iter().filter(|k| this_run(k)).count()
        + engine
            .view()
            .opportunities()
            .iter()
            .filter_map(|o| o.id.as_str().strip_prefix("opp-"))
            .filter(|k| this_run(&k.parse().unwrap()))
            .count()
        + engine
            .view()
            .open_tasks(None)
            .iter()
            .filter_map(|t| t.id.as_str().strip_prefix("task-"))
            .filter(|k| this_run(&k.parse().unwrap()))
            .count();
    assert!(
        unacked <= 1,
        "{ctx}: {unacked} unacknowledged commands present"
    );

    // The read models agree with the replayed state.
    for stage in ["qualify", "demo", "quote"] {
        let rows: Vec<String> = store
            .open_opportunities_by_stage(&"sales".into(), &stage.into())
            .unwrap()
            .into_iter()
            .map(|r| r.id.to_string())
            .collect();
        let state: Vec<String> = engine
            .view()
            .opportunities_in_stage(&"sales".into(), &stage.into())
            .into_iter()
            .map(|o| o.id.to_string())
            .collect();
        assert_eq!(rows, state, "{ctx}: stage {stage}");
    }
    let tasks = store.open_tasks(None).unwrap();
    let state: Vec<Task> = engine
        .view()
        .open_tasks(None)
        .into_iter()
        .cloned()
        .collect();
    assert_eq!(tasks, state, "{ctx}");
}
