//! Evaluation of exit requirements against an opportunity.

use std::cmp::Ordering;

use super::{FieldOp, GateItem, GateReport, Requirement};
use crate::activity::Activity;
use crate::approval::ApprovalStatus;
use crate::error::{Error, Result};
use crate::id::StageId;
use crate::opportunity::{FieldValue, Opportunity};
use crate::pipeline::{Pipeline, Position};

/// What a gate looks at: the opportunity and the activities linked to it.
#[derive(Debug, Clone, Copy)]
pub struct GateContext<'a> {
    /// The opportunity.
    pub opportunity: &'a Opportunity,
    /// The activities linked to it (any order).
    pub activities: &'a [Activity],
}

/// The gate report for moving the opportunity forward to `target` (an open stage after the
/// current one, or `won`): the exit requirements of the current stage and of every stage
/// skipped on the way. Activities count from the time the opportunity entered its current
/// stage (a skipped stage was never entered).
///
/// Errors: `target` unknown ([`Error::NotFound`]); not forward, or the opportunity closed
/// ([`Error::InvalidTransition`]).
pub fn evaluate(pipeline: &Pipeline, ctx: GateContext<'_>, target: &StageId) -> Result<GateReport> {
    let opp = ctx.opportunity;
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
    let mut items = Vec::new();
    for stage in &pipeline.stages[from..end] {
        for req in &stage.exit {
            let (met, reason) = check(req, ctx);
            items.push(GateItem {
                stage: stage.id.clone(),
                stage_name: stage.name.clone(),
                requirement: req.clone(),
                met,
                reason,
            });
        }
    }
    Ok(GateReport {
        opportunity: opp.id.clone(),
        from: opp.stage.clone(),
        target: target.clone(),
        items,
    })
}

fn check(req: &Requirement, ctx: GateContext<'_>) -> (bool, String) {
    let opp = ctx.opportunity;
    match req {
        Requirement::Checklist { item } => {
            if opp.checklist.contains(item) {
                (true, format!("\"{item}\" ticked"))
            } else {
                (false, format!("\"{item}\" not ticked"))
            }
        }
        Requirement::MinProducts { count } => {
            let n = opp.products.len();
            (
                n >= *count as usize,
                format!("{n} of {count} quoted product(s)"),
            )
        }
        Requirement::MinContacts { count } => {
            let n = opp.contacts.len();
            (n >= *count as usize, format!("{n} of {count} contact(s)"))
        }
        Requirement::Activity { kind, count } => {
            let n = ctx
                .activities
                .iter()
                .filter(|a| &a.kind == kind && a.at >= opp.stage_entered_at)
                .count();
            (
                n >= *count as usize,
                format!(
                    "{n} of {count} \"{kind}\" activit{} since entering the stage",
                    if *count == 1 { "y" } else { "ies" }
                ),
            )
        }
        Requirement::Approval { process } => match opp.latest_request(process) {
            None => (false, format!("no \"{process}\" request submitted")),
            Some(r) => match r.status {
                ApprovalStatus::Approved => (true, format!("\"{process}\" approved ({})", r.id)),
                ApprovalStatus::Pending => (
                    false,
                    format!("\"{process}\" pending at step {} ({})", r.step + 1, r.id),
                ),
                ApprovalStatus::Rejected => (false, format!("\"{process}\" rejected ({})", r.id)),
                ApprovalStatus::Withdrawn => (false, format!("\"{process}\" withdrawn ({})", r.id)),
                ApprovalStatus::Invalidated => (
                    false,
                    format!(
                        "\"{process}\" approval lapsed after a change of amount or products ({})",
                        r.id
                    ),
                ),
            },
        },
        Requirement::Field { field, op, value } => check_field(opp, field, *op, value.as_ref()),
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

fn check_field(
    opp: &Opportunity,
    field: &str,
    op: FieldOp,
    value: Option<&FieldValue>,
) -> (bool, String) {
    let actual = field_value(opp, field);
    let Some(actual) = actual else {
        return (false, format!("{field} is not set"));
    };
    if op == FieldOp::Present {
        if field == "amount" && opp.amount.minor() == 0 {
            return (false, "amount is zero".to_owned());
        }
        return (true, format!("{field} is {actual}"));
    }
    let Some(expected) = value else {
        return (false, format!("{field}: no value to compare with"));
    };
    let Some(ord) = compare(&actual, expected) else {
        return (
            false,
            format!("{field} is {actual}, which cannot be compared with {expected}"),
        );
    };
    let met = match op {
        FieldOp::Present => true,
        FieldOp::Eq => ord == Ordering::Equal,
        FieldOp::Ne => ord != Ordering::Equal,
        FieldOp::Gt => ord == Ordering::Greater,
        FieldOp::Ge => ord != Ordering::Less,
        FieldOp::Lt => ord == Ordering::Less,
        FieldOp::Le => ord != Ordering::Greater,
    };
    let verdict = if met { "" } else { "not " };
    (
        met,
        format!("{field} is {actual}, {verdict}{} {expected}", op.symbol()),
    )
}
