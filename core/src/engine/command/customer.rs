//! The customer commands: customers and their contacts, activities and tasks.

use std::collections::HashSet;

use smallvec::smallvec;

use super::{misrouted, non_empty, Command, Ctx, Events};
use crate::activity::{Activity, Task};
use crate::clock::check_duration;
use crate::customer::{Contact, Customer};
use crate::engine::policy::Action;
use crate::error::{Error, Result};
use crate::event::Event;
use crate::id::{CustomerId, TaskId};

/// Decides a customer, contact, activity or task command.
#[inline(never)]
pub(super) fn decide(cx: &Ctx<'_>, cmd: Command) -> Result<Events> {
    match cmd {
        Command::CreateCustomer { customer } => create_customer(cx, customer),
        Command::UpdateCustomer { customer } => update_customer(cx, customer),
        Command::AddContact { customer, contact } => add_contact(cx, customer, contact),
        Command::LogActivity { activity } => log_activity(cx, activity),
        Command::CreateTask { task } => create_task(cx, task),
        Command::CompleteTask { task } => task_done(cx, task, true),
        Command::ReopenTask { task } => task_done(cx, task, false),
        other => Err(misrouted(other, "a customer")),
    }
}

fn create_customer(cx: &Ctx<'_>, customer: Customer) -> Result<Events> {
    let st = cx.state;
    check_customer(cx, &customer)?;
    cx.allow(Action::WorkCustomer {
        owner: customer.owner.as_ref(),
    })?;
    if st.customer(&customer.id).is_some() {
        return Err(Error::already_exists("customer", &customer.id));
    }
    Ok(smallvec![Event::CustomerCreated {
        customer: Box::new(customer),
    }])
}

fn update_customer(cx: &Ctx<'_>, customer: Customer) -> Result<Events> {
    let st = cx.state;
    check_customer(cx, &customer)?;
    let before = st
        .customer(&customer.id)
        .ok_or_else(|| Error::not_found("customer", &customer.id))?;
    cx.allow(Action::WorkCustomer {
        owner: before.owner.as_ref(),
    })?;
    if customer.owner != before.owner {
        cx.allow(Action::WorkCustomer {
            owner: customer.owner.as_ref(),
        })?;
    }
    Ok(smallvec![Event::CustomerUpdated {
        customer: Box::new(customer),
    }])
}

fn add_contact(cx: &Ctx<'_>, customer: CustomerId, contact: Contact) -> Result<Events> {
    let st = cx.state;
    let c = st
        .customer(&customer)
        .ok_or_else(|| Error::not_found("customer", &customer))?;
    cx.allow(Action::WorkCustomer {
        owner: c.owner.as_ref(),
    })?;
    non_empty("contact.id", contact.id.as_str())?;
    non_empty("contact.name", &contact.name)?;
    if c.find_contact(&contact.id).is_some() {
        return Err(Error::already_exists("contact", &contact.id));
    }
    Ok(smallvec![Event::ContactAdded {
        customer,
        contact: Box::new(contact),
    }])
}

fn log_activity(cx: &Ctx<'_>, mut activity: Activity) -> Result<Events> {
    let st = cx.state;
    non_empty("activity.id", activity.id.as_str())?;
    // The actor recorded is the command's: nobody logs work in someone else's name.
    if let Some(a) = activity.actor.as_ref().filter(|a| *a != cx.actor) {
        return Err(Error::validation(
            "activity.actor",
            format!(
                "{a} is not the command's actor {}: an activity is recorded as the work of whoever logs it",
                cx.actor
            ),
        ));
    }
    non_empty("activity.kind", &activity.kind)?;
    if st.activity(&activity.id).is_some() {
        return Err(Error::already_exists("activity", &activity.id));
    }
    let c = st
        .customer(&activity.customer)
        .ok_or_else(|| Error::not_found("customer", &activity.customer))?;
    if let Some(k) = &activity.contact {
        if c.find_contact(k).is_none() {
            return Err(Error::validation(
                "activity.contact",
                format!("{k} is not a contact of {}", c.id),
            ));
        }
    }
    match &activity.opportunity {
        Some(oid) => {
            let o = cx.opp(oid)?;
            cx.allow(Action::WorkDeal { owner: &o.owner })?;
            if o.customer != activity.customer {
                return Err(Error::validation(
                    "activity.opportunity",
                    format!("{oid} belongs to {}, not {}", o.customer, activity.customer),
                ));
            }
        }
        None => cx.allow(Action::WorkCustomer {
            owner: c.owner.as_ref(),
        })?,
    }
    activity.at.check_input("activity.at")?;
    let latest = cx.now.plus(Activity::MAX_AHEAD);
    if activity.at > latest {
        return Err(Error::validation(
            "activity.at",
            format!(
                "{} is more than a day after now ({}): an activity is work done; plan work as a follow-up or a task",
                activity.at, cx.now
            ),
        ));
    }
    if let Some(f) = activity.next_follow_up {
        f.check_input("activity.next_follow_up")?;
        if f < activity.at {
            return Err(Error::validation(
                "activity.next_follow_up",
                format!("{f} is before the activity ({})", activity.at),
            ));
        }
    }
    activity.actor.get_or_insert_with(|| cx.actor.clone());
    Ok(smallvec![Event::ActivityLogged {
        activity: Box::new(activity),
    }])
}

fn create_task(cx: &Ctx<'_>, task: Task) -> Result<Events> {
    let st = cx.state;
    non_empty("task.id", task.id.as_str())?;
    non_empty("task.title", &task.title)?;
    if st.task(&task.id).is_some() {
        return Err(Error::already_exists("task", &task.id));
    }
    cx.user(&task.owner, "task.owner")?;
    cx.allow(Action::WorkTask { owner: &task.owner })?;
    task.due.check_input("task.due")?;
    if let Some(c) = &task.customer {
        if st.customer(c).is_none() {
            return Err(Error::not_found("customer", c));
        }
    }
    if let Some(o) = &task.opportunity {
        cx.opp(o)?;
    }
    if task.done {
        return Err(Error::validation(
            "task.done",
            "a new task is open; complete it afterwards",
        ));
    }
    Ok(smallvec![Event::TaskCreated {
        task: Box::new(task),
    }])
}

fn check_customer(cx: &Ctx<'_>, c: &Customer) -> Result<()> {
    non_empty("customer.id", c.id.as_str())?;
    non_empty("customer.name", &c.name)?;
    if let Some(owner) = &c.owner {
        cx.user(owner, "customer.owner")?;
    }
    if c.cadence.is_some_and(|d| d.is_zero()) {
        return Err(Error::validation(
            "customer.cadence",
            "must be longer than zero",
        ));
    }
    if let Some(d) = c.cadence {
        check_duration("customer.cadence", d)?;
    }
    let mut seen = HashSet::new();
    for (i, k) in c.contacts.iter().enumerate() {
        non_empty(&format!("customer.contacts[{i}].name"), &k.name)?;
        if !seen.insert(&k.id) {
            return Err(Error::validation(
                format!("customer.contacts[{i}].id"),
                format!("duplicate contact {}", k.id),
            ));
        }
    }
    Ok(())
}

fn task_done(cx: &Ctx<'_>, id: TaskId, done: bool) -> Result<Events> {
    let t = cx
        .state
        .task(&id)
        .ok_or_else(|| Error::not_found("task", &id))?;
    cx.allow(Action::WorkTask { owner: &t.owner })?;
    if t.done == done {
        let state = if done { "already done" } else { "not done" };
        return Err(Error::transition(format!("task {id} is {state}")));
    }
    Ok(smallvec![Event::TaskDone { task: id, done }])
}
