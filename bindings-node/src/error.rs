//! Core errors → native errors that `index.js` rethrows as `SalespipeError` subclasses.
//!
//! A native error's `code` is the core's [`ErrorCode::as_str`] (napi's custom status) and its
//! message is the JSON `{"code", "message", "details"}`: `details` is the core's own
//! serialisation of the error without `code` (so `GateNotMet` carries its report), and a
//! field the core adds reaches JavaScript without a change here. Errors of the async tasks
//! carry the same JSON (napi's `Task` fixes their status), which is why `index.js` reads the
//! code from the message. A Rust panic never crosses into JavaScript: [`guard`] turns it into
//! an error of code `internal`.
//!
//! [`ErrorCode::as_str`]: salespipe::ErrorCode::as_str

use std::panic::{catch_unwind, AssertUnwindSafe};

use salespipe::Error;
use serde_json::{json, Map, Value};

/// The code of a panic caught at the boundary (a bug in salespipe; nothing was written if it
/// happened before the store's append).
pub const INTERNAL: &str = "internal";

/// The result of a native call: an error's status is the salespipe code.
pub type JsResult<T> = napi::Result<T, String>;

/// The structured fields of an error: its JSON without `code`.
pub fn details(e: &Error) -> Value {
    match serde_json::to_value(e) {
        Ok(Value::Object(mut fields)) => {
            fields.remove("code");
            Value::Object(fields)
        }
        _ => Value::Object(Map::new()),
    }
}

/// The message `index.js` decodes: `{"code", "message", "details"}`.
pub fn encode(code: &str, message: &str, details: Value) -> String {
    json!({"code": code, "message": message, "details": details}).to_string()
}

/// A core error as a native error whose status is its code.
pub fn to_js(e: &Error) -> napi::Error<String> {
    let code = e.code().as_str();
    napi::Error::new(code.to_owned(), encode(code, &e.to_string(), details(e)))
}

/// A core error as a native error of napi's own status (for the async tasks).
pub fn to_task_error(e: &Error) -> napi::Error {
    napi::Error::new(
        napi::Status::GenericFailure,
        encode(e.code().as_str(), &e.to_string(), details(e)),
    )
}

/// The message of a panic payload.
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned())
}

/// Runs `f`, turning a core error or a panic into the error JavaScript sees.
pub fn guard<T>(f: impl FnOnce() -> salespipe::Result<T>) -> JsResult<T> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(result) => result.map_err(|e| to_js(&e)),
        Err(payload) => {
            let message = format!("internal error: {}", panic_message(&*payload));
            Err(napi::Error::new(
                INTERNAL.to_owned(),
                encode(INTERNAL, &message, json!({ "message": message })),
            ))
        }
    }
}

/// [`guard`] for the async tasks (napi's `Task` has napi's own error type).
pub fn guard_task<T>(f: impl FnOnce() -> salespipe::Result<T>) -> napi::Result<T> {
    guard(f).map_err(|e| napi::Error::new(napi::Status::GenericFailure, e.reason))
}

/// Test hook, not part of the API: panics with `message` inside [`guard`], so the Node tests
/// see a real Rust panic reach JavaScript as an `InternalError` (`index.js` exports it as
/// `_testHooks.panic`). The panic is printed to stderr by Rust's panic hook, as any would be.
#[napi(js_name = "_testPanic", skip_typescript)]
pub fn test_panic(message: String) -> napi::Result<(), String> {
    guard(|| panic!("{message}"))
}

/// [`test_panic`] on libuv's thread pool (a panic inside an `AsyncTask`).
#[derive(Debug)]
pub struct PanicTask(String);

impl napi::Task for PanicTask {
    type Output = ();
    type JsValue = ();

    fn compute(&mut self) -> napi::Result<()> {
        let message = std::mem::take(&mut self.0);
        guard_task(|| panic!("{message}"))
    }

    fn resolve(&mut self, _env: napi::Env, _output: ()) -> napi::Result<()> {
        Ok(())
    }
}

/// Test hook, not part of the API: [`test_panic`] inside an `AsyncTask` (`index.js` exports
/// it as `_testHooks.panicAsync`).
#[napi(js_name = "_testPanicAsync", skip_typescript)]
pub fn test_panic_async(message: String) -> napi::bindgen_prelude::AsyncTask<PanicTask> {
    napi::bindgen_prelude::AsyncTask::new(PanicTask(message))
}

/// Test hook, not part of the API: throws a sample core error of `code` (every code of the
/// core, also those only a durable store or a race produces: `conflict`,
/// `unsupported_version`), through the same mapping as every call (`index.js` exports it as
/// `_testHooks.sampleError`). An unknown code is a validation error on `code`.
#[napi(js_name = "_sampleError", skip_typescript)]
pub fn sample_error(code: String) -> napi::Result<(), String> {
    guard(|| {
        let code: salespipe::ErrorCode = code.parse()?;
        Err(match code {
            salespipe::ErrorCode::Conflict => Error::Conflict {
                stream: "opportunity/opp-1".into(),
                expected: 3,
                actual: 4,
            },
            salespipe::ErrorCode::UnsupportedVersion => Error::UnsupportedVersion {
                what: "event".into(),
                found: 9,
                supported: 1,
            },
            salespipe::ErrorCode::Storage => Error::storage("disk full"),
            salespipe::ErrorCode::Money => Error::money("overflow"),
            salespipe::ErrorCode::ApprovalPending => Error::ApprovalPending {
                request: "q-1".into(),
                message: "waiting".into(),
            },
            salespipe::ErrorCode::InvalidTransition => Error::transition("closed"),
            salespipe::ErrorCode::NotFound => Error::not_found("opportunity", "x"),
            salespipe::ErrorCode::AlreadyExists => Error::already_exists("opportunity", "x"),
            salespipe::ErrorCode::InvalidDefinition => Error::InvalidDefinition {
                problems: vec![salespipe::Problem::new("stages", "empty")],
            },
            salespipe::ErrorCode::PermissionDenied => Error::denied("wang", "configure"),
            salespipe::ErrorCode::GateNotMet => Error::GateNotMet {
                report: Box::new(salespipe::GateReport {
                    opportunity: "opp-1".into(),
                    from: "qualify".into(),
                    target: "demo".into(),
                    items: Vec::new(),
                }),
            },
            _ => Error::validation("code", code.as_str()),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_core_error_carries_its_code_and_fields() {
        let e = to_js(&Error::not_found("opportunity", "opp-9"));
        assert_eq!(e.status, "not_found");
        let v: Value = serde_json::from_str(&e.reason).unwrap_or_default();
        assert_eq!(v["code"], "not_found");
        assert_eq!(v["message"], "opportunity opp-9 not found");
        assert_eq!(
            v["details"],
            json!({"kind": "opportunity", "id": "opp-9", "field": null})
        );
        let t = to_task_error(&Error::validation("at", "bad"));
        let v: Value = serde_json::from_str(&t.reason).unwrap_or_default();
        assert_eq!(v["code"], "validation");
    }

    #[test]
    fn a_panic_becomes_an_internal_error() {
        let r: JsResult<()> = guard(|| panic!("boom"));
        let e = r.err().map(|e| (e.status.clone(), e.reason));
        let (status, reason) = e.unwrap_or_default();
        assert_eq!(status, INTERNAL);
        assert!(reason.contains("boom"), "{reason}");
    }
}
