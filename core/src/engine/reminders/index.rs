//! The reminder index: every reminder of the state, kept current event by event, ordered by
//! (due, id) overall and per recipient.

use std::collections::{BTreeSet, HashMap};
use std::ops::Bound;
use std::time::Duration;

use crate::clock::Timestamp;
use crate::event::{Event, RecordedEvent};
use crate::id::ActorId;
use crate::state::State;

use super::compute::{candidates, Candidate, Facts, Subject};
use crate::reminder::{Reminder, ReminderId};

type Key = (Timestamp, ReminderId);

#[derive(Debug, Clone)]
struct Entry {
    reminder: Reminder,
    visible: bool,
}

/// The subject a reminder hangs on, read back from its fields.
fn subject_of(r: &Reminder) -> Option<Subject> {
    use crate::reminder::ReminderKind as K;
    match r.kind {
        K::TaskDueSoon | K::TaskOverdue => r.task.clone().map(Subject::Task),
        K::KeyCustomerCadence => r.customer.clone().map(Subject::Customer),
        _ => match (&r.opportunity, &r.customer) {
            (Some(o), _) => Some(Subject::Opportunity(o.clone())),
            (None, Some(c)) => Some(Subject::Customer(c.clone())),
            (None, None) => None,
        },
    }
}

/// Every reminder of a [`State`], maintained incrementally: feed it each event right after
/// the state folded it in. The engine keeps one; it is public so that tools (and the
/// benchmark) can build one over a state of their own.
///
/// Cost: an event touching one opportunity, task or customer recomputes that subject's few
/// reminders, O(log n) each; [`ReminderIndex::due_for`] is O(log n + k) for k answers,
/// [`ReminderIndex::next_due_after`] O(log n).
///
/// ```
/// use salespipe::{ReminderIndex, State, RecordedEvent, Event, Task, User, Role, Timestamp};
/// let mut state = State::default();
/// let mut index = ReminderIndex::default();
/// let due: Timestamp = "2026-03-03T09:00:00Z".parse().unwrap();
/// for (i, event) in [
///     Event::UserRegistered { user: User::new("wang", "王芳", Role::Rep) },
///     Event::TaskCreated { task: Box::new(Task::new("task-1", "Call back", "wang", due)) },
/// ].into_iter().enumerate() {
///     let rec = RecordedEvent { position: i as u64 + 1, stream: event.stream().into(), version: 1,
///         at: Timestamp::from_millis(0), actor: "wang".into(), schema: 1, event };
///     state.apply(&rec);
///     index.apply(&state, &rec);
/// }
/// assert_eq!(index.next_due_after(Timestamp::from_millis(0)), Some("2026-03-02T09:00:00Z".parse().unwrap()));
/// assert_eq!(index.due_for(&"wang".into(), due, 10)[0].id.as_str(), "task_overdue/task-1");
/// ```
#[derive(Debug, Clone, Default)]
pub struct ReminderIndex {
    facts: Facts,
    entries: HashMap<ReminderId, Entry>,
    by_subject: HashMap<Subject, Vec<ReminderId>>,
    timeline: BTreeSet<Key>,
    by_recipient: HashMap<ActorId, BTreeSet<Key>>,
    managers: HashMap<ActorId, Option<ActorId>>,
    scratch: Vec<Candidate>,
}

fn through(now: Timestamp) -> (Bound<Key>, Bound<Key>) {
    (
        Bound::Unbounded,
        Bound::Excluded((now.plus_millis(1), ReminderId::min())),
    )
}

fn after(now: Timestamp) -> Bound<Key> {
    Bound::Included((now.plus_millis(1), ReminderId::min()))
}

impl ReminderIndex {
    /// An index over a whole state (a scan; then keep it current with
    /// [`ReminderIndex::apply`]).
    pub fn build(state: &State) -> Self {
        let mut index = ReminderIndex {
            facts: Facts::of(state),
            managers: state
                .users()
                .map(|u| (u.id.clone(), u.manager.clone()))
                .collect(),
            ..ReminderIndex::default()
        };
        index.rebuild(state);
        index
    }

    /// Takes one event into account; `state` must already include it.
    pub fn apply(&mut self, state: &State, rec: &RecordedEvent) {
        if let Some(opportunity) = rec.event.opportunity() {
            self.refresh(state, Subject::Opportunity(opportunity.clone()));
            return;
        }
        match &rec.event {
            Event::CustomerCreated { customer } | Event::CustomerUpdated { customer } => {
                self.refresh(state, Subject::Customer(customer.id.clone()));
            }
            Event::ActivityLogged { activity } => {
                self.facts.observe(activity);
                if let Some(o) = &activity.opportunity {
                    self.refresh(state, Subject::Opportunity(o.clone()));
                }
                self.refresh(state, Subject::Customer(activity.customer.clone()));
            }
            Event::TaskCreated { task } => self.refresh(state, Subject::Task(task.id.clone())),
            Event::TaskDone { task, .. } => self.refresh(state, Subject::Task(task.clone())),
            Event::PipelineEdited { pipeline, .. } => {
                let subjects: Vec<_> = state
                    .opportunities()
                    .filter(|o| o.pipeline == pipeline.id)
                    .map(|o| Subject::Opportunity(o.id.clone()))
                    .collect();
                for s in subjects {
                    self.refresh(state, s);
                }
            }
            Event::ProcessDefined { process } => {
                let subjects: Vec<_> = state
                    .opportunities()
                    .filter(|o| o.approvals.iter().any(|r| r.process == process.id))
                    .map(|o| Subject::Opportunity(o.id.clone()))
                    .collect();
                for s in subjects {
                    self.refresh(state, s);
                }
            }
            Event::UserRegistered { user } => {
                let before = self.managers.insert(user.id.clone(), user.manager.clone());
                if before.flatten() != user.manager {
                    // Escalations of this user's reminders go to someone else now.
                    let mut subjects: Vec<_> = self
                        .entries
                        .values()
                        .filter(|e| {
                            e.reminder.recipient == user.id
                                || e.reminder.escalated_from.as_ref() == Some(&user.id)
                        })
                        .filter_map(|e| subject_of(&e.reminder))
                        .collect();
                    subjects.sort();
                    subjects.dedup();
                    for s in subjects {
                        self.refresh(state, s);
                    }
                }
            }
            Event::ReminderRulesSet { .. } => self.rebuild(state),
            Event::ReminderAcknowledged { reminder }
            | Event::ReminderSnoozed { reminder, .. }
            | Event::ReminderDismissed { reminder } => {
                if let Some(s) = self
                    .entries
                    .get(reminder)
                    .and_then(|e| subject_of(&e.reminder))
                {
                    self.refresh(state, s);
                }
            }
            _ => {}
        }
    }

    fn rebuild(&mut self, state: &State) {
        self.entries.clear();
        self.by_subject.clear();
        self.timeline.clear();
        self.by_recipient.clear();
        let subjects: Vec<_> = state
            .opportunities()
            .map(|o| Subject::Opportunity(o.id.clone()))
            .chain(state.tasks().map(|t| Subject::Task(t.id.clone())))
            .chain(state.customers().map(|c| Subject::Customer(c.id.clone())))
            .collect();
        for s in subjects {
            self.refresh(state, s);
        }
    }

    /// Recomputes the reminders of one subject.
    fn refresh(&mut self, state: &State, subject: Subject) {
        if let Some(ids) = self.by_subject.remove(&subject) {
            for id in ids {
                self.remove(&id);
            }
        }
        let mut fresh = std::mem::take(&mut self.scratch);
        candidates(state, &self.facts, &subject, &mut fresh);
        if fresh.is_empty() {
            self.scratch = fresh;
            return;
        }
        let mut ids = Vec::with_capacity(fresh.len());
        for c in fresh.drain(..) {
            let id = c.reminder.id.clone();
            if c.visible {
                let key = (c.reminder.due, id.clone());
                self.timeline.insert(key.clone());
                self.by_recipient
                    .entry(c.reminder.recipient.clone())
                    .or_default()
                    .insert(key);
            }
            ids.push(id.clone());
            self.entries.insert(
                id,
                Entry {
                    reminder: c.reminder,
                    visible: c.visible,
                },
            );
        }
        self.scratch = fresh;
        self.by_subject.insert(subject, ids);
    }

    fn remove(&mut self, id: &ReminderId) {
        let Some(e) = self.entries.remove(id) else {
            return;
        };
        if e.visible {
            let key = (e.reminder.due, id.clone());
            self.timeline.remove(&key);
            if let Some(set) = self.by_recipient.get_mut(&e.reminder.recipient) {
                set.remove(&key);
                if set.is_empty() {
                    self.by_recipient.remove(&e.reminder.recipient);
                }
            }
        }
    }

    fn resolve<'a>(
        &'a self,
        keys: impl Iterator<Item = &'a Key> + 'a,
    ) -> impl Iterator<Item = &'a Reminder> + 'a {
        keys.filter_map(|(_, id)| self.entries.get(id).map(|e| &e.reminder))
    }

    /// Every reminder due at `now`, sorted by due time, then id.
    pub fn due(&self, now: Timestamp) -> Vec<Reminder> {
        self.resolve(self.timeline.range(through(now)))
            .filter(|r| r.is_due_at(now))
            .cloned()
            .collect()
    }

    /// Up to `limit` reminders due at `now` for one recipient, sorted by due time, then id.
    pub fn due_for(&self, recipient: &ActorId, now: Timestamp, limit: usize) -> Vec<Reminder> {
        let Some(set) = self.by_recipient.get(recipient) else {
            return Vec::new();
        };
        self.resolve(set.range(through(now)))
            .filter(|r| r.is_due_at(now))
            .take(limit)
            .cloned()
            .collect()
    }

    /// The reminders coming due after `now` and up to `now + horizon`, sorted by due time,
    /// then id.
    pub fn upcoming(&self, now: Timestamp, horizon: Duration) -> Vec<Reminder> {
        let end = now.plus(horizon).plus_millis(1);
        self.resolve(
            self.timeline
                .range((after(now), Bound::Excluded((end, ReminderId::min())))),
        )
        .cloned()
        .collect()
    }

    /// The earliest instant after `now` at which a reminder comes due: when the host should
    /// ask again (unless an event happens first).
    pub fn next_due_after(&self, now: Timestamp) -> Option<Timestamp> {
        self.timeline
            .range((after(now), Bound::Unbounded))
            .next()
            .map(|(t, _)| *t)
    }

    /// The earliest instant after `now` at which a reminder that `keep` accepts comes due
    /// (a reader's share of [`ReminderIndex::next_due_after`]).
    pub fn next_due_after_where(
        &self,
        now: Timestamp,
        keep: impl Fn(&Reminder) -> bool,
    ) -> Option<Timestamp> {
        self.timeline
            .range((after(now), Bound::Unbounded))
            .find(|(_, id)| self.entries.get(id).is_some_and(|e| keep(&e.reminder)))
            .map(|(t, _)| *t)
    }

    /// A reminder the state currently derives, whether or not a user hid it, with whether
    /// it is hidden.
    pub(crate) fn get(&self, id: &ReminderId) -> Option<(&Reminder, bool)> {
        self.entries.get(id).map(|e| (&e.reminder, !e.visible))
    }

    /// A reminder by id (`None` when its cause is resolved or it never existed); hidden ones
    /// (acknowledged, dismissed) are included.
    pub fn reminder(&self, id: &ReminderId) -> Option<&Reminder> {
        self.entries.get(id).map(|e| &e.reminder)
    }

    /// How many reminders are indexed (visible or hidden).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when no reminder is indexed.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}
