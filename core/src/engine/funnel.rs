//! The funnel's columns from the engine's own events: the adapter from the event log to
//! [`FunnelTable`], beside the engine so that the analytics never read events.

use std::collections::{BTreeMap, HashMap};

use crate::analytics::{FunnelTable, GroupBy, StageInfo, LOST_CODE, NO_DATE, WON_CODE};
use crate::clock::Timestamp;
use crate::error::{Error, Result};
use crate::event::{Event, RecordedEvent};
use crate::id::{OpportunityId, StageId};
use crate::money::{Currency, Money};
use crate::pipeline::{Pipeline, LOST, WON};

impl FunnelTable {
    /// Builds the columns from the engine's events for one pipeline.
    ///
    /// - Opportunities of other pipelines are skipped; opportunity codes are dense, in order of
    ///   creation, and [`FunnelTable::opp_ids`] holds their ids.
    /// - `OpportunityCreated` is the first stage event (into its resolved stage) and sets
    ///   `created_ms`; every `Moved` is a stage event (reopens included).
    /// - Amount, owner, source and expected close are the *last* values in `events` (pass the
    ///   events up to an instant to see the table as of that instant).
    /// - A stage removed by a `PipelineEdited` is resolved through the edit's mapping (also
    ///   for entries recorded before the edit), so its history counts in the stage it maps to;
    ///   a move that becomes a move into the same stage after resolution is dropped.
    /// - A move stamped before its opportunity's previous stage event (a log written by an
    ///   engine before it kept time in order) counts at that event's instant.
    /// - Amounts in more than one currency are an error: see
    ///   [`FunnelTable::from_events_by_currency`] for one table per currency.
    pub fn from_events(
        pipeline: &Pipeline,
        events: &[RecordedEvent],
        group_by: GroupBy,
    ) -> Result<FunnelTable> {
        build(pipeline, events, group_by, None)
    }

    /// Like [`FunnelTable::from_events`], one table per currency, sorted by currency code:
    /// each opportunity counts in the table of the currency of its last amount in `events`.
    /// A pipeline without opportunities gives one empty table (currency unknown).
    ///
    /// ```
    /// use salespipe::*;
    /// use salespipe::analytics::{FunnelTable, GroupBy};
    /// let mut e = Engine::new();
    /// e.register_user("root", User::new("root", "Admin", Role::Admin))?;
    /// e.define_pipeline("root", Pipeline::builder("sales", "Sales")
    ///     .stage(Stage::new("qualify", "Qualify", 0.2)).build()?)?;
    /// e.register_user("root", User::new("wang", "王芳", Role::Rep))?;
    /// e.create_customer("wang", Customer::new("acme", "Acme"))?;
    /// e.create_opportunity("wang", NewOpportunity::new("o1", "sales", "acme", "wang", "ERP", Money::parse("100", "CNY")?))?;
    /// e.create_opportunity("wang", NewOpportunity::new("o2", "sales", "acme", "wang", "CRM", Money::parse("100", "USD")?))?;
    /// let events = e.store().read_all(0, 100)?;
    /// let p = e.view().pipeline(&"sales".into())?.clone();
    /// let tables = FunnelTable::from_events_by_currency(&p, &events, GroupBy::Owner)?;
    /// assert_eq!(tables.len(), 2);
    /// assert_eq!(tables[0].currency.map(|c| c.code()), Some("CNY"));
    /// # Ok::<(), salespipe::Error>(())
    /// ```
    pub fn from_events_by_currency(
        pipeline: &Pipeline,
        events: &[RecordedEvent],
        group_by: GroupBy,
    ) -> Result<Vec<FunnelTable>> {
        Ok(by_currency(pipeline, events, group_by, false)?
            .into_iter()
            .map(|(t, _)| t)
            .collect())
    }
}

/// The tables of [`FunnelTable::from_events_by_currency`]; with `within_limit`, a deal whose
/// last amount is beyond [`Money::MAX_MINOR`] (stored before the engine checked that limit)
/// is left out of its currency's table and counted beside it, so that the sums of the others
/// still fit.
pub(crate) fn by_currency(
    pipeline: &Pipeline,
    events: &[RecordedEvent],
    group_by: GroupBy,
    within_limit: bool,
) -> Result<Vec<(FunnelTable, u64)>> {
    let mut last: HashMap<&OpportunityId, Money> = HashMap::new();
    for rec in events {
        match &rec.event {
            Event::OpportunityCreated { opportunity: o } if o.pipeline == pipeline.id => {
                last.insert(&o.id, o.amount);
            }
            Event::OpportunityUpdated {
                opportunity,
                amount,
                ..
            } => {
                if let Some(m) = last.get_mut(opportunity) {
                    *m = *amount;
                }
            }
            _ => {}
        }
    }
    let over = |m: &Money| within_limit && m.check("amount").is_err();
    let currencies: BTreeMap<&str, Currency> = last
        .values()
        .map(|m| (m.currency().code(), m.currency()))
        .collect();
    if currencies.is_empty() {
        return Ok(vec![(build(pipeline, events, group_by, None)?, 0)]);
    }
    currencies
        .into_values()
        .map(|c| {
            let only =
                |id: &OpportunityId| last.get(id).is_some_and(|m| m.currency() == c && !over(m));
            let left_out = last
                .values()
                .filter(|m| m.currency() == c && over(m))
                .count() as u64;
            Ok((
                build(pipeline, events, group_by, Some((c, &only)))?,
                left_out,
            ))
        })
        .collect()
}

/// Which opportunities a table of one currency holds.
type Accept<'a> = dyn Fn(&OpportunityId) -> bool + 'a;

/// The table of `pipeline` from `events`; with `only`, the table of one currency holding
/// the opportunities `only` accepts (their amounts checked against nothing else).
fn build(
    pipeline: &Pipeline,
    events: &[RecordedEvent],
    group_by: GroupBy,
    only: Option<(Currency, &Accept<'_>)>,
) -> Result<FunnelTable> {
    {
        // every mapping of every edit of this pipeline, applied transitively
        let mut alias: BTreeMap<StageId, StageId> = BTreeMap::new();
        for rec in events {
            if let Event::PipelineEdited {
                pipeline: p,
                mapping,
            } = &rec.event
            {
                if p.id == pipeline.id {
                    for (from, to) in mapping {
                        alias.insert(from.clone(), to.clone());
                    }
                }
            }
        }
        let resolve = |id: &StageId, field: &str| -> Result<u16> {
            let mut cur = id;
            for _ in 0..=alias.len() {
                match cur.as_str() {
                    WON => return Ok(WON_CODE),
                    LOST => return Ok(LOST_CODE),
                    _ => {}
                }
                if let Some(i) = pipeline.stage_index(cur) {
                    return u16::try_from(i)
                        .map_err(|_| Error::validation(field, "too many stages"));
                }
                match alias.get(cur) {
                    Some(next) => cur = next,
                    None => break,
                }
            }
            Err(Error::validation(
                field,
                format!("stage {id:?} is not in pipeline {}", pipeline.id),
            ))
        };

        let mut t = FunnelTable::new(StageInfo::from_pipeline(pipeline));
        t.currency = only.map(|(c, _)| c);
        let skip = |id: &OpportunityId| only.is_some_and(|(_, accept)| !accept(id));
        let mut codes: HashMap<OpportunityId, u64> = HashMap::new();
        let mut last_stage: Vec<u16> = Vec::new();
        // the latest stamp of each opportunity's stage events so far
        let mut last_at: Vec<i64> = Vec::new();
        let mut group_names: Vec<String> = Vec::new();
        let mut group_codes: HashMap<String, u32> = HashMap::new();
        let mut owners: Vec<String> = Vec::new();
        let mut sources: Vec<Option<String>> = Vec::new();
        for (i, rec) in events.iter().enumerate() {
            let field = |what: &str| format!("events[{i}].{what}");
            match &rec.event {
                Event::OpportunityCreated { opportunity: o }
                    if o.pipeline == pipeline.id && !skip(&o.id) =>
                {
                    if codes.contains_key(&o.id) {
                        return Err(Error::already_exists("opportunity", &o.id));
                    }
                    let code = t.opp.len() as u64;
                    codes.insert(o.id.clone(), code);
                    let stage = match &o.stage {
                        Some(s) => resolve(s, &field("stage"))?,
                        None => 0,
                    };
                    match t.currency {
                        None => t.currency = Some(o.amount.currency()),
                        Some(c) if c != o.amount.currency() && only.is_none() => {
                            return Err(Error::validation(
                                field("amount"),
                                format!("currency {} differs from {c}", o.amount.currency()),
                            ))
                        }
                        Some(_) => {}
                    }
                    t.opp_ids.push(o.id.as_str().to_owned());
                    t.push_opportunity(
                        code,
                        o.amount.minor(),
                        0,
                        rec.at.as_millis(),
                        o.expected_close
                            .map_or(NO_DATE, |d| Timestamp::from_date(d).as_millis()),
                    );
                    owners.push(o.owner.as_str().to_owned());
                    sources.push(o.source.clone());
                    last_stage.push(stage);
                    last_at.push(rec.at.as_millis());
                    t.push_event(code, rec.at.as_millis(), stage);
                }
                Event::Moved {
                    opportunity, to, ..
                } => {
                    let Some(&code) = codes.get(opportunity) else {
                        continue;
                    };
                    let stage = resolve(to, &field("to"))?;
                    let idx = code as usize;
                    if last_stage.get(idx) == Some(&stage) {
                        continue;
                    }
                    if let Some(s) = last_stage.get_mut(idx) {
                        *s = stage;
                    }
                    // A log written before the engine kept time in order may hold a move
                    // stamped before the opportunity's previous event: it counts at that
                    // event's instant, as the engine stamps it today, instead of making the
                    // whole funnel fail.
                    let mut at = rec.at.as_millis();
                    if let Some(prev) = last_at.get_mut(idx) {
                        at = at.max(*prev);
                        *prev = at;
                    }
                    t.push_event(code, at, stage);
                }
                Event::OpportunityUpdated {
                    opportunity,
                    patch,
                    amount,
                } => {
                    let Some(&code) = codes.get(opportunity) else {
                        continue;
                    };
                    let idx = code as usize;
                    if only.is_none() && Some(amount.currency()) != t.currency {
                        return Err(Error::validation(
                            field("amount"),
                            format!("currency {} differs from the table's", amount.currency()),
                        ));
                    }
                    if let Some(a) = t.amount_minor.get_mut(idx) {
                        *a = amount.minor();
                    }
                    if let (Some(owner), Some(slot)) = (&patch.owner, owners.get_mut(idx)) {
                        *slot = owner.as_str().to_owned();
                    }
                    if let (Some(source), Some(slot)) = (&patch.source, sources.get_mut(idx)) {
                        slot.clone_from(source);
                    }
                    if let (Some(close), Some(slot)) =
                        (&patch.expected_close, t.expected_close_ms.get_mut(idx))
                    {
                        *slot = close.map_or(NO_DATE, |d| Timestamp::from_date(d).as_millis());
                    }
                }
                _ => {}
            }
        }
        // Groups as `groupby` makes them: sorted by key, the deals without a source last,
        // in the group the source report names "(none)".
        let keys: Vec<Option<&String>> = (0..t.opp.len())
            .map(|idx| match group_by {
                GroupBy::Owner => owners.get(idx),
                GroupBy::Source => sources.get(idx).and_then(Option::as_ref),
            })
            .collect();
        let mut distinct: Vec<Option<&String>> = keys.clone();
        distinct.sort_unstable_by(|a, b| match (a, b) {
            (Some(a), Some(b)) => a.cmp(b),
            (a, b) => b.is_some().cmp(&a.is_some()),
        });
        distinct.dedup();
        let mut none = u32::MAX;
        for (code, key) in distinct.iter().enumerate() {
            let code = u32::try_from(code).unwrap_or(u32::MAX);
            match key {
                Some(k) => {
                    group_codes.insert((*k).clone(), code);
                    group_names.push((*k).clone());
                }
                None => {
                    none = code;
                    group_names.push("(none)".to_owned());
                }
            }
        }
        for (g, key) in t.group.iter_mut().zip(&keys) {
            *g = match key {
                Some(k) => group_codes.get(*k).copied().unwrap_or(u32::MAX),
                None => none,
            };
        }
        t.group_names = group_names;
        Ok(t)
    }
}
