//! The reminders of one subject (an opportunity, a task, a customer), computed from the state
//! and a few per-subject facts; and [`scan`], the whole-state reference the index is tested
//! against.

use std::time::Duration;

use chrono::{Days, NaiveTime};
use chrono_tz::Tz;

use crate::activity::Activity;
use crate::clock::Timestamp;
use crate::id::{ActivityId, ActorId, CustomerId, OpportunityId, TaskId};
use crate::state::{Map, Numbered, State};
use crate::user::reporting_line;

use crate::reminder::rules::{local_date, local_instant, scale};
use crate::reminder::{Reminder, ReminderId, ReminderKind, TaskLead};

/// What a reminder hangs on, by the state's number of the record: the events touching a
/// subject recompute its reminders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Subject {
    Opportunity(u32),
    Task(u32),
    Customer(u32),
}

impl Subject {
    /// The subject of an opportunity the state knows.
    pub fn opportunity(st: &State, id: &OpportunityId) -> Option<Subject> {
        st.number(Numbered::Opportunity(id))
            .map(Subject::Opportunity)
    }

    /// The subject of a task the state knows.
    pub fn task(st: &State, id: &TaskId) -> Option<Subject> {
        st.number(Numbered::Task(id)).map(Subject::Task)
    }

    /// The subject of a customer the state knows.
    pub fn customer(st: &State, id: &CustomerId) -> Option<Subject> {
        st.number(Numbered::Customer(id)).map(Subject::Customer)
    }

    /// Every subject of a state: opportunities, tasks, customers.
    pub fn all(st: &State) -> impl Iterator<Item = Subject> {
        let count = |n: usize| 0..u32::try_from(n).unwrap_or(u32::MAX);
        count(st.opportunity_count())
            .map(Subject::Opportunity)
            .chain(count(st.task_count()).map(Subject::Task))
            .chain(count(st.customer_count()).map(Subject::Customer))
    }
}

/// Per-subject aggregates of the activities: the latest activity (greatest `(at, id)`) on each
/// opportunity and with each customer.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Facts {
    pub opp_latest: Map<OpportunityId, (Timestamp, ActivityId)>,
    pub cust_latest: Map<CustomerId, (Timestamp, ActivityId)>,
}

fn bump<K: std::hash::Hash + Eq + Clone>(
    map: &mut Map<K, (Timestamp, ActivityId)>,
    key: &K,
    a: &Activity,
) {
    match map.get_mut(key) {
        Some(cur) => {
            if (a.at, &a.id) > (cur.0, &cur.1) {
                *cur = (a.at, a.id.clone());
            }
        }
        None => {
            map.insert(key.clone(), (a.at, a.id.clone()));
        }
    }
}

impl Facts {
    /// Takes one logged activity into account (O(1)).
    pub fn observe(&mut self, a: &Activity) {
        if let Some(o) = &a.opportunity {
            bump(&mut self.opp_latest, o, a);
        }
        bump(&mut self.cust_latest, &a.customer, a);
    }

    /// The facts of a whole state, by a scan of every activity.
    pub fn of(state: &State) -> Facts {
        let mut f = Facts::default();
        for a in state.activities() {
            f.observe(a);
        }
        f
    }
}

/// A reminder as computed, visible or hidden by a user's acknowledge, snooze or dismiss.
#[derive(Debug, Clone)]
pub(crate) struct Candidate {
    pub reminder: Reminder,
    pub visible: bool,
}

/// How a subject's reminders are wanted: whole (a query), or only where each falls due
/// (the index: recipient, due time, `until`, visibility), their ids left unwritten unless a
/// mark had to be looked up by id. Both give the same reminders in the same order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Want {
    Whole,
    Due,
}

/// The id of a reminder computed for [`Want::Due`]: not written out.
fn unwritten() -> ReminderId {
    static EMPTY: std::sync::LazyLock<ReminderId> = std::sync::LazyLock::new(|| "".into());
    EMPTY.clone()
}

/// A reminder without its id yet ([`Out::push`] writes it when wanted).
fn blank(kind: ReminderKind, recipient: ActorId, due: Timestamp) -> Reminder {
    Reminder {
        id: unwritten(),
        kind,
        recipient,
        escalated_from: None,
        due,
        until: None,
        opportunity: None,
        customer: None,
        task: None,
        activity: None,
        request: None,
    }
}

struct Out<'a> {
    st: &'a State,
    tz: Tz,
    escalate: Option<Duration>,
    want: Want,
    out: &'a mut Vec<Candidate>,
}

impl Out<'_> {
    fn unquiet(&self, t: Timestamp) -> Timestamp {
        self.st.reminders().rules.unquiet(self.tz, t)
    }

    /// Adds a reminder due by its rule at `r.due`, with its marks and its escalation. `id`
    /// writes its id, called when the id is wanted or a mark of `record` (the id's
    /// [`ReminderId::record`], `None` for one that has none) may exist.
    fn push(
        &mut self,
        mut r: Reminder,
        record: Option<&str>,
        id: impl FnOnce() -> String,
        escalates: bool,
    ) {
        let rule_due = r.due;
        let marks = self.st.reminders();
        let marked = record.is_none_or(|k| marks.may_be_marked(k));
        let written = marked || self.want == Want::Whole;
        if written {
            r.id = ReminderId::from(id());
        }
        let mark = if marked {
            marks.mark(&r.id)
        } else {
            Default::default()
        };
        let escalation = match (escalates, self.escalate) {
            // The recipient's manager as the one reporting-line walk has it: nobody in a
            // ring (possible only in a hand-edited store) escalates to another.
            (true, Some(after)) => reporting_line(&r.recipient, |id| self.st.user(id))
                .next()
                .map(|m| (m.clone(), after)),
            _ => None,
        };
        if let Some((manager, after)) = escalation {
            let id = if written {
                ReminderId::from(format!("escalated/{}", r.id))
            } else {
                unwritten()
            };
            let emark = if marked {
                marks.mark(&id)
            } else {
                Default::default()
            };
            let due = self.unquiet(rule_due.plus(after));
            let due = emark.snoozed_until.map_or(due, |s| due.max(s));
            let e = Reminder {
                id,
                recipient: manager,
                escalated_from: Some(r.recipient.clone()),
                due,
                ..r.clone()
            };
            self.out.push(Candidate {
                reminder: e,
                visible: !mark.dismissed && !emark.dismissed && !emark.acknowledged,
            });
        }
        r.due = mark.snoozed_until.map_or(rule_due, |s| rule_due.max(s));
        let expired = r.until.is_some_and(|u| r.due >= u);
        self.out.push(Candidate {
            reminder: r,
            visible: !mark.dismissed && !mark.acknowledged && !expired,
        });
    }
}

/// Appends the reminders of `subject` to `out`, as wanted.
pub(crate) fn candidates(
    st: &State,
    facts: &Facts,
    subject: Subject,
    want: Want,
    out: &mut Vec<Candidate>,
) {
    match subject {
        Subject::Opportunity(n) => opportunity(st, facts, n, want, out),
        Subject::Task(n) => task(st, n, want, out),
        Subject::Customer(n) => customer(st, facts, n, want, out),
    }
}

fn opportunity(st: &State, facts: &Facts, n: u32, want: Want, out: &mut Vec<Candidate>) {
    let Some(o) = st.opportunity_numbered(n) else {
        return;
    };
    let id = &o.id;
    if !o.is_open() {
        return;
    }
    let rules = &st.reminders().rules;
    let mut out = Out {
        st,
        tz: rules.tz(Some(&o.pipeline)),
        escalate: rules.escalate_after(Some(&o.pipeline)),
        want,
        out,
    };
    let latest = facts.opp_latest.get(id).and_then(|(_, a)| st.activity(a));
    let planned = latest.and_then(|a| a.next_follow_up);

    // The planned next step.
    if let (Some(a), Some(f)) = (latest, planned) {
        let mut r = blank(ReminderKind::FollowUp, o.owner.clone(), out.unquiet(f));
        r.opportunity = Some(o.id.clone());
        r.customer = Some(o.customer.clone());
        r.activity = Some(a.id.clone());
        let id = || format!("follow_up/{}", a.id);
        out.push(r, Some(a.id.as_str()), id, true);
    }

    // Rotting in the stage.
    let stage = st.pipeline(&o.pipeline).and_then(|p| p.stage(&o.stage));
    if let Some(stage) = stage {
        let rule = rules.stale_rule(&o.pipeline, &o.stage);
        if let Some(limit) = rule.in_stage.or(stage.rotting_after) {
            let pct = 100u32.saturating_sub(
                o.close_date_pushes
                    .saturating_mul(u32::from(rule.push_shortens_pct)),
            );
            let entered = o.stage_entered_at;
            let by_stage = entered.plus(scale(limit, pct));
            let by_limits = match rule.idle {
                Some(idle) => {
                    let since = latest.map_or(entered, |a| a.at.max(entered));
                    by_stage.max(since.plus(scale(idle, pct)))
                }
                None => by_stage,
            };
            // A planned step rots once it is overdue by the grace; planned far off, it
            // delays the limits by `planned_delay_max` at most (it does not silence them).
            let due = match planned {
                Some(f) => f
                    .plus(rule.follow_up_grace)
                    .min(by_limits.plus(rule.planned_delay_max)),
                None => by_limits,
            };
            let due = out.unquiet(due);
            let mut r = blank(ReminderKind::Stale, o.owner.clone(), due);
            r.opportunity = Some(o.id.clone());
            r.customer = Some(o.customer.clone());
            let id = || format!("stale/{}@{due}", o.id);
            out.push(r, Some(o.id.as_str()), id, true);
        }
    }

    // The expected close date passed.
    if let Some(date) = o.expected_close {
        if let Some(next) = date.checked_add_days(Days::new(1)) {
            let due = out.unquiet(local_instant(out.tz, next, NaiveTime::MIN));
            let mut r = blank(ReminderKind::CloseDatePassed, o.owner.clone(), due);
            r.opportunity = Some(o.id.clone());
            r.customer = Some(o.customer.clone());
            let id = || format!("close_date_passed/{}@{date}", o.id);
            out.push(r, Some(o.id.as_str()), id, true);
        }
    }

    // Approvals waiting beyond the SLA.
    for req in &o.approvals {
        let Some(process) = st.process(&req.process) else {
            continue;
        };
        let Some(sla) = process.sla.or(rules.approval_sla) else {
            continue;
        };
        let due = out.unquiet(req.step_since.plus(sla));
        for approver in req.waiting_on(process) {
            let mut r = blank(ReminderKind::ApprovalWaiting, approver.clone(), due);
            r.opportunity = Some(o.id.clone());
            r.customer = Some(o.customer.clone());
            r.request = Some(req.id.clone());
            // An approval's id has no record to read back: its marks are always looked up.
            let id = || format!("approval/{}/{}/{approver}@{due}", o.id, req.id);
            out.push(r, None, id, true);
        }
    }
}

fn task(st: &State, n: u32, want: Want, out: &mut Vec<Candidate>) {
    let Some(t) = st.task_numbered(n) else { return };
    if t.done {
        return;
    }
    let rules = &st.reminders().rules;
    let pipeline = t
        .opportunity
        .as_ref()
        .and_then(|o| st.opportunity(o))
        .map(|o| &o.pipeline);
    let mut out = Out {
        st,
        tz: rules.tz(pipeline),
        escalate: rules.escalate_after(pipeline),
        want,
        out,
    };
    let overdue = out.unquiet(t.due);
    let lead = match rules.task_lead(pipeline) {
        TaskLead::Before(d) => {
            let ms = i64::try_from(d.as_millis()).unwrap_or(i64::MAX);
            Some(t.due.plus_millis(-ms))
        }
        TaskLead::Local { days_before, at } => local_date(out.tz, t.due)
            .checked_sub_days(Days::new(u64::from(days_before)))
            .map(|d| local_instant(out.tz, d, at)),
    };
    let fill = |mut r: Reminder| {
        r.task = Some(t.id.clone());
        r.opportunity.clone_from(&t.opportunity);
        r.customer.clone_from(&t.customer);
        r
    };
    if let Some(soon) = lead.map(|l| out.unquiet(l)).filter(|s| *s < overdue) {
        let mut r = fill(blank(ReminderKind::TaskDueSoon, t.owner.clone(), soon));
        r.until = Some(overdue);
        let id = || format!("task_due_soon/{}", t.id);
        out.push(r, Some(t.id.as_str()), id, false);
    }
    let r = fill(blank(ReminderKind::TaskOverdue, t.owner.clone(), overdue));
    let id = || format!("task_overdue/{}", t.id);
    out.push(r, Some(t.id.as_str()), id, true);
}

fn customer(st: &State, facts: &Facts, n: u32, want: Want, out: &mut Vec<Candidate>) {
    let Some(c) = st.customer_numbered(n) else {
        return;
    };
    let id = &c.id;
    let rules = &st.reminders().rules;
    let mut out = Out {
        st,
        tz: rules.tz(None),
        escalate: rules.escalate_after(None),
        want,
        out,
    };
    let latest = facts.cust_latest.get(id).and_then(|(_, a)| st.activity(a));

    // The follow-up of an activity linked to no opportunity.
    if let Some(a) = latest.filter(|a| a.opportunity.is_none()) {
        let recipient = c.owner.clone().or_else(|| a.actor.clone());
        if let (Some(f), Some(recipient)) = (a.next_follow_up, recipient) {
            let mut r = blank(ReminderKind::FollowUp, recipient, out.unquiet(f));
            r.customer = Some(c.id.clone());
            r.activity = Some(a.id.clone());
            let id = || format!("follow_up/{}", a.id);
            out.push(r, Some(a.id.as_str()), id, true);
        }
    }

    // The key customer's cadence.
    if !c.key {
        return;
    }
    let Some(cadence) = c.cadence.or(rules.key_cadence) else {
        return;
    };
    let since = match (latest.map(|a| a.at), st.reminders().key_since.get(id)) {
        (Some(a), Some(k)) => a.max(*k),
        (Some(a), None) => a,
        (None, Some(k)) => *k,
        (None, None) => return,
    };
    let recipient = c
        .owner
        .clone()
        .or_else(|| latest.and_then(|a| a.actor.clone()));
    let Some(recipient) = recipient else { return };
    let due = out.unquiet(since.plus(cadence));
    let mut r = blank(ReminderKind::KeyCustomerCadence, recipient, due);
    r.customer = Some(c.id.clone());
    let id = || format!("cadence/{}@{due}", c.id);
    out.push(r, Some(c.id.as_str()), id, true);
}

/// Every reminder of a state that no user hid, sorted by due time then id — computed by a scan
/// over every opportunity, task, customer and activity. This is the reference the engine's
/// index is tested against; filter it with [`Reminder::is_due_at`] for the reminders due at an
/// instant.
///
/// ```
/// use salespipe::*;
/// let mut engine = Engine::new();
/// engine.register_user("wang", User::new("wang", "王芳", Role::Admin))?;
/// engine.create_task("wang", Task::new("task-1", "Call back", "wang", "2026-03-03T09:00:00Z".parse()?))?;
/// let now = "2026-03-04T00:00:00Z".parse()?;
/// let by_scan: Vec<_> = salespipe::scan(engine.view().state()).into_iter().filter(|r| r.is_due_at(now)).collect();
/// assert_eq!(by_scan, engine.view().due(now));
/// # Ok::<(), salespipe::Error>(())
/// ```
pub fn scan(state: &State) -> Vec<Reminder> {
    let facts = Facts::of(state);
    let mut out = Vec::new();
    for s in Subject::all(state) {
        candidates(state, &facts, s, Want::Whole, &mut out);
    }
    let mut v: Vec<Reminder> = out
        .into_iter()
        .filter(|c| c.visible)
        .map(|c| c.reminder)
        .collect();
    v.sort_by(|a, b| (a.due, &a.id).cmp(&(b.due, &b.id)));
    v
}
