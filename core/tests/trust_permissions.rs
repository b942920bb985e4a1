//! Nobody where they don't belong: the bootstrap happens once, there is always an admin,
//! every actor is registered, and the default policy applies the owner / manager / admin
//! rule to customers, activities and tasks as to deals. Every refusal writes nothing.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use salespipe::*;

fn engine() -> Engine {
    let mut e = Engine::with_clock(ManualClock::new(t("2026-03-02T09:00:00Z")));
    setup(&mut e);
    e.create_opportunity("wang", new_opp("o1", 100_000))
        .unwrap();
    e
}

/// Runs `cmd` as `actor` and returns its error code, checking that it wrote nothing.
fn refused(e: &mut Engine, actor: &str, cmd: Command) -> Error {
    let before = e.view().state().position();
    let err = e.execute(actor, cmd).unwrap_err();
    assert_eq!(
        e.view().state().position(),
        before,
        "a refusal writes nothing"
    );
    err
}

fn register(user: User) -> Command {
    Command::RegisterUser { user }
}

#[test]
fn the_first_command_registers_an_admin_and_nothing_else_comes_first() {
    let mut e = Engine::new();
    let err = refused(
        &mut e,
        "root",
        Command::DefinePipeline {
            pipeline: five_stages(),
        },
    );
    assert_eq!(err.code(), ErrorCode::PermissionDenied);
    assert!(err.to_string().contains("registers an admin"), "{err}");
    let err = refused(
        &mut e,
        "root",
        register(User::new("wang", "王芳", Role::Rep)),
    );
    assert_eq!(err.code(), ErrorCode::PermissionDenied);
    // the bootstrap: an actor not yet registered registers the first admin
    e.register_user("root", User::new("root", "Root", Role::Admin))
        .unwrap();
    // once: another unregistered actor is refused, whatever they ask
    let err = refused(
        &mut e,
        "mallory",
        register(User::new("mallory", "M", Role::Admin)),
    );
    assert_eq!(err.code(), ErrorCode::PermissionDenied);
    assert!(err.to_string().contains("not a registered user"), "{err}");
}

/// Demoting the last admin is refused, so the engine never falls back into bootstrap mode;
/// with a second admin it is allowed, and the demoted user cannot manage users any more.
#[test]
fn there_is_always_an_admin() {
    let mut e = engine();
    let err = refused(
        &mut e,
        "admin",
        register(User::new("admin", "Admin", Role::Manager)),
    );
    assert_eq!(err.code(), ErrorCode::Validation);
    assert!(err.to_string().contains("last admin"), "{err}");
    e.register_user("admin", User::new("root2", "Second", Role::Admin))
        .unwrap();
    e.register_user("admin", User::new("admin", "Admin", Role::Manager))
        .unwrap();
    let err = refused(
        &mut e,
        "admin",
        register(User::new("eve", "Eve", Role::Admin)),
    );
    assert_eq!(err.code(), ErrorCode::PermissionDenied);
    // nor can anyone unregistered step in
    let err = refused(
        &mut e,
        "eve",
        register(User::new("eve", "Eve", Role::Admin)),
    );
    assert_eq!(err.code(), ErrorCode::PermissionDenied);
}

/// qian (a rep beside wang) may not rename, re-own or un-key wang's customer; wang may not
/// give it to someone outside their own line; li (their manager) may; an owner must be a
/// registered user.
#[test]
fn customers_follow_the_owner_rule() {
    let mut e = engine();
    let owned = Customer::new("globex", "Globex")
        .owned_by("wang")
        .key_account(std::time::Duration::from_secs(14 * 86_400));
    e.create_customer("wang", owned.clone()).unwrap();

    let renamed = Customer {
        name: "Renamed".into(),
        ..owned.clone()
    };
    let err = refused(
        &mut e,
        "qian",
        Command::UpdateCustomer { customer: renamed },
    );
    assert_eq!(err.code(), ErrorCode::PermissionDenied);
    let unkeyed = Customer {
        key: false,
        cadence: None,
        ..owned.clone()
    };
    let err = refused(
        &mut e,
        "qian",
        Command::UpdateCustomer { customer: unkeyed },
    );
    assert_eq!(err.code(), ErrorCode::PermissionDenied);
    // wang may not hand it to qian (not in wang's line) ...
    let to_qian = owned.owned_by("qian");
    let err = refused(
        &mut e,
        "wang",
        Command::UpdateCustomer {
            customer: to_qian.clone(),
        },
    );
    assert_eq!(err.code(), ErrorCode::PermissionDenied);
    // ... their manager may
    e.execute("li", Command::UpdateCustomer { customer: to_qian })
        .unwrap();
    // a contact on qian's customer: not for wang any more
    let err = refused(
        &mut e,
        "wang",
        Command::AddContact {
            customer: "globex".into(),
            contact: Contact::new("g-1", "Ann"),
        },
    );
    assert_eq!(err.code(), ErrorCode::PermissionDenied);
    // nobody creates a customer for someone outside their line, or for nobody registered
    let err = refused(
        &mut e,
        "wang",
        Command::CreateCustomer {
            customer: Customer::new("initech", "Initech").owned_by("qian"),
        },
    );
    assert_eq!(err.code(), ErrorCode::PermissionDenied);
    let err = refused(
        &mut e,
        "admin",
        Command::CreateCustomer {
            customer: Customer::new("initech", "Initech").owned_by("ghost"),
        },
    );
    assert_eq!(err.code(), ErrorCode::NotFound);
    assert!(err.to_string().contains("customer.owner"), "{err}");
    // a shared account (no owner) is open to every user
    e.create_customer("qian", Customer::new("shared", "Shared"))
        .unwrap();
    e.execute(
        "wang",
        Command::AddContact {
            customer: "shared".into(),
            contact: Contact::new("s-1", "Bo"),
        },
    )
    .unwrap();
}

/// qian may not log an activity on wang's deal (it would satisfy its gate), nor attribute
/// an activity to someone else; wang and li may log on it.
#[test]
fn activities_follow_the_deal_and_are_the_loggers_own() {
    let mut e = engine();
    let demo = |id: &str| {
        Activity::new(id, "demo", "acme", t("2026-03-02T08:00:00Z")).on_opportunity("o1")
    };
    let err = refused(
        &mut e,
        "qian",
        Command::LogActivity {
            activity: demo("a1"),
        },
    );
    assert_eq!(err.code(), ErrorCode::PermissionDenied);
    let mut in_wangs_name = demo("a2");
    in_wangs_name.actor = Some("wang".into());
    let err = refused(
        &mut e,
        "li",
        Command::LogActivity {
            activity: in_wangs_name,
        },
    );
    assert_eq!(err.code(), ErrorCode::Validation);
    assert!(err.to_string().contains("activity.actor"), "{err}");
    e.log_activity("li", demo("a3")).unwrap();
    e.log_activity("wang", demo("a4")).unwrap();
    let v = e.view();
    let actors: Vec<&str> = ["a3", "a4"]
        .iter()
        .map(|id| {
            v.activity(&(*id).into())
                .unwrap()
                .actor
                .as_ref()
                .unwrap()
                .as_str()
        })
        .collect();
    assert_eq!(actors, ["li", "wang"]);
}

/// A task is assigned only within one's line: a rep to themselves, a manager to their reps.
#[test]
fn tasks_are_assigned_within_ones_line() {
    let mut e = engine();
    let task = |id: &str, owner: &str| Task::new(id, "Call back", owner, t("2026-03-05T09:00:00Z"));
    let err = refused(
        &mut e,
        "qian",
        Command::CreateTask {
            task: task("t1", "wang"),
        },
    );
    assert_eq!(err.code(), ErrorCode::PermissionDenied);
    let err = refused(
        &mut e,
        "wang",
        Command::CreateTask {
            task: task("t1", "li"),
        },
    );
    assert_eq!(err.code(), ErrorCode::PermissionDenied);
    e.create_task("wang", task("t1", "wang")).unwrap();
    e.create_task("li", task("t2", "qian")).unwrap();
    let err = refused(&mut e, "qian", Command::CompleteTask { task: "t1".into() });
    assert_eq!(err.code(), ErrorCode::PermissionDenied);
}
