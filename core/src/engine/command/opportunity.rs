//! The opportunity commands: create and update a deal, tick its checklist, move it through
//! the pipeline (advance, force, move back, win, lose, reopen).

use std::collections::HashSet;

use smallvec::smallvec;

use super::{misrouted, non_empty, Command, Ctx, Decided, Events};
use crate::approval::ApprovalStatus;
use crate::engine::policy::Action;
use crate::error::{Error, Result};
use crate::event::{Event, MoveKind};
use crate::gate::{self, Requirement};
use crate::id::{CustomerId, OpportunityId, StageId};
use crate::money::Money;
use crate::opportunity::{FieldValue, NewOpportunity, Opportunity, OpportunityPatch, ProductLine};
use crate::pipeline::{Pipeline, Position, LOST, WON};
use crate::state::State;

/// Decides an opportunity command; but for a creation, its events go to the record it read.
/// Inlined into the dispatch: this is the hot path of the pipeline verbs, and a call would
/// copy the command once more.
#[inline(always)]
pub(super) fn decide<'a>(cx: &Ctx<'a>, cmd: Command) -> Result<Decided<'a>> {
    match cmd {
        Command::CreateOpportunity { opportunity } => create(cx, opportunity).map(Decided::from),
        Command::UpdateOpportunity { opportunity, patch } => update(cx, opportunity, patch),
        Command::Tick { opportunity, item } => checklist(cx, opportunity, item, true),
        Command::Untick { opportunity, item } => checklist(cx, opportunity, item, false),
        Command::Advance { opportunity, to } => advance(cx, opportunity, to),
        Command::Win { opportunity } => advance(cx, opportunity, StageId::new(WON)),
        Command::ForceAdvance {
            opportunity,
            to,
            reason,
        } => force(cx, opportunity, to, reason),
        Command::MoveBack {
            opportunity,
            to,
            reason,
        } => move_back(cx, opportunity, to, reason),
        Command::Lose {
            opportunity,
            reason,
            competitor,
        } => lose(cx, opportunity, reason, competitor),
        Command::Reopen {
            opportunity,
            stage,
            reason,
        } => reopen(cx, opportunity, stage, reason),
        other => Err(misrouted(other, "an opportunity")),
    }
}

#[inline(never)]
fn create(cx: &Ctx<'_>, mut n: NewOpportunity) -> Result<Events> {
    let st = cx.state;
    cx.allow(Action::CreateOpportunity { owner: &n.owner })?;
    non_empty("id", n.id.as_str())?;
    non_empty("name", &n.name)?;
    if st.opportunity(&n.id).is_some() {
        return Err(Error::already_exists("opportunity", &n.id));
    }
    let p = st
        .pipeline(&n.pipeline)
        .ok_or_else(|| Error::not_found("pipeline", &n.pipeline))?;
    if st.customer(&n.customer).is_none() {
        return Err(Error::not_found("customer", &n.customer));
    }
    crate::management::source::check_known(st.sources(), "source", n.source.as_deref())?;
    cx.user(&n.owner, "owner")?;
    let stage =
        match n.stage.take() {
            None => p.stages.first().map(|s| s.id.clone()).ok_or_else(|| {
                Error::validation("stage", format!("pipeline {} has no stage", p.id))
            })?,
            Some(s) if p.stage(&s).is_some() => s,
            Some(s) => {
                return Err(Error::validation(
                    "stage",
                    format!("\"{s}\" is not an open stage of {}", p.id),
                ))
            }
        };
    n.stage = Some(stage);
    let total = products_total(&n.products, n.amount.currency(), "products")?;
    if n.amount_from_products {
        n.amount = total;
    }
    if n.amount.is_negative() {
        return Err(Error::validation(
            "amount",
            format!("{} is negative", n.amount),
        ));
    }
    n.amount.check("amount")?;
    check_contacts(st, &n.customer, &n.contacts)?;
    check_fields(n.fields.iter().map(|(k, v)| (k, Some(v))))?;
    for (i, c) in n.competitors.iter().enumerate() {
        non_empty(&format!("competitors[{i}].name"), &c.name)?;
    }
    Ok(smallvec![Event::OpportunityCreated {
        opportunity: Box::new(n),
    }])
}

#[inline(never)]
fn update<'a>(
    cx: &Ctx<'a>,
    opportunity: OpportunityId,
    patch: OpportunityPatch,
) -> Result<Decided<'a>> {
    let st = cx.state;
    let r = cx.open_deal(&opportunity)?;
    let o = &r.opportunity;
    if patch.is_empty() {
        return Err(Error::validation("patch", "changes nothing"));
    }
    if let Some(name) = &patch.name {
        non_empty("name", name)?;
    }
    if let Some(owner) = &patch.owner {
        cx.user(owner, "owner")?;
    }
    if let Some(Some(source)) = &patch.source {
        crate::management::source::check_known(st.sources(), "source", Some(source))?;
    }
    let from_products = patch.amount_from_products.unwrap_or(o.amount_from_products);
    if from_products && patch.amount.is_some() {
        return Err(Error::validation(
            "amount",
            "is derived from the products; set amount_from_products to false first",
        ));
    }
    let currency = patch.amount.map_or(o.amount.currency(), Money::currency);
    let products = patch.products.as_deref().unwrap_or(&o.products);
    let total = products_total(products, currency, "products")?;
    let amount = if from_products {
        total
    } else {
        patch.amount.unwrap_or(o.amount)
    };
    if amount.is_negative() {
        return Err(Error::validation("amount", format!("{amount} is negative")));
    }
    amount.check("amount")?;
    if let Some(contacts) = &patch.contacts {
        check_contacts(st, &o.customer, contacts)?;
    }
    check_fields(patch.fields.iter().map(|(k, v)| (k, v.as_ref())))?;
    let mut events = Events::new();
    let amount_changed = amount != o.amount;
    let products_changed = patch.products.as_ref().is_some_and(|p| p != &o.products);
    if amount_changed || products_changed {
        let cause = match (amount_changed, products_changed) {
            (true, true) => format!(
                "amount changed from {} to {amount} and the quoted products changed",
                o.amount
            ),
            (true, false) => format!("amount changed from {} to {amount}", o.amount),
            _ => "the quoted products changed".to_owned(),
        };
        for r in &o.approvals {
            let lapses = st
                .process(&r.process)
                .is_some_and(|p| p.invalidate_on_change);
            // A pending request lapses as a granted one does: its approvers decided on
            // figures that are no longer the deal's.
            if matches!(r.status, ApprovalStatus::Approved | ApprovalStatus::Pending) && lapses {
                events.push(Event::ApprovalInvalidated {
                    opportunity: o.id.clone(),
                    request: r.id.clone(),
                    cause: cause.clone(),
                });
            }
        }
    }
    let target = (opportunity.clone(), r);
    events.insert(
        0,
        Event::OpportunityUpdated {
            opportunity,
            patch: Box::new(patch),
            amount,
        },
    );
    Ok(Decided::on(target, events))
}

#[inline]
fn advance<'a>(cx: &Ctx<'a>, opportunity: OpportunityId, to: StageId) -> Result<Decided<'a>> {
    let r = cx.open_deal(&opportunity)?;
    let o = &r.opportunity;
    let p = cx.pipeline_of(o)?;
    // The current stage and the target are looked up once, for the gates and the skip.
    let route = gate::route(p, o, &to)?;
    let v = gate::verdict_on(p, route.clone(), cx.state.gate_context(o, cx.now));
    refuse_skip(o, p, &to, route)?;
    if !v.met {
        return Err(gate_refusal(
            gate::evaluate(p, cx.state.gate_context(o, cx.now), &to)?,
            o,
            &to,
        ));
    }
    let how = match (v.any, v.approval) {
        (false, _) => MoveKind::Simple,
        (true, true) => MoveKind::Approved,
        (true, false) => MoveKind::SubGoal,
    };
    let target = (opportunity.clone(), r);
    Ok(Decided::on(
        target,
        smallvec![moved(opportunity, o, to, how, None, None)],
    ))
}

fn force<'a>(
    cx: &Ctx<'a>,
    opportunity: OpportunityId,
    to: StageId,
    reason: String,
) -> Result<Decided<'a>> {
    let o = cx.opp(&opportunity)?;
    cx.allow(Action::Force { owner: &o.owner })?;
    let r = cx.open_deal(&opportunity)?;
    let o = &r.opportunity;
    non_empty("reason", &reason)?;
    let p = cx.pipeline_of(o)?;
    gate::route(p, o, &to)?; // the target must be ahead
    let target = (opportunity.clone(), r);
    Ok(Decided::on(
        target,
        smallvec![moved(
            opportunity,
            o,
            to,
            MoveKind::Forced,
            Some(reason),
            None
        )],
    ))
}

fn move_back<'a>(
    cx: &Ctx<'a>,
    opportunity: OpportunityId,
    to: StageId,
    reason: Option<String>,
) -> Result<Decided<'a>> {
    let r = cx.open_deal(&opportunity)?;
    let o = &r.opportunity;
    let p = cx.pipeline_of(o)?;
    let here = p
        .stage_index(&o.stage)
        .ok_or_else(|| Error::not_found("stage", &o.stage))?;
    match p.position(&to) {
        Some(Position::Open(j)) if j < here => {}
        Some(_) => return Err(Error::transition(format!("{to} is not before {}", o.stage))),
        None => return Err(Error::not_found("stage", &to)),
    }
    let target = (opportunity.clone(), r);
    Ok(Decided::on(
        target,
        smallvec![moved(
            opportunity,
            o,
            to,
            MoveKind::Back,
            reason.filter(|r| !r.trim().is_empty()),
            None,
        )],
    ))
}

fn lose<'a>(
    cx: &Ctx<'a>,
    opportunity: OpportunityId,
    reason: String,
    competitor: Option<String>,
) -> Result<Decided<'a>> {
    let r = cx.open_deal(&opportunity)?;
    let o = &r.opportunity;
    let p = cx.pipeline_of(o)?;
    non_empty("reason", &reason)?;
    if !p.lost_reasons.is_empty() && !p.lost_reasons.contains(&reason) {
        return Err(Error::validation(
            "reason",
            format!(
                "\"{reason}\" is not a configured lost reason ({})",
                p.lost_reasons.join(", ")
            ),
        ));
    }
    if let Some(c) = &competitor {
        non_empty("competitor", c)?;
    }
    let target = (opportunity.clone(), r);
    Ok(Decided::on(
        target,
        smallvec![moved(
            opportunity,
            o,
            StageId::new(LOST),
            MoveKind::Lost,
            Some(reason),
            competitor,
        )],
    ))
}

fn reopen<'a>(
    cx: &Ctx<'a>,
    opportunity: OpportunityId,
    stage: Option<StageId>,
    reason: String,
) -> Result<Decided<'a>> {
    let r = cx.record(&opportunity)?;
    let o = &r.opportunity;
    cx.allow(Action::WorkDeal { owner: &o.owner })?;
    if o.is_open() {
        return Err(Error::transition(format!(
            "opportunity {opportunity} is open"
        )));
    }
    non_empty("reason", &reason)?;
    let p = cx.pipeline_of(o)?;
    let stage = stage.unwrap_or_else(|| o.stage.clone());
    if p.stage(&stage).is_none() {
        return Err(Error::validation(
            "stage",
            format!("\"{stage}\" is not an open stage of {}", p.id),
        ));
    }
    let target = (opportunity.clone(), r);
    Ok(Decided::on(
        target,
        smallvec![moved(
            opportunity,
            o,
            stage,
            MoveKind::Reopened,
            Some(reason),
            None,
        )],
    ))
}

fn checklist<'a>(
    cx: &Ctx<'a>,
    opportunity: OpportunityId,
    item: String,
    ticked: bool,
) -> Result<Decided<'a>> {
    let r = cx.open_deal(&opportunity)?;
    let o = &r.opportunity;
    non_empty("item", &item)?;
    if o.checklist.contains(&item) == ticked {
        let state = if ticked {
            "already ticked"
        } else {
            "not ticked"
        };
        return Err(Error::validation("item", format!("\"{item}\" is {state}")));
    }
    let target = (opportunity.clone(), r);
    Ok(Decided::on(
        target,
        smallvec![Event::ChecklistChanged {
            opportunity,
            item,
            ticked,
        }],
    ))
}

/// The move of `o` (found under `id`, the command's own copy of its id, which the event
/// takes: the record's copy stays untouched) to `to`.
fn moved(
    id: OpportunityId,
    o: &Opportunity,
    to: StageId,
    how: MoveKind,
    reason: Option<String>,
    competitor: Option<String>,
) -> Event {
    let from = match o.status {
        crate::opportunity::Status::Open => o.stage.clone(),
        crate::opportunity::Status::Won => StageId::new(WON),
        crate::opportunity::Status::Lost { .. } => StageId::new(LOST),
    };
    Event::Moved {
        opportunity: id,
        from,
        to,
        how,
        reason,
        competitor,
    }
}

/// Validates products against a currency and returns their total.
fn products_total(
    products: &[ProductLine],
    currency: crate::Currency,
    field: &str,
) -> Result<Money> {
    let mut total = Money::zero(currency);
    for (i, l) in products.iter().enumerate() {
        non_empty(&format!("{field}[{i}].product"), &l.product)?;
        if l.unit_price.currency() != currency {
            return Err(Error::money(format!(
                "{field}[{i}].unit_price is in {}, the opportunity in {currency}",
                l.unit_price.currency()
            )));
        }
        if l.unit_price.is_negative() {
            return Err(Error::validation(
                format!("{field}[{i}].unit_price"),
                "must not be negative",
            ));
        }
        let at = format!("{field}[{i}]");
        let line = l.total().map_err(|e| e.at(&at))?;
        total = total.checked_add(line).map_err(|e| e.at(field))?;
    }
    // within i64, each line within the limit of one amount (`Money::MAX_MINOR`)
    for (i, l) in products.iter().enumerate() {
        l.unit_price.check(&format!("{field}[{i}].unit_price"))?;
        l.total()?.check(&format!("{field}[{i}].total"))?;
    }
    Ok(total)
}

fn check_contacts(
    state: &State,
    customer: &CustomerId,
    contacts: &[crate::ContactId],
) -> Result<()> {
    let c = state
        .customer(customer)
        .ok_or_else(|| Error::not_found("customer", customer))?;
    let mut seen = HashSet::new();
    for (i, id) in contacts.iter().enumerate() {
        if c.find_contact(id).is_none() {
            return Err(Error::validation(
                format!("contacts[{i}]"),
                format!("{id} is not a contact of {customer}"),
            ));
        }
        if !seen.insert(id) {
            return Err(Error::validation(
                format!("contacts[{i}]"),
                format!("duplicate contact {id}"),
            ));
        }
    }
    Ok(())
}

/// Custom-field numbers must be finite: NaN and infinities have no JSON form.
fn check_fields<'a>(
    fields: impl IntoIterator<Item = (&'a String, Option<&'a FieldValue>)>,
) -> Result<()> {
    for (name, value) in fields {
        non_empty("fields", name)?;
        if let Some(FieldValue::Number(n)) = value {
            if !n.is_finite() {
                return Err(Error::validation(
                    format!("fields.{name}"),
                    format!("{n} is not a finite number"),
                ));
            }
        }
    }
    Ok(())
}

/// The error for an unmet gate: `ApprovalPending` when all that is missing is a decision on
/// pending approvals, `GateNotMet` with the report otherwise.
fn gate_refusal(report: gate::GateReport, o: &Opportunity, to: &StageId) -> Error {
    let mut pending = None;
    let all_pending = report.missing().all(|i| match &i.requirement {
        Requirement::Approval { process } => match o.latest_request(process) {
            Some(r) if r.status == ApprovalStatus::Pending => {
                pending.get_or_insert((r.id.clone(), process.clone()));
                true
            }
            _ => false,
        },
        _ => false,
    });
    match pending {
        Some((request, process)) if all_pending => Error::ApprovalPending {
            request: request.to_string(),
            message: format!("cannot reach {to} before \"{process}\" is decided"),
        },
        _ => Error::GateNotMet {
            report: Box::new(report),
        },
    }
}

/// Refuses a forward move over more than one stage (`route`, from [`gate::route`]) when the
/// pipeline does not allow skipping.
fn refuse_skip(
    o: &Opportunity,
    p: &Pipeline,
    to: &StageId,
    route: std::ops::Range<usize>,
) -> Result<()> {
    if !p.allow_skip && route.end > route.start + 1 {
        return Err(Error::transition(format!(
            "moving from {} to {to} skips stages and pipeline {} does not allow skipping; advance one stage at a time or force",
            o.stage, p.id
        )));
    }
    Ok(())
}
