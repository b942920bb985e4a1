use std::cell::Cell;

use rusqlite::Connection;

use super::*;
use crate::clock::Timestamp;
use crate::store::conformance;
use crate::ErrorCode;

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
fn in_memory_passes_the_store_conformance_suite() {
    conformance::run_all(|| SqliteStore::in_memory().unwrap());
}

#[test]
fn file_passes_the_store_conformance_suite() {
    let dir = tempfile::tempdir().unwrap();
    let n = Cell::new(0);
    conformance::run_all(|| {
        n.set(n.get() + 1);
        SqliteStore::open(dir.path().join(format!("s{}.sqlite", n.get()))).unwrap()
    });
}

#[test]
fn normal_synchronous_passes_the_store_conformance_suite() {
    let dir = tempfile::tempdir().unwrap();
    let n = Cell::new(0);
    conformance::run_all(|| {
        n.set(n.get() + 1);
        let opts = SqliteOptions::default().synchronous(Synchronous::Normal);
        SqliteStore::open_with(dir.path().join(format!("s{}.sqlite", n.get())), opts).unwrap()
    });
}

#[test]
fn a_new_file_is_marked_wal_and_records_its_migrations() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.sqlite");
    let store = SqliteStore::open(&path).unwrap();
    store.append("a", 0, vec![task_done(1)]).unwrap();
    let raw = Connection::open(&path).unwrap();
    let mode: String = raw
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let app: i32 = raw
        .pragma_query_value(None, "application_id", |r| r.get(0))
        .unwrap();
    assert_eq!(app, SqliteStore::APPLICATION_ID);
    let version: u32 = raw
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(version, SqliteStore::SCHEMA_VERSION);
    let steps: Vec<u32> = raw
        .prepare("SELECT version FROM salespipe_schema ORDER BY version")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(steps, [1, 2]);
    // Reopening applies nothing twice.
    drop(store);
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.head().unwrap(), 1);
}

#[test]
fn the_database_itself_refuses_lost_updates_gaps_and_rewrites() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.sqlite");
    let store = SqliteStore::open(&path).unwrap();
    store
        .append("a", 0, vec![task_done(1), task_done(2)])
        .unwrap();
    // A writer that bypasses the store (or a buggy one) cannot break the contract.
    let raw = Connection::open(&path).unwrap();
    let insert = |pos: i64, stream: &str, version: i64| {
        raw.execute(
            "INSERT INTO events (position, stream, version, at, actor, schema, data) \
             VALUES (?1, ?2, ?3, 0, 'x', 1, '{}')",
            params![pos, stream, version],
        )
    };
    assert!(
        insert(3, "a", 2).is_err(),
        "a second version 2 (lost update)"
    );
    assert!(insert(3, "a", 4).is_err(), "a version gap");
    assert!(insert(4, "b", 1).is_err(), "a position gap");
    assert!(insert(2, "b", 1).is_err(), "a reused position");
    assert!(raw.execute("UPDATE events SET actor = 'y'", []).is_err());
    assert!(raw.execute("DELETE FROM events", []).is_err());
    assert!(insert(3, "a", 3).is_ok());
    // The store reports the real state afterwards.
    let e = store.append("a", 2, vec![task_done(4)]).unwrap_err();
    assert!(matches!(
        e,
        Error::Conflict {
            expected: 2,
            actual: 3,
            ..
        }
    ));
}

#[test]
fn an_event_of_a_newer_schema_is_refused_on_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.sqlite");
    let store = SqliteStore::open(&path).unwrap();
    store.append("a", 0, vec![task_done(1)]).unwrap();
    Connection::open(&path)
        .unwrap()
        .execute(
            "INSERT INTO events (position, stream, version, at, actor, schema, data) \
             VALUES (2, 'a', 2, 0, 'x', 99, '{\"type\":\"from_the_future\"}')",
            [],
        )
        .unwrap();
    let e = store.read_all(0, 10).unwrap_err();
    assert_eq!(e.code(), ErrorCode::UnsupportedVersion, "{e}");
    assert_eq!(store.read_all(0, 1).unwrap().len(), 1);
    let e = store.read_stream("a", 0).unwrap_err();
    assert_eq!(e.code(), ErrorCode::UnsupportedVersion);
}

#[test]
fn unreadable_event_data_is_a_storage_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.sqlite");
    let store = SqliteStore::open(&path).unwrap();
    Connection::open(&path)
        .unwrap()
        .execute(
            "INSERT INTO events (position, stream, version, at, actor, schema, data) \
             VALUES (1, 'a', 1, 0, 'x', 1, '{nope')",
            [],
        )
        .unwrap();
    let e = store.read_all(0, 10).unwrap_err();
    assert_eq!(e.code(), ErrorCode::Storage);
    assert!(e.to_string().contains("event 1 is unreadable"), "{e}");
}

#[test]
fn a_migration_that_adds_read_models_rebuilds_them_from_the_events() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.sqlite");
    let store = SqliteStore::open(&path).unwrap();
    let task = Task::new("task-1", "Call back", "wang", Timestamp::from_millis(5));
    store
        .append(
            "task/task-1",
            0,
            vec![NewEvent {
                at: Timestamp::from_millis(1),
                actor: "wang".into(),
                event: Event::TaskCreated {
                    task: Box::new(task.clone()),
                },
            }],
        )
        .unwrap();
    drop(store);
    // Turn the file back into a schema-1 file: events only.
    let raw = Connection::open(&path).unwrap();
    raw.execute_batch(
        "DROP TABLE rm_opportunities; DROP TABLE rm_tasks; DROP TABLE rm_activities;
         DELETE FROM salespipe_schema WHERE version = 2; PRAGMA user_version = 1;",
    )
    .unwrap();
    drop(raw);
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.open_tasks(None).unwrap(), std::slice::from_ref(&task));
    assert_eq!(store.open_tasks(Some(&"wang".into())).unwrap(), [task]);
    assert!(store.open_tasks(Some(&"li".into())).unwrap().is_empty());
}

#[test]
fn rebuilding_read_models_gives_the_same_answers() {
    let store = SqliteStore::in_memory().unwrap();
    let task = Task::new("task-1", "Call back", "wang", Timestamp::from_millis(5));
    let at = Timestamp::from_millis(1);
    store
        .append(
            "task/task-1",
            0,
            vec![NewEvent {
                at,
                actor: "wang".into(),
                event: Event::TaskCreated {
                    task: Box::new(task),
                },
            }],
        )
        .unwrap();
    let before = store.open_tasks(None).unwrap();
    store.rebuild_read_models().unwrap();
    assert_eq!(store.open_tasks(None).unwrap(), before);
}

#[test]
fn the_store_is_send_sync_and_clones_share_the_log() {
    fn assert_send_sync<T: Send + Sync + Clone + 'static>() {}
    assert_send_sync::<SqliteStore>();
    let a = SqliteStore::in_memory().unwrap();
    let b = a.clone();
    a.append("s", 0, vec![task_done(1)]).unwrap();
    assert_eq!(b.head().unwrap(), 1);
    assert!(format!("{a:?}").contains("SqliteStore"));
    assert!(a.path().is_none());
    assert_eq!(a.options().synchronous, Synchronous::Full);
}

#[test]
fn an_event_that_would_not_read_back_is_refused_and_nothing_is_written() {
    use crate::opportunity::{FieldValue, OpportunityPatch};
    let store = SqliteStore::in_memory().unwrap();
    let far = Timestamp::from_millis(i64::MAX / 2);
    let mut patch = OpportunityPatch::default();
    patch
        .fields
        .insert("score".into(), Some(FieldValue::Number(f64::NAN)));
    let bad = [
        Event::TaskCreated {
            task: Box::new(Task::new("t", "far", "wang", far)),
        },
        Event::OpportunityUpdated {
            opportunity: "o".into(),
            patch: Box::new(patch),
            amount: crate::Money::parse("1", "CNY").unwrap(),
        },
    ];
    for event in bad {
        let e = store
            .append(
                "s",
                0,
                vec![
                    task_done(1),
                    NewEvent {
                        at: Timestamp::from_millis(1),
                        actor: "a".into(),
                        event,
                    },
                ],
            )
            .unwrap_err();
        assert_eq!(e.code(), ErrorCode::Validation, "{e}");
    }
    assert_eq!(store.head().unwrap(), 0);
    assert!(store.read_all(0, 10).unwrap().is_empty());
}

#[test]
fn consecutive_rows_share_their_stream_and_actor_names() {
    let store = SqliteStore::in_memory().unwrap();
    store
        .append("a", 0, vec![task_done(1), task_done(2)])
        .unwrap();
    store.append("b", 0, vec![task_done(3)]).unwrap();
    let all = store.read_all(0, 10).unwrap();
    assert_eq!(
        all.iter().map(|e| &*e.stream).collect::<Vec<_>>(),
        ["a", "a", "b"]
    );
    assert!(Arc::ptr_eq(&all[0].stream, &all[1].stream));
    assert_eq!(all[0].actor, all[2].actor);
    let mut streams = Vec::new();
    store
        .scan(0, &mut |e| streams.push(Arc::clone(&e.stream)))
        .unwrap();
    assert!(Arc::ptr_eq(&streams[0], &streams[1]));
    assert_eq!(&*streams[2], "b");
}
