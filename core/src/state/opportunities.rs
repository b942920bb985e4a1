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
    /// Its stage changes, oldest first, compact: [`OpportunityRecord::timeline`] gives them
    /// as [`TimelineEntry`]s.
    pub steps: Vec<Step>,
    /// The current version of its pipeline (0 while the pipeline is unknown), kept in step
    /// by the pipeline events: what a timeline entry records.
    pub pipeline_version: u32,
    /// The name of its stream, shared with the event that created it.
    pub stream: std::sync::Arc<str>,
}

/// One stage change as the state keeps it: a [`TimelineEntry`] without the stage it came
/// from (the previous step's `to`, kept in `more` only where it differs) and with the rarely
/// set reason and competitor out of line. Half the size of an entry, two shared ids instead
/// of three to count on the fold of every move and on the drop of every record.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Step {
    at: Timestamp,
    actor: ActorId,
    to: StageId,
    pipeline_version: u32,
    how: TimelineKind,
    more: Option<Box<StepMore>>,
}

/// What a [`Step`] seldom has.
#[derive(Debug, Clone, PartialEq)]
struct StepMore {
    /// The stage it came from, when it is not the previous step's `to` (a hand-edited store).
    from: Option<StageId>,
    reason: Option<String>,
    competitor: Option<String>,
}

impl OpportunityRecord {
    /// A new record, its timeline starting with the creation into the opportunity's stage.
    pub(super) fn created(
        opportunity: Opportunity,
        actor: ActorId,
        pipeline_version: u32,
        stream: std::sync::Arc<str>,
    ) -> Self {
        // Room for the creation and three moves: most deals close within that, and a
        // larger reserve would cost every deal its size in memory.
        let mut steps = Vec::with_capacity(4);
        steps.push(Step {
            at: opportunity.created_at,
            actor,
            to: opportunity.stage.clone(),
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
        at: Timestamp,
        actor: ActorId,
        from: &StageId,
        to: StageId,
        how: TimelineKind,
        reason: Option<String>,
        competitor: Option<String>,
    ) {
        // Only a hand-edited store moves an opportunity from somewhere else than where its
        // previous step left it.
        let from = match self.steps.last() {
            Some(previous) if previous.to == *from => None,
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
            actor,
            to,
            pipeline_version: self.pipeline_version,
            how,
            more,
        });
    }

    /// Where step `i` came from: its own `from` where it keeps one, else the previous
    /// step's `to` (none for the creation).
    fn came_from(&self, i: usize) -> Option<&StageId> {
        match self.steps.get(i)?.more.as_deref() {
            Some(StepMore { from: Some(f), .. }) => Some(f),
            _ => i.checked_sub(1).map(|p| &self.steps[p].to),
        }
    }

    /// Where the last step to `to` came from.
    pub(crate) fn last_from(&self, to: &str) -> Option<StageId> {
        let i = self.steps.iter().rposition(|s| s.to.as_str() == to)?;
        self.came_from(i).cloned()
    }

    /// The stage changes, oldest first, as [`TimelineEntry`]s.
    pub(crate) fn timeline(&self) -> Vec<TimelineEntry> {
        self.steps
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let more = s.more.as_deref();
                TimelineEntry {
                    at: s.at,
                    actor: s.actor.clone(),
                    from: self.came_from(i).cloned(),
                    to: s.to.clone(),
                    how: s.how,
                    reason: more.and_then(|m| m.reason.clone()),
                    competitor: more.and_then(|m| m.competitor.clone()),
                    pipeline_version: s.pipeline_version,
                }
            })
            .collect()
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
}

/// Records per segment of [`Opportunities`].
const SEGMENT: usize = 512;

impl PartialEq for Opportunities {
    /// The same opportunities with the same records, whatever order they came in.
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len()
            && self
                .records()
                .all(|r| other.record(&r.opportunity.id) == Some(r))
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

    pub(super) fn record_mut<Q: std::borrow::Borrow<str> + ?Sized>(
        &mut self,
        id: &Q,
    ) -> Option<&mut OpportunityRecord> {
        let i = *self.index.get(id.borrow())?;
        Some(self.at_mut(i))
    }

    fn records(&self) -> impl Iterator<Item = &OpportunityRecord> {
        self.segments.iter().flatten()
    }

    pub(super) fn records_mut(&mut self) -> impl Iterator<Item = &mut OpportunityRecord> {
        self.segments.iter_mut().flatten()
    }

    /// Adds a record, or replaces the one of the same id (only a hand-edited store creates an
    /// opportunity twice).
    pub(super) fn insert(&mut self, record: OpportunityRecord) {
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
        let timeline = st.opportunities.record("o").unwrap().timeline();
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
        let r = st.opportunities.record("o").unwrap();
        assert_eq!(
            r.last_from("contract").map(|s| s.to_string()),
            Some("quote".into())
        );
        assert_eq!(
            r.last_from("demo").map(|s| s.to_string()),
            Some("qualify".into())
        );
        assert_eq!(r.last_from("qualify"), None);
        assert_eq!(r.last_from(LOST), None);
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
