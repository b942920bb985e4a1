//! The sales-management reports (销售管理): daily reports, revenue targets and attainment,
//! expenses, forecast snapshots, competitors and sources.
//!
//! Each report follows one template, its sections in this order under the same section
//! comments (`// ----- types ---`, `rows`, `report`, `rendering`):
//!
//! 1. **types**: its parameters and its report (and the entities it configures), plain serde
//!    data;
//! 2. **rows**: the facts it reads, as plain rows (never the engine's state);
//! 3. **report**: a pure function from rows and parameters to the report (`attainment`,
//!    `expense_report`, `forecast_snapshot` and `forecast_accuracy`, `competitor_report`,
//!    `source_report_from`; the daily report's rows go into a [`daily::DailyIndex`] first,
//!    which the engine keeps current event by event, and its `report`, `range` and `team`
//!    read it);
//! 4. **rendering**: text for people, through one formatting of money (in the currency's
//!    decimal places), percentages, ratios and missing values (`—`);
//! 5. **state adapter**: beside the engine (`engine::rows`), the one place that reads the
//!    folded state into a report's rows.
//!
//! Nothing here reads the engine, its state or its events.
//!
//! A host with its own data calls the pure functions directly; the engine calls them through
//! [`crate::Engine`].

pub mod competitor;
pub mod daily;
pub mod expense;
mod frames;
pub mod snapshot;
pub mod source;
pub mod target;
