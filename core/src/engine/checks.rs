//! The checks of the management commands against the folded state (expenses, targets,
//! forecast snapshots): what `decide` asks before it emits their events.

use crate::analytics::ForecastMethod;
use crate::clock::Timestamp;
use crate::error::{Error, Result};
use crate::id::{ProcessId, SnapshotId};
use crate::management::expense::{Expense, ExpenseSettings};
use crate::management::snapshot::{forecast_snapshot, ForecastSnapshot};
use crate::management::target::{AttainmentInput, AttainmentQuery, Period, Target};
use crate::money::Currency;
use crate::state::State;
use crate::zone::{day_start, parse_tz};

/// Validates an expense about to be submitted against the state; returns its process.
pub(crate) fn check_new_expense(state: &State, e: &Expense) -> Result<ProcessId> {
    if e.id.as_str().trim().is_empty() {
        return Err(Error::validation("expense.id", "must not be empty"));
    }
    if state.expense(&e.id).is_some() {
        return Err(Error::already_exists("expense", &e.id));
    }
    check_expense_fields(state, e)
}

/// The checks shared by a submission and a resubmission.
pub(crate) fn check_expense_fields(state: &State, e: &Expense) -> Result<ProcessId> {
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
pub(crate) fn check_expense_settings(state: &State, s: &ExpenseSettings) -> Result<()> {
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
pub(crate) fn check_new_target(state: &State, t: &Target) -> Result<()> {
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
pub(crate) fn take_snapshot(
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
    let (users, targets, deals) = super::rows::attainment(state);
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
