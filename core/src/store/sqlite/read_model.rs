//! Read models kept in the append transaction: open opportunities by stage and by owner, open
//! tasks, activities by customer. Each is a fold over events that gives what the engine's
//! in-memory [`State`](crate::State) gives for the same question.

use rusqlite::{params, Connection};

use super::{sql_error, RowDecoder, EVENT_COLUMNS};
use crate::activity::{Activity, Task};
use crate::clock::Timestamp;
use crate::error::{Error, Result};
use crate::event::{Event, RecordedEvent};
use crate::id::{ActorId, CustomerId, OpportunityId, PipelineId, StageId};
use crate::money::{Currency, Money};
use crate::pipeline::{LOST, WON};

/// The tables (schema version 2).
pub(super) const SCHEMA: &str = "
    CREATE TABLE rm_opportunities (
        id           TEXT PRIMARY KEY,
        pipeline     TEXT NOT NULL,
        stage        TEXT NOT NULL,
        status       TEXT NOT NULL CHECK (status IN ('open', 'won', 'lost')),
        owner        TEXT NOT NULL,
        customer     TEXT NOT NULL,
        name         TEXT NOT NULL,
        amount_minor INTEGER NOT NULL,
        currency     TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX rm_opportunities_open_by_stage
        ON rm_opportunities (pipeline, stage, id) WHERE status = 'open';
    CREATE INDEX rm_opportunities_open_by_owner
        ON rm_opportunities (owner, id) WHERE status = 'open';
    CREATE TABLE rm_tasks (
        id      TEXT PRIMARY KEY,
        owner   TEXT NOT NULL,
        due     INTEGER NOT NULL,
        done    INTEGER NOT NULL,
        done_at INTEGER,
        data    TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX rm_tasks_open_by_owner ON rm_tasks (owner, due, id) WHERE done = 0;
    CREATE INDEX rm_tasks_open_by_due ON rm_tasks (due, id) WHERE done = 0;
    CREATE TABLE rm_activities (
        id       TEXT PRIMARY KEY,
        customer TEXT NOT NULL,
        at       INTEGER NOT NULL,
        data     TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX rm_activities_by_customer ON rm_activities (customer, at, id);
";

/// An open opportunity as the read model keeps it: enough to list and link; the full
/// [`Opportunity`](crate::Opportunity) comes from the engine.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct OpportunityRow {
    /// Id.
    pub id: OpportunityId,
    /// Its pipeline.
    pub pipeline: PipelineId,
    /// Its current stage.
    pub stage: StageId,
    /// Owner.
    pub owner: ActorId,
    /// Customer.
    pub customer: CustomerId,
    /// Name.
    pub name: String,
    /// Amount.
    pub amount: Money,
}

/// Folds one event (already inserted in the same transaction) into the read models.
pub(super) fn apply(conn: &Connection, rec: &RecordedEvent) -> Result<()> {
    match &rec.event {
        Event::OpportunityCreated { opportunity: n } => {
            let stage = n.stage.as_ref().map_or("", StageId::as_str);
            conn.prepare_cached(
                "INSERT OR REPLACE INTO rm_opportunities \
                 (id, pipeline, stage, status, owner, customer, name, amount_minor, currency) \
                 VALUES (?1, ?2, ?3, 'open', ?4, ?5, ?6, ?7, ?8)",
            )
            .and_then(|mut s| {
                s.execute(params![
                    n.id.as_str(),
                    n.pipeline.as_str(),
                    stage,
                    n.owner.as_str(),
                    n.customer.as_str(),
                    n.name,
                    n.amount.minor(),
                    n.amount.currency().code(),
                ])
            })
            .map_err(sql_error)?;
        }
        Event::OpportunityUpdated {
            opportunity,
            patch,
            amount,
        } => {
            conn.prepare_cached(
                "UPDATE rm_opportunities SET name = COALESCE(?2, name), \
                 owner = COALESCE(?3, owner), amount_minor = ?4, currency = ?5 WHERE id = ?1",
            )
            .and_then(|mut s| {
                s.execute(params![
                    opportunity.as_str(),
                    patch.name,
                    patch.owner.as_ref().map(ActorId::as_str),
                    amount.minor(),
                    amount.currency().code(),
                ])
            })
            .map_err(sql_error)?;
        }
        Event::Moved {
            opportunity, to, ..
        } => {
            let sql = match to.as_str() {
                WON => "UPDATE rm_opportunities SET status = 'won' WHERE id = ?1",
                LOST => "UPDATE rm_opportunities SET status = 'lost' WHERE id = ?1",
                _ => "UPDATE rm_opportunities SET status = 'open', stage = ?2 WHERE id = ?1",
            };
            conn.prepare_cached(sql)
                .and_then(|mut s| {
                    if matches!(to.as_str(), WON | LOST) {
                        s.execute(params![opportunity.as_str()])
                    } else {
                        s.execute(params![opportunity.as_str(), to.as_str()])
                    }
                })
                .map_err(sql_error)?;
        }
        Event::PipelineEdited { pipeline, mapping } if !mapping.is_empty() => {
            // Every opportunity of the pipeline (open or closed, as the engine's state does)
            // whose stage was removed moves to its mapped stage, each looked up once.
            let moves: Vec<(String, String)> = {
                let mut stmt = conn
                    .prepare_cached("SELECT id, stage FROM rm_opportunities WHERE pipeline = ?1")
                    .map_err(sql_error)?;
                let rows = stmt
                    .query_map([pipeline.id.as_str()], |r| {
                        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
                    })
                    .map_err(sql_error)?;
                let mut moves = Vec::new();
                for row in rows {
                    let (id, stage) = row.map_err(sql_error)?;
                    if let Some(to) = mapping.get(stage.as_str()) {
                        moves.push((id, to.as_str().to_owned()));
                    }
                }
                moves
            };
            let mut stmt = conn
                .prepare_cached("UPDATE rm_opportunities SET stage = ?2 WHERE id = ?1")
                .map_err(sql_error)?;
            for (id, to) in moves {
                stmt.execute(params![id, to]).map_err(sql_error)?;
            }
        }
        Event::ActivityLogged { activity } => {
            let data = serde_json::to_string(activity)
                .map_err(|e| Error::storage(format!("cannot encode activity: {e}")))?;
            conn.prepare_cached(
                "INSERT OR REPLACE INTO rm_activities (id, customer, at, data) \
                 VALUES (?1, ?2, ?3, ?4)",
            )
            .and_then(|mut s| {
                s.execute(params![
                    activity.id.as_str(),
                    activity.customer.as_str(),
                    activity.at.as_millis(),
                    data,
                ])
            })
            .map_err(sql_error)?;
        }
        Event::TaskCreated { task } => {
            let data = serde_json::to_string(task)
                .map_err(|e| Error::storage(format!("cannot encode task: {e}")))?;
            conn.prepare_cached(
                "INSERT OR REPLACE INTO rm_tasks (id, owner, due, done, done_at, data) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )
            .and_then(|mut s| {
                s.execute(params![
                    task.id.as_str(),
                    task.owner.as_str(),
                    task.due.as_millis(),
                    task.done,
                    task.done_at.map(Timestamp::as_millis),
                    data,
                ])
            })
            .map_err(sql_error)?;
        }
        Event::TaskDone { task, done } => {
            conn.prepare_cached("UPDATE rm_tasks SET done = ?2, done_at = ?3 WHERE id = ?1")
                .and_then(|mut s| {
                    s.execute(params![
                        task.as_str(),
                        done,
                        done.then_some(rec.at.as_millis()),
                    ])
                })
                .map_err(sql_error)?;
        }
        _ => {}
    }
    Ok(())
}

/// Empties the read models and folds every event in again.
pub(super) fn rebuild(conn: &Connection) -> Result<()> {
    conn.execute_batch(
        "DELETE FROM rm_opportunities; DELETE FROM rm_tasks; DELETE FROM rm_activities;",
    )
    .map_err(sql_error)?;
    let mut stmt = conn
        .prepare(&format!(
            "SELECT {EVENT_COLUMNS} FROM events ORDER BY position"
        ))
        .map_err(sql_error)?;
    let mut rows = stmt.query([]).map_err(sql_error)?;
    let mut decoder = RowDecoder::default();
    while let Some(row) = rows.next().map_err(sql_error)? {
        apply(conn, &decoder.row(row)?)?;
    }
    Ok(())
}

const OPPORTUNITY_COLUMNS: &str =
    "id, pipeline, stage, owner, customer, name, amount_minor, currency";

fn opportunity_rows(
    conn: &Connection,
    sql: &str,
    args: &[&dyn rusqlite::ToSql],
) -> Result<Vec<OpportunityRow>> {
    let mut stmt = conn.prepare_cached(sql).map_err(sql_error)?;
    let mut rows = stmt.query(args).map_err(sql_error)?;
    let mut out = Vec::new();
    while let Some(r) = rows.next().map_err(sql_error)? {
        let get = |i| r.get::<_, String>(i).map_err(sql_error);
        let code = get(7)?;
        let currency = Currency::new(&code)
            .map_err(|e| Error::storage(format!("bad currency {code:?} in read model: {e}")))?;
        out.push(OpportunityRow {
            id: get(0)?.into(),
            pipeline: get(1)?.into(),
            stage: get(2)?.into(),
            owner: get(3)?.into(),
            customer: get(4)?.into(),
            name: get(5)?,
            amount: Money::from_minor(r.get(6).map_err(sql_error)?, currency),
        });
    }
    Ok(out)
}

pub(super) fn opportunities_by_stage(
    conn: &Connection,
    pipeline: &PipelineId,
    stage: &StageId,
) -> Result<Vec<OpportunityRow>> {
    opportunity_rows(
        conn,
        &format!(
            "SELECT {OPPORTUNITY_COLUMNS} FROM rm_opportunities \
             WHERE status = 'open' AND pipeline = ?1 AND stage = ?2 ORDER BY id"
        ),
        &[&pipeline.as_str(), &stage.as_str()],
    )
}

pub(super) fn opportunities_by_owner(
    conn: &Connection,
    owner: &ActorId,
) -> Result<Vec<OpportunityRow>> {
    opportunity_rows(
        conn,
        &format!(
            "SELECT {OPPORTUNITY_COLUMNS} FROM rm_opportunities \
             WHERE status = 'open' AND owner = ?1 ORDER BY id"
        ),
        &[&owner.as_str()],
    )
}

pub(super) fn open_tasks(conn: &Connection, owner: Option<&ActorId>) -> Result<Vec<Task>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT data, done, done_at FROM rm_tasks \
             WHERE done = 0 AND (?1 IS NULL OR owner = ?1) ORDER BY due, id",
        )
        .map_err(sql_error)?;
    let mut rows = stmt
        .query([owner.map(ActorId::as_str)])
        .map_err(sql_error)?;
    let mut out = Vec::new();
    while let Some(r) = rows.next().map_err(sql_error)? {
        let data = r
            .get_ref(0)
            .and_then(|v| v.as_str().map_err(Into::into))
            .map_err(sql_error)?;
        let mut task: Task = serde_json::from_str(data)
            .map_err(|e| Error::storage(format!("unreadable task in read model: {e}")))?;
        task.done = r.get(1).map_err(sql_error)?;
        task.done_at = r
            .get::<_, Option<i64>>(2)
            .map_err(sql_error)?
            .map(Timestamp::from_millis);
        out.push(task);
    }
    Ok(out)
}

pub(super) fn activities_for_customer(
    conn: &Connection,
    customer: &CustomerId,
) -> Result<Vec<Activity>> {
    let mut stmt = conn
        .prepare_cached("SELECT data FROM rm_activities WHERE customer = ?1 ORDER BY at, id")
        .map_err(sql_error)?;
    let mut rows = stmt.query([customer.as_str()]).map_err(sql_error)?;
    let mut out = Vec::new();
    while let Some(r) = rows.next().map_err(sql_error)? {
        let data = r
            .get_ref(0)
            .and_then(|v| v.as_str().map_err(Into::into))
            .map_err(sql_error)?;
        out.push(
            serde_json::from_str(data)
                .map_err(|e| Error::storage(format!("unreadable activity in read model: {e}")))?,
        );
    }
    Ok(out)
}
