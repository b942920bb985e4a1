//! Who may do what. The [`DefaultPolicy`] suits a small team; hosts replace it by implementing
//! [`Policy`].

use std::collections::BTreeSet;

use crate::id::ActorId;
use crate::state::State;
use crate::user::{reporting_line, Role, User};

/// What an actor asks to do, with the subject where it matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Action<'a> {
    /// Define or edit pipelines and approval processes.
    Configure,
    /// Register or update users.
    ManageUsers,
    /// Create or edit a customer owned by `owner` (none: a shared account), add its
    /// contacts, log an activity with it that concerns no deal. Editing a customer asks
    /// twice when it changes hands: for the owner it has and the one it gets.
    WorkCustomer {
        /// The customer's owner.
        owner: Option<&'a ActorId>,
    },
    /// Create an opportunity owned by `owner`.
    CreateOpportunity {
        /// The owner of the new opportunity.
        owner: &'a ActorId,
    },
    /// Edit, advance, move back, win, lose, reopen, submit or withdraw approvals on a deal of
    /// `owner`, or log an activity on it.
    WorkDeal {
        /// The deal's owner.
        owner: &'a ActorId,
    },
    /// Force an advance over unmet requirements on a deal of `owner`.
    Force {
        /// The deal's owner.
        owner: &'a ActorId,
    },
    /// Create (assign), complete or reopen a task of `owner`.
    WorkTask {
        /// The task's owner.
        owner: &'a ActorId,
    },
    /// Decide an approval step (the process already checked that the actor is a listed
    /// approver and not the submitter).
    Decide,
    /// Submit, withdraw or resubmit an expense of `rep`.
    Expense {
        /// The rep who spent it.
        rep: &'a ActorId,
    },
    /// Set or remove a revenue target of a scope.
    SetTarget {
        /// Whose target.
        scope: &'a crate::management::target::Scope,
    },
    /// Take a forecast snapshot.
    TakeForecastSnapshot,
    /// Acknowledge, snooze or dismiss a reminder addressed to `recipient`.
    HandleReminder {
        /// Whom the reminder is for.
        recipient: &'a ActorId,
    },
}

impl Action<'_> {
    /// A short verb phrase for error messages.
    pub fn describe(&self) -> String {
        match self {
            Action::Configure => "configure pipelines and processes".to_owned(),
            Action::ManageUsers => "manage users".to_owned(),
            Action::WorkCustomer { owner: Some(owner) } => {
                format!("work on a customer owned by {owner}")
            }
            Action::WorkCustomer { owner: None } => "work on a customer".to_owned(),
            Action::CreateOpportunity { owner } => {
                format!("create an opportunity owned by {owner}")
            }
            Action::WorkDeal { owner } => format!("work on a deal owned by {owner}"),
            Action::Force { owner } => format!("force an advance on a deal owned by {owner}"),
            Action::WorkTask { owner } => format!("work on a task owned by {owner}"),
            Action::Decide => "decide approvals".to_owned(),
            Action::SetTarget { scope } => format!("set the targets of {scope}"),
            Action::Expense { rep } => format!("submit or change an expense of {rep}"),
            Action::TakeForecastSnapshot => "take forecast snapshots".to_owned(),
            Action::HandleReminder { recipient } => {
                format!("handle a reminder of {recipient}")
            }
        }
    }
}

/// The users the engine knows, for policies to consult.
#[derive(Debug, Clone, Copy)]
pub struct Directory<'a> {
    state: &'a State,
    /// A user already looked up (the command's actor), answered without a second lookup.
    known: Option<&'a User>,
}

impl<'a> Directory<'a> {
    pub(crate) fn new(state: &'a State) -> Self {
        Directory { state, known: None }
    }

    /// The directory, with `user` (looked up already) at hand.
    pub(crate) fn knowing(state: &'a State, user: &'a User) -> Self {
        Directory {
            state,
            known: Some(user),
        }
    }

    /// A user by id.
    pub fn get(&self, id: &ActorId) -> Option<&'a User> {
        match self.known {
            Some(u) if u.id == *id => Some(u),
            _ => self.state.user(id),
        }
    }

    /// True when `manager` is in `rep`'s reporting line: their manager, or their manager's
    /// manager, and so on ([`crate::user::reporting_line`]: never through a loop, never
    /// oneself).
    pub fn manages(&self, manager: &ActorId, rep: &ActorId) -> bool {
        reporting_line(rep, |id| self.state.user(id)).any(|m| m == manager)
    }

    /// Every registered user, in no particular order.
    pub fn users(&self) -> impl Iterator<Item = &'a User> + 'a {
        self.state.users()
    }

    /// `actor` and everyone below them in the reporting lines.
    pub fn subtree(&self, actor: &ActorId) -> BTreeSet<ActorId> {
        let mut out: BTreeSet<ActorId> = self
            .users()
            .filter(|u| self.manages(actor, &u.id))
            .map(|u| u.id.clone())
            .collect();
        out.insert(actor.clone());
        out
    }

    /// True when no user is registered: only the bootstrap, the registration of the first
    /// admin, is possible then (the engine refuses every other command; see [`Policy`]).
    pub fn is_empty(&self) -> bool {
        self.state.users().next().is_none()
    }
}

/// What a registered user may read, as a [`Policy`] decides it for each query
/// ([`crate::Engine::query`]).
///
/// ```
/// use salespipe::{Visibility, ActorId};
/// let v = Visibility::OwnedBy([ActorId::new("wang")].into());
/// assert!(v.sees(&"wang".into()) && !v.sees(&"qian".into()));
/// assert!(Visibility::Everything.sees(&"qian".into()));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Visibility {
    /// Everything: every record, the event log and the company-wide reports.
    Everything,
    /// What these users own: their deals (with gate reports and timelines), tasks,
    /// expenses, reminders addressed to them, customers they own (and those nobody owns),
    /// the activities they logged or that concern a deal or customer in sight, their daily
    /// reports and their team's, and the funnel, forecast and calibration over their deals.
    /// Pipelines, processes, users and settings are readable by every user. The event log
    /// and the company-wide reports (attainment, expense, source, competitor, forecast
    /// snapshots and accuracy) are refused.
    OwnedBy(BTreeSet<ActorId>),
}

impl Visibility {
    /// True when what `owner` owns is in sight.
    pub fn sees(&self, owner: &ActorId) -> bool {
        match self {
            Visibility::Everything => true,
            Visibility::OwnedBy(owners) => owners.contains(owner),
        }
    }

    /// True for a record with an optional owner: one without is in everyone's sight.
    pub fn sees_opt(&self, owner: Option<&ActorId>) -> bool {
        owner.is_none_or(|o| self.sees(o))
    }
}

/// Decides whether an actor may perform an action.
///
/// The engine asks the policy only about registered users, but for the bootstrap: on an
/// engine without users, the one command accepted is the registration of an admin (by an
/// actor not yet registered), and from then on every command's actor must be a registered
/// user and there is always an admin (the last one keeps the role). A policy decides what a
/// known user may do, never who is known.
pub trait Policy: Send + Sync + std::fmt::Debug {
    /// True when `actor` may perform `action`.
    fn allows(&self, directory: Directory<'_>, actor: &ActorId, action: Action<'_>) -> bool;

    /// What `actor`, a registered user, may read. The default: an admin everything, anyone
    /// else what they and the people below them in the reporting lines own. A host that does
    /// its own read control returns [`Visibility::Everything`] here, or reads as
    /// [`crate::Reader::Host`].
    fn visibility(&self, directory: Directory<'_>, actor: &ActorId) -> Visibility {
        match directory.get(actor) {
            Some(u) if u.role == Role::Admin => Visibility::Everything,
            _ => Visibility::OwnedBy(directory.subtree(actor)),
        }
    }
}

/// The default policy, one rule for everything a user owns: the owner, anyone above them in
/// the reporting line, and admins.
/// - configuration and user management: admins (and the bootstrap: the first admin's
///   registration on an engine without users);
/// - customers and their contacts, activities on no deal: the customer's owner's line (a
///   customer without owner: any user); giving a customer to someone: that someone's line;
/// - deals and activities on them, tasks (creating one assigns it), expenses, reminders: the
///   owner's (the expense's rep's, the reminder's recipient's) line;
/// - forcing: managers (role manager or admin) who own the deal or are above its owner, admins;
/// - deciding approvals: the approvers the process lists (never on their own deal or
///   expense, whoever submitted it: the engine refuses that whatever the policy);
/// - targets: admins for every scope; managers for the teams and reps below them (not their
///   own team's or their own: their manager sets those);
/// - forecast snapshots: managers and admins.
///
/// ```
/// use salespipe::{DefaultPolicy, Policy, Engine, User, Role, Action};
/// let mut engine = Engine::new();
/// engine.register_user("root", User::new("root", "Root", Role::Admin)).unwrap();
/// engine.register_user("root", User::new("wang", "王芳", Role::Rep)).unwrap();
/// assert!(!DefaultPolicy.allows(engine.view().directory(), &"wang".into(), Action::Configure));
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct DefaultPolicy;

impl Policy for DefaultPolicy {
    fn allows(&self, dir: Directory<'_>, actor: &ActorId, action: Action<'_>) -> bool {
        let user = dir.get(actor);
        let role = user.map(|u| u.role);
        let admin = role == Some(Role::Admin);
        let line = |owner: &ActorId| admin || actor == owner || dir.manages(actor, owner);
        match action {
            Action::Configure | Action::ManageUsers => admin || dir.is_empty(),
            Action::Decide => user.is_some(),
            Action::WorkCustomer { owner } => user.is_some() && owner.is_none_or(line),
            Action::CreateOpportunity { owner }
            | Action::WorkDeal { owner }
            | Action::WorkTask { owner }
            | Action::Expense { rep: owner }
            | Action::HandleReminder { recipient: owner } => user.is_some() && line(owner),
            Action::Force { owner } => {
                matches!(role, Some(Role::Manager | Role::Admin)) && line(owner)
            }
            Action::SetTarget { scope } => {
                admin
                    || (role == Some(Role::Manager)
                        && scope.user().is_some_and(|u| dir.manages(actor, u)))
            }
            Action::TakeForecastSnapshot => matches!(role, Some(Role::Manager | Role::Admin)),
        }
    }
}
