//! The sales-management reports (销售管理): daily reports, revenue targets and attainment,
//! expenses, forecast snapshots, competitors and sources.
//!
//! Each report follows one template:
//!
//! 1. **types**: its parameters, rows and report, plain serde data;
//! 2. **rows**: the facts it reads, as plain rows (never the engine's state);
//! 3. **report**: a pure function from rows and parameters to the report;
//! 4. **rendering**: text for people;
//! 5. **state adapter**: beside the engine (`engine::rows`), the one place that reads the
//!    folded state into a report's rows.
//!
//! A host with its own data calls the pure functions directly; the engine calls them through
//! [`crate::Engine`].

pub mod competitor;
pub mod daily;
pub mod expense;
pub mod snapshot;
pub mod source;
pub mod target;
