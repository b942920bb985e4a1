//! The one adapter from the folded state to the rows of every report: each function reads
//! [`State`] through its methods and returns the plain rows a pure report function of
//! [`crate::management`] takes. Named after the rows it returns; the reports never see the
//! state.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::analytics::Window;
use crate::clock::Timestamp;
use crate::error::Result;
use crate::event::{Event, MoveKind, RecordedEvent};
use crate::id::ActorId;
use crate::management::competitor::{CompetitorOutcome, CompetitorRow};
use crate::management::daily::{DailyFact, DailyRow};
use crate::management::expense::{ExpenseRow, WonRow};
use crate::management::snapshot::{period_end, ActualRow, PushRow};
use crate::management::target::{
    attainment as attainment_report, AttainmentInput, AttainmentQuery, DealOutcome, DealRow,
    Period, Scope, Target,
};
use crate::money::Currency;
use crate::opportunity::Status;
use crate::pipeline::{LOST, WON};
use crate::state::State;
use crate::user::User;

/// The rows an engine event contributes, given the state before the event.
pub(crate) fn daily(state: &State, rec: &RecordedEvent) -> Vec<DailyRow> {
    let row = |rep: &ActorId, fact| DailyRow {
        rep: rep.clone(),
        at: rec.at,
        recorded: rec.at,
        fact,
    };
    match &rec.event {
        Event::CustomerCreated { customer } => {
            let mut v = vec![row(&rec.actor, DailyFact::NewCustomer)];
            v.extend(
                customer
                    .contacts
                    .iter()
                    .map(|_| row(&rec.actor, DailyFact::NewContact)),
            );
            v
        }
        Event::ContactAdded { .. } => vec![row(&rec.actor, DailyFact::NewContact)],
        Event::OpportunityCreated { opportunity } => vec![row(
            &opportunity.owner,
            DailyFact::NewOpportunity {
                amount: opportunity.amount,
            },
        )],
        Event::Moved {
            opportunity,
            from,
            to,
            how,
            ..
        } => {
            let Some(o) = state.opportunity(opportunity) else {
                return Vec::new();
            };
            let p = state.pipeline(&o.pipeline);
            let prob = |s: &crate::id::StageId| match s.as_str() {
                WON => 1.0,
                LOST => 0.0,
                _ => p.and_then(|p| p.stage(s)).map_or(0.0, |s| s.probability),
            };
            let fact = match (to.as_str(), how) {
                (WON, _) => DailyFact::Won { amount: o.amount },
                (LOST, _) => DailyFact::Lost { amount: o.amount },
                (_, MoveKind::Reopened | MoveKind::Remapped) => return Vec::new(),
                (_, how) => DailyFact::StageMove {
                    forward: *how != MoveKind::Back,
                    amount: o.amount,
                    before_probability: prob(from),
                    after_probability: prob(to),
                },
            };
            let mut v = vec![row(&o.owner, fact)];
            if to.as_str() == WON {
                // A win is also an advance from the open stage to probability 1.
                v.push(row(
                    &o.owner,
                    DailyFact::StageMove {
                        forward: true,
                        amount: o.amount,
                        before_probability: prob(from),
                        after_probability: 1.0,
                    },
                ));
            }
            v
        }
        Event::ActivityLogged { activity } => {
            let rep = activity.actor.as_ref().unwrap_or(&rec.actor);
            vec![DailyRow {
                rep: rep.clone(),
                at: activity.at,
                recorded: rec.at,
                fact: DailyFact::Activity {
                    kind: Arc::from(activity.kind.as_str()),
                    follow_up: activity.next_follow_up,
                },
            }]
        }
        Event::TaskCreated { task } => vec![row(
            &task.owner,
            DailyFact::TaskCreated {
                task: task.id.clone(),
                due: task.due,
            },
        )],
        Event::TaskDone { task, done } => match state.task(task) {
            Some(t) => vec![row(
                &t.owner,
                DailyFact::TaskDone {
                    task: task.clone(),
                    done: *done,
                },
            )],
            None => Vec::new(),
        },
        _ => Vec::new(),
    }
}

/// The rows of the engine's expenses and won deals.
pub(crate) fn expenses(state: &State) -> (Vec<ExpenseRow>, Vec<WonRow>) {
    let rows = state
        .expenses()
        .map(|r| ExpenseRow {
            id: r.expense.id.to_string(),
            customer: r.expense.customer.to_string(),
            rep: r.expense.rep.to_string(),
            category: r.expense.category.clone(),
            amount: r.expense.amount,
            status: r.status(),
            date: Some(r.expense.date),
        })
        .collect();
    let won = state
        .opportunities()
        .filter(|o| o.status == Status::Won)
        .filter_map(|o| {
            o.closed_at.map(|at| WonRow {
                customer: o.customer.to_string(),
                amount: o.amount,
                closed_at: at,
            })
        })
        .collect();
    (rows, won)
}

/// The approved expense totals per source of a state (source → currency → minor units).
pub(crate) fn source_costs(
    state: &State,
    window: Window,
) -> Result<BTreeMap<String, BTreeMap<String, i64>>> {
    let mut out: BTreeMap<String, BTreeMap<String, i64>> = BTreeMap::new();
    for x in state.expenses() {
        if x.status() != crate::management::expense::ExpenseStatus::Approved
            || !window.contains(Timestamp::from_date(x.expense.date).as_millis())
        {
            continue;
        }
        let source = x.expense.source.clone().or_else(|| {
            x.expense
                .opportunity
                .as_ref()
                .and_then(|o| state.opportunity(o))
                .and_then(|o| o.source.clone())
        });
        if let Some(s) = source {
            crate::money::add_money(out.entry(s).or_default(), x.expense.amount)?;
        }
    }
    Ok(out)
}

/// The actual rows of the ended snapshots of a state as of `as_of` (see the module docs):
/// one attainment per (period, time zone, currency). Closed won does not depend on targets,
/// so none are passed: a target set later in another currency cannot break the comparison.
pub(crate) fn actuals(state: &State, as_of: Timestamp) -> Result<Vec<ActualRow>> {
    let mut keys: BTreeSet<(Period, &str, &str)> = BTreeSet::new();
    let mut currencies: BTreeMap<&str, Currency> = BTreeMap::new();
    for s in state.forecast_snapshots() {
        if as_of >= period_end("snapshot", s)? {
            keys.insert((s.period, &s.time_zone, s.currency.code()));
            currencies.insert(s.currency.code(), s.currency);
        }
    }
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let (users, _, deals) = attainment_input(state);
    let input = AttainmentInput {
        users: &users,
        targets: &[],
        deals: &deals,
    };
    let mut rows = Vec::new();
    for (period, tz, code) in keys {
        let Some(&currency) = currencies.get(code) else {
            continue;
        };
        let report = attainment_report(
            &input,
            &AttainmentQuery::new(period)
                .as_of(as_of)
                .time_zone(tz)
                .currency(currency),
        )?;
        for r in &report.rows {
            if let Scope::Rep(rep) = &r.scope {
                rows.push(ActualRow {
                    period,
                    time_zone: tz.to_owned(),
                    rep: rep.clone(),
                    won: r.closed_won,
                });
            }
        }
    }
    Ok(rows)
}

/// The push rows of every opportunity of a state.
pub(crate) fn pushes(state: &State) -> Vec<PushRow> {
    state
        .opportunities()
        .map(|o| PushRow {
            opportunity: o.id.clone(),
            owner: o.owner.clone(),
            pushes: o.close_date_pushes,
        })
        .collect()
}

/// The attainment input of a state: its users by id, its targets, its deal rows.
pub(crate) fn attainment_input(state: &State) -> (Vec<User>, Vec<Target>, Vec<DealRow>) {
    let mut users: Vec<User> = state.users().cloned().collect();
    users.sort_by(|a, b| a.id.cmp(&b.id));
    let targets = state.targets().cloned().collect();
    (users, targets, deals(state))
}

/// The deal rows of every opportunity of a state: the owner, amount and outcome as they are,
/// the probability of the stage in the pipeline's current version, the forecast category the
/// deal or its stage sets.
pub(crate) fn deals(state: &State) -> Vec<DealRow> {
    use crate::opportunity::Status;
    let mut v = Vec::with_capacity(state.opportunity_count());
    for o in state.opportunities() {
        let stage = state.pipeline(&o.pipeline).and_then(|p| p.stage(&o.stage));
        v.push(DealRow {
            owner: o.owner.clone(),
            amount: o.amount,
            outcome: match o.status {
                Status::Open => DealOutcome::Open,
                Status::Won => DealOutcome::Won,
                Status::Lost { .. } => DealOutcome::Lost,
            },
            closed_at: o.closed_at,
            expected_close: o.expected_close,
            probability: stage.map_or(0.0, |s| s.probability),
            category: o
                .forecast_category
                .or_else(|| stage.and_then(|s| s.forecast_category))
                .unwrap_or_default(),
        });
    }
    v
}

/// The rows of every opportunity in `state` that met a competitor, sorted by (opportunity,
/// competitor): the engine's side of [`competitor_report`].
pub(crate) fn competitors(state: &State) -> Vec<CompetitorRow> {
    let mut rows = Vec::new();
    for o in state.opportunities() {
        let winner = match &o.status {
            Status::Lost { competitor, .. } => competitor.as_deref(),
            _ => None,
        };
        let mut names: BTreeSet<&str> = o.competitors.iter().map(|c| c.name.as_str()).collect();
        if let Some(w) = winner {
            names.insert(w);
        }
        if names.is_empty() {
            continue;
        }
        let lost_from = match o.status {
            Status::Lost { .. } => Some(
                state
                    .last_from(&o.id, LOST)
                    .unwrap_or_else(|| o.stage.clone()),
            ),
            _ => None,
        };
        for name in names {
            let outcome = match &o.status {
                Status::Open => CompetitorOutcome::Open,
                Status::Won => CompetitorOutcome::Won,
                Status::Lost { .. } if winner == Some(name) => CompetitorOutcome::LostTo,
                Status::Lost { .. } => CompetitorOutcome::LostOther,
            };
            rows.push(CompetitorRow {
                opportunity: o.id.clone(),
                competitor: name.to_owned(),
                amount: o.amount,
                outcome,
                lost_from: lost_from.clone(),
                closed_at: if outcome.is_closed() {
                    o.closed_at
                } else {
                    None
                },
            });
        }
    }
    rows.sort_by(|a, b| (&a.opportunity, &a.competitor).cmp(&(&b.opportunity, &b.competitor)));
    rows
}
