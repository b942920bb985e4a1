//! The rep's daily report (销售日报), computed from events with no input from the rep.
//!
//! # Two ways in, one computation
//!
//! The report reads [`DailyRow`]s: one row per fact a manager counts (a customer created, an
//! opportunity advanced, an activity logged ...), with the rep it belongs to, when it happened
//! and when the engine learned of it. A host with its own data builds the rows and a
//! [`DailyIndex`] from them ([`DailyIndex::from_rows`]); the engine builds the same index
//! from its events on the first daily query and keeps it current as it folds events
//! ([`crate::View::daily_report`]), so both paths run [`DailyIndex::report`]. Engines that
//! never ask for a daily report do not pay for the index.
//!
//! The index keeps each rep's rows sorted by the time they happened: one day is two binary
//! searches and a walk over that day's rows, never a scan of the history.
//!
//! # Definitions
//!
//! - **The day** is the rep's calendar day in the rep's time zone: the user's `time_zone`,
//!   else the reminder rules' `time_zone`, else UTC. It runs from local midnight (inclusive) to
//!   the next local midnight (exclusive); in Asia/Shanghai the 2 March day is
//!   `[2026-03-01T16:00Z, 2026-03-02T16:00Z)`.
//! - **As of**: a row counts when it happened at or before `as_of` and was recorded at or before
//!   `as_of`.
//! - **The observation instant** of a report is the last millisecond of its last day, or
//!   `as_of` when that is earlier. `tasks_overdue` counts the rep's tasks known then, due at
//!   or before it and not done then; `follow_ups_next_day` counts follow-ups set by
//!   activities recorded by then that fall in the local day after the report's last day.
//! - **Rep of a fact**: the opportunity's owner (creation, stage changes, wins, losses), the
//!   activity's actor, the task's owner, the actor who created the customer or added the
//!   contact.
//! - **Advances** are forward moves (simple, sub-goal, approved or forced) to a later open stage
//!   or to `won`. For each, `weighted_before` is amount × the probability of the stage left and
//!   `weighted_after` amount × the probability of the stage entered (`won` counts 1); both in
//!   minor units (`f64`), per currency, with the amount at the time of the move.
//!   `weighted_change = weighted_after − weighted_before`. Moves back are counted apart.
//! - **Won / lost** count the closing events of the day with the amount at closing.
//! - Money is per currency (ISO code → minor units), never summed across currencies.
//!
//! ```
//! use salespipe::management::daily::{DailyIndex, DailyRow, DailyFact};
//! use salespipe::{Money, Timestamp};
//! let at: Timestamp = "2026-03-02T03:00:00Z".parse()?;
//! let rows = vec![
//!     DailyRow::new("wang", at, DailyFact::NewCustomer),
//!     DailyRow::new("wang", at, DailyFact::Won { amount: Money::parse("500", "CNY")? }),
//! ];
//! let index = DailyIndex::from_rows(rows);
//! let day = chrono::NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
//! let r = index.report(&"wang".into(), day, "Asia/Shanghai", at)?;
//! assert_eq!(r.figures.new_customers, 1);
//! assert_eq!(r.figures.won_amount["CNY"], 50_000);
//! # Ok::<(), salespipe::Error>(())
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::Arc;

use chrono::NaiveDate;
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::clock::Timestamp;
use crate::error::{Error, Result};
use crate::id::{ActorId, TaskId};
use crate::money::{add_minor, add_money, Money};
use crate::render::{money_map, signed_minor_map, NONE};
use crate::zone::{day_start, local_date, next_day, parse_tz};

// ----- types -------------------------------------------------------------------------

/// The figures of a rep's day (or range, or a team's totals). Money maps are ISO currency code
/// → minor units; weighted maps are minor units (`f64`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DailyFigures {
    /// Customers created.
    pub new_customers: u64,
    /// Contacts added.
    pub new_contacts: u64,
    /// Opportunities created.
    pub new_opportunities: u64,
    /// Their amounts, per currency.
    pub new_opportunity_amount: BTreeMap<String, i64>,
    /// Forward moves to a later open stage or to `won`.
    pub advances: u64,
    /// Moves back.
    pub moves_back: u64,
    /// Σ amount × probability of the stage left, over the advances, per currency.
    pub weighted_before: BTreeMap<String, f64>,
    /// Σ amount × probability of the stage entered, over the advances, per currency.
    pub weighted_after: BTreeMap<String, f64>,
    /// `weighted_after − weighted_before`, per currency.
    pub weighted_change: BTreeMap<String, f64>,
    /// Deals won.
    pub won: u64,
    /// Their amounts, per currency.
    pub won_amount: BTreeMap<String, i64>,
    /// Deals lost.
    pub lost: u64,
    /// Their amounts, per currency.
    pub lost_amount: BTreeMap<String, i64>,
    /// Activities logged, per kind.
    pub activities: BTreeMap<String, u64>,
    /// Tasks completed.
    pub tasks_completed: u64,
    /// Tasks overdue at the observation instant (not additive over days).
    pub tasks_overdue: u64,
    /// Follow-ups due in the local day after the last day (not additive over days).
    pub follow_ups_next_day: u64,
}

/// A rep's report for one local day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DailyReport {
    /// The rep.
    pub rep: ActorId,
    /// The local day.
    pub day: NaiveDate,
    /// The time zone it is a day in.
    pub time_zone: String,
    /// Its first instant (UTC).
    pub from: Timestamp,
    /// The first instant of the next day (UTC).
    pub to: Timestamp,
    /// The report's observation time.
    pub as_of: Timestamp,
    /// The figures.
    pub figures: DailyFigures,
}

/// A rep's report over several local days.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RangeReport {
    /// The rep.
    pub rep: ActorId,
    /// The first local day.
    pub first: NaiveDate,
    /// The last local day (inclusive).
    pub last: NaiveDate,
    /// The time zone.
    pub time_zone: String,
    /// The first instant (UTC).
    pub from: Timestamp,
    /// The first instant after the last day (UTC).
    pub to: Timestamp,
    /// The observation time.
    pub as_of: Timestamp,
    /// One report per day (empty when the range is one day: `total` is that day).
    pub days: Vec<DailyReport>,
    /// The figures of the whole range.
    pub total: DailyFigures,
}

/// A team's day: one row per rep and the totals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TeamDailyReport {
    /// The manager whose team it is, if any.
    pub team: Option<ActorId>,
    /// The local day (each rep's in their own time zone).
    pub day: NaiveDate,
    /// The observation time.
    pub as_of: Timestamp,
    /// One report per rep, in the order asked.
    pub rows: Vec<DailyReport>,
    /// The sum of the rows.
    pub totals: DailyFigures,
    /// The reps whose row could not be made (a time zone stored before the engine checked
    /// it, a sum that overflows), left out of `rows` and `totals`, each with the reason; the
    /// report of everyone else stands. Absent from the JSON when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub left_out: Vec<LeftOutRep>,
}

/// A rep left out of a [`TeamDailyReport`], and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeftOutRep {
    /// The rep.
    pub rep: ActorId,
    /// Why their row could not be made: the error's text, naming the field.
    pub reason: String,
}

// ----- rows --------------------------------------------------------------------------

/// One fact of a rep's day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum DailyFact {
    /// A customer was created.
    NewCustomer,
    /// A contact was added to a customer (or came with a new customer).
    NewContact,
    /// An opportunity was created.
    NewOpportunity {
        /// Its amount.
        amount: Money,
    },
    /// An opportunity moved between stages (not a close).
    StageMove {
        /// Forward (an advance) or back.
        forward: bool,
        /// The amount at the time.
        amount: Money,
        /// Probability of the stage left.
        before_probability: f64,
        /// Probability of the stage entered (`won` is 1).
        after_probability: f64,
    },
    /// A deal was won (a win is also an advance, to probability 1).
    Won {
        /// The amount at closing.
        amount: Money,
    },
    /// A deal was lost.
    Lost {
        /// The amount at closing.
        amount: Money,
    },
    /// An activity was logged.
    Activity {
        /// Its kind (`call`, `visit` ...).
        kind: Arc<str>,
        /// The next follow-up it sets.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        follow_up: Option<Timestamp>,
    },
    /// A task was created.
    TaskCreated {
        /// Which.
        task: TaskId,
        /// When it is due.
        due: Timestamp,
    },
    /// A task was completed (`done`) or reopened.
    TaskDone {
        /// Which.
        task: TaskId,
        /// Done or reopened.
        done: bool,
    },
}

/// A fact with its rep, when it happened and when it was recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DailyRow {
    /// The rep it counts for.
    pub rep: ActorId,
    /// When it happened (an activity's own time; otherwise the event's time).
    pub at: Timestamp,
    /// When the engine learned of it (defaults to `at`).
    pub recorded: Timestamp,
    /// What.
    pub fact: DailyFact,
}

impl DailyRow {
    /// A row recorded when it happened.
    pub fn new(rep: impl Into<ActorId>, at: Timestamp, fact: DailyFact) -> Self {
        DailyRow {
            rep: rep.into(),
            at,
            recorded: at,
            fact,
        }
    }
}

// ----- report ------------------------------------------------------------------------

#[derive(Debug, Clone, Default, PartialEq)]
struct RepLog {
    /// Every row but task rows, sorted by `at` (equal times keep their order).
    facts: Vec<DailyRow>,
    /// (follow-up instant, recorded), sorted.
    follow_ups: Vec<(Timestamp, Timestamp)>,
    /// Task rows in recording order.
    tasks: Vec<DailyRow>,
}

/// The rows of every rep, indexed by (rep, time). Build it from rows, or read the engine's.
///
/// ```
/// let index = salespipe::management::daily::DailyIndex::default();
/// assert_eq!(index.len(), 0);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DailyIndex {
    reps: BTreeMap<ActorId, RepLog>,
    kinds: BTreeSet<Arc<str>>,
    len: usize,
}

impl DailyIndex {
    /// An index over `rows`, in any order (rows of one rep with equal times keep their order).
    pub fn from_rows(rows: impl IntoIterator<Item = DailyRow>) -> Self {
        let mut index = DailyIndex::default();
        for r in rows {
            index.push_unsorted(r);
        }
        for log in index.reps.values_mut() {
            log.facts.sort_by_key(|r| r.at);
            log.follow_ups.sort_unstable();
            log.tasks.sort_by_key(|r| r.recorded);
        }
        index
    }

    /// The number of rows.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when it holds no row.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn intern(&mut self, row: &mut DailyRow) {
        if let DailyFact::Activity { kind, .. } = &mut row.fact {
            match self.kinds.get(&**kind) {
                Some(k) => *kind = Arc::clone(k),
                None => {
                    self.kinds.insert(Arc::clone(kind));
                }
            }
        }
    }

    fn push_unsorted(&mut self, mut row: DailyRow) {
        self.intern(&mut row);
        self.len += 1;
        let log = self.reps.entry(row.rep.clone()).or_default();
        match &row.fact {
            DailyFact::TaskCreated { .. } | DailyFact::TaskDone { .. } => log.tasks.push(row),
            DailyFact::Activity {
                follow_up: Some(f), ..
            } => {
                log.follow_ups.push((*f, row.recorded));
                log.facts.push(row);
            }
            _ => log.facts.push(row),
        }
    }

    /// Adds one row, keeping the index sorted (rows mostly arrive in time order: appending is
    /// the common case).
    pub fn insert(&mut self, mut row: DailyRow) {
        self.intern(&mut row);
        self.len += 1;
        let log = self.reps.entry(row.rep.clone()).or_default();
        match &row.fact {
            DailyFact::TaskCreated { .. } | DailyFact::TaskDone { .. } => {
                let i = log.tasks.partition_point(|r| r.recorded <= row.recorded);
                log.tasks.insert(i, row);
                return;
            }
            DailyFact::Activity {
                follow_up: Some(f), ..
            } => {
                let key = (*f, row.recorded);
                let i = log.follow_ups.partition_point(|k| *k <= key);
                log.follow_ups.insert(i, key);
            }
            _ => {}
        }
        let i = log.facts.partition_point(|r| r.at <= row.at);
        log.facts.insert(i, row);
    }

    /// The reps with at least one row, sorted.
    pub fn reps(&self) -> impl Iterator<Item = &ActorId> {
        self.reps.keys()
    }

    /// The report of `rep` for local `day` in `time_zone` (an IANA name), as of `as_of`.
    pub fn report(
        &self,
        rep: &ActorId,
        day: NaiveDate,
        time_zone: &str,
        as_of: Timestamp,
    ) -> Result<DailyReport> {
        let range = self.range(rep, day, day, time_zone, as_of)?;
        Ok(DailyReport {
            rep: range.rep,
            day,
            time_zone: range.time_zone,
            from: range.from,
            to: range.to,
            as_of,
            figures: range.total,
        })
    }

    /// The report of `rep` for the local days `first..=last`: one report per day and the
    /// figures of the whole range, computed over the range directly.
    pub fn range(
        &self,
        rep: &ActorId,
        first: NaiveDate,
        last: NaiveDate,
        time_zone: &str,
        as_of: Timestamp,
    ) -> Result<RangeReport> {
        let tz = parse_tz("time_zone", time_zone)?;
        if last < first {
            return Err(Error::validation(
                "to",
                format!("{last} is before the first day {first}"),
            ));
        }
        let days = last.signed_duration_since(first).num_days();
        if days > 3660 {
            return Err(Error::validation(
                "to",
                "a range is at most ten years of days",
            ));
        }
        let from = day_start("day", tz, first)?;
        let to = day_start("day", tz, next_day("day", last)?)?;
        let total = self.figures(rep, tz, from, to, as_of)?;
        let mut reports = Vec::new();
        if first != last {
            let mut d = first;
            loop {
                let start = day_start("day", tz, d)?;
                let end = day_start("day", tz, next_day("day", d)?)?;
                reports.push(DailyReport {
                    rep: rep.clone(),
                    day: d,
                    time_zone: time_zone.to_owned(),
                    from: start,
                    to: end,
                    as_of,
                    figures: self.figures(rep, tz, start, end, as_of)?,
                });
                if d == last {
                    break;
                }
                d = next_day("day", d)?;
            }
        }
        Ok(RangeReport {
            rep: rep.clone(),
            first,
            last,
            time_zone: time_zone.to_owned(),
            from,
            to,
            as_of,
            days: reports,
            total,
        })
    }

    /// The team report for local `day`: one row per `(rep, time zone)` (each rep's own day),
    /// and the totals.
    pub fn team(
        &self,
        team: Option<ActorId>,
        reps: &[(ActorId, String)],
        day: NaiveDate,
        as_of: Timestamp,
    ) -> Result<TeamDailyReport> {
        let mut rows = Vec::with_capacity(reps.len());
        let mut totals = DailyFigures::default();
        let mut left_out = Vec::new();
        for (rep, tz) in reps {
            // one rep's bad row leaves that rep out, not the whole team
            let row = self.report(rep, day, tz, as_of).and_then(|r| {
                let mut sum = totals.clone();
                sum.add(&r.figures)?;
                Ok((r, sum))
            });
            match row {
                Ok((r, sum)) => {
                    totals = sum;
                    rows.push(r);
                }
                Err(e) => left_out.push(LeftOutRep {
                    rep: rep.clone(),
                    reason: e.to_string(),
                }),
            }
        }
        Ok(TeamDailyReport {
            team,
            day,
            as_of,
            rows,
            totals,
            left_out,
        })
    }

    fn figures(
        &self,
        rep: &ActorId,
        tz: Tz,
        from: Timestamp,
        to: Timestamp,
        as_of: Timestamp,
    ) -> Result<DailyFigures> {
        let mut f = DailyFigures::default();
        let Some(log) = self.reps.get(rep) else {
            return Ok(f);
        };
        let lo = log.facts.partition_point(|r| r.at < from);
        let hi = log.facts.partition_point(|r| r.at < to);
        for r in log.facts.get(lo..hi).unwrap_or(&[]) {
            if r.at > as_of || r.recorded > as_of {
                continue;
            }
            f.count(&r.fact)?;
        }
        let obs = as_of.min(to.plus_millis(-1));
        // Tasks: state at `obs`; completions in the range.
        let mut tasks: BTreeMap<&TaskId, (Timestamp, bool)> = BTreeMap::new();
        for r in &log.tasks {
            if r.recorded > as_of {
                break;
            }
            match &r.fact {
                DailyFact::TaskCreated { task, due } if r.recorded <= obs => {
                    tasks.insert(task, (*due, false));
                }
                DailyFact::TaskDone { task, done } => {
                    if *done && r.at >= from && r.at < to && r.at <= as_of {
                        f.tasks_completed += 1;
                    }
                    if r.recorded <= obs {
                        if let Some(t) = tasks.get_mut(task) {
                            t.1 = *done;
                        }
                    }
                }
                _ => {}
            }
        }
        f.tasks_overdue = count(tasks.values().filter(|(due, done)| !done && *due <= obs));
        // Follow-ups in the local day after the range.
        let next_from = to;
        let next_to = day_start("day", tz, next_day("day", local_date(tz, to))?)?;
        let lo = log.follow_ups.partition_point(|(t, _)| *t < next_from);
        let hi = log.follow_ups.partition_point(|(t, _)| *t < next_to);
        f.follow_ups_next_day = count(
            log.follow_ups
                .get(lo..hi)
                .unwrap_or(&[])
                .iter()
                .filter(|(_, rec)| *rec <= obs),
        );
        Ok(f)
    }
}

fn count<T>(it: impl Iterator<Item = T>) -> u64 {
    u64::try_from(it.count()).unwrap_or(u64::MAX)
}

fn add_f64(map: &mut BTreeMap<String, f64>, currency: &str, v: f64) {
    *map.entry(currency.to_owned()).or_insert(0.0) += v;
}

impl DailyFigures {
    fn count(&mut self, fact: &DailyFact) -> Result<()> {
        match fact {
            DailyFact::NewCustomer => self.new_customers += 1,
            DailyFact::NewContact => self.new_contacts += 1,
            DailyFact::NewOpportunity { amount } => {
                self.new_opportunities += 1;
                add_money(&mut self.new_opportunity_amount, *amount)?;
            }
            DailyFact::StageMove {
                forward,
                amount,
                before_probability,
                after_probability,
            } => {
                if *forward {
                    self.advances += 1;
                    let c = amount.currency().code();
                    let a = amount.minor() as f64;
                    add_f64(&mut self.weighted_before, c, a * before_probability);
                    add_f64(&mut self.weighted_after, c, a * after_probability);
                    add_f64(
                        &mut self.weighted_change,
                        c,
                        a * after_probability - a * before_probability,
                    );
                } else {
                    self.moves_back += 1;
                }
            }
            DailyFact::Won { amount } => {
                self.won += 1;
                add_money(&mut self.won_amount, *amount)?;
            }
            DailyFact::Lost { amount } => {
                self.lost += 1;
                add_money(&mut self.lost_amount, *amount)?;
            }
            DailyFact::Activity { kind, .. } => {
                *self.activities.entry(kind.to_string()).or_insert(0) += 1;
            }
            DailyFact::TaskCreated { .. } | DailyFact::TaskDone { .. } => {}
        }
        Ok(())
    }

    /// Adds `other` field by field (per currency, per kind).
    pub fn add(&mut self, other: &DailyFigures) -> Result<()> {
        self.new_customers += other.new_customers;
        self.new_contacts += other.new_contacts;
        self.new_opportunities += other.new_opportunities;
        self.advances += other.advances;
        self.moves_back += other.moves_back;
        self.won += other.won;
        self.lost += other.lost;
        self.tasks_completed += other.tasks_completed;
        self.tasks_overdue += other.tasks_overdue;
        self.follow_ups_next_day += other.follow_ups_next_day;
        for (dst, src) in [
            (
                &mut self.new_opportunity_amount,
                &other.new_opportunity_amount,
            ),
            (&mut self.won_amount, &other.won_amount),
            (&mut self.lost_amount, &other.lost_amount),
        ] {
            for (c, v) in src {
                add_minor(dst, c, *v)?;
            }
        }
        for (dst, src) in [
            (&mut self.weighted_before, &other.weighted_before),
            (&mut self.weighted_after, &other.weighted_after),
            (&mut self.weighted_change, &other.weighted_change),
        ] {
            for (c, v) in src {
                add_f64(dst, c, *v);
            }
        }
        for (k, v) in &other.activities {
            *self.activities.entry(k.clone()).or_insert(0) += v;
        }
        Ok(())
    }
}

// ----- rendering ---------------------------------------------------------------------

fn kinds_text(map: &BTreeMap<String, u64>) -> String {
    if map.is_empty() {
        return NONE.to_owned();
    }
    map.iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

const HEADER: [&str; 12] = [
    "rep",
    "cust",
    "cont",
    "opps",
    "adv",
    "back",
    "Δ weighted",
    "won",
    "lost",
    "tasks✓",
    "overdue",
    "f/u next",
];

fn cells(rep: &str, f: &DailyFigures) -> [String; 12] {
    [
        rep.to_owned(),
        f.new_customers.to_string(),
        f.new_contacts.to_string(),
        f.new_opportunities.to_string(),
        f.advances.to_string(),
        f.moves_back.to_string(),
        signed_minor_map(&f.weighted_change),
        format!("{} {}", f.won, money_map(&f.won_amount)),
        format!("{} {}", f.lost, money_map(&f.lost_amount)),
        f.tasks_completed.to_string(),
        f.tasks_overdue.to_string(),
        f.follow_ups_next_day.to_string(),
    ]
}

fn table(f: &mut fmt::Formatter<'_>, rows: &[[String; 12]]) -> fmt::Result {
    let mut w = HEADER.map(|h| h.chars().count());
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            if let Some(x) = w.get_mut(i) {
                *x = (*x).max(c.chars().count());
            }
        }
    }
    let line = |f: &mut fmt::Formatter<'_>, cells: &[String]| -> fmt::Result {
        for (i, (c, w)) in cells.iter().zip(w).enumerate() {
            let pad = w.saturating_sub(c.chars().count());
            if i == 0 {
                write!(f, "{c}{}", " ".repeat(pad))?;
            } else {
                write!(f, "  {}{c}", " ".repeat(pad))?;
            }
        }
        writeln!(f)
    };
    line(f, &HEADER.map(str::to_owned))?;
    for r in rows {
        line(f, r)?;
    }
    Ok(())
}

impl fmt::Display for DailyReport {
    /// A readable summary: headline figures, then activities by kind.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "daily report {} {} ({}), as of {}",
            self.rep, self.day, self.time_zone, self.as_of
        )?;
        table(f, &[cells(self.rep.as_str(), &self.figures)])?;
        writeln!(
            f,
            "new opportunity amount: {}",
            money_map(&self.figures.new_opportunity_amount)
        )?;
        writeln!(f, "activities: {}", kinds_text(&self.figures.activities))
    }
}

impl fmt::Display for TeamDailyReport {
    /// One line per rep and a totals line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let team = self.team.as_ref().map_or("team", ActorId::as_str);
        writeln!(f, "daily report {team} {}, as of {}", self.day, self.as_of)?;
        let mut rows: Vec<_> = self
            .rows
            .iter()
            .map(|r| cells(r.rep.as_str(), &r.figures))
            .collect();
        rows.push(cells("total", &self.totals));
        table(f, &rows)?;
        writeln!(f, "activities: {}", kinds_text(&self.totals.activities))
    }
}
