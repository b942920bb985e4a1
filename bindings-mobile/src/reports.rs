//! The management and analytics reports as native records: expenses, sources,
//! competitors, forecast snapshots and accuracy, and the engine's funnel, forecast and
//! calibration (one section per currency). Each is converted from the core's own type (no
//! JSON in between); money maps (`{currency: minor}`) become [`Money`] lists ordered by
//! currency code, and windows become optional `from` / `to` instants.

use std::collections::BTreeMap;
use std::time::SystemTime;

use salespipe::analytics::{self, Window};
use salespipe::engine::CurrencySection;
use salespipe::management::{competitor, expense, snapshot, source};

use crate::convert::system_time;
use crate::types::Money;

fn money_list(map: &BTreeMap<String, i64>) -> Vec<Money> {
    map.iter()
        .map(|(currency, minor)| Money {
            minor: *minor,
            currency: currency.clone(),
        })
        .collect()
}

fn ratio_list(map: &BTreeMap<String, f64>) -> Vec<CurrencyRatio> {
    map.iter()
        .map(|(currency, value)| CurrencyRatio {
            currency: currency.clone(),
            value: *value,
        })
        .collect()
}

fn from_of(w: &Window) -> Option<SystemTime> {
    w.from.map(system_time)
}

fn to_of(w: &Window) -> Option<SystemTime> {
    w.to.map(system_time)
}

/// A ratio (or any fraction) per currency: `0.25` is 25 %.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct CurrencyRatio {
    /// The ISO 4217 code.
    pub currency: String,
    /// The ratio.
    pub value: f64,
}

// ----- expenses ----------------------------------------------------------------------

/// Expense totals by status, per currency.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ExpenseTotals {
    /// Approved.
    pub approved: Vec<Money>,
    /// Waiting for a decision.
    pub pending: Vec<Money>,
    /// Rejected.
    pub rejected: Vec<Money>,
    /// Withdrawn (outside the other three).
    pub withdrawn: Vec<Money>,
    /// Number of expenses counted.
    pub count: u64,
}

impl From<&expense::ExpenseTotals> for ExpenseTotals {
    fn from(t: &expense::ExpenseTotals) -> Self {
        ExpenseTotals {
            approved: money_list(&t.approved),
            pending: money_list(&t.pending),
            rejected: money_list(&t.rejected),
            withdrawn: money_list(&t.withdrawn),
            count: t.count,
        }
    }
}

/// One customer's expenses.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct CustomerExpenses {
    /// The customer.
    pub customer: String,
    /// Totals by status.
    pub totals: ExpenseTotals,
    /// Won revenue of the customer in the dates, per currency.
    pub won: Vec<Money>,
    /// Approved ÷ won, per currency where something was won.
    pub expense_to_won: Vec<CurrencyRatio>,
}

/// One category's expenses.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct CategoryExpenses {
    /// The category id.
    pub category: String,
    /// Totals by status.
    pub totals: ExpenseTotals,
    /// Approved ÷ the company's approved, per currency.
    pub share: Vec<CurrencyRatio>,
}

/// One rep's expenses.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RepExpenses {
    /// The rep.
    pub rep: String,
    /// Totals by status.
    pub totals: ExpenseTotals,
}

/// Expenses by customer, category and rep.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ExpenseReport {
    /// First date (`YYYY-MM-DD`, inclusive).
    pub from: Option<String>,
    /// Last date (exclusive).
    pub to: Option<String>,
    /// The observation time, when asked as of an instant.
    pub as_of: Option<SystemTime>,
    /// The company's totals.
    pub total: ExpenseTotals,
    /// By customer id.
    pub customers: Vec<CustomerExpenses>,
    /// By category id.
    pub categories: Vec<CategoryExpenses>,
    /// By rep id.
    pub reps: Vec<RepExpenses>,
}

impl From<&expense::ExpenseReport> for ExpenseReport {
    fn from(r: &expense::ExpenseReport) -> Self {
        ExpenseReport {
            from: r.from.map(|d| d.to_string()),
            to: r.to.map(|d| d.to_string()),
            as_of: r.as_of.map(system_time),
            total: (&r.total).into(),
            customers: r
                .customers
                .iter()
                .map(|c| CustomerExpenses {
                    customer: c.customer.clone(),
                    totals: (&c.totals).into(),
                    won: money_list(&c.won),
                    expense_to_won: ratio_list(&c.expense_to_won),
                })
                .collect(),
            categories: r
                .categories
                .iter()
                .map(|c| CategoryExpenses {
                    category: c.category.clone(),
                    totals: (&c.totals).into(),
                    share: ratio_list(&c.share),
                })
                .collect(),
            reps: r
                .reps
                .iter()
                .map(|x| RepExpenses {
                    rep: x.rep.clone(),
                    totals: (&x.totals).into(),
                })
                .collect(),
        }
    }
}

// ----- sources -----------------------------------------------------------------------

/// One source's figures (来源统计).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
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
    pub cost: Vec<Money>,
    /// Cost ÷ won, per currency.
    pub cost_per_won: Vec<CurrencyRatio>,
}

/// The source report of a pipeline.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SourceReport {
    /// The observation time.
    pub as_of: SystemTime,
    /// The cohort window's start.
    pub window_from: Option<SystemTime>,
    /// The cohort window's end (exclusive).
    pub window_to: Option<SystemTime>,
    /// The currency of `revenue`.
    pub currency: Option<String>,
    /// Configured sources in their order, then the others by name, `(none)` last.
    pub sources: Vec<SourceRow>,
    /// Deals left out because their amount is in another currency than `currency`.
    pub left_out: u64,
}

impl From<&source::SourceReport> for SourceReport {
    fn from(r: &source::SourceReport) -> Self {
        SourceReport {
            as_of: system_time(r.as_of),
            window_from: from_of(&r.window),
            window_to: to_of(&r.window),
            currency: r.currency.clone(),
            sources: r
                .sources
                .iter()
                .map(|s| SourceRow {
                    source: s.source.clone(),
                    name: s.name.clone(),
                    configured: s.configured,
                    created: s.created,
                    won: s.won,
                    lost: s.lost,
                    win_rate: s.win_rate,
                    revenue: s.revenue,
                    avg_cycle_days: s.avg_cycle_days,
                    open: s.open,
                    cost: money_list(&s.cost),
                    cost_per_won: ratio_list(&s.cost_per_won),
                })
                .collect(),
            left_out: r.left_out,
        }
    }
}

// ----- competitors -------------------------------------------------------------------

/// The deals lost to a competitor from one stage.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct StageLoss {
    /// The stage id.
    pub stage: String,
    /// How many.
    pub lost: u64,
    /// Their amounts, per currency.
    pub amount: Vec<Money>,
}

/// The figures of one competitor.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
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
    /// `won ÷ (won + lost_to + lost_other)`.
    pub win_rate: Option<f64>,
    /// `won ÷ (won + lost_to)`.
    pub head_to_head_win_rate: Option<f64>,
    /// Amounts of the open deals, per currency.
    pub open_amount: Vec<Money>,
    /// Amounts of the deals won against them.
    pub won_amount: Vec<Money>,
    /// Amounts of the deals lost to them.
    pub lost_to_amount: Vec<Money>,
    /// Amounts of the deals lost to others.
    pub lost_other_amount: Vec<Money>,
    /// The deals lost to them, per stage they were lost from (by stage id).
    pub lost_at_stage: Vec<StageLoss>,
}

/// The competitor report: one entry per competitor met, sorted by name.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct CompetitorReport {
    /// The observation time (absent: everything known).
    pub as_of: Option<SystemTime>,
    /// Closes counted from this instant.
    pub closed_from: Option<SystemTime>,
    /// Closes counted before this instant.
    pub closed_to: Option<SystemTime>,
    /// Distinct opportunities counted.
    pub deals: u64,
    /// One entry per competitor.
    pub competitors: Vec<CompetitorFigures>,
}

impl From<&competitor::CompetitorReport> for CompetitorReport {
    fn from(r: &competitor::CompetitorReport) -> Self {
        CompetitorReport {
            as_of: r.as_of.map(system_time),
            closed_from: from_of(&r.closed),
            closed_to: to_of(&r.closed),
            deals: r.deals,
            competitors: r
                .competitors
                .iter()
                .map(|c| CompetitorFigures {
                    competitor: c.competitor.clone(),
                    met: c.met,
                    open: c.open,
                    won: c.won,
                    lost_to: c.lost_to,
                    lost_other: c.lost_other,
                    win_rate: c.win_rate,
                    head_to_head_win_rate: c.head_to_head_win_rate,
                    open_amount: money_list(&c.open_amount),
                    won_amount: money_list(&c.won_amount),
                    lost_to_amount: money_list(&c.lost_to_amount),
                    lost_other_amount: money_list(&c.lost_other_amount),
                    lost_at_stage: c
                        .lost_at_stage
                        .iter()
                        .map(|(stage, loss)| StageLoss {
                            stage: stage.to_string(),
                            lost: loss.lost,
                            amount: money_list(&loss.amount),
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

// ----- forecast snapshots and accuracy -----------------------------------------------

/// A rep's deals in a currency other than the snapshot's (not forecast, not compared).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct OtherCurrencyFigures {
    /// The ISO 4217 code.
    pub currency: String,
    /// Closed won in the period, minor units.
    pub closed_won: i64,
    /// Open pipeline in the period, minor units.
    pub open_pipeline: i64,
}

/// One rep of a forecast snapshot.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct RepSnapshot {
    /// The rep.
    pub rep: String,
    /// The rep's name.
    pub name: String,
    /// Won in the period at the snapshot's instant.
    pub closed_won: Money,
    /// Open deals expected to close in the period (not omitted).
    pub open_pipeline: Money,
    /// How many.
    pub open_deals: u64,
    /// Σ amount × stage probability over the open pipeline, minor units (an expectation).
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
    /// Deals in other currencies, by currency code.
    pub other_currencies: Vec<OtherCurrencyFigures>,
}

/// The forecast of a period frozen at an instant, per rep.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ForecastSnapshot {
    /// The id the host chose.
    pub id: String,
    /// The period (`2026-Q1`, `2026-03`, ...).
    pub period: String,
    /// When it was taken.
    pub taken_at: SystemTime,
    /// The time zone of the period's edges.
    pub time_zone: String,
    /// The currency of every amount.
    pub currency: String,
    /// Every rep of the attainment, by id.
    pub reps: Vec<RepSnapshot>,
}

impl From<&snapshot::ForecastSnapshot> for ForecastSnapshot {
    fn from(s: &snapshot::ForecastSnapshot) -> Self {
        ForecastSnapshot {
            id: s.id.to_string(),
            period: s.period.to_string(),
            taken_at: system_time(s.taken_at),
            time_zone: s.time_zone.clone(),
            currency: s.currency.code().to_owned(),
            reps: s
                .reps
                .iter()
                .map(|r| RepSnapshot {
                    rep: r.rep.to_string(),
                    name: r.name.clone(),
                    closed_won: r.closed_won.into(),
                    open_pipeline: r.open_pipeline.into(),
                    open_deals: r.open_deals,
                    weighted_pipeline: r.weighted_pipeline,
                    commit: r.commit.into(),
                    best_case: r.best_case.into(),
                    p10: r.p10,
                    p50: r.p50,
                    p90: r.p90,
                    method: r.method.clone(),
                    other_currencies: r
                        .other_currencies
                        .iter()
                        .map(|(currency, o)| OtherCurrencyFigures {
                            currency: currency.clone(),
                            closed_won: o.closed_won,
                            open_pipeline: o.open_pipeline,
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

/// The four forecast figures (or their errors), minor units.
#[derive(Debug, Clone, Copy, PartialEq, uniffi::Record)]
pub struct ForecastFigures {
    /// Closed won + weighted pipeline.
    pub weighted: f64,
    /// Closed won + commit.
    pub commit: f64,
    /// Closed won + commit + best case.
    pub best_case: f64,
    /// Closed won + P50 of the open pipeline.
    pub p50: f64,
}

impl From<&snapshot::Figures> for ForecastFigures {
    fn from(f: &snapshot::Figures) -> Self {
        ForecastFigures {
            weighted: f.weighted,
            commit: f.commit,
            best_case: f.best_case,
            p50: f.p50,
        }
    }
}

/// One rep of one snapshot against what the rep won.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ForecastComparison {
    /// The snapshot.
    pub snapshot: String,
    /// Its period.
    pub period: String,
    /// When it was taken.
    pub taken_at: SystemTime,
    /// The rep.
    pub rep: String,
    /// The currency.
    pub currency: String,
    /// What the rep won in the period.
    pub actual: Money,
    /// The snapshot's forecasts.
    pub forecast: ForecastFigures,
    /// Forecast − actual.
    pub error: ForecastFigures,
    /// |error| ÷ actual, when actual > 0.
    pub absolute_percentage_error: Option<ForecastFigures>,
}

/// The accuracy of one forecast figure over a rep's snapshots.
#[derive(Debug, Clone, Copy, PartialEq, uniffi::Record)]
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

impl From<&snapshot::FigureAccuracy> for FigureAccuracy {
    fn from(a: &snapshot::FigureAccuracy) -> Self {
        FigureAccuracy {
            bias: a.bias,
            mean_absolute_error: a.mean_absolute_error,
            mape: a.mape,
            mape_snapshots: a.mape_snapshots,
        }
    }
}

/// A rep's forecast accuracy in one currency.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct RepAccuracy {
    /// The rep.
    pub rep: String,
    /// The currency.
    pub currency: String,
    /// Snapshots compared.
    pub snapshots: u64,
    /// Their periods, in order.
    pub periods: Vec<String>,
    /// Of `weighted`.
    pub weighted: FigureAccuracy,
    /// Of `commit`.
    pub commit: FigureAccuracy,
    /// Of `best_case`.
    pub best_case: FigureAccuracy,
    /// Of `p50`.
    pub p50: FigureAccuracy,
}

/// A deal whose expected close was pushed out.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PushedDeal {
    /// The opportunity.
    pub opportunity: String,
    /// Its owner.
    pub owner: String,
    /// Times pushed.
    pub pushes: u32,
    /// Pushed `flag_at` times or more.
    pub flagged: bool,
}

/// Forecast accuracy: the snapshots of ended periods against what was won.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ForecastAccuracy {
    /// The observation time.
    pub as_of: SystemTime,
    /// Each rep of each compared snapshot, by (period, taken_at, snapshot, rep).
    pub comparisons: Vec<ForecastComparison>,
    /// Per (rep, currency).
    pub reps: Vec<RepAccuracy>,
    /// Snapshots of periods not ended yet, by id.
    pub pending: Vec<String>,
    /// Pushed deals, most pushed first.
    pub pushed: Vec<PushedDeal>,
    /// The push count from which a deal is flagged.
    pub flag_at: u32,
}

impl From<&snapshot::ForecastAccuracy> for ForecastAccuracy {
    fn from(a: &snapshot::ForecastAccuracy) -> Self {
        ForecastAccuracy {
            as_of: system_time(a.as_of),
            comparisons: a
                .comparisons
                .iter()
                .map(|c| ForecastComparison {
                    snapshot: c.snapshot.to_string(),
                    period: c.period.to_string(),
                    taken_at: system_time(c.taken_at),
                    rep: c.rep.to_string(),
                    currency: c.currency.code().to_owned(),
                    actual: c.actual.into(),
                    forecast: (&c.forecast).into(),
                    error: (&c.error).into(),
                    absolute_percentage_error: c
                        .absolute_percentage_error
                        .as_ref()
                        .map(ForecastFigures::from),
                })
                .collect(),
            reps: a
                .reps
                .iter()
                .map(|r| RepAccuracy {
                    rep: r.rep.to_string(),
                    currency: r.currency.code().to_owned(),
                    snapshots: r.snapshots,
                    periods: r.periods.iter().map(ToString::to_string).collect(),
                    weighted: (&r.weighted).into(),
                    commit: (&r.commit).into(),
                    best_case: (&r.best_case).into(),
                    p50: (&r.p50).into(),
                })
                .collect(),
            pending: a.pending.iter().map(ToString::to_string).collect(),
            pushed: a
                .pushed
                .iter()
                .map(|p| PushedDeal {
                    opportunity: p.opportunity.to_string(),
                    owner: p.owner.to_string(),
                    pushes: p.pushes,
                    flagged: p.flagged,
                })
                .collect(),
            flag_at: a.flag_at,
        }
    }
}

// ----- funnel, forecast, calibration (one section per currency) ----------------------

/// How the funnel counts entries into stages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum FunnelMode {
    /// An opportunity enters a stage only when an event says so (the default).
    Recorded,
    /// A forward skip (or a win) also enters every skipped open stage, with zero dwell.
    Cumulative,
}

impl FunnelMode {
    /// The core's JSON name.
    pub(crate) fn json_name(self) -> &'static str {
        match self {
            FunnelMode::Recorded => "recorded",
            FunnelMode::Cumulative => "cumulative",
        }
    }
}

impl From<analytics::Mode> for FunnelMode {
    fn from(m: analytics::Mode) -> Self {
        match m {
            analytics::Mode::Recorded => FunnelMode::Recorded,
            analytics::Mode::Cumulative => FunnelMode::Cumulative,
        }
    }
}

/// How the funnel groups opportunities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum FunnelGroupBy {
    /// The opportunity's owner (the default).
    Owner,
    /// The opportunity's source (`(none)` when unset).
    Source,
}

impl FunnelGroupBy {
    /// The core's JSON name.
    pub(crate) fn json_name(self) -> &'static str {
        match self {
            FunnelGroupBy::Owner => "owner",
            FunnelGroupBy::Source => "source",
        }
    }
}

/// Which probabilities the forecast uses.
#[derive(Debug, Clone, Copy, PartialEq, uniffi::Enum)]
pub enum ForecastProbabilities {
    /// The stages' configured probabilities (the default).
    Stage,
    /// The win rates observed over a training window of cohorts.
    Empirical {
        /// The training window's start.
        training_from: Option<SystemTime>,
        /// The training window's end (exclusive).
        training_to: Option<SystemTime>,
        /// The counting mode of the training funnel.
        mode: FunnelMode,
    },
}

/// How the forecast computes the distribution of the won total.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ForecastMethod {
    /// Exact when the support is at most `max_support` totals, else Monte Carlo (the
    /// default: 100000 totals, 10000 samples, a fixed seed).
    Auto {
        /// The largest support computed exactly.
        max_support: u64,
        /// Monte Carlo samples.
        samples: u32,
        /// Monte Carlo seed.
        seed: u64,
    },
    /// The exact distribution.
    Exact,
    /// Monte Carlo draws.
    MonteCarlo {
        /// Samples.
        samples: u32,
        /// Seed.
        seed: u64,
    },
}

/// Completed stays in a stage that began in the window.
#[derive(Debug, Clone, Copy, PartialEq, uniffi::Record)]
pub struct Dwell {
    /// How many.
    pub count: u64,
    /// Mean stay, seconds.
    pub mean_seconds: Option<f64>,
    /// Median stay, seconds.
    pub median_seconds: Option<f64>,
    /// P90 stay, seconds.
    pub p90_seconds: Option<f64>,
}

/// Opportunities open in a stage at the observation time.
#[derive(Debug, Clone, Copy, PartialEq, uniffi::Record)]
pub struct OpenAge {
    /// How many.
    pub count: u64,
    /// Mean age of their current stay, seconds.
    pub mean_seconds: Option<f64>,
    /// How many are older than the stage's `rotting_after` (absent: the stage has none).
    pub stale: Option<u64>,
}

/// One open stage of the funnel. Amounts are minor units of the section's currency.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct StageKpis {
    /// The stage id.
    pub id: String,
    /// Its display name.
    pub name: String,
    /// Its configured probability.
    pub probability: f64,
    /// Opportunities with an entry into the stage in the window.
    pub entered: u64,
    /// Members with a later entry into a later stage or `won`.
    pub advanced: u64,
    /// Members won at the observation time.
    pub won: u64,
    /// Members lost, wherever they were lost.
    pub lost: u64,
    /// Members lost whose last open stage was this one.
    pub lost_here: u64,
    /// Members open in this stage.
    pub open_here: u64,
    /// advanced ÷ entered (推进率).
    pub advance_rate: Option<f64>,
    /// won ÷ entered (转化率).
    pub win_rate: Option<f64>,
    /// lost_here ÷ entered (消失率).
    pub loss_rate: Option<f64>,
    /// Completed stays (停留时间).
    pub dwell: Dwell,
    /// The opportunities open here.
    pub open_age: OpenAge,
    /// Sum of the amounts open here.
    pub open_amount: i64,
    /// open_amount × probability (an expectation).
    pub weighted_open: f64,
}

/// Whole-pipeline figures of the funnel. Amounts are minor units of the section's currency.
#[derive(Debug, Clone, Copy, PartialEq, uniffi::Record)]
pub struct PipelineKpis {
    /// Won, closing event in the window.
    pub closed_won: u64,
    /// Lost, closing event in the window.
    pub closed_lost: u64,
    /// closed_won ÷ (closed_won + closed_lost).
    pub win_rate_closed: Option<f64>,
    /// Sum of the closed-won amounts.
    pub won_amount: i64,
    /// Mean closed-won amount.
    pub avg_won_amount: Option<f64>,
    /// Mean days from creation to winning.
    pub avg_cycle_days: Option<f64>,
    /// Opportunities open at the observation time.
    pub open_count: u64,
    /// Their amount.
    pub open_amount: i64,
    /// Σ amount × stage probability over them.
    pub weighted_pipeline: f64,
    /// open_count × win_rate_closed × avg_won_amount ÷ avg_cycle_days, per day.
    pub velocity_per_day: Option<f64>,
}

/// The stage-to-stage transition counts.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Transitions {
    /// Row labels.
    pub from: Vec<String>,
    /// Column labels.
    pub to: Vec<String>,
    /// Counts, row-major.
    pub counts: Vec<Vec<u64>>,
}

/// The funnel of one group (or of everything).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct FunnelGroup {
    /// The group's key (owner or source); absent for the total.
    pub key: Option<String>,
    /// Opportunities with at least one event at or before the observation time.
    pub opportunities: u64,
    /// Per open stage, in pipeline order.
    pub stages: Vec<StageKpis>,
    /// Whole-pipeline figures.
    pub pipeline: PipelineKpis,
    /// The transition matrix.
    pub transitions: Transitions,
}

impl From<&analytics::GroupReport> for FunnelGroup {
    fn from(g: &analytics::GroupReport) -> Self {
        let p = &g.pipeline;
        FunnelGroup {
            key: g.key.clone(),
            opportunities: g.opportunities,
            stages: g
                .stages
                .iter()
                .map(|s| StageKpis {
                    id: s.id.clone(),
                    name: s.name.clone(),
                    probability: s.probability,
                    entered: s.entered,
                    advanced: s.advanced,
                    won: s.won,
                    lost: s.lost,
                    lost_here: s.lost_here,
                    open_here: s.open_here,
                    advance_rate: s.advance_rate,
                    win_rate: s.win_rate,
                    loss_rate: s.loss_rate,
                    dwell: Dwell {
                        count: s.dwell.count,
                        mean_seconds: s.dwell.mean_seconds,
                        median_seconds: s.dwell.median_seconds,
                        p90_seconds: s.dwell.p90_seconds,
                    },
                    open_age: OpenAge {
                        count: s.open_age.count,
                        mean_seconds: s.open_age.mean_seconds,
                        stale: s.open_age.stale,
                    },
                    open_amount: s.open_amount,
                    weighted_open: s.weighted_open,
                })
                .collect(),
            pipeline: PipelineKpis {
                closed_won: p.closed_won,
                closed_lost: p.closed_lost,
                win_rate_closed: p.win_rate_closed,
                won_amount: p.won_amount,
                avg_won_amount: p.avg_won_amount,
                avg_cycle_days: p.avg_cycle_days,
                open_count: p.open_count,
                open_amount: p.open_amount,
                weighted_pipeline: p.weighted_pipeline,
                velocity_per_day: p.velocity_per_day,
            },
            transitions: Transitions {
                from: g.transitions.from.clone(),
                to: g.transitions.to.clone(),
                counts: g.transitions.counts.clone(),
            },
        }
    }
}

/// The funnel of a pipeline's deals in one currency.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct FunnelReport {
    /// The counting mode.
    pub mode: FunnelMode,
    /// The observation time.
    pub as_of: SystemTime,
    /// The cohort window's start.
    pub window_from: Option<SystemTime>,
    /// The cohort window's end (exclusive).
    pub window_to: Option<SystemTime>,
    /// The currency of every amount, if known.
    pub currency: Option<String>,
    /// Everything.
    pub total: FunnelGroup,
    /// One per group key, in key order.
    pub groups: Vec<FunnelGroup>,
}

impl From<&analytics::FunnelReport> for FunnelReport {
    fn from(r: &analytics::FunnelReport) -> Self {
        FunnelReport {
            mode: r.mode.into(),
            as_of: system_time(r.as_of),
            window_from: from_of(&r.window),
            window_to: to_of(&r.window),
            currency: r.currency.clone(),
            total: (&r.total).into(),
            groups: r.groups.iter().map(FunnelGroup::from).collect(),
        }
    }
}

/// The forecast of a pipeline's open deals in one currency. Amounts are minor units.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ForecastReport {
    /// Opportunities open with an expected close in the period.
    pub opportunities: u64,
    /// Their total amount.
    pub amount: i64,
    /// Σ amount × p (the expectation).
    pub expected: f64,
    /// P10 of the won total.
    pub p10: i64,
    /// P50.
    pub p50: i64,
    /// P90.
    pub p90: i64,
    /// `exact` or `monte_carlo`.
    pub method: String,
    /// Samples drawn (Monte Carlo only).
    pub samples: Option<u32>,
    /// Seed used (Monte Carlo only).
    pub seed: Option<u64>,
    /// The probability used for each open stage, in pipeline order.
    pub stage_probabilities: Vec<f64>,
}

impl From<&analytics::Forecast> for ForecastReport {
    fn from(f: &analytics::Forecast) -> Self {
        ForecastReport {
            opportunities: f.opportunities,
            amount: f.amount,
            expected: f.expected,
            p10: f.p10,
            p50: f.p50,
            p90: f.p90,
            method: f.method.clone(),
            samples: f.samples,
            seed: f.seed,
            stage_probabilities: f.stage_probabilities.clone(),
        }
    }
}

/// The calibration of one open stage's probability.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct CalibrationRow {
    /// The stage id.
    pub stage: String,
    /// The configured probability (the prediction).
    pub predicted: f64,
    /// Closed members of the stage's cohort.
    pub closed: u64,
    /// Of which won.
    pub won: u64,
    /// won ÷ closed.
    pub observed: Option<f64>,
    /// observed − predicted (positive: the stage under-promises).
    pub gap: Option<f64>,
    /// The stage's Brier score.
    pub brier: Option<f64>,
}

/// The calibration of a pipeline's stage probabilities in one currency.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct CalibrationReport {
    /// The observation time.
    pub as_of: SystemTime,
    /// The cohort window's start.
    pub window_from: Option<SystemTime>,
    /// The cohort window's end (exclusive).
    pub window_to: Option<SystemTime>,
    /// Predictions scored.
    pub predictions: u64,
    /// The overall Brier score (0 is perfect).
    pub brier: Option<f64>,
    /// One row per open stage, in pipeline order.
    pub stages: Vec<CalibrationRow>,
}

impl From<&analytics::Calibration> for CalibrationReport {
    fn from(c: &analytics::Calibration) -> Self {
        CalibrationReport {
            as_of: system_time(c.as_of),
            window_from: from_of(&c.window),
            window_to: to_of(&c.window),
            predictions: c.predictions,
            brier: c.brier,
            stages: c
                .stages
                .iter()
                .map(|s| CalibrationRow {
                    stage: s.stage.clone(),
                    predicted: s.predicted,
                    closed: s.closed,
                    won: s.won,
                    observed: s.observed,
                    gap: s.gap,
                    brier: s.brier,
                })
                .collect(),
        }
    }
}

/// The funnel of the deals in one currency.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct FunnelSection {
    /// The currency of the section's deals.
    pub currency: Option<String>,
    /// The report over them.
    pub report: FunnelReport,
    /// Deals left out because their amount is beyond the core's limit.
    pub left_out: u64,
}

/// The forecast of the deals in one currency.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ForecastSection {
    /// The currency of the section's deals.
    pub currency: Option<String>,
    /// The report over them.
    pub report: ForecastReport,
    /// Deals left out because their amount is beyond the core's limit.
    pub left_out: u64,
}

/// The calibration over the deals in one currency.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct CalibrationSection {
    /// The currency of the section's deals.
    pub currency: Option<String>,
    /// The report over them.
    pub report: CalibrationReport,
    /// Deals left out because their amount is beyond the core's limit.
    pub left_out: u64,
}

/// The core's funnel sections as records.
pub(crate) fn funnel_sections(
    all: &[CurrencySection<analytics::FunnelReport>],
) -> Vec<FunnelSection> {
    all.iter()
        .map(|s| FunnelSection {
            currency: currency_of(s),
            report: (&s.report).into(),
            left_out: s.left_out,
        })
        .collect()
}

/// The core's forecast sections as records.
pub(crate) fn forecast_sections(
    all: &[CurrencySection<analytics::Forecast>],
) -> Vec<ForecastSection> {
    all.iter()
        .map(|s| ForecastSection {
            currency: currency_of(s),
            report: (&s.report).into(),
            left_out: s.left_out,
        })
        .collect()
}

/// The core's calibration sections as records.
pub(crate) fn calibration_sections(
    all: &[CurrencySection<analytics::Calibration>],
) -> Vec<CalibrationSection> {
    all.iter()
        .map(|s| CalibrationSection {
            currency: currency_of(s),
            report: (&s.report).into(),
            left_out: s.left_out,
        })
        .collect()
}

fn currency_of<T>(s: &CurrencySection<T>) -> Option<String> {
    s.currency.as_ref().map(|c| c.code().to_owned())
}
