//! Rendering a [`FunnelReport`]: a readable text table (`Display`) and an SVG funnel chart.

use std::fmt::{self, Write as _};

use super::funnel::{FunnelReport, GroupReport, Mode};
use crate::render::{minor_units as minor, percent as pct};

fn days(seconds: Option<f64>) -> String {
    seconds.map_or_else(|| "—".to_owned(), |s| format!("{:.1}d", s / 86_400.0))
}

fn opt(v: Option<f64>, decimals: usize) -> String {
    v.map_or_else(|| "—".to_owned(), |v| format!("{v:.decimals$}"))
}

fn exponent(report: &FunnelReport) -> u32 {
    report
        .currency
        .as_deref()
        .and_then(|c| crate::money::Currency::new(c).ok())
        .map_or(2, crate::money::Currency::exponent)
}

fn write_group(f: &mut fmt::Formatter<'_>, g: &GroupReport, exp: u32) -> fmt::Result {
    let w = g
        .stages
        .iter()
        .map(|s| s.name.chars().count())
        .max()
        .unwrap_or(5)
        .max(5);
    writeln!(
        f,
        "{:<w$}  {:>8} {:>8} {:>7} {:>7} {:>7}  {:>7} {:>7} {:>7}  {:>8} {:>8}  {:>6} {:>5}  {:>14}",
        "stage", "entered", "advanced", "won", "lost@", "open@",
        "adv%", "win%", "loss%", "dwell~", "dwell90", "open", "stale", "weighted"
    )?;
    for s in &g.stages {
        writeln!(
            f,
            "{:<w$}  {:>8} {:>8} {:>7} {:>7} {:>7}  {:>7} {:>7} {:>7}  {:>8} {:>8}  {:>6} {:>5}  {:>14}",
            s.name,
            s.entered,
            s.advanced,
            s.won,
            s.lost_here,
            s.open_here,
            pct(s.advance_rate),
            pct(s.win_rate),
            pct(s.loss_rate),
            days(s.dwell.median_seconds),
            days(s.dwell.p90_seconds),
            s.open_age.count,
            s.open_age.stale.map_or_else(|| "—".to_owned(), |v| v.to_string()),
            minor(s.weighted_open, exp),
        )?;
    }
    let p = &g.pipeline;
    writeln!(
        f,
        "closed won {} · lost {} · win rate {} · avg won {} · avg cycle {} days",
        p.closed_won,
        p.closed_lost,
        pct(p.win_rate_closed),
        p.avg_won_amount
            .map_or_else(|| "—".to_owned(), |v| minor(v, exp)),
        opt(p.avg_cycle_days, 1),
    )?;
    writeln!(
        f,
        "open {} · amount {} · weighted {} · velocity {}/day",
        p.open_count,
        minor(p.open_amount as f64, exp),
        minor(p.weighted_pipeline, exp),
        p.velocity_per_day
            .map_or_else(|| "—".to_owned(), |v| minor(v, exp)),
    )
}

impl fmt::Display for FunnelReport {
    /// The total funnel as a table (`lost@` = lost_here, `open@` = open_here, `open` = open
    /// age count, dwell median `dwell~` and P90 in days), the whole-pipeline figures, then one
    /// line per group.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let exp = exponent(self);
        let mode = match self.mode {
            Mode::Recorded => "recorded",
            Mode::Cumulative => "cumulative",
        };
        let bound =
            |t: Option<crate::Timestamp>| t.map_or_else(|| "…".to_owned(), |t| t.to_string());
        writeln!(
            f,
            "funnel as of {} · window [{}, {}) · {} mode · {} opportunities{}",
            self.as_of,
            bound(self.window.from),
            bound(self.window.to),
            mode,
            self.total.opportunities,
            self.currency
                .as_deref()
                .map(|c| format!(" · {c}"))
                .unwrap_or_default(),
        )?;
        write_group(f, &self.total, exp)?;
        if !self.groups.is_empty() {
            let w = self
                .groups
                .iter()
                .filter_map(|g| g.key.as_deref().map(|k| k.chars().count()))
                .max()
                .unwrap_or(5)
                .max(5);
            writeln!(f)?;
            writeln!(
                f,
                "{:<w$}  {:>6} {:>6} {:>6} {:>8} {:>10} {:>6}",
                "group", "opps", "won", "lost", "win%", "cycle d", "open"
            )?;
            for g in &self.groups {
                let p = &g.pipeline;
                writeln!(
                    f,
                    "{:<w$}  {:>6} {:>6} {:>6} {:>8} {:>10} {:>6}",
                    g.key.as_deref().unwrap_or(""),
                    g.opportunities,
                    p.closed_won,
                    p.closed_lost,
                    pct(p.win_rate_closed),
                    opt(p.avg_cycle_days, 1),
                    p.open_count,
                )?;
            }
        }
        Ok(())
    }
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

impl FunnelReport {
    /// An SVG funnel chart of the total: one centred bar per stage, its width proportional
    /// to `entered`, with the advanced share darker, and the counts and rates as labels.
    /// Plain SVG 1.1, no script, no external resource.
    ///
    /// ```
    /// let svg = salespipe::analytics::FunnelReport::default().to_svg();
    /// assert!(svg.starts_with("<svg"));
    /// ```
    pub fn to_svg(&self) -> String {
        let stages = &self.total.stages;
        let (width, bar_h, gap, top) = (760.0_f64, 36.0_f64, 10.0_f64, 30.0_f64);
        let height = top + stages.len() as f64 * (bar_h + gap) + 10.0;
        let max = stages.iter().map(|s| s.entered).max().unwrap_or(0).max(1) as f64;
        let plot = 360.0;
        let cx = 180.0 + plot / 2.0;
        let mut out = String::new();
        let _ = write!(
            out,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">"#
        );
        let _ = write!(
            out,
            r##"<text x="8" y="18" font-weight="bold">Funnel as of {} ({} opportunities)</text>"##,
            esc(&self.as_of.to_string()),
            self.total.opportunities
        );
        for (i, s) in stages.iter().enumerate() {
            let y = top + i as f64 * (bar_h + gap);
            let w = plot * s.entered as f64 / max;
            let wa = plot * s.advanced as f64 / max;
            let _ = write!(
                out,
                r##"<text x="8" y="{:.1}">{}</text><rect x="{:.1}" y="{y:.1}" width="{w:.1}" height="{bar_h}" fill="#9ecae1"><title>{}: entered {}</title></rect><rect x="{:.1}" y="{y:.1}" width="{wa:.1}" height="{bar_h}" fill="#3182bd"><title>{}: advanced {}</title></rect><text x="{:.1}" y="{:.1}" text-anchor="middle" fill="#fff">{} → {}</text><text x="{:.1}" y="{:.1}">adv {} · win {}</text>"##,
                y + bar_h / 2.0 + 4.0,
                esc(&s.name),
                cx - w / 2.0,
                esc(&s.name),
                s.entered,
                cx - wa / 2.0,
                esc(&s.name),
                s.advanced,
                cx,
                y + bar_h / 2.0 + 4.0,
                s.entered,
                s.advanced,
                180.0 + plot + 10.0,
                y + bar_h / 2.0 + 4.0,
                pct(s.advance_rate),
                pct(s.win_rate),
            );
        }
        out.push_str("</svg>");
        out
    }
}
