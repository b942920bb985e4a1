//! Databases a PostgreSQL store must refuse, or use only as far as it may: a schema from a
//! newer salespipe, someone else's tables under salespipe's names, a read-only role. Each is a
//! clear error, and nothing in the database changes.
#![cfg(feature = "postgres")]
#![allow(clippy::unwrap_used, clippy::print_stdout)]

mod pg_support;

use pg_support::*;
use salespipe::store::{PostgresOptions, PostgresStore};
use salespipe::*;

/// Everything in `schema` a refusal must leave alone: its objects (with their columns) and
/// the rows of its tables.
fn snapshot(url: &str, schema: &str) -> Vec<String> {
    let mut c = raw(url);
    let mut out: Vec<String> = c
        .query(
            "SELECT c.relname::text || ':' || c.relkind::text || ':' || \
                    COALESCE(string_agg(a.attname::text, ',' ORDER BY a.attnum), '') \
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 \
             WHERE n.nspname = $1 GROUP BY c.relname, c.relkind ORDER BY 1",
            &[&schema],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    out.extend(
        c.query(
            "SELECT p.proname::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace \
             WHERE n.nspname = $1 ORDER BY 1",
            &[&schema],
        )
        .unwrap()
        .iter()
        .map(|r| format!("fn {}", r.get::<_, String>(0))),
    );
    let tables: Vec<String> = c
        .query(
            "SELECT tablename::text FROM pg_tables WHERE schemaname = $1 ORDER BY 1",
            &[&schema],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    for t in tables {
        for row in c
            .query(
                &format!("SELECT t::text FROM \"{schema}\".\"{t}\" t ORDER BY 1"),
                &[],
            )
            .unwrap()
        {
            out.push(format!("{t}: {}", row.get::<_, String>(0)));
        }
    }
    out
}

fn open_err(url: &str, schema: &str) -> Error {
    PostgresStore::open_with(url, PostgresOptions::default().schema(schema)).unwrap_err()
}

fn event(n: i64) -> NewEvent {
    NewEvent {
        at: Timestamp::from_millis(n),
        actor: "tester".into(),
        event: Event::TaskDone {
            task: format!("t{n}").into(),
            done: true,
        },
    }
}

#[test]
fn a_schema_from_a_newer_salespipe_is_refused_untouched() {
    let Some(url) = server() else { return };
    let schema = fresh_schema("future");
    let _cleanup = Cleanup {
        url: url.clone(),
        schema: schema.clone(),
    };
    open(&url, &schema).append("a", 0, vec![event(1)]).unwrap();
    raw(&url)
        .execute(
            &format!(
                "INSERT INTO \"{schema}\".salespipe_schema \
                 (version, application, description, applied_by) \
                 VALUES (99, 'salespipe', 'from the future', 'salespipe 9.0')"
            ),
            &[],
        )
        .unwrap();
    let before = snapshot(&url, &schema);
    let err = open_err(&url, &schema);
    assert_eq!(err.code(), ErrorCode::UnsupportedVersion, "{err}");
    assert!(
        matches!(
            err,
            Error::UnsupportedVersion {
                found: 99,
                supported,
                ..
            } if supported == u64::from(PostgresStore::SCHEMA_VERSION)
        ),
        "{err:?}"
    );
    assert_eq!(snapshot(&url, &schema), before);
}

#[test]
fn someone_elses_tables_of_the_same_names_are_refused_untouched() {
    let Some(url) = server() else { return };
    let cases = [
        // Another application's `events` table, no salespipe_schema.
        "CREATE TABLE {s}.events (id serial PRIMARY KEY, body text); \
         INSERT INTO {s}.events (body) VALUES ('theirs');",
        // A salespipe_schema table of someone else (other columns).
        "CREATE TABLE {s}.salespipe_schema (version int, note text); \
         INSERT INTO {s}.salespipe_schema VALUES (1, 'theirs');",
        // The right columns, but another application's rows.
        "CREATE TABLE {s}.salespipe_schema (version int, application text, description text, \
           applied_by text, applied_at timestamptz); \
         INSERT INTO {s}.salespipe_schema VALUES (1, 'billing', 'x', 'y', now());",
        // Right name and columns, but not a table.
        "CREATE VIEW {s}.salespipe_schema AS SELECT 1::int AS version, 'salespipe'::text AS \
           application, ''::text AS description, ''::text AS applied_by, now() AS applied_at;",
        // Only a function of another application.
        "CREATE FUNCTION {s}.append(int) RETURNS int LANGUAGE sql AS 'SELECT 1';",
    ];
    for (i, sql) in cases.iter().enumerate() {
        let schema = fresh_schema("theirs");
        let _cleanup = Cleanup {
            url: url.clone(),
            schema: schema.clone(),
        };
        let quoted = format!("\"{schema}\"");
        raw(&url)
            .batch_execute(&format!(
                "CREATE SCHEMA {quoted}; {}",
                sql.replace("{s}", &quoted)
            ))
            .unwrap();
        let before = snapshot(&url, &schema);
        let err = open_err(&url, &schema);
        assert_eq!(err.code(), ErrorCode::Storage, "case {i}: {err}");
        let text = err.to_string();
        assert!(
            text.contains("is not a salespipe store") && text.contains("was not changed"),
            "case {i}: {text}"
        );
        assert_eq!(
            snapshot(&url, &schema),
            before,
            "case {i} changed the schema"
        );
    }
}

/// A connection string for `url`'s server as `user` (trust authentication in the test
/// cluster).
fn as_user(url: &str, user: &str) -> String {
    use postgres::config::Host;
    let config: Config = url.parse().unwrap();
    let host = match &config.get_hosts()[0] {
        Host::Tcp(h) => h.clone(),
        Host::Unix(p) => p.display().to_string(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    format!(
        "host={host} port={port} dbname={} user={user}",
        config.get_dbname().unwrap_or("postgres")
    )
}

#[test]
fn a_read_only_role_reads_but_cannot_write_or_create() {
    let Some(url) = server() else { return };
    let schema = fresh_schema("ro");
    let fresh = fresh_schema("ro_new");
    let _cleanup = (
        Cleanup {
            url: url.clone(),
            schema: schema.clone(),
        },
        Cleanup {
            url: url.clone(),
            schema: fresh.clone(),
        },
    );
    // The role has no CREATE on the database (PUBLIC does not by default).
    let role = format!("{schema}_reader");
    let mut admin = raw(&url);
    admin
        .batch_execute(&format!("CREATE ROLE \"{role}\" LOGIN"))
        .unwrap();
    let mut engine = Engine::builder()
        .store(open(&url, &schema))
        .build()
        .unwrap();
    engine
        .register_user("boss", User::new("boss", "Boss", Role::Admin))
        .unwrap();
    admin
        .batch_execute(&format!(
            "GRANT USAGE ON SCHEMA \"{schema}\" TO \"{role}\"; \
             GRANT SELECT ON ALL TABLES IN SCHEMA \"{schema}\" TO \"{role}\";"
        ))
        .unwrap();
    let before = snapshot(&url, &schema);
    let ro_url = as_user(&url, &role);

    // It opens a current store (nothing to migrate) and reads it.
    let store =
        PostgresStore::open_with(&ro_url, PostgresOptions::default().schema(&schema)).unwrap();
    let mut reader = Engine::builder().store(store.clone()).build().unwrap();
    assert_eq!(reader.view().state(), engine.view().state());
    // A write is a clear storage error, and nothing is written.
    let err = reader
        .register_user("boss", User::new("rep", "Rep", Role::Rep))
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Storage, "{err}");
    assert!(err.to_string().contains("permission denied"), "{err}");
    let err = store.append("x", 0, vec![event(1)]).unwrap_err();
    assert!(err.to_string().contains("permission denied"), "{err}");
    assert_eq!(snapshot(&url, &schema), before);

    // It cannot make a new store, and leaves no trace of trying.
    let err =
        PostgresStore::open_with(&ro_url, PostgresOptions::default().schema(&fresh)).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Storage, "{err}");
    let text = err.to_string();
    assert!(
        text.contains("cannot create schema") && text.contains("permission denied"),
        "{text}"
    );
    assert!(snapshot(&url, &fresh).is_empty());
    let exists: bool = admin
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)",
            &[&fresh],
        )
        .unwrap()
        .get(0);
    assert!(!exists);

    drop((reader, store));
    admin
        .batch_execute(&format!("DROP OWNED BY \"{role}\"; DROP ROLE \"{role}\";"))
        .unwrap();
}

#[test]
fn a_read_only_session_is_a_clear_error() {
    let Some(url) = server() else { return };
    let schema = fresh_schema("rosess");
    let _cleanup = Cleanup {
        url: url.clone(),
        schema: schema.clone(),
    };
    open(&url, &schema).append("a", 0, vec![event(1)]).unwrap();
    let sep = if url.contains('?') { '&' } else { '?' };
    let ro = format!("{url}{sep}options=-c%20default_transaction_read_only%3Don");
    let store = PostgresStore::open_with(&ro, PostgresOptions::default().schema(&schema)).unwrap();
    let err = store.append("a", 1, vec![event(2)]).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Storage, "{err}");
    assert!(err.to_string().contains("read-only"), "{err}");
    assert_eq!(store.head().unwrap(), 1);
}
