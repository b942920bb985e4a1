//! `docs/json.md` is the reference of the JSON every binding speaks: every example in it
//! parses into the type its section names and reads back the same, and every variant of
//! `Command` and `Query` has an example.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;

use salespipe::analytics::{ForecastMethod, GroupBy, Mode, Probabilities, Window};
use salespipe::management::target::Period;
use salespipe::{Command, Money, Query, Timestamp};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

/// One ```json block: the `##` section and the `###` heading it is under, its text.
struct Example {
    section: String,
    heading: String,
    line: usize,
    json: String,
}

fn examples(text: &str) -> Vec<Example> {
    let (mut section, mut heading) = (String::new(), String::new());
    let mut out = Vec::new();
    let mut block: Option<(usize, String)> = None;
    for (i, line) in text.lines().enumerate() {
        if let Some((start, body)) = &mut block {
            if line.trim_end() == "```" {
                out.push(Example {
                    section: section.clone(),
                    heading: heading.clone(),
                    line: *start,
                    json: std::mem::take(body),
                });
                block = None;
            } else {
                body.push_str(line);
                body.push('\n');
            }
        } else if let Some(h) = line.strip_prefix("### ") {
            heading = h.trim().trim_matches('`').to_owned();
        } else if let Some(s) = line.strip_prefix("## ") {
            section = s.trim().to_owned();
            heading.clear();
        } else if line.trim_end() == "```json" {
            block = Some((i + 1, String::new()));
        }
    }
    assert!(block.is_none(), "an unclosed ```json block");
    out
}

/// Parses `e` as a `T`, checks that it serialises and parses back to the same value, and
/// returns its JSON as written.
fn check<T: DeserializeOwned + Serialize + PartialEq + std::fmt::Debug>(e: &Example) -> Value {
    let where_ = format!("docs/json.md:{} ({})", e.line, e.heading);
    let raw: Value =
        serde_json::from_str(&e.json).unwrap_or_else(|err| panic!("{where_}: not JSON: {err}"));
    let v: T = serde_json::from_value(raw.clone())
        .unwrap_or_else(|err| panic!("{where_}: does not parse: {err}"));
    let back: T = serde_json::from_value(serde_json::to_value(&v).unwrap())
        .unwrap_or_else(|err| panic!("{where_}: its serialisation does not parse: {err}"));
    assert_eq!(back, v, "{where_}: does not read back the same");
    raw
}

/// Every `type` tag of an internally tagged enum, from serde's refusal of an unknown one
/// ("unknown variant `…`, expected one of `a`, `b`, …"): a new variant is listed here without
/// anyone listing it by hand.
fn tags<T: DeserializeOwned + std::fmt::Debug>() -> BTreeSet<String> {
    let err = serde_json::from_str::<T>(r#"{"type": "no such variant"}"#).unwrap_err();
    let msg = err.to_string();
    let list = msg
        .split_once("expected one of ")
        .unwrap_or_else(|| panic!("serde's message changed: {msg}"))
        .1;
    let tags: BTreeSet<String> = list
        .split(", ")
        .map(|t| t.trim_matches(|c: char| c == '`' || !c.is_ascii() || c == ' '))
        .map(|t| t.split('`').next().unwrap_or(t).to_owned())
        .collect();
    assert!(tags.len() > 10, "{msg}");
    tags
}

#[test]
fn every_example_parses_and_every_variant_has_one() {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/json.md")).unwrap();
    let mut commands = BTreeSet::new();
    let mut queries = BTreeSet::new();
    let mut values = BTreeSet::new();
    let all = examples(&text);
    for e in &all {
        match e.section.as_str() {
            "Commands" | "Queries" => {
                let raw = if e.section == "Commands" {
                    check::<Command>(e)
                } else {
                    check::<Query>(e)
                };
                let tag = raw["type"].as_str().unwrap().to_owned();
                assert_eq!(
                    tag, e.heading,
                    "docs/json.md:{}: under another heading",
                    e.line
                );
                if e.section == "Commands" {
                    commands.insert(tag);
                } else {
                    queries.insert(tag);
                }
            }
            "Values" => {
                match e.heading.as_str() {
                    "Instant" => drop(check::<Timestamp>(e)),
                    "Date" => drop(check::<chrono::NaiveDate>(e)),
                    "Money" => drop(check::<Money>(e)),
                    "Period" => drop(check::<Period>(e)),
                    "Window" => drop(check::<Window>(e)),
                    "Mode" => drop(check::<Mode>(e)),
                    "GroupBy" => drop(check::<GroupBy>(e)),
                    "Probabilities" => drop(check::<Probabilities>(e)),
                    "ForecastMethod" => drop(check::<ForecastMethod>(e)),
                    other => panic!("docs/json.md:{}: no type is named {other:?}", e.line),
                }
                values.insert(e.heading.clone());
            }
            other => panic!("docs/json.md:{}: an example in section {other:?}", e.line),
        }
    }
    assert_eq!(
        commands,
        tags::<Command>(),
        "commands documented vs Command"
    );
    assert_eq!(queries, tags::<Query>(), "queries documented vs Query");
    assert_eq!(values.len(), 9, "{values:?}");
}

#[test]
fn the_variant_list_comes_from_the_enums() {
    let c = tags::<Command>();
    assert!(c.contains("define_pipeline") && c.contains("take_forecast_snapshot"));
    let q = tags::<Query>();
    assert!(q.contains("pipeline") && q.contains("events") && q.contains("attainment"));
}
