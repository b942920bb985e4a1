//! Shared inputs of salespipe's benches: the engine bench's set-up, realistic event histories
//! for the stores, and the peer comparison's generated columns for the funnel.

#![deny(missing_docs)]

mod engine;
mod history;
mod peer;
pub mod reminders;

pub use engine::{engine_pipeline, engine_with, ENGINE_STAGES};
pub use history::*;
pub use peer::PeerData;
