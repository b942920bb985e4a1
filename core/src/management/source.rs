//! The source report (来源统计): where deals come from and what each source costs.
//!
//! Sources are a configured, extensible list (`Command::ConfigureSources`: 业务员开发 own
//! prospecting, 网络推广 web, 百度推广 search ads, 高交会 trade fair ...). Once a list is
//! configured, an opportunity's or an expense's source must be one of it (an error names the
//! field); configuring again extends or renames it, and opportunities keep the sources they
//! have.
//!
//! # Definitions
//!
//! The report is the funnel report grouped by source ([`crate::analytics::GroupBy::Source`])
//! read per group — the same computation, never a second one:
//!
//! - **created**: the group's opportunities with an event at or before `as_of` (the funnel's
//!   `opportunities`); **won** / **lost**: closed at `as_of`, their closing event in the
//!   window (the funnel's window: `[from, to)` over event times, unbounded by default);
//!   **win rate** = won ÷ (won + lost); **revenue**: the won amounts; **average cycle**:
//!   mean days from creation to winning; all in the funnel's currency.
//! - **cost**: the approved expenses whose source (the expense's own, else its opportunity's)
//!   is this source and whose date (UTC midnight) is in the window, per currency, as of
//!   `as_of`; **cost per won deal** = cost ÷ won, per currency, absent
//!   when nothing was won.
//! - Opportunities with no source are the group `(none)`. Every configured source has a row,
//!   also without opportunities; a source met on opportunities but no longer configured has
//!   a row with `configured: false`.
//!
//! ```
//! use salespipe::analytics::{FunnelReport, GroupReport};
//! use salespipe::management::source::{source_report_from, Source};
//! let mut funnel = FunnelReport::default();
//! let mut fair = GroupReport { key: Some("高交会".into()), opportunities: 4, ..Default::default() };
//! fair.pipeline.closed_won = 2;
//! fair.pipeline.closed_lost = 2;
//! fair.pipeline.win_rate_closed = Some(0.5);
//! funnel.groups.push(fair);
//! let mut costs = std::collections::BTreeMap::new();
//! costs.insert("高交会".to_owned(), [("CNY".to_owned(), 50_000_i64)].into_iter().collect());
//! let r = source_report_from(&funnel, &costs, &[Source::new("高交会", "高交会 trade fair")]);
//! assert_eq!(r.sources[0].cost_per_won["CNY"], 25_000.0);
//! assert_eq!(r.sources[0].win_rate, Some(0.5));
//! ```

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::analytics::{FunnelReport, Window};
use crate::clock::Timestamp;
use crate::error::{Error, Problem, Result};
use crate::render::{minor_in, money_map, opt, percent};

// ----- types -------------------------------------------------------------------------

/// The group name of opportunities without a source.
pub const NO_SOURCE: &str = "(none)";

/// A configured source.
///
/// ```
/// let s = salespipe::management::source::Source::new("网络推广", "Web");
/// assert_eq!(s.id, "网络推广");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// The value opportunities and expenses carry.
    pub id: String,
    /// Display name.
    pub name: String,
}

impl Source {
    /// A source.
    pub fn new(id: impl Into<String>, name: impl Into<String>) -> Self {
        Source {
            id: id.into(),
            name: name.into(),
        }
    }
}

/// Validates a source list: ids and names not empty, ids unique.
pub(crate) fn check_sources(sources: &[Source]) -> Result<()> {
    let mut problems = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (i, s) in sources.iter().enumerate() {
        if s.id.trim().is_empty() || s.id == NO_SOURCE {
            problems.push(Problem::new(
                format!("sources[{i}].id"),
                "must not be empty or (none)",
            ));
        }
        if s.name.trim().is_empty() {
            problems.push(Problem::new(format!("sources[{i}].name"), "is empty"));
        }
        if !seen.insert(s.id.as_str()) {
            problems.push(Problem::new(
                format!("sources[{i}].id"),
                format!("duplicate source {:?}", s.id),
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::InvalidDefinition { problems })
    }
}

/// A source given to an opportunity or an expense must be configured, once a list is.
pub(crate) fn check_known(
    configured: Option<&[Source]>,
    field: &str,
    source: Option<&str>,
) -> Result<()> {
    match (configured, source) {
        (Some(list), Some(s)) if !list.iter().any(|x| x.id == s) => {
            let known: Vec<&str> = list.iter().map(|x| x.id.as_str()).collect();
            Err(Error::validation(
                field,
                format!("unknown source {s:?} (configured: {})", known.join(", ")),
            ))
        }
        _ => Ok(()),
    }
}

/// One source's figures.
///
/// ```
/// let r = salespipe::management::source::SourceRow::default();
/// assert!(r.win_rate.is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SourceRow {
    /// The source (`(none)` for opportunities without one).
    pub source: String,
    /// Its display name.
    pub name: String,
    /// True when it is in the configured list.
    pub configured: bool,
    /// Opportunities created.
    pub created: u64,
    /// Won.
    pub won: u64,
    /// Lost.
    pub lost: u64,
    /// Won ÷ (won + lost).
    pub win_rate: Option<f64>,
    /// Won amounts, minor units of the report's currency.
    pub revenue: i64,
    /// Mean days from creation to winning.
    pub avg_cycle_days: Option<f64>,
    /// Open now.
    pub open: u64,
    /// Approved expenses of this source, per currency.
    pub cost: BTreeMap<String, i64>,
    /// Cost ÷ won, per currency.
    pub cost_per_won: BTreeMap<String, f64>,
}

/// The source report of a pipeline.
///
/// ```
/// let r = salespipe::management::source::source_report_from(&Default::default(), &Default::default(), &[]);
/// assert!(r.sources.is_empty());
/// assert!(r.to_string().contains("source"));
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SourceReport {
    /// As of.
    pub as_of: Timestamp,
    /// The cohort window of the funnel.
    pub window: Window,
    /// The currency of revenue.
    pub currency: Option<String>,
    /// Configured sources in their order, then the others by name, `(none)` last.
    pub sources: Vec<SourceRow>,
    /// Deals of the pipeline left out because their amount is in another currency than
    /// `currency` (the one most deals carry). Absent from the JSON when zero.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub left_out: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl SourceReport {
    /// The row of a source.
    pub fn row(&self, source: &str) -> Option<&SourceRow> {
        self.sources.iter().find(|r| r.source == source)
    }
}

// ----- rows --------------------------------------------------------------------------

// The rows are the funnel report grouped by source (its `GroupReport`s, the same computation
// as the funnel, never a second one) and the approved costs per source (the state adapter
// `engine::rows::source_costs`).

// ----- report ------------------------------------------------------------------------

/// The source report from a funnel report grouped by source, the approved costs per source
/// (source → currency → minor units) and the configured sources.
pub fn source_report_from(
    funnel: &FunnelReport,
    costs: &BTreeMap<String, BTreeMap<String, i64>>,
    configured: &[Source],
) -> SourceReport {
    let mut by_key: BTreeMap<&str, &crate::analytics::GroupReport> = BTreeMap::new();
    for g in &funnel.groups {
        if let Some(k) = &g.key {
            by_key.insert(k.as_str(), g);
        }
    }
    let row = |id: &str, name: &str, is_configured: bool| -> SourceRow {
        let mut r = SourceRow {
            source: id.to_owned(),
            name: name.to_owned(),
            configured: is_configured,
            ..SourceRow::default()
        };
        if let Some(g) = by_key.get(id) {
            r.created = g.opportunities;
            r.won = g.pipeline.closed_won;
            r.lost = g.pipeline.closed_lost;
            r.win_rate = g.pipeline.win_rate_closed;
            r.revenue = g.pipeline.won_amount;
            r.avg_cycle_days = g.pipeline.avg_cycle_days;
            r.open = g.pipeline.open_count;
        }
        if let Some(c) = costs.get(id) {
            r.cost = c.clone();
            if r.won > 0 {
                r.cost_per_won = c
                    .iter()
                    .map(|(cur, v)| (cur.clone(), *v as f64 / r.won as f64))
                    .collect();
            }
        }
        r
    };
    let mut rows: Vec<SourceRow> = configured
        .iter()
        .map(|s| row(&s.id, &s.name, true))
        .collect();
    let mut others: Vec<&str> = by_key
        .keys()
        .copied()
        .chain(costs.keys().map(String::as_str))
        .filter(|k| *k != NO_SOURCE && !configured.iter().any(|s| s.id == *k))
        .collect();
    others.sort_unstable();
    others.dedup();
    rows.extend(others.into_iter().map(|k| row(k, k, false)));
    if by_key.contains_key(NO_SOURCE) {
        rows.push(row(NO_SOURCE, NO_SOURCE, false));
    }
    SourceReport {
        as_of: funnel.as_of,
        window: funnel.window,
        currency: funnel.currency.clone(),
        sources: rows,
        left_out: 0,
    }
}

// ----- rendering ---------------------------------------------------------------------

impl fmt::Display for SourceReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{:<20} {:>8} {:>6} {:>6} {:>8} {:>16} {:>10} {:>20}",
            "source", "created", "won", "lost", "win", "revenue", "cycle d", "cost / won"
        )?;
        for r in &self.sources {
            let per_won: BTreeMap<String, i64> = r
                .cost_per_won
                .iter()
                .map(|(c, v)| (c.clone(), v.round() as i64))
                .collect();
            writeln!(
                f,
                "{:<20} {:>8} {:>6} {:>6} {:>8} {:>16} {:>10} {:>20}",
                r.name,
                r.created,
                r.won,
                r.lost,
                percent(r.win_rate),
                minor_in(r.revenue, self.currency.as_deref()),
                opt(r.avg_cycle_days, |d| format!("{d:.1}")),
                money_map(&per_won),
            )?;
        }
        Ok(())
    }
}
