//! Shared inputs of salespipe's benches: realistic event histories for the stores, and the
//! peer comparison's generated columns for the funnel.

#![deny(missing_docs)]

mod history;
mod peer;

pub use history::*;
pub use peer::PeerData;
