//! What the PostgreSQL integration tests share: the server (from `SALESPIPE_PG_URL`, started by
//! `scripts/test-postgres`), fresh schemas, raw connections.
#![allow(dead_code, clippy::unwrap_used, clippy::print_stdout)]

use std::sync::atomic::{AtomicU32, Ordering};

pub use postgres::{Client, Config, NoTls};
use salespipe::store::{PostgresOptions, PostgresStore};

/// The server's URL, or `None` (after saying so) when the test must skip: without
/// `SALESPIPE_PG_URL`. With `SALESPIPE_PG_REQUIRED=1` (set by `scripts/test-postgres`) a
/// missing server fails the test.
pub fn server() -> Option<String> {
    match std::env::var("SALESPIPE_PG_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if required() => {
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

/// True when `scripts/test-postgres` runs the tests: a missing server is a failure then.
fn required() -> bool {
    std::env::var("SALESPIPE_PG_REQUIRED").is_ok_and(|v| v == "1")
}

/// The command prefix that runs `pg_ctl` on the test cluster (set by `scripts/test-postgres`),
/// or `None` when the server is not ours to restart (fails under `CI=true` with
/// `SALESPIPE_PG_REQUIRED=1`: CI's server is always the script's own).
pub fn pg_ctl() -> Option<Vec<String>> {
    match std::env::var("SALESPIPE_PG_CTL") {
        Ok(cmd) if !cmd.trim().is_empty() => {
            Some(cmd.split_whitespace().map(str::to_owned).collect())
        }
        _ if required() && std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("SALESPIPE_PG_CTL is not set under CI=true: the restart test must run")
        }
        _ => {
            println!("skipped: SALESPIPE_PG_CTL is not set (the server is not ours to restart)");
            None
        }
    }
}

/// A schema name no other test (of any process or run) uses.
pub fn fresh_schema(tag: &str) -> String {
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

pub fn open(url: &str, schema: &str) -> PostgresStore {
    PostgresStore::open_with(url, PostgresOptions::default().schema(schema)).unwrap()
}

pub fn raw(url: &str) -> Client {
    url.parse::<Config>().unwrap().connect(NoTls).unwrap()
}

pub fn drop_schema(url: &str, schema: &str) {
    raw(url)
        .batch_execute(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"))
        .unwrap();
}

/// Drops the schema when the test ends, passed or failed.
pub struct Cleanup {
    pub url: String,
    pub schema: String,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        if let Ok(mut c) = self
            .url
            .parse::<Config>()
            .and_then(|config| config.connect(NoTls))
        {
            let _ = c.batch_execute(&format!(
                "DROP SCHEMA IF EXISTS \"{}\" CASCADE",
                self.schema
            ));
        }
    }
}

/// A small deterministic generator (xorshift64*), seeded per process and run.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}
