//! Funnel analytics and forecast: the KPIs of `spec/kpi.md`, exact, in one pass.
//!
//! - [`table`]: the input columns ([`StageEvents`], [`Opportunities`], [`FunnelInput`]) and
//!   [`FunnelTable`], which also builds them from the engine's events.
//! - [`funnel()`] / [`funnel_both`]: the per-stage and whole-pipeline KPIs, both modes, every
//!   group, the transition matrix, as of any instant, over any cohort window.
//! - [`forecast()`]: expected won amount and its P10/P50/P90 for a period.
//! - [`calibration()`]: how well the stage probabilities predicted the outcomes (Brier score,
//!   reliability table).
//! - [`FunnelReport`] serializes to a stable JSON shape, renders as a text table (`Display`)
//!   and as an SVG funnel chart ([`FunnelReport::to_svg`]).
//!
//! The interpretations chosen where the spec is silent are in `docs/analytics.md`.
//!
//! ```
//! use salespipe::analytics::*;
//! use salespipe::Timestamp;
//! let mut t = FunnelTable::new(vec![
//!     StageInfo::new("qualify", "Qualify", 0.2),
//!     StageInfo::new("demo", "Demo", 0.5),
//! ]);
//! t.push_opportunity(1, 1_000, 0, 0, NO_DATE);
//! t.push_event(1, 0, 0);
//! t.push_event(1, 86_400_000, 1);
//! t.push_event(1, 2 * 86_400_000, WON_CODE);
//! let r = funnel(&t.input(), &FunnelParams::new(Timestamp::from_millis(3 * 86_400_000))).unwrap();
//! assert_eq!(r.total.stages[0].advance_rate, Some(1.0));
//! assert_eq!(r.total.pipeline.avg_cycle_days, Some(2.0));
//! ```

pub mod calibration;
pub mod forecast;
mod frames;
pub mod funnel;
pub mod keys;
pub mod quantile;
mod report;
pub mod table;

pub use calibration::{calibration, Calibration, CalibrationRow};
pub use forecast::{
    forecast, Forecast, ForecastMethod, ForecastParams, Probabilities, MAX_SAMPLES, MAX_SUPPORT,
};
pub use funnel::{
    funnel, funnel_both, Dwell, FunnelParams, FunnelReport, FunnelReports, GroupReport, Mode,
    OpenAge, PipelineKpis, StageKpis, Transitions, Window,
};
pub use quantile::{nearest_rank, Quantile};
pub use table::{
    in_table_terms, FunnelInput, FunnelTable, GroupBy, Opportunities, StageEvents, StageInfo,
    LOST_CODE, MAX_STAGES, NO_DATE, WON_CODE,
};

pub use crate::clock::Timestamp;

/// The sum of `xs` from `+0.0`, in order. `Iterator::sum` over `f64` starts from `-0.0` (the
/// exact neutral element of IEEE addition), so the sum of nothing is `-0.0` and reports
/// `-0.0` in JSON; every report's float sum goes through here instead.
pub(crate) fn sum_f64(xs: impl IntoIterator<Item = f64>) -> f64 {
    xs.into_iter().fold(0.0, |acc, x| acc + x)
}

#[cfg(test)]
mod tests {
    use super::sum_f64;

    #[test]
    fn sums_start_from_positive_zero() {
        assert_eq!(sum_f64([]).to_bits(), 0.0f64.to_bits());
        assert_eq!(sum_f64([-0.0]).to_bits(), 0.0f64.to_bits());
        assert_eq!(sum_f64([0.5, -0.5]).to_bits(), 0.0f64.to_bits());
        assert_eq!(sum_f64([1.0, 2.5, -4.0]), -0.5);
    }
}
