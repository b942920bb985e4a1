//! Replays every scenario in `tests/scenarios/`.

#[test]
fn every_scenario_passes() {
    let files = salespipe_conformance::scenario_files();
    assert!(
        files.len() >= 7,
        "expected the scenario suite, found {files:?}"
    );
    let mut failures = Vec::new();
    for f in &files {
        match salespipe_conformance::load(f).and_then(|s| salespipe_conformance::run(&s)) {
            Ok(()) => {}
            Err(e) => failures.push(e),
        }
    }
    assert!(
        failures.is_empty(),
        "{} scenario(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn subset_match_is_strict_where_it_matters() {
    use serde_json::json;
    let m = salespipe_conformance::subset_match;
    assert!(m(&json!({"a": 1}), &json!({"a": 1, "b": 2}), "$").is_ok());
    assert!(m(&json!({"a": 1}), &json!({"a": 2}), "$").is_err());
    assert!(m(&json!([1]), &json!([1, 2]), "$").is_err());
    assert!(m(&json!({"a": null}), &json!({}), "$").is_ok());
    assert!(m(&json!({"a": 1.0}), &json!({"a": 1}), "$").is_ok());
}
