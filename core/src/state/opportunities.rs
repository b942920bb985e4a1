//! How the state keeps opportunities: records in segments that never move, each with its
//! compact timeline.

use crate::clock::Timestamp;
use crate::id::{ActorId, StageId};
use crate::opportunity::Opportunity;
use crate::state::{Map, TimelineEntry, TimelineKind};

/// An opportunity and what the state keeps beside it, under one key: the fold of a move
/// finds all of it with one lookup.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct OpportunityRecord {
    pub opportunity: Opportunity,
    /// Its stage changes, oldest first, compact: [`Opportunities::timeline`] gives them as
    /// [`TimelineEntry`]s.
    steps: Vec<Step>,
    /// The current version of its pipeline (0 while the pipeline is unknown), kept in step
    /// by the pipeline events: what a timeline entry records.
    pub pipeline_version: u32,
    /// The name of its stream, shared with the event that created it.
    pub stream: std::sync::Arc<str>,
}

/// One stage change as the state keeps it, in 32 bytes: a [`TimelineEntry`] whose actor and
/// stage are numbers in the [`Opportunities`]' name tables, without the stage it came from
/// (the previous step's `to`, kept in `more` only where it differs) and with the rarely set
/// reason and competitor out of line. Most deals close within [`STEPS`] steps, so their
/// timeline is one allocation that never grows.
#[derive(Debug, Clone, PartialEq)]
struct Step {
    at: Timestamp,
    actor: u32,
    to: u32,
    pipeline_version: u32,
    how: TimelineKind,
    more: Option<Box<StepMore>>,
}

/// The room a new record's timeline gets: the creation and five moves (a five-stage
/// pipeline walked to `won`) in 192 bytes.
const STEPS: usize = 6;

/// What a [`Step`] seldom has.
#[derive(Debug, Clone, PartialEq)]
struct StepMore {
    /// The stage it came from, when it is not the previous step's `to` (a hand-edited store).
    from: Option<StageId>,
    reason: Option<String>,
    competitor: Option<String>,
}

/// Names numbered in the order they are first seen: the actors and stages of the steps.
/// The state folds the same log in the same order, so the same names get the same numbers.
#[derive(Debug, Clone)]
struct Names<T> {
    names: Vec<T>,
    numbers: Map<T, u32>,
    /// The last number given or found: consecutive events often name the same actor (and,
    /// in a bulk import, the same stage), and comparing one name costs less than hashing it.
    last: Option<(T, u32)>,
}

impl<T> Default for Names<T> {
    fn default() -> Self {
        Names {
            names: Vec::new(),
            numbers: Map::default(),
            last: None,
        }
    }
}

impl<T: Clone + Eq + std::hash::Hash> Names<T> {
    /// The number of `name`, numbering it when new.
    fn number(&mut self, name: &T) -> u32 {
        if let Some((last, n)) = &self.last {
            if last == name {
                return *n;
            }
        }
        let n = match self.numbers.get(name) {
            Some(&n) => n,
            None => {
                // More than 4 billion distinct actors or stages cannot be folded from any
                // store; the saturated number would name the last one, never panic.
                let n = u32::try_from(self.names.len()).unwrap_or(u32::MAX);
                self.names.push(name.clone());
                self.numbers.insert(name.clone(), n);
                n
            }
        };
        self.last = Some((name.clone(), n));
        n
    }

    fn name(&self, n: u32) -> &T {
        // Numbers come only from `number`, so they are in range.
        &self.names[n as usize]
    }
}

/// The actors and stages the steps of every record name, by number.
#[derive(Debug, Clone, Default)]
pub(crate) struct StepNames {
    actors: Names<ActorId>,
    stages: Names<StageId>,
}

impl OpportunityRecord {
    /// A new record, its timeline starting with the creation into the opportunity's stage.
    fn created(
        actor: u32,
        stage: u32,
        opportunity: Opportunity,
        pipeline_version: u32,
        stream: std::sync::Arc<str>,
    ) -> Self {
        let mut steps = Vec::with_capacity(STEPS);
        steps.push(Step {
            at: opportunity.created_at,
            actor,
            to: stage,
            pipeline_version,
            how: TimelineKind::Created,
            more: None,
        });
        OpportunityRecord {
            opportunity,
            steps,
            pipeline_version,
            stream,
        }
    }

    /// Appends a stage change from `from` to `to`.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn push_step(
        &mut self,
        names: &mut StepNames,
        at: Timestamp,
        actor: &ActorId,
        from: &StageId,
        to: &StageId,
        how: TimelineKind,
        reason: Option<String>,
        competitor: Option<String>,
    ) {
        // Only a hand-edited store moves an opportunity from somewhere else than where its
        // previous step left it.
        let from = match self.steps.last() {
            Some(previous) if names.stages.name(previous.to) == from => None,
            _ => Some(from.clone()),
        };
        let more = (from.is_some() || reason.is_some() || competitor.is_some()).then(|| {
            Box::new(StepMore {
                from,
                reason,
                competitor,
            })
        });
        self.steps.push(Step {
            at,
            actor: names.actors.number(actor),
            to: names.stages.number(to),
            pipeline_version: self.pipeline_version,
            how,
            more,
        });
    }

    /// Where step `i` came from: its own `from` where it keeps one, else the previous
    /// step's `to` (none for the creation).
    fn came_from<'a>(&'a self, stages: &'a Names<StageId>, i: usize) -> Option<&'a StageId> {
        match self.steps.get(i)?.more.as_deref() {
            Some(StepMore { from: Some(f), .. }) => Some(f),
            _ => i
                .checked_sub(1)
                .and_then(|p| self.steps.get(p))
                .map(|s| stages.name(s.to)),
        }
    }
}

/// The opportunities of a [`State`] with their records. Reads go through the same methods
/// as a map of opportunities (`get`, `values`, `keys` ...); the fold reaches the records.
///
/// Records live in segments of [`SEGMENT`] that never move (a record is written once where
/// it stays, however many opportunities follow), found by an index from the id, kept inline
/// up to 24 bytes, to the record's number. Growing the index moves 32-byte entries, not
/// records; a probe compares the id without reading another allocation.
#[derive(Debug, Clone, Default)]
pub(crate) struct Opportunities {
    index: Map<compact_str::CompactString, usize>,
    segments: Vec<Vec<OpportunityRecord>>,
    names: StepNames,
}

/// Records per segment of [`Opportunities`].
const SEGMENT: usize = 512;

impl PartialEq for Opportunities {
    /// The same opportunities with the same records and timelines, whatever order they came
    /// in (and so whatever numbers their steps' names got).
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len()
            && self.records().all(|r| {
                other.record(&r.opportunity.id).is_some_and(|o| {
                    r.opportunity == o.opportunity
                        && r.pipeline_version == o.pipeline_version
                        && r.stream == o.stream
                        && self.entries(r) == other.entries(o)
                })
            })
    }
}

impl Opportunities {
    fn at(&self, i: usize) -> &OpportunityRecord {
        &self.segments[i / SEGMENT][i % SEGMENT]
    }

    fn at_mut(&mut self, i: usize) -> &mut OpportunityRecord {
        &mut self.segments[i / SEGMENT][i % SEGMENT]
    }

    /// An opportunity.
    pub fn get<Q: std::borrow::Borrow<str> + ?Sized>(&self, id: &Q) -> Option<&Opportunity> {
        self.record(id).map(|r| &r.opportunity)
    }

    /// An opportunity, to change.
    pub fn get_mut<Q: std::borrow::Borrow<str> + ?Sized>(
        &mut self,
        id: &Q,
    ) -> Option<&mut Opportunity> {
        self.record_mut(id).map(|r| &mut r.opportunity)
    }

    /// Every opportunity, in the order they were created.
    /// The number of an opportunity: its place in the order of creation.
    pub fn number(&self, id: &str) -> Option<u32> {
        self.index.get(id).and_then(|&i| u32::try_from(i).ok())
    }

    /// The record numbered `n`.
    pub fn numbered(&self, n: u32) -> Option<&OpportunityRecord> {
        let i = n as usize;
        self.segments.get(i / SEGMENT)?.get(i % SEGMENT)
    }

    pub fn values(&self) -> impl Iterator<Item = &Opportunity> {
        self.records().map(|r| &r.opportunity)
    }

    /// How many.
    pub fn len(&self) -> usize {
        self.index.len()
    }

    /// An opportunity's record.
    pub fn record<Q: std::borrow::Borrow<str> + ?Sized>(
        &self,
        id: &Q,
    ) -> Option<&OpportunityRecord> {
        let i = *self.index.get(id.borrow())?;
        Some(self.at(i))
    }

    fn record_mut<Q: std::borrow::Borrow<str> + ?Sized>(
        &mut self,
        id: &Q,
    ) -> Option<&mut OpportunityRecord> {
        let i = *self.index.get(id.borrow())?;
        Some(self.at_mut(i))
    }

    fn records(&self) -> impl Iterator<Item = &OpportunityRecord> {
        self.segments.iter().flatten()
    }

    /// Adds the record of a new opportunity, its timeline starting with the creation into
    /// its stage by `actor`, or replaces the one of the same id (only a hand-edited store
    /// creates an opportunity twice).
    pub(super) fn create(
        &mut self,
        opportunity: Opportunity,
        actor: &ActorId,
        pipeline_version: u32,
        stream: std::sync::Arc<str>,
    ) {
        let record = OpportunityRecord::created(
            self.names.actors.number(actor),
            self.names.stages.number(&opportunity.stage),
            opportunity,
            pipeline_version,
            stream,
        );
        if let Some(r) = self.record_mut(&record.opportunity.id) {
            *r = record;
            return;
        }
        let number = self.index.len();
        if self.segments.last().is_none_or(|s| s.len() == SEGMENT) {
            self.segments.push(Vec::with_capacity(SEGMENT));
        }
        self.index.insert(
            compact_str::CompactString::from(record.opportunity.id.as_str()),
            number,
        );
        if let Some(segment) = self.segments.last_mut() {
            segment.push(record);
        }
    }

    /// An opportunity's record to change, with the names its steps are numbered in.
    pub(super) fn record_mut_with_names(
        &mut self,
        id: &str,
    ) -> Option<(&mut OpportunityRecord, &mut StepNames)> {
        let i = *self.index.get(id)?;
        let record = self.segments.get_mut(i / SEGMENT)?.get_mut(i % SEGMENT)?;
        Some((record, &mut self.names))
    }

    /// Every record to change, with the names their steps are numbered in.
    pub(super) fn records_mut_with_names(
        &mut self,
    ) -> (impl Iterator<Item = &mut OpportunityRecord>, &mut StepNames) {
        (self.segments.iter_mut().flatten(), &mut self.names)
    }

    /// The stage changes of `r`, oldest first, as [`TimelineEntry`]s.
    pub(crate) fn entries(&self, r: &OpportunityRecord) -> Vec<TimelineEntry> {
        let names = &self.names;
        r.steps
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let more = s.more.as_deref();
                TimelineEntry {
                    at: s.at,
                    actor: names.actors.name(s.actor).clone(),
                    from: r.came_from(&names.stages, i).cloned(),
                    to: names.stages.name(s.to).clone(),
                    how: s.how,
                    reason: more.and_then(|m| m.reason.clone()),
                    competitor: more.and_then(|m| m.competitor.clone()),
                    pipeline_version: s.pipeline_version,
                }
            })
            .collect()
    }

    /// Where the last step of `r` to `to` came from.
    pub(crate) fn last_from(&self, r: &OpportunityRecord, to: &str) -> Option<StageId> {
        let stages = &self.names.stages;
        let i = r
            .steps
            .iter()
            .rposition(|s| stages.name(s.to).as_str() == to)?;
        r.came_from(stages, i).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Event, MoveKind, RecordedEvent, SCHEMA_VERSION};
    use crate::id::OpportunityId;
    use crate::money::{Currency, Money};
    use crate::opportunity::NewOpportunity;
    use crate::pipeline::LOST;
    use crate::state::State;

    fn rec(position: u64, stream: &str, event: Event) -> RecordedEvent {
        RecordedEvent {
            position,
            stream: stream.into(),
            version: position,
            at: Timestamp::from_millis(position as i64 * 1000),
            actor: ActorId::new("rep"),
            schema: SCHEMA_VERSION,
            event,
        }
    }

    fn created(id: &str, stage: &str) -> Event {
        let mut n = NewOpportunity::new(
            id,
            "sales",
            "c",
            "rep",
            "deal",
            Money::from_minor(100, Currency::new("CNY").unwrap()),
        );
        n.stage = Some(StageId::new(stage));
        Event::OpportunityCreated {
            opportunity: Box::new(n),
        }
    }

    fn moved(id: &str, from: &str, to: &str, reason: Option<&str>) -> Event {
        Event::Moved {
            opportunity: OpportunityId::new(id),
            from: StageId::new(from),
            to: StageId::new(to),
            how: MoveKind::Forced,
            reason: reason.map(str::to_owned),
            competitor: None,
        }
    }

    /// The compact steps give back every field of every entry, a hand-edited store's move
    /// from somewhere else than the previous stage included.
    #[test]
    fn timeline_entries_come_back_exactly_from_the_steps() {
        let mut st = State::default();
        let s = "opportunity/o";
        st.apply(&rec(1, s, created("o", "qualify")));
        st.apply(&rec(2, s, moved("o", "qualify", "demo", None)));
        st.apply(&rec(
            3,
            s,
            moved("o", "quote", "contract", Some("ok'd by li")),
        ));
        let timeline = st.timeline(&OpportunityId::new("o")).unwrap();
        let from: Vec<Option<&str>> = timeline
            .iter()
            .map(|e| e.from.as_ref().map(StageId::as_str))
            .collect();
        assert_eq!(from, [None, Some("qualify"), Some("quote")]);
        let to: Vec<&str> = timeline.iter().map(|e| e.to.as_str()).collect();
        assert_eq!(to, ["qualify", "demo", "contract"]);
        assert_eq!(timeline[0].how, TimelineKind::Created);
        assert_eq!(timeline[2].how, TimelineKind::Forced);
        assert_eq!(timeline[2].reason.as_deref(), Some("ok'd by li"));
        assert_eq!(timeline[1].reason, None);
        assert_eq!(timeline[2].at, Timestamp::from_millis(3000));
        assert_eq!(timeline[2].actor.as_str(), "rep");
        let o = OpportunityId::new("o");
        assert_eq!(
            st.last_from(&o, "contract").map(|s| s.to_string()),
            Some("quote".into())
        );
        assert_eq!(
            st.last_from(&o, "demo").map(|s| s.to_string()),
            Some("qualify".into())
        );
        assert_eq!(st.last_from(&o, "qualify"), None);
        assert_eq!(st.last_from(&o, LOST), None);
    }

    /// A step is 32 bytes, so a new record's timeline room is 192.
    #[test]
    fn a_step_is_32_bytes() {
        assert_eq!(size_of::<Step>(), 32);
        assert_eq!(size_of::<Step>() * STEPS, 192);
    }

    /// Records stay where they were written across segments; lookups, order and equality
    /// hold past one segment, and a second creation of an id replaces its record.
    #[test]
    fn opportunities_span_segments_and_compare_as_a_map() {
        let n = SEGMENT * 2 + 7;
        let mut a = State::default();
        for i in 0..n {
            let id = format!("o-{i}-{}", "x".repeat(i % 40)); // inline and heap ids
            a.apply(&rec(
                i as u64 + 1,
                &format!("opportunity/{id}"),
                created(&id, "s"),
            ));
        }
        assert_eq!(a.opportunities.len(), n);
        let ids: Vec<String> = a.opportunities().map(|o| o.id.to_string()).collect();
        assert_eq!(ids.len(), n);
        assert!(ids[n - 1].starts_with(&format!("o-{}-", n - 1))); // creation order
        for id in &ids {
            assert_eq!(
                a.opportunities.get(id.as_str()).map(|o| o.id.as_str()),
                Some(id.as_str())
            );
        }
        assert!(a.opportunities.get("o-unknown").is_none());
        // The same opportunities created in the other order: an equal state.
        let mut b = State::default();
        for (k, id) in ids.iter().enumerate().rev() {
            b.apply(&rec(
                k as u64 + 1,
                &format!("opportunity/{id}"),
                created(id, "s"),
            ));
        }
        b.position = a.position;
        assert_eq!(a.opportunities, b.opportunities);
        // A second creation (a hand-edited store) replaces the record, in place.
        let first = ids[0].clone();
        a.apply(&rec(
            n as u64 + 1,
            &format!("opportunity/{first}"),
            created(&first, "t"),
        ));
        assert_eq!(a.opportunities.len(), n);
        assert_eq!(
            a.opportunities.get(first.as_str()).unwrap().stage.as_str(),
            "t"
        );
        assert_ne!(a.opportunities, b.opportunities);
    }
}
