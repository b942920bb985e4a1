//! The user commands: register or update a user.

use smallvec::smallvec;

use super::{non_empty, Ctx, Events};
use crate::engine::policy::Action;
use crate::error::{Error, Result};
use crate::event::Event;
use crate::user::User;

/// Decides a registration (or update) of a user.
#[inline(never)]
pub(super) fn register(cx: &Ctx<'_>, user: User) -> Result<Events> {
    cx.allow(Action::ManageUsers)?;
    non_empty("user.id", user.id.as_str())?;
    non_empty("user.name", &user.name)?;
    if let Some(tz) = &user.time_zone {
        non_empty("user.time_zone", tz)?;
    }
    if user.manager.as_ref() == Some(&user.id) {
        return Err(Error::validation(
            "user.manager",
            "a user cannot manage themselves",
        ));
    }
    Ok(smallvec![Event::UserRegistered { user }])
}
