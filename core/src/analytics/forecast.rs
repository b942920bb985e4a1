//! Forecast with uncertainty: the won amount of the opportunities open at `as_of` whose
//! expected close falls in a period, each winning independently with its probability.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::funnel::{funnel, FunnelParams, Mode, Window};
use super::table::{FunnelInput, LOST_CODE, NO_DATE, WON_CODE};
use crate::clock::Timestamp;
use crate::error::{Error, Result};

/// Where each open opportunity's win probability comes from.
///
/// ```
/// use salespipe::analytics::{Probabilities, Window, Mode};
/// let p = Probabilities::Empirical { training: Window::all(), mode: Mode::Recorded };
/// assert_ne!(p, Probabilities::Stage);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Probabilities {
    /// The configured probability of its current stage.
    #[default]
    Stage,
    /// The `win_rate` of its current stage over a training window (the same as-of instant);
    /// a stage whose rate is absent (nobody entered it) falls back to its configured
    /// probability.
    Empirical {
        /// The training window (cohorts by stage-entry time).
        training: Window,
        /// The counting mode of the training funnel.
        mode: Mode,
    },
}

/// The most Monte Carlo samples a forecast draws: 1,000,000. The draws are kept (8 bytes
/// each, 8 MB at the bound) and sorted for the quantiles; past a million the nearest-rank
/// P10/P50/P90 move by far less than the deals' own uncertainty, while the time grows with
/// samples × deals. A larger `samples` is a `validation` error naming `method.samples`,
/// refused before anything is allocated.
pub const MAX_SAMPLES: u32 = 1_000_000;

/// The largest `max_support` of [`ForecastMethod::Auto`], and the ceiling of
/// [`ForecastMethod::Exact`]: 4,000,000 distinct totals. The exact computation holds two
/// distributions of (total, probability) pairs (16 bytes each), so at most about 128 MB at
/// the bound. A larger `max_support` is a `validation` error naming `method.max_support`.
pub const MAX_SUPPORT: usize = 4_000_000;

/// How the distribution of the total is computed.
///
/// The sizes are bounded, checked before anything is allocated: `samples` from 1 to
/// [`MAX_SAMPLES`], `max_support` at most [`MAX_SUPPORT`].
///
/// ```
/// use salespipe::analytics::ForecastMethod;
/// let m = ForecastMethod::default();
/// assert!(matches!(m, ForecastMethod::Auto { .. }));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum ForecastMethod {
    /// Exact when the distribution has at most `max_support` distinct totals, else Monte
    /// Carlo with `samples` and `seed`.
    Auto {
        /// Largest exact support, at most [`MAX_SUPPORT`].
        max_support: usize,
        /// Monte Carlo samples, from 1 to [`MAX_SAMPLES`].
        samples: u32,
        /// Monte Carlo seed.
        seed: u64,
    },
    /// Always exact (an error past [`MAX_SUPPORT`], 4,000,000, distinct totals).
    Exact,
    /// Always Monte Carlo (the order of the draws: see [`forecast()`]).
    MonteCarlo {
        /// Samples, from 1 to [`MAX_SAMPLES`].
        samples: u32,
        /// Seed: the same seed gives the same numbers on every platform.
        seed: u64,
    },
}

impl ForecastMethod {
    /// Checks the caller's sizes: `samples` from 1 to [`MAX_SAMPLES`] and `max_support` at
    /// most [`MAX_SUPPORT`]; the error is a `validation` naming `method.samples` or
    /// `method.max_support` and the bound.
    ///
    /// ```
    /// use salespipe::analytics::ForecastMethod;
    /// let m = ForecastMethod::MonteCarlo { samples: u32::MAX, seed: 1 };
    /// let e = m.validate().unwrap_err();
    /// assert!(e.to_string().contains("method.samples"));
    /// assert!(ForecastMethod::default().validate().is_ok());
    /// ```
    pub fn validate(&self) -> Result<()> {
        let samples = match *self {
            ForecastMethod::Auto {
                max_support,
                samples,
                ..
            } => {
                if max_support > MAX_SUPPORT {
                    return Err(Error::validation(
                        "method.max_support",
                        format!("{max_support} is above the bound {MAX_SUPPORT}"),
                    ));
                }
                samples
            }
            ForecastMethod::MonteCarlo { samples, .. } => samples,
            ForecastMethod::Exact => return Ok(()),
        };
        if samples == 0 {
            return Err(Error::validation("method.samples", "must be at least 1"));
        }
        if samples > MAX_SAMPLES {
            return Err(Error::validation(
                "method.samples",
                format!("{samples} is above the bound {MAX_SAMPLES}"),
            ));
        }
        Ok(())
    }
}

impl Default for ForecastMethod {
    fn default() -> Self {
        ForecastMethod::Auto {
            max_support: 100_000,
            samples: 10_000,
            seed: 0x5a1e_5b1b_e000_0001,
        }
    }
}

/// The forecast's parameters.
///
/// ```
/// use salespipe::{analytics::{ForecastParams, Window}, Timestamp};
/// let p = ForecastParams::new(Timestamp::from_millis(0), Window::all());
/// assert_eq!(p.period, Window::all());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ForecastParams {
    /// The observation time.
    pub as_of: Timestamp,
    /// The period `[from, to)` the expected close must fall in.
    pub period: Window,
    /// Probability source.
    pub probabilities: Probabilities,
    /// Exact or Monte Carlo.
    pub method: ForecastMethod,
}

impl ForecastParams {
    /// Stage probabilities, automatic method.
    pub fn new(as_of: Timestamp, period: Window) -> Self {
        ForecastParams {
            as_of,
            period,
            probabilities: Probabilities::Stage,
            method: ForecastMethod::default(),
        }
    }
}

/// The forecast: the expectation and the P10/P50/P90 of the total won amount (minor units).
///
/// ```
/// let f = salespipe::analytics::Forecast::default();
/// assert_eq!(f.opportunities, 0);
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Forecast {
    /// Opportunities open at `as_of` with an expected close in the period.
    pub opportunities: u64,
    /// Their total amount, minor units.
    pub amount: i64,
    /// Σ amount × p (the expectation), minor units.
    pub expected: f64,
    /// P10 of the won total (nearest rank on the distribution: the smallest total whose
    /// cumulative probability reaches 10%).
    pub p10: i64,
    /// P50.
    pub p50: i64,
    /// P90.
    pub p90: i64,
    /// `exact` or `monte_carlo`.
    pub method: String,
    /// Samples drawn (Monte Carlo only).
    pub samples: Option<u32>,
    /// Seed used (Monte Carlo only).
    pub seed: Option<u64>,
    /// The probability used for each open stage, in pipeline order.
    pub stage_probabilities: Vec<f64>,
}

/// Computes the forecast. The input is validated as by [`funnel`], the method's sizes by
/// [`ForecastMethod::validate`] (first, before any work).
///
/// The deals counted are the opportunities open at `as_of` whose expected close falls in the
/// period, taken in the order of the opportunity table's rows. Monte Carlo is reproducible:
/// it draws sample after sample, and in each sample one uniform number per counted deal in
/// that order (a deal whose probability is 0 or 1 included), from xoshiro256** seeded with
/// `seed`. The same seed and the same table give the same numbers on every platform; a deal
/// added to the table changes the draws of the deals after it. The engine's tables
/// ([`FunnelTable::from_events`](crate::analytics::FunnelTable::from_events)) list the
/// opportunities in the order they were created.
pub fn forecast(input: &FunnelInput<'_>, params: &ForecastParams) -> Result<Forecast> {
    params.method.validate()?;
    // validates the whole input (and gives the empirical rates when asked)
    let (window, mode) = match params.probabilities {
        Probabilities::Stage => (Window::all(), Mode::Recorded),
        Probabilities::Empirical { training, mode } => (training, mode),
    };
    let report = funnel(
        input,
        &FunnelParams::new(params.as_of).window(window).mode(mode),
    )?;
    let probs: Vec<f64> = input
        .stages
        .iter()
        .zip(&report.total.stages)
        .map(|(s, k)| match params.probabilities {
            Probabilities::Stage => s.probability,
            Probabilities::Empirical { .. } => k.win_rate.unwrap_or(s.probability),
        })
        .collect();

    // the state of every opportunity at as_of: its last event at or before it
    let as_of = params.as_of.as_millis();
    let ev = &input.events;
    let mut last: HashMap<u64, (i64, usize)> = HashMap::new();
    for (r, (&o, &t)) in ev.opp.iter().zip(ev.at_ms).enumerate() {
        if t > as_of {
            continue;
        }
        let e = last.entry(o).or_insert((t, r));
        if t >= e.0 {
            *e = (t, r);
        }
    }
    let op = &input.opportunities;
    let mut terms: Vec<(i64, f64)> = Vec::new();
    let mut amount: i128 = 0;
    for (i, &id) in op.opp.iter().enumerate() {
        let Some(&(_, r)) = last.get(&id) else {
            continue;
        };
        let st = ev.stage[r];
        if st == WON_CODE || st == LOST_CODE {
            continue;
        }
        let close = op.expected_close_ms[i];
        if close == NO_DATE || !params.period.contains(close) {
            continue;
        }
        let p = probs.get(st as usize).copied().unwrap_or(0.0);
        let a = op.amount_minor[i];
        amount += i128::from(a);
        terms.push((a, p));
    }
    let expected = super::sum_f64(terms.iter().map(|&(a, p)| a as f64 * p));
    let amount = i64::try_from(amount).map_err(|_| Error::money("forecast amount overflows"))?;
    let mut out = Forecast {
        opportunities: terms.len() as u64,
        amount,
        expected,
        stage_probabilities: probs,
        ..Forecast::default()
    };
    distribution(&terms, params.method, &mut out)?;
    Ok(out)
}

/// Fills the distribution of Σ aᵢ · Bernoulli(pᵢ) over `terms` (amount in minor units, win
/// probability) into `out`: `p10`, `p50`, `p90`, `method`, `samples`, `seed`. The one
/// computation behind [`forecast`] and the per-rep distribution of a forecast snapshot
/// ([`crate::management::snapshot`]).
pub(crate) fn distribution(
    terms: &[(i64, f64)],
    method: ForecastMethod,
    out: &mut Forecast,
) -> Result<()> {
    method.validate()?;
    let exact_limit = match method {
        ForecastMethod::Auto { max_support, .. } => Some(max_support),
        ForecastMethod::Exact => Some(MAX_SUPPORT),
        ForecastMethod::MonteCarlo { .. } => None,
    };
    if let Some(limit) = exact_limit {
        if let Some(dist) = exact_distribution(terms, limit) {
            out.method = "exact".into();
            out.p10 = dist_quantile(&dist, 0.1);
            out.p50 = dist_quantile(&dist, 0.5);
            out.p90 = dist_quantile(&dist, 0.9);
            return Ok(());
        }
        if method == ForecastMethod::Exact {
            return Err(Error::validation(
                "method",
                "the exact distribution has too many distinct totals; use monte_carlo",
            ));
        }
    }
    let (samples, seed) = match method {
        ForecastMethod::Auto { samples, seed, .. }
        | ForecastMethod::MonteCarlo { samples, seed } => (samples, seed),
        ForecastMethod::Exact => (0, 0),
    };
    let mut rng = Xoshiro256::new(seed);
    let mut totals: Vec<i64> = Vec::with_capacity(samples as usize);
    for _ in 0..samples {
        let mut total: i64 = 0;
        for &(a, p) in terms {
            if rng.next_f64() < p {
                total = total.saturating_add(a);
            }
        }
        totals.push(total);
    }
    totals.sort_unstable();
    let pick = |q: super::Quantile| {
        let r = q.rank(totals.len() as u64) as usize;
        totals.get(r.saturating_sub(1)).copied().unwrap_or(0)
    };
    out.method = "monte_carlo".into();
    out.p10 = pick(super::Quantile::P10);
    out.p50 = pick(super::Quantile::MEDIAN);
    out.p90 = pick(super::Quantile::P90);
    out.samples = Some(samples);
    out.seed = Some(seed);
    Ok(())
}

/// The exact distribution of Σ a_i · Bernoulli(p_i) as sorted (total, probability) pairs,
/// or `None` when its support would exceed `limit`.
fn exact_distribution(terms: &[(i64, f64)], limit: usize) -> Option<Vec<(i64, f64)>> {
    let mut dist: Vec<(i64, f64)> = vec![(0, 1.0)];
    for &(a, p) in terms {
        if p <= 0.0 || a == 0 {
            continue;
        }
        if p >= 1.0 {
            for d in &mut dist {
                d.0 = d.0.saturating_add(a);
            }
            continue;
        }
        let mut next = Vec::with_capacity(dist.len() * 2);
        let (mut i, mut j) = (0, 0);
        // merge "lose" (x, q·(1-p)) and "win" (x + a, q·p), both sorted by total
        while i < dist.len() || j < dist.len() {
            let lose = dist.get(i).map(|&(x, q)| (x, q * (1.0 - p)));
            let win = dist.get(j).map(|&(x, q)| (x.saturating_add(a), q * p));
            let item = match (lose, win) {
                (Some(l), Some(w)) if l.0 < w.0 => {
                    i += 1;
                    l
                }
                (Some(l), Some(w)) if l.0 == w.0 => {
                    i += 1;
                    j += 1;
                    (l.0, l.1 + w.1)
                }
                (Some(_), Some(w)) | (None, Some(w)) => {
                    j += 1;
                    w
                }
                (Some(l), None) => {
                    i += 1;
                    l
                }
                (None, None) => break,
            };
            next.push(item);
        }
        if next.len() > limit {
            return None;
        }
        dist = next;
    }
    Some(dist)
}

/// The smallest total whose cumulative probability reaches `q` (a tiny tolerance absorbs
/// rounding of the probabilities' sum).
fn dist_quantile(dist: &[(i64, f64)], q: f64) -> i64 {
    let mut acc = 0.0;
    for &(x, p) in dist {
        acc += p;
        if acc >= q - 1e-12 {
            return x;
        }
    }
    dist.last().map_or(0, |d| d.0)
}

/// xoshiro256** seeded through SplitMix64: tiny, fast, and bit-for-bit the same on every
/// platform (integer operations only; uniforms are the top 53 bits scaled by 2^-53).
#[derive(Debug, Clone)]
pub(crate) struct Xoshiro256 {
    s: [u64; 4],
}

impl Xoshiro256 {
    pub(crate) fn new(seed: u64) -> Self {
        let mut sm = seed;
        let mut next = || {
            sm = sm.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = sm;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        };
        Xoshiro256 {
            s: [next(), next(), next(), next()],
        }
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        let s = &mut self.s;
        let result = s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    pub(crate) fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xoshiro_reference_values_are_stable() {
        // pinned: a change here changes every Monte Carlo forecast
        let mut r = Xoshiro256::new(42);
        let a = r.next_u64();
        let b = r.next_u64();
        let mut r2 = Xoshiro256::new(42);
        assert_eq!((a, b), (r2.next_u64(), r2.next_u64()));
        assert_ne!(a, b);
        let f = Xoshiro256::new(7).next_f64();
        assert!((0.0..1.0).contains(&f));
    }

    #[test]
    fn exact_distribution_of_two_terms() {
        let d = exact_distribution(&[(10, 0.5), (20, 0.5)], 100).unwrap();
        assert_eq!(d, vec![(0, 0.25), (10, 0.25), (20, 0.25), (30, 0.25)]);
        assert_eq!(dist_quantile(&d, 0.1), 0);
        assert_eq!(dist_quantile(&d, 0.5), 10);
        assert_eq!(dist_quantile(&d, 0.9), 30);
        assert!(exact_distribution(&[(1, 0.5), (2, 0.5), (4, 0.5)], 4).is_none());
    }

    fn refused(method: ForecastMethod, field: &str) {
        let mut out = Forecast::default();
        let e = distribution(&[(10, 0.5)], method, &mut out).unwrap_err();
        assert_eq!(e.code().as_str(), "validation");
        let text = e.to_string();
        assert!(text.contains(field), "{text}");
    }

    #[test]
    fn sizes_are_bounded_before_allocating() {
        // u32::MAX samples would allocate ~34 GB: refused up front
        refused(
            ForecastMethod::MonteCarlo {
                samples: u32::MAX,
                seed: 1,
            },
            "method.samples",
        );
        refused(
            ForecastMethod::MonteCarlo {
                samples: MAX_SAMPLES + 1,
                seed: 1,
            },
            "1000000",
        );
        refused(
            ForecastMethod::MonteCarlo {
                samples: 0,
                seed: 1,
            },
            "method.samples",
        );
        refused(
            ForecastMethod::Auto {
                max_support: usize::MAX,
                samples: 10,
                seed: 1,
            },
            "method.max_support",
        );
        refused(
            ForecastMethod::Auto {
                max_support: 10,
                samples: u32::MAX,
                seed: 1,
            },
            "method.samples",
        );
        let mut out = Forecast::default();
        let at_bound = ForecastMethod::Auto {
            max_support: MAX_SUPPORT,
            samples: MAX_SAMPLES,
            seed: 1,
        };
        assert!(distribution(&[(10, 0.5)], at_bound, &mut out).is_ok());
        assert_eq!(out.method, "exact");
    }
}
