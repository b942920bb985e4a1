//! The Rust runner of the conformance scenarios in `tests/scenarios/*.json`.
//!
//! The format is documented in `tests/scenarios/README.md`. Every binding replays the same
//! files through its own public API; this runner is the reference.

use std::path::{Path, PathBuf};

use salespipe::{Command, Engine, ManualClock, Query, Reader, Timestamp};
use serde::Deserialize;
use serde_json::Value;

/// A scenario file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Short name.
    pub name: String,
    /// What it shows.
    #[serde(default)]
    pub description: String,
    /// The clock's time before the first step.
    pub start: Timestamp,
    /// The steps, in order.
    pub steps: Vec<Step>,
}

/// One step: a command (maybe expected to fail) or a query with its expected result.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// Sets the clock before the step.
    #[serde(default)]
    pub at: Option<Timestamp>,
    /// Who runs the command.
    #[serde(default)]
    pub actor: Option<String>,
    /// The command (the JSON form of [`salespipe::Command`]).
    #[serde(default)]
    pub command: Option<Value>,
    /// The error code the command must fail with.
    #[serde(default)]
    pub expect_error: Option<String>,
    /// A query (`{"type": "opportunity", "id": ...}` ...).
    #[serde(default)]
    pub query: Option<Value>,
    /// The expected query result (subset match: see the README).
    #[serde(default)]
    pub expect: Option<Value>,
}

/// Every scenario file, sorted by name.
pub fn scenario_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|e| e == "json"));
    files.sort();
    files
}

/// True when `actual` contains `expected`: objects match key by key (extra keys in `actual`
/// are ignored), arrays element by element with equal lengths, numbers by value, anything
/// else by equality.
pub fn subset_match(expected: &Value, actual: &Value, path: &str) -> Result<(), String> {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for (k, ev) in e {
                let av = a.get(k).unwrap_or(&Value::Null);
                subset_match(ev, av, &format!("{path}.{k}"))?;
            }
            Ok(())
        }
        (Value::Array(e), Value::Array(a)) => {
            if e.len() != a.len() {
                return Err(format!(
                    "{path}: expected {} items, got {}: {actual}",
                    e.len(),
                    a.len()
                ));
            }
            for (i, (ev, av)) in e.iter().zip(a).enumerate() {
                subset_match(ev, av, &format!("{path}[{i}]"))?;
            }
            Ok(())
        }
        (Value::Number(e), Value::Number(a)) if e.as_f64() == a.as_f64() => Ok(()),
        (e, a) if e == a => Ok(()),
        (e, a) => Err(format!("{path}: expected {e}, got {a}")),
    }
}

/// Answers a query (the JSON form of [`salespipe::Query`]) as `actor`, else as the host,
/// as JSON. Errors become `{"error": code}`.
pub fn query(engine: &Engine, actor: Option<&str>, q: &Value) -> Result<Value, String> {
    let q: Query = serde_json::from_value(q.clone()).map_err(|e| format!("bad query: {e}"))?;
    let reader = actor.map_or(Reader::Host, Reader::from);
    match engine.query(reader, q) {
        Ok(answer) => serde_json::to_value(&answer).map_err(|e| e.to_string()),
        Err(e) => Ok(serde_json::json!({ "error": e.code().as_str() })),
    }
}

/// Replays one scenario; the error names the failing step.
pub fn run(scenario: &Scenario) -> Result<(), String> {
    let clock = ManualClock::new(scenario.start);
    let mut engine = Engine::builder()
        .clock(clock.clone())
        .build()
        .map_err(|e| e.to_string())?;
    for (i, step) in scenario.steps.iter().enumerate() {
        let fail = |m: String| format!("{}: steps[{i}]: {m}", scenario.name);
        if let Some(at) = step.at {
            clock.set(at);
        }
        if let Some(cmd) = &step.command {
            let command: Command = serde_json::from_value(cmd.clone())
                .map_err(|e| fail(format!("bad command: {e}")))?;
            let actor = step
                .actor
                .clone()
                .ok_or_else(|| fail("a command needs an actor".into()))?;
            let head = engine.store().head().map_err(|e| fail(e.to_string()))?;
            let result = engine.execute(actor.as_str(), command);
            // A refused command writes nothing.
            if result.is_err() && engine.store().head().ok() != Some(head) {
                return Err(fail("a refused command wrote to the store".into()));
            }
            match (result, &step.expect_error) {
                (Ok(_), None) => {}
                (Ok(_), Some(code)) => {
                    return Err(fail(format!(
                        "expected error {code}, the command succeeded"
                    )))
                }
                (Err(e), None) => return Err(fail(format!("unexpected error {}: {e}", e.code()))),
                (Err(e), Some(code)) if e.code().as_str() == code => {}
                (Err(e), Some(code)) => {
                    return Err(fail(format!(
                        "expected error {code}, got {}: {e}",
                        e.code()
                    )))
                }
            }
        }
        if let Some(q) = &step.query {
            // A query is asked by the step's actor, else by the host.
            let actual = query(&engine, step.actor.as_deref(), q).map_err(fail)?;
            let expected = step
                .expect
                .as_ref()
                .ok_or_else(|| fail("a query needs \"expect\"".into()))?;
            subset_match(expected, &actual, "$").map_err(fail)?;
        }
        if step.command.is_none() && step.query.is_none() && step.at.is_none() {
            return Err(fail("a step needs a command, a query or a time".into()));
        }
    }
    Ok(())
}

/// Loads a scenario file.
pub fn load(path: &Path) -> Result<Scenario, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}
