//! The tables, the append function and the migrations of a PostgreSQL store, and how an
//! existing schema is identified before anything is written to it.

use postgres::{Client, GenericClient};

use super::{pg_error, Names};
use crate::error::{Error, Result};

/// The schema version this build writes and the newest it opens.
pub(super) const CURRENT_VERSION: u32 = 1;

/// The value of `salespipe_schema.application` in every row a salespipe store writes: with the
/// table's name and columns, what tells a salespipe schema from another application's tables.
pub(super) const APPLICATION: &str = "salespipe";

/// One forward step of the schema. `sql` is a template: `{s}` is the quoted schema name,
/// `{lock}` the key of the append lock, `{channel}` the notification channel.
struct Migration {
    version: u32,
    description: &'static str,
    sql: &'static str,
}

/// Every migration, oldest first. Never edit a released step; add a new one.
const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    description: "event log, append function, append-only and no-gap triggers",
    sql: r#"
CREATE TABLE {s}.salespipe_schema (
    version     integer PRIMARY KEY,
    application text NOT NULL CHECK (application = 'salespipe'),
    description text NOT NULL,
    applied_by  text NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE {s}.events (
    position bigint  PRIMARY KEY CHECK (position > 0),
    stream   text    NOT NULL,
    version  bigint  NOT NULL CHECK (version > 0),
    at       bigint  NOT NULL,
    actor    text    NOT NULL,
    schema   integer NOT NULL,
    data     text    NOT NULL,
    CONSTRAINT events_stream_version UNIQUE (stream, version)
);
-- Every insert, whoever makes it, takes the append lock and must continue the log and its
-- stream: no gap in positions, no gap or lost update in a stream's versions.
CREATE FUNCTION {s}.events_follow_head() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    PERFORM pg_advisory_xact_lock({lock});
    IF NEW.position IS DISTINCT FROM
        1 + COALESCE((SELECT max(position) FROM {s}.events), 0) THEN
        RAISE EXCEPTION 'salespipe: event position must be head + 1 (got %)', NEW.position
            USING ERRCODE = 'SP001';
    END IF;
    IF NEW.version IS DISTINCT FROM
        1 + COALESCE((SELECT max(version) FROM {s}.events WHERE stream = NEW.stream), 0) THEN
        RAISE EXCEPTION 'salespipe: event version must be the stream''s version + 1'
            USING ERRCODE = 'SP409',
                  DETAIL = COALESCE((SELECT max(version) FROM {s}.events
                                     WHERE stream = NEW.stream), 0)::text;
    END IF;
    RETURN NEW;
END
$fn$;
CREATE TRIGGER events_follow_head BEFORE INSERT ON {s}.events
    FOR EACH ROW EXECUTE FUNCTION {s}.events_follow_head();
CREATE FUNCTION {s}.events_append_only() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    RAISE EXCEPTION 'salespipe: events are append-only' USING ERRCODE = 'SP002';
END
$fn$;
CREATE TRIGGER events_no_update BEFORE UPDATE OR DELETE ON {s}.events
    FOR EACH ROW EXECUTE FUNCTION {s}.events_append_only();
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON {s}.events
    FOR EACH STATEMENT EXECUTE FUNCTION {s}.events_append_only();
-- One append: under the append lock (held to the end of the transaction), check the
-- stream's version, number the events after the head, insert them and notify listeners
-- (delivered at commit). Returns the position before the first event. Called as one
-- statement, so one round trip and one transaction.
CREATE FUNCTION {s}.append(
    p_stream text, p_expected bigint, p_at bigint[], p_actor text[], p_schema integer,
    p_data text[]
) RETURNS bigint LANGUAGE plpgsql AS $fn$
DECLARE
    v_current bigint;
    v_head bigint;
BEGIN
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION 'salespipe: appends need READ COMMITTED isolation, not %',
            current_setting('transaction_isolation') USING ERRCODE = 'SP003';
    END IF;
    PERFORM pg_advisory_xact_lock({lock});
    -- Each statement below takes a new snapshot, so it sees every append committed before
    -- this one got the lock.
    SELECT COALESCE(max(version), 0) INTO v_current FROM {s}.events WHERE stream = p_stream;
    IF v_current <> p_expected THEN
        RAISE EXCEPTION 'salespipe: stream version conflict'
            USING ERRCODE = 'SP409', DETAIL = v_current::text;
    END IF;
    SELECT COALESCE(max(position), 0) INTO v_head FROM {s}.events;
    INSERT INTO {s}.events (position, stream, version, at, actor, schema, data)
        SELECT v_head + u.o, p_stream, p_expected + u.o, u.a, u.actor, p_schema, u.d
        FROM unnest(p_at, p_actor, p_data) WITH ORDINALITY AS u(a, actor, d, o)
        ORDER BY u.o;
    PERFORM pg_notify('{channel}', (v_head + cardinality(p_data))::text);
    RETURN v_head;
END
$fn$;
"#,
}];

/// What a schema of the database is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Found {
    /// No such schema, or an empty one: becomes a new store.
    Fresh { exists: bool },
    /// A salespipe store of this schema version (at most [`CURRENT_VERSION`]).
    Salespipe(u32),
}

/// Identifies the schema with reads only; refuses a schema that holds something else, and
/// a salespipe store of a newer version.
fn identify(conn: &mut impl GenericClient, names: &Names) -> Result<Found> {
    let schema = names.schema.as_str();
    let ns = conn
        .query_opt(
            "SELECT oid::bigint FROM pg_catalog.pg_namespace WHERE nspname = $1",
            &[&schema],
        )
        .map_err(|e| pg_error(&e, "cannot read the catalog"))?;
    let Some(ns) = ns else {
        return Ok(Found::Fresh { exists: false });
    };
    let oid: i64 = ns.try_get(0).map_err(|e| pg_error(&e, "catalog"))?;
    let row = conn
        .query_one(
            "SELECT \
               (SELECT count(*) FROM pg_catalog.pg_class WHERE relnamespace = $1::bigint::oid), \
               (SELECT count(*) FROM pg_catalog.pg_proc WHERE pronamespace = $1::bigint::oid), \
               (SELECT count(*) FROM pg_catalog.pg_type t WHERE typnamespace = $1::bigint::oid \
                  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_class c WHERE c.oid = t.typrelid) \
                  AND t.typelem = 0), \
               (SELECT relkind::text FROM pg_catalog.pg_class \
                  WHERE relnamespace = $1::bigint::oid AND relname = 'salespipe_schema')",
            &[&oid],
        )
        .map_err(|e| pg_error(&e, "cannot read the catalog"))?;
    let relations: i64 = row.try_get(0).map_err(|e| pg_error(&e, "catalog"))?;
    let functions: i64 = row.try_get(1).map_err(|e| pg_error(&e, "catalog"))?;
    let types: i64 = row.try_get(2).map_err(|e| pg_error(&e, "catalog"))?;
    let marker: Option<String> = row.try_get(3).map_err(|e| pg_error(&e, "catalog"))?;
    let not_ours = |why: String| {
        Error::storage(format!(
            "schema {schema} of database {} is not a salespipe store ({why}); it was not \
             changed: choose another schema for salespipe (PostgresOptions::schema)",
            names.database
        ))
    };
    match marker.as_deref() {
        None if relations == 0 && functions == 0 && types == 0 => Ok(Found::Fresh { exists: true }),
        None => Err(not_ours(format!(
            "it holds {relations} tables or other relations and {functions} functions of \
             another application, and no salespipe_schema table"
        ))),
        Some("r") | Some("p") => {
            let columns: Vec<String> = conn
                .query(
                    "SELECT attname::text FROM pg_catalog.pg_attribute \
                     WHERE attrelid = ($1 || '.salespipe_schema')::regclass \
                       AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
                    &[&names.quoted],
                )
                .map_err(|e| pg_error(&e, "cannot read the catalog"))?
                .iter()
                .map(|r| r.try_get::<_, String>(0))
                .collect::<std::result::Result<_, _>>()
                .map_err(|e| pg_error(&e, "catalog"))?;
            let wanted = [
                "version",
                "application",
                "description",
                "applied_by",
                "applied_at",
            ];
            if columns.iter().map(String::as_str).ne(wanted) {
                return Err(not_ours(format!(
                    "its salespipe_schema table has the columns ({}), not salespipe's",
                    columns.join(", ")
                )));
            }
            let row = conn
                .query_one(
                    &format!(
                        "SELECT max(version)::bigint, \
                                count(*) FILTER (WHERE application <> '{APPLICATION}') \
                         FROM {}.salespipe_schema",
                        names.quoted
                    ),
                    &[],
                )
                .map_err(|e| pg_error(&e, &format!("cannot read {schema}.salespipe_schema")))?;
            let version: Option<i64> = row.try_get(0).map_err(|e| pg_error(&e, "schema"))?;
            let foreign: i64 = row.try_get(1).map_err(|e| pg_error(&e, "schema"))?;
            match version {
                _ if foreign > 0 => Err(not_ours(
                    "its salespipe_schema table names another application".to_owned(),
                )),
                None => Err(not_ours(
                    "its salespipe_schema table is empty: a migration that did not finish?"
                        .to_owned(),
                )),
                Some(v) if v > i64::from(CURRENT_VERSION) => Err(Error::UnsupportedVersion {
                    what: format!("salespipe database schema ({schema})"),
                    found: u64::try_from(v).unwrap_or(0),
                    supported: u64::from(CURRENT_VERSION),
                }),
                Some(v) => u32::try_from(v)
                    .ok()
                    .filter(|v| *v > 0)
                    .map(Found::Salespipe)
                    .ok_or_else(|| not_ours(format!("schema version {v}"))),
            }
        }
        Some(kind) => Err(not_ours(format!(
            "its salespipe_schema is not a table (relkind {kind})"
        ))),
    }
}

/// Identifies the schema and applies the pending migrations in one transaction, under a lock
/// that serialises openers of the same schema (so two engines opening a new database create
/// it once). A refused schema is left as it was: the transaction rolls back.
pub(super) fn prepare(client: &mut Client, names: &Names) -> Result<()> {
    // Reads only first: a current store (the usual case) takes no lock and writes nothing,
    // so a role that may only read and write rows opens it too.
    if identify(client, names)? == Found::Salespipe(CURRENT_VERSION) {
        return Ok(());
    }
    let mut tx = client
        .transaction()
        .map_err(|e| pg_error(&e, "cannot begin the migration"))?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&names.migrate_lock])
        .map_err(|e| pg_error(&e, "cannot take the migration lock"))?;
    let from = match identify(&mut tx, names)? {
        Found::Fresh { exists: false } => {
            tx.batch_execute(&format!("CREATE SCHEMA {}", names.quoted))
                .map_err(|e| migration_error(&e, names, 0))?;
            0
        }
        Found::Fresh { exists: true } => 0,
        Found::Salespipe(v) => v,
    };
    for m in MIGRATIONS.iter().filter(|m| m.version > from) {
        let sql = m
            .sql
            .replace("{s}", &names.quoted)
            .replace("{lock}", &names.append_lock.to_string())
            .replace("{channel}", &names.channel);
        tx.batch_execute(&sql)
            .map_err(|e| migration_error(&e, names, m.version))?;
        tx.execute(
            &format!(
                "INSERT INTO {}.salespipe_schema (version, application, description, applied_by) \
                 VALUES ($1, $2, $3, $4)",
                names.quoted
            ),
            &[
                &i32::try_from(m.version).unwrap_or(i32::MAX),
                &APPLICATION,
                &m.description,
                &concat!("salespipe ", env!("CARGO_PKG_VERSION")),
            ],
        )
        .map_err(|e| migration_error(&e, names, m.version))?;
    }
    tx.commit()
        .map_err(|e| migration_error(&e, names, CURRENT_VERSION))
}

fn migration_error(e: &postgres::Error, names: &Names, version: u32) -> Error {
    let what = if version == 0 {
        format!("cannot create schema {}", names.schema)
    } else {
        format!(
            "migrating schema {} to version {version} failed; nothing was changed",
            names.schema
        )
    };
    pg_error(e, &what)
}
