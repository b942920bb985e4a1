//! Funnel report over the Maven Analytics "CRM + Sales + Opportunities" sample data set.
//!
//! ```text
//! cargo run -p funnel-report -- [DATA_DIR] [--svg funnel.svg]
//! ```
//!
//! `DATA_DIR` defaults to `../shared/data/maven-crm` (relative to the repository root).
//!
//! The data set records only each deal's *final* stage with two dates, so the stage history
//! is derived, and these choices are made (each rule's row count is printed):
//!
//! - Pipeline: Prospecting (p = 0.1) → Engaging (p = 0.5, stale after 90 days) → won / lost.
//! - A row with an `engage_date` is created then and its first stage event enters Engaging
//!   at `engage_date` (it has no dated Prospecting entry, so in cumulative mode Engaging's
//!   entry also counts as having passed Prospecting; in recorded mode only the undated
//!   Prospecting rows below enter Prospecting).
//! - Won / Lost rows close at `close_date` (UTC midnight: dates have no time or zone).
//! - Prospecting rows have no dates at all: as every maven-crm example does
//!   (`examples/maven-crm/README.md`), they are open deals in Prospecting, created (and
//!   entering Prospecting) on the data's first date, 2016-10-20; their age in Prospecting
//!   is counted from that chosen date.
//! - Amount: `close_value` (whole USD → cents) for won and lost deals (0 for lost, as
//!   published); open deals have no value, so their amount is the list price of their product.
//! - Product `GTXPro` is `GTX Pro` in `products.csv`; a missing account becomes `(no account)`
//!   (accounts are not used by the report, but the rule is counted); an agent missing from
//!   `sales_teams.csv` would get manager `(unknown)`.
//! - as_of = the day after the last date in the file; the window is the whole history.

// a command-line report: printing to stdout is its purpose
#![allow(clippy::print_stdout)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use chrono::NaiveDate;
use salespipe::analytics::{
    funnel, funnel_both, FunnelTable, GroupReport, StageInfo, Window, LOST_CODE, NO_DATE, WON_CODE,
};
use salespipe::{Currency, Timestamp};

const DAY_MS: i64 = 86_400_000;

struct Deal {
    agent: String,
    product: String,
    stage: String,
    engage: Option<NaiveDate>,
    close: Option<NaiveDate>,
    value: Option<i64>,
}

fn ms(d: NaiveDate) -> i64 {
    Timestamp::from_date(d).as_millis()
}

fn pct(r: Option<f64>) -> String {
    r.map_or_else(|| "—".to_owned(), |v| format!("{:.1}%", v * 100.0))
}

fn run(dir: &Path, svg: Option<PathBuf>) -> Result<(), String> {
    use maven_crm::{ProductRow, TeamRow, PIPELINE, PRODUCTS, TEAMS};
    let teams: BTreeMap<String, String> = maven_crm::read::<TeamRow>(dir, TEAMS)?
        .into_iter()
        .map(|t| (t.sales_agent, t.manager))
        .collect();
    let prices: BTreeMap<String, i64> = maven_crm::read::<ProductRow>(dir, PRODUCTS)?
        .into_iter()
        .map(|p| (p.product, p.sales_price * 100))
        .collect();

    let mut rules: BTreeMap<&str, usize> = BTreeMap::new();
    let mut deals = Vec::new();
    for r in maven_crm::read::<maven_crm::PipelineRow>(dir, PIPELINE)? {
        let mut product = r.product;
        if product == "GTXPro" {
            product = "GTX Pro".into();
            *rules.entry("product GTXPro renamed GTX Pro").or_default() += 1;
        }
        if r.account.is_empty() {
            *rules
                .entry("missing account set to (no account)")
                .or_default() += 1;
        }
        deals.push(Deal {
            agent: r.sales_agent,
            product,
            stage: r.deal_stage,
            engage: r.engage_date,
            close: r.close_date,
            value: r.close_value.map(|v| v * 100),
        });
    }
    let last = deals
        .iter()
        .flat_map(|d| [d.engage, d.close])
        .flatten()
        .max()
        .ok_or("no dated deal")?;
    let as_of = Timestamp::from_millis(ms(last) + DAY_MS);
    let first = deals
        .iter()
        .filter_map(|d| d.engage)
        .min()
        .ok_or("no dated deal")?;

    let stages = vec![
        StageInfo::new("prospecting", "Prospecting", 0.1),
        StageInfo::new("engaging", "Engaging", 0.5).rotting_after_ms(Some(90 * DAY_MS)),
    ];
    let mut agents: Vec<String> = deals.iter().map(|d| d.agent.clone()).collect();
    agents.sort();
    agents.dedup();
    let manager_of = |a: &str| teams.get(a).cloned();
    let mut managers: Vec<String> = agents
        .iter()
        .map(|a| manager_of(a).unwrap_or_else(|| "(unknown)".into()))
        .collect();
    managers.sort();
    managers.dedup();
    let unknown_agents = agents.iter().filter(|a| manager_of(a).is_none()).count();
    *rules
        .entry("agent without a team: manager (unknown)")
        .or_default() += unknown_agents;

    let mut by_agent = FunnelTable::new(stages);
    by_agent.currency = Some(Currency::new("USD").map_err(|e| e.to_string())?);
    by_agent.group_names.clone_from(&agents);
    let mut manager_codes = Vec::new();
    for (i, d) in deals.iter().enumerate() {
        let id = i as u64;
        let amount = match (d.stage.as_str(), d.value) {
            (_, Some(v)) => v,
            _ => {
                *rules
                    .entry("open deal: amount = product list price")
                    .or_default() += 1;
                match prices.get(&d.product) {
                    Some(&p) => p,
                    None => {
                        *rules
                            .entry("open deal with unknown product: amount 0")
                            .or_default() += 1;
                        0
                    }
                }
            }
        };
        let agent = agents.binary_search(&d.agent).unwrap_or(0) as u32;
        let manager = manager_of(&d.agent).unwrap_or_else(|| "(unknown)".into());
        manager_codes.push(managers.binary_search(&manager).unwrap_or(0) as u32);
        match d.engage {
            Some(engage) => {
                by_agent.push_opportunity(id, amount, agent, ms(engage), NO_DATE);
                by_agent.push_event(id, ms(engage), 1);
            }
            None => {
                *rules
                    .entry(
                        "Prospecting row without dates: created in Prospecting at the first date",
                    )
                    .or_default() += 1;
                by_agent.push_opportunity(id, amount, agent, ms(first), NO_DATE);
                by_agent.push_event(id, ms(first), 0);
            }
        }
        match (d.stage.as_str(), d.close) {
            ("Won", Some(c)) => by_agent.push_event(id, ms(c), WON_CODE),
            ("Lost", Some(c)) => by_agent.push_event(id, ms(c), LOST_CODE),
            ("Won" | "Lost", None) => {
                *rules
                    .entry("closed deal without close_date: left open")
                    .or_default() += 1;
            }
            _ => {}
        }
    }
    let mut by_manager = by_agent.clone();
    by_manager.group = manager_codes;
    by_manager.group_names = managers;

    println!(
        "maven-crm funnel ({} deals in {})",
        deals.len(),
        dir.display()
    );
    println!("\nnormalisation rules (rows touched):");
    for (rule, n) in &rules {
        println!("  {n:>5}  {rule}");
    }

    let both = funnel_both(&by_agent.input(), as_of, Window::all()).map_err(|e| e.to_string())?;
    println!(
        "\n== funnel, recorded mode ==\n{}",
        FunnelNoGroups(&both.recorded.total, &both.recorded)
    );
    println!("== funnel, cumulative mode (Engaging entries also pass Prospecting) ==");
    println!(
        "{}",
        FunnelNoGroups(&both.cumulative.total, &both.cumulative)
    );
    let t = &both.recorded.total;
    println!(
        "open deals at as_of: {} ({} in Prospecting, {} in Engaging)",
        t.pipeline.open_count, t.stages[0].open_here, t.stages[1].open_here
    );

    let report_groups = |title: &str, groups: &[GroupReport]| {
        println!("\n== win rate and cycle by {title} ==");
        println!(
            "{:<22} {:>6} {:>6} {:>8} {:>11} {:>6}",
            title, "won", "lost", "win%", "cycle days", "open"
        );
        let mut rows: Vec<&GroupReport> = groups.iter().collect();
        rows.sort_by(|a, b| {
            b.pipeline
                .win_rate_closed
                .unwrap_or(-1.0)
                .total_cmp(&a.pipeline.win_rate_closed.unwrap_or(-1.0))
        });
        for g in rows {
            let p = &g.pipeline;
            println!(
                "{:<22} {:>6} {:>6} {:>8} {:>11} {:>6}",
                g.key.as_deref().unwrap_or(""),
                p.closed_won,
                p.closed_lost,
                pct(p.win_rate_closed),
                p.avg_cycle_days
                    .map_or_else(|| "—".into(), |d| format!("{d:.1}")),
                p.open_count,
            );
        }
    };
    report_groups("agent", &both.recorded.groups);
    let managers_report = funnel(
        &by_manager.input(),
        &salespipe::analytics::FunnelParams::new(as_of),
    )
    .map_err(|e| e.to_string())?;
    report_groups("manager", &managers_report.groups);
    let p = &both.recorded.total.pipeline;
    println!(
        "\noverall: win rate {} over {} closed deals, average cycle {} days (engage → close, won deals)",
        pct(p.win_rate_closed),
        p.closed_won + p.closed_lost,
        p.avg_cycle_days.map_or_else(|| "—".into(), |d| format!("{d:.1}")),
    );
    if let Some(path) = svg {
        std::fs::write(&path, both.cumulative.to_svg())
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        println!("funnel chart written to {}", path.display());
    }
    Ok(())
}

/// The funnel table of a report without its per-group lines.
struct FunnelNoGroups<'a>(&'a GroupReport, &'a salespipe::analytics::FunnelReport);

impl std::fmt::Display for FunnelNoGroups<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut r = self.1.clone();
        r.total = self.0.clone();
        r.groups.clear();
        write!(f, "{r}")
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut dir = None;
    let mut svg = None;
    let mut it = args.into_iter();
    while let Some(a) = it.next() {
        if a == "--svg" {
            svg = it.next().map(PathBuf::from);
        } else {
            dir = Some(PathBuf::from(a));
        }
    }
    match maven_crm::data_dir(dir).and_then(|dir| run(&dir, svg)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("funnel-report: {e}");
            ExitCode::FAILURE
        }
    }
}
