//! Reminders at scale: 1,000,000 open opportunities, 2,000,000 tasks and 5,000,000 activities
//! folded into a `State` and a `ReminderIndex` (synthetic events fed straight in, bypassing
//! the command path), then `due_for(owner, now, 100)`, `next_due_after(now)` and the cost of
//! one more event.
//!
//! `cargo bench -p salespipe-benches --bench reminders`
//! (`REMINDER_BENCH_SCALE=0.1` for a tenth of the data.)
#![allow(clippy::unwrap_used, missing_docs)]

use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use salespipe::*;

use salespipe_benches::reminders::{
    reminder_pipeline, reminder_rules, rep, status_kib, Rng, DAY, MANAGERS, NOW, REPS,
};
use salespipe_benches::ENGINE_STAGES as STAGES;

fn rss_mib() -> u64 {
    status_kib("VmRSS:") / 1024
}

struct Feed {
    state: State,
    index: ReminderIndex,
    position: u64,
}

impl Feed {
    fn push(&mut self, at: i64, stream: &str, event: Event) {
        self.position += 1;
        let rec = RecordedEvent {
            position: self.position,
            // One stream per kind: the per-stream version map is the store's business, not
            // the reminders'; this keeps the benchmark's memory for what is measured.
            stream: stream.into(),
            version: 1,
            at: Timestamp::from_millis(at),
            actor: "admin".into(),
            schema: SCHEMA_VERSION,
            event,
        };
        self.state.apply(&rec);
        self.index.apply(&self.state, &rec);
    }
}

fn build(scale: f64) -> Feed {
    let opps = (1_000_000.0 * scale) as usize;
    let tasks = (2_000_000.0 * scale) as usize;
    let activities = (5_000_000.0 * scale) as usize;
    let customers = (opps / 10).max(1);
    let mut rng = Rng(42);
    let mut f = Feed {
        state: State::default(),
        index: ReminderIndex::default(),
        position: 0,
    };
    let t0 = NOW - 90 * DAY;
    let clock = Instant::now();
    f.push(
        t0,
        "user",
        Event::UserRegistered {
            user: User::new("admin", "Admin", Role::Admin),
        },
    );
    for m in 0..MANAGERS {
        let user = User::new(format!("mgr-{m}"), "M", Role::Manager).managed_by("admin");
        f.push(t0, "user", Event::UserRegistered { user });
    }
    for r in 0..REPS {
        let user = User::new(rep(r), "R", Role::Rep).managed_by(format!("mgr-{}", r % MANAGERS));
        f.push(t0, "user", Event::UserRegistered { user });
    }
    f.push(
        t0,
        "pipeline",
        Event::PipelineDefined {
            pipeline: Box::new(reminder_pipeline().unwrap()),
        },
    );
    f.push(
        t0,
        "rules",
        Event::ReminderRulesSet {
            rules: Box::new(reminder_rules()),
        },
    );

    eprintln!("  setup: {:.1} s", clock.elapsed().as_secs_f64());
    for c in 0..customers {
        let mut customer = Customer::new(format!("c-{c}"), "C");
        customer.owner = Some(rep(c).into());
        customer.key = c % 10 == 0;
        f.push(
            t0,
            "customer",
            Event::CustomerCreated {
                customer: Box::new(customer),
            },
        );
    }
    for o in 0..opps {
        let at = rng.span(NOW - 60 * DAY, NOW);
        let mut n = NewOpportunity::new(
            format!("o-{o}"),
            "sales",
            format!("c-{}", o % customers),
            rep(o),
            "deal",
            Money::parse("1000", "CNY").unwrap(),
        );
        n.stage = Some(STAGES[rng.below(5) as usize].into());
        if rng.below(2) == 0 {
            let close = Timestamp::from_millis(rng.span(NOW - 30 * DAY, NOW + 90 * DAY));
            n.expected_close = Some(close.to_datetime().date_naive());
        }
        f.push(
            at,
            "opportunity",
            Event::OpportunityCreated {
                opportunity: Box::new(n),
            },
        );
    }
    eprintln!(
        "  opportunities: {opps}, rss {} MiB, {:.1} s",
        rss_mib(),
        clock.elapsed().as_secs_f64()
    );
    for t in 0..tasks {
        let due = Timestamp::from_millis(rng.span(NOW - 30 * DAY, NOW + 30 * DAY));
        let mut task = Task::new(
            format!("t-{t}"),
            "task",
            rep(rng.below(REPS as u64) as usize),
            due,
        );
        if rng.below(2) == 0 {
            task.opportunity = Some(format!("o-{}", rng.below(opps as u64)).into());
        }
        let id = task.id.clone();
        f.push(
            NOW - 60 * DAY,
            "task",
            Event::TaskCreated {
                task: Box::new(task),
            },
        );
        if rng.below(5) == 0 {
            f.push(
                NOW - DAY,
                "task",
                Event::TaskDone {
                    task: id,
                    done: true,
                },
            );
        }
    }
    eprintln!(
        "  tasks: {tasks}, rss {} MiB, {:.1} s",
        rss_mib(),
        clock.elapsed().as_secs_f64()
    );
    for a in 0..activities {
        let at = rng.span(NOW - 60 * DAY, NOW);
        let o = rng.below(opps as u64) as usize;
        let mut act = Activity::new(
            format!("a-{a}"),
            "call",
            format!("c-{}", o % customers),
            Timestamp::from_millis(at),
        );
        act.actor = Some(rep(o).into());
        if rng.below(10) < 8 {
            act.opportunity = Some(format!("o-{o}").into());
        }
        if rng.below(5) == 0 {
            act.next_follow_up = Some(Timestamp::from_millis(at + rng.span(0, 14 * DAY)));
        }
        f.push(
            at,
            "activity",
            Event::ActivityLogged {
                activity: Box::new(act),
            },
        );
    }
    eprintln!(
        "  activities: {activities}, rss {} MiB, {:.1} s",
        rss_mib(),
        clock.elapsed().as_secs_f64()
    );
    f
}

fn reminders(c: &mut Criterion) {
    let scale: f64 = std::env::var("REMINDER_BENCH_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1.0);
    let started = Instant::now();
    let mut f = build(scale);
    eprintln!(
        "built: {} events, {} reminders indexed, {:.1} s, rss {} MiB",
        f.position,
        f.index.len(),
        started.elapsed().as_secs_f64(),
        rss_mib()
    );
    // The index alone: built again by one scan of the state (what `indexes_on_open` does),
    // its memory the growth of the resident set.
    let (before, clock) = (rss_mib(), Instant::now());
    let again = ReminderIndex::build(&f.state);
    let (seconds, grown) = (
        clock.elapsed().as_secs_f64(),
        rss_mib().saturating_sub(before),
    );
    eprintln!(
        "index by one scan: {} reminders, {seconds:.1} s, +{grown} MiB ({:.0} bytes per reminder)",
        again.len(),
        grown as f64 * 1_048_576.0 / again.len().max(1) as f64
    );
    drop(again);
    let now = Timestamp::from_millis(NOW);
    let owner: ActorId = "rep-7".into();
    let mine = f.index.due_for(&f.state, &owner, now, usize::MAX).len();
    eprintln!(
        "rep-7: {mine} reminders due; all owners: {} due at now",
        f.index.due(&f.state, now).len()
    );
    assert!(scale < 0.5 || f.index.due_for(&f.state, &owner, now, 100).len() == 100);

    let mut g = c.benchmark_group("reminders");
    g.bench_function("due_for_owner_100", |b| {
        b.iter(|| f.index.due_for(&f.state, &owner, now, 100))
    });
    g.bench_function("next_due_after", |b| b.iter(|| f.index.next_due_after(now)));
    g.bench_function("upcoming_1h", |b| {
        b.iter(|| f.index.upcoming(&f.state, now, Duration::from_secs(3600)))
    });
    let mut n = 0u64;
    g.bench_function("apply_activity_event", |b| {
        b.iter(|| {
            n += 1;
            let o = (n * 7919) as usize % (1_000_000.0 * scale) as usize;
            let act = Activity::new(
                format!("bench-{n}"),
                "call",
                format!("c-{}", o % ((1_000_000.0 * scale) as usize / 10).max(1)),
                now,
            )
            .on_opportunity(format!("o-{o}"))
            .follow_up_at(now.plus_millis(DAY));
            probe_fold(&mut f, act);
        })
    });
    let mut toggle = false;
    g.bench_function("apply_task_done_event", |b| {
        b.iter(|| {
            toggle = !toggle;
            f.push(
                NOW,
                "task",
                Event::TaskDone {
                    task: "t-12345".into(),
                    done: toggle,
                },
            );
        })
    });
    g.finish();
}

/// The fold of one more activity (state and index), a function of its own so that
/// `valgrind --tool=callgrind --collect-atstart=no --toggle-collect='*probe_fold*'` counts
/// its instructions alone (`--bench apply_activity_event`).
#[inline(never)]
fn probe_fold(f: &mut Feed, act: Activity) {
    f.push(
        NOW,
        "activity",
        Event::ActivityLogged {
            activity: Box::new(act),
        },
    );
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(50)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    targets = reminders
}
criterion_main!(benches);
