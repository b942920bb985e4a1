//! The competitor report (竞争对手报告): per competitor met on deals, how those deals ended,
//! the money at stake and the stages where deals were lost to them.
//!
//! # Two ways in, one computation
//!
//! The report reads [`CompetitorRow`]s, one per (opportunity, competitor) pair: the deal's
//! amount, how it stands against that competitor ([`CompetitorOutcome`]), the stage a lost
//! deal was lost from and when it closed. A host with its own tables builds the rows and calls
//! [`competitor_report`], which checks them first (each problem is an [`Error::Validation`]
//! naming the row and the field). The engine builds the same rows from its state, now or as
//! of an instant ([`crate::View::competitor_report`]), and calls the same function.
//!
//! # Definitions
//!
//! - **Met**: a competitor is met on a deal when it is on the opportunity's competitor list
//!   (as of the instant, whatever its [`CompetitorStatus`](crate::CompetitorStatus): active,
//!   eliminated or won), or is named as the winner of the deal's loss (the engine's fold also
//!   adds the winner to the list). A deal counts once per competitor, however often the name
//!   appears on its list.
//! - **Names** are compared exactly, byte for byte: no trimming, no case folding. This is the
//!   rule the engine itself applies when a loss names a competitor already on the list, so
//!   `"Globex"` and `"globex"` are two competitors in both places; a host that wants them
//!   merged records one spelling.
//! - **Outcome** of a deal against a competitor met on it, from the deal's status as of the
//!   instant: `open` (still open), `won` (we won it: won against them), `lost_to` (lost, and
//!   they are named as the winner), `lost_other` (lost to someone else, or lost with no
//!   winner named, while they were on it). `met = open + won + lost_to + lost_other`.
//! - **Reopened deals** count as what they are at the instant: a deal lost to a competitor and
//!   reopened is `open` (the competitor stays met: the engine keeps it on the list, marked
//!   won); if it is lost or won again, the last close counts. As of an instant before the
//!   reopen, it is `lost_to`.
//! - **Win rate against them** = `won ÷ (won + lost_to + lost_other)`: every closed deal on
//!   which we met them, since a rival present on a deal lost to a third party did not lose it
//!   either. **Head-to-head win rate** = `won ÷ (won + lost_to)`: only the deals that either
//!   we or they won. Both are `None` (never 0) when their denominator is 0.
//! - **Amounts** are the deals' amounts as of the instant (for a closed deal, its amount at
//!   closing), per currency (ISO code → minor units), never summed across currencies:
//!   `open_amount` (the money at stake against them now), `won_amount`, `lost_to_amount`,
//!   `lost_other_amount`.
//! - **Lost at stage**: for the deals lost to them, the count and amount per stage id the deal
//!   was lost from (the engine reads it from the loss on the timeline), sorted by stage id.
//! - **Closed window**: with [`CompetitorParams::closed`] `[from, to)`, won and lost deals
//!   count only when they closed in the window; open deals always count (they are open as of
//!   the instant). Without a window every deal counts.
//! - `deals` is the number of distinct opportunities counted; a deal met with two competitors
//!   appears under both, so the competitors' `met` need not sum to it.
//!
//! ```
//! use salespipe::management::competitor::{competitor_report, CompetitorOutcome, CompetitorParams, CompetitorRow};
//! use salespipe::{Money, Timestamp};
//! let closed: Timestamp = "2026-03-02T03:00:00Z".parse()?;
//! let rows = vec![
//!     CompetitorRow::new("o1", "Globex", Money::parse("500", "CNY")?, CompetitorOutcome::Won)
//!         .closed_at(closed),
//!     CompetitorRow::new("o2", "Globex", Money::parse("300", "CNY")?, CompetitorOutcome::LostTo)
//!         .closed_at(closed)
//!         .lost_from("demo"),
//!     CompetitorRow::new("o3", "Globex", Money::parse("80", "USD")?, CompetitorOutcome::Open),
//! ];
//! let r = competitor_report(&rows, &CompetitorParams::default())?;
//! let g = r.get("Globex").unwrap();
//! assert_eq!((g.met, g.won, g.lost_to, g.open), (3, 1, 1, 1));
//! assert_eq!(g.win_rate, Some(0.5));
//! assert_eq!(g.open_amount["USD"], 8_000);
//! assert_eq!(g.lost_at_stage[&salespipe::StageId::new("demo")].lost, 1);
//! # Ok::<(), salespipe::Error>(())
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::analytics::Window;
use crate::clock::Timestamp;
use crate::error::{Error, Result};
use crate::id::{OpportunityId, StageId};
use crate::money::{add_money, Money};
use crate::render::{money_map, percent};

// ----- types -------------------------------------------------------------------------

/// What the report covers: the instant the rows describe and the window of closes counted.
///
/// ```
/// use salespipe::management::competitor::CompetitorParams;
/// use salespipe::analytics::Window;
/// let t = "2026-04-01T00:00:00Z".parse().unwrap();
/// let p = CompetitorParams::default().as_of(t).closed(Window::new(None, Some(t)));
/// assert_eq!(p.as_of, Some(t));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CompetitorParams {
    /// The instant the rows describe (`None`: everything known). Through the engine, the
    /// state as of this instant; through rows, a row closed after it is refused.
    #[serde(default)]
    pub as_of: Option<Timestamp>,
    /// Count won and lost deals only when they closed in `[from, to)` (open deals always count).
    #[serde(default)]
    pub closed: Window,
}

impl CompetitorParams {
    /// Sets the instant.
    pub fn as_of(mut self, at: Timestamp) -> Self {
        self.as_of = Some(at);
        self
    }

    /// Sets the window of closes counted.
    pub fn closed(mut self, window: Window) -> Self {
        self.closed = window;
        self
    }
}

/// The deals lost to a competitor from one stage.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageLoss {
    /// How many.
    pub lost: u64,
    /// Their amounts, per currency (ISO code → minor units).
    pub amount: BTreeMap<String, i64>,
}

/// The figures of one competitor. Money maps are ISO currency code → minor units.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CompetitorFigures {
    /// The competitor's name.
    pub competitor: String,
    /// Deals on which we met them (`open + won + lost_to + lost_other`).
    pub met: u64,
    /// Of which still open.
    pub open: u64,
    /// Won by us against them.
    pub won: u64,
    /// Lost to them.
    pub lost_to: u64,
    /// Lost to someone else, or with no winner named.
    pub lost_other: u64,
    /// `won ÷ (won + lost_to + lost_other)`; `None` without a closed deal.
    pub win_rate: Option<f64>,
    /// `won ÷ (won + lost_to)`; `None` when neither we nor they won one.
    pub head_to_head_win_rate: Option<f64>,
    /// Amounts of the open deals: the money at stake against them.
    pub open_amount: BTreeMap<String, i64>,
    /// Amounts of the deals won against them.
    pub won_amount: BTreeMap<String, i64>,
    /// Amounts of the deals lost to them.
    pub lost_to_amount: BTreeMap<String, i64>,
    /// Amounts of the deals lost to others.
    pub lost_other_amount: BTreeMap<String, i64>,
    /// The deals lost to them, per stage id they were lost from.
    pub lost_at_stage: BTreeMap<StageId, StageLoss>,
}

impl CompetitorFigures {
    fn count(&mut self, row: &CompetitorRow) -> Result<()> {
        self.met += 1;
        let (n, amounts) = match row.outcome {
            CompetitorOutcome::Open => (&mut self.open, &mut self.open_amount),
            CompetitorOutcome::Won => (&mut self.won, &mut self.won_amount),
            CompetitorOutcome::LostTo => (&mut self.lost_to, &mut self.lost_to_amount),
            CompetitorOutcome::LostOther => (&mut self.lost_other, &mut self.lost_other_amount),
        };
        *n += 1;
        add_money(amounts, row.amount)?;
        if row.outcome == CompetitorOutcome::LostTo {
            if let Some(stage) = &row.lost_from {
                let s = self.lost_at_stage.entry(stage.clone()).or_default();
                s.lost += 1;
                add_money(&mut s.amount, row.amount)?;
            }
        }
        Ok(())
    }

    fn finish(&mut self) {
        let ratio = |num: u64, den: u64| (den > 0).then(|| num as f64 / den as f64);
        self.win_rate = ratio(self.won, self.won + self.lost_to + self.lost_other);
        self.head_to_head_win_rate = ratio(self.won, self.won + self.lost_to);
    }
}

/// The competitor report: one [`CompetitorFigures`] per competitor, sorted by name.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CompetitorReport {
    /// The instant it describes (`None`: everything known).
    pub as_of: Option<Timestamp>,
    /// The window of closes counted.
    pub closed: Window,
    /// Distinct opportunities counted.
    pub deals: u64,
    /// One entry per competitor met, sorted by name (byte order).
    pub competitors: Vec<CompetitorFigures>,
}

impl CompetitorReport {
    /// The figures of one competitor, by exact name.
    ///
    /// ```
    /// let r = salespipe::management::competitor::CompetitorReport::default();
    /// assert!(r.get("Globex").is_none());
    /// ```
    pub fn get(&self, competitor: &str) -> Option<&CompetitorFigures> {
        self.competitors
            .binary_search_by(|c| c.competitor.as_str().cmp(competitor))
            .ok()
            .and_then(|i| self.competitors.get(i))
    }
}

// ----- rows --------------------------------------------------------------------------

/// How a deal stands against one competitor met on it.
///
/// ```
/// use salespipe::management::competitor::CompetitorOutcome;
/// assert_eq!(serde_json::to_string(&CompetitorOutcome::LostTo).unwrap(), "\"lost_to\"");
/// assert!(CompetitorOutcome::LostOther.is_closed());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum CompetitorOutcome {
    /// The deal is still open.
    Open,
    /// We won the deal: won against them.
    Won,
    /// Lost, with this competitor named as the winner.
    LostTo,
    /// Lost to someone else, or with no winner named.
    LostOther,
}

impl CompetitorOutcome {
    /// True for won and lost outcomes.
    pub fn is_closed(self) -> bool {
        self != CompetitorOutcome::Open
    }

    fn is_lost(self) -> bool {
        matches!(
            self,
            CompetitorOutcome::LostTo | CompetitorOutcome::LostOther
        )
    }

    /// Open, won or lost: what every row of one opportunity must agree on.
    fn class(self) -> &'static str {
        match self {
            CompetitorOutcome::Open => "open",
            CompetitorOutcome::Won => "won",
            CompetitorOutcome::LostTo | CompetitorOutcome::LostOther => "lost",
        }
    }
}

impl fmt::Display for CompetitorOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CompetitorOutcome::Open => "open",
            CompetitorOutcome::Won => "won",
            CompetitorOutcome::LostTo => "lost_to",
            CompetitorOutcome::LostOther => "lost_other",
        })
    }
}

/// One (opportunity, competitor) pair: the input of [`competitor_report`].
///
/// ```
/// use salespipe::management::competitor::{CompetitorOutcome, CompetitorRow};
/// use salespipe::Money;
/// let row = CompetitorRow::new("o1", "Globex", Money::parse("10", "EUR").unwrap(), CompetitorOutcome::Open);
/// assert!(row.closed_at.is_none() && row.lost_from.is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompetitorRow {
    /// The deal.
    pub opportunity: OpportunityId,
    /// The competitor's name (compared exactly).
    pub competitor: String,
    /// The deal's amount (at closing, for a closed deal); never negative.
    pub amount: Money,
    /// How the deal stands against this competitor.
    pub outcome: CompetitorOutcome,
    /// For a lost deal, the stage it was lost from (required for `lost_to`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lost_from: Option<StageId>,
    /// When a won or lost deal closed (required for them; absent for an open deal).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_at: Option<Timestamp>,
}

impl CompetitorRow {
    /// A row without close time or stage (set them with [`Self::closed_at`] and
    /// [`Self::lost_from`]).
    pub fn new(
        opportunity: impl Into<OpportunityId>,
        competitor: impl Into<String>,
        amount: Money,
        outcome: CompetitorOutcome,
    ) -> Self {
        CompetitorRow {
            opportunity: opportunity.into(),
            competitor: competitor.into(),
            amount,
            outcome,
            lost_from: None,
            closed_at: None,
        }
    }

    /// Sets when the deal closed.
    pub fn closed_at(mut self, at: Timestamp) -> Self {
        self.closed_at = Some(at);
        self
    }

    /// Sets the stage the deal was lost from.
    pub fn lost_from(mut self, stage: impl Into<StageId>) -> Self {
        self.lost_from = Some(stage.into());
        self
    }
}

// ----- report ------------------------------------------------------------------------

/// The first row of each opportunity, to check the others against.
struct Seen<'a> {
    first: usize,
    row: &'a CompetitorRow,
    winner: Option<(usize, &'a str)>,
    names: BTreeMap<&'a str, usize>,
}

/// Checks the rows: each problem names the row (`rows[i].field`) and says what is wrong.
fn validate(rows: &[CompetitorRow], params: &CompetitorParams) -> Result<()> {
    if let (Some(from), Some(to)) = (params.closed.from, params.closed.to) {
        if to < from {
            return Err(Error::validation(
                "closed.to",
                format!("{to} is before the window's start {from}"),
            ));
        }
    }
    let mut seen: BTreeMap<&OpportunityId, Seen<'_>> = BTreeMap::new();
    for (i, r) in rows.iter().enumerate() {
        let field = |f: &str| format!("rows[{i}].{f}");
        if r.opportunity.as_str().trim().is_empty() {
            return Err(Error::validation(field("opportunity"), "must not be empty"));
        }
        if r.competitor.trim().is_empty() {
            return Err(Error::validation(field("competitor"), "must not be empty"));
        }
        if r.amount.is_negative() {
            return Err(Error::validation(
                field("amount"),
                format!("{} is negative", r.amount),
            ));
        }
        match (r.outcome.is_closed(), r.closed_at) {
            (true, None) => {
                return Err(Error::validation(
                    field("closed_at"),
                    format!("a {} deal needs the time it closed", r.outcome.class()),
                ))
            }
            (false, Some(_)) => {
                return Err(Error::validation(
                    field("closed_at"),
                    "an open deal has no close time",
                ))
            }
            (true, Some(at)) => {
                if let Some(as_of) = params.as_of {
                    if at > as_of {
                        return Err(Error::validation(
                            field("closed_at"),
                            format!("{at} is after as_of {as_of}: rows describe the deals as of that instant"),
                        ));
                    }
                }
            }
            (false, None) => {}
        }
        if r.lost_from.is_some() && !r.outcome.is_lost() {
            return Err(Error::validation(
                field("lost_from"),
                format!(
                    "only a lost deal has a stage it was lost from, not a {} one",
                    r.outcome.class()
                ),
            ));
        }
        if r.outcome == CompetitorOutcome::LostTo && r.lost_from.is_none() {
            return Err(Error::validation(
                field("lost_from"),
                "a deal lost to a competitor needs the stage it was lost from",
            ));
        }
        let s = seen.entry(&r.opportunity).or_insert_with(|| Seen {
            first: i,
            row: r,
            winner: None,
            names: BTreeMap::new(),
        });
        if let Some(j) = s.names.insert(&r.competitor, i) {
            return Err(Error::validation(
                field("competitor"),
                format!(
                    "{:?} appears twice on opportunity {} (also rows[{j}])",
                    r.competitor, r.opportunity
                ),
            ));
        }
        let first = s.first;
        let differs = |what: &str| {
            Error::validation(
                field(what),
                format!(
                    "differs from rows[{first}] of the same opportunity {}",
                    r.opportunity
                ),
            )
        };
        if r.amount != s.row.amount {
            return Err(differs("amount"));
        }
        if r.outcome.class() != s.row.outcome.class() {
            return Err(differs("outcome"));
        }
        if r.closed_at != s.row.closed_at {
            return Err(differs("closed_at"));
        }
        if r.outcome.is_lost() && s.row.outcome.is_lost() {
            if let (Some(a), Some(b)) = (&r.lost_from, &s.row.lost_from) {
                if a != b {
                    return Err(differs("lost_from"));
                }
            }
        }
        if r.outcome == CompetitorOutcome::LostTo {
            if let Some((j, w)) = s.winner {
                return Err(Error::validation(
                    field("outcome"),
                    format!(
                        "opportunity {} is already lost to {w:?} (rows[{j}]); a deal has one winner",
                        r.opportunity
                    ),
                ));
            }
            s.winner = Some((i, &r.competitor));
        }
    }
    Ok(())
}

/// The competitor report over `rows` (any order: the result does not depend on it).
///
/// Invalid rows are an [`Error::Validation`] naming the row and field: an empty opportunity
/// or competitor, a negative amount, a closed deal without close time (or an open one with
/// one), a close after `as_of`, a stage lost from on a deal that was not lost (or none on a
/// `lost_to` row), a competitor twice on one deal, rows of one deal disagreeing on amount,
/// outcome, close time or stage, two winners of one deal. A sum overflowing `i64` is an
/// [`Error::Money`].
///
/// ```
/// use salespipe::management::competitor::{competitor_report, CompetitorOutcome, CompetitorParams, CompetitorRow};
/// use salespipe::{ErrorCode, Money};
/// let bad = CompetitorRow::new("o1", "Globex", Money::parse("-1", "CNY")?, CompetitorOutcome::Open);
/// let err = competitor_report(&[bad], &CompetitorParams::default()).unwrap_err();
/// assert_eq!(err.code(), ErrorCode::Validation);
/// assert!(err.to_string().contains("rows[0].amount"), "{err}");
/// # Ok::<(), salespipe::Error>(())
/// ```
pub fn competitor_report(
    rows: &[CompetitorRow],
    params: &CompetitorParams,
) -> Result<CompetitorReport> {
    validate(rows, params)?;
    let mut by_name: BTreeMap<&str, CompetitorFigures> = BTreeMap::new();
    let mut deals: BTreeSet<&OpportunityId> = BTreeSet::new();
    for r in rows {
        if let Some(at) = r.closed_at {
            if !params.closed.contains(at.as_millis()) {
                continue;
            }
        }
        deals.insert(&r.opportunity);
        let f = by_name
            .entry(r.competitor.as_str())
            .or_insert_with(|| CompetitorFigures {
                competitor: r.competitor.clone(),
                ..CompetitorFigures::default()
            });
        f.count(r)?;
    }
    let competitors = by_name
        .into_values()
        .map(|mut f| {
            f.finish();
            f
        })
        .collect();
    Ok(CompetitorReport {
        as_of: params.as_of,
        closed: params.closed,
        deals: u64::try_from(deals.len()).unwrap_or(u64::MAX),
        competitors,
    })
}

// ----- rendering ---------------------------------------------------------------------

const HEADER: [&str; 11] = [
    "competitor",
    "met",
    "open",
    "won",
    "lost to",
    "lost other",
    "win rate",
    "head to head",
    "open amount",
    "won amount",
    "lost-to amount",
];

fn cells(c: &CompetitorFigures) -> [String; 11] {
    [
        c.competitor.clone(),
        c.met.to_string(),
        c.open.to_string(),
        c.won.to_string(),
        c.lost_to.to_string(),
        c.lost_other.to_string(),
        percent(c.win_rate),
        percent(c.head_to_head_win_rate),
        money_map(&c.open_amount),
        money_map(&c.won_amount),
        money_map(&c.lost_to_amount),
    ]
}

impl fmt::Display for CompetitorReport {
    /// A table of one line per competitor, then where deals were lost to each.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "competitor report")?;
        match self.as_of {
            Some(t) => write!(f, " as of {t}")?,
            None => write!(f, " (everything known)")?,
        }
        match (self.closed.from, self.closed.to) {
            (None, None) => {}
            (from, to) => {
                let bound =
                    |b: Option<Timestamp>| b.map_or_else(|| "…".to_owned(), |t| t.to_string());
                write!(f, ", closes in [{}, {})", bound(from), bound(to))?;
            }
        }
        writeln!(f, ", {} deals", self.deals)?;
        let rows: Vec<[String; 11]> = self.competitors.iter().map(cells).collect();
        let mut w = HEADER.map(|h| h.chars().count());
        for r in &rows {
            for (x, c) in w.iter_mut().zip(r) {
                *x = (*x).max(c.chars().count());
            }
        }
        let line = |f: &mut fmt::Formatter<'_>, cells: &[String]| -> fmt::Result {
            for (i, (c, w)) in cells.iter().zip(w).enumerate() {
                let pad = " ".repeat(w.saturating_sub(c.chars().count()));
                if i == 0 {
                    write!(f, "{c}{pad}")?;
                } else {
                    write!(f, "  {pad}{c}")?;
                }
            }
            writeln!(f)
        };
        line(f, &HEADER.map(str::to_owned))?;
        for r in &rows {
            line(f, r)?;
        }
        for c in &self.competitors {
            if c.lost_at_stage.is_empty() {
                continue;
            }
            let stages: Vec<String> = c
                .lost_at_stage
                .iter()
                .map(|(s, l)| format!("{s} {} ({})", l.lost, money_map(&l.amount)))
                .collect();
            writeln!(f, "lost to {} at: {}", c.competitor, stages.join(", "))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;

    fn cny(minor: i64) -> Money {
        Money::from_minor(
            minor,
            Currency::new("CNY").unwrap_or_else(|e| panic!("{e}")),
        )
    }

    #[test]
    fn the_text_table_has_a_line_per_competitor_and_the_stages_lost_at() {
        let t = Timestamp::from_millis(1_000);
        let rows = vec![
            CompetitorRow::new("o1", "Globex", cny(50_000), CompetitorOutcome::LostTo)
                .closed_at(t)
                .lost_from("demo"),
            CompetitorRow::new("o1", "Initech", cny(50_000), CompetitorOutcome::LostOther)
                .closed_at(t)
                .lost_from("demo"),
        ];
        let r = competitor_report(&rows, &CompetitorParams::default())
            .unwrap_or_else(|e| panic!("{e}"));
        let text = r.to_string();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 5, "{text}");
        assert!(lines[0].contains("1 deals"), "{text}");
        assert!(
            lines[2].starts_with("Globex") && lines[2].contains("0.0%"),
            "{text}"
        );
        assert!(
            lines[3].starts_with("Initech") && lines[3].contains('—'),
            "{text}"
        );
        assert_eq!(lines[4], "lost to Globex at: demo 1 (500.00 CNY)");
    }
}
