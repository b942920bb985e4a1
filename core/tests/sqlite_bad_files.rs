//! Bad files: each is refused with its own clear error, never a panic, and is left exactly as
//! it was (byte for byte, write-ahead log included).
#![cfg(feature = "sqlite")]
#![allow(clippy::unwrap_used)] // test helpers, not library code

use std::path::{Path, PathBuf};

use rusqlite::config::DbConfig;
use rusqlite::Connection;
use salespipe::store::{IntegrityCheck, SqliteOptions, SqliteStore};
use salespipe::{Error, ErrorCode, EventStore, NewEvent, Timestamp};

fn some_events(store: &SqliteStore, n: i64) {
    for i in 0..n {
        let stream = format!("task/t{i}");
        let event = NewEvent {
            at: Timestamp::from_millis(i),
            actor: "tester".into(),
            event: salespipe::Event::TaskDone {
                task: format!("t{i}-{}", "x".repeat(200)).into(),
                done: true,
            },
        };
        store.append(&stream, 0, vec![event]).unwrap();
    }
}

/// A closed salespipe store with `n` events (checkpointed: no write-ahead log left).
fn good_store(dir: &Path, name: &str, n: i64) -> PathBuf {
    let path = dir.join(name);
    some_events(&SqliteStore::open(&path).unwrap(), n);
    assert!(
        !wal(&path).exists(),
        "closing checkpoints and removes the log"
    );
    path
}

fn wal(path: &Path) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push("-wal");
    PathBuf::from(p)
}

/// The bytes of the file and of its write-ahead log, if any.
fn snapshot(path: &Path) -> (Vec<u8>, Option<Vec<u8>>) {
    (std::fs::read(path).unwrap(), std::fs::read(wal(path)).ok())
}

/// Opens `path`, expects a refusal, and checks that nothing changed.
fn refused(path: &Path) -> Error {
    let before = snapshot(path);
    let err = SqliteStore::open(path).unwrap_err();
    assert_eq!(snapshot(path), before, "{} was modified", path.display());
    // A second attempt says the same thing (nothing was half-done the first time).
    assert_eq!(SqliteStore::open(path).unwrap_err(), err);
    err
}

fn message(e: &Error) -> String {
    match e {
        Error::Storage { message } => message.clone(),
        other => other.to_string(),
    }
}

#[test]
fn random_bytes_are_not_a_sqlite_database() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("random.sqlite");
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let bytes: Vec<u8> = (0..65_536)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    std::fs::write(&path, &bytes).unwrap();
    let e = refused(&path);
    assert_eq!(e.code(), ErrorCode::Storage);
    assert!(message(&e).contains("is not a SQLite database"), "{e}");
    // A short text file too.
    std::fs::write(&path, "hello, I am a CSV file\n").unwrap();
    let e = refused(&path);
    assert!(message(&e).contains("is not a SQLite database"), "{e}");
}

#[test]
fn a_truncated_store_is_refused_as_truncated() {
    let dir = tempfile::tempdir().unwrap();
    let path = good_store(dir.path(), "cut.sqlite", 300);
    let full = std::fs::read(&path).unwrap();
    assert!(full.len() > 8 * 4096, "the store spans many pages");
    for keep in [full.len() / 2, full.len() - 1, 4096, 60] {
        std::fs::write(&path, &full[..keep]).unwrap();
        let e = refused(&path);
        assert_eq!(e.code(), ErrorCode::Storage, "{e}");
        assert!(message(&e).contains("is truncated"), "kept {keep}: {e}");
    }
    // The whole file still opens, with every event.
    std::fs::write(&path, &full).unwrap();
    assert_eq!(SqliteStore::open(&path).unwrap().head().unwrap(), 300);
}

#[test]
fn a_store_of_a_future_schema_is_unsupported() {
    let dir = tempfile::tempdir().unwrap();
    let path = good_store(dir.path(), "future.sqlite", 10);
    Connection::open(&path)
        .unwrap()
        .pragma_update(None, "user_version", 99)
        .unwrap();
    let e = refused(&path);
    assert_eq!(
        e,
        Error::UnsupportedVersion {
            what: "salespipe database schema".into(),
            found: 99,
            supported: u64::from(SqliteStore::SCHEMA_VERSION),
        }
    );
}

#[test]
fn a_future_schema_still_in_the_write_ahead_log_is_unsupported_and_not_checkpointed() {
    let dir = tempfile::tempdir().unwrap();
    let path = good_store(dir.path(), "future-wal.sqlite", 10);
    // A newer salespipe migrated the file and was killed before any checkpoint: the main
    // file's header still says version 2, the log says 3.
    let raw = Connection::open(&path).unwrap();
    raw.set_db_config(DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, true)
        .unwrap();
    raw.execute_batch("PRAGMA user_version = 3; CREATE TABLE newer_things (x);")
        .unwrap();
    drop(raw);
    assert!(std::fs::metadata(wal(&path)).unwrap().len() > 0);
    let e = refused(&path);
    assert_eq!(e.code(), ErrorCode::UnsupportedVersion, "{e}");
    assert!(matches!(e, Error::UnsupportedVersion { found: 3, .. }));
}

#[test]
fn another_applications_sqlite_database_is_not_a_salespipe_store() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("other.sqlite");
    let raw = Connection::open(&path).unwrap();
    raw.execute_batch("CREATE TABLE contacts (name TEXT); INSERT INTO contacts VALUES ('a');")
        .unwrap();
    drop(raw);
    let e = refused(&path);
    assert_eq!(e.code(), ErrorCode::Storage);
    assert!(message(&e).contains("not a salespipe store"), "{e}");

    let path = dir.path().join("marked.sqlite");
    Connection::open(&path)
        .unwrap()
        .pragma_update(None, "application_id", 0x1234_5678)
        .unwrap();
    let e = refused(&path);
    assert!(
        message(&e).contains("another application (application_id 0x12345678)"),
        "{e}"
    );
}

#[test]
fn a_directory_or_a_missing_folder_is_a_storage_error() {
    let dir = tempfile::tempdir().unwrap();
    let e = SqliteStore::open(dir.path()).unwrap_err();
    assert!(message(&e).contains("is a directory"), "{e}");
    let e = SqliteStore::open(dir.path().join("no/such/dir/s.sqlite")).unwrap_err();
    assert_eq!(e.code(), ErrorCode::Storage, "{e}");
}

#[test]
fn an_empty_file_is_refused_by_open_and_made_a_store_by_create() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("empty.sqlite");
    std::fs::write(&path, b"").unwrap();
    let e = refused(&path);
    assert_eq!(e.code(), ErrorCode::Storage, "{e}");
    let m = message(&e);
    assert!(
        m.contains("is empty (0 bytes), not a salespipe store"),
        "{m}"
    );
    assert!(m.contains("SqliteStore::create"), "{m}");
    assert!(!wal(&path).exists());
    // Asked for, a store is made in it.
    let store = SqliteStore::create(&path).unwrap();
    some_events(&store, 2);
    assert_eq!(store.head().unwrap(), 2);
    drop(store);
    assert_eq!(SqliteStore::open(&path).unwrap().head().unwrap(), 2);
}

#[test]
fn create_refuses_an_existing_file_and_makes_a_missing_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = good_store(dir.path(), "kept.sqlite", 3);
    let before = snapshot(&path);
    let e = SqliteStore::create(&path).unwrap_err();
    assert_eq!(snapshot(&path), before);
    assert!(message(&e).contains("already exists"), "{e}");
    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "keep me").unwrap();
    assert!(message(&SqliteStore::create(&text).unwrap_err()).contains("already exists"));
    assert_eq!(std::fs::read_to_string(&text).unwrap(), "keep me");

    let new = dir.path().join("new.sqlite");
    assert_eq!(SqliteStore::create(&new).unwrap().head().unwrap(), 0);
    assert_eq!(SqliteStore::open(&new).unwrap().head().unwrap(), 0);
}

#[test]
fn open_makes_a_missing_store_complete_and_leaves_no_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fresh.sqlite");
    let store = SqliteStore::open(&path).unwrap();
    // The file is a complete store as soon as it has its name.
    let raw = Connection::open(&path).unwrap();
    let id: i32 = raw
        .pragma_query_value(None, "application_id", |r| r.get(0))
        .unwrap();
    assert_eq!(id, SqliteStore::APPLICATION_ID);
    drop(raw);
    drop(store);
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["fresh.sqlite"]);
}

#[test]
fn each_bad_file_has_its_own_error() {
    let dir = tempfile::tempdir().unwrap();
    let random = dir.path().join("random");
    std::fs::write(&random, [7u8; 4096]).unwrap();
    let truncated = good_store(dir.path(), "truncated", 100);
    let full = std::fs::read(&truncated).unwrap();
    std::fs::write(&truncated, &full[..full.len() / 2]).unwrap();
    let future = good_store(dir.path(), "future", 1);
    Connection::open(&future)
        .unwrap()
        .pragma_update(None, "user_version", 7)
        .unwrap();
    let kinds: Vec<String> = [&random, &truncated, &future]
        .iter()
        .map(|p| {
            let e = refused(p);
            format!(
                "{}: {}",
                e.code(),
                message(&e).replace(&*p.to_string_lossy(), "FILE")
            )
        })
        .collect();
    assert!(
        kinds[0].starts_with("storage: FILE is not a SQLite database"),
        "{kinds:?}"
    );
    assert!(
        kinds[1].starts_with("storage: FILE is truncated"),
        "{kinds:?}"
    );
    assert!(kinds[2].starts_with("unsupported_version"), "{kinds:?}");
}

/// The root page of `table` (1-based) and the page size.
fn root_page(path: &Path, table: &str) -> (u64, u64) {
    let raw = Connection::open(path).unwrap();
    let root: i64 = raw
        .query_row(
            "SELECT rootpage FROM sqlite_schema WHERE type = 'table' AND name = ?1",
            [table],
            |r| r.get(0),
        )
        .unwrap();
    let page_size: i64 = raw
        .pragma_query_value(None, "page_size", |r| r.get(0))
        .unwrap();
    (root as u64, page_size as u64)
}

/// Overwrites `len` bytes at `offset` with a fixed garbage pattern.
fn scribble(path: &Path, offset: u64, len: usize) {
    let mut bytes = std::fs::read(path).unwrap();
    let at = usize::try_from(offset).unwrap();
    for (i, b) in bytes[at..at + len].iter_mut().enumerate() {
        *b = 0xA5 ^ (i as u8).wrapping_mul(31);
    }
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn a_damaged_read_model_page_is_refused_naming_the_damage() {
    let dir = tempfile::tempdir().unwrap();
    let path = good_store(dir.path(), "damaged.sqlite", 300);
    let (root, page_size) = root_page(&path, "rm_tasks");
    assert!(root > 1);
    // The whole page but its first byte: the b-tree page header and cells are garbage.
    scribble(&path, (root - 1) * page_size + 1, page_size as usize - 1);
    // SQLite's own integrity check agrees the file is damaged.
    let check: String = Connection::open(&path)
        .unwrap()
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_ne!(check, "ok");
    let e = refused(&path);
    assert_eq!(e.code(), ErrorCode::Storage, "{e}");
    let m = message(&e);
    assert!(m.contains(&*path.to_string_lossy()), "{m}");
    assert!(m.contains("is damaged (PRAGMA quick_check: "), "{m}");
    assert!(m.contains("restore it from a backup"), "{m}");
}

#[test]
fn a_damaged_event_page_in_the_middle_of_the_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = good_store(dir.path(), "middle.sqlite", 300);
    let len = std::fs::metadata(&path).unwrap().len();
    let (_, page_size) = root_page(&path, "events");
    let middle = (len / page_size / 2) * page_size;
    scribble(&path, middle + 8, 64);
    let e = refused(&path);
    assert!(message(&e).contains("is damaged"), "{e}");
    // The full check names it too.
    let opts = SqliteOptions::default().integrity_check(IntegrityCheck::Full);
    let e = SqliteStore::open_with(&path, opts).unwrap_err();
    assert!(
        message(&e).contains("is damaged (PRAGMA integrity_check: "),
        "{e}"
    );
}

#[test]
fn a_good_file_passes_the_check_on_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = good_store(dir.path(), "good.sqlite", 300);
    for check in [
        IntegrityCheck::Quick,
        IntegrityCheck::Full,
        IntegrityCheck::Skip,
    ] {
        let opts = SqliteOptions::default().integrity_check(check);
        assert_eq!(
            SqliteStore::open_with(&path, opts).unwrap().head().unwrap(),
            300
        );
    }
}
