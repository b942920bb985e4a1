//! The reminder index the engine keeps and [`scan`], its whole-state reference; reminder
//! commands are decided in `engine::command::reminders`, reminders are read through
//! [`crate::View`].

mod compute;
mod index;

pub use compute::scan;
pub use index::ReminderIndex;
