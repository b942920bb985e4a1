//! Who may do what. The [`DefaultPolicy`] suits a small team; hosts replace it by implementing
//! [`Policy`].

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
    /// Create or edit customers and contacts, log activities, create tasks.
    RecordWork,
    /// Create an opportunity owned by `owner`.
    CreateOpportunity {
        /// The owner of the new opportunity.
        owner: &'a ActorId,
    },
    /// Edit, advance, move back, win, lose, reopen, submit or withdraw approvals on a deal of `owner`.
    WorkDeal {
        /// The deal's owner.
        owner: &'a ActorId,
    },
    /// Force an advance over unmet requirements on a deal of `owner`.
    Force {
        /// The deal's owner.
        owner: &'a ActorId,
    },
    /// Complete or reopen a task of `owner`.
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
}

impl Action<'_> {
    /// A short verb phrase for error messages.
    pub fn describe(&self) -> String {
        match self {
            Action::Configure => "configure pipelines and processes".to_owned(),
            Action::ManageUsers => "manage users".to_owned(),
            Action::RecordWork => "record customers, activities or tasks".to_owned(),
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
        }
    }
}

/// The users the engine knows, for policies to consult.
#[derive(Debug, Clone, Copy)]
pub struct Directory<'a> {
    state: &'a State,
}

impl<'a> Directory<'a> {
    pub(crate) fn new(state: &'a State) -> Self {
        Directory { state }
    }

    /// A user by id.
    pub fn get(&self, id: &ActorId) -> Option<&'a User> {
        self.state.user(id)
    }

    /// True when `manager` is in `rep`'s reporting line: their manager, or their manager's
    /// manager, and so on ([`crate::user::reporting_line`]: never through a loop, never
    /// oneself).
    pub fn manages(&self, manager: &ActorId, rep: &ActorId) -> bool {
        reporting_line(rep, |id| self.state.user(id)).any(|m| m == manager)
    }

    /// True when any admin is registered.
    pub fn has_admin(&self) -> bool {
        self.state.users().any(|u| u.role == Role::Admin)
    }
}

/// Decides whether an actor may perform an action.
pub trait Policy: Send + Sync + std::fmt::Debug {
    /// True when `actor` may perform `action`.
    fn allows(&self, directory: Directory<'_>, actor: &ActorId, action: Action<'_>) -> bool;
}

/// The default policy:
/// - configuration and user management: admins (anyone while no admin is registered, to
///   bootstrap);
/// - customers, contacts, activities, tasks: any registered user;
/// - deals, tasks and expenses: the owner (the expense's rep), anyone above them in the
///   reporting line, admins;
/// - forcing: managers (role manager or admin) who own the deal or are above its owner, admins;
/// - deciding approvals: the approvers the process lists;
/// - targets: admins (anyone while no admin is registered) for every scope; managers for the
///   teams and reps below them (not their own team's or their own: their manager sets those);
/// - forecast snapshots: managers and admins (anyone while no admin is registered).
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
            Action::Configure | Action::ManageUsers => admin || !dir.has_admin(),
            Action::RecordWork | Action::Decide => user.is_some(),
            Action::CreateOpportunity { owner } => user.is_some() && line(owner),
            Action::WorkDeal { owner }
            | Action::WorkTask { owner }
            | Action::Expense { rep: owner } => user.is_some() && line(owner),
            Action::Force { owner } => {
                matches!(role, Some(Role::Manager | Role::Admin)) && line(owner)
            }
            Action::SetTarget { scope } => {
                admin
                    || !dir.has_admin()
                    || (role == Some(Role::Manager)
                        && scope.user().is_some_and(|u| dir.manages(actor, u)))
            }
            Action::TakeForecastSnapshot => {
                matches!(role, Some(Role::Manager | Role::Admin)) || !dir.has_admin()
            }
        }
    }
}
