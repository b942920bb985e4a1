//! A sales manager's view of the Maven Analytics "CRM + Sales + Opportunities" sample data set:
//! revenue targets and attainment per manager and region, one rep's daily report (销售日报) on
//! their busiest day, and revenue by product series — every figure computed by the engine from
//! the events the example replays, through the public API only.
//!
//! ```text
//! cargo run --release -p manager -- [DATA_DIR]
//! ```
//!
//! `DATA_DIR` defaults to `../shared/data/maven-crm` (relative to the repository root).
//!
//! # What it loads and how it maps it
//!
//! - **People** (`sales_teams.csv`): one admin; one regional head per `regional_office`
//!   (`Role::Manager`, no manager, id `head.central` ...); each manager (`Role::Manager`,
//!   managed by their region's head); each sales agent (`Role::Rep`, managed by their
//!   manager). Ids are the names in lower case with dots (`darcel.schlecht`). Time zones, by
//!   office (the data has none, this is our choice): Central = America/Chicago,
//!   East = America/New_York, West = America/Los_Angeles.
//! - **Pipeline**: Prospecting (p = 0.1) → Engaging (p = 0.5, forecast category best case) →
//!   won / lost, skips allowed, one lost reason `not recorded` (the data has no reasons).
//! - **Customers**: the 85 accounts of `accounts.csv`, plus `(no account)` for the pipeline rows
//!   without an account.
//! - **Replay** (`sales_pipeline.csv`, 8,800 rows, in time order on a `ManualClock`): dates are
//!   calendar days, so events get a time of day to spread them: a deal is created at
//!   `engage_date` 14:00 UTC + (row mod 180) minutes in Prospecting and advanced to Engaging at
//!   the same instant; it is won or lost at `close_date` 20:00 UTC + (row mod 120) minutes. In
//!   all three US zones these instants fall on the same local calendar day as the date.
//!   Prospecting rows have no dates at all: as every maven-crm example does
//!   (`examples/maven-crm/README.md`), they are open deals in Prospecting created on the
//!   data's first date (2016-10-20), here at 12:00 UTC + (row mod 60) minutes.
//! - **Amount** (USD, whole dollars): `close_value` for won deals; for lost and open deals (lost
//!   rows carry 0, open rows nothing) the list price of the product from `products.csv`.
//! - **Expected close**: `close_date` for closed deals; open deals (Engaging and Prospecting)
//!   expect to close on the data's last date (2017-12-31), so they are Q4 2017 pipeline.
//! - **Source**: maven-crm has no lead-source column. The engine's source report groups by the
//!   opportunity's `source`, so here `source` carries the product **series** (GTX, MG, GTK from
//!   `products.csv`): the "source report" printed is revenue by product series.
//! - **Normalisation** (every rule's row count is printed; no row is dropped): product `GTXPro`
//!   is `GTX Pro` in `products.csv` (1,480 rows); a missing account becomes `(no account)`
//!   (1,425 rows); 500 Prospecting rows get the start date; 2,089 open and 2,473 lost rows take
//!   the list price as amount.
//! - **Targets** are stated below in [`MANAGER_TARGETS`] (USD per manager and quarter of 2017);
//!   a region's target is the sum of its managers' (no company target is set). One
//!   rep target (Q4) deliberately does not decompose its manager's target, to show the check.
//! - **Busiest day**: the example counts, from the rows, each agent's replayed events per date
//!   (creation + advance at `engage_date`, win or loss at `close_date`; the Prospecting rows'
//!   creation date is ours, so it is not counted) and takes the largest (ties: the earliest
//!   date); the engine's daily report of that agent and day is printed.
//! - Attainment is computed in UTC (the engine's default zone), the daily report in the rep's
//!   zone, as of the end of the replay.

// a command-line report: printing to stdout is its purpose
#![allow(clippy::print_stdout)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use chrono::NaiveDate;
use salespipe::analytics::Window;
use salespipe::management::source::Source;
use salespipe::management::target::{AttainmentQuery, Period, Scope, Target};
use salespipe::{
    ActorId, Currency, Customer, Engine, ForecastCategory, FunnelOptions, ManualClock, Money,
    NewOpportunity, Pipeline, Role, Stage, Timestamp, User,
};

const MINUTE_MS: i64 = 60_000;
const HOUR_MS: i64 = 3_600_000;
const PIPELINE: &str = "maven";
const ADMIN: &str = "admin";
const NO_ACCOUNT: &str = "(no account)";
const LOST_REASON: &str = "not recorded";

/// Revenue targets in USD per manager for the four quarters of 2017 (our choice: the data has
/// none). A region's target is the sum of its managers'.
const MANAGER_TARGETS: [(&str, [i64; 4]); 6] = [
    ("Cara Losch", [150_000, 350_000, 350_000, 350_000]),
    ("Celia Rouche", [200_000, 500_000, 500_000, 500_000]),
    ("Dustin Brinkmann", [150_000, 350_000, 350_000, 350_000]),
    ("Melvin Marxen", [250_000, 600_000, 700_000, 700_000]),
    ("Rocco Neubert", [250_000, 600_000, 600_000, 550_000]),
    ("Summer Sewald", [250_000, 550_000, 550_000, 550_000]),
];

/// A Q4 rep target that deliberately does not decompose its manager's team target.
const REP_TARGET: (&str, i64) = ("Darcel Schlecht", 300_000);

/// Time zone per regional office (our choice: the data has none).
fn office_time_zone(office: &str) -> Result<&'static str, String> {
    match office {
        "Central" => Ok("America/Chicago"),
        "East" => Ok("America/New_York"),
        "West" => Ok("America/Los_Angeles"),
        other => Err(format!(
            "sales_teams.csv: regional_office {other:?} has no time zone (known: Central, East, West)"
        )),
    }
}

/// The user id of a person's name: lower case, words joined by dots.
fn user_id(name: &str) -> ActorId {
    ActorId::new(
        name.to_lowercase()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join("."),
    )
}

fn head_id(office: &str) -> ActorId {
    ActorId::new(format!("head.{}", office.to_lowercase()))
}

fn at(d: NaiveDate, offset_ms: i64) -> Timestamp {
    Timestamp::from_millis(Timestamp::from_date(d).as_millis() + offset_ms)
}

/// Engine errors with what was being done.
trait Context<T> {
    fn ctx(self, what: impl FnOnce() -> String) -> Result<T, String>;
}

impl<T> Context<T> for salespipe::Result<T> {
    fn ctx(self, what: impl FnOnce() -> String) -> Result<T, String> {
        self.map_err(|e| format!("{}: [{}] {e}", what(), e.code()))
    }
}

struct Deal {
    id: String,
    agent: ActorId,
    agent_name: String,
    product: String,
    account: String,
    stage: String,
    engage: Option<NaiveDate>,
    close: Option<NaiveDate>,
    value: Option<i64>,
}

enum Step {
    Create(usize),
    Close(usize),
}

fn run(dir: &Path) -> Result<(), String> {
    use maven_crm::{AccountRow, PipelineRow, ProductRow, TeamRow};
    let usd = Currency::new("USD").ctx(|| "currency USD".into())?;

    // --- the reference files -------------------------------------------------------------
    // agent name -> (manager name, office)
    let teams: BTreeMap<String, (String, String)> =
        maven_crm::read::<TeamRow>(dir, maven_crm::TEAMS)?
            .into_iter()
            .map(|t| (t.sales_agent, (t.manager, t.regional_office)))
            .collect();
    // product -> (series, list price in USD)
    let products: BTreeMap<String, (String, i64)> =
        maven_crm::read::<ProductRow>(dir, maven_crm::PRODUCTS)?
            .into_iter()
            .map(|p| (p.product, (p.series, p.sales_price)))
            .collect();
    let accounts: Vec<String> = maven_crm::read::<AccountRow>(dir, maven_crm::ACCOUNTS)?
        .into_iter()
        .map(|a| a.account)
        .collect();
    let known_accounts: BTreeSet<&str> = accounts.iter().map(String::as_str).collect();

    // --- the pipeline rows, normalised -----------------------------------------------------
    let mut rules: BTreeMap<&str, usize> = BTreeMap::new();
    let mut deals = Vec::new();
    let mut extra_accounts = BTreeSet::new();
    for (i, r) in maven_crm::read::<PipelineRow>(dir, maven_crm::PIPELINE)?
        .into_iter()
        .enumerate()
    {
        if !teams.contains_key(&r.sales_agent) {
            return Err(format!(
                "sales_pipeline.csv row {}: sales agent {:?} is not in sales_teams.csv",
                i + 2,
                r.sales_agent
            ));
        }
        let mut product = r.product;
        if product == "GTXPro" {
            product = "GTX Pro".into();
            *rules.entry("product GTXPro renamed GTX Pro").or_default() += 1;
        }
        if !products.contains_key(&product) {
            return Err(format!(
                "sales_pipeline.csv row {}: product {product:?} is not in products.csv",
                i + 2
            ));
        }
        let mut account = r.account;
        if account.is_empty() {
            account = NO_ACCOUNT.into();
            *rules
                .entry("missing account set to (no account)")
                .or_default() += 1;
        } else if !known_accounts.contains(account.as_str()) {
            *rules
                .entry("account not in accounts.csv: customer created for it")
                .or_default() += 1;
            extra_accounts.insert(account.clone());
        }
        let deal = Deal {
            id: r.opportunity_id,
            agent: user_id(&r.sales_agent),
            agent_name: r.sales_agent,
            product,
            account,
            stage: r.deal_stage,
            engage: r.engage_date,
            close: r.close_date,
            value: r.close_value,
        };
        match (deal.stage.as_str(), deal.engage, deal.close) {
            ("Won" | "Lost", Some(e), Some(c)) if c >= e => {}
            ("Engaging", Some(_), None) | ("Prospecting", None, None) => {}
            (stage, e, c) => {
                return Err(format!(
                    "sales_pipeline.csv row {}: deal_stage {stage:?} with engage_date {e:?} \
                     and close_date {c:?} is not a shape this example maps",
                    i + 2
                ))
            }
        }
        deals.push(deal);
    }
    let first = deals
        .iter()
        .filter_map(|d| d.engage)
        .min()
        .ok_or("no dated deal")?;
    let last = deals
        .iter()
        .flat_map(|d| [d.engage, d.close])
        .flatten()
        .max()
        .ok_or("no dated deal")?;

    // --- the engine: people, pipeline, customers, sources ---------------------------------
    let clock = ManualClock::new(at(first, 0));
    let mut engine = Engine::builder()
        .clock(clock.clone())
        .build()
        .ctx(|| "building the engine".into())?;
    engine
        .register_user(ADMIN, User::new(ADMIN, "Administrator", Role::Admin))
        .ctx(|| "registering the admin".into())?;
    let offices: BTreeSet<&str> = teams.values().map(|(_, o)| o.as_str()).collect();
    for office in &offices {
        engine
            .register_user(
                ADMIN,
                User::new(head_id(office), format!("{office} head"), Role::Manager)
                    .time_zone(office_time_zone(office)?),
            )
            .ctx(|| format!("registering the head of {office}"))?;
    }
    let managers: BTreeMap<&str, &str> = teams
        .values()
        .map(|(m, o)| (m.as_str(), o.as_str()))
        .collect();
    for (manager, office) in &managers {
        engine
            .register_user(
                ADMIN,
                User::new(user_id(manager), *manager, Role::Manager)
                    .managed_by(head_id(office))
                    .time_zone(office_time_zone(office)?),
            )
            .ctx(|| format!("registering manager {manager}"))?;
    }
    for (agent, (manager, office)) in &teams {
        engine
            .register_user(
                ADMIN,
                User::new(user_id(agent), agent.as_str(), Role::Rep)
                    .managed_by(user_id(manager))
                    .time_zone(office_time_zone(office)?),
            )
            .ctx(|| format!("registering agent {agent}"))?;
    }
    let pipeline = Pipeline::builder(PIPELINE, "maven-crm")
        .stage(Stage::new("prospecting", "Prospecting", 0.1))
        .stage(
            Stage::new("engaging", "Engaging", 0.5).forecast_category(ForecastCategory::BestCase),
        )
        .allow_skip(true)
        .lost_reasons([LOST_REASON])
        .build()
        .ctx(|| "building the pipeline".into())?;
    engine
        .define_pipeline(ADMIN, pipeline)
        .ctx(|| "defining the pipeline".into())?;
    let customers = accounts
        .iter()
        .chain(&extra_accounts)
        .map(String::as_str)
        .chain([NO_ACCOUNT]);
    for c in customers {
        engine
            .create_customer(ADMIN, Customer::new(c, c))
            .ctx(|| format!("creating customer {c}"))?;
    }
    let series: BTreeSet<&str> = products.values().map(|(s, _)| s.as_str()).collect();
    engine
        .execute(
            ADMIN,
            salespipe::Command::ConfigureSources {
                sources: series
                    .iter()
                    .map(|s| Source::new(*s, format!("{s} series")))
                    .collect(),
            },
        )
        .ctx(|| "configuring the product series as sources".into())?;

    // --- targets ---------------------------------------------------------------------------
    let money = |usd_whole: i64| Money::from_minor(usd_whole * 100, usd);
    let mut region_sums: BTreeMap<(&str, usize), i64> = BTreeMap::new();
    for (manager, quarters) in MANAGER_TARGETS {
        let office = managers.get(manager).ok_or_else(|| {
            format!("target for {manager:?}, who is not a manager in sales_teams.csv")
        })?;
        for (q, amount) in quarters.iter().enumerate() {
            let period = Period::quarter(2017, q as u32 + 1).ctx(|| "a quarter".into())?;
            let id = format!("{}-2017-Q{}", user_id(manager), q + 1);
            engine
                .execute(
                    ADMIN,
                    salespipe::Command::SetTarget {
                        target: Target::new(
                            id.as_str(),
                            Scope::Team(user_id(manager)),
                            period,
                            money(*amount),
                        ),
                    },
                )
                .ctx(|| format!("setting target {id}"))?;
            *region_sums.entry((office, q)).or_default() += amount;
        }
    }
    for ((office, q), amount) in &region_sums {
        let period = Period::quarter(2017, *q as u32 + 1).ctx(|| "a quarter".into())?;
        let id = format!("{}-2017-Q{}", head_id(office), q + 1);
        engine
            .execute(
                ADMIN,
                salespipe::Command::SetTarget {
                    target: Target::new(
                        id.as_str(),
                        Scope::Team(head_id(office)),
                        period,
                        money(*amount),
                    ),
                },
            )
            .ctx(|| format!("setting target {id}"))?;
    }
    // No company target: the engine's decomposition counts every user without a manager as a
    // part of the company, the admin included, so a company target would be reported as
    // missing the part `rep:admin`. The company row still shows won and pipeline.
    let (rep_name, rep_amount) = REP_TARGET;
    engine
        .execute(
            ADMIN,
            salespipe::Command::SetTarget {
                target: Target::new(
                    "rep-target-2017-Q4",
                    Scope::Rep(user_id(rep_name)),
                    Period::quarter(2017, 4).ctx(|| "a quarter".into())?,
                    money(rep_amount),
                ),
            },
        )
        .ctx(|| format!("setting the Q4 target of {rep_name}"))?;

    // --- the replay, in time order --------------------------------------------------------
    let mut steps: Vec<(Timestamp, u8, usize, Step)> = Vec::new();
    for (i, d) in deals.iter().enumerate() {
        let row = i as i64;
        let created = match d.engage {
            Some(e) => at(e, 14 * HOUR_MS + (row % 180) * MINUTE_MS),
            None => {
                *rules
                    .entry("Prospecting row without dates: created at the first date")
                    .or_default() += 1;
                at(first, 12 * HOUR_MS + (row % 60) * MINUTE_MS)
            }
        };
        steps.push((created, 0, i, Step::Create(i)));
        if let Some(c) = d.close {
            steps.push((
                at(c, 20 * HOUR_MS + (row % 120) * MINUTE_MS),
                1,
                i,
                Step::Close(i),
            ));
        }
        if d.stage != "Won" {
            *rules
                .entry("lost or open deal: amount = product list price")
                .or_default() += 1;
        }
    }
    steps.sort_by_key(|(t, kind, i, _)| (*t, *kind, *i));
    // events per (rep, local date) for the busiest day; all instants fall on their UTC date
    // in every US zone, so the UTC date is the rep's local date
    let mut per_day: BTreeMap<(NaiveDate, &str), usize> = BTreeMap::new();
    let (mut won, mut lost, mut won_usd) = (0_usize, 0_usize, 0_i64);
    for (t, _, _, step) in &steps {
        clock.set(*t);
        let date = chrono::DateTime::from_timestamp_millis(t.as_millis())
            .ok_or_else(|| format!("instant {t} out of range"))?
            .date_naive();
        match *step {
            Step::Create(i) => {
                let d = &deals[i];
                let (series, price) = products
                    .get(&d.product)
                    .ok_or_else(|| format!("deal {}: unknown product {}", d.id, d.product))?;
                let amount = match (d.stage.as_str(), d.value) {
                    ("Won", Some(v)) => v,
                    _ => *price,
                };
                let mut o = NewOpportunity::new(
                    d.id.as_str(),
                    PIPELINE,
                    d.account.as_str(),
                    d.agent.clone(),
                    format!("{} for {}", d.product, d.account),
                    money(amount),
                );
                o.expected_close = Some(d.close.unwrap_or(last));
                o.source = Some(series.clone());
                engine
                    .create_opportunity(d.agent.clone(), o)
                    .ctx(|| format!("deal {}: creating it", d.id))?;
                // the Prospecting rows' creation date is ours, not the data's: not counted
                if d.engage.is_some() {
                    engine
                        .advance(d.agent.clone(), d.id.as_str(), "engaging")
                        .ctx(|| format!("deal {}: advancing it to Engaging", d.id))?;
                    *per_day.entry((date, &d.agent_name)).or_default() += 2;
                }
            }
            Step::Close(i) => {
                let d = &deals[i];
                if d.stage == "Won" {
                    engine
                        .win(d.agent.clone(), d.id.as_str())
                        .ctx(|| format!("deal {}: winning it", d.id))?;
                    won += 1;
                    won_usd += d.value.unwrap_or(0);
                } else {
                    engine
                        .lose(d.agent.clone(), d.id.as_str(), LOST_REASON, None)
                        .ctx(|| format!("deal {}: losing it", d.id))?;
                    lost += 1;
                }
                *per_day.entry((date, &d.agent_name)).or_default() += 1;
            }
        }
    }
    let as_of = engine.now();

    println!(
        "maven-crm for a sales manager ({} deals, {} agents, {} managers, {} offices in {})",
        deals.len(),
        teams.len(),
        managers.len(),
        offices.len(),
        dir.display()
    );
    println!(
        "time zones by office (our choice): Central = America/Chicago, East = America/New_York, \
         West = America/Los_Angeles"
    );
    println!("\nnormalisation rules (rows touched, none dropped):");
    for (rule, n) in &rules {
        println!("  {n:>5}  {rule}");
    }

    // --- attainment per region and manager --------------------------------------------------
    println!(
        "\n== attainment per region and manager, 2017 (targets stated in the example; \
         region = sum of its managers; one rep target in Q4 deliberately does not decompose) =="
    );
    for q in 1..=4 {
        let period = Period::quarter(2017, q).ctx(|| "a quarter".into())?;
        let mut report = engine
            .view()
            .attainment(&AttainmentQuery::new(period).currency(usd))
            .ctx(|| format!("attainment 2017-Q{q}"))?;
        report
            .rows
            .retain(|r| matches!(r.scope, Scope::Company | Scope::Team(_)));
        println!("\n{report}");
    }

    // --- the daily report of the busiest rep-day ---------------------------------------------
    let ((day, rep_name), events) = per_day
        .iter()
        .max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0)))
        .ok_or("no events replayed")?;
    println!(
        "\n== daily report of {rep_name} on {day}, their busiest day ({events} events: \
         creations, advances, wins, losses) =="
    );
    let daily = engine
        .at(as_of)
        .and_then(|v| v.daily_report(&user_id(rep_name), *day))
        .ctx(|| format!("daily report of {rep_name} on {day}"))?;
    println!("{daily}");

    // --- revenue by product series -------------------------------------------------------
    println!(
        "\n== revenue by product series (the engine's source report: maven-crm has no lead \
         source, so each opportunity's source carries its product series) =="
    );
    let by_series = engine
        .at(as_of)
        .and_then(|v| v.source_report(&PIPELINE.into(), Window::all()))
        .ctx(|| "source report".into())?;
    println!("{by_series}");

    let open = deals.len() - won - lost;
    // the engine's own count of open deals (its funnel over the replayed history), the
    // figure funnel-report and the notebook print too (examples/maven-crm/README.md)
    let funnel = engine
        .at(as_of)
        .and_then(|v| v.funnel(&PIPELINE.into(), &FunnelOptions::default()))
        .ctx(|| "funnel".into())?;
    let open_engine: u64 = funnel
        .iter()
        .map(|s| s.report.total.pipeline.open_count)
        .sum();
    let prospecting: u64 = funnel
        .iter()
        .map(|s| s.report.total.stages[0].open_here)
        .sum();
    println!(
        "\nopen deals at as_of: {open_engine} ({prospecting} in Prospecting, {} in Engaging)",
        open_engine - prospecting
    );
    println!(
        "\ntotals: {} opportunities, {won} won, {lost} lost, {open} open; won revenue USD {won_usd}; \
         {} events replayed up to {as_of}",
        deals.len(),
        engine.store().head().ctx(|| "store head".into())?,
    );
    Ok(())
}

fn main() -> ExitCode {
    let dir = std::env::args_os().nth(1).map(PathBuf::from);
    match maven_crm::data_dir(dir).and_then(|dir| run(&dir)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("manager: {e}");
            ExitCode::FAILURE
        }
    }
}
