//! The fold of the approval events on an opportunity's requests.

use crate::approval::{ApprovalRequest, ApprovalStatus};
use crate::event::{Event, RecordedEvent};
use crate::id::OpportunityId;
use crate::state::State;

impl State {
    pub(super) fn apply_approval(&mut self, rec: &RecordedEvent) {
        let at = rec.at;
        match &rec.event {
            Event::ApprovalSubmitted {
                opportunity,
                request,
                process,
            } => {
                let Some(o) = self.opportunities.get_mut(opportunity) else {
                    return;
                };
                match o.approvals.iter_mut().find(|r| &r.id == request) {
                    Some(r) => {
                        r.resubmit(rec.actor.clone(), at);
                    }
                    None => o.approvals.push(ApprovalRequest::new(
                        request.clone(),
                        process.clone(),
                        rec.actor.clone(),
                        at,
                    )),
                }
            }
            Event::ApprovalDecided {
                opportunity,
                request,
                decision,
                comment,
            } => {
                let Some(o) = self.opportunities.get_mut(opportunity) else {
                    return;
                };
                let Some(r) = o.approvals.iter_mut().find(|r| &r.id == request) else {
                    return;
                };
                let Some(p) = self.processes.get(&r.process) else {
                    return;
                };
                r.apply_decision(p, rec.actor.clone(), *decision, comment.clone(), at);
            }
            Event::ApprovalWithdrawn {
                opportunity,
                request,
            } => {
                self.set_request_status(opportunity, request, ApprovalStatus::Withdrawn);
            }
            Event::ApprovalInvalidated {
                opportunity,
                request,
                ..
            } => {
                self.set_request_status(opportunity, request, ApprovalStatus::Invalidated);
            }
            _ => return, // folded by another aggregate
        }
        self.set_opportunity_version(rec);
    }

    fn set_request_status(
        &mut self,
        opp: &OpportunityId,
        request: &crate::RequestId,
        status: ApprovalStatus,
    ) {
        if let Some(r) = self
            .opportunities
            .get_mut(opp)
            .and_then(|o| o.approvals.iter_mut().find(|r| &r.id == request))
        {
            r.status = status;
        }
    }
}
