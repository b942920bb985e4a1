//! Sales management reports at scale (issue 8): the daily report of every one of 200 reps for
//! one day over a history of 1,000,000 opportunities and 5,000,000 activities, and the
//! attainment of every rep, team and the company in one pass over 1,000,000 deals.
//!
//! The daily history is fed into a `DailyIndex` as rows (the index `Engine::daily_report`
//! builds from its events on the first daily query; what is measured is the query "after
//! load"). The attainment input is plain deal rows (what `Engine::attainment` builds from
//! its state before calling the same function).
//!
//! `cargo bench -p salespipe-benches --bench mgmt`
//! (`MGMT_BENCH_SCALE=0.1` for a tenth of the data.)
#![allow(clippy::unwrap_used, missing_docs)]

use std::sync::Arc;
use std::time::Instant;

use chrono::NaiveDate;
use criterion::{criterion_group, criterion_main, Criterion};
use salespipe::management::daily::{DailyFact, DailyIndex, DailyRow};
use salespipe::management::target::{
    attainment, AttainmentInput, AttainmentQuery, DealOutcome, DealRow, Period, Scope, Target,
};
use salespipe::*;

const DAY: i64 = 86_400_000;
const START: i64 = 1_735_689_600_000; // 2025-01-01T00:00:00Z
const DAYS: i64 = 730; // two years of history
const REPS: usize = 200;
const MANAGERS: usize = 20;
const ZONES: [&str; 3] = ["Asia/Shanghai", "Europe/Berlin", "America/New_York"];

/// A small deterministic generator (SplitMix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn scale() -> f64 {
    std::env::var("MGMT_BENCH_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1.0)
}

fn rep(i: usize) -> ActorId {
    ActorId::new(format!("rep-{i:03}"))
}

fn users() -> Vec<User> {
    let mut v: Vec<User> = (0..MANAGERS)
        .map(|m| User::new(format!("mgr-{m:02}"), format!("Manager {m}"), Role::Manager))
        .collect();
    for r in 0..REPS {
        v.push(
            User::new(rep(r), format!("Rep {r}"), Role::Rep)
                .managed_by(format!("mgr-{:02}", r % MANAGERS))
                .time_zone(ZONES[r % ZONES.len()]),
        );
    }
    v
}

fn daily_index(opps: usize, activities: usize) -> DailyIndex {
    let cny = Currency::new("CNY").unwrap();
    let mut rng = Rng(7);
    let kinds: [Arc<str>; 4] = ["call".into(), "visit".into(), "email".into(), "demo".into()];
    let mut rows = Vec::with_capacity(opps * 3 + activities);
    let at = |rng: &mut Rng| Timestamp::from_millis(START + rng.below((DAYS * DAY) as u64) as i64);
    for _ in 0..opps {
        let r = rep(rng.below(REPS as u64) as usize);
        let amount = Money::from_minor(1_000 + rng.below(10_000_000) as i64, cny);
        let created = at(&mut rng);
        rows.push(DailyRow::new(
            r.clone(),
            created,
            DailyFact::NewOpportunity { amount },
        ));
        let moved = created.plus_millis(rng.below((30 * DAY) as u64) as i64);
        rows.push(DailyRow::new(
            r.clone(),
            moved,
            DailyFact::StageMove {
                forward: true,
                amount,
                before_probability: 0.1,
                after_probability: 0.4,
            },
        ));
        let closed = moved.plus_millis(rng.below((60 * DAY) as u64) as i64);
        let fact = match rng.below(3) {
            0 => DailyFact::Won { amount },
            1 => DailyFact::Lost { amount },
            _ => continue,
        };
        rows.push(DailyRow::new(r, closed, fact));
    }
    for _ in 0..activities {
        let r = rep(rng.below(REPS as u64) as usize);
        let when = at(&mut rng);
        let follow_up = (rng.below(4) == 0).then(|| when.plus_millis(DAY));
        rows.push(DailyRow::new(
            r,
            when,
            DailyFact::Activity {
                kind: kinds[rng.below(4) as usize].clone(),
                follow_up,
            },
        ));
    }
    DailyIndex::from_rows(rows)
}

fn deals(n: usize) -> Vec<DealRow> {
    let cny = Currency::new("CNY").unwrap();
    let q = [
        ForecastCategory::Pipeline,
        ForecastCategory::BestCase,
        ForecastCategory::Commit,
        ForecastCategory::Omitted,
    ];
    let base = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
    let mut rng = Rng(11);
    (0..n)
        .map(|_| {
            let owner = rep(rng.below(REPS as u64) as usize);
            let amount = Money::from_minor(1_000 + rng.below(10_000_000) as i64, cny);
            let day = rng.below(365);
            match rng.below(3) {
                0 => DealRow::won(
                    owner,
                    amount,
                    Timestamp::from_millis(1_767_225_600_000 + (day as i64) * DAY + 3_600_000),
                ),
                1 => DealRow {
                    outcome: DealOutcome::Lost,
                    ..DealRow::won(owner, amount, Timestamp::from_millis(1_767_225_600_000))
                },
                _ => DealRow::open(
                    owner,
                    amount,
                    base + chrono::Days::new(day),
                    (rng.below(10) as f64) / 10.0,
                )
                .category(q[rng.below(4) as usize]),
            }
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let s = scale();
    let opps = (1_000_000.0 * s) as usize;
    let activities = (5_000_000.0 * s) as usize;
    let t0 = Instant::now();
    let index = daily_index(opps, activities);
    eprintln!(
        "daily index: {} rows ({opps} opportunities, {activities} activities) built in {:.1?}",
        index.len(),
        t0.elapsed()
    );
    let day = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
    let as_of = Timestamp::from_millis(START + DAYS * DAY);
    let reps: Vec<(ActorId, String)> = (0..REPS)
        .map(|r| (rep(r), ZONES[r % ZONES.len()].to_owned()))
        .collect();
    let mut g = c.benchmark_group("mgmt");
    g.sample_size(20);
    g.bench_function("daily_reports_200_reps_one_day", |b| {
        b.iter(|| {
            let mut n = 0u64;
            for (r, tz) in &reps {
                n += index
                    .report(r, day, tz, as_of)
                    .unwrap()
                    .figures
                    .activities
                    .len() as u64;
            }
            n
        })
    });
    g.bench_function("daily_team_reports_20_managers_one_day", |b| {
        b.iter(|| {
            (0..MANAGERS)
                .map(|m| {
                    let team: Vec<(ActorId, String)> = reps
                        .iter()
                        .enumerate()
                        .filter(|(i, _)| i % MANAGERS == m)
                        .map(|(_, x)| x.clone())
                        .collect();
                    index
                        .team(Some(ActorId::new(format!("mgr-{m:02}"))), &team, day, as_of)
                        .unwrap()
                        .rows
                        .len()
                })
                .sum::<usize>()
        })
    });

    let users = users();
    let deal_rows = deals(opps);
    let q1 = Period::quarter(2026, 1).unwrap();
    let cny = Currency::new("CNY").unwrap();
    let mut targets: Vec<Target> = (0..REPS)
        .map(|r| {
            Target::new(
                format!("t-{r}"),
                Scope::Rep(rep(r)),
                q1,
                Money::from_minor(500_000_000, cny),
            )
        })
        .collect();
    for m in 0..MANAGERS {
        targets.push(Target::new(
            format!("t-mgr-{m}"),
            Scope::Team(ActorId::new(format!("mgr-{m:02}"))),
            q1,
            Money::from_minor(5_000_000_000, cny),
        ));
    }
    let input = AttainmentInput {
        users: &users,
        targets: &targets,
        deals: &deal_rows,
    };
    let query = AttainmentQuery::new(q1).time_zone("Asia/Shanghai");
    g.bench_function("attainment_every_rep_and_team_1m_deals", |b| {
        b.iter(|| attainment(&input, &query).unwrap().rows.len())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
