//! The sales-management commands (targets, sources, expenses, forecast snapshots) and their
//! checks against the folded state.

use smallvec::smallvec;

use super::{decidable, misrouted, Command, Ctx, Events};
use crate::analytics::ForecastMethod;
use crate::approval::{ApprovalStatus, Decision};
use crate::clock::Timestamp;
use crate::engine::policy::Action;
use crate::error::{Error, Result};
use crate::event::Event;
use crate::id::{ExpenseId, ProcessId, SnapshotId, TargetId};
use crate::management::expense::{Expense, ExpenseSettings};
use crate::management::snapshot::{forecast_snapshot, ForecastSnapshot};
use crate::management::target::{AttainmentInput, AttainmentQuery, Period, Target};
use crate::money::{Currency, Money};
use crate::state::State;
use crate::zone::{day_start, parse_tz};

/// Decides a sales-management command (apart from the pipeline commands so that their larger
/// bodies stay out of the hot path's frame).
#[inline(never)]
pub(super) fn decide(cx: &Ctx<'_>, cmd: Command) -> Result<Events> {
    match cmd {
        Command::SetTarget { target } => set_target(cx, target),
        Command::RemoveTarget { target } => remove_target(cx, target),
        Command::ConfigureSources { sources } => configure_sources(cx, sources),
        Command::ConfigureExpenses { settings } => configure_expenses(cx, settings),
        Command::SubmitExpense { expense } => submit_expense(cx, expense),
        Command::DecideExpense {
            expense,
            decision,
            comment,
        } => decide_expense(cx, expense, decision, comment),
        Command::WithdrawExpense { expense } => withdraw_expense(cx, expense),
        Command::ResubmitExpense {
            expense,
            amount,
            note,
        } => resubmit_expense(cx, expense, amount, note),
        Command::TakeForecastSnapshot {
            id,
            period,
            currency,
        } => take_forecast_snapshot(cx, id, period, currency),
        other => Err(misrouted(other, "a sales-management")),
    }
}

fn set_target(cx: &Ctx<'_>, target: Target) -> Result<Events> {
    let st = cx.state;
    cx.allow(Action::SetTarget {
        scope: &target.scope,
    })?;
    if let Some(previous) = st.target(&target.id) {
        // replacing a target moves it: the actor must also hold its old scope
        cx.allow(Action::SetTarget {
            scope: &previous.scope,
        })?;
    }
    check_new_target(st, &target)?;
    Ok(smallvec![Event::TargetSet { target }])
}

fn remove_target(cx: &Ctx<'_>, target: TargetId) -> Result<Events> {
    let st = cx.state;
    let t = st
        .target(&target)
        .ok_or_else(|| Error::not_found("target", &target))?;
    cx.allow(Action::SetTarget { scope: &t.scope })?;
    Ok(smallvec![Event::TargetRemoved { target }])
}

fn configure_sources(
    cx: &Ctx<'_>,
    sources: Vec<crate::management::source::Source>,
) -> Result<Events> {
    cx.allow(Action::Configure)?;
    crate::management::source::check_sources(&sources)?;
    Ok(smallvec![Event::SourcesConfigured { sources }])
}

fn configure_expenses(cx: &Ctx<'_>, settings: ExpenseSettings) -> Result<Events> {
    let st = cx.state;
    cx.allow(Action::Configure)?;
    check_expense_settings(st, &settings)?;
    Ok(smallvec![Event::ExpensesConfigured { settings }])
}

fn submit_expense(cx: &Ctx<'_>, expense: Expense) -> Result<Events> {
    let st = cx.state;
    cx.user(&expense.rep, "expense.rep")?;
    cx.allow(Action::Expense { rep: &expense.rep })?;
    let process = check_new_expense(st, &expense)?;
    decidable(st, &process, cx.actor, Some(&expense.rep))?;
    Ok(smallvec![Event::ExpenseSubmitted {
        expense: Box::new(expense),
        process,
    }])
}

fn decide_expense(
    cx: &Ctx<'_>,
    expense: ExpenseId,
    decision: Decision,
    comment: String,
) -> Result<Events> {
    let st = cx.state;
    let x = expense_of(st, &expense)?;
    let p = st
        .process(&x.request.process)
        .ok_or_else(|| Error::not_found("approval process", &x.request.process))?;
    x.request.check_decider(p, cx.actor)?;
    if cx.actor == &x.expense.rep {
        return Err(Error::denied(
            cx.actor,
            format!("decide their own expense {expense}"),
        ));
    }
    cx.allow(Action::Decide)?;
    if decision == Decision::Reject && comment.trim().is_empty() {
        return Err(Error::validation("comment", "a rejection needs a comment"));
    }
    Ok(smallvec![Event::ExpenseDecided {
        expense,
        decision,
        comment,
    }])
}

fn withdraw_expense(cx: &Ctx<'_>, expense: ExpenseId) -> Result<Events> {
    let st = cx.state;
    let x = expense_of(st, &expense)?;
    cx.allow(Action::Expense {
        rep: &x.expense.rep,
    })?;
    if x.request.status != ApprovalStatus::Pending {
        return Err(Error::transition(format!(
            "expense {expense} is {:?}, not pending",
            x.status()
        )));
    }
    Ok(smallvec![Event::ExpenseWithdrawn { expense }])
}

fn resubmit_expense(
    cx: &Ctx<'_>,
    expense: ExpenseId,
    amount: Option<Money>,
    note: Option<String>,
) -> Result<Events> {
    let st = cx.state;
    let x = expense_of(st, &expense)?;
    cx.allow(Action::Expense {
        rep: &x.expense.rep,
    })?;
    match x.status() {
        crate::management::expense::ExpenseStatus::Rejected
        | crate::management::expense::ExpenseStatus::Withdrawn => {}
        other => {
            return Err(Error::transition(format!(
            "expense {expense} is {other:?}; only a rejected or withdrawn expense is resubmitted"
        )))
        }
    }
    let mut amended = x.expense.clone();
    if let Some(a) = amount {
        amended.amount = a;
    }
    if let Some(n) = note {
        amended.note = n;
    }
    let process = check_expense_fields(st, &amended)?;
    decidable(st, &process, cx.actor, Some(&amended.rep))?;
    Ok(smallvec![Event::ExpenseResubmitted {
        expense: Box::new(amended),
        process,
    }])
}

fn take_forecast_snapshot(
    cx: &Ctx<'_>,
    id: SnapshotId,
    period: Period,
    currency: Option<Currency>,
) -> Result<Events> {
    let st = cx.state;
    cx.allow(Action::TakeForecastSnapshot)?;
    if st.forecast_snapshot(&id).is_some() {
        return Err(Error::already_exists("forecast snapshot", &id));
    }
    let snapshot = take_snapshot(st, id, period, currency, cx.now)?;
    Ok(smallvec![Event::ForecastSnapshotTaken { snapshot }])
}

fn expense_of<'a>(
    st: &'a State,
    id: &ExpenseId,
) -> Result<&'a crate::management::expense::ExpenseRecord> {
    st.expense(id)
        .ok_or_else(|| Error::not_found("expense", id))
}

/// Validates an expense about to be submitted against the state; returns its process.
fn check_new_expense(state: &State, e: &Expense) -> Result<ProcessId> {
    if e.id.as_str().trim().is_empty() {
        return Err(Error::validation("expense.id", "must not be empty"));
    }
    if state.expense(&e.id).is_some() {
        return Err(Error::already_exists("expense", &e.id));
    }
    check_expense_fields(state, e)
}

/// The checks shared by a submission and a resubmission.
fn check_expense_fields(state: &State, e: &Expense) -> Result<ProcessId> {
    let settings = state.expense_settings().ok_or_else(|| {
        Error::validation(
            "expense.category",
            "no expense categories are configured (configure_expenses first)",
        )
    })?;
    let process = settings.process_of(&e.category).ok_or_else(|| {
        let known: Vec<&str> = settings.categories.iter().map(|c| c.id.as_str()).collect();
        Error::validation(
            "expense.category",
            format!(
                "unknown category {:?} (configured: {})",
                e.category,
                known.join(", ")
            ),
        )
    })?;
    if state.process(process).is_none() {
        return Err(Error::not_found("approval process", process));
    }
    if e.amount.minor() <= 0 {
        return Err(Error::validation(
            "expense.amount",
            format!("{} is not above zero", e.amount),
        ));
    }
    e.amount.check("expense.amount")?;
    if state.user(&e.rep).is_none() {
        return Err(Error::not_found_at("user", &e.rep, "expense.rep"));
    }
    if state.customer(&e.customer).is_none() {
        return Err(Error::not_found_at(
            "customer",
            &e.customer,
            "expense.customer",
        ));
    }
    if let Some(o) = &e.opportunity {
        let opp = state
            .opportunity(o)
            .ok_or_else(|| Error::not_found_at("opportunity", o, "expense.opportunity"))?;
        if opp.customer != e.customer {
            return Err(Error::validation(
                "expense.opportunity",
                format!("{o} is a deal of {}, not of {}", opp.customer, e.customer),
            ));
        }
    }
    if let Some(s) = &e.source {
        if s.trim().is_empty() {
            return Err(Error::validation("expense.source", "must not be empty"));
        }
    }
    crate::management::source::check_known(state.sources(), "expense.source", e.source.as_deref())?;
    Ok(process.clone())
}

/// Validates the settings against the defined processes.
fn check_expense_settings(state: &State, s: &ExpenseSettings) -> Result<()> {
    let mut problems = Vec::new();
    let mut seen = std::collections::HashSet::new();
    if state.process(&s.process).is_none() {
        problems.push(crate::error::Problem::new(
            "process",
            format!("approval process \"{}\" is not defined", s.process),
        ));
    }
    if s.categories.is_empty() {
        problems.push(crate::error::Problem::new(
            "categories",
            "configure at least one category",
        ));
    }
    for (i, c) in s.categories.iter().enumerate() {
        if c.id.trim().is_empty() {
            problems.push(crate::error::Problem::new(
                format!("categories[{i}].id"),
                "is empty",
            ));
        }
        if c.name.trim().is_empty() {
            problems.push(crate::error::Problem::new(
                format!("categories[{i}].name"),
                "is empty",
            ));
        }
        if !seen.insert(c.id.as_str()) {
            problems.push(crate::error::Problem::new(
                format!("categories[{i}].id"),
                format!("duplicate category {:?}", c.id),
            ));
        }
        if let Some(p) = &c.process {
            if state.process(p).is_none() {
                problems.push(crate::error::Problem::new(
                    format!("categories[{i}].process"),
                    format!("approval process \"{p}\" is not defined"),
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

/// Validates a target about to be set against the users and the targets already set.
fn check_new_target(state: &State, t: &Target) -> Result<()> {
    if t.id.as_str().trim().is_empty() {
        return Err(Error::validation("target.id", "must not be empty"));
    }
    if let Some(u) = t.scope.user() {
        if state.user(u).is_none() {
            return Err(Error::not_found_at("user", u, "target.scope"));
        }
    }
    if t.revenue.is_negative() {
        return Err(Error::validation(
            "target.revenue",
            format!("{} is negative", t.revenue),
        ));
    }
    t.revenue.check("target.revenue")?;
    // the attainment of a period is in one currency: a target in another would fail it
    if let Some(other) = state.targets().find(|o| {
        o.id != t.id && o.period.overlaps(&t.period) && o.revenue.currency() != t.revenue.currency()
    }) {
        return Err(Error::validation(
            "target.revenue",
            format!(
                "is in {}, target {} of {} is in {}: the targets of a period share a currency",
                t.revenue.currency(),
                other.id,
                other.period,
                other.revenue.currency()
            ),
        ));
    }
    if let Some(other) = state.targets().find(|o| {
        o.id != t.id
            && o.scope == t.scope
            && o.period.kind() == t.period.kind()
            && o.period.overlaps(&t.period)
    }) {
        return Err(Error::validation(
            "target.period",
            format!(
                "{} overlaps target {} of {} for {}",
                t.period, other.id, other.scope, other.period
            ),
        ));
    }
    Ok(())
}

/// The snapshot the engine takes at `now` over its state: the attainment input of the state,
/// the company time zone (the reminder rules'), the default forecast method. A period that
/// has ended by `now` is refused (`period`).
fn take_snapshot(
    state: &State,
    id: SnapshotId,
    period: Period,
    currency: Option<Currency>,
    now: Timestamp,
) -> Result<ForecastSnapshot> {
    let tz = state.reminders().rules().time_zone.clone();
    let end = day_start("period", parse_tz("time_zone", &tz)?, period.end())?;
    if now >= end {
        return Err(Error::validation(
            "period",
            format!("{period} ended at {end} ({tz}); a snapshot forecasts a period before it ends"),
        ));
    }
    let (users, targets, deals) = crate::engine::rows::attainment_input(state);
    let mut query = AttainmentQuery::new(period).as_of(now).time_zone(tz);
    query.currency = currency;
    forecast_snapshot(
        id,
        &AttainmentInput {
            users: &users,
            targets: &targets,
            deals: &deals,
        },
        &query,
        ForecastMethod::default(),
    )
}
