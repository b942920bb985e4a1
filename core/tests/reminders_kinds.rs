//! Each reminder kind appears at the right instant, is snoozed, comes back, and disappears
//! when its cause is resolved; bad input is refused and changes nothing.
#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions

use std::time::Duration;

use salespipe::*;

const DAY: Duration = Duration::from_secs(86_400);
const HOUR: Duration = Duration::from_secs(3_600);

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn ids(v: &[Reminder]) -> Vec<&str> {
    v.iter().map(|r| r.id.as_str()).collect()
}

/// boss (admin) manages wang (rep); li approves quotes with a 2-day SLA.
fn setup(start: &str) -> (Engine, ManualClock) {
    let clock = ManualClock::new(ts(start));
    let mut e = Engine::builder().clock(clock.clone()).build().unwrap();
    e.register_user("boss", User::new("boss", "Boss", Role::Admin))
        .unwrap();
    e.register_user(
        "boss",
        User::new("wang", "王芳", Role::Rep).managed_by("boss"),
    )
    .unwrap();
    e.register_user(
        "boss",
        User::new("li", "李雷", Role::Manager).managed_by("boss"),
    )
    .unwrap();
    e.register_user("boss", User::new("zhao", "赵", Role::Rep))
        .unwrap();
    let mut process = ApprovalProcess::new("quote-approval", "Quote approval").step(ApprovalStep {
        name: "Manager".into(),
        approvers: vec!["li".into()],
        policy: StepPolicy::Any,
    });
    process.sla = Some(2 * DAY);
    e.execute("boss", Command::DefineProcess { process })
        .unwrap();
    e.define_pipeline(
        "boss",
        Pipeline::builder("sales", "Sales")
            .stage(Stage::new("qualify", "识别潜在客户", 0.1).rotting_after(10 * DAY))
            .stage(Stage::new("demo", "产品演示", 0.3))
            .stage(
                Stage::new("quote", "报价", 0.6).requires(Requirement::approval("quote-approval")),
            )
            .build()
            .unwrap(),
    )
    .unwrap();
    e.create_customer("wang", Customer::new("acme", "Acme"))
        .unwrap();
    e.create_opportunity(
        "wang",
        NewOpportunity::new(
            "opp-1",
            "sales",
            "acme",
            "wang",
            "Acme ERP",
            Money::parse("1000", "CNY").unwrap(),
        ),
    )
    .unwrap();
    (e, clock)
}

#[test]
fn follow_up_appears_is_snoozed_comes_back_and_is_resolved_by_a_later_activity() {
    let (mut e, clock) = setup("2026-03-02T08:00:00Z");
    e.log_activity(
        "wang",
        Activity::new("act-1", "call", "acme", ts("2026-03-02T08:00:00Z"))
            .on_opportunity("opp-1")
            .follow_up_at(ts("2026-03-05T09:00:00Z")),
    )
    .unwrap();
    let id = "follow_up/act-1";
    assert!(e.view().due(ts("2026-03-05T08:59:59.999Z")).is_empty());
    assert_eq!(
        e.view().next_due_after(ts("2026-03-02T08:00:00Z")),
        Some(ts("2026-03-05T09:00:00Z"))
    );
    let due = e.view().due(ts("2026-03-05T09:00:00Z"));
    assert_eq!(ids(&due), [id]);
    assert_eq!(due[0].kind, ReminderKind::FollowUp);
    assert_eq!(due[0].recipient.as_str(), "wang");
    assert_eq!(due[0].activity.as_ref().unwrap().as_str(), "act-1");
    assert_eq!(due[0].opportunity.as_ref().unwrap().as_str(), "opp-1");
    // Asking again changes nothing.
    assert_eq!(e.view().due(ts("2026-03-05T09:00:00Z")), due);
    assert_eq!(
        e.view()
            .due_for(&"wang".into(), ts("2026-03-05T10:00:00Z"), 100),
        due
    );
    assert!(e
        .view()
        .due_for(&"li".into(), ts("2026-03-05T10:00:00Z"), 100)
        .is_empty());

    clock.set(ts("2026-03-05T09:30:00Z"));
    e.execute(
        "wang",
        Command::SnoozeReminder {
            reminder: id.into(),
            until: ts("2026-03-05T14:00:00Z"),
        },
    )
    .unwrap();
    assert!(e.view().due(ts("2026-03-05T13:59:00Z")).is_empty());
    assert_eq!(
        e.view().next_due_after(ts("2026-03-05T09:30:00Z")),
        Some(ts("2026-03-05T14:00:00Z"))
    );
    let back = e.view().due(ts("2026-03-05T14:00:00Z"));
    assert_eq!(ids(&back), [id]);
    assert_eq!(back[0].due, ts("2026-03-05T14:00:00Z"));

    // An earlier (backdated) activity does not resolve it; a later one does.
    e.log_activity(
        "wang",
        Activity::new("act-0", "email", "acme", ts("2026-03-01T08:00:00Z")).on_opportunity("opp-1"),
    )
    .unwrap();
    assert_eq!(ids(&e.view().due(ts("2026-03-05T14:00:00Z"))), [id]);
    e.log_activity(
        "wang",
        Activity::new("act-2", "call", "acme", ts("2026-03-05T15:00:00Z")).on_opportunity("opp-1"),
    )
    .unwrap();
    assert!(e.view().due(ts("2026-03-06T00:00:00Z")).is_empty());
    assert_eq!(
        e.view().reminder(&id.into()).unwrap_err().code(),
        ErrorCode::NotFound
    );
}

#[test]
fn unlinked_follow_up_is_resolved_by_any_later_activity_with_the_customer() {
    let (mut e, _clock) = setup("2026-03-02T08:00:00Z");
    e.log_activity(
        "wang",
        Activity::new("act-1", "visit", "acme", ts("2026-03-02T08:00:00Z"))
            .follow_up_at(ts("2026-03-03T08:00:00Z")),
    )
    .unwrap();
    let due = e.view().due(ts("2026-03-03T08:00:00Z"));
    assert_eq!(ids(&due), ["follow_up/act-1"]);
    assert_eq!(due[0].recipient.as_str(), "wang"); // the activity's actor (no customer owner)
    e.log_activity(
        "wang",
        Activity::new("act-2", "call", "acme", ts("2026-03-02T09:00:00Z")).on_opportunity("opp-1"),
    )
    .unwrap();
    assert!(e.view().due(ts("2026-03-03T08:00:00Z")).is_empty());
}

#[test]
fn task_due_soon_gives_way_to_overdue_which_escalates_and_done_resolves_both() {
    let (mut e, clock) = setup("2026-03-02T08:00:00Z");
    e.execute(
        "boss",
        Command::SetReminderRules {
            rules: ReminderRules {
                escalate_after: Some(DAY),
                ..ReminderRules::default()
            },
        },
    )
    .unwrap();
    e.create_task(
        "wang",
        Task::new("task-1", "Send quote", "wang", ts("2026-03-04T12:00:00Z")),
    )
    .unwrap();
    assert!(e.view().due(ts("2026-03-03T11:59:00Z")).is_empty());
    let soon = e.view().due(ts("2026-03-03T12:00:00Z"));
    assert_eq!(ids(&soon), ["task_due_soon/task-1"]);
    assert_eq!(soon[0].until, Some(ts("2026-03-04T12:00:00Z")));
    assert_eq!(
        ids(&e.view().due(ts("2026-03-04T12:00:00Z"))),
        ["task_overdue/task-1"]
    );
    assert_eq!(
        ids(&e.view().upcoming(ts("2026-03-02T08:00:00Z"), 4 * DAY)),
        [
            "task_due_soon/task-1",
            "task_overdue/task-1",
            "escalated/task_overdue/task-1"
        ]
    );
    let late = e.view().due(ts("2026-03-05T12:00:00Z"));
    assert_eq!(
        ids(&late),
        ["task_overdue/task-1", "escalated/task_overdue/task-1"]
    );
    assert_eq!(late[1].recipient.as_str(), "boss");
    assert_eq!(late[1].escalated_from.as_ref().unwrap().as_str(), "wang");
    assert_eq!(
        ids(&e
            .view()
            .due_for(&"boss".into(), ts("2026-03-05T12:00:00Z"), 10)),
        ["escalated/task_overdue/task-1"]
    );
    // Acknowledging keeps the escalation; snoozing it delays it.
    clock.set(ts("2026-03-05T12:00:00Z"));
    e.execute(
        "wang",
        Command::AcknowledgeReminder {
            reminder: "task_overdue/task-1".into(),
        },
    )
    .unwrap();
    assert_eq!(
        ids(&e.view().due(ts("2026-03-05T12:00:00Z"))),
        ["escalated/task_overdue/task-1"]
    );
    e.execute(
        "boss",
        Command::SnoozeReminder {
            reminder: "escalated/task_overdue/task-1".into(),
            until: ts("2026-03-06T09:00:00Z"),
        },
    )
    .unwrap();
    assert!(e.view().due(ts("2026-03-05T13:00:00Z")).is_empty());
    assert_eq!(
        ids(&e.view().due(ts("2026-03-06T09:00:00Z"))),
        ["escalated/task_overdue/task-1"]
    );
    e.complete_task("wang", "task-1").unwrap();
    assert!(e.view().due(ts("2026-03-10T00:00:00Z")).is_empty());
    // What remains is the deal rotting in its stage (created 2026-03-02, 10 days).
    assert_eq!(
        e.view().next_due_after(ts("2026-03-02T00:00:00Z")),
        Some(ts("2026-03-12T08:00:00Z"))
    );
}

#[test]
fn stale_combines_time_in_stage_idleness_planned_steps_and_close_date_pushes() {
    let (mut e, clock) = setup("2026-03-01T00:00:00Z");
    let mut rules = ReminderRules::default();
    rules.stale.idle = Some(3 * DAY);
    e.execute("boss", Command::SetReminderRules { rules })
        .unwrap();
    // Created 2026-03-01 in qualify (10 days); no activity: stale at entry + 10 days.
    let stale = |e: &Engine| -> Vec<Reminder> {
        e.view()
            .upcoming(ts("2026-01-01T00:00:00Z"), 200 * DAY)
            .into_iter()
            .filter(|r| {
                r.kind == ReminderKind::Stale && r.opportunity.as_ref().unwrap().as_str() == "opp-1"
            })
            .collect()
    };
    assert_eq!(ids(&stale(&e)), ["stale/opp-1@2026-03-11T00:00:00.000Z"]);
    // Activity on day 9: idle until day 12, which is later than the stage limit.
    clock.set(ts("2026-03-10T00:00:00Z"));
    e.log_activity(
        "wang",
        Activity::new("act-1", "call", "acme", ts("2026-03-10T00:00:00Z")).on_opportunity("opp-1"),
    )
    .unwrap();
    assert_eq!(ids(&stale(&e)), ["stale/opp-1@2026-03-13T00:00:00.000Z"]);
    // A planned step: not rotting until it is a day (the grace) overdue.
    e.log_activity(
        "wang",
        Activity::new("act-2", "call", "acme", ts("2026-03-10T01:00:00Z"))
            .on_opportunity("opp-1")
            .follow_up_at(ts("2026-03-20T09:00:00Z")),
    )
    .unwrap();
    assert_eq!(ids(&stale(&e)), ["stale/opp-1@2026-03-21T09:00:00.000Z"]);
    assert_eq!(
        ids(&e.view().due(ts("2026-03-21T09:00:00Z"))),
        ["follow_up/act-2", "stale/opp-1@2026-03-21T09:00:00.000Z"]
    );
    // The planned step done without a new one: back to the limits.
    e.log_activity(
        "wang",
        Activity::new("act-3", "meeting", "acme", ts("2026-03-11T00:00:00Z"))
            .on_opportunity("opp-1"),
    )
    .unwrap();
    assert_eq!(ids(&stale(&e)), ["stale/opp-1@2026-03-14T00:00:00.000Z"]);
    // Two pushes of the close date halve both limits (25 % each): idle 1.5 days.
    for date in ["2026-04-01", "2026-04-15", "2026-05-01"] {
        e.update_opportunity(
            "wang",
            "opp-1",
            OpportunityPatch {
                expected_close: Some(Some(date.parse().unwrap())),
                ..Default::default()
            },
        )
        .unwrap();
    }
    assert_eq!(
        e.view()
            .opportunity(&"opp-1".into())
            .unwrap()
            .close_date_pushes,
        2
    );
    assert_eq!(ids(&stale(&e)), ["stale/opp-1@2026-03-12T12:00:00.000Z"]);
    // Advancing to a stage without a limit resolves it.
    e.advance("wang", "opp-1", "demo").unwrap();
    assert!(stale(&e).is_empty());
}

#[test]
fn close_date_passed_is_due_at_local_midnight_and_resolved_by_a_new_date_or_closing() {
    let (mut e, _clock) = setup("2026-03-01T00:00:00Z");
    e.execute(
        "boss",
        Command::SetReminderRules {
            rules: ReminderRules {
                time_zone: "Asia/Shanghai".into(),
                ..ReminderRules::default()
            },
        },
    )
    .unwrap();
    let set = |e: &mut Engine, d: &str| {
        e.update_opportunity(
            "wang",
            "opp-1",
            OpportunityPatch {
                expected_close: Some(Some(d.parse().unwrap())),
                ..Default::default()
            },
        )
        .unwrap();
    };
    set(&mut e, "2026-03-10");
    // 2026-03-11 00:00 in Shanghai is 2026-03-10T16:00Z.
    let closing = |v: Vec<Reminder>| -> Vec<String> {
        v.into_iter()
            .filter(|r| r.kind == ReminderKind::CloseDatePassed)
            .map(|r| r.id.to_string())
            .collect()
    };
    assert!(closing(e.view().due(ts("2026-03-10T15:59:59Z"))).is_empty());
    assert_eq!(
        closing(e.view().due(ts("2026-03-10T16:00:00Z"))),
        ["close_date_passed/opp-1@2026-03-10"]
    );
    set(&mut e, "2026-03-31");
    assert!(closing(e.view().due(ts("2026-03-20T00:00:00Z"))).is_empty());
    assert_eq!(
        closing(e.view().due(ts("2026-03-31T16:00:00Z"))),
        ["close_date_passed/opp-1@2026-03-31"]
    );
    e.lose("wang", "opp-1", "price", None).unwrap();
    assert!(e.view().due(ts("2026-06-01T00:00:00Z")).is_empty());
}

#[test]
fn key_customer_cadence_counts_from_the_last_activity_and_from_becoming_key() {
    let (mut e, clock) = setup("2026-03-01T00:00:00Z");
    let mut c = Customer::new("acme", "Acme").key_account(14 * DAY);
    c.owner = Some("wang".into());
    clock.set(ts("2026-03-02T00:00:00Z"));
    e.execute("wang", Command::UpdateCustomer { customer: c })
        .unwrap();
    // Only the cadence matters here: the deal has moved on.
    e.lose("wang", "opp-1", "price", None).unwrap();
    let first = "cadence/acme@2026-03-16T00:00:00.000Z";
    assert_eq!(ids(&e.view().due(ts("2026-03-16T00:00:00Z"))), [first]);
    clock.set(ts("2026-03-17T00:00:00Z"));
    e.execute(
        "wang",
        Command::SnoozeReminder {
            reminder: first.into(),
            until: ts("2026-03-18T00:00:00Z"),
        },
    )
    .unwrap();
    assert!(e.view().due(ts("2026-03-17T12:00:00Z")).is_empty());
    assert_eq!(ids(&e.view().due(ts("2026-03-18T00:00:00Z"))), [first]);
    e.log_activity(
        "wang",
        Activity::new("act-1", "visit", "acme", ts("2026-03-17T10:00:00Z")),
    )
    .unwrap();
    assert!(e.view().due(ts("2026-03-18T00:00:00Z")).is_empty());
    assert_eq!(
        ids(&e.view().upcoming(ts("2026-03-18T00:00:00Z"), 30 * DAY)),
        ["cadence/acme@2026-03-31T10:00:00.000Z"]
    );
}

#[test]
fn approval_waiting_beyond_the_sla_goes_to_the_approver_and_ends_with_the_decision() {
    let (mut e, clock) = setup("2026-03-02T08:00:00Z");
    e.advance("wang", "opp-1", "demo").unwrap();
    e.advance("wang", "opp-1", "quote").unwrap();
    clock.set(ts("2026-03-03T10:00:00Z"));
    e.submit_approval("wang", "opp-1", "quote-approval", "req-1")
        .unwrap();
    let id = "approval/opp-1/req-1/li@2026-03-05T10:00:00.000Z";
    assert!(e.view().due(ts("2026-03-05T09:59:59Z")).is_empty());
    let due = e
        .view()
        .due_for(&"li".into(), ts("2026-03-05T10:00:00Z"), 10);
    assert_eq!(ids(&due), [id]);
    assert_eq!(due[0].request.as_ref().unwrap().as_str(), "req-1");
    clock.set(ts("2026-03-05T11:00:00Z"));
    e.execute(
        "li",
        Command::SnoozeReminder {
            reminder: id.into(),
            until: ts("2026-03-05T15:00:00Z"),
        },
    )
    .unwrap();
    assert!(e.view().due(ts("2026-03-05T12:00:00Z")).is_empty());
    assert_eq!(ids(&e.view().due(ts("2026-03-05T15:00:00Z"))), [id]);
    e.decide_approval("li", "opp-1", "req-1", Decision::Approve, "ok")
        .unwrap();
    assert!(e.view().due(ts("2026-03-09T00:00:00Z")).is_empty());
}

#[test]
fn dismissing_hides_the_reminder_and_its_escalation_for_good() {
    let (mut e, clock) = setup("2026-03-02T08:00:00Z");
    e.execute(
        "boss",
        Command::SetReminderRules {
            rules: ReminderRules {
                escalate_after: Some(HOUR),
                ..ReminderRules::default()
            },
        },
    )
    .unwrap();
    e.create_task(
        "wang",
        Task::new("t", "x", "wang", ts("2026-03-02T09:00:00Z")),
    )
    .unwrap();
    clock.set(ts("2026-03-02T09:30:00Z"));
    e.execute(
        "wang",
        Command::DismissReminder {
            reminder: "task_overdue/t".into(),
        },
    )
    .unwrap();
    assert!(e.view().due(ts("2026-03-03T00:00:00Z")).is_empty());
    let err = e
        .execute(
            "wang",
            Command::SnoozeReminder {
                reminder: "task_overdue/t".into(),
                until: ts("2026-03-04T00:00:00Z"),
            },
        )
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Validation);
    assert!(e.view().reminder(&"task_overdue/t".into()).is_ok());
}

#[test]
fn bad_input_is_refused_with_a_clear_error_and_changes_nothing() {
    let (mut e, clock) = setup("2026-03-02T08:00:00Z");
    e.create_task(
        "wang",
        Task::new("t", "x", "wang", ts("2026-03-03T08:00:00Z")),
    )
    .unwrap();
    clock.set(ts("2026-03-03T09:00:00Z"));
    let head = e.store().head().unwrap();
    let before = (
        e.view().due(ts("2026-03-03T09:00:00Z")),
        e.view().upcoming(ts("2026-03-03T09:00:00Z"), 9 * DAY),
    );

    // A snooze into the past (or to now).
    for until in ["2026-03-03T08:59:59Z", "2026-03-03T09:00:00Z"] {
        let err = e
            .execute(
                "wang",
                Command::SnoozeReminder {
                    reminder: "task_overdue/t".into(),
                    until: ts(until),
                },
            )
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::Validation);
        assert!(err.to_string().starts_with("until:"), "{err}");
    }
    // An unknown reminder id.
    for err in [
        e.execute(
            "wang",
            Command::AcknowledgeReminder {
                reminder: "follow_up/nope".into(),
            },
        )
        .unwrap_err(),
        e.execute(
            "wang",
            Command::SnoozeReminder {
                reminder: "stale/opp-9@x".into(),
                until: ts("2026-04-01T00:00:00Z"),
            },
        )
        .unwrap_err(),
        e.execute(
            "wang",
            Command::DismissReminder {
                reminder: "".into(),
            },
        )
        .unwrap_err(),
    ] {
        assert_eq!(err.code(), ErrorCode::NotFound, "{err}");
        assert!(err.to_string().starts_with("reminder "), "{err}");
    }
    // An unknown time zone, at the top and in a pipeline override.
    let err = e
        .execute(
            "boss",
            Command::SetReminderRules {
                rules: ReminderRules {
                    time_zone: "Europe/Berlinn".into(),
                    ..ReminderRules::default()
                },
            },
        )
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Validation);
    assert!(err.to_string().contains("Europe/Berlinn"), "{err}");
    let mut rules = ReminderRules::default();
    rules.pipelines.insert(
        "sales".into(),
        PipelineRules {
            time_zone: Some("Nowhere/City".into()),
            ..PipelineRules::default()
        },
    );
    let err = e
        .execute("boss", Command::SetReminderRules { rules })
        .unwrap_err();
    assert!(
        err.to_string().starts_with("pipelines.sales.time_zone:"),
        "{err}"
    );
    // Someone else's reminder.
    let err = e
        .execute(
            "zhao",
            Command::AcknowledgeReminder {
                reminder: "task_overdue/t".into(),
            },
        )
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::PermissionDenied);
    // Rules from a non-admin.
    let err = e
        .execute(
            "wang",
            Command::SetReminderRules {
                rules: ReminderRules::default(),
            },
        )
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::PermissionDenied);

    assert_eq!(e.store().head().unwrap(), head);
    assert_eq!(e.view().reminder_rules(), &ReminderRules::default());
    assert_eq!(
        (
            e.view().due(ts("2026-03-03T09:00:00Z")),
            e.view().upcoming(ts("2026-03-03T09:00:00Z"), 9 * DAY)
        ),
        before
    );
}

#[test]
fn a_replay_restores_rules_and_marks() {
    let store = InMemoryStore::new();
    let clock = ManualClock::new(ts("2026-03-02T08:00:00Z"));
    let mut e = Engine::builder()
        .store(store.clone())
        .clock(clock.clone())
        .build()
        .unwrap();
    e.register_user("boss", User::new("boss", "Boss", Role::Admin))
        .unwrap();
    e.register_user("boss", User::new("wang", "W", Role::Rep).managed_by("boss"))
        .unwrap();
    e.execute(
        "boss",
        Command::SetReminderRules {
            rules: ReminderRules {
                time_zone: "Europe/Berlin".into(),
                task_lead: TaskLead::Local {
                    days_before: 1,
                    at: "09:00:00".parse().unwrap(),
                },
                escalate_after: Some(DAY),
                ..ReminderRules::default()
            },
        },
    )
    .unwrap();
    for (id, due) in [("a", "2026-03-04T12:00:00Z"), ("b", "2026-03-05T12:00:00Z")] {
        e.create_task("wang", Task::new(id, "x", "wang", ts(due)))
            .unwrap();
    }
    clock.set(ts("2026-03-04T13:00:00Z"));
    e.execute(
        "wang",
        Command::AcknowledgeReminder {
            reminder: "task_overdue/a".into(),
        },
    )
    .unwrap();
    e.execute(
        "wang",
        Command::SnoozeReminder {
            reminder: "task_due_soon/b".into(),
            until: ts("2026-03-05T10:00:00Z"),
        },
    )
    .unwrap();
    let replayed = Engine::builder().store(store).build().unwrap();
    assert_eq!(replayed.view().reminder_rules(), e.view().reminder_rules());
    assert_eq!(replayed.view().state(), e.view().state());
    for now in [
        "2026-03-04T13:00:00Z",
        "2026-03-05T10:00:00Z",
        "2026-03-06T13:00:00Z",
    ] {
        assert_eq!(replayed.view().due(ts(now)), e.view().due(ts(now)));
        assert_eq!(
            replayed.view().next_due_after(ts(now)),
            e.view().next_due_after(ts(now))
        );
    }
    assert_eq!(
        ids(&e.view().due(ts("2026-03-05T13:00:00Z"))),
        ["escalated/task_overdue/a", "task_overdue/b"]
    );
}

/// "The day before at 09:00" across the daylight-saving switches of Berlin and New York.
#[test]
fn local_task_leads_follow_daylight_saving_time() {
    for (tz, cases) in [
        (
            "Europe/Berlin",
            [
                // Due Monday after the spring-forward Sunday: Sunday 09:00 CEST = 07:00Z.
                ("2026-03-30T08:00:00Z", "2026-03-29T07:00:00Z"),
                // Due the spring-forward Sunday itself: Saturday 09:00 CET = 08:00Z.
                ("2026-03-29T10:00:00Z", "2026-03-28T08:00:00Z"),
                // Due Monday after the fall-back Sunday: Sunday 09:00 CET = 08:00Z.
                ("2026-10-26T08:00:00Z", "2026-10-25T08:00:00Z"),
                // Due the fall-back Sunday: Saturday 09:00 CEST = 07:00Z.
                ("2026-10-25T10:00:00Z", "2026-10-24T07:00:00Z"),
            ],
        ),
        (
            "America/New_York",
            [
                ("2026-03-09T15:00:00Z", "2026-03-08T13:00:00Z"),
                ("2026-03-08T15:00:00Z", "2026-03-07T14:00:00Z"),
                ("2026-11-02T15:00:00Z", "2026-11-01T14:00:00Z"),
                ("2026-11-01T15:00:00Z", "2026-10-31T13:00:00Z"),
            ],
        ),
    ] {
        let clock = ManualClock::new(ts("2026-01-01T00:00:00Z"));
        let mut e = Engine::with_clock(clock);
        e.register_user("boss", User::new("boss", "Boss", Role::Admin))
            .unwrap();
        e.execute(
            "boss",
            Command::SetReminderRules {
                rules: ReminderRules {
                    time_zone: tz.into(),
                    task_lead: TaskLead::Local {
                        days_before: 1,
                        at: "09:00:00".parse().unwrap(),
                    },
                    ..ReminderRules::default()
                },
            },
        )
        .unwrap();
        for (i, (due, soon)) in cases.iter().enumerate() {
            let id = format!("t{i}");
            e.create_task("boss", Task::new(id.as_str(), "x", "boss", ts(due)))
                .unwrap();
            let r = e
                .view()
                .reminder(&format!("task_due_soon/{id}").into())
                .unwrap()
                .clone();
            assert_eq!(r.due, ts(soon), "{tz}: task due {due}");
        }
    }
}

#[test]
fn quiet_hours_defer_reminders_in_local_time() {
    let (mut e, _clock) = setup("2026-03-02T08:00:00Z");
    e.execute(
        "boss",
        Command::SetReminderRules {
            rules: ReminderRules {
                time_zone: "America/New_York".into(),
                quiet_hours: Some(QuietHours {
                    from: "20:00:00".parse().unwrap(),
                    to: "08:00:00".parse().unwrap(),
                }),
                ..ReminderRules::default()
            },
        },
    )
    .unwrap();
    // Due 23:00 EST on Saturday 2026-03-07; the night's spring-forward makes 08:00 EDT 12:00Z.
    e.create_task(
        "wang",
        Task::new("t", "x", "wang", ts("2026-03-08T04:00:00Z")),
    )
    .unwrap();
    assert_eq!(
        e.view().reminder(&"task_overdue/t".into()).unwrap().due,
        ts("2026-03-08T12:00:00Z")
    );
}

/// Reminder events survive JSON and a durable store: reopening the file restores the rules
/// and the marks, so the same reminders are due.
#[cfg(feature = "sqlite")]
#[test]
fn a_sqlite_replay_restores_rules_and_marks() {
    let dir = std::env::temp_dir().join(format!("salespipe-reminders-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("reminders.db");
    let _ = std::fs::remove_file(&path);
    let clock = ManualClock::new(ts("2026-03-02T08:00:00Z"));
    let (due, next) = {
        let mut e = Engine::builder()
            .store(SqliteStore::open(&path).unwrap())
            .clock(clock.clone())
            .build()
            .unwrap();
        e.register_user("boss", User::new("boss", "Boss", Role::Admin))
            .unwrap();
        e.register_user("boss", User::new("wang", "W", Role::Rep).managed_by("boss"))
            .unwrap();
        e.execute(
            "boss",
            Command::SetReminderRules {
                rules: ReminderRules {
                    time_zone: "America/New_York".into(),
                    escalate_after: Some(DAY),
                    quiet_hours: Some(QuietHours {
                        from: "20:00:00".parse().unwrap(),
                        to: "08:00:00".parse().unwrap(),
                    }),
                    ..ReminderRules::default()
                },
            },
        )
        .unwrap();
        e.create_task(
            "wang",
            Task::new("a", "x", "wang", ts("2026-03-03T15:00:00Z")),
        )
        .unwrap();
        e.create_task(
            "wang",
            Task::new("b", "x", "wang", ts("2026-03-03T16:00:00Z")),
        )
        .unwrap();
        clock.set(ts("2026-03-03T17:00:00Z"));
        e.execute(
            "wang",
            Command::AcknowledgeReminder {
                reminder: "task_overdue/a".into(),
            },
        )
        .unwrap();
        e.execute(
            "wang",
            Command::SnoozeReminder {
                reminder: "task_overdue/b".into(),
                until: ts("2026-03-03T18:00:00Z"),
            },
        )
        .unwrap();
        e.execute(
            "wang",
            Command::DismissReminder {
                reminder: "task_due_soon/a".into(),
            },
        )
        .unwrap();
        let now = ts("2026-03-04T18:00:00Z");
        (
            e.view().due(now),
            e.view().next_due_after(ts("2026-03-03T17:00:00Z")),
        )
    };
    let e = Engine::builder()
        .store(SqliteStore::open(&path).unwrap())
        .build()
        .unwrap();
    assert_eq!(e.view().due(ts("2026-03-04T18:00:00Z")), due);
    assert_eq!(e.view().next_due_after(ts("2026-03-03T17:00:00Z")), next);
    assert_eq!(
        ids(&due),
        [
            "task_overdue/b",
            "escalated/task_overdue/a",
            "escalated/task_overdue/b"
        ]
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn ids_holding_slashes_and_at_signs_are_found_again_to_snooze_and_dismiss() {
    let (mut e, clock) = setup("2026-03-02T08:00:00Z");
    // Opportunity and request ids may hold the separators of reminder ids.
    e.create_opportunity(
        "wang",
        NewOpportunity::new(
            "deal/7@x",
            "sales",
            "acme",
            "wang",
            "Odd ids",
            Money::parse("1000", "CNY").unwrap(),
        ),
    )
    .unwrap();
    e.advance("wang", "deal/7@x", "demo").unwrap();
    e.advance("wang", "deal/7@x", "quote").unwrap();
    clock.set(ts("2026-03-03T10:00:00Z"));
    e.submit_approval("wang", "deal/7@x", "quote-approval", "req/2")
        .unwrap();
    let id = "approval/deal/7@x/req/2/li@2026-03-05T10:00:00.000Z";
    let at = ts("2026-03-05T10:00:00Z");
    assert_eq!(ids(&e.view().due_for(&"li".into(), at, 10)), [id]);
    assert_eq!(e.view().reminder(&id.into()).unwrap().id.as_str(), id);
    clock.set(ts("2026-03-05T11:00:00Z"));
    e.execute(
        "li",
        Command::SnoozeReminder {
            reminder: id.into(),
            until: ts("2026-03-05T15:00:00Z"),
        },
    )
    .unwrap();
    assert!(e
        .view()
        .due_for(&"li".into(), ts("2026-03-05T12:00:00Z"), 10)
        .is_empty());
    // A deal with such an id rotting in its stage: its stale reminder is found by its id
    // too, and dismissing it hides it.
    e.create_opportunity(
        "wang",
        NewOpportunity::new(
            "deal/8@y",
            "sales",
            "acme",
            "wang",
            "Odd ids",
            Money::parse("1000", "CNY").unwrap(),
        ),
    )
    .unwrap();
    let later = ts("2026-04-30T00:00:00Z");
    let stale: Vec<Reminder> = e
        .view()
        .due_for(&"wang".into(), later, 100)
        .into_iter()
        .filter(|r| r.kind == ReminderKind::Stale && r.id.as_str().contains("deal/8@y"))
        .collect();
    assert_eq!(stale.len(), 1, "{stale:?}");
    e.execute(
        "wang",
        Command::DismissReminder {
            reminder: stale[0].id.clone(),
        },
    )
    .unwrap();
    assert_eq!(e.view().reminder(&stale[0].id).unwrap().id, stale[0].id);
    assert!(!e.view().due(later).iter().any(|r| r.id == stale[0].id));
    // What the index answers is what a scan of the state gives.
    let scan: Vec<Reminder> = scan(e.view().state())
        .into_iter()
        .filter(|r| r.is_due_at(later))
        .collect();
    assert_eq!(e.view().due(later), scan);
}

#[test]
fn reminders_due_at_the_same_instant_come_by_id_even_past_the_limit() {
    let (mut e, _clock) = setup("2026-03-02T08:00:00Z");
    let due = ts("2026-03-04T09:00:00Z");
    // Created in the reverse order of their ids: the index orders a tie by subject number.
    for id in ["task-c", "task-b", "task-a"] {
        e.create_task("wang", Task::new(id, "Call", "wang", due))
            .unwrap();
    }
    let first = e.view().due_for(&"wang".into(), due, 1);
    assert_eq!(ids(&first), ["task_overdue/task-a"]);
    let two = e.view().due_for(&"wang".into(), due, 2);
    assert_eq!(ids(&two), ["task_overdue/task-a", "task_overdue/task-b"]);
    let all = e.view().due(due);
    let overdue: Vec<&str> = ids(&all)
        .into_iter()
        .filter(|i| i.starts_with("task_overdue/"))
        .collect();
    assert_eq!(
        overdue,
        [
            "task_overdue/task-a",
            "task_overdue/task-b",
            "task_overdue/task-c"
        ]
    );
}
