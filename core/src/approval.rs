//! Approval processes (quote approval, contract approval) and their requests.
//!
//! A process has one or more steps; each step is decided by its approvers with policy `any`
//! (one approval suffices) or `all` (every approver must approve). A rejection at any step
//! rejects the request; the submitter may then resubmit, which starts again at step one.
//! Only listed approvers decide, and nobody decides their own request.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::clock::{duration_too_long, Timestamp, MAX_DURATION};
use crate::error::{Error, Problem, Result};
use crate::id::{ActorId, ProcessId, RequestId};

/// How a step is decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum StepPolicy {
    /// One approval by any listed approver approves the step.
    #[default]
    Any,
    /// Every listed approver must approve.
    All,
}

/// One step of an approval process.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApprovalStep {
    /// Display name (`Sales manager`, `Finance`).
    pub name: String,
    /// Who may decide.
    pub approvers: Vec<ActorId>,
    /// Any or all.
    #[serde(default)]
    pub policy: StepPolicy,
}

/// An approval process definition.
///
/// ```
/// use salespipe::{ApprovalProcess, ApprovalStep, StepPolicy};
/// let p = ApprovalProcess::new("quote-approval", "Quote approval")
///     .step(ApprovalStep { name: "Manager".into(), approvers: vec!["li".into()], policy: StepPolicy::Any })
///     .step(ApprovalStep { name: "Finance".into(), approvers: vec!["zhao".into(), "qian".into()], policy: StepPolicy::All });
/// p.validate().unwrap();
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApprovalProcess {
    /// Id.
    pub id: ProcessId,
    /// Display name.
    pub name: String,
    /// Steps, decided in order.
    pub steps: Vec<ApprovalStep>,
    /// Whether a granted approval lapses when the amount or the quoted products change.
    #[serde(default = "yes")]
    pub invalidate_on_change: bool,
    /// How long an approver may keep a step waiting before a reminder (`"2d"`).
    #[serde(
        default,
        with = "humantime_serde",
        skip_serializing_if = "Option::is_none"
    )]
    pub sla: Option<Duration>,
}

fn yes() -> bool {
    true
}

impl ApprovalProcess {
    /// A process with no steps yet (add them with [`ApprovalProcess::step`]).
    pub fn new(id: impl Into<ProcessId>, name: impl Into<String>) -> Self {
        ApprovalProcess {
            id: id.into(),
            name: name.into(),
            steps: Vec::new(),
            invalidate_on_change: true,
            sla: None,
        }
    }

    /// Appends a step.
    pub fn step(mut self, step: ApprovalStep) -> Self {
        self.steps.push(step);
        self
    }

    /// Checks the definition, listing every problem.
    pub fn validate(&self) -> Result<()> {
        let mut problems = Vec::new();
        if self.id.as_str().trim().is_empty() {
            problems.push(Problem::new("id", "is empty"));
        }
        if self.name.trim().is_empty() {
            problems.push(Problem::new("name", "is empty"));
        }
        if self.steps.is_empty() {
            problems.push(Problem::new("steps", "a process needs at least one step"));
        }
        if let Some(d) = self.sla.filter(|&d| d > MAX_DURATION) {
            problems.push(Problem::new("sla", duration_too_long(d)));
        }
        for (i, s) in self.steps.iter().enumerate() {
            if s.name.trim().is_empty() {
                problems.push(Problem::new(format!("steps[{i}].name"), "is empty"));
            }
            if s.approvers.is_empty() {
                problems.push(Problem::new(
                    format!("steps[{i}].approvers"),
                    "a step needs an approver",
                ));
            }
            let mut seen = std::collections::HashSet::new();
            for (j, a) in s.approvers.iter().enumerate() {
                if !seen.insert(a) {
                    problems.push(Problem::new(
                        format!("steps[{i}].approvers[{j}]"),
                        format!("duplicate approver {a:?}", a = a.as_str()),
                    ));
                }
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(Error::InvalidDefinition { problems })
        }
    }

    /// Checks that a request `submitter` submits can be decided, since nobody decides their
    /// own request: every step needs an approver other than the submitter (and other than
    /// `also_barred`, who may not decide it either, such as the rep of an expense a manager
    /// submits). The submitter's place in an `all` step is taken by their submission; one
    /// barred for another reason cannot stand in an `all` step at all.
    ///
    /// ```
    /// use salespipe::{ApprovalProcess, ApprovalStep, ErrorCode, StepPolicy};
    /// let p = ApprovalProcess::new("quote", "Quote")
    ///     .step(ApprovalStep { name: "Manager".into(), approvers: vec!["li".into()], policy: StepPolicy::Any })
    ///     .step(ApprovalStep { name: "Board".into(), approvers: vec!["li".into(), "zhao".into()], policy: StepPolicy::All });
    /// assert!(p.check_decidable(&"wang".into(), None).is_ok());
    /// assert!(p.check_decidable(&"zhao".into(), None).is_ok()); // li alone decides the board step
    /// let e = p.check_decidable(&"li".into(), None).unwrap_err();
    /// assert_eq!(e.code(), ErrorCode::Validation);
    /// assert!(e.to_string().contains("step 1 \"Manager\""));
    /// ```
    pub fn check_decidable(
        &self,
        submitter: &ActorId,
        also_barred: Option<&ActorId>,
    ) -> Result<()> {
        let barred = |a: &ActorId| a == submitter || also_barred == Some(a);
        for (i, step) in self.steps.iter().enumerate() {
            if step.approvers.iter().all(barred) {
                let who = match also_barred {
                    Some(b) if b != submitter => {
                        format!("{submitter} (who submits it) or {b} (whose deal or expense it is)")
                    }
                    _ => format!("{submitter}, who submits it"),
                };
                return Err(Error::validation(
                    "process",
                    format!(
                        "step {} \"{}\" of {} has no approver other than {who}: nobody decides their own request",
                        i + 1,
                        step.name,
                        self.id
                    ),
                ));
            }
            if let Some(b) = also_barred.filter(|b| *b != submitter) {
                if step.policy == StepPolicy::All && step.approvers.contains(b) {
                    return Err(Error::validation(
                        "process",
                        format!(
                            "step {} \"{}\" of {} needs every approver and lists {b}, who may not decide it",
                            i + 1,
                            step.name,
                            self.id
                        ),
                    ));
                }
            }
        }
        Ok(())
    }
}

/// Approve or reject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Approve the current step.
    Approve,
    /// Reject the request.
    Reject,
}

/// Where a request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ApprovalStatus {
    /// Waiting at `step`.
    Pending,
    /// Every step approved.
    Approved,
    /// Rejected at some step; may be resubmitted.
    Rejected,
    /// Withdrawn by the submitter; may be resubmitted.
    Withdrawn,
    /// Was approved or pending, lapsed because the amount or products changed; may be resubmitted.
    Invalidated,
}

/// One recorded decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalDecision {
    /// Submission round (1 for the first submission).
    pub round: u32,
    /// Step index.
    pub step: usize,
    /// Who decided.
    pub approver: ActorId,
    /// What.
    pub decision: Decision,
    /// Comment.
    pub comment: String,
    /// When.
    pub at: Timestamp,
}

/// An approval request on an opportunity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalRequest {
    /// Id.
    pub id: RequestId,
    /// The process.
    pub process: ProcessId,
    /// Who submitted it.
    pub submitted_by: ActorId,
    /// When the current round was submitted.
    pub submitted_at: Timestamp,
    /// Current round (resubmission increments it).
    pub round: u32,
    /// The step waiting for decisions (meaningful while pending).
    pub step: usize,
    /// Since when the current step waits.
    pub step_since: Timestamp,
    /// Status.
    pub status: ApprovalStatus,
    /// Every decision of every round.
    pub decisions: Vec<ApprovalDecision>,
}

impl ApprovalRequest {
    /// A new request, pending at step one of round one.
    ///
    /// ```
    /// use salespipe::{ApprovalRequest, ApprovalStatus, Timestamp};
    /// let r = ApprovalRequest::new("req-1".into(), "quote".into(), "wang".into(), Timestamp::from_millis(0));
    /// assert_eq!((r.round, r.step, r.status), (1, 0, ApprovalStatus::Pending));
    /// ```
    pub fn new(id: RequestId, process: ProcessId, submitted_by: ActorId, at: Timestamp) -> Self {
        ApprovalRequest {
            id,
            process,
            submitted_by,
            submitted_at: at,
            round: 1,
            step: 0,
            step_since: at,
            status: ApprovalStatus::Pending,
            decisions: Vec::new(),
        }
    }

    /// Starts the next round at step one (a resubmission); earlier decisions are kept.
    pub fn resubmit(&mut self, by: ActorId, at: Timestamp) {
        self.round += 1;
        self.step = 0;
        self.status = ApprovalStatus::Pending;
        self.submitted_at = at;
        self.step_since = at;
        self.submitted_by = by;
    }

    /// Approvers of the current step who have not yet decided in this round. The submitter
    /// is never among them: nobody decides their own request, and their submission stands
    /// for their approval in an `all` step.
    pub fn waiting_on<'a>(&'a self, process: &'a ApprovalProcess) -> Vec<&'a ActorId> {
        if self.status != ApprovalStatus::Pending {
            return Vec::new();
        }
        let Some(step) = process.steps.get(self.step) else {
            return Vec::new();
        };
        step.approvers
            .iter()
            .filter(|a| {
                **a != self.submitted_by
                    && !self
                        .decisions
                        .iter()
                        .any(|d| d.round == self.round && d.step == self.step && &d.approver == *a)
            })
            .collect()
    }

    /// Checks that `actor` may decide now; the error says why not.
    pub fn check_decider(&self, process: &ApprovalProcess, actor: &ActorId) -> Result<()> {
        if self.status != ApprovalStatus::Pending {
            return Err(Error::transition(format!(
                "approval {} is {:?}, not pending",
                self.id, self.status
            )));
        }
        if actor == &self.submitted_by {
            return Err(Error::denied(
                actor,
                format!("decide their own approval request {}", self.id),
            ));
        }
        let step = process
            .steps
            .get(self.step)
            .ok_or_else(|| Error::not_found("approval step", self.step))?;
        if !step.approvers.contains(actor) {
            return Err(Error::denied(
                actor,
                format!(
                    "decide step \"{}\" of {}: not an approver of that step",
                    step.name, self.id
                ),
            ));
        }
        if self
            .decisions
            .iter()
            .any(|d| d.round == self.round && d.step == self.step && &d.approver == actor)
        {
            return Err(Error::transition(format!(
                "{actor} has already decided this step of {}",
                self.id
            )));
        }
        Ok(())
    }

    /// Applies a decision already checked by [`ApprovalRequest::check_decider`].
    pub fn apply_decision(
        &mut self,
        process: &ApprovalProcess,
        approver: ActorId,
        decision: Decision,
        comment: String,
        at: Timestamp,
    ) {
        self.decisions.push(ApprovalDecision {
            round: self.round,
            step: self.step,
            approver,
            decision,
            comment,
            at,
        });
        if decision == Decision::Reject {
            self.status = ApprovalStatus::Rejected;
            return;
        }
        let Some(step) = process.steps.get(self.step) else {
            self.status = ApprovalStatus::Approved;
            return;
        };
        let step_done = match step.policy {
            StepPolicy::Any => true,
            StepPolicy::All => self.waiting_on(process).is_empty(),
        };
        if step_done {
            if self.step + 1 >= process.steps.len() {
                self.status = ApprovalStatus::Approved;
            } else {
                self.step += 1;
                self.step_since = at;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(name: &str, who: &[&str], policy: StepPolicy) -> ApprovalStep {
        ApprovalStep {
            name: name.into(),
            approvers: who.iter().map(|a| ActorId::new(*a)).collect(),
            policy,
        }
    }

    #[test]
    fn a_request_must_stay_decidable_by_someone_not_barred() {
        let p = ApprovalProcess::new("x", "X")
            .step(step("Manager", &["li", "zhao"], StepPolicy::Any))
            .step(step("Board", &["zhao", "qian"], StepPolicy::All));
        let (li, zhao, qian) = (
            ActorId::new("li"),
            ActorId::new("zhao"),
            ActorId::new("qian"),
        );
        assert!(p.check_decidable(&li, None).is_ok());
        // zhao submits: li decides step 1, qian alone the `all` step
        assert!(p.check_decidable(&zhao, None).is_ok());
        // li submits for zhao (an expense's rep): step 1 has nobody left
        let e = p.check_decidable(&li, Some(&zhao)).unwrap_err().to_string();
        assert!(
            e.contains("step 1 \"Manager\"") && e.contains("li (who submits it) or zhao"),
            "{e}"
        );
        // admin submits for qian: qian stands in the `all` step and may not decide it
        let e = p
            .check_decidable(&ActorId::new("admin"), Some(&qian))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("step 2 \"Board\"") && e.contains("lists qian"),
            "{e}"
        );
        // the rep who submits their own: only the submitter rule applies
        assert!(p.check_decidable(&qian, Some(&qian)).is_ok());
    }
}
