//! The fold of the user events.

use crate::event::{Event, RecordedEvent};
use crate::state::State;

impl State {
    pub(super) fn apply_user(&mut self, rec: &RecordedEvent) {
        if let Event::UserRegistered { user } = &rec.event {
            self.users.insert(user.id.clone(), user.clone());
        }
    }
}
