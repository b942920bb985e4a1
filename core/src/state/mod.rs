//! The folded state: everything the engine knows, a pure fold over events, and how it is
//! stored (opportunity records in segments that never move, compact timelines).
//!
//! The state sits below the engine: the engine owns one and folds every event into it; the
//! read side (the engine's views, the reminder and daily indexes, the report adapters) reads
//! it through methods. It imports no engine, store or report code.

mod reminders;

pub use reminders::ReminderState;

use std::collections::{BTreeMap, HashMap};

/// The hash maps of the state: foldhash, seeded per process (fast, and not predictable from outside).
pub(crate) type Map<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

use serde::{Deserialize, Serialize};

use crate::activity::{Activity, Task};
use crate::approval::{ApprovalProcess, ApprovalRequest, ApprovalStatus};
use crate::clock::Timestamp;
use crate::customer::Customer;
use crate::event::{opportunity_stream, Event, MoveKind, RecordedEvent, OPPORTUNITY_STREAM_PREFIX};
use crate::id::{
    ActivityId, ActorId, CustomerId, ExpenseId, OpportunityId, PipelineId, ProcessId, SnapshotId,
    StageId, TargetId, TaskId,
};
use crate::management::expense::{ExpenseRecord, ExpenseSettings};
use crate::management::snapshot::ForecastSnapshot;
use crate::management::source::Source;
use crate::management::target::Target;
use crate::opportunity::{Competitor, CompetitorStatus, Opportunity, Status};
use crate::pipeline::{Pipeline, LOST, WON};
use crate::user::User;

/// One stage change on an opportunity's timeline (推进).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimelineEntry {
    /// When.
    pub at: Timestamp,
    /// Who.
    pub actor: ActorId,
    /// From (absent for the creation).
    pub from: Option<StageId>,
    /// To (an open stage, `won` or `lost`).
    pub to: StageId,
    /// How (`created` for the creation).
    pub how: TimelineKind,
    /// Why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The competitor who won, for a loss.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub competitor: Option<String>,
    /// The pipeline version in force at the time, to read stage names of removed stages.
    pub pipeline_version: u32,
}

/// The kind of a timeline entry: the creation, or a [`MoveKind`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum TimelineKind {
    /// Created into its first stage.
    Created,
    /// Forward, no requirements.
    Simple,
    /// Forward, sub-goals met.
    SubGoal,
    /// Forward, approval granted.
    Approved,
    /// Forced.
    Forced,
    /// Moved back.
    Back,
    /// Lost.
    Lost,
    /// Reopened.
    Reopened,
    /// Moved by a pipeline edit.
    Remapped,
}

impl std::fmt::Display for TimelineKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            TimelineKind::Created => "created",
            TimelineKind::Simple => "simple",
            TimelineKind::SubGoal => "sub_goal",
            TimelineKind::Approved => "approved",
            TimelineKind::Forced => "forced",
            TimelineKind::Back => "back",
            TimelineKind::Lost => "lost",
            TimelineKind::Reopened => "reopened",
            TimelineKind::Remapped => "remapped",
        })
    }
}

impl From<MoveKind> for TimelineKind {
    fn from(m: MoveKind) -> Self {
        match m {
            MoveKind::Simple => TimelineKind::Simple,
            MoveKind::SubGoal => TimelineKind::SubGoal,
            MoveKind::Approved => TimelineKind::Approved,
            MoveKind::Forced => TimelineKind::Forced,
            MoveKind::Back => TimelineKind::Back,
            MoveKind::Lost => TimelineKind::Lost,
            MoveKind::Reopened => TimelineKind::Reopened,
            MoveKind::Remapped => TimelineKind::Remapped,
        }
    }
}

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
    fn created(
        opportunity: Opportunity,
        actor: ActorId,
        pipeline_version: u32,
        stream: std::sync::Arc<str>,
    ) -> Self {
        let mut steps = Vec::with_capacity(8);
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
    fn push_step(
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

    fn records_mut(&mut self) -> impl Iterator<Item = &mut OpportunityRecord> {
        self.segments.iter_mut().flatten()
    }

    /// Adds a record, or replaces the one of the same id (only a hand-edited store creates an
    /// opportunity twice).
    fn insert(&mut self, record: OpportunityRecord) {
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

/// A stream's name: shared with the state's record, or built for one command.
#[derive(Debug)]
pub(crate) enum StreamName {
    Shared(std::sync::Arc<str>),
    Built(String),
}

impl std::ops::Deref for StreamName {
    type Target = str;

    fn deref(&self) -> &str {
        match self {
            StreamName::Shared(s) => s,
            StreamName::Built(s) => s,
        }
    }
}

/// Everything the engine knows, folded from events. Two states are equal exactly when they
/// hold the same data, which is how replay is tested.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct State {
    position: u64,
    versions: Map<std::sync::Arc<str>, u64>,
    pipelines: Map<PipelineId, Vec<Pipeline>>,
    processes: Map<ProcessId, ApprovalProcess>,
    users: Map<ActorId, User>,
    customers: Map<CustomerId, Customer>,
    opportunities: Opportunities,
    activities: Map<ActivityId, Activity>,
    opp_activities: Map<OpportunityId, Vec<Activity>>,
    tasks: Map<TaskId, Task>,
    reminders: ReminderState,
    targets: BTreeMap<TargetId, Target>,
    expense_settings: Option<ExpenseSettings>,
    expenses: BTreeMap<ExpenseId, ExpenseRecord>,
    sources: Option<Vec<Source>>,
    forecast_snapshots: BTreeMap<SnapshotId, ForecastSnapshot>,
}

impl State {
    /// The position of the last event folded in.
    pub fn position(&self) -> u64 {
        self.position
    }

    /// The version of a stream as this state knows it.
    pub fn stream_version(&self, stream: &str) -> u64 {
        match stream.strip_prefix(OPPORTUNITY_STREAM_PREFIX) {
            Some(id) => self.opportunities.get(id).map_or(0, |o| o.version),
            None => self.versions.get(stream).copied().unwrap_or(0),
        }
    }

    /// Where an append of `event` goes: its stream and the version this state knows of it
    /// (the expected version). An opportunity's stream name is shared from its record
    /// instead of being built again; `looked_up`, the record the decision read and the id
    /// it read it by, saves looking it up again when the event names that id.
    pub(crate) fn stream_of(
        &self,
        event: &Event,
        looked_up: Option<(OpportunityId, &OpportunityRecord)>,
    ) -> (StreamName, u64) {
        if let Some(r) = event.opportunity().and_then(|id| match looked_up {
            Some((by, r)) if by == *id => Some(r),
            _ => self.opportunities.record(id),
        }) {
            return (
                StreamName::Shared(std::sync::Arc::clone(&r.stream)),
                r.opportunity.version,
            );
        }
        let stream = event.stream();
        let version = self.stream_version(&stream);
        (StreamName::Built(stream), version)
    }

    /// Reminder rules and what users did with reminders.
    pub fn reminders(&self) -> &ReminderState {
        &self.reminders
    }

    /// The current version of a pipeline.
    pub fn pipeline(&self, id: &PipelineId) -> Option<&Pipeline> {
        self.pipelines.get(id).and_then(|v| v.last())
    }

    /// A given version of a pipeline (old timelines name stages of old versions).
    pub fn pipeline_version(&self, id: &PipelineId, version: u32) -> Option<&Pipeline> {
        self.pipelines
            .get(id)
            .and_then(|v| v.iter().find(|p| p.version == version))
    }

    /// The current version of every pipeline, in no particular order.
    pub fn pipelines(&self) -> impl Iterator<Item = &Pipeline> {
        self.pipelines.values().filter_map(|v| v.last())
    }

    /// An approval process.
    pub fn process(&self, id: &ProcessId) -> Option<&ApprovalProcess> {
        self.processes.get(id)
    }

    /// Every approval process, in no particular order.
    pub fn processes(&self) -> impl Iterator<Item = &ApprovalProcess> {
        self.processes.values()
    }

    /// A user.
    pub fn user(&self, id: &ActorId) -> Option<&User> {
        self.users.get(id)
    }

    /// Every user, in no particular order.
    pub fn users(&self) -> impl Iterator<Item = &User> {
        self.users.values()
    }

    /// How many users are registered.
    pub fn user_count(&self) -> usize {
        self.users.len()
    }

    /// A customer.
    pub fn customer(&self, id: &CustomerId) -> Option<&Customer> {
        self.customers.get(id)
    }

    /// Every customer, in no particular order.
    pub fn customers(&self) -> impl Iterator<Item = &Customer> {
        self.customers.values()
    }

    /// An opportunity.
    pub fn opportunity(&self, id: &OpportunityId) -> Option<&Opportunity> {
        self.opportunities.get(id)
    }

    /// Every opportunity, in the order they were created.
    pub fn opportunities(&self) -> impl Iterator<Item = &Opportunity> {
        self.opportunities.values()
    }

    /// How many opportunities there are.
    pub fn opportunity_count(&self) -> usize {
        self.opportunities.len()
    }

    /// An opportunity with what the state keeps beside it (its timeline, its stream).
    pub(crate) fn record(&self, id: &OpportunityId) -> Option<&OpportunityRecord> {
        self.opportunities.record(id)
    }

    /// The stage changes of an opportunity, oldest first.
    pub fn timeline(&self, id: &OpportunityId) -> Option<Vec<TimelineEntry>> {
        self.opportunities
            .record(id)
            .map(OpportunityRecord::timeline)
    }

    /// An activity.
    pub fn activity(&self, id: &ActivityId) -> Option<&Activity> {
        self.activities.get(id)
    }

    /// Every activity, in no particular order.
    pub fn activities(&self) -> impl Iterator<Item = &Activity> {
        self.activities.values()
    }

    /// The activities linked to an opportunity, in the order they were logged.
    pub fn activities_of(&self, opportunity: &OpportunityId) -> &[Activity] {
        self.opp_activities
            .get(opportunity)
            .map_or(&[], Vec::as_slice)
    }

    /// What a gate looks at for `o`: the opportunity and its activities.
    pub(crate) fn gate_context<'a>(&'a self, o: &'a Opportunity) -> crate::gate::GateContext<'a> {
        crate::gate::GateContext {
            opportunity: o,
            activities: self.activities_of(&o.id),
        }
    }

    /// A task.
    pub fn task(&self, id: &TaskId) -> Option<&Task> {
        self.tasks.get(id)
    }

    /// Every task, in no particular order.
    pub fn tasks(&self) -> impl Iterator<Item = &Task> {
        self.tasks.values()
    }

    /// A revenue target.
    pub fn target(&self, id: &TargetId) -> Option<&Target> {
        self.targets.get(id)
    }

    /// Every revenue target, by id.
    pub fn targets(&self) -> impl Iterator<Item = &Target> {
        self.targets.values()
    }

    /// The expense settings, once configured.
    pub fn expense_settings(&self) -> Option<&ExpenseSettings> {
        self.expense_settings.as_ref()
    }

    /// An expense and its approval request.
    pub fn expense(&self, id: &ExpenseId) -> Option<&ExpenseRecord> {
        self.expenses.get(id)
    }

    /// Every expense, by id.
    pub fn expenses(&self) -> impl Iterator<Item = &ExpenseRecord> {
        self.expenses.values()
    }

    /// The configured sources (来源), once configured.
    pub fn sources(&self) -> Option<&[Source]> {
        self.sources.as_deref()
    }

    /// A forecast snapshot.
    pub fn forecast_snapshot(&self, id: &SnapshotId) -> Option<&ForecastSnapshot> {
        self.forecast_snapshots.get(id)
    }

    /// Every forecast snapshot, by id.
    pub fn forecast_snapshots(&self) -> impl Iterator<Item = &ForecastSnapshot> {
        self.forecast_snapshots.values()
    }

    /// Folds one event in. Events were validated when they were decided, so this cannot fail;
    /// an event naming something unknown (possible only in a hand-edited store) is skipped.
    pub fn apply(&mut self, rec: &RecordedEvent) {
        self.position = self.position.max(rec.position);
        // Opportunity streams keep their version on the opportunity itself (one lookup less
        // on the hottest path); every other stream's version lives in `versions`.
        if !rec.stream.starts_with(OPPORTUNITY_STREAM_PREFIX) {
            match self.versions.get_mut(&*rec.stream) {
                Some(v) => *v = rec.version,
                None => {
                    self.versions.insert(rec.stream.clone(), rec.version);
                }
            }
        }
        let at = rec.at;
        match &rec.event {
            Event::PipelineDefined { pipeline } => {
                self.pipelines
                    .insert(pipeline.id.clone(), vec![(**pipeline).clone()]);
                // Opportunities come after their pipeline; only a hand-edited store has any.
                for r in self.opportunities.records_mut() {
                    if r.opportunity.pipeline == pipeline.id {
                        r.pipeline_version = pipeline.version;
                    }
                }
            }
            Event::PipelineEdited { pipeline, mapping } => {
                self.pipelines
                    .entry(pipeline.id.clone())
                    .or_default()
                    .push((**pipeline).clone());
                for r in self
                    .opportunities
                    .records_mut()
                    .filter(|r| r.opportunity.pipeline == pipeline.id)
                {
                    r.pipeline_version = pipeline.version;
                    let opp = &mut r.opportunity;
                    let Some(to) = mapping.get(&opp.stage) else {
                        continue;
                    };
                    let from = std::mem::replace(&mut opp.stage, to.clone());
                    if opp.is_open() {
                        opp.stage_entered_at = at;
                        r.push_step(
                            at,
                            rec.actor.clone(),
                            &from,
                            to.clone(),
                            TimelineKind::Remapped,
                            Some(format!(
                                "pipeline {} edited to version {}",
                                pipeline.id, pipeline.version
                            )),
                            None,
                        );
                    }
                }
            }
            Event::ProcessDefined { process } => {
                self.processes.insert(process.id.clone(), process.clone());
            }
            Event::UserRegistered { user } => {
                self.users.insert(user.id.clone(), user.clone());
            }
            Event::CustomerCreated { customer } => {
                self.reminders.observe(&self.customers, rec);
                self.customers
                    .insert(customer.id.clone(), (**customer).clone());
            }
            Event::CustomerUpdated { customer } => {
                self.reminders.observe(&self.customers, rec);
                if let Some(c) = self.customers.get_mut(&customer.id) {
                    let contacts = std::mem::take(&mut c.contacts);
                    *c = (**customer).clone();
                    c.contacts = contacts;
                }
            }
            Event::ContactAdded { customer, contact } => {
                if let Some(c) = self.customers.get_mut(customer) {
                    c.contacts.push((**contact).clone());
                }
            }
            Event::OpportunityCreated { opportunity: n } => {
                // The pipeline, owner and first stage share the state's own copies of their
                // ids: every later command compares them, and those copies are in cache.
                let (pipeline, current) = match self.pipelines.get_key_value(&n.pipeline) {
                    Some((id, versions)) => (id.clone(), versions.last()),
                    None => (n.pipeline.clone(), None),
                };
                let version = current.map_or(0, |p| p.version);
                let stage = match (&n.stage, current) {
                    (Some(s), Some(p)) => p.stage(s).map_or_else(|| s.clone(), |st| st.id.clone()),
                    (Some(s), None) => s.clone(),
                    (None, _) => StageId::new(""),
                };
                let opportunity = Opportunity {
                    id: n.id.clone(),
                    pipeline,
                    customer: n.customer.clone(),
                    owner: shared_id(&self.users, &n.owner),
                    name: n.name.clone(),
                    amount: n.amount,
                    amount_from_products: n.amount_from_products,
                    expected_close: n.expected_close,
                    close_date_pushes: 0,
                    source: n.source.clone(),
                    products: n.products.clone(),
                    competitors: n.competitors.clone(),
                    contacts: n.contacts.clone(),
                    fields: n.fields.clone(),
                    checklist: crate::opportunity::Checklist::new(),
                    stage,
                    stage_entered_at: at,
                    status: Status::Open,
                    closed_at: None,
                    created_at: at,
                    approvals: Vec::new(),
                    version: 0,
                    forecast_category: n.forecast_category,
                };
                let stream =
                    if rec.stream.strip_prefix(OPPORTUNITY_STREAM_PREFIX) == Some(n.id.as_str()) {
                        rec.stream.clone()
                    } else {
                        // Only a hand-edited store puts a creation elsewhere.
                        opportunity_stream(&n.id).into()
                    };
                self.opportunities.insert(OpportunityRecord::created(
                    opportunity,
                    rec.actor.clone(),
                    version,
                    stream,
                ));
            }
            Event::OpportunityUpdated {
                opportunity,
                patch,
                amount,
            } => {
                if let Some(o) = self.opportunities.get_mut(opportunity) {
                    if let Some(v) = &patch.name {
                        o.name.clone_from(v);
                    }
                    if let Some(v) = &patch.owner {
                        o.owner = shared_id(&self.users, v);
                    }
                    if let Some(v) = patch.amount_from_products {
                        o.amount_from_products = v;
                    }
                    if let Some(v) = patch.expected_close {
                        if let (Some(old), Some(new)) = (o.expected_close, v) {
                            if new > old {
                                o.close_date_pushes += 1;
                            }
                        }
                        o.expected_close = v;
                    }
                    if let Some(v) = &patch.source {
                        o.source.clone_from(v);
                    }
                    if let Some(v) = &patch.products {
                        o.products.clone_from(v);
                    }
                    if let Some(v) = &patch.competitors {
                        o.competitors.clone_from(v);
                    }
                    if let Some(v) = &patch.contacts {
                        o.contacts.clone_from(v);
                    }
                    for (k, v) in &patch.fields {
                        match v {
                            Some(v) => o.fields.insert(k.clone(), v.clone()),
                            None => o.fields.remove(k),
                        };
                    }
                    if let Some(v) = patch.forecast_category {
                        o.forecast_category = v;
                    }
                    o.amount = *amount;
                }
            }
            Event::ChecklistChanged {
                opportunity,
                item,
                ticked,
            } => {
                if let Some(o) = self.opportunities.get_mut(opportunity) {
                    if *ticked {
                        o.checklist.insert(item);
                    } else {
                        o.checklist.remove(item);
                    }
                }
            }
            Event::Moved {
                opportunity,
                from,
                to,
                how,
                reason,
                competitor,
            } => {
                let Some(r) = self.opportunities.record_mut(opportunity) else {
                    return;
                };
                let o = &mut r.opportunity;
                match to.as_str() {
                    WON => {
                        o.status = Status::Won;
                        o.closed_at = Some(at);
                    }
                    LOST => {
                        o.status = Status::Lost {
                            reason: reason.clone().unwrap_or_default(),
                            competitor: competitor.clone(),
                        };
                        o.closed_at = Some(at);
                        if let Some(name) = competitor {
                            match o.competitors.iter_mut().find(|c| &c.name == name) {
                                Some(c) => c.status = CompetitorStatus::Won,
                                None => o.competitors.push(Competitor {
                                    status: CompetitorStatus::Won,
                                    ..Competitor::new(name.clone())
                                }),
                            }
                        }
                    }
                    _ => {
                        o.status = Status::Open;
                        o.closed_at = None;
                        o.stage = to.clone();
                        o.stage_entered_at = at;
                    }
                }
                o.version = rec.version;
                r.push_step(
                    at,
                    rec.actor.clone(),
                    from,
                    to.clone(),
                    (*how).into(),
                    reason.clone(),
                    competitor.clone(),
                );
                // The version is set above: skip the generic lookup below (the hottest path).
                return;
            }
            Event::ApprovalSubmitted {
                opportunity,
                request,
                process,
            } => {
                let Some(o) = self.opportunities.get_mut(opportunity) else {
                    return;
                };
                match o.approvals.iter_mut().find(|r| &r.id == request) {
                    Some(r) => {
                        r.resubmit(rec.actor.clone(), at);
                    }
                    None => o.approvals.push(ApprovalRequest::new(
                        request.clone(),
                        process.clone(),
                        rec.actor.clone(),
                        at,
                    )),
                }
            }
            Event::ApprovalDecided {
                opportunity,
                request,
                decision,
                comment,
            } => {
                let Some(o) = self.opportunities.get_mut(opportunity) else {
                    return;
                };
                let Some(r) = o.approvals.iter_mut().find(|r| &r.id == request) else {
                    return;
                };
                let Some(p) = self.processes.get(&r.process) else {
                    return;
                };
                r.apply_decision(p, rec.actor.clone(), *decision, comment.clone(), at);
            }
            Event::ApprovalWithdrawn {
                opportunity,
                request,
            } => {
                self.set_request_status(opportunity, request, ApprovalStatus::Withdrawn);
            }
            Event::ApprovalInvalidated {
                opportunity,
                request,
                ..
            } => {
                self.set_request_status(opportunity, request, ApprovalStatus::Invalidated);
            }
            Event::ActivityLogged { activity } => {
                if let Some(opp) = &activity.opportunity {
                    self.opp_activities
                        .entry(opp.clone())
                        .or_default()
                        .push((**activity).clone());
                }
                self.activities
                    .insert(activity.id.clone(), (**activity).clone());
            }
            Event::TaskCreated { task } => {
                self.tasks.insert(task.id.clone(), (**task).clone());
            }
            Event::TaskDone { task, done } => {
                if let Some(t) = self.tasks.get_mut(task) {
                    t.done = *done;
                    t.done_at = done.then_some(at);
                }
            }
            Event::ReminderRulesSet { .. }
            | Event::ReminderAcknowledged { .. }
            | Event::ReminderSnoozed { .. }
            | Event::ReminderDismissed { .. } => self.reminders.apply(&rec.event),
            Event::TargetSet { target } => {
                self.targets.insert(target.id.clone(), target.clone());
            }
            Event::TargetRemoved { target } => {
                self.targets.remove(target);
            }
            Event::ExpensesConfigured { settings } => {
                self.expense_settings = Some(settings.clone());
            }
            Event::ExpenseSubmitted { expense, process } => {
                self.expenses.insert(
                    expense.id.clone(),
                    ExpenseRecord {
                        expense: (**expense).clone(),
                        request: ApprovalRequest::new(
                            crate::RequestId::new(expense.id.as_str()),
                            process.clone(),
                            rec.actor.clone(),
                            at,
                        ),
                    },
                );
            }
            Event::ExpenseResubmitted { expense, process } => {
                if let Some(x) = self.expenses.get_mut(&expense.id) {
                    x.expense = (**expense).clone();
                    x.request.process = process.clone();
                    x.request.resubmit(rec.actor.clone(), at);
                }
            }
            Event::ExpenseDecided {
                expense,
                decision,
                comment,
            } => {
                if let Some(x) = self.expenses.get_mut(expense) {
                    if let Some(p) = self.processes.get(&x.request.process) {
                        x.request.apply_decision(
                            p,
                            rec.actor.clone(),
                            *decision,
                            comment.clone(),
                            at,
                        );
                    }
                }
            }
            Event::SourcesConfigured { sources } => {
                self.sources = Some(sources.clone());
            }
            Event::ExpenseWithdrawn { expense } => {
                if let Some(x) = self.expenses.get_mut(expense) {
                    x.request.status = ApprovalStatus::Withdrawn;
                }
            }
            Event::ForecastSnapshotTaken { snapshot } => {
                self.forecast_snapshots
                    .insert(snapshot.id.clone(), snapshot.clone());
            }
        }
        if let Some(o) = rec
            .event
            .opportunity()
            .and_then(|id| self.opportunities.get_mut(id))
        {
            o.version = rec.version;
        }
    }

    fn set_request_status(
        &mut self,
        opp: &OpportunityId,
        request: &crate::RequestId,
        status: ApprovalStatus,
    ) {
        if let Some(r) = self
            .opportunities
            .get_mut(opp)
            .and_then(|o| o.approvals.iter_mut().find(|r| &r.id == request))
        {
            r.status = status;
        }
    }
}

/// `id` as the key `map` holds for it (the same shared string), or `id` itself.
fn shared_id<K: Clone + Eq + std::hash::Hash, V>(map: &Map<K, V>, id: &K) -> K {
    map.get_key_value(id)
        .map_or_else(|| id.clone(), |(k, _)| k.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::SCHEMA_VERSION;
    use crate::money::{Currency, Money};
    use crate::opportunity::NewOpportunity;

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
