//! One reporting-line walk ([`salespipe::user::reporting_line`]) behind the policy's
//! `manages`, the members of a team's daily report and the target roll-up and decomposition:
//! with a loop a→b→a and a self-manager s→s, all of them agree on who is above whom.
#![allow(clippy::unwrap_used)]

mod common;
use common::*;

use std::collections::BTreeSet;

use salespipe::management::target::*;
use salespipe::user::reporting_line;
use salespipe::*;

/// admin (no manager); a→b→a (a loop), c→a (below the loop); s→s (a self-manager); t→s; m (no
/// manager), r→m. The engine refuses the ring's closing link b→a and the self-manager, so
/// they come straight from the store (a hand-edited one).
fn engine() -> Engine {
    let clock = ManualClock::new(t("2026-02-01T00:00:00Z"));
    let mut e = Engine::with_clock(clock);
    e.register_user("admin", User::new("admin", "Admin", Role::Admin))
        .unwrap();
    for (id, role, manager) in [
        ("a", Role::Manager, "b"),
        ("c", Role::Rep, "a"),
        ("t", Role::Rep, "s"),
        ("r", Role::Rep, "m"),
    ] {
        e.register_user("admin", User::new(id, id, role).managed_by(manager))
            .unwrap();
    }
    e.register_user("admin", User::new("m", "m", Role::Manager))
        .unwrap();
    for (id, manager) in [("s", "s"), ("b", "a")] {
        let user = User::new(id, id, Role::Manager).managed_by(manager);
        let head = e.store().head().unwrap();
        let err = e.register_user("admin", user.clone()).unwrap_err();
        assert_eq!(err.code(), ErrorCode::Validation);
        assert!(err.to_string().contains("user.manager"), "{err}");
        assert_eq!(
            e.store().head().unwrap(),
            head,
            "a refused ring writes nothing"
        );
        let event = NewEvent {
            at: t("2026-01-01T00:00:00Z"),
            actor: "admin".into(),
            event: Event::UserRegistered { user },
        };
        e.store()
            .append(&format!("user/{id}"), 0, vec![event])
            .unwrap();
        e.catch_up().unwrap();
        assert!(e.view().user(&id.into()).unwrap().manager.is_some());
    }
    e
}

fn line(e: &Engine, u: &str) -> Vec<String> {
    let view = e.view();
    reporting_line(&u.into(), |id| view.user(id).ok())
        .map(|m| m.to_string())
        .collect()
}

const USERS: [&str; 8] = ["a", "admin", "b", "c", "m", "r", "s", "t"];

#[test]
fn the_walk_stops_at_a_loop_and_never_walks_around_it() {
    let e = engine();
    let lines: Vec<(&str, Vec<String>)> = USERS.iter().map(|u| (*u, line(&e, u))).collect();
    let expected: Vec<(&str, Vec<String>)> = vec![
        ("a", vec![]),
        ("admin", vec![]),
        ("b", vec![]),
        ("c", vec!["a".into()]),
        ("m", vec![]),
        ("r", vec!["m".into()]),
        ("s", vec![]),
        ("t", vec!["s".into()]),
    ];
    assert_eq!(lines, expected);
    // a longer line into a loop: x→y→a, with a→b→a, ends at a
    let users = [
        User::new("x", "x", Role::Rep).managed_by("y"),
        User::new("y", "y", Role::Manager).managed_by("a"),
        User::new("a", "a", Role::Manager).managed_by("b"),
        User::new("b", "b", Role::Manager).managed_by("a"),
        User::new("n", "n", Role::Rep).managed_by("nobody"),
    ];
    let find = |id: &ActorId| users.iter().find(|u| &u.id == id);
    let walk = |u: &str| -> Vec<&str> {
        reporting_line(&u.into(), find)
            .map(ActorId::as_str)
            .collect()
    };
    assert_eq!(walk("x"), ["y", "a"]);
    assert_eq!(walk("b"), Vec::<&str>::new());
    // a manager nobody registered still ends the line, named
    assert_eq!(walk("n"), ["nobody"]);
    assert_eq!(walk("unknown"), Vec::<&str>::new());
}

#[test]
fn policy_team_report_and_target_roll_up_agree_on_a_loop_and_a_self_manager() {
    let mut e = engine();
    let q1 = Period::quarter(2026, 1).unwrap();
    for (id, scope, amount) in [
        ("tc", Scope::Company, 100_000),
        ("ta", Scope::Team("a".into()), 10_000),
        ("rc", Scope::Rep("c".into()), 10_000),
    ] {
        e.execute(
            "admin",
            Command::SetTarget {
                target: Target::new(id, scope, q1, cny(amount)),
            },
        )
        .unwrap();
    }
    let report = e
        .view()
        .attainment(&AttainmentQuery::new(q1).currency(Currency::new("CNY").unwrap()))
        .unwrap();
    let day = "2026-02-01".parse().unwrap();
    let as_of = t("2026-02-01T00:00:00Z");
    let view = e.view();
    let dir = view.directory();

    for u in USERS {
        let line: BTreeSet<String> = line(&e, u).into_iter().collect();
        // the teams above the rep's own row in the attainment tree
        let mut above = BTreeSet::new();
        let mut parent = match report.row(&Scope::Rep(u.into())) {
            Some(row) => row.parent.clone(),
            None => {
                assert_eq!(u, "admin"); // an admin without deals or quota has no rep row
                None
            }
        };
        while let Some(p) = parent {
            if let Scope::Team(m) = &p {
                if m.as_str() != u {
                    above.insert(m.to_string());
                }
            }
            parent = report.row(&p).unwrap().parent.clone();
        }
        assert_eq!(above, line, "attainment tree above {u}");
        for m in USERS {
            let manages = dir.manages(&m.into(), &u.into());
            assert_eq!(manages, line.contains(m), "manages({m}, {u})");
            let team = e
                .at(as_of)
                .and_then(|v| v.daily_team_report(&m.into(), day))
                .unwrap();
            let member = team.rows.iter().any(|r| r.rep.as_str() == u);
            assert_eq!(member, manages, "{u} in the daily team report of {m}");
        }
    }
    // nobody manages themselves, not even through a loop
    for u in ["a", "b", "s"] {
        assert!(!dir.manages(&u.into(), &u.into()), "{u}");
    }

    // decomposition: team a's parts are its own deals and c (b is not below a: the loop is
    // ignored); the company's are the tops of the lines a, b, m, s (admin carries no quota)
    let issues: Vec<(&Scope, &[Scope])> = report
        .decomposition
        .iter()
        .map(|i| (&i.scope, i.missing.as_slice()))
        .collect();
    assert_eq!(
        issues,
        [(
            &Scope::Company,
            &[
                Scope::Rep("b".into()),
                Scope::Team("m".into()),
                Scope::Team("s".into())
            ][..]
        )]
    );
}

/// A longer ring is refused too, and registering the user again with a manager outside the
/// ring is accepted.
#[test]
fn a_ring_of_three_is_refused_and_a_line_out_of_it_accepted() {
    let mut e = Engine::with_clock(ManualClock::new(t("2026-02-01T00:00:00Z")));
    e.register_user("admin", User::new("admin", "Admin", Role::Admin))
        .unwrap();
    for (id, manager) in [("x", "y"), ("y", "z")] {
        e.register_user(
            "admin",
            User::new(id, id, Role::Manager).managed_by(manager),
        )
        .unwrap();
    }
    let err = e
        .register_user("admin", User::new("z", "z", Role::Manager).managed_by("x"))
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Validation);
    e.register_user(
        "admin",
        User::new("z", "z", Role::Manager).managed_by("admin"),
    )
    .unwrap();
    let view = e.view();
    let line: Vec<String> = reporting_line(&"x".into(), |id| view.user(id).ok())
        .map(|m| m.to_string())
        .collect();
    assert_eq!(line, ["y", "z", "admin"]);
}

/// Reminders escalate along the same walk: to the manager above, never around a ring.
#[test]
fn escalation_follows_the_one_walk() {
    let mut e = engine();
    let rules = ReminderRules {
        escalate_after: Some(std::time::Duration::from_secs(3_600)),
        ..ReminderRules::default()
    };
    e.execute("admin", Command::SetReminderRules { rules })
        .unwrap();
    for owner in ["a", "c"] {
        e.create_task(
            "admin",
            Task::new(
                format!("task-{owner}"),
                "call",
                owner,
                t("2026-02-02T00:00:00Z"),
            ),
        )
        .unwrap();
    }
    let due = e.view().due(t("2026-02-03T00:00:00Z"));
    let escalated: Vec<(&str, &str)> = due
        .iter()
        .filter(|r| r.escalated_from.is_some())
        .map(|r| (r.task.as_ref().unwrap().as_str(), r.recipient.as_str()))
        .collect();
    // c's manager is a; a is in the ring a→b→a, so a's reminder escalates to nobody.
    assert_eq!(escalated, [("task-c", "a")]);
}
