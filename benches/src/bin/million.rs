//! A million open deals through the public path: `million write` writes the data of the
//! reminders benchmark (1,000 reps under 20 managers, 100k customers, 1M open deals and 20k
//! won ones, 2M tasks, 5M activities, the benchmark's reminder rules, a revenue target per
//! rep) to a SQLite file through the engine's commands; `million open`, run in a fresh
//! process, times what a restarted app server waits for: the open (replay), the first
//! `due_for`, the first daily team report, an attainment as of a quarter back, the peak RSS,
//! and the cost of one more activity, task and move.
//!
//! ```sh
//! cargo build --release -p salespipe-benches --bin million
//! target/release/million write /tmp/million.db            # once; --scale 0.1 for a tenth
//! target/release/million open /tmp/million.db             # in a fresh process
//! target/release/million open /tmp/million.db --indexes-on-open
//! target/release/million scan /tmp/million.db             # the store's share: read and decode
//! ```
//!
//! Both print one JSON object per measurement.
#![allow(clippy::print_stdout, clippy::print_stderr)] // a command-line tool that prints its measurements

use std::process::ExitCode;
use std::time::{Duration, Instant};

use salespipe::management::target::{AttainmentQuery, Period, Scope, Target};
use salespipe::store::{SqliteOptions, SqliteStore, Synchronous};
use salespipe::{
    Activity, ActorId, Customer, Engine, ManualClock, Money, NewOpportunity, Role, Task, Timestamp,
    User,
};
use salespipe_benches::reminders::{
    reminder_pipeline, reminder_rules, rep, status_kib, Rng, DAY, MANAGERS, NOW, REPS,
};
use salespipe_benches::ENGINE_STAGES as STAGES;

/// The process's peak and current resident memory, in MiB.
fn memory_mib() -> (u64, u64) {
    (status_kib("VmHWM:") / 1024, status_kib("VmRSS:") / 1024)
}

/// The quarter the data ends in, and the one before it.
fn quarters() -> salespipe::Result<(Period, Period)> {
    Ok((Period::quarter(2026, 2)?, Period::quarter(2026, 1)?))
}

fn write(path: &str, scale: f64) -> salespipe::Result<()> {
    let opps = (1_000_000.0 * scale) as usize;
    let won = opps / 50;
    let tasks = (2_000_000.0 * scale) as usize;
    let activities = (5_000_000.0 * scale) as usize;
    let customers = (opps / 10).max(1);
    let t0 = NOW - 90 * DAY;
    let clock = ManualClock::new(Timestamp::from_millis(t0));
    let options = SqliteOptions::default().synchronous(Synchronous::Normal);
    let mut e = Engine::builder()
        .clock(clock.clone())
        .store(SqliteStore::create_with(path, options)?)
        .build()?;
    let started = Instant::now();
    let admin = "admin";
    e.register_user(admin, User::new(admin, "Admin", Role::Admin))?;
    for m in 0..MANAGERS {
        e.register_user(
            admin,
            User::new(format!("mgr-{m}"), "M", Role::Manager).managed_by(admin),
        )?;
    }
    for r in 0..REPS {
        e.register_user(
            admin,
            User::new(rep(r), "R", Role::Rep).managed_by(format!("mgr-{}", r % MANAGERS)),
        )?;
    }
    e.define_pipeline(admin, reminder_pipeline()?)?;
    e.execute(
        admin,
        salespipe::Command::SetReminderRules {
            rules: reminder_rules(),
        },
    )?;
    let (this_quarter, last_quarter) = quarters()?;
    for r in 0..REPS {
        for (q, period) in [last_quarter, this_quarter].into_iter().enumerate() {
            let target = Target::new(
                format!("t-{q}-{}", rep(r)),
                Scope::Rep(rep(r).into()),
                period,
                Money::parse("50000", "CNY")?,
            );
            e.execute(admin, salespipe::Command::SetTarget { target })?;
        }
    }
    for c in 0..customers {
        let mut customer = Customer::new(format!("c-{c}"), "C");
        customer.owner = Some(rep(c).into());
        customer.key = c % 10 == 0;
        e.create_customer(admin, customer)?;
    }
    let mut rng = Rng(42);
    // Time moves forward through the log: deals are created over the first 30 days, tasks
    // over the next 10, activities (and the wins) over the last 50.
    let step = |span_days: i64, n: usize| (span_days * DAY / n.max(1) as i64).max(1);
    let each = step(30, opps + won);
    for o in 0..opps + won {
        clock.set(Timestamp::from_millis(t0 + o as i64 * each));
        let mut n = NewOpportunity::new(
            format!("o-{o}"),
            "sales",
            format!("c-{}", o % customers),
            // The customer's owner owns the deal (at the documented scales this is rep(o)).
            rep(o % customers),
            "deal",
            Money::parse("1000", "CNY")?,
        );
        n.stage = Some(STAGES[rng.below(5) as usize].into());
        if o >= opps {
            // The deals to be won start in the last stage: winning is one step from there.
            n.stage = Some(STAGES[STAGES.len() - 1].into());
        }
        if rng.below(2) == 0 {
            let close = NOW - 30 * DAY + rng.below(120) as i64 * DAY;
            n.expected_close = Some(Timestamp::from_millis(close).to_datetime().date_naive());
        }
        e.create_opportunity(admin, n)?;
    }
    eprintln!(
        "opportunities: {} in {:.0} s",
        opps + won,
        started.elapsed().as_secs_f64()
    );
    let t1 = t0 + 30 * DAY;
    let each = step(10, tasks);
    for t in 0..tasks {
        clock.set(Timestamp::from_millis(t1 + t as i64 * each));
        let due = NOW - 30 * DAY + rng.below(60 * DAY as u64) as i64;
        let mut task = Task::new(
            format!("t-{t}"),
            "task",
            rep(rng.below(REPS as u64) as usize),
            Timestamp::from_millis(due),
        );
        if rng.below(2) == 0 {
            task.opportunity = Some(format!("o-{}", rng.below(opps as u64)).into());
        }
        let id = task.id.clone();
        e.create_task(admin, task)?;
        if rng.below(5) == 0 {
            e.complete_task(admin, id)?;
        }
    }
    eprintln!("tasks: {tasks} in {:.0} s", started.elapsed().as_secs_f64());
    let t2 = t1 + 10 * DAY;
    let each = step(50, activities + won);
    let mut wins = (opps..opps + won).peekable();
    for a in 0..activities {
        let at = Timestamp::from_millis(t2 + a as i64 * each);
        clock.set(at);
        if a % (activities / won.max(1)).max(1) == 0 {
            if let Some(w) = wins.next() {
                e.win(admin, format!("o-{w}"))?;
            }
        }
        let o = rng.below(opps as u64) as usize;
        // A rep logs the work on their own deal and customer (rep(o % customers) owns both).
        let mut act = Activity::new(format!("a-{a}"), "call", format!("c-{}", o % customers), at);
        act.actor = Some(rep(o % customers).into());
        if rng.below(10) < 8 {
            act.opportunity = Some(format!("o-{o}").into());
        }
        if rng.below(5) == 0 {
            act.next_follow_up = Some(at.plus_millis(rng.below(14 * DAY as u64) as i64));
        }
        e.log_activity(rep(o % customers), act)?;
    }
    for w in wins {
        e.win(admin, format!("o-{w}"))?;
    }
    println!(
        "{{\"bench\":\"million_write\",\"events\":{},\"seconds\":{:.1}}}",
        e.store().head()?,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn open(path: &str, indexes_on_open: bool) -> salespipe::Result<()> {
    let now = Timestamp::from_millis(NOW);
    let clock = ManualClock::new(now);
    let started = Instant::now();
    let options = SqliteOptions::default().synchronous(Synchronous::Normal);
    let mut e = Engine::builder()
        .clock(clock.clone())
        .store(SqliteStore::open_with(path, options)?)
        .indexes_on_open(indexes_on_open)
        .build()?;
    let opened = started.elapsed().as_secs_f64();
    let events = e.store().head()?;
    let owner: ActorId = "rep-7".into();
    let t = Instant::now();
    let due = e.view().due_for(&owner, now, 100).len();
    let first_due_for = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let day = now.to_datetime().date_naive();
    let team = e.view().daily_team_report(&"mgr-0".into(), day)?;
    let first_daily = t.elapsed().as_secs_f64();
    let (peak_mib, rss_mib) = memory_mib();
    let t = Instant::now();
    let (_, last_quarter) = quarters()?;
    let back = Timestamp::from_millis(NOW - 90 * DAY);
    let attainment = e
        .view()
        .attainment(&AttainmentQuery::new(last_quarter).as_of(back))?;
    let as_of = t.elapsed().as_secs_f64();
    let (peak_after_as_of, _) = memory_mib();
    println!(
        "{{\"bench\":\"million_open\",\"indexes_on_open\":{indexes_on_open},\"events\":{events},\"open_s\":{opened:.2},\"first_due_for_s\":{first_due_for:.3},\"due_for_rows\":{due},\"first_daily_team_report_s\":{first_daily:.3},\"team_reps\":{},\"to_first_answers_s\":{:.2},\"peak_rss_mib\":{peak_mib},\"rss_mib\":{rss_mib},\"as_of_attainment_quarter_back_s\":{as_of:.3},\"attainment_rows\":{},\"peak_rss_after_as_of_mib\":{peak_after_as_of}}}",
        team.rows.len(),
        started.elapsed().as_secs_f64() - as_of,
        attainment.rows.len(),
    );
    // One more activity, task and move. Another engine on the same file appends them; this
    // one folds them in with `catch_up` (reading them back from SQLite, decoding, folding
    // into the state, the reminder index and the daily index): the cost per event of
    // keeping up. Then the same through this engine's own commands, SQLite commit included
    // (`synchronous = NORMAL`).
    let n = 2_000usize;
    let opps = e.view().state().opportunity_count();
    let customers = e.view().state().customer_count();
    let options = SqliteOptions::default().synchronous(Synchronous::Normal);
    let mut writer = Engine::builder()
        .clock(clock.clone())
        .store(SqliteStore::open_with(path, options)?)
        .build()?;
    let mut rng = Rng(7);
    // The ids of this run's records carry the position the file was at: a file opened again
    // gets new ones.
    let run = events;
    let mut fold_us = Vec::new();
    for (kind, round) in [("activity", 0usize), ("task", 1), ("move", 2)] {
        let before = e.store().head()?;
        for i in 0..n {
            clock.advance(Duration::from_millis(10));
            one_more(
                &mut writer,
                kind,
                run,
                round * n + i,
                &mut rng,
                opps,
                customers,
            )?;
        }
        let appended = writer.store().head()? - before;
        let t = Instant::now();
        e.catch_up()?;
        let us = t.elapsed().as_secs_f64() * 1e6 / appended.max(1) as f64;
        fold_us.push(format!("\"{kind}_fold_us\":{us:.2}"));
    }
    drop(writer);
    let mut command_us = Vec::new();
    for (kind, round) in [("activity", 3usize), ("task", 4), ("move", 5)] {
        let t = Instant::now();
        let mut done = 0usize;
        for i in 0..n {
            clock.advance(Duration::from_millis(10));
            done += one_more(&mut e, kind, run, round * n + i, &mut rng, opps, customers)?;
        }
        let us = t.elapsed().as_secs_f64() * 1e6 / done.max(1) as f64;
        command_us.push(format!("\"{kind}_command_us\":{us:.1}"));
    }
    println!(
        "{{\"bench\":\"million_one_more\",{},{}}}",
        fold_us.join(","),
        command_us.join(",")
    );
    Ok(())
}

/// One more activity, task or move (`kind`) through engine `e`; 1 when it ran, 0 when the
/// chosen deal had nowhere to move.
#[allow(clippy::too_many_arguments)]
fn one_more(
    e: &mut Engine,
    kind: &str,
    run: u64,
    i: usize,
    rng: &mut Rng,
    opps: usize,
    customers: usize,
) -> salespipe::Result<usize> {
    let o = rng.below(opps as u64) as usize;
    match kind {
        "activity" => {
            let act = Activity::new(
                format!("extra-{run}-a-{i}"),
                "call",
                format!("c-{}", o % customers.max(1)),
                e.now(),
            )
            .on_opportunity(format!("o-{o}"));
            e.log_activity(rep(o % customers.max(1)), act)?;
        }
        "task" => {
            let due = e.now().plus_millis(DAY);
            e.create_task(
                "admin",
                Task::new(format!("extra-{run}-t-{i}"), "task", rep(i), due),
            )?;
        }
        _ => {
            let id = format!("o-{o}");
            let stage = match e.view().opportunity(&id.as_str().into()) {
                Ok(opp) if opp.is_open() => opp.stage.clone(),
                _ => return Ok(0),
            };
            let Some(next) = STAGES
                .iter()
                .position(|s| *s == stage.as_str())
                .and_then(|p| STAGES.get(p + 1))
            else {
                return Ok(0);
            };
            e.advance("admin", id, *next)?;
        }
    }
    Ok(1)
}

/// Reads and decodes every event of the file without folding them: the store's share of an
/// open.
fn scan(path: &str) -> salespipe::Result<()> {
    use salespipe::EventStore;
    let started = Instant::now();
    let store = SqliteStore::open(path)?;
    let opened = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let mut events = 0u64;
    store.scan(0, &mut |_| events += 1)?;
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{{\"bench\":\"million_scan\",\"store_open_s\":{opened:.2},\"events\":{events},\"read_and_decode_s\":{seconds:.2},\"events_per_s\":{:.0}}}",
        events as f64 / seconds
    );
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let scale = args
        .iter()
        .position(|a| a == "--scale")
        .and_then(|i| args.get(i + 1))
        .and_then(|s| s.parse::<f64>().ok())
        .unwrap_or(1.0);
    let run = match args.first().map(String::as_str) {
        Some("write") if args.len() >= 2 => write(&args[1], scale),
        Some("scan") if args.len() >= 2 => scan(&args[1]),
        Some("open") if args.len() >= 2 => {
            open(&args[1], args.iter().any(|a| a == "--indexes-on-open"))
        }
        _ => {
            eprintln!("usage: million write <file.db> [--scale S] | million open <file.db> [--indexes-on-open] | million scan <file.db>");
            return ExitCode::FAILURE;
        }
    };
    match run {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("million: {err}");
            ExitCode::FAILURE
        }
    }
}
