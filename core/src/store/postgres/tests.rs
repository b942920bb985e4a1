//! Tests against a real server, read from `SALESPIPE_PG_URL` (`scripts/test-postgres` starts a
//! throwaway one). Without it they skip with a message, except when `SALESPIPE_PG_REQUIRED=1`
//! (set by `scripts/test-postgres`, which fails under `CI=true` when it cannot start a
//! server): there they fail. A plain `cargo test --workspace` (the bindings turn the
//! `postgres` feature on) skips them.
#![allow(clippy::unwrap_used, clippy::print_stdout)]

use std::sync::atomic::{AtomicU32, Ordering};

use super::*;
use crate::clock::Timestamp;
use crate::store::conformance;
use crate::ErrorCode;

/// The server's URL, or `None` (after saying so) when the tests must skip.
fn server() -> Option<String> {
    match std::env::var("SALESPIPE_PG_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var("SALESPIPE_PG_REQUIRED").is_ok_and(|v| v == "1") => {
            panic!("SALESPIPE_PG_URL is not set but SALESPIPE_PG_REQUIRED=1: these tests must run")
        }
        _ => {
            println!(
                "skipped: SALESPIPE_PG_URL is not set (scripts/test-postgres starts a server)"
            );
            None
        }
    }
}

/// A schema name no other test (of any process or run) uses.
fn fresh_schema(tag: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!(
        "t_{tag}_{}_{}_{nanos}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

fn raw(url: &str) -> Client {
    url.parse::<Config>().unwrap().connect(NoTls).unwrap()
}

fn drop_schema(url: &str, schema: &str) {
    raw(url)
        .batch_execute(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"))
        .unwrap();
}

fn task_done(n: i64) -> NewEvent {
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
fn passes_the_store_conformance_suite() {
    let Some(url) = server() else { return };
    let schemas = Mutex::new(Vec::new());
    conformance::run_all(|| {
        let schema = fresh_schema("conf");
        schemas.lock().unwrap().push(schema.clone());
        PostgresStore::open_with(&url, PostgresOptions::default().schema(schema)).unwrap()
    });
    for schema in schemas.into_inner().unwrap() {
        drop_schema(&url, &schema);
    }
}

#[test]
fn a_new_schema_records_its_migration_and_reopens_without_changes() {
    let Some(url) = server() else { return };
    let schema = fresh_schema("mig");
    let opts = PostgresOptions::default().schema(&schema);
    let store = PostgresStore::open_with(&url, opts.clone()).unwrap();
    store.append("a", 0, vec![task_done(1)]).unwrap();
    let mut c = raw(&url);
    let rows = c
        .query(
            &format!("SELECT version, application FROM \"{schema}\".salespipe_schema"),
            &[],
        )
        .unwrap();
    let steps: Vec<(i32, String)> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
    assert_eq!(steps, [(1, "salespipe".to_owned())]);
    drop(store);
    let again = PostgresStore::open_with(&url, opts).unwrap();
    assert_eq!(again.head().unwrap(), 1);
    assert_eq!(
        c.query_one(
            &format!("SELECT count(*) FROM \"{schema}\".salespipe_schema"),
            &[]
        )
        .unwrap()
        .get::<_, i64>(0),
        1
    );
    // The URL's schema parameter selects the schema too.
    let sep = if url.contains('?') { '&' } else { '?' };
    let by_url = PostgresStore::open(&format!("{url}{sep}schema={schema}")).unwrap();
    assert_eq!(by_url.schema(), schema);
    assert_eq!(by_url.head().unwrap(), 1);
    drop_schema(&url, &schema);
}

#[test]
fn two_tenants_share_a_database_without_seeing_each_other() {
    let Some(url) = server() else { return };
    let (s1, s2) = (fresh_schema("ten"), fresh_schema("ten"));
    let a = PostgresStore::open_with(&url, PostgresOptions::default().schema(&s1)).unwrap();
    let b = PostgresStore::open_with(&url, PostgresOptions::default().schema(&s2)).unwrap();
    a.append("x", 0, vec![task_done(1), task_done(2)]).unwrap();
    let rec = b.append("x", 0, vec![task_done(3)]).unwrap();
    assert_eq!(rec[0].position, 1);
    assert_eq!((a.head().unwrap(), b.head().unwrap()), (2, 1));
    drop_schema(&url, &s1);
    drop_schema(&url, &s2);
}

#[test]
fn the_database_refuses_gaps_lost_updates_and_rewrites_from_any_writer() {
    let Some(url) = server() else { return };
    let schema = fresh_schema("raw");
    let store = PostgresStore::open_with(&url, PostgresOptions::default().schema(&schema)).unwrap();
    store.append("a", 0, vec![task_done(1)]).unwrap();
    let mut c = raw(&url);
    let insert = |c: &mut Client, position: i64, version: i64| {
        c.execute(
            &format!(
                "INSERT INTO \"{schema}\".events (position, stream, version, at, actor, schema, \
                 data) VALUES ($1, 'a', $2, 0, 'x', 1, '{{}}')"
            ),
            &[&position, &version],
        )
        .map_err(|e| e.code().map(|c| c.code().to_owned()))
    };
    assert_eq!(insert(&mut c, 3, 2), Err(Some("SP001".into())), "a gap");
    assert_eq!(
        insert(&mut c, 2, 3),
        Err(Some("SP409".into())),
        "a version gap"
    );
    assert_eq!(
        insert(&mut c, 2, 1),
        Err(Some("SP409".into())),
        "a lost update"
    );
    for sql in [
        "UPDATE {s}.events SET actor = 'y'",
        "DELETE FROM {s}.events",
        "TRUNCATE {s}.events",
    ] {
        let err = c
            .batch_execute(&sql.replace("{s}", &format!("\"{schema}\"")))
            .unwrap_err();
        assert_eq!(err.code().map(|c| c.code()), Some("SP002"), "{sql}");
    }
    assert_eq!(store.head().unwrap(), 1);
    assert_eq!(store.read_all(0, 10).unwrap().len(), 1);
    drop_schema(&url, &schema);
}

#[test]
fn bad_urls_and_schema_names_are_refused() {
    let err = PostgresStore::open("not a url at all ===").unwrap_err();
    assert_eq!(err.code(), ErrorCode::Validation, "{err}");
    for bad in ["", "Upper", "1abc", "pg_x", "a-b", "a\"b", &"x".repeat(49)] {
        let err = PostgresStore::open_with(
            "postgres://nobody@127.0.0.1:1/db",
            PostgresOptions::default().schema(bad),
        )
        .unwrap_err();
        assert_eq!(err.code(), ErrorCode::Validation, "{bad}: {err}");
    }
    // Nothing listens on port 1.
    let err = PostgresStore::open_with(
        "postgres://nobody@127.0.0.1:1/db",
        PostgresOptions::default().connect_timeout(Duration::from_secs(2)),
    )
    .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Storage);
    assert!(err.to_string().contains("cannot connect"), "{err}");
}

#[test]
fn schema_parameters_are_split_from_the_url() {
    assert_eq!(
        split_schema_param("postgres://h/db?schema=t1&connect_timeout=3"),
        (
            "postgres://h/db?connect_timeout=3".to_owned(),
            Some("t1".to_owned())
        )
    );
    assert_eq!(
        split_schema_param("postgres://h/db?schema=t1"),
        ("postgres://h/db".to_owned(), Some("t1".to_owned()))
    );
    assert_eq!(
        split_schema_param("postgres://h/db"),
        ("postgres://h/db".to_owned(), None)
    );
}

#[test]
fn waiting_wakes_on_an_append_from_another_connection() {
    let Some(url) = server() else { return };
    let schema = fresh_schema("wait");
    let opts = PostgresOptions::default()
        .schema(&schema)
        .poll_interval(Duration::from_secs(30));
    let waiter = PostgresStore::open_with(&url, opts.clone()).unwrap();
    let writer = PostgresStore::open_with(&url, opts).unwrap();
    // Nothing there: the wait times out.
    let t = Instant::now();
    assert_eq!(
        waiter
            .wait_for_events(0, Duration::from_millis(200))
            .unwrap(),
        0
    );
    assert!(t.elapsed() >= Duration::from_millis(200));
    let started = Instant::now();
    std::thread::scope(|s| {
        s.spawn(|| {
            std::thread::sleep(Duration::from_millis(300));
            writer.append("a", 0, vec![task_done(1)]).unwrap();
        });
        // Woken by the notification long before the 30 s poll or the 20 s timeout.
        assert_eq!(
            waiter.wait_for_events(0, Duration::from_secs(20)).unwrap(),
            1
        );
    });
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    drop_schema(&url, &schema);
}
