//! The host's users as the engine needs them: role, manager, time zone.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::id::ActorId;
use crate::zone::parse_tz;

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

    /// Checks what every later read of the user relies on: the time zone, if any, is an IANA
    /// name (their daily reports are days of that zone). The error names `user.time_zone`.
    ///
    /// ```
    /// use salespipe::{Role, User};
    /// assert!(User::new("wang", "王芳", Role::Rep).time_zone("Asia/Shanghai").validate().is_ok());
    /// let err = User::new("wang", "王芳", Role::Rep).time_zone("Mars/Olympus").validate().unwrap_err();
    /// assert!(err.to_string().contains("user.time_zone"));
    /// ```
    pub fn validate(&self) -> Result<()> {
        if let Some(tz) = &self.time_zone {
            parse_tz("user.time_zone", tz)?;
        }
        Ok(())
    }
}

/// The managers above `rep`, nearest first: their manager, that manager's manager, and so on.
/// `lookup` finds a user by id. This is the one walk up the reporting lines: the policy's
/// [`crate::Directory::manages`], the members of a team's daily report and the
/// roll-up and decomposition of targets ([`crate::management::target`]) all follow it.
///
/// The line ends at a user without a manager, at a manager `lookup` does not know (who is still
/// in the line: the user names them), or at a loop.
///
/// **A loop** is a user whose line comes back to them: a self-manager (a→a) or a ring
/// (a→b→a, a→b→c→a ...). The manager links of a loop are ignored:
/// - a member of a loop is at the top of their own line (their line is empty);
/// - a line from below a loop (c→a, with a→b→a) ends at the first member it meets (c's line
///   is `a`).
///
/// So nobody is above anyone through a loop, nobody is above themselves, and the lines form a
/// tree. An unknown `rep` has an empty line.
///
/// ```
/// use salespipe::user::{reporting_line, Role, User};
/// let users = [
///     User::new("wang", "王芳", Role::Rep).managed_by("li"),
///     User::new("li", "李娜", Role::Manager).managed_by("zhou"),
///     User::new("zhou", "周", Role::Manager).managed_by("li"), // a loop li→zhou→li
/// ];
/// let find = |id: &salespipe::ActorId| users.iter().find(|u| &u.id == id);
/// let line: Vec<&str> = reporting_line(&"wang".into(), find).map(|m| m.as_str()).collect();
/// assert_eq!(line, ["li"]);
/// assert_eq!(reporting_line(&"li".into(), find).count(), 0);
/// ```
pub fn reporting_line<'a>(
    rep: &ActorId,
    lookup: impl Fn(&ActorId) -> Option<&'a User>,
) -> impl Iterator<Item = &'a ActorId> {
    /// Past this many managers, repeats are found through a hash map, not a scan.
    const SCAN: usize = 32;
    let mut line: Vec<&'a ActorId> = Vec::new();
    let mut index: Option<HashMap<&'a ActorId, usize>> = None;
    let mut next = lookup(rep).and_then(|u| u.manager.as_ref());
    while let Some(m) = next {
        if m == rep {
            // the rep is in a loop
            line.clear();
            break;
        }
        let seen = match &index {
            Some(ix) => ix.get(m).copied(),
            None => line.iter().position(|x| *x == m),
        };
        if let Some(i) = seen {
            // m is the first member of a loop the line meets: the line ends there
            line.truncate(i + 1);
            break;
        }
        line.push(m);
        match &mut index {
            Some(ix) => {
                ix.insert(m, line.len() - 1);
            }
            None if line.len() > SCAN => {
                index = Some(line.iter().enumerate().map(|(i, x)| (*x, i)).collect());
            }
            None => {}
        }
        next = lookup(m).and_then(|u| u.manager.as_ref());
    }
    line.into_iter()
}
