//! Approval processes on opportunities: who may submit and decide, an `all` step with the
//! submitter among its approvers, and what lapses when the deal changes.
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

fn request(e: &Engine, id: &str) -> ApprovalRequest {
    e.view()
        .state()
        .opportunity(&"o1".into())
        .and_then(|o| o.approvals.iter().find(|r| r.id.as_str() == id).cloned())
        .unwrap()
}

fn product(unit: i64) -> ProductLine {
    ProductLine::new("erp", 2, cny(unit))
}

/// li approves the first step and is one of the two approvers of an `all` step. When li
/// submits, li decides nothing, and zhao alone completes the `all` step.
#[test]
fn the_submitter_is_not_waited_on_in_an_all_step_and_may_not_decide() {
    let mut e = engine();
    e.execute(
        "admin",
        Command::DefineProcess {
            process: ApprovalProcess::new("board", "董事会审批")
                .step(ApprovalStep {
                    name: "Manager".into(),
                    approvers: vec!["li".into(), "admin".into()],
                    policy: StepPolicy::Any,
                })
                .step(ApprovalStep {
                    name: "Board".into(),
                    approvers: vec!["li".into(), "zhao".into()],
                    policy: StepPolicy::All,
                }),
        },
    )
    .unwrap();
    e.submit_approval("li", "o1", "board", "b1").unwrap();
    let err = e
        .decide_approval("li", "o1", "b1", Decision::Approve, "")
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::PermissionDenied);
    assert!(err.to_string().contains("own approval request"), "{err}");
    e.decide_approval("admin", "o1", "b1", Decision::Approve, "ok")
        .unwrap();
    let process = e.view().process(&"board".into()).unwrap().clone();
    let r = request(&e, "b1");
    assert_eq!((r.step, r.status), (1, ApprovalStatus::Pending));
    let waiting: Vec<&str> = r.waiting_on(&process).iter().map(|a| a.as_str()).collect();
    assert_eq!(waiting, ["zhao"]); // not li, who submitted it
    e.decide_approval("zhao", "o1", "b1", Decision::Approve, "同意")
        .unwrap();
    assert_eq!(request(&e, "b1").status, ApprovalStatus::Approved);
}

/// A request its submitter would have to decide alone is refused when submitted, and
/// nothing is written.
#[test]
fn a_request_only_its_submitter_could_decide_is_refused() {
    let mut e = engine();
    let before = e.view().state().position();
    // li is the only approver of quote-approval's first step
    let err = e
        .submit_approval("li", "o1", "quote-approval", "q1")
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Validation);
    let text = err.to_string();
    assert!(
        text.contains("step 1 \"Manager\" of quote-approval"),
        "{text}"
    );
    assert!(text.contains("li (who submits it)"), "{text}");
    assert_eq!(e.view().state().position(), before);
    // wang may submit it; after a rejection, li may not resubmit it either
    e.submit_approval("wang", "o1", "quote-approval", "q1")
        .unwrap();
    e.decide_approval("li", "o1", "q1", Decision::Reject, "价格过低")
        .unwrap();
    let before = e.view().state().position();
    let err = e
        .execute(
            "li",
            Command::ResubmitApproval {
                opportunity: "o1".into(),
                request: "q1".into(),
            },
        )
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Validation);
    assert_eq!(e.view().state().position(), before);
    e.execute(
        "wang",
        Command::ResubmitApproval {
            opportunity: "o1".into(),
            request: "q1".into(),
        },
    )
    .unwrap();
    assert_eq!(request(&e, "q1").round, 2);
}

fn approved(e: &mut Engine, process: &str, id: &str) {
    e.submit_approval("wang", "o1", process, id).unwrap();
    e.decide_approval("li", "o1", id, Decision::Approve, "")
        .unwrap();
    e.decide_approval("zhao", "o1", id, Decision::Approve, "")
        .unwrap();
    assert_eq!(request(e, id).status, ApprovalStatus::Approved);
}

/// A granted approval lapses when the quoted products change, or the amount; a process
/// with `invalidate_on_change = false` keeps its approval; other changes lapse nothing.
#[test]
fn an_approval_lapses_when_products_or_amount_change_unless_the_process_says_not() {
    let mut e = engine();
    let mut keep = quote_process();
    keep.id = "keep".into();
    keep.invalidate_on_change = false;
    e.execute("admin", Command::DefineProcess { process: keep })
        .unwrap();
    approved(&mut e, "quote-approval", "q1");
    approved(&mut e, "keep", "k1");

    // a change to the name lapses nothing
    e.update_opportunity(
        "wang",
        "o1",
        OpportunityPatch {
            name: Some("ERP 二期".into()),
            ..OpportunityPatch::default()
        },
    )
    .unwrap();
    assert_eq!(request(&e, "q1").status, ApprovalStatus::Approved);

    // the quoted products change (the amount stays as it was): q1 lapses, k1 stays
    e.update_opportunity(
        "wang",
        "o1",
        OpportunityPatch {
            products: Some(vec![product(50_000)]),
            ..OpportunityPatch::default()
        },
    )
    .unwrap();
    assert_eq!(request(&e, "q1").status, ApprovalStatus::Invalidated);
    assert_eq!(request(&e, "k1").status, ApprovalStatus::Approved);
    let o = e.view().state().opportunity(&"o1".into()).unwrap().clone();
    assert_eq!(o.amount, cny(100_000));

    // resubmitted and approved again, then the amount changes: it lapses again
    e.execute(
        "wang",
        Command::ResubmitApproval {
            opportunity: "o1".into(),
            request: "q1".into(),
        },
    )
    .unwrap();
    e.decide_approval("li", "o1", "q1", Decision::Approve, "")
        .unwrap();
    e.decide_approval("zhao", "o1", "q1", Decision::Approve, "")
        .unwrap();
    e.update_opportunity(
        "wang",
        "o1",
        OpportunityPatch {
            amount: Some(cny(90_000)),
            ..OpportunityPatch::default()
        },
    )
    .unwrap();
    assert_eq!(request(&e, "q1").status, ApprovalStatus::Invalidated);
    assert_eq!(request(&e, "k1").status, ApprovalStatus::Approved);
    // the quote stage's gate now waits on a new approval of quote-approval
    let report = e.view().check(&"o1".into(), &"contract".into()).unwrap();
    assert!(report.to_string().contains("quote-approval"), "{report}");
}

/// A process may be redefined, but not so that a pending request waits at a step it no
/// longer has: such a request could never be decided.
#[test]
fn a_process_is_not_redefined_under_a_request_waiting_at_a_removed_step() {
    let mut e = engine();
    e.submit_approval("wang", "o1", "quote-approval", "q1")
        .unwrap();
    e.decide_approval("li", "o1", "q1", Decision::Approve, "")
        .unwrap(); // now at step 2, Finance
    let mut one_step = quote_process();
    one_step.steps.truncate(1);
    let before = e.view().state().position();
    let err = e
        .execute(
            "admin",
            Command::DefineProcess {
                process: one_step.clone(),
            },
        )
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Validation);
    assert!(err.to_string().contains("q1 (step 2)"), "{err}");
    assert_eq!(e.view().state().position(), before);
    // renaming a step is fine; once q1 is decided, the step may go
    let mut renamed = quote_process();
    renamed.steps[1].name = "财务".into();
    e.execute("admin", Command::DefineProcess { process: renamed })
        .unwrap();
    e.decide_approval("zhao", "o1", "q1", Decision::Approve, "")
        .unwrap();
    e.execute("admin", Command::DefineProcess { process: one_step })
        .unwrap();
    assert_eq!(request(&e, "q1").status, ApprovalStatus::Approved);
}
