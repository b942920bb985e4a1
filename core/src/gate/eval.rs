//! Evaluation of exit requirements against an opportunity.

use std::cmp::Ordering;

use super::{FieldOp, GateItem, GateReport, Requirement};
use crate::activity::Activity;
use crate::approval::ApprovalStatus;
use crate::clock::Timestamp;
use crate::error::{Error, Result};
use crate::id::StageId;
use crate::opportunity::{FieldValue, Opportunity};
use crate::pipeline::{Pipeline, Position, Stage};

/// What a gate looks at: the opportunity, the activities linked to it and the instant of
/// the move.
#[derive(Debug, Clone, Copy)]
pub struct GateContext<'a> {
    /// The opportunity.
    pub opportunity: &'a Opportunity,
    /// The activities linked to it (any order).
    pub activities: &'a [Activity],
    /// When the move happens: an activity dated after it has not happened yet and does not
    /// count (a demo "held" next year opens no gate today).
    pub now: Timestamp,
}

/// The gate report for moving the opportunity forward to `target` (an open stage after the
/// current one, or `won`): the exit requirements of the current stage and of every stage
/// skipped on the way. Activities count from the time the opportunity entered its current
/// stage (a skipped stage was never entered) up to `ctx.now`.
///
/// An approval a stage behind the opportunity required holds again once it is no longer
/// granted: when the process has a request on this opportunity whose status is not
/// `approved` (it lapsed after a change of amount or products, or was resubmitted, rejected
/// or withdrawn since), every later move, `won` included, needs it approved again. Those
/// items come first in the report, under the stage that required them. A stage passed
/// without any request of its process (forced, or added by a pipeline edit) is not held
/// again.
///
/// Errors: `target` unknown ([`Error::NotFound`]); not forward, or the opportunity closed
/// ([`Error::InvalidTransition`]).
pub fn evaluate(pipeline: &Pipeline, ctx: GateContext<'_>, target: &StageId) -> Result<GateReport> {
    let opp = ctx.opportunity;
    let route = route(pipeline, opp, target)?;
    let items = requirements(pipeline, route, opp)
        .map(|(stage, req)| {
            let met = is_met(req, ctx);
            GateItem {
                stage: stage.id.clone(),
                stage_name: stage.name.clone(),
                requirement: req.clone(),
                met,
                reason: reason(req, ctx, met),
            }
        })
        .collect();
    Ok(GateReport {
        opportunity: opp.id.clone(),
        from: opp.stage.clone(),
        target: target.clone(),
        items,
    })
}

/// What [`verdict`] found, without the reasons a [`GateReport`] spells out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    /// Every requirement on the way holds.
    pub met: bool,
    /// There is at least one requirement on the way.
    pub any: bool,
    /// At least one requirement on the way is an approval.
    pub approval: bool,
}

/// The same decision as [`evaluate`] without building the report: the engine's fast path.
pub fn verdict(pipeline: &Pipeline, ctx: GateContext<'_>, target: &StageId) -> Result<Verdict> {
    let route = route(pipeline, ctx.opportunity, target)?;
    Ok(verdict_on(pipeline, route, ctx))
}

/// The verdict over the requirements of a [`route`] through `pipeline`.
pub(crate) fn verdict_on(
    pipeline: &Pipeline,
    route: std::ops::Range<usize>,
    ctx: GateContext<'_>,
) -> Verdict {
    let mut v = Verdict {
        met: true,
        any: false,
        approval: false,
    };
    for (_, req) in requirements(pipeline, route, ctx.opportunity) {
        v.any = true;
        v.approval |= matches!(req, Requirement::Approval { .. });
        v.met &= is_met(req, ctx);
    }
    v
}

/// What a move along `route` must meet, with the stage requiring it: the approvals of the
/// stages behind that hold again (see [`evaluate`]), then the exit requirements of the
/// stages on the way.
fn requirements<'p>(
    pipeline: &'p Pipeline,
    route: std::ops::Range<usize>,
    opp: &'p Opportunity,
) -> impl Iterator<Item = (&'p Stage, &'p Requirement)> {
    // Only an opportunity with requests can have an approval to hold again.
    let behind = if opp.approvals.is_empty() {
        &[][..]
    } else {
        pipeline.stages.get(..route.start).unwrap_or_default()
    };
    let held_again = behind
        .iter()
        .flat_map(|s| s.exit.iter().map(move |r| (s, r)))
        .filter(move |(_, r)| match r {
            Requirement::Approval { process } => opp
                .latest_request(process)
                .is_some_and(|q| q.status != ApprovalStatus::Approved),
            _ => false,
        });
    let on_the_way = pipeline
        .stages
        .get(route)
        .unwrap_or_default()
        .iter()
        .flat_map(|s| s.exit.iter().map(move |r| (s, r)));
    held_again.chain(on_the_way)
}

/// The stages a forward move to `target` passes, as indexes into the pipeline's stages:
/// from the current stage up to, not including, the target (all of them for `won`). Errors
/// as [`evaluate`]'s.
pub(crate) fn route(
    pipeline: &Pipeline,
    opp: &Opportunity,
    target: &StageId,
) -> Result<std::ops::Range<usize>> {
    if !opp.is_open() {
        return Err(Error::transition(format!(
            "opportunity {} is closed; reopen it first",
            opp.id
        )));
    }
    let from = pipeline
        .stage_index(&opp.stage)
        .ok_or_else(|| Error::not_found("stage", &opp.stage))?;
    let end = match pipeline.position(target) {
        None => return Err(Error::not_found("stage", target)),
        Some(Position::Open(j)) if j > from => j,
        Some(Position::Open(j)) if j == from => {
            return Err(Error::transition(format!(
                "opportunity {} is already in stage {target}",
                opp.id
            )))
        }
        Some(Position::Open(_)) => {
            return Err(Error::transition(format!(
                "stage {target} is behind {}; use move_back",
                opp.stage
            )))
        }
        Some(Position::Won) => pipeline.stages.len(),
        Some(Position::Lost) => {
            return Err(Error::transition(
                "losing is not an advance; use lose".to_owned(),
            ))
        }
    };
    Ok(from..end)
}

fn activity_count(ctx: GateContext<'_>, kind: &str) -> usize {
    ctx.activities
        .iter()
        .filter(|a| a.kind == kind && a.at >= ctx.opportunity.stage_entered_at && a.at <= ctx.now)
        .count()
}

fn is_met(req: &Requirement, ctx: GateContext<'_>) -> bool {
    let opp = ctx.opportunity;
    match req {
        Requirement::Checklist { item } => opp.checklist.contains(item),
        Requirement::MinProducts { count } => opp.products.len() >= *count as usize,
        Requirement::MinContacts { count } => opp.contacts.len() >= *count as usize,
        Requirement::Activity { kind, count } => activity_count(ctx, kind) >= *count as usize,
        Requirement::Approval { process } => opp
            .latest_request(process)
            .is_some_and(|r| r.status == ApprovalStatus::Approved),
        Requirement::Field { field, op, value } => field_met(opp, field, *op, value.as_ref()),
    }
}

/// Why a requirement holds or not, in words.
fn reason(req: &Requirement, ctx: GateContext<'_>, met: bool) -> String {
    let opp = ctx.opportunity;
    match req {
        Requirement::Checklist { item } if met => format!("\"{item}\" ticked"),
        Requirement::Checklist { item } => format!("\"{item}\" not ticked"),
        Requirement::MinProducts { count } => {
            format!("{} of {count} quoted product(s)", opp.products.len())
        }
        Requirement::MinContacts { count } => {
            format!("{} of {count} contact(s)", opp.contacts.len())
        }
        Requirement::Activity { kind, count } => {
            let n = activity_count(ctx, kind);
            let plural = if *count == 1 { "y" } else { "ies" };
            format!("{n} of {count} \"{kind}\" activit{plural} since entering the stage")
        }
        Requirement::Approval { process } => {
            match opp.latest_request(process) {
                None => format!("no \"{process}\" request submitted"),
                Some(r) => match r.status {
                    ApprovalStatus::Approved => format!("\"{process}\" approved ({})", r.id),
                    ApprovalStatus::Pending => {
                        format!("\"{process}\" pending at step {} ({})", r.step + 1, r.id)
                    }
                    ApprovalStatus::Rejected => format!("\"{process}\" rejected ({})", r.id),
                    ApprovalStatus::Withdrawn => format!("\"{process}\" withdrawn ({})", r.id),
                    ApprovalStatus::Invalidated => {
                        format!("\"{process}\" approval lapsed after a change of amount or products ({})", r.id)
                    }
                },
            }
        }
        Requirement::Field { field, op, value } => {
            field_reason(opp, field, *op, value.as_ref(), met)
        }
    }
}

fn field_value(opp: &Opportunity, field: &str) -> Option<FieldValue> {
    match field {
        "amount" => Some(FieldValue::Money(opp.amount)),
        "expected_close" => opp.expected_close.map(FieldValue::Date),
        "source" => opp.source.clone().map(FieldValue::Text),
        "name" => (!opp.name.is_empty()).then(|| FieldValue::Text(opp.name.clone())),
        other => opp.fields.get(other).cloned(),
    }
}

fn compare(actual: &FieldValue, expected: &FieldValue) -> Option<Ordering> {
    use FieldValue as V;
    match (actual, expected) {
        (V::Number(a), V::Number(b)) => a.partial_cmp(b),
        (V::Money(a), V::Number(b)) => a.to_major_f64().partial_cmp(b),
        (V::Money(a), V::Money(b)) if a.currency() == b.currency() => {
            Some(a.minor().cmp(&b.minor()))
        }
        (V::Date(a), V::Date(b)) => Some(a.cmp(b)),
        (V::Text(a), V::Text(b)) => Some(a.cmp(b)),
        (V::Bool(a), V::Bool(b)) => Some(a.cmp(b)),
        _ => None,
    }
}

fn field_met(opp: &Opportunity, field: &str, op: FieldOp, value: Option<&FieldValue>) -> bool {
    if field == "amount" && op == FieldOp::Present {
        return opp.amount.minor() != 0;
    }
    let Some(actual) = field_value(opp, field) else {
        return false;
    };
    let Some(expected) = value else {
        return op == FieldOp::Present;
    };
    let Some(ord) = compare(&actual, expected) else {
        return false;
    };
    match op {
        FieldOp::Present => true,
        FieldOp::Eq => ord == Ordering::Equal,
        FieldOp::Ne => ord != Ordering::Equal,
        FieldOp::Gt => ord == Ordering::Greater,
        FieldOp::Ge => ord != Ordering::Less,
        FieldOp::Lt => ord == Ordering::Less,
        FieldOp::Le => ord != Ordering::Greater,
    }
}

fn field_reason(
    opp: &Opportunity,
    field: &str,
    op: FieldOp,
    value: Option<&FieldValue>,
    met: bool,
) -> String {
    let Some(actual) = field_value(opp, field) else {
        return format!("{field} is not set");
    };
    if op == FieldOp::Present {
        if field == "amount" && !met {
            return "amount is zero".to_owned();
        }
        return format!("{field} is {actual}");
    }
    let Some(expected) = value else {
        return format!("{field}: no value to compare with");
    };
    if compare(&actual, expected).is_none() {
        return format!("{field} is {actual}, which cannot be compared with {expected}");
    }
    let verdict = if met { "" } else { "not " };
    format!("{field} is {actual}, {verdict}{} {expected}", op.symbol())
}
