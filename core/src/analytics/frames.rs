//! The analytics reports as [`Frame`]s (units: see [`crate::frame`]).
//!
//! A funnel report has three tables, each with the total first and then every group, told
//! apart by the `total` column (the `group` column is missing for the total and for the group
//! of rows without a key, so it cannot tell them apart alone):
//! [`FunnelReport::stages_frame`], [`FunnelReport::pipeline_frame`],
//! [`FunnelReport::transitions_frame`].

use super::calibration::Calibration;
use super::forecast::Forecast;
use super::funnel::{FunnelReport, GroupReport};
use crate::frame::{count, days, seconds, Frame};

impl FunnelReport {
    /// The report of everything, then each group's, with whether it is the total.
    fn scopes(&self) -> impl Iterator<Item = (bool, &GroupReport)> {
        std::iter::once((true, &self.total)).chain(self.groups.iter().map(|g| (false, g)))
    }

    /// One row per (group, open stage): the per-stage KPIs of the total and of every group.
    ///
    /// Columns: `total`, `group`, `stage`, `name`, `probability`, `entered`, `advanced`, `won`,
    /// `lost`, `lost_here`, `open_here`, `advance_rate`, `win_rate`, `loss_rate`,
    /// `dwell_count`, `dwell_mean`, `dwell_median`, `dwell_p90` (durations), `open_count`,
    /// `open_mean_age` (duration), `stale`, `open_amount` (minor units), `weighted_open`
    /// (minor units), `currency`.
    ///
    /// ```
    /// let r = salespipe::analytics::FunnelReport::default();
    /// assert!(r.stages_frame().is_empty());
    /// ```
    pub fn stages_frame(&self) -> Frame {
        let rows: Vec<_> = self
            .scopes()
            .flat_map(|(total, g)| g.stages.iter().map(move |s| (total, g, s)))
            .collect();
        let mut f = Frame::default();
        f.bool("total", rows.iter().map(|r| Some(r.0)));
        f.text("group", rows.iter().map(|r| r.1.key.clone()));
        f.text("stage", rows.iter().map(|r| Some(r.2.id.clone())));
        f.text("name", rows.iter().map(|r| Some(r.2.name.clone())));
        f.float("probability", rows.iter().map(|r| Some(r.2.probability)));
        f.int("entered", rows.iter().map(|r| count(r.2.entered)));
        f.int("advanced", rows.iter().map(|r| count(r.2.advanced)));
        f.int("won", rows.iter().map(|r| count(r.2.won)));
        f.int("lost", rows.iter().map(|r| count(r.2.lost)));
        f.int("lost_here", rows.iter().map(|r| count(r.2.lost_here)));
        f.int("open_here", rows.iter().map(|r| count(r.2.open_here)));
        f.float("advance_rate", rows.iter().map(|r| r.2.advance_rate));
        f.float("win_rate", rows.iter().map(|r| r.2.win_rate));
        f.float("loss_rate", rows.iter().map(|r| r.2.loss_rate));
        f.int("dwell_count", rows.iter().map(|r| count(r.2.dwell.count)));
        f.duration(
            "dwell_mean",
            rows.iter().map(|r| seconds(r.2.dwell.mean_seconds)),
        );
        f.duration(
            "dwell_median",
            rows.iter().map(|r| seconds(r.2.dwell.median_seconds)),
        );
        f.duration(
            "dwell_p90",
            rows.iter().map(|r| seconds(r.2.dwell.p90_seconds)),
        );
        f.int("open_count", rows.iter().map(|r| count(r.2.open_age.count)));
        f.duration(
            "open_mean_age",
            rows.iter().map(|r| seconds(r.2.open_age.mean_seconds)),
        );
        f.int(
            "stale",
            rows.iter().map(|r| r.2.open_age.stale.and_then(count)),
        );
        f.int("open_amount", rows.iter().map(|r| Some(r.2.open_amount)));
        f.float(
            "weighted_open",
            rows.iter().map(|r| Some(r.2.weighted_open)),
        );
        f.text("currency", rows.iter().map(|_| self.currency.clone()));
        f
    }

    /// One row per group (the total first): the whole-pipeline figures — win rate, revenue,
    /// cycle, velocity — the first thing anyone asks of the data, by owner or by any key.
    ///
    /// Columns: `total`, `group`, `opportunities`, `closed_won`, `closed_lost`,
    /// `win_rate_closed`, `won_amount` (minor units), `avg_won_amount` (minor units),
    /// `avg_cycle` (duration), `open_count`, `open_amount` (minor units), `weighted_pipeline`
    /// (minor units), `velocity_per_day` (minor units per day), `currency`.
    ///
    /// ```
    /// let r = salespipe::analytics::FunnelReport::default();
    /// assert_eq!(r.pipeline_frame().len(), 1); // the total
    /// ```
    pub fn pipeline_frame(&self) -> Frame {
        let rows: Vec<_> = self.scopes().collect();
        let mut f = Frame::default();
        f.bool("total", rows.iter().map(|r| Some(r.0)));
        f.text("group", rows.iter().map(|r| r.1.key.clone()));
        f.int(
            "opportunities",
            rows.iter().map(|r| count(r.1.opportunities)),
        );
        let p = |r: &(bool, &GroupReport)| r.1.pipeline;
        f.int("closed_won", rows.iter().map(|r| count(p(r).closed_won)));
        f.int("closed_lost", rows.iter().map(|r| count(p(r).closed_lost)));
        f.float("win_rate_closed", rows.iter().map(|r| p(r).win_rate_closed));
        f.int("won_amount", rows.iter().map(|r| Some(p(r).won_amount)));
        f.float("avg_won_amount", rows.iter().map(|r| p(r).avg_won_amount));
        f.duration("avg_cycle", rows.iter().map(|r| days(p(r).avg_cycle_days)));
        f.int("open_count", rows.iter().map(|r| count(p(r).open_count)));
        f.int("open_amount", rows.iter().map(|r| Some(p(r).open_amount)));
        f.float(
            "weighted_pipeline",
            rows.iter().map(|r| Some(p(r).weighted_pipeline)),
        );
        f.float(
            "velocity_per_day",
            rows.iter().map(|r| p(r).velocity_per_day),
        );
        f.text("currency", rows.iter().map(|_| self.currency.clone()));
        f
    }

    /// The transition matrices in long form: one row per (group, from, to), zero counts
    /// included so that a pivot gives the whole matrix.
    ///
    /// Columns: `total`, `group`, `from`, `to`, `count`.
    ///
    /// ```
    /// let r = salespipe::analytics::FunnelReport::default();
    /// assert!(r.transitions_frame().is_empty());
    /// ```
    pub fn transitions_frame(&self) -> Frame {
        let mut rows = Vec::new();
        for (total, g) in self.scopes() {
            let t = &g.transitions;
            for (from, counts) in t.from.iter().zip(&t.counts) {
                for (to, n) in t.to.iter().zip(counts) {
                    rows.push((total, g.key.as_ref(), from, to, *n));
                }
            }
        }
        let mut f = Frame::default();
        f.bool("total", rows.iter().map(|r| Some(r.0)));
        f.text("group", rows.iter().map(|r| r.1.cloned()));
        f.text("from", rows.iter().map(|r| Some(r.2.clone())));
        f.text("to", rows.iter().map(|r| Some(r.3.clone())));
        f.int("count", rows.iter().map(|r| count(r.4)));
        f
    }
}

impl Forecast {
    /// The forecast as one row: `opportunities`, `amount` (minor units), `expected`,
    /// `p10`, `p50`, `p90` (minor units: the distribution of the won total by its
    /// quantiles), `method`, `samples`, `seed`.
    ///
    /// ```
    /// let f = salespipe::analytics::Forecast::default();
    /// assert_eq!(f.frame().len(), 1);
    /// ```
    pub fn frame(&self) -> Frame {
        let mut f = Frame::default();
        f.int("opportunities", [count(self.opportunities)]);
        f.int("amount", [Some(self.amount)]);
        f.float("expected", [Some(self.expected)]);
        f.int("p10", [Some(self.p10)]);
        f.int("p50", [Some(self.p50)]);
        f.int("p90", [Some(self.p90)]);
        f.text("method", [Some(self.method.clone())]);
        f.int("samples", [self.samples.map(i64::from)]);
        f.int("seed", [self.seed.and_then(|s| i64::try_from(s).ok())]);
        f
    }
}

impl Calibration {
    /// One row per open stage: `stage`, `predicted`, `closed`, `won`, `observed`, `gap`,
    /// `brier`.
    ///
    /// ```
    /// let c = salespipe::analytics::Calibration::default();
    /// assert!(c.frame().is_empty());
    /// ```
    pub fn frame(&self) -> Frame {
        let rows = &self.stages;
        let mut f = Frame::default();
        f.text("stage", rows.iter().map(|r| Some(r.stage.clone())));
        f.float("predicted", rows.iter().map(|r| Some(r.predicted)));
        f.int("closed", rows.iter().map(|r| count(r.closed)));
        f.int("won", rows.iter().map(|r| count(r.won)));
        f.float("observed", rows.iter().map(|r| r.observed));
        f.float("gap", rows.iter().map(|r| r.gap));
        f.float("brier", rows.iter().map(|r| r.brier));
        f
    }
}

#[cfg(test)]
mod tests {
    use crate::analytics::{FunnelReport, GroupReport, StageKpis, Transitions};
    use crate::frame::Values;

    fn report() -> FunnelReport {
        let stage = |id: &str, entered| StageKpis {
            id: id.to_owned(),
            name: id.to_uppercase(),
            entered,
            ..StageKpis::default()
        };
        let group = |key: Option<&str>, n| GroupReport {
            key: key.map(str::to_owned),
            opportunities: n,
            stages: vec![stage("a", n), stage("b", n / 2)],
            transitions: Transitions {
                from: vec!["(new)".into(), "a".into()],
                to: vec!["a".into(), "b".into()],
                counts: vec![vec![n, 0], vec![0, n / 2]],
            },
            ..GroupReport::default()
        };
        FunnelReport {
            currency: Some("EUR".into()),
            total: group(None, 10),
            groups: vec![group(Some("ann"), 6), group(None, 4)],
            ..FunnelReport::default()
        }
    }

    #[test]
    fn the_stage_frame_has_the_total_then_each_group() {
        let f = report().stages_frame();
        assert_eq!(f.len(), 6);
        let Some(Values::Bool(total)) = f.column("total").map(|c| &c.values) else {
            panic!("no total column");
        };
        assert_eq!(total, &[true, true, false, false, false, false].map(Some));
        let Some(Values::Text(group)) = f.column("group").map(|c| &c.values) else {
            panic!("no group column");
        };
        assert_eq!(group[2].as_deref(), Some("ann"));
        assert_eq!(group[4], None); // the group without key, told from the total by `total`
        let Some(Values::Int(entered)) = f.column("entered").map(|c| &c.values) else {
            panic!("no entered column");
        };
        assert_eq!(entered, &[10, 5, 6, 3, 4, 2].map(Some));
    }

    #[test]
    fn transitions_come_in_long_form_with_zeros() {
        let f = report().transitions_frame();
        assert_eq!(f.len(), 3 * 4);
        let Some(Values::Int(n)) = f.column("count").map(|c| &c.values) else {
            panic!("no count column");
        };
        assert_eq!(&n[..4], &[10, 0, 0, 5].map(Some));
        assert_eq!(report().pipeline_frame().len(), 3);
    }
}
