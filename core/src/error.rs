//! The one error type of salespipe and its stable, machine-readable [`ErrorCode`].

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::gate::GateReport;

/// `Result` with salespipe's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// One problem found in a definition, with the path of the offending value
/// (`stages[2].probability: 1.3 is not in [0, 1]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// Where the problem is, e.g. `stages[2].probability`.
    pub path: String,
    /// What is wrong, lowercase, no trailing period.
    pub message: String,
}

impl Problem {
    /// A problem at `path`.
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Problem {
            path: path.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

fn join_problems(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// ` (field)` after a not-found message, when the id came from a field.
fn in_field(field: &Option<String>) -> String {
    field
        .as_ref()
        .map_or_else(String::new, |f| format!(" ({f})"))
}

/// Everything that can go wrong in salespipe. Every failing call changes nothing.
///
/// Serializes to JSON with its code and its structured fields, the form bindings pass on
/// (`{"code": "not_found", "kind": "opportunity", "id": "opp-9", "field": null}`). Every
/// variant always has the same keys: an absent optional field is `null`.
///
/// ```
/// use salespipe::{Error, ErrorCode};
/// let e = Error::not_found("opportunity", "opp-9");
/// assert_eq!(e.code(), ErrorCode::NotFound);
/// assert_eq!(e.to_string(), "opportunity opp-9 not found");
/// assert_eq!(
///     serde_json::to_string(&e).unwrap(),
///     r#"{"code":"not_found","kind":"opportunity","id":"opp-9","field":null}"#
/// );
/// let e = Error::not_found_at("user", "zhao", "owner");
/// assert_eq!(e.to_string(), "user zhao not found (owner)");
/// assert_eq!(
///     serde_json::to_string(&e).unwrap(),
///     r#"{"code":"not_found","kind":"user","id":"zhao","field":"owner"}"#
/// );
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Error {
    /// The exit requirements between the current stage and the target are not all met.
    #[error("cannot reach stage {}: {}", .report.target, .report.summary())]
    GateNotMet {
        /// What is met and what is missing, stage by stage.
        report: Box<GateReport>,
    },
    /// An approval request is still waiting for a decision.
    #[error("approval {request} is pending: {message}")]
    ApprovalPending {
        /// The pending request.
        request: String,
        /// What is waiting.
        message: String,
    },
    /// The move is not allowed from the current state (e.g. advancing a closed opportunity).
    #[error("invalid transition: {message}")]
    InvalidTransition {
        /// Why the move is refused.
        message: String,
    },
    /// An id names nothing.
    #[error("{kind} {id} not found{}", in_field(.field))]
    NotFound {
        /// What was looked for (`opportunity`, `customer`, `stage`, ...).
        kind: &'static str,
        /// The id given, as given.
        id: String,
        /// The input field that gave the id (`owner`, `expense.rep`, `targets[2].scope`),
        /// when the id came from a field of a larger input; `None` for a lookup by id.
        /// Serialized as `null` when absent.
        field: Option<String>,
    },
    /// An id is already taken.
    #[error("{kind} {id} already exists")]
    AlreadyExists {
        /// What kind of thing.
        kind: &'static str,
        /// The id given.
        id: String,
    },
    /// Optimistic concurrency: somebody else appended to the stream first.
    #[error("conflict on stream {stream}: expected version {expected}, found {actual}")]
    Conflict {
        /// The stream written.
        stream: String,
        /// The version the writer had read.
        expected: u64,
        /// The version in the store.
        actual: u64,
    },
    /// A pipeline or approval definition is invalid; every problem is listed.
    #[error("invalid definition: {}", join_problems(.problems))]
    InvalidDefinition {
        /// Every problem found, each with its path.
        problems: Vec<Problem>,
    },
    /// A command's input is invalid.
    #[error("{field}: {message}")]
    Validation {
        /// The offending field.
        field: String,
        /// What is wrong with it.
        message: String,
    },
    /// Money arithmetic would overflow, or mixes currencies.
    #[error("money: {message}")]
    Money {
        /// What went wrong.
        message: String,
    },
    /// The policy refuses the actor this action.
    #[error("{actor} may not {action}")]
    PermissionDenied {
        /// Who asked.
        actor: String,
        /// What they asked to do.
        action: String,
    },
    /// Stored data was written by a newer version of salespipe.
    #[error("unsupported version: {what} has version {found}, this build reads up to {supported}")]
    UnsupportedVersion {
        /// What carries the version (an event, a database schema).
        what: String,
        /// The version found.
        found: u64,
        /// The newest version this build reads.
        supported: u64,
    },
    /// The event store failed (I/O, corruption, a file that is not a salespipe store).
    #[error("storage: {message}")]
    Storage {
        /// What failed.
        message: String,
    },
}

/// The stable, machine-readable kind of an [`Error`]: what bindings and conformance
/// scenarios assert on.
///
/// ```
/// use salespipe::ErrorCode;
/// assert_eq!(ErrorCode::GateNotMet.as_str(), "gate_not_met");
/// assert_eq!("conflict".parse::<ErrorCode>().unwrap(), ErrorCode::Conflict);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorCode {
    /// [`Error::GateNotMet`]
    GateNotMet,
    /// [`Error::ApprovalPending`]
    ApprovalPending,
    /// [`Error::InvalidTransition`]
    InvalidTransition,
    /// [`Error::NotFound`]
    NotFound,
    /// [`Error::AlreadyExists`]
    AlreadyExists,
    /// [`Error::Conflict`]
    Conflict,
    /// [`Error::InvalidDefinition`]
    InvalidDefinition,
    /// [`Error::Validation`]
    Validation,
    /// [`Error::Money`]
    Money,
    /// [`Error::PermissionDenied`]
    PermissionDenied,
    /// [`Error::UnsupportedVersion`]
    UnsupportedVersion,
    /// [`Error::Storage`]
    Storage,
}

impl ErrorCode {
    /// Every code, in declaration order.
    pub const ALL: [ErrorCode; 12] = [
        ErrorCode::GateNotMet,
        ErrorCode::ApprovalPending,
        ErrorCode::InvalidTransition,
        ErrorCode::NotFound,
        ErrorCode::AlreadyExists,
        ErrorCode::Conflict,
        ErrorCode::InvalidDefinition,
        ErrorCode::Validation,
        ErrorCode::Money,
        ErrorCode::PermissionDenied,
        ErrorCode::UnsupportedVersion,
        ErrorCode::Storage,
    ];

    /// The snake_case name, stable across releases.
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorCode::GateNotMet => "gate_not_met",
            ErrorCode::ApprovalPending => "approval_pending",
            ErrorCode::InvalidTransition => "invalid_transition",
            ErrorCode::NotFound => "not_found",
            ErrorCode::AlreadyExists => "already_exists",
            ErrorCode::Conflict => "conflict",
            ErrorCode::InvalidDefinition => "invalid_definition",
            ErrorCode::Validation => "validation",
            ErrorCode::Money => "money",
            ErrorCode::PermissionDenied => "permission_denied",
            ErrorCode::UnsupportedVersion => "unsupported_version",
            ErrorCode::Storage => "storage",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for ErrorCode {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        ErrorCode::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| Error::validation("code", format!("{s:?} is not an error code")))
    }
}

impl Error {
    /// The stable code of this error.
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::GateNotMet { .. } => ErrorCode::GateNotMet,
            Error::ApprovalPending { .. } => ErrorCode::ApprovalPending,
            Error::InvalidTransition { .. } => ErrorCode::InvalidTransition,
            Error::NotFound { .. } => ErrorCode::NotFound,
            Error::AlreadyExists { .. } => ErrorCode::AlreadyExists,
            Error::Conflict { .. } => ErrorCode::Conflict,
            Error::InvalidDefinition { .. } => ErrorCode::InvalidDefinition,
            Error::Validation { .. } => ErrorCode::Validation,
            Error::Money { .. } => ErrorCode::Money,
            Error::PermissionDenied { .. } => ErrorCode::PermissionDenied,
            Error::UnsupportedVersion { .. } => ErrorCode::UnsupportedVersion,
            Error::Storage { .. } => ErrorCode::Storage,
        }
    }

    /// A [`Error::Validation`] naming `field`.
    pub fn validation(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Validation {
            field: field.into(),
            message: message.into(),
        }
    }

    /// A [`Error::NotFound`] of a lookup by id (no field).
    pub fn not_found(kind: &'static str, id: impl fmt::Display) -> Self {
        Error::NotFound {
            kind,
            id: id.to_string(),
            field: None,
        }
    }

    /// A [`Error::NotFound`] of an id given in the input field `field`; like
    /// [`Error::validation`], [`Error::at`] prefixes the field with a path.
    pub fn not_found_at(
        kind: &'static str,
        id: impl fmt::Display,
        field: impl Into<String>,
    ) -> Self {
        Error::NotFound {
            kind,
            id: id.to_string(),
            field: Some(field.into()),
        }
    }

    /// A [`Error::AlreadyExists`].
    pub fn already_exists(kind: &'static str, id: impl fmt::Display) -> Self {
        Error::AlreadyExists {
            kind,
            id: id.to_string(),
        }
    }

    /// A [`Error::InvalidTransition`].
    pub fn transition(message: impl Into<String>) -> Self {
        Error::InvalidTransition {
            message: message.into(),
        }
    }

    /// A [`Error::Storage`].
    pub fn storage(message: impl fmt::Display) -> Self {
        Error::Storage {
            message: message.to_string(),
        }
    }

    /// A [`Error::Money`].
    pub fn money(message: impl Into<String>) -> Self {
        Error::Money {
            message: message.into(),
        }
    }

    /// A [`Error::PermissionDenied`].
    pub fn denied(actor: impl fmt::Display, action: impl Into<String>) -> Self {
        Error::PermissionDenied {
            actor: actor.to_string(),
            action: action.into(),
        }
    }

    /// The error of a value found at `path` in a larger input: a validation error's field
    /// and a not-found error's field (when it has one) become `path.field`, a money error's
    /// message starts with `path`; other errors are returned as they are.
    ///
    /// ```
    /// use salespipe::Error;
    /// let e = Error::validation("discount_bp", "20000 is above 10000").at("products[1]");
    /// assert_eq!(e.to_string(), "products[1].discount_bp: 20000 is above 10000");
    /// let e = Error::money("line erp overflows").at("products[0]");
    /// assert_eq!(e.to_string(), "money: products[0]: line erp overflows");
    /// let e = Error::not_found_at("user", "zhao", "rep").at("expense");
    /// assert_eq!(e.to_string(), "user zhao not found (expense.rep)");
    /// ```
    pub fn at(self, path: &str) -> Self {
        match self {
            Error::Validation { field, message } => Error::Validation {
                field: format!("{path}.{field}"),
                message,
            },
            Error::NotFound {
                kind,
                id,
                field: Some(field),
            } => Error::NotFound {
                kind,
                id,
                field: Some(format!("{path}.{field}")),
            },
            Error::Money { message } => Error::Money {
                message: format!("{path}: {message}"),
            },
            other => other,
        }
    }

    /// The gate report carried by [`Error::GateNotMet`], if this is one.
    pub fn gate_report(&self) -> Option<&GateReport> {
        match self {
            Error::GateNotMet { report } => Some(report),
            _ => None,
        }
    }
}

impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Self {
        Error::validation("json", e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_through_strings() {
        for code in ErrorCode::ALL {
            assert_eq!(code.as_str().parse::<ErrorCode>().unwrap(), code);
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
        }
        assert!("nope".parse::<ErrorCode>().is_err());
    }

    #[test]
    fn json_carries_the_code_and_the_fields_of_every_variant() {
        let cases = [
            Error::Conflict {
                stream: "s".into(),
                expected: 1,
                actual: 2,
            },
            Error::validation("amount", "is negative"),
            Error::InvalidDefinition {
                problems: vec![Problem::new("stages", "empty")],
            },
            Error::UnsupportedVersion {
                what: "event".into(),
                found: 9,
                supported: 1,
            },
        ];
        for e in cases {
            let v = serde_json::to_value(&e).unwrap();
            assert_eq!(v["code"], e.code().as_str(), "{v}");
        }
        let v = serde_json::to_value(Error::Conflict {
            stream: "s".into(),
            expected: 1,
            actual: 2,
        })
        .unwrap();
        assert_eq!(
            v,
            serde_json::json!({"code": "conflict", "stream": "s", "expected": 1, "actual": 2})
        );
    }

    #[test]
    fn not_found_keeps_the_id_bare_and_names_the_field_apart() {
        let e = Error::not_found_at("user", "zhao", "targets[2].scope");
        assert_eq!(e.to_string(), "user zhao not found (targets[2].scope)");
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            serde_json::json!({"code": "not_found", "kind": "user", "id": "zhao",
                               "field": "targets[2].scope"})
        );
        // Without a field the key is there, null: one shape per code.
        assert_eq!(
            serde_json::to_value(Error::not_found("opportunity", "o1")).unwrap(),
            serde_json::json!({"code": "not_found", "kind": "opportunity", "id": "o1",
                               "field": null})
        );
        // A lookup by id has no field for a path to prefix.
        assert_eq!(
            Error::not_found("opportunity", "o1").at("lines[0]"),
            Error::not_found("opportunity", "o1")
        );
    }

    #[test]
    fn definition_errors_list_every_problem() {
        let e = Error::InvalidDefinition {
            problems: vec![
                Problem::new("stages[2].probability", "1.3 is not in [0, 1]"),
                Problem::new("stages[3].id", "duplicate stage id \"quote\""),
            ],
        };
        assert_eq!(
            e.to_string(),
            "invalid definition: stages[2].probability: 1.3 is not in [0, 1]; \
             stages[3].id: duplicate stage id \"quote\""
        );
    }
}
