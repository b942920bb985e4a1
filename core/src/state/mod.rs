//! The folded state: everything the engine knows, a pure fold over events, and how it is
//! stored (opportunity records in segments that never move, compact timelines).
//!
//! The state sits below the engine: the engine owns one and folds every event into it; the
//! read side (the engine's views, the reminder and daily indexes, the report adapters) reads
//! it through methods. It imports no engine, store or report code.

mod activities;
mod apply;
mod opportunities;
mod reminders;
mod table;
mod timeline;

use activities::Activities;
pub(crate) use opportunities::{Opportunities, OpportunityRecord};
pub use reminders::ReminderState;
pub(crate) use table::Table;
pub use timeline::{TimelineEntry, TimelineKind};

use std::collections::{BTreeMap, HashMap};

/// The hash maps of the state: foldhash, seeded per process (fast, and not predictable from outside).
pub(crate) type Map<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

use crate::activity::{Activity, Task};
use crate::approval::ApprovalProcess;
use crate::clock::Timestamp;
use crate::customer::Customer;
use crate::event::{Event, OPPORTUNITY_STREAM_PREFIX};
use crate::id::{
    ActivityId, ActorId, CustomerId, ExpenseId, OpportunityId, PipelineId, ProcessId, SnapshotId,
    StageId, TargetId, TaskId,
};
use crate::management::expense::{ExpenseRecord, ExpenseSettings};
use crate::management::snapshot::ForecastSnapshot;
use crate::management::source::Source;
use crate::management::target::Target;
use crate::opportunity::Opportunity;
use crate::pipeline::Pipeline;
use crate::user::User;

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
    latest: Option<Timestamp>,
    versions: Map<std::sync::Arc<str>, u64>,
    pipelines: Map<PipelineId, Vec<Pipeline>>,
    processes: Map<ProcessId, ApprovalProcess>,
    users: Map<ActorId, User>,
    customers: Table<CustomerId, Customer>,
    opportunities: Opportunities,
    activities: Activities,
    tasks: Table<TaskId, Task>,
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

    /// The latest instant stamped on an event folded in (`None` before the first): the engine
    /// stamps a new event no earlier than this, so time never goes backwards in the log.
    pub fn latest(&self) -> Option<Timestamp> {
        self.latest
    }

    /// The version of a stream as this state knows it.
    pub fn stream_version(&self, stream: &str) -> u64 {
        if let Some(id) = stream.strip_prefix(OPPORTUNITY_STREAM_PREFIX) {
            return self.opportunities.get(id).map_or(0, |o| o.version);
        }
        let on_record = match RecordStream::of(stream) {
            Some(RecordStream::Customer(id)) => self.customers.version(id),
            Some(RecordStream::Task(id)) => self.tasks.version(id),
            Some(RecordStream::Activity(id)) => self.activities.version(id),
            None => None,
        };
        on_record
            .or_else(|| self.versions.get(stream).copied())
            .unwrap_or(0)
    }

    /// Where an append of `event` goes: its stream and the version this state knows of it
    /// (the expected version). An opportunity's stream name is shared from its record
    /// instead of being built again; `target`, the record the decision read and the id it
    /// read it by, saves looking it up again when the event names that id.
    pub(crate) fn stream_of(
        &self,
        event: &Event,
        target: Option<(OpportunityId, &OpportunityRecord)>,
    ) -> (StreamName, u64) {
        if let Some(r) = event.opportunity().and_then(|id| match target {
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

    /// How many customers there are.
    pub fn customer_count(&self) -> usize {
        self.customers.len()
    }

    /// A customer.
    pub fn customer(&self, id: &CustomerId) -> Option<&Customer> {
        self.customers.get(id)
    }

    /// Every customer, in the order they were created.
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

    /// The stage an opportunity last moved to `to` from (none when it never moved there).
    pub(crate) fn last_from(&self, id: &OpportunityId, to: &str) -> Option<StageId> {
        let r = self.opportunities.record(id)?;
        self.opportunities.last_from(r, to)
    }

    /// The stage changes of an opportunity, oldest first.
    pub fn timeline(&self, id: &OpportunityId) -> Option<Vec<TimelineEntry>> {
        let r = self.opportunities.record(id)?;
        Some(self.opportunities.entries(r))
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
        self.activities.of(opportunity)
    }

    /// What a gate looks at for `o` at `now`: the opportunity and its activities.
    pub(crate) fn gate_context<'a>(
        &'a self,
        o: &'a Opportunity,
        now: Timestamp,
    ) -> crate::gate::GateContext<'a> {
        crate::gate::GateContext {
            opportunity: o,
            activities: self.activities_of(&o.id),
            now,
        }
    }

    /// How many tasks there are.
    pub fn task_count(&self) -> usize {
        self.tasks.len()
    }

    /// A task.
    pub fn task(&self, id: &TaskId) -> Option<&Task> {
        self.tasks.get(id)
    }

    /// Every task, in the order they were created.
    pub fn tasks(&self) -> impl Iterator<Item = &Task> {
        self.tasks.values()
    }

    /// The number of an opportunity, a task or a customer: the state's own
    /// address of the record, which never changes (indexes keep it instead of the id).
    pub(crate) fn number(&self, of: Numbered<'_>) -> Option<u32> {
        match of {
            Numbered::Opportunity(id) => self.opportunities.number(id.as_str()),
            Numbered::Task(id) => self.tasks.number(id),
            Numbered::Customer(id) => self.customers.number(id),
        }
    }

    /// The opportunity numbered `n` (see [`State::number`]).
    pub(crate) fn opportunity_numbered(&self, n: u32) -> Option<&Opportunity> {
        self.opportunities.numbered(n).map(|r| &r.opportunity)
    }

    /// The task numbered `n`.
    pub(crate) fn task_numbered(&self, n: u32) -> Option<&Task> {
        self.tasks.row(n)
    }

    /// The customer numbered `n`.
    pub(crate) fn customer_numbered(&self, n: u32) -> Option<&Customer> {
        self.customers.row(n)
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
}

/// A stream of one customer, task or activity, whose version the state keeps on the record.
#[derive(Debug, Clone, Copy)]
pub(crate) enum RecordStream<'a> {
    Customer(&'a str),
    Task(&'a str),
    Activity(&'a str),
}

impl<'a> RecordStream<'a> {
    /// The record a stream name is of, if it is one of these.
    pub fn of(stream: &'a str) -> Option<Self> {
        use crate::event::{ACTIVITY_STREAM_PREFIX, CUSTOMER_STREAM_PREFIX, TASK_STREAM_PREFIX};
        let after = |prefix: &str| stream.strip_prefix(prefix);
        after(CUSTOMER_STREAM_PREFIX)
            .map(RecordStream::Customer)
            .or_else(|| after(TASK_STREAM_PREFIX).map(RecordStream::Task))
            .or_else(|| after(ACTIVITY_STREAM_PREFIX).map(RecordStream::Activity))
    }
}

/// A record the state numbers, by id (see [`State::number`]).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Numbered<'a> {
    Opportunity(&'a OpportunityId),
    Task(&'a TaskId),
    Customer(&'a CustomerId),
}

impl State {
    /// A customer id as the state holds it (one shared string per customer), or `id` itself.
    pub(crate) fn shared_customer(&self, id: &CustomerId) -> CustomerId {
        self.customers.key(id).unwrap_or(id).clone()
    }

    /// An opportunity id as the state holds it, or `id` itself.
    pub(crate) fn shared_opportunity(&self, id: &OpportunityId) -> OpportunityId {
        self.opportunities.get(id).map_or(id, |o| &o.id).clone()
    }

    /// A user id as the state holds it, or `id` itself.
    pub(crate) fn shared_user(&self, id: &ActorId) -> ActorId {
        shared_id(&self.users, id)
    }
}

/// `id` as the key `map` holds for it (the same shared string), or `id` itself.
fn shared_id<K: Clone + Eq + std::hash::Hash, V>(map: &Map<K, V>, id: &K) -> K {
    map.get_key_value(id)
        .map_or_else(|| id.clone(), |(k, _)| k.clone())
}
