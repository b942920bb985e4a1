//! The host's users as the engine needs them: role, manager, time zone.

use serde::{Deserialize, Serialize};

use crate::id::ActorId;

/// What a user may do under the default policy.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default, PartialOrd, Ord,
)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Role {
    /// A sales rep: works their own deals.
    #[default]
    Rep,
    /// A sales manager: works their team's deals, may force advances.
    Manager,
    /// An administrator: defines pipelines and processes, may do anything.
    Admin,
}

/// A user.
///
/// ```
/// use salespipe::{User, Role};
/// let u = User::new("wang", "王芳", Role::Rep).managed_by("li").time_zone("Asia/Shanghai");
/// assert_eq!(u.manager.as_ref().unwrap().as_str(), "li");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct User {
    /// Id.
    pub id: ActorId,
    /// Display name.
    pub name: String,
    /// Role.
    #[serde(default)]
    pub role: Role,
    /// Their manager.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manager: Option<ActorId>,
    /// IANA time zone (`Asia/Shanghai`), for day-based reports and local-time reminders.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
}

impl User {
    /// A user with a role.
    pub fn new(id: impl Into<ActorId>, name: impl Into<String>, role: Role) -> Self {
        User {
            id: id.into(),
            name: name.into(),
            role,
            manager: None,
            time_zone: None,
        }
    }

    /// Sets the manager.
    pub fn managed_by(mut self, manager: impl Into<ActorId>) -> Self {
        self.manager = Some(manager.into());
        self
    }

    /// Sets the time zone.
    pub fn time_zone(mut self, tz: impl Into<String>) -> Self {
        self.time_zone = Some(tz.into());
        self
    }
}
