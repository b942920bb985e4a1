//! The fold of the customer events: customers and their contacts, activities and tasks.

use crate::clock::cap_opt_duration;
use crate::event::{Event, RecordedEvent};
use crate::state::State;

impl State {
    pub(super) fn apply_customer(&mut self, rec: &RecordedEvent) {
        let at = rec.at;
        match &rec.event {
            Event::CustomerCreated { customer } => {
                self.reminders.observe(&self.customers, rec);
                let mut customer = (**customer).clone();
                cap_opt_duration(&mut customer.cadence);
                self.customers.insert(customer.id.clone(), customer);
            }
            Event::CustomerUpdated { customer } => {
                self.reminders.observe(&self.customers, rec);
                if let Some(c) = self.customers.get_mut(&customer.id) {
                    let contacts = std::mem::take(&mut c.contacts);
                    *c = (**customer).clone();
                    c.contacts = contacts;
                    cap_opt_duration(&mut c.cadence);
                }
            }
            Event::ContactAdded { customer, contact } => {
                if let Some(c) = self.customers.get_mut(customer) {
                    c.contacts.push((**contact).clone());
                }
            }
            Event::ActivityLogged { activity } => {
                let mut activity = (**activity).clone();
                // The ids it names share the state's copies: one string per customer, deal
                // and user, not one per activity.
                activity.customer = self.shared_customer(&activity.customer);
                activity.opportunity = activity.opportunity.map(|o| self.shared_opportunity(&o));
                activity.actor = activity.actor.map(|a| self.shared_user(&a));
                self.activities.insert(activity);
            }
            Event::TaskCreated { task } => {
                let mut task = (**task).clone();
                task.owner = self.shared_user(&task.owner);
                task.customer = task.customer.map(|c| self.shared_customer(&c));
                task.opportunity = task.opportunity.map(|o| self.shared_opportunity(&o));
                self.tasks.insert(task.id.clone(), task);
            }
            Event::TaskDone { task, done } => {
                if let Some(t) = self.tasks.get_mut(task) {
                    t.done = *done;
                    t.done_at = done.then_some(at);
                }
            }
            _ => {} // folded by another aggregate
        }
    }
}
