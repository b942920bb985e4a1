//! Forecast snapshots (预测快照) and forecast accuracy: the forecast of a period frozen at an
//! instant, per rep, and, once the period has ended, how far each frozen forecast was from
//! what was actually won.
//!
//! # Snapshots
//!
//! A [`ForecastSnapshot`] of a [`Period`] taken at instant T holds, for every rep row of the
//! period's attainment as of T ([`crate::management::target::attainment`], the same computation, the same
//! time zone and currency rules: through the engine, period edges are the company's clock —
//! the reminder rules' `time_zone` — for every rep, as in attainment), a [`RepSnapshot`]:
//!
//! - `closed_won`, `open_pipeline`, `open_deals`, `weighted_pipeline`, `commit`, `best_case`,
//!   `other_currencies`: the rep's attainment row as of T, copied;
//! - `p10`, `p50`, `p90`: the distribution of the amount the rep's open pipeline will win
//!   (the deals of `open_pipeline`, each winning independently with its stage probability:
//!   the distribution of [`crate::analytics::forecast()`], computed by the same code, exact
//!   when small, else Monte Carlo with a fixed seed), minor units; `method` says which.
//!
//! Through the engine a snapshot is an event (`Command::TakeForecastSnapshot`, command
//! `TakeForecastSnapshot`): the figures are frozen in it, so later edits of amounts, stages or
//! owners never change a snapshot. Only managers and admins may take one; the period must not
//! have ended yet (a snapshot taken after the fact would measure hindsight), its id must be
//! new and not empty, and the currency is the attainment's (named, or the one the period's
//! targets share).
//!
//! # What is compared
//!
//! Each snapshot gives four forecasts of the rep's won amount in the period ([`Figures`], minor
//! units of the snapshot's currency):
//!
//! - `weighted` = closed won at T + weighted pipeline;
//! - `commit` = closed won at T + commit;
//! - `best_case` = closed won at T + commit + best case (best case includes commit, as in the
//!   usual forecast roll-up: closed ≤ commit ≤ best case);
//! - `p50` = closed won at T + P50 of the open pipeline.
//!
//! # Actual
//!
//! The **actual** of a rep for a period is the rep's `closed_won` of the period's attainment
//! as of the accuracy query's instant Q, in the snapshot's time zone and currency: deals won
//! with a closing instant in the period, owned by the rep as of Q. A deal won in the period
//! and reopened after the period ended no longer counts as of a Q after the reopen (it was not
//! won in the end), and still counts as of a Q before it, exactly as attainment counts it.
//! Deals in other currencies are not part of the actual, as they are not part of the forecast.
//!
//! # Accuracy
//!
//! A snapshot is compared once its period has **ended**: Q is at or after the first instant of
//! the period's end date in the snapshot's time zone (for a rep in Asia/Shanghai and the
//! quarter 2026-Q1: 2026-03-31T16:00:00Z). Other snapshots are listed as `pending`; snapshots
//! taken after Q are ignored (they did not exist yet).
//!
//! - **error** = forecast − actual (positive: the forecast was too high), per figure;
//! - **absolute percentage error** = |error| ÷ actual, only when actual > 0;
//! - per rep and currency, over every compared snapshot (several snapshots of one period each
//!   count once): **bias** = the mean error, **mean absolute error**, **MAPE** = the mean
//!   absolute percentage error over the snapshots whose actual > 0, `None` when there are
//!   none (never 0), with `mape_snapshots` saying how many it averages.
//!
//! Snapshots in different currencies are never mixed: rep accuracy rows are per (rep,
//! currency).
//!
//! # Pushed deals
//!
//! Every opportunity whose expected close date was moved later at least once
//! ([`crate::Opportunity::close_date_pushes`]) is listed with its count; a deal pushed
//! [`PUSH_FLAG`] (three) times or more is `flagged`.
//!
//! # Plain columns
//!
//! [`forecast_snapshot`] takes the attainment input and query; [`forecast_accuracy`] takes
//! snapshots, actual rows and push rows. The engine builds the same rows from its state.
//! Over plain rows a snapshot may be taken of a period that has ended (to backfill history);
//! the engine refuses that.
//!
//! ```
//! use salespipe::management::snapshot::*;
//! use salespipe::management::target::{AttainmentInput, AttainmentQuery, DealRow, Period};
//! use salespipe::analytics::ForecastMethod;
//! use salespipe::{Money, Role, User};
//! let users = vec![User::new("wang", "王芳", Role::Rep)];
//! let q1 = Period::quarter(2026, 1)?;
//! let deals = vec![
//!     DealRow::won("wang", Money::parse("100", "CNY")?, "2026-01-10T00:00:00Z".parse()?),
//!     DealRow::open("wang", Money::parse("200", "CNY")?, "2026-03-20".parse().unwrap(), 0.5),
//! ];
//! let input = AttainmentInput { users: &users, targets: &[], deals: &deals };
//! let query = AttainmentQuery::new(q1).as_of("2026-02-01T00:00:00Z".parse()?).currency("CNY".parse()?);
//! let snap = forecast_snapshot("s1", &input, &query, ForecastMethod::default())?;
//! let wang = &snap.reps[0];
//! assert_eq!(wang.figures().weighted, 20_000.0); // 100.00 won + 200.00 × 0.5
//!
//! let actual = vec![ActualRow::new(q1, "wang", Money::parse("150", "CNY")?)];
//! let report = forecast_accuracy(
//!     &AccuracyInput { snapshots: &[snap], actuals: &actual, pushes: &[] },
//!     "2026-04-01T00:00:00Z".parse()?,
//! )?;
//! assert_eq!(report.comparisons[0].error.weighted, 5_000.0); // 200.00 − 150.00
//! assert_eq!(report.reps[0].weighted.mape, Some(5_000.0 / 15_000.0));
//! # Ok::<(), salespipe::Error>(())
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::analytics::forecast::{distribution, Forecast};
use crate::analytics::{sum_f64, ForecastMethod};
use crate::clock::Timestamp;
use crate::error::{Error, Result};
use crate::id::{ActorId, OpportunityId, SnapshotId};
use crate::management::target::{
    attainment, in_open_pipeline, AttainmentInput, AttainmentQuery, OtherCurrency, Period, Scope,
};
use crate::money::{Currency, Money};
use crate::render::{minor_f64, money, opt_minor_f64, percent};
use crate::zone::{day_start, parse_tz};

// ----- types -------------------------------------------------------------------------

/// A deal pushed this many times or more is flagged in [`ForecastAccuracy::pushed`].
pub const PUSH_FLAG: u32 = 3;

/// One rep's frozen forecast (see the module docs for every figure).
///
/// ```
/// # use salespipe::management::snapshot::RepSnapshot;
/// # use salespipe::Money;
/// let r = RepSnapshot::empty("wang", "王芳", "CNY".parse()?);
/// assert_eq!(r.figures().best_case, 0.0);
/// # Ok::<(), salespipe::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RepSnapshot {
    /// The rep.
    pub rep: ActorId,
    /// The rep's name.
    pub name: String,
    /// Won in the period at the snapshot's instant.
    pub closed_won: Money,
    /// Open deals expected to close in the period (not omitted).
    pub open_pipeline: Money,
    /// How many.
    pub open_deals: u64,
    /// Σ amount × stage probability over the open pipeline, minor units.
    pub weighted_pipeline: f64,
    /// Open in the period, category commit.
    pub commit: Money,
    /// Open in the period, category best case.
    pub best_case: Money,
    /// P10 of the amount the open pipeline wins, minor units.
    pub p10: i64,
    /// P50.
    pub p50: i64,
    /// P90.
    pub p90: i64,
    /// `exact` or `monte_carlo`.
    pub method: String,
    /// Deals in other currencies, per ISO code (not forecast, not compared).
    #[serde(default)]
    pub other_currencies: BTreeMap<String, OtherCurrency>,
}

impl RepSnapshot {
    /// A rep with nothing won or open (a starting point for plain rows).
    pub fn empty(rep: impl Into<ActorId>, name: impl Into<String>, currency: Currency) -> Self {
        let zero = Money::from_minor(0, currency);
        RepSnapshot {
            rep: rep.into(),
            name: name.into(),
            closed_won: zero,
            open_pipeline: zero,
            open_deals: 0,
            weighted_pipeline: 0.0,
            commit: zero,
            best_case: zero,
            p10: 0,
            p50: 0,
            p90: 0,
            method: "exact".to_owned(),
            other_currencies: BTreeMap::new(),
        }
    }

    /// The four forecasts of the rep's won amount this snapshot makes, minor units.
    pub fn figures(&self) -> Figures {
        let won = self.closed_won.minor() as f64;
        let commit = self.commit.minor() as f64;
        Figures {
            weighted: won + self.weighted_pipeline,
            commit: won + commit,
            best_case: won + commit + self.best_case.minor() as f64,
            p50: won + self.p50 as f64,
        }
    }
}

/// The forecast of a period frozen at an instant, per rep.
///
/// ```
/// # use salespipe::management::snapshot::ForecastSnapshot;
/// let json = r#"{"id":"s1","period":"2026-Q1","taken_at":"2026-02-01T00:00:00Z",
///   "time_zone":"UTC","currency":"CNY","reps":[]}"#;
/// let s: ForecastSnapshot = serde_json::from_str(json).unwrap();
/// assert_eq!(s.period.to_string(), "2026-Q1");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForecastSnapshot {
    /// Chosen by the host.
    pub id: SnapshotId,
    /// The period forecast.
    pub period: Period,
    /// When it was taken.
    pub taken_at: Timestamp,
    /// The time zone of the period's edges.
    pub time_zone: String,
    /// The currency of every amount.
    pub currency: Currency,
    /// Every rep of the attainment, by id.
    pub reps: Vec<RepSnapshot>,
}

impl ForecastSnapshot {
    /// The row of a rep.
    pub fn rep(&self, rep: &ActorId) -> Option<&RepSnapshot> {
        self.reps.iter().find(|r| &r.rep == rep)
    }
}

/// The four forecast figures (or their errors), minor units.
///
/// ```
/// let f = salespipe::management::snapshot::Figures { weighted: 1.0, commit: 2.0, best_case: 3.0, p50: 4.0 };
/// assert_eq!(f.commit, 2.0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Figures {
    /// Closed won + weighted pipeline.
    pub weighted: f64,
    /// Closed won + commit.
    pub commit: f64,
    /// Closed won + commit + best case.
    pub best_case: f64,
    /// Closed won + P50 of the open pipeline.
    pub p50: f64,
}

impl Figures {
    fn map(self, f: impl Fn(f64) -> f64) -> Figures {
        Figures {
            weighted: f(self.weighted),
            commit: f(self.commit),
            best_case: f(self.best_case),
            p50: f(self.p50),
        }
    }

    fn get(&self, i: usize) -> f64 {
        match i {
            0 => self.weighted,
            1 => self.commit,
            2 => self.best_case,
            _ => self.p50,
        }
    }
}

/// One rep of one snapshot against the actual.
///
/// ```
/// # use salespipe::management::snapshot::*;
/// let c = Comparison {
///     snapshot: "s1".into(), period: "2026-Q1".parse()?, taken_at: "2026-02-01T00:00:00Z".parse()?,
///     rep: "wang".into(), currency: "CNY".parse()?, actual: salespipe::Money::parse("1", "CNY")?,
///     forecast: Figures::default(), error: Figures::default(), absolute_percentage_error: None,
/// };
/// assert_eq!(c.actual.minor(), 100);
/// # Ok::<(), salespipe::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// The snapshot.
    pub snapshot: SnapshotId,
    /// Its period.
    pub period: Period,
    /// When it was taken.
    pub taken_at: Timestamp,
    /// The rep.
    pub rep: ActorId,
    /// The currency.
    pub currency: Currency,
    /// What the rep won in the period.
    pub actual: Money,
    /// The snapshot's forecasts.
    pub forecast: Figures,
    /// Forecast − actual.
    pub error: Figures,
    /// |error| ÷ actual, when actual > 0.
    pub absolute_percentage_error: Option<Figures>,
}

/// The accuracy of one forecast figure over a rep's snapshots.
///
/// ```
/// let a = salespipe::management::snapshot::FigureAccuracy::default();
/// assert_eq!(a.mape, None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct FigureAccuracy {
    /// Mean error (forecast − actual): positive means over-forecasting.
    pub bias: Option<f64>,
    /// Mean |error|.
    pub mean_absolute_error: Option<f64>,
    /// Mean |error| ÷ actual over the snapshots with actual > 0.
    pub mape: Option<f64>,
    /// How many snapshots the MAPE averages.
    pub mape_snapshots: u64,
}

/// A rep's accuracy across snapshots of one currency.
///
/// ```
/// # use salespipe::management::snapshot::*;
/// let r = RepAccuracy { rep: "wang".into(), currency: "CNY".parse()?, snapshots: 0,
///     periods: vec![], weighted: FigureAccuracy::default(), commit: FigureAccuracy::default(),
///     best_case: FigureAccuracy::default(), p50: FigureAccuracy::default() };
/// assert_eq!(r.weighted.bias, None);
/// # Ok::<(), salespipe::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RepAccuracy {
    /// The rep.
    pub rep: ActorId,
    /// The currency.
    pub currency: Currency,
    /// Snapshots compared.
    pub snapshots: u64,
    /// Their periods, in order.
    pub periods: Vec<Period>,
    /// Of `weighted`.
    pub weighted: FigureAccuracy,
    /// Of `commit`.
    pub commit: FigureAccuracy,
    /// Of `best_case`.
    pub best_case: FigureAccuracy,
    /// Of `p50`.
    pub p50: FigureAccuracy,
}

/// An opportunity whose expected close date was pushed out.
///
/// ```
/// let p = salespipe::management::snapshot::PushedDeal { opportunity: "o1".into(), owner: "wang".into(), pushes: 3, flagged: true };
/// assert!(p.flagged);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushedDeal {
    /// The opportunity.
    pub opportunity: OpportunityId,
    /// Its owner.
    pub owner: ActorId,
    /// Times pushed.
    pub pushes: u32,
    /// Pushed [`PUSH_FLAG`] times or more.
    pub flagged: bool,
}

/// Forecast accuracy as of an instant (see the module docs).
///
/// ```
/// # use salespipe::management::snapshot::*;
/// let r = forecast_accuracy(
///     &AccuracyInput { snapshots: &[], actuals: &[], pushes: &[PushRow::new("o1", "wang", 4)] },
///     "2026-04-01T00:00:00Z".parse()?,
/// )?;
/// assert!(r.pushed[0].flagged);
/// assert!(r.to_string().contains("o1"));
/// # Ok::<(), salespipe::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForecastAccuracy {
    /// The query's instant.
    pub as_of: Timestamp,
    /// Each rep of each compared snapshot, by (period, taken_at, snapshot, rep).
    pub comparisons: Vec<Comparison>,
    /// Per (rep, currency).
    pub reps: Vec<RepAccuracy>,
    /// Snapshots of periods not ended as of the query, by id.
    pub pending: Vec<SnapshotId>,
    /// Pushed deals, most pushed first (then by id).
    pub pushed: Vec<PushedDeal>,
    /// The push count from which a deal is flagged ([`PUSH_FLAG`]).
    pub flag_at: u32,
}

impl ForecastAccuracy {
    /// The accuracy row of a rep in a currency.
    pub fn rep(&self, rep: &ActorId, currency: Currency) -> Option<&RepAccuracy> {
        self.reps
            .iter()
            .find(|r| &r.rep == rep && r.currency == currency)
    }
}

// ----- rows --------------------------------------------------------------------------

/// What a rep actually won in a period (the plain-columns input of [`forecast_accuracy`]).
///
/// ```
/// # use salespipe::management::snapshot::ActualRow;
/// # use salespipe::{Money, management::target::Period};
/// let a = ActualRow::new(Period::month(2026, 3)?, "wang", Money::parse("10", "CNY")?)
///     .time_zone("Asia/Shanghai");
/// assert_eq!(a.time_zone, "Asia/Shanghai");
/// # Ok::<(), salespipe::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActualRow {
    /// The period.
    pub period: Period,
    /// The time zone of the period's edges (must match the snapshots').
    #[serde(default = "utc")]
    pub time_zone: String,
    /// The rep.
    pub rep: ActorId,
    /// Won in the period (in the currency of the snapshots of the period).
    pub won: Money,
}

fn utc() -> String {
    "UTC".to_owned()
}

impl ActualRow {
    /// A rep's won amount in a period, in UTC.
    pub fn new(period: Period, rep: impl Into<ActorId>, won: Money) -> Self {
        ActualRow {
            period,
            time_zone: utc(),
            rep: rep.into(),
            won,
        }
    }

    /// In another time zone.
    pub fn time_zone(mut self, tz: impl Into<String>) -> Self {
        self.time_zone = tz.into();
        self
    }
}

/// How often an opportunity's expected close date was pushed out (plain-columns input).
///
/// ```
/// # use salespipe::management::snapshot::PushRow;
/// let p = PushRow::new("o1", "wang", 3);
/// assert_eq!(p.pushes, 3);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushRow {
    /// The opportunity.
    pub opportunity: OpportunityId,
    /// Its owner.
    pub owner: ActorId,
    /// Times its expected close date moved later.
    pub pushes: u32,
}

impl PushRow {
    /// A row.
    pub fn new(
        opportunity: impl Into<OpportunityId>,
        owner: impl Into<ActorId>,
        pushes: u32,
    ) -> Self {
        PushRow {
            opportunity: opportunity.into(),
            owner: owner.into(),
            pushes,
        }
    }
}

/// The plain-columns input of [`forecast_accuracy`].
///
/// ```
/// let i = salespipe::management::snapshot::AccuracyInput { snapshots: &[], actuals: &[], pushes: &[] };
/// assert!(i.snapshots.is_empty());
/// ```
#[derive(Debug, Clone, Copy)]
pub struct AccuracyInput<'a> {
    /// The snapshots (those of periods not ended as of the query are pending).
    pub snapshots: &'a [ForecastSnapshot],
    /// The actual won amounts per (period, time zone, rep); every rep of every ended snapshot
    /// needs one.
    pub actuals: &'a [ActualRow],
    /// The push counts.
    pub pushes: &'a [PushRow],
}

// ----- report ------------------------------------------------------------------------

/// Takes a snapshot over plain rows: the attainment of `query.period` as of `query.as_of`
/// (required: the snapshot's instant), plus each rep's distribution by `method`.
///
/// Errors: every error of [`attainment`]; no `as_of`; an empty id.
pub fn forecast_snapshot(
    id: impl Into<SnapshotId>,
    input: &AttainmentInput<'_>,
    query: &AttainmentQuery,
    method: ForecastMethod,
) -> Result<ForecastSnapshot> {
    let id = id.into();
    if id.as_str().trim().is_empty() {
        return Err(Error::validation("id", "must not be empty"));
    }
    let taken_at = query
        .as_of
        .ok_or_else(|| Error::validation("as_of", "a snapshot needs its instant"))?;
    let report = attainment(input, query)?;
    let mut terms: BTreeMap<&ActorId, Vec<(i64, f64)>> = BTreeMap::new();
    for d in input.deals {
        if in_open_pipeline(d, &report.period, report.currency) {
            terms
                .entry(&d.owner)
                .or_default()
                .push((d.amount.minor(), d.probability));
        }
    }
    let mut reps = Vec::new();
    for row in &report.rows {
        let Scope::Rep(rep) = &row.scope else {
            continue;
        };
        let mut dist = Forecast::default();
        distribution(
            terms.get(rep).map_or(&[][..], Vec::as_slice),
            method,
            &mut dist,
        )?;
        reps.push(RepSnapshot {
            rep: rep.clone(),
            name: row.name.clone(),
            closed_won: row.closed_won,
            open_pipeline: row.open_pipeline,
            open_deals: row.open_deals,
            weighted_pipeline: row.weighted_pipeline,
            commit: row.commit,
            best_case: row.best_case,
            p10: dist.p10,
            p50: dist.p50,
            p90: dist.p90,
            method: dist.method,
            other_currencies: row.other_currencies.clone(),
        });
    }
    reps.sort_by(|a, b| a.rep.cmp(&b.rep));
    Ok(ForecastSnapshot {
        id,
        period: report.period,
        taken_at,
        time_zone: report.time_zone,
        currency: report.currency,
        reps,
    })
}

/// The first instant after a snapshot's period, in its time zone; the error names `field`.
pub(crate) fn period_end(field: &str, s: &ForecastSnapshot) -> Result<Timestamp> {
    let tz = parse_tz(&format!("{field}.time_zone"), &s.time_zone)?;
    day_start(&format!("{field}.period"), tz, s.period.end())
}

/// Compares every snapshot of an ended period with the actual (see the module docs).
///
/// Errors, each naming its field: two snapshots with one id, a rep twice in a snapshot, a bad
/// time zone, a snapshot amount in another currency than its snapshot's; an actual row twice,
/// negative, or in another currency than the snapshots of its period; a rep of an ended
/// snapshot without an actual row; an opportunity twice in the push rows.
pub fn forecast_accuracy(input: &AccuracyInput<'_>, as_of: Timestamp) -> Result<ForecastAccuracy> {
    type Key<'k> = (Period, &'k str, &'k ActorId);
    let mut actuals: BTreeMap<Key<'_>, (usize, Money)> = BTreeMap::new();
    for (i, a) in input.actuals.iter().enumerate() {
        parse_tz(&format!("actuals[{i}].time_zone"), &a.time_zone)?;
        if a.won.is_negative() {
            return Err(Error::validation(
                format!("actuals[{i}].won"),
                format!("{} is negative", a.won),
            ));
        }
        if actuals
            .insert((a.period, &a.time_zone, &a.rep), (i, a.won))
            .is_some()
        {
            return Err(Error::validation(
                format!("actuals[{i}]"),
                format!(
                    "a second actual for {} in {} ({})",
                    a.rep, a.period, a.time_zone
                ),
            ));
        }
    }

    let mut ids = BTreeSet::new();
    let mut pending = Vec::new();
    let mut comparisons = Vec::new();
    for (i, s) in input.snapshots.iter().enumerate() {
        let field = format!("snapshots[{i}]");
        if !ids.insert(&s.id) {
            return Err(Error::validation(
                format!("{field}.id"),
                format!("a second snapshot {}", s.id),
            ));
        }
        let end = period_end(&field, s)?;
        let mut reps = BTreeSet::new();
        for (j, r) in s.reps.iter().enumerate() {
            let rf = format!("{field}.reps[{j}]");
            if !reps.insert(&r.rep) {
                return Err(Error::validation(
                    format!("{rf}.rep"),
                    format!("{} twice in snapshot {}", r.rep, s.id),
                ));
            }
            for (name, m) in [
                ("closed_won", r.closed_won),
                ("open_pipeline", r.open_pipeline),
                ("commit", r.commit),
                ("best_case", r.best_case),
            ] {
                if m.currency() != s.currency {
                    return Err(Error::money(format!(
                        "{rf}.{name} is in {}, the snapshot in {}",
                        m.currency(),
                        s.currency
                    )));
                }
            }
        }
        if s.taken_at > as_of {
            continue; // not taken yet as of the query
        }
        if as_of < end {
            pending.push(s.id.clone());
            continue;
        }
        for r in &s.reps {
            let Some(&(ai, actual)) = actuals.get(&(s.period, s.time_zone.as_str(), &r.rep)) else {
                return Err(Error::validation(
                    "actuals",
                    format!(
                        "no actual for {} in {} ({}), which snapshot {} forecasts",
                        r.rep, s.period, s.time_zone, s.id
                    ),
                ));
            };
            if actual.currency() != s.currency {
                return Err(Error::money(format!(
                    "actuals[{ai}].won is in {}, snapshot {} in {}",
                    actual.currency(),
                    s.id,
                    s.currency
                )));
            }
            let a = actual.minor() as f64;
            let forecast = r.figures();
            let error = forecast.map(|f| f - a);
            comparisons.push(Comparison {
                snapshot: s.id.clone(),
                period: s.period,
                taken_at: s.taken_at,
                rep: r.rep.clone(),
                currency: s.currency,
                actual,
                forecast,
                error,
                absolute_percentage_error: (actual.minor() > 0).then(|| error.map(|e| e.abs() / a)),
            });
        }
    }
    comparisons.sort_by(|a, b| {
        (a.period, a.taken_at, &a.snapshot, &a.rep).cmp(&(
            b.period,
            b.taken_at,
            &b.snapshot,
            &b.rep,
        ))
    });
    pending.sort();

    let mut groups: BTreeMap<(&ActorId, &str), Vec<&Comparison>> = BTreeMap::new();
    for c in &comparisons {
        groups
            .entry((&c.rep, c.currency.code()))
            .or_default()
            .push(c);
    }
    let mut reps = Vec::new();
    for ((rep, _), cs) in groups {
        let Some(first) = cs.first() else { continue };
        let figure = |k: usize| -> FigureAccuracy {
            let n = cs.len() as f64;
            let errs: Vec<f64> = cs.iter().map(|c| c.error.get(k)).collect();
            let apes: Vec<f64> = cs
                .iter()
                .filter_map(|c| c.absolute_percentage_error.map(|f| f.get(k)))
                .collect();
            FigureAccuracy {
                bias: (n > 0.0).then(|| sum_f64(errs.iter().copied()) / n),
                mean_absolute_error: (n > 0.0).then(|| sum_f64(errs.iter().map(|e| e.abs())) / n),
                mape: (!apes.is_empty()).then(|| sum_f64(apes.iter().copied()) / apes.len() as f64),
                mape_snapshots: apes.len() as u64,
            }
        };
        let mut periods: Vec<Period> = cs.iter().map(|c| c.period).collect();
        periods.dedup();
        reps.push(RepAccuracy {
            rep: rep.clone(),
            currency: first.currency,
            snapshots: cs.len() as u64,
            periods,
            weighted: figure(0),
            commit: figure(1),
            best_case: figure(2),
            p50: figure(3),
        });
    }

    let mut seen = BTreeSet::new();
    let mut pushed = Vec::new();
    for (i, p) in input.pushes.iter().enumerate() {
        if !seen.insert(&p.opportunity) {
            return Err(Error::validation(
                format!("pushes[{i}].opportunity"),
                format!("{} twice", p.opportunity),
            ));
        }
        if p.pushes > 0 {
            pushed.push(PushedDeal {
                opportunity: p.opportunity.clone(),
                owner: p.owner.clone(),
                pushes: p.pushes,
                flagged: p.pushes >= PUSH_FLAG,
            });
        }
    }
    pushed.sort_by(|a, b| {
        b.pushes
            .cmp(&a.pushes)
            .then_with(|| a.opportunity.cmp(&b.opportunity))
    });

    Ok(ForecastAccuracy {
        as_of,
        comparisons,
        reps,
        pending,
        pushed,
        flag_at: PUSH_FLAG,
    })
}

// ----- rendering ---------------------------------------------------------------------

impl fmt::Display for ForecastSnapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Forecast snapshot {} of {} taken {} ({}, {})",
            self.id, self.period, self.taken_at, self.currency, self.time_zone
        )?;
        writeln!(
            f,
            "{:<20} {:>14} {:>14} {:>14} {:>14} {:>14} {:>14}",
            "rep", "won", "weighted", "commit", "best case", "P50", "P90"
        )?;
        for r in &self.reps {
            let fig = r.figures();
            writeln!(
                f,
                "{:<20} {:>14} {:>14} {:>14} {:>14} {:>14} {:>14}",
                format!("{} {}", r.rep, r.name),
                money(r.closed_won),
                minor_f64(fig.weighted, self.currency),
                minor_f64(fig.commit, self.currency),
                minor_f64(fig.best_case, self.currency),
                minor_f64(fig.p50, self.currency),
                minor_f64(r.closed_won.minor() as f64 + r.p90 as f64, self.currency),
            )?;
        }
        Ok(())
    }
}

impl fmt::Display for ForecastAccuracy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Forecast accuracy as of {}", self.as_of)?;
        writeln!(
            f,
            "{:<16} {:>4} {:>4} {:>14} {:>9} {:>14} {:>9} {:>14} {:>9} {:>14} {:>9}",
            "rep",
            "cur",
            "n",
            "bias weighted",
            "MAPE",
            "bias commit",
            "MAPE",
            "bias best",
            "MAPE",
            "bias P50",
            "MAPE"
        )?;
        for r in &self.reps {
            writeln!(
                f,
                "{:<16} {:>4} {:>4} {:>14} {:>9} {:>14} {:>9} {:>14} {:>9} {:>14} {:>9}",
                r.rep.as_str(),
                r.currency.code(),
                r.snapshots,
                opt_minor_f64(r.weighted.bias, r.currency),
                percent(r.weighted.mape),
                opt_minor_f64(r.commit.bias, r.currency),
                percent(r.commit.mape),
                opt_minor_f64(r.best_case.bias, r.currency),
                percent(r.best_case.mape),
                opt_minor_f64(r.p50.bias, r.currency),
                percent(r.p50.mape),
            )?;
        }
        if !self.pending.is_empty() {
            let ids: Vec<&str> = self.pending.iter().map(SnapshotId::as_str).collect();
            writeln!(f, "pending (period not ended): {}", ids.join(", "))?;
        }
        if !self.pushed.is_empty() {
            writeln!(f, "pushed deals (flagged at {}):", self.flag_at)?;
            for p in &self.pushed {
                writeln!(
                    f,
                    "  {}{} {} pushed {}×",
                    if p.flagged { "! " } else { "" },
                    p.opportunity,
                    p.owner,
                    p.pushes
                )?;
            }
        }
        Ok(())
    }
}
