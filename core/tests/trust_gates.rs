//! Gates that cannot be gamed: an approval that lapsed holds its gate again for every later
//! move (win included), a pending request lapses with a material change, nobody decides an
//! approval on their own deal, and an activity dated in the future opens no gate.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use salespipe::*;

fn engine() -> (Engine, ManualClock) {
    let clock = ManualClock::new(t("2026-03-02T09:00:00Z"));
    let mut e = Engine::with_clock(clock.clone());
    setup(&mut e);
    e.create_opportunity("wang", new_opp("o1", 100_000))
        .unwrap();
    (e, clock)
}

/// o1 through qualify, demo and resolve into quote, its quote approved by li and zhao.
fn at_quote_approved(e: &mut Engine) {
    e.tick("wang", "o1", "budget confirmed").unwrap();
    e.advance("wang", "o1", "demo").unwrap();
    e.log_activity(
        "wang",
        Activity::new("a1", "demo", "acme", e.now()).on_opportunity("o1"),
    )
    .unwrap();
    e.advance("wang", "o1", "resolve").unwrap();
    e.advance("wang", "o1", "quote").unwrap();
    e.submit_approval("wang", "o1", "quote-approval", "q1")
        .unwrap();
    e.decide_approval("li", "o1", "q1", Decision::Approve, "")
        .unwrap();
    e.decide_approval("zhao", "o1", "q1", Decision::Approve, "")
        .unwrap();
}

fn cut_amount(e: &mut Engine, minor: i64) {
    e.update_opportunity(
        "wang",
        "o1",
        OpportunityPatch {
            amount: Some(cny(minor)),
            ..OpportunityPatch::default()
        },
    )
    .unwrap();
}

fn resubmit(e: &mut Engine) {
    e.execute(
        "wang",
        Command::ResubmitApproval {
            opportunity: "o1".into(),
            request: "q1".into(),
        },
    )
    .unwrap();
}

fn status(e: &Engine, request: &str) -> ApprovalStatus {
    let v = e.view();
    let o = v.opportunity(&"o1".into()).unwrap();
    o.approvals
        .iter()
        .find(|r| r.id.as_str() == request)
        .unwrap()
        .status
}

/// Past the approval stage, the owner cuts the amount from 100,000 to 1: the approval
/// lapses, and neither `win` nor an advance goes through until it is approved again; the
/// refusal names the lapsed approval under the stage that required it.
#[test]
fn a_lapsed_approval_holds_its_gate_again_for_every_later_move_win_included() {
    let (mut e, _) = engine();
    at_quote_approved(&mut e);
    e.advance("wang", "o1", "contract").unwrap();
    cut_amount(&mut e, 1);
    assert_eq!(status(&e, "q1"), ApprovalStatus::Invalidated);

    let before = e.view().state().position();
    let err = e.win("wang", "o1").unwrap_err();
    assert_eq!(err.code(), ErrorCode::GateNotMet);
    let Error::GateNotMet { report, .. } = &err else {
        panic!("{err:?}")
    };
    let unmet: Vec<(&str, bool)> = report
        .items
        .iter()
        .map(|i| (i.stage.as_str(), i.met))
        .collect();
    assert_eq!(unmet, [("quote", false)]);
    assert!(report.items[0].reason.contains("lapsed"), "{report:?}");
    assert_eq!(
        e.view().state().position(),
        before,
        "a refusal writes nothing"
    );
    // the gate report a UI shows says the same
    let check = e.view().check(&"o1".into(), &StageId::new("won")).unwrap();
    assert!(!check.is_met());

    // approved again, the deal is won
    resubmit(&mut e);
    e.decide_approval("li", "o1", "q1", Decision::Approve, "")
        .unwrap();
    // still pending at finance: still held, and the refusal says it waits
    assert_eq!(
        e.win("wang", "o1").unwrap_err().code(),
        ErrorCode::ApprovalPending
    );
    e.decide_approval("zhao", "o1", "q1", Decision::Approve, "")
        .unwrap();
    e.win("wang", "o1").unwrap();
}

/// A rejection after the resubmission keeps the gate held; a manager may still force.
#[test]
fn a_rejected_resubmission_keeps_the_gate_held_and_force_still_works() {
    let (mut e, _) = engine();
    at_quote_approved(&mut e);
    e.advance("wang", "o1", "contract").unwrap();
    cut_amount(&mut e, 1);
    resubmit(&mut e);
    e.decide_approval("li", "o1", "q1", Decision::Reject, "too cheap")
        .unwrap();
    assert_eq!(
        e.win("wang", "o1").unwrap_err().code(),
        ErrorCode::GateNotMet
    );
    e.force_advance("li", "o1", "won", "signed anyway").unwrap();
}

/// A stage passed without any request of its process (here: forced over it) is not held
/// again: there is no approval that lapsed.
#[test]
fn a_stage_forced_past_without_a_request_is_not_held_again() {
    let (mut e, _) = engine();
    e.force_advance("li", "o1", "contract", "known customer")
        .unwrap();
    cut_amount(&mut e, 1);
    e.win("wang", "o1").unwrap();
}

/// Approved at step 1, then the amount is cut: the pending request lapses, finance's
/// approval is refused, and the deal does not advance.
#[test]
fn a_pending_request_lapses_with_a_material_change() {
    let (mut e, _) = engine();
    e.tick("wang", "o1", "budget confirmed").unwrap();
    e.force_advance("li", "o1", "quote", "fast track").unwrap();
    e.submit_approval("wang", "o1", "quote-approval", "q1")
        .unwrap();
    e.decide_approval("li", "o1", "q1", Decision::Approve, "")
        .unwrap();
    cut_amount(&mut e, 1);
    assert_eq!(status(&e, "q1"), ApprovalStatus::Invalidated);
    let err = e
        .decide_approval("zhao", "o1", "q1", Decision::Approve, "")
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidTransition, "{err}");
    assert_eq!(
        e.advance("wang", "o1", "contract").unwrap_err().code(),
        ErrorCode::GateNotMet
    );
    // the timeline says why
    let events = e.view().events(0, 1_000).unwrap();
    assert!(events.iter().any(|r| matches!(
        &r.event,
        Event::ApprovalInvalidated { request, .. } if request.as_str() == "q1"
    )));
}

/// The deal's owner may not approve a request on their own deal, even when their manager
/// submitted it; a process whose only approver of a step is the owner is refused on
/// submission.
#[test]
fn nobody_approves_their_own_deal_whoever_submitted() {
    let (mut e, _) = engine();
    e.execute(
        "admin",
        Command::DefineProcess {
            process: ApprovalProcess::new("discount", "折扣审批").step(ApprovalStep {
                name: "Any".into(),
                approvers: vec!["wang".into(), "zhao".into()],
                policy: StepPolicy::Any,
            }),
        },
    )
    .unwrap();
    e.submit_approval("li", "o1", "discount", "d1").unwrap();
    let before = e.view().state().position();
    let err = e
        .decide_approval("wang", "o1", "d1", Decision::Approve, "")
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::PermissionDenied);
    assert!(err.to_string().contains("own deal"), "{err}");
    assert_eq!(e.view().state().position(), before);
    e.decide_approval("zhao", "o1", "d1", Decision::Approve, "")
        .unwrap();

    e.execute(
        "admin",
        Command::DefineProcess {
            process: ApprovalProcess::new("self", "自批").step(ApprovalStep {
                name: "Owner".into(),
                approvers: vec!["wang".into()],
                policy: StepPolicy::Any,
            }),
        },
    )
    .unwrap();
    let err = e.submit_approval("li", "o1", "self", "s1").unwrap_err();
    assert_eq!(err.code(), ErrorCode::Validation);
    assert!(err.to_string().contains("wang"), "{err}");
}

/// A demo "held" next year is refused (an activity is work done); one dated later today,
/// within the clock tolerance, does not open the demo gate before its time, and does after.
#[test]
fn a_future_dated_activity_counts_only_from_its_time() {
    let (mut e, clock) = engine();
    e.tick("wang", "o1", "budget confirmed").unwrap();
    e.advance("wang", "o1", "demo").unwrap();
    let before = e.view().state().position();
    let err = e
        .log_activity(
            "wang",
            Activity::new("a0", "demo", "acme", t("2027-03-02T09:00:00Z")).on_opportunity("o1"),
        )
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Validation);
    assert!(err.to_string().contains("activity.at"), "{err}");
    assert_eq!(e.view().state().position(), before);

    e.log_activity(
        "wang",
        Activity::new("a1", "demo", "acme", t("2026-03-02T15:00:00Z")).on_opportunity("o1"),
    )
    .unwrap();
    let err = e.advance("wang", "o1", "resolve").unwrap_err();
    assert_eq!(err.code(), ErrorCode::GateNotMet);
    let report = e
        .view()
        .check(&"o1".into(), &StageId::new("resolve"))
        .unwrap();
    assert!(!report.is_met());
    clock.set(t("2026-03-02T15:00:00Z"));
    e.advance("wang", "o1", "resolve").unwrap();
}

/// A follow-up planned far off delays a deal's rotting by `planned_delay_max` at most.
#[test]
fn a_far_off_plan_does_not_silence_a_rotting_deal() {
    let (mut e, _) = engine();
    let mut rules = ReminderRules::default();
    rules.stale.in_stage = Some(std::time::Duration::from_secs(10 * 86_400));
    e.execute("admin", Command::SetReminderRules { rules })
        .unwrap();
    e.log_activity(
        "wang",
        Activity::new("a1", "call", "acme", t("2026-03-02T09:00:00Z"))
            .on_opportunity("o1")
            .follow_up_at(t("2026-12-24T09:00:00Z")),
    )
    .unwrap();
    let stale: Vec<Timestamp> = e
        .view()
        .upcoming(
            t("2026-03-01T00:00:00Z"),
            std::time::Duration::from_secs(400 * 86_400),
        )
        .into_iter()
        .filter(|r| r.kind == ReminderKind::Stale)
        .map(|r| r.due)
        .collect();
    // entered 2026-03-02T09:00 + 10 days + 14 days at most
    assert_eq!(stale, [t("2026-03-26T09:00:00Z")]);
}
