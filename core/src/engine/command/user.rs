//! The user commands: register or update a user.

use smallvec::smallvec;

use super::{non_empty, Ctx, Events};
use crate::engine::policy::Action;
use crate::error::{Error, Result};
use crate::event::Event;
use crate::id::ActorId;
use crate::user::{reporting_line, Role, User};

/// Decides a registration (or update) of a user.
#[inline(never)]
pub(super) fn register(cx: &Ctx<'_>, user: User) -> Result<Events> {
    cx.allow(Action::ManageUsers)?;
    non_empty("user.id", user.id.as_str())?;
    non_empty("user.name", &user.name)?;
    user.validate()?;
    // There is always an admin: the last one keeps the role.
    let demoted = cx
        .state
        .user(&user.id)
        .is_some_and(|u| u.role == Role::Admin && user.role != Role::Admin);
    if demoted
        && !cx
            .state
            .users()
            .any(|u| u.role == Role::Admin && u.id != user.id)
    {
        return Err(Error::validation(
            "user.role",
            format!(
                "{} is the last admin; register another admin before changing their role",
                user.id
            ),
        ));
    }
    if user.manager.as_ref() == Some(&user.id) {
        return Err(Error::validation(
            "user.manager",
            "a user cannot manage themselves",
        ));
    }
    if let Some(manager) = &user.manager {
        // The user's line as it would be with this registration: a user with a manager whose
        // line is empty is in a ring (a→b→a), which has nobody at its top and nobody above
        // anyone in it (see `reporting_line`).
        let lookup = |id: &ActorId| -> Option<&User> {
            if *id == user.id {
                Some(&user)
            } else {
                cx.state.user(id)
            }
        };
        if reporting_line(&user.id, lookup).next().is_none() {
            return Err(Error::validation(
                "user.manager",
                format!(
                    "{manager} is below {} in the reporting lines: a ring has nobody at its top",
                    user.id
                ),
            ));
        }
    }
    Ok(smallvec![Event::UserRegistered { user }])
}
