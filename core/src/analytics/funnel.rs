//! The funnel report of `spec/kpi.md`: one pass over the stage events sorted by
//! (opportunity, time), a per-opportunity state machine, and dense accumulators indexed by
//! (group, stage). Both modes and every group come out of the same pass.

use serde::{Deserialize, Serialize};

use super::quantile::{nearest_rank, Quantile};
use super::table::{FunnelInput, LOST_CODE, MAX_STAGES, NO_DATE, WON_CODE};
use crate::clock::Timestamp;
use crate::error::{Error, Result};

/// How stage entries are counted (see `spec/kpi.md`).
///
/// ```
/// use salespipe::analytics::Mode;
/// assert_eq!(Mode::default(), Mode::Recorded);
/// assert_eq!(serde_json::to_string(&Mode::Cumulative).unwrap(), "\"cumulative\"");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// An opportunity enters a stage only when an event says so.
    #[default]
    Recorded,
    /// A forward skip (or a win) also enters every skipped open stage, at the same instant,
    /// with zero dwell.
    Cumulative,
}

/// The cohort window `[from, to)` by stage-entry time; an absent bound is unbounded.
///
/// ```
/// use salespipe::{analytics::Window, Timestamp};
/// let w = Window::new(Some(Timestamp::from_millis(10)), Some(Timestamp::from_millis(20)));
/// assert!(w.contains(10) && !w.contains(20));
/// assert!(Window::all().contains(i64::MIN));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Window {
    /// Inclusive start.
    pub from: Option<Timestamp>,
    /// Exclusive end.
    pub to: Option<Timestamp>,
}

impl Window {
    /// The unbounded window (every opportunity's whole history).
    pub const fn all() -> Self {
        Window {
            from: None,
            to: None,
        }
    }

    /// `[from, to)`.
    pub const fn new(from: Option<Timestamp>, to: Option<Timestamp>) -> Self {
        Window { from, to }
    }

    /// Whether the instant (UTC ms) is in the window.
    pub fn contains(&self, ms: i64) -> bool {
        self.from.is_none_or(|f| ms >= f.as_millis()) && self.to.is_none_or(|t| ms < t.as_millis())
    }
}

/// The parameters of a funnel report.
///
/// ```
/// use salespipe::{analytics::{FunnelParams, Mode, Window}, Timestamp};
/// let p = FunnelParams::new(Timestamp::from_millis(1_000))
///     .window(Window::new(Some(Timestamp::from_millis(0)), None))
///     .mode(Mode::Cumulative);
/// assert_eq!(p.mode, Mode::Cumulative);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunnelParams {
    /// The observation time: events after it are ignored.
    pub as_of: Timestamp,
    /// The cohort window.
    #[serde(default)]
    pub window: Window,
    /// The counting mode.
    #[serde(default)]
    pub mode: Mode,
}

impl FunnelParams {
    /// Recorded mode over the whole history, as of `as_of`.
    pub fn new(as_of: Timestamp) -> Self {
        FunnelParams {
            as_of,
            window: Window::all(),
            mode: Mode::Recorded,
        }
    }

    /// Sets the window.
    pub fn window(mut self, window: Window) -> Self {
        self.window = window;
        self
    }

    /// Sets the mode.
    pub fn mode(mut self, mode: Mode) -> Self {
        self.mode = mode;
        self
    }
}

/// Dwell-time statistics of the completed stays in a stage, in seconds (nearest-rank
/// quantiles, so `median` and `p90` are observed values).
///
/// ```
/// let d = salespipe::analytics::Dwell::default();
/// assert_eq!(d.count, 0);
/// assert!(d.mean_seconds.is_none());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Dwell {
    /// Number of completed stays that began in the window.
    pub count: u64,
    /// Mean stay, seconds.
    pub mean_seconds: Option<f64>,
    /// Median stay, seconds.
    pub median_seconds: Option<f64>,
    /// P90 stay, seconds.
    pub p90_seconds: Option<f64>,
}

/// The age of the opportunities open in a stage at `as_of`.
///
/// ```
/// let a = salespipe::analytics::OpenAge::default();
/// assert_eq!(a.count, 0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct OpenAge {
    /// Opportunities open in the stage at `as_of` (whatever their entry time).
    pub count: u64,
    /// Mean of `as_of - entry` of their current stay, seconds.
    pub mean_seconds: Option<f64>,
    /// How many are older than the stage's `rotting_after`; `None` when the stage has none.
    pub stale: Option<u64>,
}

/// The KPIs of one open stage.
///
/// ```
/// use salespipe::analytics::StageKpis;
/// let s = StageKpis::default();
/// assert!(s.advance_rate.is_none()); // 0 / 0 is absent, never 0
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct StageKpis {
    /// Stage id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Configured probability.
    pub probability: f64,
    /// |C(s)|: opportunities with an entry into the stage in the window.
    pub entered: u64,
    /// Members with a later entry into a later stage or `won`.
    pub advanced: u64,
    /// Members won at `as_of`.
    pub won: u64,
    /// Members lost at `as_of`, wherever they were lost (used by calibration).
    pub lost: u64,
    /// Members lost at `as_of` whose last open stage was this one.
    pub lost_here: u64,
    /// Members open in this stage at `as_of`.
    pub open_here: u64,
    /// advanced / entered (推进率).
    pub advance_rate: Option<f64>,
    /// won / entered (转化率).
    pub win_rate: Option<f64>,
    /// lost_here / entered (消失率).
    pub loss_rate: Option<f64>,
    /// Completed stays that began in the window (停留时间).
    pub dwell: Dwell,
    /// Opportunities open here at `as_of`.
    pub open_age: OpenAge,
    /// Sum of the amounts open here at `as_of`, minor units.
    pub open_amount: i64,
    /// open_amount × probability, minor units.
    pub weighted_open: f64,
}

/// Whole-pipeline figures.
///
/// ```
/// let p = salespipe::analytics::PipelineKpis::default();
/// assert!(p.velocity_per_day.is_none());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct PipelineKpis {
    /// Won at `as_of`, closing event in the window.
    pub closed_won: u64,
    /// Lost at `as_of`, closing event in the window.
    pub closed_lost: u64,
    /// closed_won / (closed_won + closed_lost).
    pub win_rate_closed: Option<f64>,
    /// Sum of the closed-won amounts, minor units.
    pub won_amount: i64,
    /// Mean closed-won amount, minor units.
    pub avg_won_amount: Option<f64>,
    /// Mean of (closing time − created_at) over closed_won, days.
    pub avg_cycle_days: Option<f64>,
    /// Opportunities open at `as_of`.
    pub open_count: u64,
    /// Their amount, minor units.
    pub open_amount: i64,
    /// Σ amount × stage probability over them, minor units.
    pub weighted_pipeline: f64,
    /// open_count × win_rate_closed × avg_won_amount / avg_cycle_days (minor units per day).
    pub velocity_per_day: Option<f64>,
}

/// Stage-to-stage transition counts of the recorded events in the window: `counts[i][j]` is
/// the number of events from `from[i]` into `to[j]`. `from` is `(new)` (creation), the open
/// stages, `won`, `lost` (reopens); `to` is the open stages, `won`, `lost`. Skips sit above the
/// diagonal-plus-one, moves back below the diagonal.
///
/// ```
/// let t = salespipe::analytics::Transitions::default();
/// assert!(t.counts.is_empty());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Transitions {
    /// Row labels.
    pub from: Vec<String>,
    /// Column labels.
    pub to: Vec<String>,
    /// Counts, row-major.
    pub counts: Vec<Vec<u64>>,
}

/// The report of one group (or of everything, for [`FunnelReport::total`]).
///
/// ```
/// let g = salespipe::analytics::GroupReport::default();
/// assert!(g.key.is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct GroupReport {
    /// The group's name; `None` for the total.
    pub key: Option<String>,
    /// Opportunities with at least one event at or before `as_of`.
    pub opportunities: u64,
    /// Per open stage, in pipeline order.
    pub stages: Vec<StageKpis>,
    /// Whole-pipeline figures.
    pub pipeline: PipelineKpis,
    /// The transition matrix.
    pub transitions: Transitions,
}

/// The funnel report: parameters, the total and one report per group. Its JSON shape is
/// stable (documented in `docs/analytics.md`).
///
/// ```
/// let r = salespipe::analytics::FunnelReport::default();
/// assert!(r.groups.is_empty());
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct FunnelReport {
    /// The counting mode.
    pub mode: Mode,
    /// The observation time.
    pub as_of: Timestamp,
    /// The cohort window.
    pub window: Window,
    /// The currency of every amount, if known.
    pub currency: Option<String>,
    /// Everything.
    pub total: GroupReport,
    /// One per group code, in code order.
    pub groups: Vec<GroupReport>,
}

/// Both modes from one pass.
///
/// ```
/// let b = salespipe::analytics::FunnelReports::default();
/// assert_eq!(b.cumulative.mode, salespipe::analytics::Mode::Recorded); // default value
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct FunnelReports {
    /// Recorded mode.
    pub recorded: FunnelReport,
    /// Cumulative mode.
    pub cumulative: FunnelReport,
}

/// The funnel report in `params.mode`.
///
/// Validates the whole input first (see [`funnel_both`]); an error names the offending row.
pub fn funnel(input: &FunnelInput<'_>, params: &FunnelParams) -> Result<FunnelReport> {
    let both = funnel_both(input, params.as_of, params.window)?;
    Ok(match params.mode {
        Mode::Recorded => both.recorded,
        Mode::Cumulative => both.cumulative,
    })
}

/// The funnel report in both modes, from one pass.
///
/// Input rules (an error is [`Error::Validation`] naming the row, e.g. `events[17].stage`, and
/// nothing is computed): equal column lengths; at most [`MAX_STAGES`] stages with
/// probabilities in [0, 1]; unique opportunity ids, non-negative amounts, group codes below
/// the number of group names (or dense: below the number of opportunities); every event's
/// opportunity in the opportunity table, its stage known, its time not before creation; an
/// opportunity's first event enters an open stage; a closed opportunity is not closed again
/// without a reopen; an expected close is a UTC midnight (a date) or [`NO_DATE`]. Every row
/// is validated, also those after `as_of`.
///
/// Events sorted by (opp, time) are read in place; otherwise they are sorted once (stably,
/// so equal timestamps keep their input order) through a permutation of row indices.
pub fn funnel_both(
    input: &FunnelInput<'_>,
    as_of: Timestamp,
    window: Window,
) -> Result<FunnelReports> {
    let prep = prepare(input)?;
    let mut scan = match (&prep.event_order, &prep.opp_order) {
        (None, None) => run_scan(input, &prep, as_of, window, |i| i, |i| i),
        (Some(e), None) => run_scan(input, &prep, as_of, window, |i| e[i] as usize, |i| i),
        (None, Some(o)) => run_scan(input, &prep, as_of, window, |i| i, |i| o[i] as usize),
        (Some(e), Some(o)) => run_scan(
            input,
            &prep,
            as_of,
            window,
            |i| e[i] as usize,
            |i| o[i] as usize,
        ),
    }?;
    drop(prep);
    let dwell = scan.dwell_stats();
    let recorded = build(input, &scan, &dwell, Mode::Recorded, as_of, window)?;
    let cumulative = build(input, &scan, &dwell, Mode::Cumulative, as_of, window)?;
    scan.values = Vec::new();
    Ok(FunnelReports {
        recorded,
        cumulative,
    })
}

/// Milliseconds in a UTC day.
const DAY_MS: i64 = 86_400_000;

fn bad(field: String, message: impl Into<String>) -> Error {
    Error::validation(field, message)
}

struct Prepared {
    n_stages: usize,
    n_groups: usize,
    /// Stays fit one `i64` as `bucket << 44 | ms` (fewer than 2^19 buckets, time span under
    /// 2^44 ms ≈ 557 years): then they are bucketed in place.
    packed: bool,
    event_order: Option<Vec<u32>>,
    opp_order: Option<Vec<u32>>,
}

fn prepare(input: &FunnelInput<'_>) -> Result<Prepared> {
    let ev = &input.events;
    let n_ev = ev.opp.len();
    if ev.at_ms.len() != n_ev {
        return Err(bad("events.at_ms".into(), "length differs from events.opp"));
    }
    if ev.stage.len() != n_ev {
        return Err(bad("events.stage".into(), "length differs from events.opp"));
    }
    let op = &input.opportunities;
    let n_opp = op.opp.len();
    for (name, len) in [
        ("amount_minor", op.amount_minor.len()),
        ("group", op.group.len()),
        ("created_ms", op.created_ms.len()),
        ("expected_close_ms", op.expected_close_ms.len()),
    ] {
        if len != n_opp {
            return Err(bad(
                format!("opportunities.{name}"),
                "length differs from opportunities.opp",
            ));
        }
    }
    if u32::try_from(n_ev).is_err() || u32::try_from(n_opp).is_err() {
        return Err(bad("events".into(), "more than 2^32 - 1 rows"));
    }
    let n_stages = input.stages.len();
    if n_stages > MAX_STAGES {
        return Err(bad(
            "stages".into(),
            format!("{n_stages} open stages, at most {MAX_STAGES} are supported"),
        ));
    }
    for (i, s) in input.stages.iter().enumerate() {
        if !(0.0..=1.0).contains(&s.probability) {
            return Err(bad(
                format!("stages[{i}].probability"),
                format!("{} is not in [0, 1]", s.probability),
            ));
        }
    }
    let n_groups = if input.group_names.is_empty() {
        op.group.iter().max().map_or(0, |&g| g as usize + 1)
    } else {
        input.group_names.len()
    };
    let group_limit = if input.group_names.is_empty() {
        n_opp
    } else {
        n_groups
    };
    let rows = op
        .amount_minor
        .iter()
        .zip(op.group)
        .zip(op.expected_close_ms);
    for (i, ((&a, &g), &close)) in rows.enumerate() {
        if a < 0 {
            return Err(bad(
                format!("opportunities[{i}].amount_minor"),
                format!("negative amount {a}"),
            ));
        }
        if g as usize >= group_limit {
            return Err(bad(
                format!("opportunities[{i}].group"),
                format!("group code {g} is not below {group_limit}"),
            ));
        }
        if close != NO_DATE && close.rem_euclid(DAY_MS) != 0 {
            return Err(bad(
                format!("opportunities[{i}].expected_close_ms"),
                format!("{close} is not a UTC midnight (a date), nor NO_DATE"),
            ));
        }
    }
    let opp_order = if op.opp.windows(2).all(|w| w[0] < w[1]) {
        None
    } else {
        let mut idx: Vec<u32> = (0..n_opp as u32).collect();
        idx.sort_unstable_by_key(|&i| (op.opp[i as usize], i));
        for w in idx.windows(2) {
            let (a, b) = (w[0] as usize, w[1] as usize);
            if op.opp[a] == op.opp[b] {
                return Err(bad(
                    format!("opportunities[{}].opp", a.max(b)),
                    format!("duplicate opportunity id {}", op.opp[a]),
                ));
            }
        }
        Some(idx)
    };
    let sorted = ev
        .opp
        .windows(2)
        .zip(ev.at_ms.windows(2))
        .all(|(o, t)| o[0] < o[1] || (o[0] == o[1] && t[0] <= t[1]));
    let event_order = if sorted {
        None
    } else {
        Some(sort_events(ev.opp, ev.at_ms))
    };
    let (lo, hi) = ev
        .at_ms
        .iter()
        .fold((i64::MAX, i64::MIN), |(lo, hi), &t| (lo.min(t), hi.max(t)));
    let span = i128::from(hi) - i128::from(lo);
    let packed = n_stages * n_groups < (1 << 19) && span < (1i128 << 44);
    Ok(Prepared {
        n_stages,
        n_groups,
        packed,
        event_order,
        opp_order,
    })
}

/// The row order sorting events by (opp, at), stably (equal keys keep their input order).
///
/// Rows are first sorted by opportunity with the row index as tie-breaker (one packed `u64`
/// key per row when ids fit in 32 bits, so a plain unstable sort is stable), which also keeps
/// a time-ordered log in time order within each opportunity; then each opportunity's run is
/// sorted by time (stably) only if it is not already in order.
fn sort_events(opp: &[u64], at: &[i64]) -> Vec<u32> {
    let n = opp.len();
    let mut idx: Vec<u32> = if opp.iter().all(|&o| o <= u64::from(u32::MAX)) {
        let mut keys: Vec<u64> = opp
            .iter()
            .enumerate()
            .map(|(i, &o)| (o << 32) | i as u64)
            .collect();
        keys.sort_unstable();
        keys.into_iter().map(|k| k as u32).collect()
    } else {
        let mut keys: Vec<(u64, u32)> = opp
            .iter()
            .enumerate()
            .map(|(i, &o)| (o, i as u32))
            .collect();
        keys.sort_unstable();
        keys.into_iter().map(|k| k.1).collect()
    };
    let mut start = 0;
    while start < n {
        let o = opp[idx[start] as usize];
        let mut end = start + 1;
        while end < n && opp[idx[end] as usize] == o {
            end += 1;
        }
        let run = &mut idx[start..end];
        if !run
            .windows(2)
            .all(|w| at[w[0] as usize] <= at[w[1] as usize])
        {
            run.sort_by_key(|&i| at[i as usize]);
        }
        start = end;
    }
    idx
}

/// Mode index: 0 recorded, 1 cumulative.
const R: usize = 0;
const C: usize = 1;

#[derive(Default)]
struct Scan {
    n: usize,
    groups: usize,
    // [mode][g * n + s]
    entered: [Vec<u64>; 2],
    advanced: [Vec<u64>; 2],
    won: [Vec<u64>; 2],
    lost: [Vec<u64>; 2],
    lost_here: [Vec<u64>; 2],
    open_here: [Vec<u64>; 2],
    // cumulative mode's zero-dwell stays, [g * n + s]
    zero_stays: Vec<u64>,
    // real completed stays, [s * groups + g] (stage-major, so a stage's total is contiguous)
    dwell_count: Vec<u64>,
    dwell_sum_ms: Vec<i128>,
    values: Vec<i64>,
    offsets: Vec<usize>,
    // open at as_of, [g * n + s]
    age_count: Vec<u64>,
    age_sum_ms: Vec<i128>,
    stale: Vec<u64>,
    open_amount: Vec<i128>,
    // per group
    opps: Vec<u64>,
    closed_won: Vec<u64>,
    closed_lost: Vec<u64>,
    won_amount: Vec<i128>,
    cycle_ms: Vec<i128>,
    open_count: Vec<u64>,
    open_total: Vec<i128>,
    // [g * rows * cols + from * cols + to]
    transitions: Vec<u64>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Cur {
    None,
    Open(usize),
    Won,
    Lost,
}

#[inline]
fn below(j: usize) -> u64 {
    if j >= 64 {
        u64::MAX
    } else {
        (1u64 << j) - 1
    }
}

#[inline]
fn range_mask(lo: usize, hi: usize) -> u64 {
    if lo >= hi {
        0
    } else {
        below(hi) & !below(lo)
    }
}

fn run_scan<E, O>(
    input: &FunnelInput<'_>,
    prep: &Prepared,
    as_of: Timestamp,
    window: Window,
    ev: E,
    orow: O,
) -> Result<Scan>
where
    E: Fn(usize) -> usize,
    O: Fn(usize) -> usize,
{
    let n = prep.n_stages;
    let ng = prep.n_groups;
    let gs = ng * n;
    let rows = n + 3;
    let cols = n + 2;
    let tsize = rows * cols;
    let mut sc = Scan {
        n,
        groups: ng,
        entered: [vec![0; gs], vec![0; gs]],
        advanced: [vec![0; gs], vec![0; gs]],
        won: [vec![0; gs], vec![0; gs]],
        lost: [vec![0; gs], vec![0; gs]],
        lost_here: [vec![0; gs], vec![0; gs]],
        open_here: [vec![0; gs], vec![0; gs]],
        zero_stays: vec![0; gs],
        dwell_count: vec![0; gs],
        dwell_sum_ms: vec![0; gs],
        values: Vec::new(),
        offsets: Vec::new(),
        age_count: vec![0; gs],
        age_sum_ms: vec![0; gs],
        stale: vec![0; gs],
        open_amount: vec![0; gs],
        opps: vec![0; ng],
        closed_won: vec![0; ng],
        closed_lost: vec![0; ng],
        won_amount: vec![0; ng],
        cycle_ms: vec![0; ng],
        open_count: vec![0; ng],
        open_total: vec![0; ng],
        transitions: vec![0; ng * tsize],
    };
    let rot: Vec<i64> = input
        .stages
        .iter()
        .map(|s| s.rotting_after_ms.unwrap_or(i64::MAX))
        .collect();
    let has_rot: Vec<bool> = input
        .stages
        .iter()
        .map(|s| s.rotting_after_ms.is_some())
        .collect();
    let as_of = as_of.as_millis();
    let (wfrom, wto) = (
        window.from.map_or(i64::MIN, Timestamp::as_millis),
        window.to.map(Timestamp::as_millis),
    );
    let in_window = |t: i64| t >= wfrom && wto.is_none_or(|to| t < to);

    let e_opp = input.events.opp;
    let e_at = input.events.at_ms;
    let e_stage = input.events.stage;
    let o_opp = input.opportunities.opp;
    let o_amount = input.opportunities.amount_minor;
    let o_group = input.opportunities.group;
    let o_created = input.opportunities.created_ms;
    let n_ev = e_opp.len();
    let n_opp = o_opp.len();
    // real stays: packed `bucket << 44 | ms` (or, for absurd time spans, (bucket, ms) pairs),
    // grouped into contiguous per-bucket runs after the pass
    let packed = prep.packed;
    let mut stays: Vec<i64> = Vec::with_capacity(if packed { n_ev } else { 0 });
    let mut stay_bucket: Vec<u32> = Vec::with_capacity(if packed { 0 } else { n_ev });
    let mut stay_ms: Vec<i64> = Vec::with_capacity(if packed { 0 } else { n_ev });

    let mut k = 0usize;
    let mut oc = 0usize;
    while k < n_ev {
        let r0 = ev(k);
        let id = e_opp[r0];
        while oc < n_opp && o_opp[orow(oc)] < id {
            oc += 1;
        }
        if oc >= n_opp || o_opp[orow(oc)] != id {
            return Err(bad(
                format!("events[{r0}].opp"),
                format!("opportunity {id} is not in the opportunity table"),
            ));
        }
        let o = orow(oc);
        let g = o_group[o] as usize;
        let created = o_created[o];
        let gbase = g * n;
        let tbase = g * tsize;

        let mut cur = Cur::None;
        let mut vclosed = false; // validation: closed (won/lost) now
        let mut prev_open: usize = usize::MAX; // last open stage, MAX = none
        let mut stay_start = 0i64;
        let mut stay_in_w = false;
        let mut close_t = 0i64;
        let mut ent = [0u64; 2];
        let mut adv = [0u64; 2];
        let mut first = true;

        while k < n_ev {
            let r = ev(k);
            if e_opp[r] != id {
                break;
            }
            k += 1;
            let t = e_at[r];
            let st = e_stage[r];
            if t < created {
                return Err(bad(
                    format!("events[{r}].at_ms"),
                    format!("event at {t} is before the opportunity's creation at {created}"),
                ));
            }
            let target = if (st as usize) < n {
                Cur::Open(st as usize)
            } else if st == WON_CODE {
                Cur::Won
            } else if st == LOST_CODE {
                Cur::Lost
            } else {
                return Err(bad(
                    format!("events[{r}].stage"),
                    format!("unknown stage code {st}"),
                ));
            };
            let closing = matches!(target, Cur::Won | Cur::Lost);
            if closing {
                if first {
                    return Err(bad(
                        format!("events[{r}].stage"),
                        "an opportunity's first event must enter an open stage",
                    ));
                }
                if vclosed {
                    return Err(bad(
                        format!("events[{r}].stage"),
                        "closed again without a reopen",
                    ));
                }
            }
            first = false;
            vclosed = closing;
            if t > as_of {
                continue;
            }
            let w = in_window(t);
            // the current stay completes
            if let Cur::Open(c) = cur {
                if stay_in_w {
                    let b = c * ng + g;
                    let ms = t - stay_start;
                    sc.dwell_count[b] += 1;
                    sc.dwell_sum_ms[b] += i128::from(ms);
                    if packed {
                        stays.push(((b as i64) << 44) | ms);
                    } else {
                        stay_bucket.push(b as u32);
                        stay_ms.push(ms);
                    }
                }
            }
            if w {
                let from = match cur {
                    Cur::None => 0,
                    Cur::Open(c) => 1 + c,
                    Cur::Won => 1 + n,
                    Cur::Lost => 2 + n,
                };
                let to = match target {
                    Cur::Open(j) => j,
                    Cur::Won => n,
                    _ => n + 1,
                };
                sc.transitions[tbase + from * cols + to] += 1;
            }
            let lo = if prev_open == usize::MAX {
                0
            } else {
                prev_open + 1
            };
            match target {
                Cur::Open(j) => {
                    if w {
                        let fill = range_mask(lo, j);
                        add_bits(&mut sc.zero_stays, gbase, fill);
                        ent[C] |= fill;
                    }
                    adv[R] |= ent[R] & below(j);
                    adv[C] |= ent[C] & below(j);
                    if w {
                        ent[R] |= 1 << j;
                        ent[C] |= 1 << j;
                    }
                    prev_open = j;
                    stay_start = t;
                    stay_in_w = w;
                }
                Cur::Won => {
                    if w {
                        let fill = range_mask(lo, n);
                        add_bits(&mut sc.zero_stays, gbase, fill);
                        ent[C] |= fill;
                    }
                    adv[R] |= ent[R];
                    adv[C] |= ent[C];
                    close_t = t;
                }
                _ => close_t = t,
            }
            cur = target;
        }
        if cur == Cur::None {
            continue;
        }
        sc.opps[g] += 1;
        for m in [R, C] {
            let mut bits = ent[m];
            while bits != 0 {
                let s = bits.trailing_zeros() as usize;
                bits &= bits - 1;
                let i = gbase + s;
                sc.entered[m][i] += 1;
                if adv[m] & (1 << s) != 0 {
                    sc.advanced[m][i] += 1;
                }
                match cur {
                    Cur::Won => sc.won[m][i] += 1,
                    Cur::Lost => {
                        sc.lost[m][i] += 1;
                        if prev_open == s {
                            sc.lost_here[m][i] += 1;
                        }
                    }
                    Cur::Open(c) if c == s => sc.open_here[m][i] += 1,
                    _ => {}
                }
            }
        }
        let amount = i128::from(o_amount[o]);
        match cur {
            Cur::Open(c) => {
                let i = gbase + c;
                let age = as_of - stay_start;
                sc.age_count[i] += 1;
                sc.age_sum_ms[i] += i128::from(age);
                if has_rot[c] && age > rot[c] {
                    sc.stale[i] += 1;
                }
                sc.open_amount[i] += amount;
                sc.open_count[g] += 1;
                sc.open_total[g] += amount;
            }
            Cur::Won => {
                if in_window(close_t) {
                    sc.closed_won[g] += 1;
                    sc.won_amount[g] += amount;
                    sc.cycle_ms[g] += i128::from(close_t) - i128::from(created);
                }
            }
            Cur::Lost => {
                if in_window(close_t) {
                    sc.closed_lost[g] += 1;
                }
            }
            Cur::None => {}
        }
    }
    let mut offsets = Vec::with_capacity(gs + 1);
    let mut acc = 0usize;
    offsets.push(0);
    for &c in &sc.dwell_count {
        acc += c as usize;
        offsets.push(acc);
    }
    let mut next: Vec<usize> = offsets[..gs].to_vec();
    let values = if packed {
        // in-place counting sort (American flag): every element is moved at most once
        for b in 0..gs {
            let end = offsets[b + 1];
            while next[b] < end {
                let t = (stays[next[b]] >> 44) as usize;
                if t == b {
                    next[b] += 1;
                } else {
                    stays.swap(next[b], next[t]);
                    next[t] += 1;
                }
            }
        }
        for v in &mut stays {
            *v &= (1 << 44) - 1;
        }
        stays
    } else {
        let mut values = vec![0i64; acc];
        for (&b, &ms) in stay_bucket.iter().zip(&stay_ms) {
            let b = b as usize;
            values[next[b]] = ms;
            next[b] += 1;
        }
        values
    };
    sc.values = values;
    sc.offsets = offsets;
    Ok(sc)
}

#[inline]
fn add_bits(v: &mut [u64], base: usize, mut bits: u64) {
    while bits != 0 {
        let s = bits.trailing_zeros() as usize;
        bits &= bits - 1;
        v[base + s] += 1;
    }
}

/// Per (mode, group or total, stage) dwell quantiles, ms.
struct DwellStats {
    // [mode][(g or groups for total) * n + s] -> (median, p90)
    q: [Vec<(Option<i64>, Option<i64>)>; 2],
}

impl Scan {
    fn dwell_stats(&mut self) -> DwellStats {
        let n = self.n;
        let ng = self.groups;
        let size = (ng + 1) * n;
        let mut q = [vec![(None, None); size], vec![(None, None); size]];
        for s in 0..n {
            let mut total_zeros = 0u64;
            for g in 0..ng {
                let b = s * ng + g;
                let slice = &mut self.values[self.offsets[b]..self.offsets[b + 1]];
                let zeros = self.zero_stays[g * n + s];
                total_zeros += zeros;
                q[R][g * n + s] = (
                    nearest_rank(slice, 0, Quantile::MEDIAN),
                    nearest_rank(slice, 0, Quantile::P90),
                );
                q[C][g * n + s] = (
                    nearest_rank(slice, zeros, Quantile::MEDIAN),
                    nearest_rank(slice, zeros, Quantile::P90),
                );
            }
            let slice = &mut self.values[self.offsets[s * ng]..self.offsets[(s + 1) * ng]];
            q[R][ng * n + s] = (
                nearest_rank(slice, 0, Quantile::MEDIAN),
                nearest_rank(slice, 0, Quantile::P90),
            );
            q[C][ng * n + s] = (
                nearest_rank(slice, total_zeros, Quantile::MEDIAN),
                nearest_rank(slice, total_zeros, Quantile::P90),
            );
        }
        DwellStats { q }
    }
}

fn ratio(num: u64, den: u64) -> Option<f64> {
    (den != 0).then(|| num as f64 / den as f64)
}

fn to_i64(v: i128, what: &str) -> Result<i64> {
    i64::try_from(v).map_err(|_| Error::money(format!("{what} overflows i64 minor units")))
}

fn build(
    input: &FunnelInput<'_>,
    sc: &Scan,
    dwell: &DwellStats,
    mode: Mode,
    as_of: Timestamp,
    window: Window,
) -> Result<FunnelReport> {
    let ng = sc.groups;
    let total = group_report(input, sc, dwell, mode, None)?;
    let mut groups = Vec::with_capacity(ng);
    for g in 0..ng {
        let mut r = group_report(input, sc, dwell, mode, Some(g))?;
        r.key = (input.null_group != u32::try_from(g).ok()).then(|| {
            input
                .group_names
                .get(g)
                .cloned()
                .unwrap_or_else(|| g.to_string())
        });
        groups.push(r);
    }
    Ok(FunnelReport {
        mode,
        as_of,
        window,
        currency: input.currency.map(|c| c.code().to_owned()),
        total,
        groups,
    })
}

fn group_report(
    input: &FunnelInput<'_>,
    sc: &Scan,
    dwell: &DwellStats,
    mode: Mode,
    g: Option<usize>,
) -> Result<GroupReport> {
    let n = sc.n;
    let ng = sc.groups;
    let m = match mode {
        Mode::Recorded => R,
        Mode::Cumulative => C,
    };
    let gr = match g {
        Some(g) => g..g + 1,
        None => 0..ng,
    };
    let sum_gs = |v: &[u64], s: usize| -> u64 { gr.clone().map(|g| v[g * n + s]).sum() };
    let sum_gs128 = |v: &[i128], s: usize| -> i128 { gr.clone().map(|g| v[g * n + s]).sum() };
    let sum_sg = |v: &[u64], s: usize| -> u64 { gr.clone().map(|g| v[s * ng + g]).sum() };
    let sum_sg128 = |v: &[i128], s: usize| -> i128 { gr.clone().map(|g| v[s * ng + g]).sum() };
    let sum_g = |v: &[u64]| -> u64 { gr.clone().map(|g| v[g]).sum() };
    let sum_g128 = |v: &[i128]| -> i128 { gr.clone().map(|g| v[g]).sum() };
    let qi = g.unwrap_or(ng) * n;

    let mut stages = Vec::with_capacity(n);
    let mut weighted_pipeline = 0.0;
    for (s, info) in input.stages.iter().enumerate() {
        let entered = sum_gs(&sc.entered[m], s);
        let advanced = sum_gs(&sc.advanced[m], s);
        let won = sum_gs(&sc.won[m], s);
        let lost_here = sum_gs(&sc.lost_here[m], s);
        let zeros = if m == C { sum_gs(&sc.zero_stays, s) } else { 0 };
        let real = sum_sg(&sc.dwell_count, s);
        let count = real + zeros;
        let sum_ms = sum_sg128(&sc.dwell_sum_ms, s);
        let (median, p90) = dwell.q[m][qi + s];
        let age_count = sum_gs(&sc.age_count, s);
        let open_amount = sum_gs128(&sc.open_amount, s);
        let weighted_open = open_amount as f64 * info.probability;
        weighted_pipeline += weighted_open;
        stages.push(StageKpis {
            id: info.id.clone(),
            name: info.name.clone(),
            probability: info.probability,
            entered,
            advanced,
            won,
            lost: sum_gs(&sc.lost[m], s),
            lost_here,
            open_here: sum_gs(&sc.open_here[m], s),
            advance_rate: ratio(advanced, entered),
            win_rate: ratio(won, entered),
            loss_rate: ratio(lost_here, entered),
            dwell: Dwell {
                count,
                mean_seconds: (count != 0).then(|| sum_ms as f64 / count as f64 / 1000.0),
                median_seconds: median.map(|v| v as f64 / 1000.0),
                p90_seconds: p90.map(|v| v as f64 / 1000.0),
            },
            open_age: OpenAge {
                count: age_count,
                mean_seconds: (age_count != 0)
                    .then(|| sum_gs128(&sc.age_sum_ms, s) as f64 / age_count as f64 / 1000.0),
                stale: info.rotting_after_ms.map(|_| sum_gs(&sc.stale, s)),
            },
            open_amount: to_i64(open_amount, "open amount")?,
            weighted_open,
        });
    }
    let closed_won = sum_g(&sc.closed_won);
    let closed_lost = sum_g(&sc.closed_lost);
    let won_amount = sum_g128(&sc.won_amount);
    let cycle_ms = sum_g128(&sc.cycle_ms);
    let open_count = sum_g(&sc.open_count);
    let win_rate_closed = ratio(closed_won, closed_won + closed_lost);
    let avg_won_amount = (closed_won != 0).then(|| won_amount as f64 / closed_won as f64);
    let avg_cycle_days =
        (closed_won != 0).then(|| cycle_ms as f64 / closed_won as f64 / 86_400_000.0);
    let velocity_per_day = match (win_rate_closed, avg_won_amount, avg_cycle_days) {
        (Some(w), Some(a), Some(d)) if d > 0.0 => Some(open_count as f64 * w * a / d),
        _ => None,
    };
    let pipeline = PipelineKpis {
        closed_won,
        closed_lost,
        win_rate_closed,
        won_amount: to_i64(won_amount, "won amount")?,
        avg_won_amount,
        avg_cycle_days,
        open_count,
        open_amount: to_i64(sum_g128(&sc.open_total), "open amount")?,
        weighted_pipeline,
        velocity_per_day,
    };
    let rows = n + 3;
    let cols = n + 2;
    let mut counts = vec![vec![0u64; cols]; rows];
    for gi in gr.clone() {
        let base = gi * rows * cols;
        for (i, row) in counts.iter_mut().enumerate() {
            for (j, c) in row.iter_mut().enumerate() {
                *c += sc.transitions[base + i * cols + j];
            }
        }
    }
    let labels: Vec<String> = input.stages.iter().map(|s| s.id.clone()).collect();
    let mut from = vec!["(new)".to_owned()];
    from.extend(labels.iter().cloned());
    from.push("won".into());
    from.push("lost".into());
    let mut to = labels;
    to.push("won".into());
    to.push("lost".into());
    Ok(GroupReport {
        key: None,
        opportunities: sum_g(&sc.opps),
        stages,
        pipeline,
        transitions: Transitions { from, to, counts },
    })
}

impl FunnelReport {
    /// The report of the group named `key`.
    pub fn group(&self, key: &str) -> Option<&GroupReport> {
        self.groups.iter().find(|g| g.key.as_deref() == Some(key))
    }
}

impl GroupReport {
    /// The KPIs of the stage with this id.
    pub fn stage(&self, id: &str) -> Option<&StageKpis> {
        self.stages.iter().find(|s| s.id == id)
    }
}
