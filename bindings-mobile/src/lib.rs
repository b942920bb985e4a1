//! Kotlin and Swift bindings of salespipe (uniffi proc-macros): the `salespipe` namespace.
//!
//! A thin layer, like `bindings-python` and `bindings-node`: `Engine.execute(actor,
//! commandJson)` and `Engine.query(reader, queryJson)` cross as the core's serde JSON
//! (`docs/json.md`); the typed commands call the core's typed methods directly (no JSON) and
//! return nothing, the typed reads build the query JSON and read the results as native
//! records and enums; errors are one [`SalespipeError`] enum mirroring the core's
//! stable codes (Kotlin sees `SalespipeException` subclasses, Swift a thrown enum). Instants
//! cross as `SystemTime` (Kotlin `java.time.Instant`, Swift `Date`), money as minor units
//! plus an ISO currency (never a float). No panic crosses the FFI: every exported call runs
//! inside [`error::guard`], and the engine sits behind a read-write lock, usable from any
//! thread. For loops (imports, bulk moves) the `…Ref` verbs take ids as objects made once
//! ([`ActorRef`], [`OpportunityRef`], [`StageRef`]), so no `String` crosses per call.
//!
//! `lib.rs` only registers; the layout follows STYLE.md rule 15.

uniffi::setup_scaffolding!("salespipe");

pub mod convert;
pub mod engine;
pub mod error;
pub mod ids;
#[cfg(feature = "bench-probes")]
pub mod probes;
pub mod reports;
pub mod types;

pub use engine::{Engine, ManualClock};
pub use error::SalespipeError;
pub use ids::{ActorRef, OpportunityRef, StageRef};

#[cfg(test)]
mod tests;
