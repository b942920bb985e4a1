//! The reminder index: where and when every reminder of the state falls due, kept current
//! event by event, ordered by (due, id) overall and per recipient.
//!
//! The index keeps no reminder itself. An entry is a subject (an opportunity, task or customer,
//! by the state's number of it), the reminder's place among the subject's reminders, its due
//! time, recipient and whether it shows: 24 bytes, plus 16 in each of the two ordered sets.
//! A query computes the reminders it returns from the state again, with the same pure
//! function that placed them ([`candidates`]), so what the index answers is always what a
//! scan of the state would.

use std::collections::BTreeSet;
use std::ops::Bound;
use std::time::Duration;

use crate::clock::Timestamp;
use crate::event::{Event, RecordedEvent};
use crate::id::{ActorId, OpportunityId};
use crate::state::{Map, Numbered, State};

use super::compute::{candidates, Candidate, Facts, Subject, Want};
use crate::reminder::{Reminder, ReminderId};

/// A reminder's place in the ordered sets: its due time, then its subject and its place among
/// the subject's reminders ([`pack`]).
type Key = (Timestamp, u64);

/// Bits of a packed key that hold the place among the subject's reminders.
const PLACE_BITS: u32 = 24;

/// A subject as its kind (0 opportunity, 1 task, 2 customer: the order of the index's
/// `placed` tables and of the keys' top bits) and the state's number of it.
fn kind_of(subject: Subject) -> (usize, u32) {
    match subject {
        Subject::Opportunity(n) => (0, n),
        Subject::Task(n) => (1, n),
        Subject::Customer(n) => (2, n),
    }
}

/// The subject of a kind and a number ([`kind_of`] undone).
fn subject_of(kind: usize, n: u32) -> Subject {
    match kind {
        0 => Subject::Opportunity(n),
        1 => Subject::Task(n),
        _ => Subject::Customer(n),
    }
}

/// A subject and a place among its reminders as one number (kind in the top bits, then the
/// subject's number, then the place).
fn pack(subject: Subject, place: usize) -> u64 {
    let (kind, n) = kind_of(subject);
    ((kind as u64) << (32 + PLACE_BITS)) | (u64::from(n) << PLACE_BITS) | place as u64
}

/// The subject and place a key was packed from.
fn unpack(key: u64) -> (Subject, usize) {
    let n = ((key >> PLACE_BITS) & u64::from(u32::MAX)) as u32;
    let place = (key & ((1 << PLACE_BITS) - 1)) as usize;
    (subject_of((key >> (32 + PLACE_BITS)) as usize, n), place)
}

/// One reminder as the index keeps it: what the ordered sets and the due filter need.
#[derive(Debug, Clone, Copy)]
struct Placed {
    due: Timestamp,
    /// When it gives way to another ([`Reminder::until`]); `NEVER` when it does not.
    until: Timestamp,
    /// The recipient, by the index's number of it.
    recipient: u32,
    visible: bool,
}

const NEVER: Timestamp = Timestamp::from_millis(i64::MAX);

impl Placed {
    fn is_due_at(&self, now: Timestamp) -> bool {
        self.due <= now && now < self.until
    }
}

/// Every reminder of a [`State`], maintained incrementally: feed it each event right after
/// the state folded it in. The engine keeps one; it is public so that tools (and the
/// benchmark) can build one over a state of their own.
///
/// The queries take the state the index was kept with (the same one fed to
/// [`ReminderIndex::apply`]): the index holds where each reminder falls due, the state what it
/// is about.
///
/// Cost: an event touching one opportunity, task or customer recomputes that subject's few
/// reminders, O(log n) each; [`ReminderIndex::due_for`] is O(log n + k) for k answers,
/// [`ReminderIndex::next_due_after`] O(log n). Memory: about 100 bytes per reminder, all
/// told (the benchmark in `benches/reminders.rs` prints it).
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
/// assert_eq!(index.due_for(&state, &"wang".into(), due, 10)[0].id.as_str(), "task_overdue/task-1");
/// ```
#[derive(Debug, Clone, Default)]
pub struct ReminderIndex {
    facts: Facts,
    /// The reminders of each subject, by kind of subject and the state's number of it, in
    /// the order [`candidates`] yields them.
    placed: [Vec<Box<[Placed]>>; 3],
    /// How many reminders are placed.
    count: usize,
    timeline: BTreeSet<Key>,
    /// The recipients by number, and the number of each.
    recipients: Vec<ActorId>,
    recipient_numbers: Map<ActorId, u32>,
    /// Each recipient's reminders that show, by recipient number.
    by_recipient: Vec<BTreeSet<Key>>,
    managers: Map<ActorId, Option<ActorId>>,
    scratch: Vec<Candidate>,
}

fn through(now: Timestamp) -> (Bound<Key>, Bound<Key>) {
    (Bound::Unbounded, Bound::Excluded((now.plus_millis(1), 0)))
}

fn after(now: Timestamp) -> Bound<Key> {
    Bound::Included((now.plus_millis(1), 0))
}

/// Sorts reminders already in due order by id among those due at the same instant: the
/// sets order a tie by subject number, the answers by id.
fn sort_ties(v: &mut [Reminder]) {
    for run in v.chunk_by_mut(|a, b| a.due == b.due) {
        if run.len() > 1 {
            run.sort_unstable_by(|a, b| a.id.cmp(&b.id));
        }
    }
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
            self.refresh_opportunity(state, opportunity);
            return;
        }
        match &rec.event {
            Event::CustomerCreated { customer } | Event::CustomerUpdated { customer } => {
                if let Some(s) = Subject::customer(state, &customer.id) {
                    self.refresh(state, s);
                }
            }
            Event::ActivityLogged { activity } => {
                self.facts.observe(activity);
                if let Some(o) = &activity.opportunity {
                    self.refresh_opportunity(state, o);
                }
                if let Some(s) = Subject::customer(state, &activity.customer) {
                    self.refresh(state, s);
                }
            }
            Event::TaskCreated { task } => {
                if let Some(s) = Subject::task(state, &task.id) {
                    self.refresh(state, s);
                }
            }
            Event::TaskDone { task, .. } => {
                if let Some(s) = Subject::task(state, task) {
                    self.refresh(state, s);
                }
            }
            Event::PipelineEdited { pipeline, .. } => {
                let subjects: Vec<_> = state
                    .opportunities()
                    .filter(|o| o.pipeline == pipeline.id)
                    .filter_map(|o| Subject::opportunity(state, &o.id))
                    .collect();
                for s in subjects {
                    self.refresh(state, s);
                }
            }
            Event::ProcessDefined { process } => {
                let subjects: Vec<_> = state
                    .opportunities()
                    .filter(|o| o.approvals.iter().any(|r| r.process == process.id))
                    .filter_map(|o| Subject::opportunity(state, &o.id))
                    .collect();
                for s in subjects {
                    self.refresh(state, s);
                }
            }
            Event::UserRegistered { user } => {
                let before = self.managers.insert(user.id.clone(), user.manager.clone());
                if before.flatten() != user.manager {
                    // Escalations of this user's reminders go to someone else now: every
                    // subject with a reminder for the user (whose escalations hang on it)
                    // is computed again.
                    if let Some(&who) = self.recipient_numbers.get(&user.id) {
                        for s in self.subjects_where(|p| p.recipient == who) {
                            self.refresh(state, s);
                        }
                    }
                }
            }
            Event::ReminderRulesSet { .. } => self.rebuild(state),
            Event::ReminderAcknowledged { reminder }
            | Event::ReminderSnoozed { reminder, .. }
            | Event::ReminderDismissed { reminder } => {
                if let Some((s, _)) = self.find(state, reminder) {
                    self.refresh(state, s);
                }
            }
            _ => {}
        }
    }

    fn refresh_opportunity(&mut self, state: &State, id: &OpportunityId) {
        if let Some(s) = Subject::opportunity(state, id) {
            self.refresh(state, s);
        }
    }

    /// Every subject with a reminder that `keep` accepts.
    fn subjects_where(&self, keep: impl Fn(&Placed) -> bool) -> Vec<Subject> {
        let mut out = Vec::new();
        for (kind, placed) in self.placed.iter().enumerate() {
            for (n, list) in placed.iter().enumerate() {
                if list.iter().any(&keep) {
                    out.push(subject_of(kind, u32::try_from(n).unwrap_or(u32::MAX)));
                }
            }
        }
        out
    }

    /// Places every subject's reminders again. The keys are gathered first and the ordered
    /// sets built from them sorted (in bulk, node by node), not inserted one by one into
    /// sets of millions.
    fn rebuild(&mut self, state: &State) {
        self.placed = Default::default();
        self.count = 0;
        let mut timeline = Vec::new();
        let mut mine: Vec<Vec<Key>> = Vec::new();
        for subject in Subject::all(state) {
            let list = self.place(state, subject);
            for (place, p) in list.iter().enumerate().filter(|(_, p)| p.visible) {
                let key = (p.due, pack(subject, place));
                timeline.push(key);
                let r = p.recipient as usize;
                if mine.len() <= r {
                    mine.resize_with(r + 1, Vec::new);
                }
                mine[r].push(key);
            }
            self.store(subject, list);
        }
        mine.resize_with(self.recipients.len(), Vec::new);
        self.timeline = timeline.into_iter().collect();
        self.by_recipient = mine.into_iter().map(BTreeSet::from_iter).collect();
    }

    /// The reminders of `subject` as the index keeps them, computed from the state.
    fn place(&mut self, state: &State, subject: Subject) -> Vec<Placed> {
        let mut fresh = std::mem::take(&mut self.scratch);
        candidates(state, &self.facts, subject, Want::Due, &mut fresh);
        // A subject with more reminders than a key can tell apart (millions of approvers)
        // keeps the first ones.
        fresh.truncate(1 << PLACE_BITS);
        let mut list = Vec::with_capacity(fresh.len());
        for c in fresh.drain(..) {
            let recipient = self.recipient_number(&c.reminder.recipient);
            list.push(Placed {
                due: c.reminder.due,
                until: c.reminder.until.unwrap_or(NEVER),
                recipient,
                visible: c.visible,
            });
        }
        self.scratch = fresh;
        list
    }

    /// Keeps `list` as the reminders of `subject` (replacing what it had).
    fn store(&mut self, subject: Subject, list: Vec<Placed>) {
        let (kind, n) = kind_of(subject);
        let slot = n as usize;
        self.count += list.len();
        let placed = &mut self.placed[kind];
        if list.is_empty() && placed.len() <= slot {
            return;
        }
        if placed.len() <= slot {
            placed.resize_with(slot + 1, Box::default);
        }
        placed[slot] = list.into_boxed_slice();
    }

    fn recipient_number(&mut self, id: &ActorId) -> u32 {
        if let Some(&n) = self.recipient_numbers.get(id) {
            return n;
        }
        let n = u32::try_from(self.recipients.len()).unwrap_or(u32::MAX);
        self.recipients.push(id.clone());
        self.recipient_numbers.insert(id.clone(), n);
        self.by_recipient.push(BTreeSet::new());
        n
    }

    /// Recomputes the reminders of one subject. Only the reminders that changed move in the
    /// ordered sets: an activity on a deal moves its rot date, not its close-date reminder.
    fn refresh(&mut self, state: &State, subject: Subject) {
        let (kind, n) = kind_of(subject);
        let old = match self.placed[kind].get_mut(n as usize) {
            Some(list) => std::mem::take(list),
            None => Box::default(),
        };
        let list = self.place(state, subject);
        for place in 0..old.len().max(list.len()) {
            let (before, after) = (old.get(place), list.get(place));
            if let (Some(b), Some(a)) = (before, after) {
                if (b.due, b.recipient, b.visible) == (a.due, a.recipient, a.visible) {
                    continue;
                }
            }
            let key = |p: &Placed| (p.due, pack(subject, place));
            if let Some(b) = before.filter(|b| b.visible) {
                self.timeline.remove(&key(b));
                if let Some(set) = self.by_recipient.get_mut(b.recipient as usize) {
                    set.remove(&key(b));
                }
            }
            if let Some(a) = after.filter(|a| a.visible) {
                self.timeline.insert(key(a));
                if let Some(set) = self.by_recipient.get_mut(a.recipient as usize) {
                    set.insert(key(a));
                }
            }
        }
        self.count -= old.len();
        self.store(subject, list);
    }

    fn placed(&self, key: u64) -> Option<&Placed> {
        let (subject, place) = unpack(key);
        let (kind, n) = kind_of(subject);
        self.placed[kind].get(n as usize)?.get(place)
    }

    /// The reminders of `keys` (in due order), computed from the state, ties sorted by id.
    fn resolve<'a>(&self, state: &State, keys: impl Iterator<Item = &'a Key>) -> Vec<Reminder> {
        let mut out = Vec::new();
        let mut buf = Vec::new();
        let mut current = None;
        for &(_, key) in keys {
            let (subject, place) = unpack(key);
            if current != Some(subject) {
                buf.clear();
                candidates(state, &self.facts, subject, Want::Whole, &mut buf);
                current = Some(subject);
            }
            if let Some(c) = buf.get(place) {
                out.push(c.reminder.clone());
            }
        }
        sort_ties(&mut out);
        out
    }

    /// The keys of `set` due at `now`, in order: the first `limit` and every other one due at
    /// the same instant as the last of them (which of those comes first is decided by id).
    fn due_keys<'a>(
        &'a self,
        set: &'a BTreeSet<Key>,
        now: Timestamp,
        limit: usize,
    ) -> Vec<&'a Key> {
        let mut keys: Vec<&Key> = Vec::new();
        for key in set.range(through(now)) {
            if keys.len() >= limit && keys.last().is_some_and(|last| last.0 < key.0) {
                break;
            }
            if self.placed(key.1).is_some_and(|p| p.is_due_at(now)) {
                keys.push(key);
            }
        }
        keys
    }

    /// Every reminder due at `now`, sorted by due time, then id.
    pub fn due(&self, state: &State, now: Timestamp) -> Vec<Reminder> {
        let keys = self.due_keys(&self.timeline, now, usize::MAX);
        self.resolve(state, keys.into_iter())
    }

    /// Up to `limit` reminders due at `now` for one recipient, sorted by due time, then id.
    pub fn due_for(
        &self,
        state: &State,
        recipient: &ActorId,
        now: Timestamp,
        limit: usize,
    ) -> Vec<Reminder> {
        let Some(set) = self
            .recipient_numbers
            .get(recipient)
            .and_then(|&n| self.by_recipient.get(n as usize))
        else {
            return Vec::new();
        };
        let keys = self.due_keys(set, now, limit);
        let mut out = self.resolve(state, keys.into_iter());
        out.truncate(limit);
        out
    }

    /// The reminders coming due after `now` and up to `now + horizon`, sorted by due time,
    /// then id.
    pub fn upcoming(&self, state: &State, now: Timestamp, horizon: Duration) -> Vec<Reminder> {
        let end = now.plus(horizon).plus_millis(1);
        self.resolve(
            state,
            self.timeline.range((after(now), Bound::Excluded((end, 0)))),
        )
    }

    /// The earliest instant after `now` at which a reminder comes due: when the host should
    /// ask again (unless an event happens first).
    pub fn next_due_after(&self, now: Timestamp) -> Option<Timestamp> {
        self.timeline
            .range((after(now), Bound::Unbounded))
            .next()
            .map(|(t, _)| *t)
    }

    /// The earliest instant after `now` at which a reminder for a recipient that `keep`
    /// accepts comes due (a reader's share of [`ReminderIndex::next_due_after`]).
    pub fn next_due_after_for(
        &self,
        now: Timestamp,
        keep: impl Fn(&ActorId) -> bool,
    ) -> Option<Timestamp> {
        self.recipients
            .iter()
            .zip(&self.by_recipient)
            .filter(|(who, _)| keep(who))
            .filter_map(|(_, set)| set.range((after(now), Bound::Unbounded)).next())
            .map(|(t, _)| *t)
            .min()
    }

    /// The subject and place of reminder `id`, read back from the id (kind, subject, cause)
    /// and checked against the reminders the state gives that subject.
    fn find(&self, state: &State, id: &ReminderId) -> Option<(Subject, Candidate)> {
        let text = id.as_str();
        let base = text.strip_prefix("escalated/").unwrap_or(text);
        let (prefix, rest) = base.split_once('/')?;
        let cause = |rest: &str| rest.rsplit_once('@').map(|(s, _)| s.to_owned());
        let subjects: Vec<Subject> = match prefix {
            "follow_up" => {
                let a = state.activity(&rest.into())?;
                match &a.opportunity {
                    Some(o) => vec![Subject::opportunity(state, o)?],
                    None => vec![Subject::customer(state, &a.customer)?],
                }
            }
            "task_due_soon" | "task_overdue" => vec![Subject::task(state, &rest.into())?],
            "stale" | "close_date_passed" => {
                vec![Subject::opportunity(state, &cause(rest)?.into())?]
            }
            "cadence" => vec![Subject::customer(state, &cause(rest)?.into())?],
            // `approval/<opp>/<request>/<approver>@<due>`: an opportunity id may hold a `/`,
            // so every split is tried.
            "approval" => rest
                .match_indices('/')
                .filter_map(|(i, _)| {
                    state
                        .number(Numbered::Opportunity(&rest[..i].into()))
                        .map(Subject::Opportunity)
                })
                .collect(),
            _ => return None,
        };
        let mut buf = Vec::new();
        for s in subjects {
            buf.clear();
            candidates(state, &self.facts, s, Want::Whole, &mut buf);
            if let Some(c) = buf.drain(..).find(|c| c.reminder.id == *id) {
                return Some((s, c));
            }
        }
        None
    }

    /// A reminder the state currently derives, whether or not a user hid it, with whether
    /// it is hidden.
    pub(crate) fn get(&self, state: &State, id: &ReminderId) -> Option<(Reminder, bool)> {
        self.find(state, id).map(|(_, c)| (c.reminder, !c.visible))
    }

    /// A reminder by id (`None` when its cause is resolved or it never existed); hidden ones
    /// (acknowledged, dismissed) are included.
    pub fn reminder(&self, state: &State, id: &ReminderId) -> Option<Reminder> {
        self.get(state, id).map(|(r, _)| r)
    }

    /// How many reminders are indexed (visible or hidden).
    pub fn len(&self) -> usize {
        self.count
    }

    /// True when no reminder is indexed.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_unpack_to_what_was_packed() {
        for s in [
            Subject::Opportunity(0),
            Subject::Task(u32::MAX),
            Subject::Customer(77),
        ] {
            for place in [0, 1, (1 << PLACE_BITS) - 1] {
                assert_eq!(unpack(pack(s, place)), (s, place));
            }
        }
        // Within a due time, keys order by kind, then subject, then place.
        assert!(pack(Subject::Opportunity(9), 3) < pack(Subject::Task(0), 0));
        assert!(pack(Subject::Task(1), 0) < pack(Subject::Task(1), 1));
    }
}
