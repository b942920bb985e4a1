//! Calibration: how well the configured stage probabilities predicted the outcomes.

use serde::{Deserialize, Serialize};

use super::funnel::{funnel, FunnelParams, Mode, Window};
use super::table::FunnelInput;
use crate::clock::Timestamp;
use crate::error::Result;

/// One row of the reliability table: a stage, its predicted probability and what happened
/// to the opportunities that entered it in the window and are closed at `as_of`.
///
/// ```
/// let r = salespipe::analytics::CalibrationRow::default();
/// assert!(r.observed.is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CalibrationRow {
    /// Stage id.
    pub stage: String,
    /// The configured probability (the prediction).
    pub predicted: f64,
    /// Closed members of the stage's cohort (won + lost at `as_of`).
    pub closed: u64,
    /// Of which won.
    pub won: u64,
    /// won / closed.
    pub observed: Option<f64>,
    /// observed − predicted (positive: the stage under-promises).
    pub gap: Option<f64>,
    /// The stage's Brier score: mean of (predicted − outcome)² over its closed members.
    pub brier: Option<f64>,
}

/// The calibration of a pipeline's probabilities over a window.
///
/// ```
/// let c = salespipe::analytics::Calibration::default();
/// assert!(c.brier.is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Calibration {
    /// The observation time.
    pub as_of: Timestamp,
    /// The cohort window.
    pub window: Window,
    /// Predictions scored: one per (opportunity, stage entered in the window), closed at `as_of`.
    pub predictions: u64,
    /// The overall Brier score (0 is perfect, 0.25 is a coin toss at p = 0.5).
    pub brier: Option<f64>,
    /// One row per open stage, in pipeline order.
    pub stages: Vec<CalibrationRow>,
}

/// Scores the stage probabilities: every opportunity that entered stage s in the window
/// (recorded mode) and is won or lost at `as_of` is a prediction `p(s)` with outcome 1 (won)
/// or 0 (lost). Opportunities still open are not scored.
pub fn calibration(
    input: &FunnelInput<'_>,
    as_of: Timestamp,
    window: Window,
) -> Result<Calibration> {
    let report = funnel(
        input,
        &FunnelParams::new(as_of).window(window).mode(Mode::Recorded),
    )?;
    let mut stages = Vec::with_capacity(report.total.stages.len());
    let (mut num, mut den) = (0.0, 0u64);
    for k in &report.total.stages {
        let p = k.probability;
        let closed = k.won + k.lost;
        let sq = k.won as f64 * (1.0 - p) * (1.0 - p) + k.lost as f64 * p * p;
        num += sq;
        den += closed;
        let observed = (closed != 0).then(|| k.won as f64 / closed as f64);
        stages.push(CalibrationRow {
            stage: k.id.clone(),
            predicted: p,
            closed,
            won: k.won,
            observed,
            gap: observed.map(|o| o - p),
            brier: (closed != 0).then(|| sq / closed as f64),
        });
    }
    Ok(Calibration {
        as_of,
        window,
        predictions: den,
        brier: (den != 0).then(|| num / den as f64),
        stages,
    })
}
