//! The JSON of `update_opportunity`: an absent field stays, a clearable field given as `null`
//! is cleared, and the patch serialises back to the same JSON.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use salespipe::*;
use serde_json::{json, Value};

fn engine_with(store: Option<SqliteStore>) -> Engine {
    let clock = ManualClock::new(t("2026-03-02T01:00:00Z"));
    let mut e = match store {
        Some(s) => Engine::builder().store(s).clock(clock).build().unwrap(),
        None => Engine::with_clock(clock),
    };
    e.register_user("admin", User::new("admin", "Admin", Role::Admin))
        .unwrap();
    e.register_user("admin", User::new("wang", "王芳", Role::Rep))
        .unwrap();
    e.define_pipeline("admin", forecast_pipeline()).unwrap();
    e.create_customer("wang", Customer::new("acme", "Acme"))
        .unwrap();
    e.create_opportunity(
        "wang",
        NewOpportunity::new("o1", "sales", "acme", "wang", "Acme ERP", cny(10_000)),
    )
    .unwrap();
    e
}

/// Runs `update_opportunity` on o1 from the JSON of its patch.
fn patch(e: &mut Engine, patch: Value) -> Result<()> {
    let cmd: Command = serde_json::from_value(json!({
        "type": "update_opportunity", "opportunity": "o1", "patch": patch
    }))
    .unwrap();
    e.execute("wang", cmd).map(drop)
}

fn o1(e: &Engine) -> Opportunity {
    e.view().opportunity(&"o1".into()).unwrap().clone()
}

#[test]
fn expected_close_null_clears_it_and_absent_keeps_it() {
    let mut e = engine_with(None);
    patch(&mut e, json!({"expected_close": "2026-06-30"})).unwrap();
    assert_eq!(o1(&e).expected_close, Some("2026-06-30".parse().unwrap()));
    patch(&mut e, json!({"name": "Acme ERP, phase 1"})).unwrap();
    assert_eq!(o1(&e).expected_close, Some("2026-06-30".parse().unwrap()));
    patch(&mut e, json!({"expected_close": null})).unwrap();
    assert_eq!(o1(&e).expected_close, None);
    assert_eq!(o1(&e).name, "Acme ERP, phase 1");
}

#[test]
fn source_null_clears_it_and_absent_keeps_it() {
    let mut e = engine_with(None);
    patch(&mut e, json!({"source": "referral"})).unwrap();
    assert_eq!(o1(&e).source.as_deref(), Some("referral"));
    patch(&mut e, json!({"name": "Acme ERP, phase 1"})).unwrap();
    assert_eq!(o1(&e).source.as_deref(), Some("referral"));
    patch(&mut e, json!({"source": null})).unwrap();
    assert_eq!(o1(&e).source, None);
}

#[test]
fn forecast_category_null_returns_to_the_stages() {
    let mut e = engine_with(None);
    patch(&mut e, json!({"forecast_category": "commit"})).unwrap();
    assert_eq!(o1(&e).forecast_category, Some(ForecastCategory::Commit));
    patch(&mut e, json!({"name": "Acme ERP, phase 1"})).unwrap();
    assert_eq!(o1(&e).forecast_category, Some(ForecastCategory::Commit));
    patch(&mut e, json!({"forecast_category": null})).unwrap();
    assert_eq!(o1(&e).forecast_category, None);
}

#[test]
fn an_empty_patch_still_changes_nothing() {
    let mut e = engine_with(None);
    let err = patch(&mut e, json!({})).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Validation, "{err}");
}

#[test]
fn a_patch_serialises_null_for_clear_and_nothing_for_unchanged() {
    let clear = OpportunityPatch {
        expected_close: Some(None),
        source: Some(None),
        forecast_category: Some(None),
        ..Default::default()
    };
    let text = r#"{"expected_close":null,"source":null,"forecast_category":null}"#;
    assert_eq!(serde_json::to_string(&clear).unwrap(), text);
    assert_eq!(
        serde_json::from_str::<OpportunityPatch>(text).unwrap(),
        clear
    );
    let set = OpportunityPatch {
        expected_close: Some(Some("2026-06-30".parse().unwrap())),
        source: Some(Some("referral".into())),
        forecast_category: Some(Some(ForecastCategory::Commit)),
        ..Default::default()
    };
    let back: OpportunityPatch =
        serde_json::from_str(&serde_json::to_string(&set).unwrap()).unwrap();
    assert_eq!(back, set);
    assert_eq!(
        serde_json::to_string(&OpportunityPatch::default()).unwrap(),
        "{}"
    );
    assert_eq!(
        serde_json::from_str::<OpportunityPatch>("{}").unwrap(),
        OpportunityPatch::default()
    );
}

/// The stored event reads back as written: a SQLite store used to refuse a clearing patch
/// (its `null` read back as "unchanged"), and a replay now clears again.
#[test]
fn a_clearing_patch_is_stored_and_replayed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log.db");
    let mut e = engine_with(Some(SqliteStore::open(&path).unwrap()));
    patch(
        &mut e,
        json!({"expected_close": "2026-06-30", "source": "referral"}),
    )
    .unwrap();
    patch(&mut e, json!({"expected_close": null, "source": null})).unwrap();
    assert_eq!((o1(&e).expected_close, o1(&e).source), (None, None));
    drop(e);
    let replayed = Engine::builder()
        .store(SqliteStore::open(&path).unwrap())
        .build()
        .unwrap();
    let o = o1(&replayed);
    assert_eq!((o.expected_close, o.source), (None, None));
}
