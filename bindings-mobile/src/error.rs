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
