//! The funnel's input: the stage-event table and the opportunity table, as columns.
//!
//! Borrowed views ([`StageEvents`], [`Opportunities`], [`FunnelInput`]) let a host pass its
//! own arrays (Rust slices, Arrow buffers, NumPy arrays) without copying; [`FunnelTable`] owns
//! the same columns and is what [`FunnelTable::from_events`] builds from the engine's events.

use serde::{Deserialize, Serialize};

use crate::money::Currency;
use crate::pipeline::Pipeline;

/// The stage code of the `won` outcome in [`StageEvents::stage`].
pub const WON_CODE: u16 = u16::MAX - 1;
/// The stage code of the `lost` outcome in [`StageEvents::stage`].
pub const LOST_CODE: u16 = u16::MAX;
/// The value of [`Opportunities::expected_close_ms`] for "no expected close date".
pub const NO_DATE: i64 = i64::MIN;
/// The most open stages a funnel handles (stage sets are kept in 64-bit masks); a pipeline
/// may not have more ([`crate::pipeline::MAX_STAGES`]).
pub const MAX_STAGES: usize = crate::pipeline::MAX_STAGES;

/// The stage-event table: one row per stage change, as three columns of equal length.
///
/// `stage` holds the index of an open stage in pipeline order, or [`WON_CODE`] / [`LOST_CODE`].
///
/// ```
/// use salespipe::analytics::{StageEvents, WON_CODE};
/// let opp = [1, 1, 2];
/// let at_ms = [0, 5_000, 1_000];
/// let stage = [0, WON_CODE, 0];
/// let ev = StageEvents { opp: &opp, at_ms: &at_ms, stage: &stage };
/// assert_eq!(ev.len(), 3);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct StageEvents<'a> {
    /// Opportunity id of each row.
    pub opp: &'a [u64],
    /// When the opportunity entered `stage`, UTC milliseconds.
    pub at_ms: &'a [i64],
    /// The stage entered: an open stage index, [`WON_CODE`] or [`LOST_CODE`].
    pub stage: &'a [u16],
}

impl StageEvents<'_> {
    /// Number of rows (of the `opp` column; [`funnel`](crate::analytics::funnel()) checks that
    /// all columns agree).
    pub fn len(&self) -> usize {
        self.opp.len()
    }

    /// True when there are no rows.
    pub fn is_empty(&self) -> bool {
        self.opp.is_empty()
    }
}

/// The opportunity table: one row per opportunity, as columns of equal length.
///
/// ```
/// use salespipe::analytics::{Opportunities, NO_DATE};
/// let opp = [1, 2];
/// let amount = [10_000, 25_000];
/// let group = [0, 1];
/// let created = [0, 1_000];
/// let close = [NO_DATE, 86_400_000];
/// let o = Opportunities {
///     opp: &opp, amount_minor: &amount, group: &group,
///     created_ms: &created, expected_close_ms: &close,
/// };
/// assert_eq!(o.len(), 2);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Opportunities<'a> {
    /// Opportunity id (unique).
    pub opp: &'a [u64],
    /// Amount in minor units of the table's currency (must not be negative).
    pub amount_minor: &'a [i64],
    /// Grouping key as a dense code `0..groups` (owner, source, region ...).
    pub group: &'a [u32],
    /// Creation time, UTC milliseconds.
    pub created_ms: &'a [i64],
    /// Expected close (UTC midnight of the date, in milliseconds), or [`NO_DATE`]; another
    /// time of day is refused by the validation (`opportunities[i].expected_close_ms`).
    pub expected_close_ms: &'a [i64],
}

impl Opportunities<'_> {
    /// Number of rows.
    pub fn len(&self) -> usize {
        self.opp.len()
    }

    /// True when there are no rows.
    pub fn is_empty(&self) -> bool {
        self.opp.is_empty()
    }
}

/// What the funnel needs to know about one open stage.
///
/// ```
/// use salespipe::analytics::StageInfo;
/// let s = StageInfo::new("demo", "产品演示", 0.3).rotting_after_ms(Some(86_400_000));
/// assert_eq!(s.rotting_after_ms, Some(86_400_000));
/// ```
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct StageInfo {
    /// Stage id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Configured win probability in [0, 1].
    pub probability: f64,
    /// How long a deal may sit here before it is stale, in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotting_after_ms: Option<i64>,
}

impl StageInfo {
    /// A stage without a rotting limit.
    pub fn new(id: impl Into<String>, name: impl Into<String>, probability: f64) -> Self {
        StageInfo {
            id: id.into(),
            name: name.into(),
            probability,
            rotting_after_ms: None,
        }
    }

    /// Sets the rotting limit.
    pub fn rotting_after_ms(mut self, ms: Option<i64>) -> Self {
        self.rotting_after_ms = ms;
        self
    }

    /// The open stages of a pipeline, in order.
    pub fn from_pipeline(pipeline: &Pipeline) -> Vec<StageInfo> {
        pipeline
            .stages
            .iter()
            .map(|s| StageInfo {
                id: s.id.as_str().to_owned(),
                name: s.name.clone(),
                probability: s.probability,
                rotting_after_ms: s
                    .rotting_after
                    .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX)),
            })
            .collect()
    }
}

/// Everything the funnel reads: the stages, both tables, and the names of the groups.
///
/// ```
/// use salespipe::analytics::*;
/// let stages = vec![StageInfo::new("qualify", "Qualify", 0.2), StageInfo::new("quote", "Quote", 0.6)];
/// let (opp, at, st) = ([7u64, 7], [0i64, 1_000], [0u16, WON_CODE]);
/// let (amount, group, created, close) = ([500i64], [0u32], [0i64], [NO_DATE]);
/// let input = FunnelInput {
///     stages: &stages,
///     events: StageEvents { opp: &opp, at_ms: &at, stage: &st },
///     opportunities: Opportunities {
///         opp: &opp[..1], amount_minor: &amount, group: &group,
///         created_ms: &created, expected_close_ms: &close,
///     },
///     group_names: &[],
///     null_group: None,
///     currency: None,
/// };
/// let report = funnel(&input, &FunnelParams::new(Timestamp::from_millis(2_000))).unwrap();
/// assert_eq!(report.total.pipeline.closed_won, 1);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct FunnelInput<'a> {
    /// The open stages, in pipeline order (at most [`MAX_STAGES`]).
    pub stages: &'a [StageInfo],
    /// The stage-event table.
    pub events: StageEvents<'a>,
    /// The opportunity table.
    pub opportunities: Opportunities<'a>,
    /// The name of each group code; empty means groups are named by their code and number
    /// `max(group) + 1`.
    pub group_names: &'a [String],
    /// The group code of the opportunities without a key (a missing `by` value): that
    /// group's report has no `key` (`None`), so it never merges with a real key.
    pub null_group: Option<u32>,
    /// The currency of the amounts, if known (reported, not used in arithmetic).
    pub currency: Option<Currency>,
}

/// An analytics validation error in the terms of a host's tables. The core names its input
/// columns (`events[3].at_ms`, `opportunities[2].amount_minor`, `opportunities[5].group`); the
/// tables the bindings read call them `at`, `amount`, `created`, `expected_close`, and the
/// group is the `by` column. Every binding reads those column names, so each maps its errors
/// here; other errors pass unchanged.
///
/// ```
/// use salespipe::analytics::in_table_terms;
/// use salespipe::Error;
/// let e = in_table_terms(Error::validation("events[3].at_ms", "before creation"), Some("owner"));
/// assert_eq!(e.to_string(), "events[3].at: before creation");
/// let e = in_table_terms(Error::validation("opportunities[1].group", "bad"), Some("owner"));
/// assert_eq!(e.to_string(), "opportunities[1].owner: bad");
/// ```
pub fn in_table_terms(e: crate::Error, by: Option<&str>) -> crate::Error {
    let crate::Error::Validation { field, message } = e else {
        return e;
    };
    let (head, col) = field.rsplit_once('.').unwrap_or(("", field.as_str()));
    let table_col = match col {
        "at_ms" => "at",
        "amount_minor" => "amount",
        "created_ms" => "created",
        "expected_close_ms" => "expected_close",
        "group" => by.unwrap_or("group"),
        other => other,
    };
    let field = if head.is_empty() {
        table_col.to_owned()
    } else {
        format!("{head}.{table_col}")
    };
    crate::Error::Validation { field, message }
}

/// Which opportunity field [`FunnelTable::from_events`] groups by.
///
/// ```
/// use salespipe::analytics::GroupBy;
/// assert_ne!(GroupBy::Owner, GroupBy::Source);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum GroupBy {
    /// The opportunity's owner (the default).
    #[default]
    Owner,
    /// The opportunity's source (`(none)` when unset).
    Source,
}

/// Owned stage-event and opportunity columns, with the names behind the codes.
///
/// ```
/// use salespipe::analytics::{FunnelTable, StageInfo, WON_CODE, NO_DATE};
/// let mut t = FunnelTable::new(vec![StageInfo::new("a", "A", 0.5)]);
/// t.push_opportunity(1, 100, 0, 0, NO_DATE);
/// t.push_event(1, 0, 0);
/// t.push_event(1, 10, WON_CODE);
/// assert_eq!(t.input().events.len(), 2);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FunnelTable {
    /// The open stages.
    pub stages: Vec<StageInfo>,
    /// Event column `opp`.
    pub event_opp: Vec<u64>,
    /// Event column `at_ms`.
    pub event_at_ms: Vec<i64>,
    /// Event column `stage`.
    pub event_stage: Vec<u16>,
    /// Opportunity column `opp`.
    pub opp: Vec<u64>,
    /// Opportunity column `amount_minor`.
    pub amount_minor: Vec<i64>,
    /// Opportunity column `group`.
    pub group: Vec<u32>,
    /// Opportunity column `created_ms`.
    pub created_ms: Vec<i64>,
    /// Opportunity column `expected_close_ms`.
    pub expected_close_ms: Vec<i64>,
    /// Names of the group codes.
    pub group_names: Vec<String>,
    /// The group code of the opportunities without a key (see [`FunnelInput::null_group`]).
    pub null_group: Option<u32>,
    /// The original id of each opportunity code (`opp` values index this when built from events).
    pub opp_ids: Vec<String>,
    /// The currency of the amounts.
    pub currency: Option<Currency>,
}

impl FunnelTable {
    /// An empty table over these stages.
    pub fn new(stages: Vec<StageInfo>) -> Self {
        FunnelTable {
            stages,
            ..FunnelTable::default()
        }
    }

    /// Appends a stage event.
    pub fn push_event(&mut self, opp: u64, at_ms: i64, stage: u16) {
        self.event_opp.push(opp);
        self.event_at_ms.push(at_ms);
        self.event_stage.push(stage);
    }

    /// Appends an opportunity.
    pub fn push_opportunity(
        &mut self,
        opp: u64,
        amount_minor: i64,
        group: u32,
        created_ms: i64,
        expected_close_ms: i64,
    ) {
        self.opp.push(opp);
        self.amount_minor.push(amount_minor);
        self.group.push(group);
        self.created_ms.push(created_ms);
        self.expected_close_ms.push(expected_close_ms);
    }

    /// A borrowed view for [`funnel`](crate::analytics::funnel()).
    pub fn input(&self) -> FunnelInput<'_> {
        FunnelInput {
            stages: &self.stages,
            events: StageEvents {
                opp: &self.event_opp,
                at_ms: &self.event_at_ms,
                stage: &self.event_stage,
            },
            opportunities: Opportunities {
                opp: &self.opp,
                amount_minor: &self.amount_minor,
                group: &self.group,
                created_ms: &self.created_ms,
                expected_close_ms: &self.expected_close_ms,
            },
            group_names: &self.group_names,
            null_group: self.null_group,
            currency: self.currency,
        }
    }
}
