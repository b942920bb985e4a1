//! Core errors → [`SalespipeError`], the one error foreign code sees.
//!
//! One variant per core [`ErrorCode`], each carrying the core's message (`detail`) and the
//! fields that matter to a caller (the [`GateReport`](crate::types::GateReport) of
//! `GateNotMet`, the field of `Validation`, the ids of `NotFound`...), plus `Internal` for a
//! panic caught at the boundary. Kotlin sees `SalespipeException.GateNotMet` and its siblings
//! (subclasses of one sealed `SalespipeException`), Swift a thrown `SalespipeError` enum.
//!
//! [`ErrorCode`]: salespipe::ErrorCode

use std::panic::{catch_unwind, AssertUnwindSafe};

use salespipe::{Error, ErrorCode};

use crate::types::{GateReport, Problem};

/// The result of an exported call.
pub type Result<T, E = SalespipeError> = std::result::Result<T, E>;

/// Every error of salespipe, one variant per stable code of the core (`code()` is that
/// code's snake_case text, the one the conformance scenarios assert on).
#[derive(Debug, thiserror::Error, uniffi::Error)]
#[uniffi::export(Display)]
pub enum SalespipeError {
    /// A stage's exit requirements are not all met: `report` says, stage by stage, what is
    /// met and what is missing.
    #[error("{detail}")]
    GateNotMet {
        /// The core's message.
        detail: String,
        /// What is met and what is missing.
        report: Box<GateReport>,
    },
    /// An approval request is still pending.
    #[error("{detail}")]
    ApprovalPending {
        /// The core's message.
        detail: String,
        /// The request.
        request: String,
    },
    /// The move is not allowed from where the opportunity stands.
    #[error("{detail}")]
    InvalidTransition {
        /// The core's message.
        detail: String,
    },
    /// Something named does not exist.
    #[error("{detail}")]
    NotFound {
        /// The core's message.
        detail: String,
        /// What kind of thing (`opportunity`, `stage` ...).
        kind: String,
        /// Its id.
        id: String,
    },
    /// An id is already taken.
    #[error("{detail}")]
    AlreadyExists {
        /// The core's message.
        detail: String,
        /// What kind of thing.
        kind: String,
        /// Its id.
        id: String,
    },
    /// Another writer changed the stream first (optimistic concurrency): retry.
    #[error("{detail}")]
    Conflict {
        /// The core's message.
        detail: String,
        /// The stream.
        stream: String,
        /// The version the command expected.
        expected: u64,
        /// The version found.
        actual: u64,
    },
    /// A pipeline or process definition is invalid.
    #[error("{detail}")]
    InvalidDefinition {
        /// The core's message.
        detail: String,
        /// Every problem, with its path.
        problems: Vec<Problem>,
    },
    /// Bad input: `field` names it.
    #[error("{detail}")]
    Validation {
        /// The core's message.
        detail: String,
        /// The field at fault.
        field: String,
    },
    /// Money that does not add up (mixed currencies, overflow, a bad amount).
    #[error("{detail}")]
    Money {
        /// The core's message.
        detail: String,
    },
    /// The policy refuses the actor this action.
    #[error("{detail}")]
    PermissionDenied {
        /// The core's message.
        detail: String,
        /// Who.
        actor: String,
        /// What they may not do.
        action: String,
    },
    /// Stored data of a newer schema than this build reads.
    #[error("{detail}")]
    UnsupportedVersion {
        /// The core's message.
        detail: String,
    },
    /// The store failed (I/O, SQLite, a poisoned lock).
    #[error("{detail}")]
    Storage {
        /// The core's message.
        detail: String,
    },
    /// A bug in salespipe caught at the boundary (a panic), or a value this binding does
    /// not know yet; nothing was written if it happened before the store's append.
    #[error("{detail}")]
    Internal {
        /// What happened.
        detail: String,
    },
}

#[uniffi::export]
impl SalespipeError {
    /// The code: the core's [`ErrorCode::as_str`] (`gate_not_met`, `validation` ...), or
    /// `internal` (Kotlin `e.code()`, Swift `e.code()`).
    pub fn code(&self) -> String {
        self.code_str().to_owned()
    }
}

impl SalespipeError {
    /// [`SalespipeError::code`] without the allocation.
    pub fn code_str(&self) -> &'static str {
        match self {
            SalespipeError::GateNotMet { .. } => ErrorCode::GateNotMet.as_str(),
            SalespipeError::ApprovalPending { .. } => ErrorCode::ApprovalPending.as_str(),
            SalespipeError::InvalidTransition { .. } => ErrorCode::InvalidTransition.as_str(),
            SalespipeError::NotFound { .. } => ErrorCode::NotFound.as_str(),
            SalespipeError::AlreadyExists { .. } => ErrorCode::AlreadyExists.as_str(),
            SalespipeError::Conflict { .. } => ErrorCode::Conflict.as_str(),
            SalespipeError::InvalidDefinition { .. } => ErrorCode::InvalidDefinition.as_str(),
            SalespipeError::Validation { .. } => ErrorCode::Validation.as_str(),
            SalespipeError::Money { .. } => ErrorCode::Money.as_str(),
            SalespipeError::PermissionDenied { .. } => ErrorCode::PermissionDenied.as_str(),
            SalespipeError::UnsupportedVersion { .. } => ErrorCode::UnsupportedVersion.as_str(),
            SalespipeError::Storage { .. } => ErrorCode::Storage.as_str(),
            SalespipeError::Internal { .. } => INTERNAL,
        }
    }

    /// An internal error (a bug, or a core value this binding does not know).
    pub fn internal(detail: impl Into<String>) -> Self {
        SalespipeError::Internal {
            detail: detail.into(),
        }
    }
}

/// The code of a panic caught at the boundary.
pub const INTERNAL: &str = "internal";

impl From<Error> for SalespipeError {
    fn from(e: Error) -> Self {
        let detail = e.to_string();
        match e {
            Error::GateNotMet { report } => SalespipeError::GateNotMet {
                detail,
                report: Box::new(GateReport::from(*report)),
            },
            Error::ApprovalPending { request, .. } => {
                SalespipeError::ApprovalPending { detail, request }
            }
            Error::InvalidTransition { .. } => SalespipeError::InvalidTransition { detail },
            Error::NotFound { kind, id, .. } => SalespipeError::NotFound {
                detail,
                kind: kind.to_owned(),
                id,
            },
            Error::AlreadyExists { kind, id } => SalespipeError::AlreadyExists {
                detail,
                kind: kind.to_owned(),
                id,
            },
            Error::Conflict {
                stream,
                expected,
                actual,
            } => SalespipeError::Conflict {
                detail,
                stream,
                expected,
                actual,
            },
            Error::InvalidDefinition { problems } => SalespipeError::InvalidDefinition {
                detail,
                problems: problems.into_iter().map(Problem::from).collect(),
            },
            Error::Validation { field, .. } => SalespipeError::Validation { detail, field },
            Error::Money { .. } => SalespipeError::Money { detail },
            Error::PermissionDenied { actor, action } => SalespipeError::PermissionDenied {
                detail,
                actor,
                action,
            },
            Error::UnsupportedVersion { .. } => SalespipeError::UnsupportedVersion { detail },
            Error::Storage { .. } => SalespipeError::Storage { detail },
            // `Error` is non-exhaustive: a variant newer than this binding keeps its code in
            // the message.
            other => SalespipeError::internal(format!(
                "{} ({}: this binding does not know the code yet)",
                detail,
                other.code().as_str()
            )),
        }
    }
}

/// The message of a panic payload.
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned())
}

/// Runs `f`, turning a panic into [`SalespipeError::Internal`]: no panic crosses the FFI.
pub fn guard<T>(f: impl FnOnce() -> Result<T>) -> Result<T> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(result) => result,
        Err(payload) => Err(SalespipeError::internal(format!(
            "internal error: {}",
            panic_message(&*payload)
        ))),
    }
}

/// Throws a sample error of `code` (`gate_not_met` … `storage`, or `internal`: a panic caught
/// at the boundary). For the bindings' own tests: every error class crosses the FFI with its
/// fields, also the ones no single engine can provoke on demand (`conflict`,
/// `unsupported_version`). An unknown code is a `Validation` error on `code`.
#[uniffi::export]
pub fn sample_error(code: String) -> Result<()> {
    guard(|| {
        let e = match code.as_str() {
            "gate_not_met" => Error::GateNotMet {
                report: Box::new(salespipe::GateReport {
                    opportunity: "opp-1".into(),
                    from: "qualify".into(),
                    target: "demo".into(),
                    items: vec![salespipe::GateItem {
                        stage: "qualify".into(),
                        stage_name: "识别潜在客户".into(),
                        requirement: salespipe::Requirement::checklist("budget confirmed"),
                        met: false,
                        reason: "\"budget confirmed\" not ticked".into(),
                    }],
                }),
            },
            "approval_pending" => Error::ApprovalPending {
                request: "r-1".into(),
                message: "step 1 of 2 waits on li".into(),
            },
            "invalid_transition" => Error::InvalidTransition {
                message: "opp-1 is won".into(),
            },
            "not_found" => Error::not_found("opportunity", "opp-9"),
            "already_exists" => Error::AlreadyExists {
                kind: "customer",
                id: "acme".into(),
            },
            "conflict" => Error::Conflict {
                stream: "opportunity/opp-1".into(),
                expected: 3,
                actual: 4,
            },
            "invalid_definition" => Error::InvalidDefinition {
                problems: vec![salespipe::Problem::new("stages[1].id", "duplicate stage a")],
            },
            "validation" => Error::validation("amount", "\"12,00\" is not a decimal amount"),
            "money" => Error::Money {
                message: "cannot add USD to CNY".into(),
            },
            "permission_denied" => Error::PermissionDenied {
                actor: "wang".into(),
                action: "define a pipeline".into(),
            },
            "unsupported_version" => Error::UnsupportedVersion {
                what: "event 7".into(),
                found: 9,
                supported: 1,
            },
            "storage" => Error::storage("disk full"),
            INTERNAL => panic!("a sample panic"),
            other => Error::validation("code", format!("{other:?} is not an error code")),
        };
        Err(e.into())
    })
}
