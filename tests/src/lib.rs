//! The Rust runner of the conformance scenarios in `tests/scenarios/*.json`.
//!
//! The format is documented in `tests/scenarios/README.md`. Every binding replays the same
//! files through its own public API; this runner is the reference.

use std::path::{Path, PathBuf};

use salespipe::{Command, Engine, ManualClock, StageId, Timestamp};
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

fn str_field<'a>(q: &'a Value, key: &str) -> Result<&'a str, String> {
    q.get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("query needs a string \"{key}\": {q}"))
}

fn time_field(q: &Value, key: &str) -> Result<Timestamp, String> {
    str_field(q, key)?.parse().map_err(|e| format!("{e}"))
}

fn to_json<T: serde::Serialize>(v: &T) -> Result<Value, String> {
    serde_json::to_value(v).map_err(|e| e.to_string())
}

/// Answers a query as JSON. Errors become `{"error": code}`.
pub fn query(engine: &Engine, q: &Value) -> Result<Value, String> {
    let kind = str_field(q, "type")?;
    let result = match kind {
        "opportunity" => engine.opportunity(&str_field(q, "id")?.into()).map(to_json),
        "opportunity_as_of" => {
            let at: Timestamp = str_field(q, "at")?.parse().map_err(|e| format!("{e}"))?;
            engine
                .opportunity_as_of(&str_field(q, "id")?.into(), at)
                .map(|o| to_json(&o))
        }
        "timeline" => engine
            .timeline(&str_field(q, "id")?.into())
            .map(|t| to_json(&t)),
        "gate" => engine
            .check(
                &str_field(q, "id")?.into(),
                &StageId::new(str_field(q, "target")?),
            )
            .map(|r| to_json(&r)),
        "pipeline" => engine.pipeline(&str_field(q, "id")?.into()).map(to_json),
        "open_tasks" => {
            let owner = q
                .get("owner")
                .and_then(Value::as_str)
                .map(salespipe::ActorId::from);
            Ok(to_json(&engine.open_tasks(owner.as_ref())))
        }
        "activities" => Ok(to_json(
            &engine.activities_for_opportunity(&str_field(q, "opportunity")?.into()),
        )),
        "customer" => engine.customer(&str_field(q, "id")?.into()).map(to_json),
        "due" => {
            let at = time_field(q, "at")?;
            let due = match q.get("recipient").and_then(Value::as_str) {
                Some(r) => {
                    let limit = q.get("limit").and_then(Value::as_u64).unwrap_or(100);
                    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
                    engine.due_for(&r.into(), at, limit)
                }
                None => engine.due(at),
            };
            Ok(to_json(&due))
        }
        "upcoming" => {
            let at = time_field(q, "at")?;
            let until = time_field(q, "until")?;
            let ms = u64::try_from(until.as_millis() - at.as_millis()).unwrap_or(0);
            Ok(to_json(
                &engine.upcoming(at, std::time::Duration::from_millis(ms)),
            ))
        }
        "next_due_after" => Ok(to_json(&engine.next_due_after(time_field(q, "at")?))),
        "reminder" => engine.reminder(&str_field(q, "id")?.into()).map(to_json),
        "daily_report" => {
            let day =
                salespipe::parse_date("day", str_field(q, "day")?).map_err(|e| e.to_string())?;
            engine
                .daily_report(&str_field(q, "rep")?.into(), day, time_field(q, "as_of")?)
                .map(|r| to_json(&r))
        }
        "daily_team_report" => {
            let day =
                salespipe::parse_date("day", str_field(q, "day")?).map_err(|e| e.to_string())?;
            engine
                .daily_team_report(
                    &str_field(q, "manager")?.into(),
                    day,
                    time_field(q, "as_of")?,
                )
                .map(|r| to_json(&r))
        }
        "attainment" => {
            let query: salespipe::management::target::AttainmentQuery =
                serde_json::from_value(q.clone()).map_err(|e| format!("attainment query: {e}"))?;
            engine.attainment(&query).map(|r| to_json(&r))
        }
        "targets" => Ok(to_json(&engine.targets())),
        "competitor_report" => {
            let opt = |key: &str| q.get(key).map(|_| time_field(q, key)).transpose();
            let params = salespipe::CompetitorParams {
                as_of: opt("as_of")?,
                closed: salespipe::analytics::Window::new(opt("closed_from")?, opt("closed_to")?),
            };
            engine.competitor_report_with(&params).map(|r| to_json(&r))
        }
        "expense" => engine.expense(&str_field(q, "id")?.into()).map(to_json),
        "expense_report" => {
            let query: salespipe::management::expense::ExpenseQuery =
                serde_json::from_value(q.clone())
                    .map_err(|e| format!("expense_report query: {e}"))?;
            engine.expense_report(&query).map(|r| to_json(&r))
        }
        "source_report" => {
            let opt = |key: &str| q.get(key).map(|_| time_field(q, key)).transpose();
            engine
                .source_report(
                    &str_field(q, "pipeline")?.into(),
                    opt("as_of")?,
                    salespipe::analytics::Window::new(opt("window_from")?, opt("window_to")?),
                )
                .map(|r| to_json(&r))
        }
        "forecast_snapshots" => Ok(to_json(&engine.forecast_snapshots())),
        "forecast_snapshot" => engine
            .forecast_snapshot(&str_field(q, "id")?.into())
            .map(to_json),
        "forecast_accuracy" => {
            let as_of = q.get("as_of").map(|_| time_field(q, "as_of")).transpose()?;
            engine.forecast_accuracy(as_of).map(|r| to_json(&r))
        }
        other => return Err(format!("unknown query type {other:?}")),
    };
    match result {
        Ok(v) => v,
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
            let actual = query(&engine, q).map_err(fail)?;
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
