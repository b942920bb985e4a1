//! The approval commands on an opportunity: submit, decide, withdraw and resubmit a request.

use smallvec::smallvec;

use super::{decidable, misrouted, non_empty, Command, Ctx, Decided};
use crate::approval::{ApprovalStatus, Decision};
use crate::engine::policy::Action;
use crate::error::{Error, Result};
use crate::event::Event;
use crate::id::{OpportunityId, ProcessId, RequestId};
use crate::opportunity::Opportunity;

/// Decides an approval command; its events go to the opportunity's record it read.
#[inline(never)]
pub(super) fn decide<'a>(cx: &Ctx<'a>, cmd: Command) -> Result<Decided<'a>> {
    match cmd {
        Command::SubmitApproval {
            opportunity,
            process,
            request,
        } => submit(cx, opportunity, process, request),
        Command::DecideApproval {
            opportunity,
            request,
            decision,
            comment,
        } => decide_request(cx, opportunity, request, decision, comment),
        Command::WithdrawApproval {
            opportunity,
            request,
        } => withdraw(cx, opportunity, request),
        Command::ResubmitApproval {
            opportunity,
            request,
        } => resubmit(cx, opportunity, request),
        other => Err(misrouted(other, "an approval")),
    }
}

fn submit<'a>(
    cx: &Ctx<'a>,
    opportunity: OpportunityId,
    process: ProcessId,
    request: RequestId,
) -> Result<Decided<'a>> {
    let st = cx.state;
    let rec = cx.open_deal(&opportunity)?;
    let o = &rec.opportunity;
    non_empty("request", request.as_str())?;
    decidable(st, &process, cx.actor, Some(&o.owner))?;
    if o.approvals.iter().any(|r| r.id == request) {
        return Err(Error::already_exists("approval request", &request));
    }
    if let Some(r) = o.latest_request(&process) {
        match r.status {
            ApprovalStatus::Pending => {
                return Err(Error::ApprovalPending {
                    request: r.id.to_string(),
                    message: format!("a \"{process}\" request is already waiting"),
                })
            }
            ApprovalStatus::Approved => {
                return Err(Error::transition(format!(
                    "\"{process}\" is already approved ({})",
                    r.id
                )))
            }
            _ => {}
        }
    }
    let target = (opportunity.clone(), rec);
    Ok(Decided::on(
        target,
        smallvec![Event::ApprovalSubmitted {
            opportunity,
            request,
            process,
        }],
    ))
}

fn decide_request<'a>(
    cx: &Ctx<'a>,
    opportunity: OpportunityId,
    request: RequestId,
    decision: Decision,
    comment: String,
) -> Result<Decided<'a>> {
    let st = cx.state;
    let rec = cx.record(&opportunity)?;
    let o = &rec.opportunity;
    let r = request_of(o, &request)?;
    let p = st
        .process(&r.process)
        .ok_or_else(|| Error::not_found("approval process", &r.process))?;
    r.check_decider(p, cx.actor)?;
    if cx.actor == &o.owner {
        return Err(Error::denied(
            cx.actor,
            format!("decide an approval on their own deal {opportunity}"),
        ));
    }
    cx.allow(Action::Decide)?;
    if decision == Decision::Reject && comment.trim().is_empty() {
        return Err(Error::validation("comment", "a rejection needs a comment"));
    }
    let target = (opportunity.clone(), rec);
    Ok(Decided::on(
        target,
        smallvec![Event::ApprovalDecided {
            opportunity,
            request,
            decision,
            comment,
        }],
    ))
}

fn withdraw<'a>(
    cx: &Ctx<'a>,
    opportunity: OpportunityId,
    request: RequestId,
) -> Result<Decided<'a>> {
    let rec = cx.open_deal(&opportunity)?;
    let o = &rec.opportunity;
    let r = request_of(o, &request)?;
    if r.status != ApprovalStatus::Pending {
        return Err(Error::transition(format!(
            "approval {request} is not pending"
        )));
    }
    let target = (opportunity.clone(), rec);
    Ok(Decided::on(
        target,
        smallvec![Event::ApprovalWithdrawn {
            opportunity,
            request,
        }],
    ))
}

fn resubmit<'a>(
    cx: &Ctx<'a>,
    opportunity: OpportunityId,
    request: RequestId,
) -> Result<Decided<'a>> {
    let st = cx.state;
    let rec = cx.open_deal(&opportunity)?;
    let o = &rec.opportunity;
    let r = request_of(o, &request)?;
    match r.status {
        ApprovalStatus::Rejected | ApprovalStatus::Withdrawn | ApprovalStatus::Invalidated => {}
        ApprovalStatus::Pending => {
            return Err(Error::ApprovalPending {
                request: request.to_string(),
                message: "is still waiting".to_owned(),
            })
        }
        _ => {
            return Err(Error::transition(format!(
                "approval {request} is approved; nothing to resubmit"
            )))
        }
    }
    if o.approvals
        .iter()
        .any(|x| x.process == r.process && x.id != r.id && x.status == ApprovalStatus::Pending)
    {
        return Err(Error::ApprovalPending {
            request: request.to_string(),
            message: format!("another \"{}\" request is waiting", r.process),
        });
    }
    decidable(st, &r.process, cx.actor, Some(&o.owner))?;
    let process = r.process.clone();
    let target = (opportunity.clone(), rec);
    Ok(Decided::on(
        target,
        smallvec![Event::ApprovalSubmitted {
            opportunity,
            request,
            process,
        }],
    ))
}

fn request_of<'a>(o: &'a Opportunity, id: &RequestId) -> Result<&'a crate::ApprovalRequest> {
    o.approvals
        .iter()
        .find(|r| &r.id == id)
        .ok_or_else(|| Error::not_found("approval request", id))
}
